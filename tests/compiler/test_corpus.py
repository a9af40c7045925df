"""Every corpus function's compiled gradient against finite differences, JAX and the tape.

- central finite differences in float64, on every coordinate of every differentiated argument;
- JAX (when installed) on the cases JAX itself can differentiate: the very source, with `np`
  bound to `jax.numpy`; data-dependent control flow and in-place writes are beyond jax.grad,
  so those cases are left to the other checks (and the test asserts JAX ran on enough);
- the eager tape (`transgrad.Tensor`, when present): the same function run on Tensors.
"""
import copy
import types

import numpy as np
import pytest

import transgrad as tg

from .corpus import CASES

EPS = 1e-6


def _positions(case):
    return case.argnums if isinstance(case.argnums, tuple) else (case.argnums,)


def _leaves(value, path=()):
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _leaves(v, path + (i,))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, path + (k,))
    else:
        yield path, value


def _replace(value, path, leaf):
    if not path:
        return leaf
    if isinstance(value, tuple):
        items = list(value)
        items[path[0]] = _replace(items[path[0]], path[1:], leaf)
        return tuple(items)
    value = copy.copy(value)
    value[path[0]] = _replace(value[path[0]], path[1:], leaf)
    return value


def finite_differences(case):
    """Per differentiated argument, [(path, gradient of that leaf)] by central differences."""
    args = case.make_args()
    fn = case.numpy_function(*case.make_args())

    def value(moved):
        out = fn(*moved)
        return float(out[0] if case.has_aux else out)

    result = []
    for p in _positions(case):
        grads = []
        for path, leaf in _leaves(args[p]):
            flat = np.array(leaf, dtype=np.float64).reshape(-1)
            g = np.zeros_like(flat)
            for k in range(flat.size):
                values = []
                for sign in (1.0, -1.0):
                    moved_leaf = flat.copy()
                    moved_leaf[k] += sign * EPS
                    new = moved_leaf.reshape(np.shape(leaf)) if np.ndim(leaf) else float(moved_leaf[0])
                    moved = list(case.make_args())
                    moved[p] = _replace(moved[p], path, new)
                    values.append(value(moved))
                g[k] = (values[0] - values[1]) / (2 * EPS)
            grads.append((path, g.reshape(np.shape(leaf)) if np.ndim(leaf) else g[0]))
        result.append(grads)
    return result


def _pick(tree, path):
    for key in path:
        tree = tree[key]
    return tree


def compiled_gradients(case):
    out = tg.grad(case.fn, case.argnums, has_aux=case.has_aux)(*case.make_args())
    if case.has_aux:
        out = out[0]
    return out if isinstance(case.argnums, tuple) else (out,)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matches_finite_differences(case):
    got = compiled_gradients(case)
    expected = finite_differences(case)
    assert len(got) == len(expected)
    for g, leaves in zip(got, expected):
        for path, e in leaves:
            value = _pick(g, path)
            assert np.shape(value) == np.shape(e), f"gradient at {path} has shape {np.shape(value)}"
            np.testing.assert_allclose(value, e, rtol=case.rtol, atol=1e-6)


def test_corpus_covers_every_category():
    tags = {t for c in CASES for t in c.tags}
    needed = {"scalar", "vector", "matrix", "if", "elif", "ifexp", "for-range", "for-array",
              "for-list", "enumerate", "zip", "while", "break", "continue", "early-return",
              "return-in-loop", "call", "call-twice", "recursion", "closure", "keywords",
              "defaults", "list-build", "list-append", "list-comprehension", "tuple", "dict",
              "index-read", "index-write", "overwrite", "stop-gradient", "detach", "no-grad",
              "print", "assert", "augassign", "unpack", "tensor-style", "methods", "W1", "W2",
              "W3", "W4", "W5", "W6"}
    assert needed <= tags, f"missing categories: {sorted(needed - tags)}"
    assert len(CASES) >= 80


# -- JAX as an oracle --------------------------------------------------------------------

_JAX_RAN = []


def _jax_version(fn, jnp):
    return types.FunctionType(fn.__code__, dict(fn.__globals__, np=jnp), fn.__name__,
                              fn.__defaults__, fn.__closure__)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matches_jax(case):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    if case.reference is not None or case.has_aux:
        pytest.skip("the reference of this case is not its own source")
    fn = _jax_version(case.fn, jnp)
    try:
        expected = jax.grad(fn, argnums=case.argnums)(*case.make_args())
    except Exception as err:  # noqa: BLE001 - beyond what jax.grad traces (Python control flow on values...)
        pytest.skip(f"jax.grad cannot run this source: {type(err).__name__}")
    _JAX_RAN.append(case.name)
    got = compiled_gradients(case)
    expected = expected if isinstance(case.argnums, tuple) else (expected,)
    for g, e in zip(got, expected):
        mine, theirs = dict(_leaves(g)), dict(_leaves(e))
        assert set(mine) == set(theirs)
        for path, gl in mine.items():
            np.testing.assert_allclose(gl, np.asarray(theirs[path]), rtol=1e-9, atol=1e-12,
                                       err_msg=str(path))


def test_jax_checked_enough_cases():
    pytest.importorskip("jax")
    if not _JAX_RAN:
        pytest.skip("run together with test_matches_jax")
    assert len(_JAX_RAN) >= 25, f"JAX checked only {len(_JAX_RAN)} cases: {_JAX_RAN}"


# -- the eager tape as an oracle ---------------------------------------------------------

def _tensorise(value):
    if isinstance(value, (list, tuple)):
        items = [_tensorise(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: _tensorise(v) for k, v in value.items()}
    return tg.tensor(np.asarray(value, dtype=np.float64), requires_grad=True)


_EAGER_RAN = []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matches_eager_tape(case):
    if not hasattr(tg, "Tensor"):
        pytest.skip("transgrad.Tensor is not built yet")
    args = list(case.make_args())
    leaves = []
    for p in _positions(case):
        args[p] = _tensorise(args[p])
        leaves.append(args[p])
    try:
        out = case.fn(*args)
        if case.has_aux:
            out = out[0]
        out.backward()
    except Exception as err:  # noqa: BLE001 - the eager engine may not run every construct yet
        pytest.skip(f"the eager engine cannot run this case: {type(err).__name__}: {err}"[:200])
    _EAGER_RAN.append(case.name)
    got = compiled_gradients(case)
    for g, tree in zip(got, leaves):
        for (path, gl), (_, t) in zip(_leaves(g), _leaves(tree)):
            eager = t.grad
            eager = np.zeros(np.shape(gl)) if eager is None else np.asarray(eager.numpy())
            np.testing.assert_allclose(gl, eager, rtol=1e-8, atol=1e-10, err_msg=str(path))


def test_eager_checked_enough_cases():
    if not hasattr(tg, "Tensor") or not _EAGER_RAN:
        pytest.skip("run together with test_matches_eager_tape")
    assert len(_EAGER_RAN) >= 20, f"the tape checked only {len(_EAGER_RAN)} cases"
