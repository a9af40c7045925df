"""Operands whose shapes do not broadcast raise PyTorch's RuntimeError, with its message."""
import numpy as np
import pytest

import transgrad as tg

PAIRS = [((2,), (3,)), ((2, 3), (4, 3)), ((2, 3), (2, 4)), ((5, 2, 3), (4, 5)), ((2, 3), (3, 2))]
EXPECTED = [  # PyTorch 2.13's messages for the pairs above
    "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0",
    "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0",
    "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
    "The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension 2",
    "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1",
]


@pytest.mark.parametrize("shapes,message", list(zip(PAIRS, EXPECTED)))
@pytest.mark.parametrize("requires_grad", [False, True])
def test_mismatched_shapes_raise_pytorchs_error(shapes, message, requires_grad):
    a = tg.ones(shapes[0], dtype=tg.float64, requires_grad=requires_grad)
    b = tg.ones(shapes[1], dtype=tg.float64)
    with pytest.raises(RuntimeError) as info:
        a + b
    assert isinstance(info.value, tg.ShapeError)
    assert str(info.value) == message
    with pytest.raises(tg.ShapeError, match="non-singleton"):
        a * b


@pytest.mark.parametrize("shapes,message", list(zip(PAIRS, EXPECTED)))
def test_messages_match_torch(shapes, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as info:
        torch.ones(shapes[0]) + torch.ones(shapes[1])
    assert str(info.value) == message


def test_scalar_and_0d_operands_still_work():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2.0 + tg.tensor(1.0)).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
