"""In-place operations and version counters (section 5), with torch 2.13's wording."""
import re

import pytest

import transgrad as tg

LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW = "a view of a leaf Variable that requires grad is being used in an in-place operation."
HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
        "with tg.autograd.set_detect_anomaly(True, check_nan=False).")


def _modified(kind, shape, op):
    where = "" if op is None else f", which is output 0 of {op}"
    return (f"one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [tg.{kind} {shape}]{where}, is at version 1; expected version 0 instead. {HINT}")


@pytest.mark.parametrize("op", [lambda x: x.add_(1), lambda x: x.__iadd__(1), lambda x: x.mul_(2),
                                lambda x: x.zero_(), lambda x: x.sub_(1), lambda x: x.div_(2)])
def test_inplace_on_leaf_requiring_grad(op):  # 5.1
    x = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        op(x)
    assert str(info.value) == LEAF


def test_views_of_leaf():  # 5.1, 5.2
    x = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=f"^{re.escape(VIEW)}$"):
        x[0] = 5.0
    x.data.add_(1)
    assert x.tolist() == [2.0, 2.0]
    x = tg.ones(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match=f"^{re.escape(VIEW)}$"):
        x[0].add_(1)
    with pytest.raises(RuntimeError, match=f"^{re.escape(VIEW)}$"):
        x.view(4).mul_(2)


def test_modified_saved_input():  # 5.3
    x = tg.ones(2, 2, requires_grad=True)
    a = x * 1
    b = a ** 2
    assert a._version == 0
    a.add_(1)
    assert a._version == 1
    with pytest.raises(RuntimeError) as info:
        b.sum().backward()
    assert str(info.value) == _modified("FloatTensor", "[2, 2]", "Add")


def test_modified_saved_output():  # 5.4
    x = tg.randn(3, requires_grad=True)
    y = tg.sigmoid(x)
    y.mul_(2)
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert str(info.value) == _modified("FloatTensor", "[3]", "Sigmoid")
    x2 = tg.randn(3, dtype=tg.float64, requires_grad=True)
    y2 = x2.exp()
    y2 += 1
    with pytest.raises(RuntimeError) as info:
        y2.sum().backward()
    assert str(info.value) == _modified("DoubleTensor", "[3]", "Exp")


def test_modified_saved_leaf_constant():
    x, w = tg.ones(2), tg.ones(2, requires_grad=True)
    y = w * x
    x.add_(1)
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert str(info.value) == _modified("FloatTensor", "[2]", None)


def test_detach_shares_version_counter():  # 4.6
    x2 = tg.ones(2, requires_grad=True)
    y2 = x2.exp()
    y2.detach().mul_(2)
    assert y2._version == 1
    with pytest.raises(RuntimeError) as info:
        y2.sum().backward()
    assert str(info.value) == _modified("FloatTensor", "[2]", "Exp")


def test_inplace_on_non_leaf_rebases_history():  # 5.5
    x = tg.ones(2, requires_grad=True)
    y = x * 2
    assert type(y.grad_fn).__name__ == "MulBackward0" and y._version == 0
    y.add_(1)
    assert type(y.grad_fn).__name__ == "AddBackward0" and y._version == 1 and y.tolist() == [3.0, 3.0]
    y.mul_(3)
    assert type(y.grad_fn).__name__ == "MulBackward0" and y.tolist() == [9.0, 9.0]
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    z = x * 2
    z[0] = 10.0
    assert repr(z) == "tensor([10.,  2.], grad_fn=<CopySlices>)"
    z.sum().backward()
    assert x.grad.tolist() == [6.0, 8.0]


def test_inplace_product_uses_the_old_value():
    x = tg.tensor([2.0, 3.0], requires_grad=True)
    w = tg.tensor([5.0, 7.0], requires_grad=True)
    y = x * 1
    y.mul_(w)
    y.sum().backward()
    assert w.grad.tolist() == [2.0, 3.0] and x.grad.tolist() == [5.0, 7.0]


def test_inplace_dtype_cast_error():
    with pytest.raises(RuntimeError, match="^result type Float can't be cast to the desired output type Long$"):
        tg.ones(2, dtype=tg.int64).add_(1.5)
