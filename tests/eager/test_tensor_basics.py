"""Tensor basics: creation, dtypes and promotion, attributes, conversions and their errors
(pytorch-semantics.md sections 1, 2, 3.14, 10, 11), rewritten with tg."""
import warnings

import numpy as np
import pytest

import transgrad as tg
from transgrad.errors import TransgradError


def test_dtype_objects_print_and_compare():
    assert repr(tg.float32) == "tg.float32" and tg.float is tg.float32 and tg.double is tg.float64
    assert tg.long is tg.int64 and repr(tg.bool) == "tg.bool"
    assert tg.float64 == np.float64 and np.zeros(1, dtype=tg.float64).dtype == np.float64
    assert tg.float32.is_floating_point and not tg.int64.is_floating_point


def test_default_dtypes_follow_pytorch():  # 10.2
    assert tg.get_default_dtype() is tg.float32
    assert [t.dtype for t in (tg.ones(2), tg.zeros(2), tg.rand(2), tg.randn(2), tg.eye(2))] == [tg.float32] * 5
    assert (tg.tensor(1).dtype, tg.tensor(1.0).dtype, tg.tensor(True).dtype, tg.tensor([1, 2.0]).dtype) == \
        (tg.int64, tg.float32, tg.bool, tg.float32)
    assert (tg.arange(3).dtype, tg.arange(3.0).dtype, tg.full((2,), 1).dtype, tg.full((2,), 1.0).dtype) == \
        (tg.int64, tg.float32, tg.int64, tg.float32)
    assert tg.tensor(np.ones(2)).dtype is tg.float64 and tg.from_numpy(np.ones(2)).dtype is tg.float64
    assert tg.tensor(np.float32(1)).dtype is tg.float32
    assert tg.ones(2).numpy().dtype == np.float32


def test_sizes_as_varargs_or_tuple():
    assert tg.ones(2, 3).shape == tg.ones((2, 3)).shape == tg.zeros([2, 3]).shape == (2, 3)
    assert repr(tg.ones(2, 2).shape) == "tg.Size([2, 2])" and tg.ones(2, 2).size() == tg.Size([2, 2])
    assert tg.ones(2, 3).size(1) == 3 and tg.ones(2, 3).numel() == 6 and tg.ones(2, 3).dim() == 2


def test_from_numpy_shares_memory():
    a = np.zeros(3)
    t = tg.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 5.0


