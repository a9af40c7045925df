"""Higher-order gradients: create_graph runs the registry's rules on Tensors (section 6)."""
import math

import numpy as np
import pytest

import transgrad as tg


def test_third_order_of_cube():  # 6.1
    x = tg.tensor(2.0, requires_grad=True)
    g, = tg.autograd.grad(x ** 3, x, create_graph=True)
    assert repr(g) == "tensor(12., grad_fn=<MulBackward0>)"
    assert repr(tg.autograd.grad(g, x)) == "(tensor(12.),)"
    x3 = tg.tensor(2.0, requires_grad=True)
    gg = tg.autograd.grad(x3 ** 3, x3, create_graph=True)[0]
    ggg = tg.autograd.grad(gg, x3, create_graph=True)[0]
    gggg = tg.autograd.grad(ggg, x3, create_graph=True)[0]
    assert (gg.item(), ggg.item(), gggg.item()) == (12.0, 12.0, 6.0)


def test_sin_of_square_seed():  # 6.2
    x = tg.tensor(2.0, requires_grad=True)
    y = x ** 2
    z = tg.sin(y)
    y.backward(retain_graph=True)
    assert x.grad.item() == 4.0
    x.grad.zero_()
    z.backward()
    assert x.grad.item() == pytest.approx(4 * math.cos(4.0), rel=1e-6)


def test_backward_with_create_graph():  # 6.3
    x = tg.tensor(2.0, requires_grad=True)
    with pytest.warns(UserWarning, match="^Using backward\\(\\) with create_graph=True will create a reference "
                                         "cycle between the parameter and its gradient"):
        (x ** 3).backward(create_graph=True)
    assert repr(x.grad) == "tensor(12., grad_fn=<CopyBackwards>)"
    g = x.grad
    x.grad = None
    g.backward()
    assert x.grad.item() == 12.0


def test_grad_of_grad_without_create_graph():  # 6.4
    x = tg.tensor(2.0, requires_grad=True)
    g, = tg.autograd.grad(x ** 3, x)
    assert g.item() == 12.0 and not g.requires_grad
    with pytest.raises(RuntimeError, match="^element 0 of tensors does not require grad"):
        tg.autograd.grad(g, x)


def test_hessian_vector_product():  # 6.5
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    f = (x ** 3).sum() + x[0] * x[1]
    g, = tg.autograd.grad(f, x, create_graph=True)
    assert repr(g) == "tensor([ 5., 13.], grad_fn=<AddBackward0>)"
    hv, = tg.autograd.grad(g, x, grad_outputs=tg.tensor([1.0, 0.0]))
    assert hv.tolist() == [6.0, 1.0]


@pytest.mark.parametrize("f,d2", [
    (lambda x: tg.exp(x) * tg.sin(x), lambda x: 2 * np.exp(x) * np.cos(x)),
    (lambda x: tg.tanh(x).sum(), lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)),
    (lambda x: tg.sigmoid(x) * x, lambda x: (lambda s: 2 * s * (1 - s) + x * s * (1 - s) * (1 - 2 * s))(
        1 / (1 + np.exp(-x)))),
    (lambda x: (x @ tg.ones(3, 3, dtype=tg.float64)).mean(axis=0) ** 2, None),
])
def test_second_derivatives_against_formulas_or_differences(f, d2):
    x0 = np.array([0.3, -0.7, 1.1])
    x = tg.tensor(x0, requires_grad=True)
    y = f(x)
    g, = tg.autograd.grad(y.sum(), x, create_graph=True)
    h, = tg.autograd.grad(g.sum(), x)
    if d2 is not None:
        np.testing.assert_allclose(h.numpy(), d2(x0), rtol=1e-10)
    else:
        def grad_at(v):
            t = tg.tensor(v, requires_grad=True)
            return tg.autograd.grad(f(t).sum(), t)[0].numpy()
        eps = 1e-6
        fd = np.array([(grad_at(x0 + eps * e) - grad_at(x0 - eps * e)).sum() / (2 * eps) for e in np.eye(3)])
        np.testing.assert_allclose(h.numpy(), fd, rtol=1e-6, atol=1e-8)


def test_double_backward_of_broadcast_and_reduction():
    a = tg.tensor([[1.0], [2.0]], dtype=tg.float64, requires_grad=True)
    b = tg.tensor([3.0, 4.0, 5.0], dtype=tg.float64, requires_grad=True)
    y = ((a * b) ** 2).mean()
    ga, gb = tg.autograd.grad(y, (a, b), create_graph=True)
    (h,) = tg.autograd.grad(ga.sum() + gb.sum(), (a,))
    # d/da of [sum_j 2 a b_j^2 / 6] + sum_j [sum_i 2 a_i^2 b_j / 6]
    expected = [[2 * 50 / 6 + 4 * 1.0 * 12 / 6], [2 * 50 / 6 + 4 * 2.0 * 12 / 6]]
    np.testing.assert_allclose(h.numpy(), expected, rtol=1e-12)
