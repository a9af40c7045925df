"""Derivative matrices with every seed in one batched pass against one pass per seed (issue 6,
item 3), and against JAX when installed.

- the Hessian of a logistic-regression loss with 100 parameters (forward over reverse);
- the reverse-mode Jacobian of `tanh(outer(x, x) @ x)` with 50 outputs.
With `--benchmark-disable` (the normal suite) each runs once, as a smoke test that checks the
matrix; `pytest tests/benchmarks/test_jacobian_bench.py --benchmark-enable` times them (one run,
medians: the Hessian 1.59 ms batched vs 11.6 ms one seed at a time, jax.jit(jax.hessian)
0.23 ms; the Jacobian 0.24 ms vs 1.44 ms). No timing is asserted here.
"""
import numpy as np
import pytest

import transgrad as tg


def logistic_loss(w, X, y, lam):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)) + 0.5 * lam * np.sum(w * w)


def cubic_layer(x):
    return np.tanh(np.outer(x, x) @ x)


def _problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 100))
    y = (rng.uniform(size=200) < 0.5).astype(float)
    return rng.normal(size=100) * 0.1, X, y, 0.1


def _closed_form(w, X, y, lam):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return X.T @ (X * (p * (1 - p))[:, None]) / len(y) + lam * np.eye(len(w))


@pytest.mark.parametrize("vectorize", [True, False], ids=["batched", "per-seed"])
def test_hessian_of_logistic_regression(benchmark, vectorize):
    args = _problem()
    hessian = tg.hessian(logistic_loss, vectorize=vectorize)
    hessian(*args)                                       # compile outside the timing
    H = benchmark(hessian, *args)
    assert hessian.batched is vectorize
    np.testing.assert_allclose(H, _closed_form(*args), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("vectorize", [True, False], ids=["batched", "per-seed"])
def test_reverse_jacobian_of_a_vector_function(benchmark, vectorize):
    x = np.random.default_rng(1).normal(size=50)
    jacobian = tg.jacobian(cubic_layer, mode="reverse", vectorize=vectorize)
    jacobian(x)
    J = benchmark(jacobian, x)
    assert jacobian.batched is vectorize
    s = np.outer(x, x) @ x                               # d tanh(|x|^2 x) by hand
    expected = (1 - np.tanh(s) ** 2)[:, None] * (np.dot(x, x) * np.eye(50) + 2 * np.outer(x, x))
    np.testing.assert_allclose(J, expected, rtol=1e-10, atol=1e-12)


def test_jax_hessian_same_problem(benchmark):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy

    def loss(w, X, y, lam):
        p = 1.0 / (1.0 + jnp.exp(-(X @ w)))
        return -jnp.mean(y * jnp.log(p) + (1.0 - y) * jnp.log(1.0 - p)) + 0.5 * lam * jnp.sum(w * w)

    args = _problem()
    hessian = jax.jit(jax.hessian(loss))
    hessian(*args).block_until_ready()
    H = benchmark(lambda: hessian(*args).block_until_ready())
    np.testing.assert_allclose(np.asarray(H), _closed_form(*args), rtol=1e-10, atol=1e-12)
