"""Your own operations and rules: `tg.primitive` and `tg.custom_vjp` (see docs/custom.md).

`softclip` and `log1p_exp` are new primitives, declared once with their derivative in the
template language of transgrad's own rules; the eager Tensor engine, `tg.grad` (which calls
them by name in the code it generates) and forward mode all use that one declaration.
`safe_norm` keeps NumPy's function and gives it a reverse rule of its own, JAX style: its
gradient at 0 is 0 instead of nan. Run: python examples/custom_primitive.py
"""
import numpy as np

import transgrad as tg


# -- a primitive: the implementation, then the template stating the rule -------------------

def _softclip(x, limit=1.0):
    return limit * np.tanh(x / limit)


@tg.primitive(_softclip, elementwise=True)
def softclip(z, x, limit=1.0):
    """z = limit * tanh(x / limit)"""
    d[x] = d[z] * (1 - (z / limit) ** 2)


# -- a rule may call functions of its own module -------------------------------------------

def _log1p_exp(x):
    return np.logaddexp(0.0, x)


def logistic(x):
    """1 / (1 + exp(-x)), without overflow."""
    return np.exp(-np.logaddexp(0.0, -x))


@tg.primitive(_log1p_exp, elementwise=True)
def log1p_exp(z, x):
    """z = log(1 + exp(x)), softplus"""
    d[x] = d[z] * logistic(x)


# -- a custom reverse rule for a plain function --------------------------------------------

@tg.custom_vjp
def safe_norm(x):
    return np.sqrt(np.sum(x * x))


def safe_norm_fwd(x):
    n = np.sqrt(np.sum(x * x))
    return n, (x, n)


def safe_norm_bwd(residuals, g):
    x, n = residuals
    return (g * x / n if n > 0 else np.zeros_like(x),)


safe_norm.defvjp(safe_norm_fwd, safe_norm_bwd)


def penalty(w):
    return safe_norm(w)


def loss(w, x):
    """A small model using all three."""
    h = softclip(x @ w, limit=2.0)
    return np.sum(log1p_exp(h)) + 0.1 * safe_norm(w)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 2))
    x = rng.normal(size=(4, 3))

    # 1. eager: Tensors in, one node per call
    wt = tg.tensor(w, requires_grad=True)
    out = softclip(tg.tensor(x) @ wt, limit=2.0)
    print("eager node:", out.grad_fn.name())
    total = log1p_exp(out).sum() + 0.1 * safe_norm(wt)
    total.backward()
    print("eager gradient:\n", wt.grad.numpy().round(6))

    # 2. compiled reverse mode: the same gradient, generated ahead of time
    dloss = tg.grad(loss)
    print("tg.grad gradient:\n", dloss(w, x).round(6))
    print("at w = 0 the penalty's gradient is", tg.grad(penalty)(np.zeros(3)))
    print()
    print(tg.source(dloss))
