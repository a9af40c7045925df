"""Every function of corpus_tensor.py, run eagerly on Tensors and compiled with tg.compile:
outputs, which outputs require grad, and every input's `.grad` agree to 1e-12 in float64 for
every pattern of requires_grad over the inputs; PyTorch running the same source agrees too;
and second derivatives through create_graph=True agree with eager ones."""
import itertools

import numpy as np
import pytest

import transgrad as tg

from . import corpus_tensor as corpus

CASES = corpus.CASES
IDS = [fn.__name__ for fn, _ in CASES]
COMPILED = {fn: tg.compile(fn) for fn, _ in CASES}


def _arrays(fn, specs):
    rng = np.random.default_rng(abs(hash(fn.__name__)) % 2**32)
    out = []
    for spec in specs:
        if isinstance(spec, corpus.C):
            out.append(spec.make(rng))
        elif spec.positive:
            out.append(rng.uniform(0.5, 1.5, size=spec.shape))
        else:
            out.append(rng.standard_normal(spec.shape))
    return out


def _seed(shape, k):
    """A fixed cotangent for output k (outputs that are not scalars)."""
    n = int(np.prod(shape))
    return (np.linspace(-1.0, 1.5, n) + 0.25 * k).reshape(shape)


def _run(fn, lib, arrays, specs, pattern, create_graph=False):
    """(outputs as arrays, their requires_grad flags, .grad of the float inputs, inputs)."""
    from_numpy = lib.from_numpy
    inputs, diff = [], []
    flags = iter(pattern)
    for a, spec in zip(arrays, specs):
        t = from_numpy(np.array(a))
        if isinstance(spec, corpus.D):
            t.requires_grad_(next(flags))
            diff.append(t)
        inputs.append(t)
    out = fn(*inputs)
    outs = out if isinstance(out, tuple) else (out,)
    total = None
    for k, o in enumerate(outs):
        if o.requires_grad:
            term = (o * from_numpy(_seed(tuple(o.shape), k))).sum()
            total = term if total is None else total + term
    if total is not None:
        total.backward(create_graph=create_graph)
    grads = [None if t.grad is None else t.grad for t in diff]
    values = [o.detach().numpy() for o in outs]
    return values, [o.requires_grad for o in outs], grads, diff


def _as_array(g):
    return None if g is None else g.detach().numpy()


def _patterns(specs):
    n = sum(isinstance(s, corpus.D) for s in specs)
    return list(itertools.product((False, True), repeat=n))


@pytest.mark.parametrize("fn,specs", CASES, ids=IDS)
def test_compiled_matches_eager_for_every_requires_grad_pattern(fn, specs):
    arrays = _arrays(fn, specs)
    for pattern in _patterns(specs):
        e_vals, e_rg, e_grads, _ = _run(fn, tg, arrays, specs, pattern)
        c_vals, c_rg, c_grads, _ = _run(COMPILED[fn], tg, arrays, specs, pattern)
        for e, c in zip(e_vals, c_vals):
            np.testing.assert_allclose(c, e, rtol=1e-12, atol=1e-12)
        assert c_rg == e_rg, f"requires_grad of the outputs, pattern {pattern}"
        for i, (e, c) in enumerate(zip(e_grads, c_grads)):
            assert (e is None) == (c is None), f"input {i}, pattern {pattern}: eager {e}, compiled {c}"
            if e is not None:
                assert c.dtype == e.dtype and c.shape == e.shape
                np.testing.assert_allclose(_as_array(c), _as_array(e), rtol=1e-12, atol=1e-12,
                                           err_msg=f"input {i}, pattern {pattern}")


@pytest.mark.parametrize("fn,specs", CASES, ids=IDS)
def test_compiled_matches_pytorch_running_the_same_source(fn, specs):
    torch = pytest.importorskip("torch")
    torch_fn = corpus.torch_namespace()[fn.__name__]
    arrays = _arrays(fn, specs)
    for pattern in _patterns(specs):
        t_vals, t_rg, t_grads, _ = _run(torch_fn, torch, arrays, specs, pattern)
        c_vals, c_rg, c_grads, _ = _run(COMPILED[fn], tg, arrays, specs, pattern)
        for t, c in zip(t_vals, c_vals):
            np.testing.assert_allclose(c, t, rtol=1e-10, atol=1e-12)
        assert c_rg == t_rg
        for i, (t, c) in enumerate(zip(t_grads, c_grads)):
            assert (t is None) == (c is None), f"input {i}, pattern {pattern}"
            if t is not None:
                np.testing.assert_allclose(_as_array(c), t.detach().numpy(), rtol=1e-10,
                                           atol=1e-12, err_msg=f"input {i}, pattern {pattern}")


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("fn,specs", CASES, ids=IDS)
def test_second_derivatives_through_create_graph_match_eager(fn, specs):
    arrays = _arrays(fn, specs)
    pattern = (True,) * sum(isinstance(s, corpus.D) for s in specs)
    results = []
    for f in (fn, COMPILED[fn]):
        _, _, grads, diff = _run(f, tg, arrays, specs, pattern, create_graph=True)
        total = None
        for k, g in enumerate(grads):
            if g is not None and g.requires_grad:
                term = (g * tg.from_numpy(_seed(tuple(g.shape), k + 7))).sum()
                total = term if total is None else total + term
        firsts = [_as_array(g) for g in grads]
        seconds = None
        if total is not None:
            seconds = tg.autograd.grad(total, diff, allow_unused=True)
            seconds = [None if s is None else s.numpy() for s in seconds]
        results.append((firsts, seconds))
    (e_first, e_second), (c_first, c_second) = results
    for e, c in zip(e_first, c_first):
        np.testing.assert_allclose(c, e, rtol=1e-12, atol=1e-12)
    assert (e_second is None) == (c_second is None)
    if e_second is not None:
        for i, (e, c) in enumerate(zip(e_second, c_second)):
            e = 0.0 if e is None else e       # no path: a zero second derivative
            c = 0.0 if c is None else c
            np.testing.assert_allclose(c, e, rtol=1e-11, atol=1e-12, err_msg=f"input {i}")


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30
    assert len({fn.__name__ for fn, _ in CASES}) == len(CASES)
