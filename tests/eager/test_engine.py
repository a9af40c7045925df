"""The backward engine: accumulation, retain_graph and freeing, errors, deep graphs, node
objects (pytorch-semantics.md sections 1.2, 1.5, 3, 11, 12), rewritten with tg."""
import gc
import re
import weakref

import numpy as np
import pytest

import transgrad as tg

SECOND_TIME = ("Trying to backward through the graph a second time (or directly access saved tensors "
               "after they have already been freed). Saved intermediate values of the graph are freed "
               "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
               "backward through the graph a second time or if you need to access saved tensors after "
               "calling backward.")


def test_grad_fn_objects_like_pytorch():  # 1.2, 1.5
    x = tg.ones(2, 2, requires_grad=True)
    y = x + 2
    assert re.fullmatch(r"<AddBackward0 object at 0x[0-9a-f]+>", repr(y.grad_fn))
    assert type(y.grad_fn).__name__ == y.grad_fn.name() == "AddBackward0"
    b = x.sum()
    (acc, nr), = b.grad_fn.next_functions
    assert nr == 0 and acc.variable is x and re.fullmatch(r"<AccumulateGrad object at 0x[0-9a-f]+>", repr(acc))
    c = (x * 2 + 1).sum()
    (add, _), = c.grad_fn.next_functions
    assert type(add).__name__ == "AddBackward0"
    (mul, _), (none, _) = add.next_functions
    assert type(mul).__name__ == "MulBackward0" and none is None
    assert str(type(b.grad_fn)) == "<class 'SumBackward0'>"


def test_seed_program_a():  # 12.a
    x = tg.ones(2, 2, requires_grad=True)
    out = ((x + 2) * (x + 2) * 3).mean()
    out.backward()
    assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]
    x.sum().backward()
    assert x.grad.tolist() == [[5.5, 5.5], [5.5, 5.5]]
    out3 = x.sum()
    x.grad.data.zero_()
    out3.backward()
    assert x.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_vector_jacobian_product():  # 12.b
    x = tg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    z = (2 * x).view(2, 2)
    z.backward(tg.tensor([[1.0, 0.1], [0.01, 0.001]]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.2, 0.02, 0.002], rtol=1e-6)
    assert x.grad.dtype is tg.float32


def test_retain_graph_accumulates_and_zero_keeps_object():  # 3.7, 12.c
    x = tg.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    assert x.grad.tolist() == [4.0, 4.0]
    g = x.grad
    x.grad.zero_()
    assert x.grad is g and g.tolist() == [0.0, 0.0]
    y.backward(retain_graph=True)
    assert x.grad is g and g.tolist() == [2.0, 2.0]
    y.backward()
    with pytest.raises(RuntimeError) as info:
        y.backward()
    assert str(info.value) == SECOND_TIME


def test_second_backward_raises_only_when_something_was_saved():  # 3.5, 3.6
    x = tg.ones(2, 2, requires_grad=True)
    out = (x + 2).sum()
    out.backward()
    out.backward()
    assert x.grad.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    x2 = tg.ones(2, requires_grad=True)
    out2 = (x2 * 3).sum()
    out2.backward()
    with pytest.raises(RuntimeError, match=re.escape(SECOND_TIME)):
        out2.backward()
    assert x2.grad.tolist() == [3.0, 3.0]


def test_shared_subgraph_freed_by_first_root():  # 3.12
    x = tg.ones(2, requires_grad=True)
    y = x * x
    a, b = y.sum(), y.mean()
    a.backward()
    with pytest.raises(RuntimeError, match=re.escape(SECOND_TIME)):
        b.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_implicit_gradient_only_for_one_element_outputs():  # 3.2, 3.3
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar outputs$"):
        (x * 2).backward()
    x1 = tg.tensor([3.0], requires_grad=True)
    (x1 * 2).backward()
    x2 = tg.ones(1, 1, requires_grad=True)
    (x2 * 2).backward()
    assert x1.grad.tolist() == [2.0] and x2.grad.tolist() == [[2.0]]


