"""Second derivatives of the compiler's corpus, by transforming generated code again.

- forward over reverse: `tg.jvp(tg.grad(f), args, t)` is the Hessian-vector product H t,
  checked against central differences of the (first-order, already checked) gradient;
- reverse over reverse: `tg.grad` of `<tg.grad(f)(x), v>` is H v too (H is symmetric).
"""
import numpy as np
import pytest

import transgrad as tg

from ..compiler.corpus import CASES
from .helpers import positions, tangents_for, zeros_like

EPS = 1e-5


def _axpy(x, a, t):
    """x + a * t, leaf by leaf."""
    if isinstance(x, (list, tuple)):
        items = [_axpy(u, a, w) for u, w in zip(x, t)]
        return items if isinstance(x, list) else tuple(items)
    if isinstance(x, dict):
        return {k: _axpy(x[k], a, t[k]) for k in x}
    if isinstance(x, np.ndarray) and not np.issubdtype(x.dtype, np.inexact):
        return x
    if isinstance(x, (int, bool)) and not isinstance(x, float):
        return x
    return x + a * t


def _gradient(case, args):
    g = tg.grad(case.fn, case.argnums, has_aux=case.has_aux)(*args)
    return g[0] if case.has_aux else g


def _fd_hvp(case, args, tangents):
    plus = tuple(_axpy(x, EPS, t) for x, t in zip(args, tangents))
    minus = tuple(_axpy(x, -EPS, t) for x, t in zip(args, tangents))
    return _axpy(_gradient(case, plus), -1.0, _gradient(case, minus)), 1 / (2 * EPS)


def _assert_tree_close(got, fd, scale, rtol, atol, where=""):
    if isinstance(fd, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(fd), where
        for i, (g, f) in enumerate(zip(got, fd)):
            _assert_tree_close(g, f, scale, rtol, atol, f"{where}[{i}]")
        return
    if isinstance(fd, dict):
        for k in fd:
            _assert_tree_close(got[k], fd[k], scale, rtol, atol, f"{where}[{k!r}]")
        return
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(fd, dtype=float) * scale,
                               rtol=rtol, atol=atol, err_msg=where)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_forward_over_reverse_hvp(case):
    args = case.make_args()
    tangents = tangents_for(case, args, seed=1)
    df = tg.grad(case.fn, case.argnums, has_aux=case.has_aux)
    grad_value, hvp = tg.jvp(df, args, tangents)
    if case.has_aux:
        grad_value, hvp = grad_value[0], hvp[0]
    _assert_tree_close(grad_value, _gradient(case, case.make_args()), 1.0, 1e-12, 1e-12)
    expected, scale, rtol = _hvp_expected(case, case.make_args(), tangents)
    _assert_tree_close(hvp, expected, scale, rtol, 1e-6)


def _leaf_paths(value, path=()):
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _leaf_paths(v, path + (i,))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _leaf_paths(v, path + (k,))
    else:
        yield path, value


def _nested_fd_hvp(case, args, tangents):
    """H t of the reference function (stop_gradient'ed values frozen at args), by central
    differences of central differences (for the cases whose reference is a lambda)."""
    (p,) = positions(case)
    ref = case.numpy_function(*case.make_args())
    x, t = np.asarray(args[p], dtype=float), np.asarray(tangents[p], dtype=float)
    h = 1e-4

    def value(y):
        moved = list(args)
        moved[p] = y if np.ndim(args[p]) else float(y)
        return float(ref(*moved))

    out = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[k] = h
        out[k] = (value(x + h * t + e) - value(x + h * t - e) - value(x - h * t + e)
                  + value(x - h * t - e)) / (4 * h * h)
    return out if np.ndim(args[p]) else float(out)


def _hvp_expected(case, args, tangents):
    if case.reference is not None:
        return _nested_fd_hvp(case, args, tangents), 1.0, 1e-4
    diff, scale = _fd_hvp(case, args, tangents)
    return diff, scale, 1e-5


# -- reverse over reverse -------------------------------------------------------------------

