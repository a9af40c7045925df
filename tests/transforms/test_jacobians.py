"""tg.jacobian (both modes) and tg.hessian against closed forms, finite differences and JAX."""
import numpy as np
import pytest

import transgrad as tg

from . import functions as F


def _logistic_problem(n=200, d=100, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (rng.uniform(size=n) < 0.5).astype(float)
    w = rng.normal(size=d) * 0.1
    return w, X, y


def test_hessian_of_logistic_regression_matches_closed_form():
    w, X, y = _logistic_problem()
    lam = 0.1
    H = tg.hessian(F.logistic_loss)(w, X, y, lam)
    p = 1.0 / (1.0 + np.exp(-X @ w))
    expected = X.T @ np.diag(p * (1.0 - p)) @ X / len(y) + lam * np.eye(len(w))
    assert H.shape == (100, 100)
    np.testing.assert_allclose(H, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(H, H.T, atol=1e-12)


def _fd_jacobian(fn, args, p, eps=1e-6):
    x = np.asarray(args[p], dtype=float)
    out = np.asarray(fn(*args))
    J = np.zeros(out.shape + x.shape)
    for k in np.ndindex(x.shape) if x.shape else [()]:
        e = np.zeros(x.shape)
        e[k] = eps
        moved = list(args)
        plus, minus = list(args), list(args)
        plus[p] = x + e if x.shape else float(x + eps)
        minus[p] = x - e if x.shape else float(x - eps)
        J[(Ellipsis,) + k] = (np.asarray(fn(*plus)) - np.asarray(fn(*minus))) / (2 * eps)
        del moved
    return J


def _cases():
    rng = np.random.default_rng(3)
    return [
        (F.softmax_layer, (rng.normal(size=4), rng.normal(size=(3, 4))), 0),
        (F.softmax_layer, (rng.normal(size=4), rng.normal(size=(3, 4))), 1),
        (F.elementwise_poly, (rng.normal(size=5),), 0),
        (F.matrix_out, (rng.normal(size=(2, 3)),), 0),
        (F.scalar_in_vector_out, (0.7,), 0),
        (F.loop_map, (rng.normal(size=4),), 0),
        (F.rosenbrock, (rng.normal(size=5),), 0),
    ]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn, args, p", _cases(), ids=lambda v: getattr(v, "__name__", ""))
def test_jacobian_matches_finite_differences(fn, args, p, mode):
    J = tg.jacobian(fn, argnums=p, mode=mode)(*args)
    expected = _fd_jacobian(fn, args, p)
    assert J.shape == expected.shape
    np.testing.assert_allclose(J, expected, rtol=1e-6, atol=1e-8)


def _jax_function(fn):
    import types
    jax = pytest.importorskip("jax")
    return types.FunctionType(fn.__code__, dict(fn.__globals__, np=jax.numpy), fn.__name__,
                              fn.__defaults__, fn.__closure__)


@pytest.mark.parametrize("fn, args, p", _cases(), ids=lambda v: getattr(v, "__name__", ""))
def test_jacobians_match_jax(fn, args, p):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jf = _jax_function(fn)
    rev = np.asarray(jax.jacrev(jf, argnums=p)(*args))
    fwd = np.asarray(jax.jacfwd(jf, argnums=p)(*args))
    np.testing.assert_allclose(tg.jacobian(fn, p, mode="reverse")(*args), rev, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tg.jacobian(fn, p, mode="forward")(*args), fwd, rtol=1e-10, atol=1e-12)


def test_jacobian_with_several_argnums_gives_one_block_each():
    rng = np.random.default_rng(5)
    x, W = rng.normal(size=4), rng.normal(size=(3, 4))
    for mode in ("reverse", "forward"):
        Jx, JW = tg.jacobian(F.softmax_layer, (0, 1), mode=mode)(x, W)
        assert Jx.shape == (3, 4) and JW.shape == (3, 3, 4)
        np.testing.assert_allclose(Jx, _fd_jacobian(F.softmax_layer, (x, W), 0), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(JW, _fd_jacobian(F.softmax_layer, (x, W), 1), rtol=1e-6, atol=1e-8)


def test_hessian_matches_jax_on_rosenbrock_and_two_arguments():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = np.array([0.3, -1.2, 0.8, 1.5])
    np.testing.assert_allclose(tg.hessian(F.rosenbrock)(x),
                               np.asarray(jax.hessian(_jax_function(F.rosenbrock))(x)),
                               rtol=1e-10, atol=1e-10)
    y = np.array([0.5, -0.25, 2.0, 1.0])
    for p in (0, 1):
        np.testing.assert_allclose(tg.hessian(F.two_args, p)(x, y),
                                   np.asarray(jax.hessian(_jax_function(F.two_args), p)(x, y)),
                                   rtol=1e-10, atol=1e-10)


def test_jacobian_refuses_a_bad_mode_and_integer_arguments():
    with pytest.raises(tg.TransgradError, match="mode"):
        tg.jacobian(F.elementwise_poly, mode="sideways")
    with pytest.raises(tg.TransgradError, match="floats"):
        tg.jacobian(F.elementwise_poly)(np.arange(3))
