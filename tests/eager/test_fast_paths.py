"""The engine's fast paths keep PyTorch's behaviour: 0-d results held as NumPy scalars, the
bound per-primitive calls behind operators and NumPy's protocols, the reduced reverse rules,
and NumPy's error state (silent inside transgrad, untouched outside)."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import transgrad as tg
from transgrad.errors import UnsupportedFunctionError


# -- NumPy's error state ---------------------------------------------------------------------

def test_user_numpy_still_warns_after_import():
    """Importing transgrad leaves the user's own NumPy error state alone."""
    code = ("import warnings, numpy as np\n"
            "before = np.geterr()\n"
            "import transgrad\n"
            "assert np.geterr() == before, np.geterr()\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    np.log(0.0)\n"
            "    np.float64(1.0) / 0.0\n"
            "    np.sqrt(np.array([-1.0]))\n"
            "print(len(w), sorted({type(x.message).__name__ for x in w}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["3", "['RuntimeWarning']"]


def test_user_numpy_warns_in_the_same_process():
    assert np.geterr()["divide"] == "warn" and np.geterr()["invalid"] == "warn"
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = np.log(np.array([0.0]))
    assert r[0] == -np.inf and len(w) == 1 and issubclass(w[0].category, RuntimeWarning)


@pytest.mark.parametrize("values", [0.0, [0.0, -1.0, 2.0]], ids=["0-d", "vector"])
def test_tensor_operations_are_silent_even_when_warnings_are_errors(values):
    """nan and inf as PyTorch computes them: no RuntimeWarning, forward or backward, even with
    every warning turned into an error after the import (a filter could not do that)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = tg.tensor(values, dtype=tg.float64, requires_grad=True)
        y = np.log(x) + tg.sqrt(x) + 1.0 / x + x / 0.0 + np.arccos(x * 3) + x ** 0.5
        y.sum().backward()
        z = tg.tensor(values, dtype=tg.float32) / 0.0
    assert np.isnan(y.detach().numpy()).any() or np.isinf(y.detach().numpy()).any()
    assert np.isinf(z.numpy()).all() or np.isnan(z.numpy()).any()
    assert x.grad is not None
    assert np.geterr()["divide"] == "warn"


# -- 0-d results ------------------------------------------------------------------------------

def test_zero_d_results_behave_as_tensors():
    a = tg.tensor(0.8, dtype=tg.float64, requires_grad=True)
    b = tg.tensor(0.3, dtype=tg.float64, requires_grad=True)
    x = np.sin(a) * a + b
    assert repr(x) == "tensor(0.8739, dtype=tg.float64, grad_fn=<AddBackward0>)"
    assert x.shape == () and x.dim() == 0 and x.dtype == tg.float64
    d = x.detach()
    assert isinstance(d.numpy(), np.ndarray) and d.numpy().shape == ()
    assert d.item() == pytest.approx(np.sin(0.8) * 0.8 + 0.3)
    x.backward()
    assert a.grad.item() == pytest.approx(np.cos(0.8) * 0.8 + np.sin(0.8))
    assert b.grad.item() == 1.0


def test_zero_d_float32_stays_float32():
    a = tg.tensor(1.5, requires_grad=True)          # the default dtype, float32
    y = (np.exp(a) * 2.0 + a) * a
    assert y.dtype == tg.float32 and y.detach().numpy().dtype == np.float32
    y.backward()
    assert a.grad.dtype == tg.float32
    expected = (np.exp(1.5) * 2 + 1.5) + 1.5 * (np.exp(1.5) * 2 + 1)
    assert a.grad.item() == pytest.approx(expected, rel=1e-6)


def test_zero_d_result_in_place_and_aliases():
    """A 0-d result gets its own array on first use: detach() shares it, in-place updates bump
    the version every alias sees, and a saved value changed in place is still caught."""
    a = tg.tensor(2.0, dtype=tg.float64, requires_grad=True)
    y = a * 3.0
    d = y.detach()
    d.add_(1.0)
    assert y.item() == 7.0 and y._version == 1
    z = a * 1.0
    w = z * z
    z.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.backward()
    n = (a * 1.0).detach()
    arr = n.numpy()
    arr[...] = 5.0
    assert n.item() == 5.0


def test_zero_d_operands_keep_pytorch_node_names():
    """A 0-d Tensor is a tensor, not a number, to the grad_fn choosers."""
    a = tg.tensor(2.0, dtype=tg.float64, requires_grad=True)
    b = np.sin(a)                                   # a 0-d result held as a NumPy scalar
    assert type((b - a).grad_fn).__name__ == "SubBackward0"
    assert type((1.0 - a).grad_fn).__name__ == "RsubBackward1"
    assert type((b ** a).grad_fn).__name__ == "PowBackward1"
    assert type((b ** 2).grad_fn).__name__ == "PowBackward0"
    assert type((2.0 ** b).grad_fn).__name__ == "PowBackward2"
    assert type((b / a).grad_fn).__name__ == "DivBackward0"
    assert type((np.float64(2.0) / a).grad_fn).__name__ == "MulBackward0"


def test_numpy_scalar_with_tensor_goes_through_the_engine():
    a = tg.tensor(0.5, dtype=tg.float64, requires_grad=True)
    y = np.sin(0.5) * a                             # np.float64 * Tensor: __array_ufunc__
    assert isinstance(y, tg.Tensor) and type(y.grad_fn).__name__ == "MulBackward0"
    y.backward()
    assert a.grad.item() == pytest.approx(np.sin(0.5))


# -- reduced reverse rules ----------------------------------------------------------------------

def test_same_shape_and_broadcast_gradients_agree():
    """Where shapes agree the engine skips the rule's unbroadcast; where they do not it keeps
    it: both give the sums PyTorch gives."""
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=tg.float64, requires_grad=True)
    row = tg.tensor([10.0, 20.0], dtype=tg.float64, requires_grad=True)
    s = tg.tensor(3.0, dtype=tg.float64, requires_grad=True)
    y = (x * x + row * x - s * x + x / row).sum()
    y.backward()
    xv, rv = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([10.0, 20.0])
    assert np.allclose(x.grad.numpy(), 2 * xv + rv - 3.0 + 1 / rv)
    assert np.allclose(row.grad.numpy(), xv.sum(0) - (xv / rv ** 2).sum(0))
    assert s.grad.item() == pytest.approx(-xv.sum())


def test_add_passes_one_gradient_to_both_inputs_without_sharing_grad():
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    y = tg.tensor([3.0, 4.0], dtype=tg.float64, requires_grad=True)
    (x + y).sum().backward()
    x.grad.mul_(5)
    assert x.grad.tolist() == [5.0, 5.0] and y.grad.tolist() == [1.0, 1.0]


def test_fast_lanes_follow_the_registry_per_ufunc():
    """`np.<ufunc>(t)` resolves through the registry the first time and through the bound
    call afterwards; both give the same node and values."""
    x = tg.tensor([0.5, 1.5], dtype=tg.float64, requires_grad=True)
    first = np.tanh(x)
    second = np.tanh(x)
    assert type(first.grad_fn) is type(second.grad_fn)
    assert first.tolist() == second.tolist() == pytest.approx(np.tanh([0.5, 1.5]).tolist())
    with pytest.raises(UnsupportedFunctionError):
        np.tanh(x, out=tg.zeros(2, dtype=tg.float64))


def test_operations_inside_the_quiet_context_and_in_threads():
    """The quiet Context is entered by one caller at a time: an operation that finds it busy
    (a nested call, another thread) computes the same, silently, under np.errstate."""
    import threading
    from transgrad.eager import dispatch

    def nested():
        x = tg.tensor([1.0, 0.0], dtype=tg.float64, requires_grad=True)
        return (np.log(x) * 2.0).sum()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = dispatch.run_quiet(nested)
        y.backward()
    assert y.item() == -np.inf
    results = []

    def work():
        x = tg.tensor(np.linspace(0.0, 1.0, 64), requires_grad=True)
        for _ in range(200):
            x = np.tanh(x * 1.01 + 0.1) / 1.0
        results.append(float(x.sum()))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and len(set(results)) == 1
