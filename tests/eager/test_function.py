"""Custom autograd Functions (section 8)."""
import re

import pytest

import transgrad as tg
from transgrad.autograd.function import once_differentiable


class MyReLU(tg.autograd.Function):
    log = []

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        MyReLU.log.append(("forward", ctx.needs_input_grad))
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        MyReLU.log.append(("backward", ctx.needs_input_grad))
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


def test_my_relu():  # 8.1
    MyReLU.log.clear()
    x = tg.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    y = MyReLU.apply(x)
    assert repr(y) == "tensor([0.0000, 0.5000, 2.0000], grad_fn=<MyReLUBackward>)"
    assert re.fullmatch(r"<transgrad\.autograd\.function\.MyReLUBackward object at 0x[0-9a-f]+>", repr(y.grad_fn))
    assert type(y.grad_fn).__name__ == y.grad_fn.name() == "MyReLUBackward"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0]
    z = MyReLU.apply(tg.tensor([1.0, -1.0]))
    assert z.tolist() == [1.0, 0.0] and not z.requires_grad and z.grad_fn is None
    assert MyReLU.log == [("forward", (True,)), ("backward", (True,)), ("forward", (False,))]


def test_multiple_inputs_and_non_tensor_arguments():  # 8.2
    seen = []

    class MulAdd(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            ctx.save_for_backward(a, b)
            ctx.k = k
            return a * b + k

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            seen.append(ctx.needs_input_grad)
            return (g * b if ctx.needs_input_grad[0] else None,
                    g * a if ctx.needs_input_grad[1] else None, None)

    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0])
    out = MulAdd.apply(a, b, 5.0)
    assert repr(out) == "tensor([ 8., 13.], grad_fn=<MulAddBackward>)"
    out.sum().backward()
    assert seen == [(True, False, False)] and a.grad.tolist() == [3.0, 4.0] and b.grad is None


def test_wrong_number_of_gradients():  # 8.3
    class Bad(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    class Bad2(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    x = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^function BadBackward returned an incorrect number of gradients "
                                           r"\(expected 1, got 2\)$"):
        Bad.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match=r"^function Bad2Backward returned an incorrect number of gradients "
                                           r"\(expected 2, got 1\)$"):
        Bad2.apply(x, tg.ones(2, requires_grad=True)).sum().backward()


def test_wrong_shape_and_gradient_for_non_tensor():  # 8.4
    class BadShape(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return tg.ones(3)

    class GradForNonTensor(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * 2, tg.ones(1)

    with pytest.raises(RuntimeError, match=re.escape("Function BadShapeBackward returned an invalid gradient at "
                                                     "index 0 - got [3] but expected shape compatible with [2, 2]")):
        BadShape.apply(tg.ones(2, 2, requires_grad=True)).sum().backward()
    x = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape(
            "function GradForNonTensorBackward returned a gradient different than None at position 2, but the "
            "corresponding forward input was not a Variable")):
        GradForNonTensor.apply(x, 3.0).sum().backward()
    assert x.grad is None


def test_mark_non_differentiable():  # 8.5 (index_add_ replaced by an index assignment)
    seen = []

    class SortWithIdx(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = tg.tensor(x.detach().numpy().argsort())
            vals = x[idx]
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return vals, idx

        @staticmethod
        def backward(ctx, g_vals, g_idx):
            idx, = ctx.saved_tensors
            seen.append(g_idx.tolist())
            gx = tg.zeros_like(g_vals)
            gx[idx] = g_vals
            return gx

    x = tg.tensor([3.0, 1.0, 2.0], requires_grad=True)
    vals, idx = SortWithIdx.apply(x)
    assert repr(vals) == "tensor([1., 2., 3.], grad_fn=<SortWithIdxBackward>)"
    assert idx.tolist() == [1, 2, 0] and not idx.requires_grad and idx.grad_fn is None
    (vals * tg.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert seen == [[0, 0, 0]] and x.grad.tolist() == [100.0, 1.0, 10.0]


def test_setup_context_and_once_differentiable():  # 8.6
    class Cube(tg.autograd.Function):
        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x ** 2

    x = tg.tensor(2.0, requires_grad=True)
    y = Cube.apply(x)
    assert repr(y) == "tensor(8., grad_fn=<CubeBackward>)"
    g, = tg.autograd.grad(y, x, create_graph=True)
    assert repr(g) == "tensor(12., grad_fn=<MulBackward0>)"
    assert repr(tg.autograd.grad(g, x)) == "(tensor(12.),)"

    class Sq(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    x = tg.tensor(3.0, requires_grad=True)
    g, = tg.autograd.grad(Sq.apply(x), x, create_graph=True)
    assert g.item() == 6.0 and not g.requires_grad and g.grad_fn is None
    y2 = Sq.apply(x)
    y2.backward()
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        y2.backward()


def test_missing_backward_and_legacy_functions():  # 8.7
    class NoBackward(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    with pytest.raises(NotImplementedError, match="^You must implement either the backward or vjp method"):
        NoBackward.apply(tg.ones(2, requires_grad=True)).sum().backward()

    class Legacy(tg.autograd.Function):
        def forward(self, x):
            return x * 2

    with pytest.warns(DeprecationWarning, match="should not be instantiated"):
        inst = Legacy()
    with pytest.raises(RuntimeError, match="^Legacy autograd function with non-static forward method is "
                                           "deprecated"):
        inst(tg.ones(2))


def test_save_for_backward_checks_and_mark_dirty():  # 8.8
    class SaveNonTensor(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 2

    with pytest.raises(TypeError, match="^save_for_backward can only save variables, but argument 1 is of "
                                        "type int$"):
        SaveNonTensor.apply(tg.ones(2, requires_grad=True))

    class InplaceDouble(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    a = tg.ones(2, requires_grad=True)
    b = a.clone()
    c = InplaceDouble.apply(b)
    assert c is b and repr(c) == "tensor([2., 2.], grad_fn=<InplaceDoubleBackward>)"
    c.sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]
