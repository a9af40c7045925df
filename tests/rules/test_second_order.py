"""Second order, for every primitive with samples: the eager engine differentiates the
registry's own reverse rules (create_graph=True), compared with finite differences.

For a sample, random cotangent(s) `v` and weights `w`, the scalar
    q(x) = sum_i <w_i, vjp_i(v; x)>
is computed with the lowered rules on arrays (`Rule.fn`), and its gradient is obtained from the
engine as `grad(sum_i <w_i, g_i>, x)` where `g = grad(f(x), x, v, create_graph=True)`. The two
are compared along a random direction `u` with central differences of q.
"""
import numpy as np
import pytest

import transgrad as tg
from transgrad import registry
from transgrad.eager import dispatch

from .samples import SAMPLES

EPS = 1e-6


def _cases():
    for prim in registry.all_primitives():
        if not prim.differentiable:
            continue
        for k, sample in enumerate(SAMPLES.get(prim.name, ())):
            if sample.second_order and sample.checked_inputs():
                yield pytest.param(prim, sample, id=f"{prim.name}-{k}{sample!r}")


def _statics(prim, sample):
    return tuple(sample.statics.get(s, prim.statics[s]) for s in prim.static_names)


def _flat(values, checked):
    """The checked inputs as a flat list of arrays (sequence inputs contribute each element)."""
    out = []
    for i in checked:
        v = values[i]
        out.extend(v if isinstance(v, list) else [v])
    return [np.asarray(a, dtype=np.float64) for a in out]


def _unflat(values, checked, flat):
    values = list(values)
    k = 0
    for i in checked:
        if isinstance(values[i], list):
            n = len(values[i])
            values[i] = [flat[k + j] if np.ndim(flat[k + j]) else float(flat[k + j]) for j in range(n)]
            k += n
        else:
            keep_array = isinstance(values[i], np.ndarray) or np.ndim(flat[k])
            values[i] = flat[k] if keep_array else float(flat[k])
            k += 1
    return values


def _q(prim, sample, values, checked, vs, ws):
    """sum_i <w_i, vjp_i(v; x)> with the lowered rules on arrays."""
    statics = _statics(prim, sample)
    out = prim.run(*values, *statics)
    args = prim.rule_args(out, values, statics)
    seed = list(vs) if prim.multiple_outputs else vs[0]
    total = 0.0
    k = 0
    for i in checked:
        g = prim.vjps[i].fn(seed, *args)
        parts = list(g) if isinstance(values[i], list) else [g]
        for p in parts:
            total += float(np.sum(ws[k] * np.asarray(p)))
            k += 1
    return total


def _as_tensors(values, checked):
    tensors = []
    inputs = list(values)
    for i in checked:
        v = values[i]
        if isinstance(v, list):
            ts = [tg.tensor(np.asarray(e, dtype=np.float64), requires_grad=True) for e in v]
            inputs[i] = ts
            tensors.extend(ts)
        else:
            t = tg.tensor(np.asarray(v, dtype=np.float64), requires_grad=True)
            inputs[i] = t
            tensors.append(t)
    return inputs, tensors


@pytest.mark.parametrize("prim,sample", _cases())
def test_second_order_matches_finite_differences(prim, sample):
    rng = np.random.default_rng(3)
    values = sample.draw(rng)
    checked = sample.checked_inputs()
    statics = _statics(prim, sample)
    out = prim.run(*values, *statics)
    outs = list(out) if prim.multiple_outputs else [out]
    vs = [rng.standard_normal(np.shape(o)) for o in outs]
    flat = _flat(values, checked)
    ws = [rng.standard_normal(np.shape(a)) for a in flat]
    us = [rng.standard_normal(np.shape(a)) for a in flat]

    # the engine: differentiate the vjp once more
    inputs, xs = _as_tensors(values, checked)
    result = dispatch.apply(prim, tuple(inputs), statics)
    results = list(result) if prim.multiple_outputs else [result]
    gs = tg.autograd.grad(results, xs, [tg.tensor(v) for v in vs], create_graph=True, allow_unused=True)
    q = sum((g * tg.tensor(w)).sum() for g, w in zip(gs, ws) if g is not None)
    if not (isinstance(q, tg.Tensor) and q.requires_grad):
        hess = [np.zeros_like(a) for a in flat]    # the vjp does not depend on x (linear primitive)
    else:
        hess = [np.zeros_like(a) if h is None else h.numpy()
                for a, h in zip(flat, tg.autograd.grad(q, xs, allow_unused=True))]
    engine = sum(float(np.sum(h * u)) for h, u in zip(hess, us))

    plus = _unflat(values, checked, [a + EPS * u for a, u in zip(flat, us)])
    minus = _unflat(values, checked, [a - EPS * u for a, u in zip(flat, us)])
    fd = (_q(prim, sample, plus, checked, vs, ws) - _q(prim, sample, minus, checked, vs, ws)) / (2 * EPS)
    np.testing.assert_allclose(engine, fd, rtol=1e-5, atol=1e-6)