def test_promotion_matches_pytorch():  # 10.3
    a32 = tg.ones(2, requires_grad=True)
    b64 = tg.ones(2, dtype=tg.float64, requires_grad=True)
    c = a32 * b64
    assert c.dtype is tg.float64
    c.sum().backward()
    assert a32.grad.dtype is tg.float32 and b64.grad.dtype is tg.float64
    assert (tg.ones(2) + 1.5).dtype is tg.float32
    assert (tg.ones(2) + tg.tensor(1.5, dtype=tg.float64)).dtype is tg.float32
    assert (tg.ones(2, dtype=tg.int64) + 1.5).dtype is tg.float32
    assert (tg.ones(2, dtype=tg.int64) / 2).dtype is tg.float32
    assert (tg.ones(2, dtype=tg.int64) // 2).dtype is tg.int64
    assert (tg.ones(2, dtype=tg.int64) * tg.ones(2)).dtype is tg.float32
    assert tg.result_type(tg.ones(2), 1.0) is tg.float32
    assert tg.promote_types(tg.float32, tg.float64) is tg.float64


def test_zero_dim_float64_does_not_promote_but_grad_keeps_its_dtype():
    s = tg.tensor(2.0, dtype=tg.float64, requires_grad=True)
    m = tg.ones(3, requires_grad=True)
    y = s * m
    assert y.dtype is tg.float32
    y.sum().backward()
    assert s.grad.dtype is tg.float64 and s.grad.item() == 3.0
    assert m.grad.dtype is tg.float32


@pytest.mark.parametrize("make,message", [
    (lambda: tg.tensor([1, 2, 3], requires_grad=True),
     "Only Tensors of floating point and complex dtype can require gradients"),
    (lambda: tg.ones(2, dtype=tg.int64, requires_grad=True),
     "Only Tensors of floating point and complex dtype can require gradients"),
    (lambda: tg.tensor([1, 2]).requires_grad_(), "only Tensors of floating point dtype can require gradients"),
    (lambda: setattr(tg.tensor([1, 2]), "requires_grad", True),
     "only Tensors of floating point and complex dtype can require gradients"),
    (lambda: tg.tensor([True], requires_grad=True),
     "Only Tensors of floating point and complex dtype can require gradients"),
])
def test_integer_tensors_cannot_require_grad(make, message):  # 10.1
    with pytest.raises(RuntimeError) as info:
        make()
    assert str(info.value) == message and isinstance(info.value, TransgradError)


def test_is_leaf_rules():  # 2.1
    a = tg.rand(10, requires_grad=True)
    b = tg.rand(10, requires_grad=True).double()
    c = tg.rand(10) + 2
    d = tg.rand(10).requires_grad_()
    e = tg.rand(10, requires_grad=True).detach()
    with tg.no_grad():
        h = a * 2
    assert (a.is_leaf, b.is_leaf, c.is_leaf, d.is_leaf, e.is_leaf, h.is_leaf) == (True, False, True, True, True, True)
    assert type(b.grad_fn).__name__ == "ToCopyBackward0"
    assert (c.requires_grad, e.requires_grad, h.requires_grad, h.grad_fn) == (False, False, False, None)


def test_requires_grad_flags_of_non_leaf():  # 2.3
    x = tg.ones(2, requires_grad=True)
    y = x * 2
    msg = ("you can only change requires_grad flags of leaf variables. If you want to use a computed "
           "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
    with pytest.raises(RuntimeError, match="^you can only") as info:
        y.requires_grad_(False)
    assert str(info.value) == msg
    with pytest.raises(RuntimeError):
        y.requires_grad = False
    y.requires_grad_(True)
    x.requires_grad_(False)
    assert y.requires_grad and not x.requires_grad


def test_non_leaf_grad_warns_and_is_none():  # 2.4
    x = tg.ones(2, requires_grad=True)
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match=r"^The \.grad attribute of a Tensor that is not a leaf Tensor is being "
                                         r"accessed\..*pull/30531 for more information\.$"):
        assert y.grad is None


def test_grad_assignment_checks():  # 2.6
    x = tg.ones(2, requires_grad=True)
    x.grad = tg.tensor([5.0, 6.0])
    assert x.grad.tolist() == [5.0, 6.0]
    with pytest.raises(RuntimeError) as info:
        x.grad = tg.ones(3)
    assert str(info.value) == ("attempting to assign a gradient of size '[3]' to a tensor of size '[2]'. "
                               "Please ensure that the gradient and the tensor are the same size")
    with pytest.raises(RuntimeError, match="^attempting to assign a gradient with dtype 'double' to a tensor "
                                           "with grad_dtype 'Float'. The gradient must match"):
        x.grad = tg.ones(2, dtype=tg.float64)
    x.grad = None
    assert x.grad is None


def test_detach_shares_storage_and_version():  # 2.7
    x = tg.ones(3, requires_grad=True)
    d = x.detach()
    d[0] = 5.0
    assert x.tolist() == [5.0, 1.0, 1.0] and x._version == d._version == 1
    y = x * 2
    assert y.detach_() is y and y.is_leaf and not y.requires_grad and y.grad_fn is None
    t = tg.zeros(2)
    assert t.requires_grad_() is t and t.requires_grad


def test_scalar_conversions_and_their_errors():  # 3.14, 10.4
    x = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^a Tensor with 2 elements cannot be converted to Scalar$"):
        x.item()
    with pytest.raises(ValueError, match="^only one element tensors can be converted to Python scalars$"):
        float(tg.ones(2))
    with pytest.raises(RuntimeError, match="^Boolean value of Tensor with more than one value is ambiguous$"):
        bool(tg.ones(2))
    assert tg.ones(1, requires_grad=True).item() == 1.0 and bool(tg.ones(1)) is True
    assert float(x.sum()) == 2.0 and int(tg.tensor(3)) == 3
    with pytest.raises(RuntimeError, match=r"^Can't call numpy\(\) on Tensor that requires grad\. "
                                           r"Use tensor\.detach\(\)\.numpy\(\) instead\.$"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0] and x.tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="^len\\(\\) of a 0-d tensor$"):
        len(tg.tensor(1.0))
    with pytest.raises(TypeError, match="^iteration over a 0-d tensor$"):
        iter(tg.tensor(1.0))
    assert len(tg.ones(3, 2)) == 3 and [r.tolist() for r in tg.eye(2)] == [[1.0, 0.0], [0.0, 1.0]]