@pytest.mark.parametrize("shape,text", [((3,), "[3]"), ((4,), "[4]"), ((1, 2, 2), "[1, 2, 2]"), ((2,), "[2]")])
def test_gradient_shape_mismatch(shape, text):  # 3.4
    x = tg.ones(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        (x * 2).backward(tg.ones(*shape))
    assert str(info.value) == (f"Mismatch in shape: grad_output[0] has a shape of tg.Size({text}) and "
                               "output[0] has a shape of tg.Size([2, 2]).")


def test_gradient_of_other_dtype_is_accepted():  # 3.4
    x = tg.ones(2, 2, requires_grad=True)
    (x * 2).backward(tg.ones(2, 2, dtype=tg.float64))
    (x * 2).backward(tg.ones(2, 2, dtype=tg.int64))
    assert x.grad.dtype is tg.float32 and x.grad.tolist() == [[4.0, 4.0], [4.0, 4.0]]
    with pytest.raises(RuntimeError, match=re.escape("grad_output[0] has a shape of tg.Size([1]) and output[0] "
                                                     "has a shape of tg.Size([]).")):
        x.sum().backward(tg.tensor([1.0]))


def test_backward_without_grad():  # 3.8
    msg = "^element 0 of tensors does not require grad and does not have a grad_fn$"
    with pytest.raises(RuntimeError, match=msg):
        (tg.ones(2) * 2).sum().backward()
    with tg.no_grad():
        w = tg.ones(2, requires_grad=True)
        z = (w * 2).sum()
    with pytest.raises(RuntimeError, match=msg):
        z.backward()
    with pytest.raises(RuntimeError, match=msg):
        tg.tensor(1.0).backward()


def test_backward_on_leaves_and_explicit_gradient():  # 3.9
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.backward(tg.tensor([3.0, 4.0]))
    s = tg.tensor(2.0, requires_grad=True)
    s.backward()
    t = tg.tensor(2.0, requires_grad=True)
    (t * t).backward(tg.tensor(10.0))
    assert x.grad.tolist() == [3.0, 4.0] and s.grad.item() == 1.0 and t.grad.item() == 40.0


def test_backward_inputs_and_multi_root():  # 3.10
    a, b = tg.tensor(1.0, requires_grad=True), tg.tensor(2.0, requires_grad=True)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None
    a2, b2 = tg.tensor(1.0, requires_grad=True), tg.tensor(2.0, requires_grad=True)
    tg.autograd.backward([a2 * b2, a2 + b2])
    assert a2.grad.item() == 3.0 and b2.grad.item() == 2.0


def test_fan_out_accumulates():  # 3.11, 3.13
    x = tg.tensor(3.0, requires_grad=True)
    (x * x).backward()
    (x * 10).backward()
    assert x.grad.item() == 16.0
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    (y + y * y).sum().backward()
    assert x.grad.tolist() == [10.0, 18.0]
    w = tg.tensor(3.0, requires_grad=True)
    (w * w * w).backward()
    assert w.grad.item() == 27.0


def test_broadcasting_gradients():  # 11.1, 11.2
    x, y = tg.ones(3, 1, requires_grad=True), tg.ones(4, requires_grad=True)
    z = x + y
    assert z.shape == (3, 4)
    z.sum().backward()
    assert x.grad.tolist() == [[4.0]] * 3 and y.grad.tolist() == [3.0] * 4
    s = tg.tensor(2.0, requires_grad=True)
    m = tg.arange(6.0).reshape(2, 3).requires_grad_()
    (s * m).sum().backward()
    assert s.grad.item() == 15.0 and s.grad.shape == () and m.grad.tolist() == [[2.0] * 3] * 2
    b = tg.ones(3, requires_grad=True)
    (m + b).mean().backward()
    np.testing.assert_allclose(b.grad.numpy(), [1 / 3] * 3, rtol=1e-6)


def test_inplace_broadcast_into_smaller_tensor():  # 11.3
    with pytest.raises(RuntimeError, match=r"^output with shape \[3\] doesn't match the broadcast shape \[2, 3\]$"):
        tg.ones(3).add_(tg.ones(2, 3))


def test_logistic_regression_seed():  # 12.d
    tg.manual_seed(0)
    x, y = tg.ones(5), tg.zeros(3)
    w = tg.randn(5, 3, requires_grad=True)
    b = tg.randn(3, requires_grad=True)
    z = tg.matmul(x, w) + b
    loss = tg.nn.functional.binary_cross_entropy_with_logits(z, y)
    assert type(z.grad_fn).__name__ == "AddBackward0"
    assert type(loss.grad_fn).__name__ == "BinaryCrossEntropyWithLogitsBackward0"
    loss.backward()
    assert tg.equal(w.grad, b.grad.expand(5, 3))
    assert tg.allclose(b.grad, tg.sigmoid(z.detach()) / 3)


def test_deep_graph_has_no_recursion_limit():
    x = tg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad.item() == 1.0
    del y  # freeing 200,000 nodes must not overflow the C stack either


def test_graph_freed_by_reference_counting():
    gc.disable()
    try:
        x = tg.ones(3, requires_grad=True)
        y = tg.exp(x) * 2
        z = y.sum()
        node = weakref.ref(y.grad_fn)
        exp_node = weakref.ref(y.grad_fn.next_functions[0][0])
        z.backward()
        del y, z
        assert node() is None and exp_node() is None
    finally:
        gc.enable()


def test_saved_values_freed_after_backward():
    x = tg.ones(3, requires_grad=True)
    y = tg.exp(x)
    node = y.grad_fn
    y.sum().backward()
    assert node._args is None
    y2 = tg.exp(x)
    y2.sum().backward(retain_graph=True)
    assert y2.grad_fn._args is not None


def test_backward_returns_none():  # 3.1
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert x.grad is None
    assert (x ** 2).sum().backward() is None
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
