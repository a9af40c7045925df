"""Gradients keep the dtype of their arguments: a float32 function's gradient is float32
(as in JAX and PyTorch), and a float32 backward pass never runs in float64."""
import numpy as np
import pytest

import transgrad as tg


def mlp_loss(W, b, X, Y):
    z = np.tanh(X @ W + b)
    m = np.max(z, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return np.mean(np.sum(Y * (lse - z), axis=1))


def mean_square(x):
    return np.mean(x * x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_keeps_the_argument_dtype(dtype):
    rng = np.random.default_rng(0)
    W = rng.standard_normal((6, 4)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    X = rng.standard_normal((5, 6)).astype(dtype)
    Y = np.eye(4, dtype=dtype)[[0, 1, 2, 3, 0]]
    gW, gb = tg.grad(mlp_loss, argnums=(0, 1))(W, b, X, Y)
    assert gW.dtype == dtype and gb.dtype == dtype
    gW64, gb64 = tg.grad(mlp_loss, argnums=(0, 1))(*(a.astype(np.float64) for a in (W, b, X, Y)))
    np.testing.assert_allclose(gW, gW64, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gb, gb64, rtol=1e-4, atol=1e-6)


def test_float32_seed_in_generated_source():
    x = np.ones(3, dtype=np.float32)
    df = tg.grad(mean_square)
    g = df(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * x / 3)
    assert "np.float32(1.0)" in tg.source(df)


def float32_rnn(Wx, Wh, b, x):
    h = np.zeros((x.shape[1], Wh.shape[0]), dtype=np.float32)
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ Wx + h @ Wh + b)
    return np.sum(h ** 2)


def test_float32_loop_accumulators_and_seed_stay_float32():
    rng = np.random.default_rng(1)
    f32 = np.float32
    args = (rng.standard_normal((3, 4)).astype(f32) * 0.3, rng.standard_normal((4, 4)).astype(f32) * 0.3,
            np.zeros(4, f32), rng.standard_normal((5, 2, 3)).astype(f32))
    grads = tg.grad(float32_rnn, argnums=(0, 1, 2))(*args)
    assert [g.dtype for g in grads] == [np.float32] * 3
    grads64 = tg.grad(float32_rnn, argnums=(0, 1, 2))(*(a.astype(np.float64) for a in args))
    for g, g64 in zip(grads, grads64):
        np.testing.assert_allclose(g, g64, rtol=1e-4, atol=1e-5)