def test_format_of_zero_dim_tensors():
    assert f"{tg.tensor(2.5):.3f}" == "2.500" and f"{tg.tensor(2.5)}" == "2.5"
    assert format(tg.tensor(1), "d") == "1"
    with pytest.raises(TypeError, match="unsupported format string passed to Tensor.__format__"):
        format(tg.ones(2), ".3f")


def test_copy_construct_warns():  # 10.4
    x = tg.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="^To copy construct from a tensor, it is recommended to use "
                                         r"sourceTensor\.detach\(\)\.clone\(\)"):
        y = tg.tensor(x)
    assert not y.requires_grad and y.tolist() == [1.0, 1.0]


def test_attributes():
    x = tg.ones(2, 3, requires_grad=True)
    assert x.device == "cpu" and x.ndim == 2 and x.T.shape == (3, 2) and x.dtype is tg.float32
    assert x.data.requires_grad is False and x.data is not x.data
    x.data = tg.zeros(2, 3)
    assert x.tolist() == [[0.0] * 3] * 2 and x.requires_grad


def test_comparisons_give_bool_tensors_and_eq_all_any():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = x > 1.5
    assert m.dtype is tg.bool and not m.requires_grad and m.tolist() == [False, True, True]
    assert x.eq(tg.tensor([1.0, 0.0, 3.0])).tolist() == [True, False, True]
    assert (x == x).all().item() is True and (x < 0).any().item() is False


def test_max_with_dim_returns_values_and_indices():
    x = tg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    r = x.max(dim=1)
    assert r.values.tolist() == [5.0, 7.0] and r.indices.tolist() == [1, 0]
    assert type(r.values.grad_fn).__name__ == "MaxBackward0" and r.indices.dtype is tg.int64
    values, indices = tg.max(x, 1)
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    assert repr(tg.ones(2, 3).max(1)).startswith("tg.return_types.max(\nvalues=tensor([1., 1.]),\nindices=")


def test_indexing_read_and_write():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 1
    y[0, 1] = 10.0
    assert type(y.grad_fn).__name__ == "CopySlices" and y.tolist() == [[1.0, 10.0], [3.0, 4.0]]
    (y * tg.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0], [3.0, 4.0]]


def test_index_assignment_of_a_tensor_that_requires_grad():
    v = tg.tensor(3.0, requires_grad=True)
    z = tg.zeros(3)
    z[1] = v
    assert z.requires_grad and type(z.grad_fn).__name__ == "CopySlices"
    (z * tg.tensor([1.0, 5.0, 1.0])).sum().backward()
    assert v.grad.item() == 5.0


def test_torch_style_function_signatures():
    x = tg.arange(6.0).reshape(2, 3).requires_grad_()
    assert tg.transpose(x, 0, 1).shape == (3, 2)
    assert tg.clamp(x, min=1.0, max=4.0).tolist() == [[1.0, 1.0, 2.0], [3.0, 4.0, 4.0]]
    assert tg.cat([x, x], dim=1).shape == (2, 6) and tg.stack([x, x]).shape == (2, 2, 3)
    assert tg.sum(x, dim=0).tolist() == [3.0, 5.0, 7.0] and tg.mean(x, 1, keepdim=True).shape == (2, 1)
    assert tg.where(x > 2, x, 0.0).tolist() == [[0.0, 0.0, 0.0], [3.0, 4.0, 5.0]]
    assert x.view(3, 2).shape == x.view((3, 2)).shape == (3, 2)
    assert x.unsqueeze(0).shape == (1, 2, 3) and x.unsqueeze(0).squeeze(0).shape == (2, 3)
    assert x.expand(4, 2, 3).shape == (4, 2, 3) and x.permute(1, 0).shape == (3, 2)
    assert tg.maximum(x, tg.full((2, 3), 2.5)).tolist() == [[2.5, 2.5, 2.5], [3.0, 4.0, 5.0]]


def test_explicit_dtype_keeps_full_precision():
    assert tg.tensor(0.1, dtype=tg.float64).item() == 0.1
    assert tg.tensor([0.1, 0.2], dtype=tg.float64).tolist() == [0.1, 0.2]
