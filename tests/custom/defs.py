"""User-declared primitives, custom_vjp functions and functions calling them, for the tests
of tests/custom/ (a module of its own, so that generated code imports them by name)."""
import numpy as np

import transgrad as tg


# -- primitives -------------------------------------------------------------------------------

def _softclip(x, limit=1.0):
    return limit * np.tanh(x / limit)


@tg.primitive(_softclip, elementwise=True)
def softclip(z, x, limit=1.0):
    """z = limit * tanh(x / limit)"""
    d[x] = d[z] * (1 - (z / limit) ** 2)


def _smooth_abs(x, eps=0.1):
    return np.sqrt(x * x + eps * eps)


def ratio(a, b):
    """A helper of this module that the rule of smooth_abs calls."""
    return a / b


@tg.primitive(_smooth_abs, elementwise=True)
def smooth_abs(z, x, eps=0.1):
    """z = sqrt(x ** 2 + eps ** 2)"""
    d[x] = d[z] * ratio(x, z)


def _cumsum_last(x):
    return np.cumsum(x, axis=-1)


def reverse_cumsum(g):
    return np.flip(np.cumsum(np.flip(g, -1), -1), -1)


@tg.primitive(_cumsum_last, linear=True)
def cumsum_last(z, x):
    """z = cumulative sum along the last axis (linear: t[z] = cumsum_last(t[x]))"""
    d[x] = reverse_cumsum(d[z])


def _rowdot(x, y):
    return np.sum(x * y, axis=-1)


@tg.primitive(_rowdot, bilinear=True)
def rowdot(z, x, y):
    """z[i] = sum_j x[i, j] * y[i, j] (bilinear: t[z] = rowdot(t[x], y) + rowdot(x, t[y]))"""
    d[x] = np.expand_dims(d[z], -1) * y
    d[y] = np.expand_dims(d[z], -1) * x


def _normalize(x):
    return x / np.sqrt(np.sum(x * x))


@tg.primitive(_normalize)
def normalize(z, x):
    """z = x / |x|"""
    n = np.sqrt(np.sum(x * x))
    d[x] = (d[z] - z * np.sum(d[z] * z)) / n
    t[z] = (t[x] - z * np.sum(t[x] * z)) / n


def _smooth_max(x, y):
    return np.logaddexp(x, y)


@tg.primitive(_smooth_max, elementwise=True)
def smooth_max(z, x, y):
    """z = log(exp(x) + exp(y))"""
    d[x] = d[z] * np.exp(x - z)
    d[y] = d[z] * np.exp(y - z)


def explode_if_negative(x):
    if np.any(x < 0):
        raise ValueError("a negative value reached the rule")
    return np.ones_like(x)


def _fragile(x):
    return x * 1.0


@tg.primitive(_fragile, elementwise=True)
def fragile(z, x):
    """z = x, whose rule refuses negative inputs"""
    d[x] = d[z] * explode_if_negative(x)  # FRAGILE-RULE


# -- functions using them ---------------------------------------------------------------------

def uses_softclip(x):
    return np.sum(softclip(x, limit=2.0) ** 2)


def uses_all(x, y):
    a = smooth_abs(x, eps=0.5)
    b = cumsum_last(a * y)
    c = rowdot(b, normalize(y))
    return np.sum(smooth_max(c, np.sum(x)) * softclip(c))


def uses_fragile(x):
    return np.sum(fragile(x) * 2.0)  # FRAGILE-CALL


# -- custom_vjp --------------------------------------------------------------------------------

@tg.custom_vjp
def lse(x, scale=1.0):
    m = np.max(x)
    return m + np.log(np.sum(np.exp((x - m) * scale))) / scale


def lse_fwd(x, scale):
    m = np.max(x)
    e = np.exp((x - m) * scale)
    s = np.sum(e)
    return m + np.log(s) / scale, (e / s, x, m, s, scale)


def lse_bwd(residuals, g):
    p, x, m, s, scale = residuals
    # d/dscale of m + log(sum(exp((x - m) * scale))) / scale
    dscale = np.sum(p * (x - m)) / scale - np.log(s) / scale ** 2
    return g * p, g * dscale


lse.defvjp(lse_fwd, lse_bwd)


@tg.custom_vjp
def clip_gradient(x, lo, hi):
    return x


def clip_gradient_fwd(x, lo, hi):
    return x, (lo, hi)


def clip_gradient_bwd(residuals, g):
    lo, hi = residuals
    return np.clip(g, lo, hi), None, None


clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)


@tg.custom_vjp
def wrong_count(x, y):
    return x * y


wrong_count.defvjp(lambda x, y: (x * y, (x, y)), lambda res, g: (g * res[1],))


@tg.custom_vjp
def no_rule_yet(x):
    return x


def uses_lse(x, w):
    y = x * w
    return lse(y) * 2.0 + lse(y, 3.0) + np.sum(y)


def uses_lse_scale(x, s):
    return lse(x, s) * s


def uses_lse_in_loop(x, w):
    total = 0.0
    for k in range(4):
        x = np.sin(x) * w
        total = total + lse(x, 2.0)
    return total


def uses_clip(x):
    return np.sum(clip_gradient(x * 10.0, -1.0, 1.0))


def uses_wrong_count(x, y):
    return np.sum(wrong_count(x, y))


def uses_no_rule(x):
    return np.sum(no_rule_yet(x))


def lse_in_jvp(x):
    return lse(x) * 2.0


# -- checkpoint --------------------------------------------------------------------------------

def cell(h, xt, W, U):
    a = xt @ W + h @ U
    return np.tanh(a) * 0.5 + np.sin(a) * 0.1


def run_plain(W, U, xs, h):
    for t in range(xs.shape[0]):
        h = cell(h, xs[t], W, U)
    return np.sum(h * h)


def run_call_of_call(W, U, xs, h):
    for t in range(xs.shape[0]):
        h = tg.checkpoint(cell)(h, xs[t], W, U)
    return np.sum(h * h)


def run_three_args(W, U, xs, h):
    for t in range(xs.shape[0]):
        h = tg.checkpoint(cell, h, xs[t], W, U)
    return np.sum(h * h)


checkpointed_cell = tg.checkpoint(cell)


def run_wrapper(W, U, xs, h):
    for t in range(xs.shape[0]):
        h = checkpointed_cell(h, xs[t], W, U)
    return np.sum(h * h)


def two_cells(h, xa, xb, W, U):
    h = tg.checkpoint(cell)(h, xa, W, U)         # nested: checkpointed inside a checkpoint
    return cell(h, xb, W, U)


def run_nested(W, U, xs, h):
    for t in range(0, xs.shape[0], 2):
        h = tg.checkpoint(two_cells, h, xs[t], xs[t + 1], W, U)
    return np.sum(h * h)


def run_checkpoint_primitive(x):
    return np.sum(tg.checkpoint(np.sin, x))


def run_checkpoint_keywords(W, U, xs, h):
    return np.sum(tg.checkpoint(cell)(h, xs[0], W=W, U=U))


def make_cell():
    return cell


def run_call_of_other_call(W, U, xs, h):
    return np.sum(make_cell()(h, xs[0], W, U))
