"""NumPy's dispatch protocols on Tensors: NumPy code runs on Tensors and is recorded."""
import numpy as np
import pytest

import transgrad as tg
from transgrad.errors import TransgradError, UnsupportedFunctionError


def loss(w, x):
    """Written with NumPy only."""
    h = np.tanh(x @ w)
    return np.mean(np.sum(h * h, axis=1))


def test_numpy_function_runs_on_tensors_and_is_tracked():
    rng = np.random.default_rng(0)
    w0, x0 = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    w = tg.tensor(w0, requires_grad=True)
    out = loss(w, tg.tensor(x0))
    assert isinstance(out, tg.Tensor) and type(out.grad_fn).__name__ == "MeanBackward0"
    out.backward()
    eps = 1e-6
    fd = np.zeros_like(w0)
    for k in np.ndindex(w0.shape):
        e = np.zeros_like(w0)
        e[k] = eps
        fd[k] = (loss(w0 + e, x0) - loss(w0 - e, x0)) / (2 * eps)
    np.testing.assert_allclose(w.grad.numpy(), fd, rtol=1e-6, atol=1e-9)
    assert np.isclose(out.item(), loss(w0, x0))


def test_ufuncs_operators_and_shape_queries():
    t = tg.tensor([0.5, 1.0], requires_grad=True)
    assert type(np.sin(t).grad_fn).__name__ == "SinBackward0"
    assert type((np.ones(2) * t).grad_fn).__name__ == "MulBackward0"
    assert type((t @ np.ones(2)).grad_fn).__name__ == "DotBackward0"
    assert np.shape(t) == (2,) and np.ndim(t) == 1 and np.size(t) == 2
    r = np.add.reduce(t)
    assert type(r.grad_fn).__name__ == "SumBackward1" and r.item() == 1.5
    assert np.zeros_like(t).tolist() == [0.0, 0.0]


def test_unknown_numpy_function_is_an_error_naming_it():
    t = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with pytest.raises(UnsupportedFunctionError, match=r"^np\.linalg\.det was called on a transgrad Tensor"):
        np.linalg.det(t)
    with pytest.raises(TypeError):
        np.fft.fft(t)
    with pytest.raises(TransgradError):
        np.cbrt(t)


def test_array_conversion_of_tensor_requiring_grad_fails():
    with pytest.raises(RuntimeError, match=r"^Can't call numpy\(\)"):
        np.asarray(tg.ones(2, requires_grad=True))
    assert np.asarray(tg.ones(2)).tolist() == [1.0, 1.0]