def _directional_module(case, tangents, tmp_path, args):
    """A module defining `directional(a0, ...) = <tg.grad(f)(a0, ...), v>`, with v's leaves as
    module globals: its source is a file, so the compiler reads it like any user code."""
    import importlib.util
    import sys
    params = [f"a{i}" for i in range(len(args))]
    call = f"df({', '.join(params)})" + ("[0]" if case.has_aux else "")
    single = not isinstance(case.argnums, tuple)
    terms, leaves = [], {}
    for j, p in enumerate(positions(case)):
        for path, leaf in _leaf_paths(tangents[p]):
            name = f"v_{j}_{len(leaves)}"
            leaves[name] = leaf
            index = ("" if single else f"[{j}]") + "".join(f"[{k!r}]" for k in path)
            terms.append(f"np.sum(g{index} * {name})")
    text = ("import numpy as np\n\n\n"
            f"def directional({', '.join(params)}):\n"
            f"    g = {call}\n"
            f"    return {' + '.join(terms)}\n")
    name = f"directional_{case.name}"
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    module.df = tg.grad(case.fn, case.argnums, has_aux=case.has_aux)
    for k, v in leaves.items():
        setattr(module, k, v)
    return module.directional


# A gradient function called inside transformed code is specialised on its arguments' kinds
# and shapes (or, for a list of tuples such as mlp_params', on its abstract values): every
# corpus function works.
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_reverse_over_reverse_hvp(case, tmp_path):
    args = case.make_args()
    tangents = tangents_for(case, args, seed=1)
    directional = _directional_module(case, tangents, tmp_path, args)
    hvp = tg.grad(directional, case.argnums)(*case.make_args())
    expected, scale, rtol = _hvp_expected(case, case.make_args(), tangents)
    _assert_tree_close(hvp, expected, scale, rtol, 1e-6)


# -- grad of grad, for the corpus functions of one float ------------------------------------

_SCALAR_CASES = [c for c in CASES if isinstance(c.argnums, int) and not c.has_aux
                 and isinstance(c.make_args()[c.argnums], float)]


@pytest.mark.parametrize("case", _SCALAR_CASES, ids=lambda c: c.name)
def test_grad_of_grad_of_scalar_functions(case):
    p = case.argnums
    second = tg.grad(tg.grad(case.fn, p), p)(*case.make_args())
    expected, scale, rtol = _hvp_expected(case, case.make_args(), tuple(
        1.0 if i == p else zeros_like(a) for i, a in enumerate(case.make_args())))
    _assert_tree_close(second, expected, scale, rtol, 1e-6)


def test_enough_scalar_cases():
    assert len(_SCALAR_CASES) >= 5


# -- JAX as an oracle for Hessian-vector products -------------------------------------------

def _jax_version(fn, jnp):
    import types
    return types.FunctionType(fn.__code__, dict(fn.__globals__, np=jnp), fn.__name__,
                              fn.__defaults__, fn.__closure__)


_JAX_RAN = []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hvp_matches_jax(case):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    if case.reference is not None or case.has_aux:
        pytest.skip("the reference of this case is not its own source")
    args = case.make_args()
    tangents = tangents_for(case, args, seed=1)
    wrt = positions(case)
    fn = _jax_version(case.fn, jax.numpy)

    def gradient(*w):
        full = list(case.make_args())
        for p, v in zip(wrt, w):
            full[p] = v
        return jax.grad(fn, argnums=case.argnums)(*full)
    try:
        _, expected = jax.jvp(gradient, tuple(args[p] for p in wrt), tuple(tangents[p] for p in wrt))
    except Exception as err:  # noqa: BLE001 - beyond what JAX traces (Python control flow on values)
        pytest.skip(f"JAX cannot run this source: {type(err).__name__}")
    _JAX_RAN.append(case.name)
    _, hvp = tg.jvp(tg.grad(case.fn, case.argnums), args, tangents)
    _assert_tree_close(hvp, jax.tree_util.tree_map(np.asarray, expected), 1.0, 1e-9, 1e-11)


def test_jax_checked_enough_hvps():
    pytest.importorskip("jax")
    if not _JAX_RAN:
        pytest.skip("run together with test_hvp_matches_jax")
    assert len(_JAX_RAN) >= 25, _JAX_RAN
