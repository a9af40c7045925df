"""tg.autograd.functional and gradcheck / gradgradcheck (section 13.1, 13.4)."""
import inspect

import numpy as np
import pytest

import transgrad as tg
from transgrad.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp


def test_functional_api_values():  # 13.1
    f = lambda x: x ** 2 * tg.tensor([1.0, 2.0])
    x = tg.tensor([1.0, 3.0])
    assert jacobian(f, x).tolist() == [[2.0, 0.0], [0.0, 12.0]]
    assert hessian(lambda x: (x ** 3).sum(), x).tolist() == [[6.0, 0.0], [0.0, 18.0]]
    out, v = vjp(f, x, tg.ones(2))
    assert out.tolist() == [1.0, 18.0] and v.tolist() == [2.0, 12.0]
    out, v = jvp(f, x, tg.ones(2))
    assert out.tolist() == [1.0, 18.0] and v.tolist() == [2.0, 12.0]
    for fn in (hvp, vhp):
        out, v = fn(lambda x: (x ** 3).sum(), x, tg.ones(2))
        assert out.item() == 28.0 and v.tolist() == [6.0, 18.0]
    ja, jb = jacobian(lambda a, b: a * b, (x, x))
    assert ja.tolist() == jb.tolist() == [[1.0, 0.0], [0.0, 3.0]]


def test_jacobian_shapes_and_jvp_on_matrices():
    w = tg.tensor(np.arange(6.0).reshape(2, 3))
    x = tg.tensor(np.array([1.0, -1.0, 2.0]))
    j = jacobian(lambda v: tg.tanh(w @ v), x)
    assert j.shape == (2, 3)
    u = np.array([0.5, 0.25, -1.0])
    _, jv = jvp(lambda v: tg.tanh(w @ v), x, tg.tensor(u))
    np.testing.assert_allclose(jv.numpy(), j.numpy() @ u, rtol=1e-12)


def test_gradcheck_signature_and_results():  # 13.4
    params = inspect.signature(tg.autograd.gradcheck).parameters
    assert (params["eps"].default, params["atol"].default, params["rtol"].default) == (1e-06, 1e-05, 0.001)
    assert params["raise_exception"].default is True and params["fast_mode"].default is False
    x = tg.randn(3, dtype=tg.float64, requires_grad=True)
    assert tg.autograd.gradcheck(tg.sin, (x,)) is True
    assert tg.autograd.gradcheck(tg.sin, (x,), fast_mode=True) is True
    assert tg.autograd.gradgradcheck(tg.sin, (x,)) is True


def test_gradcheck_catches_a_wrong_backward():  # 13.4
    class WrongGrad(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    x = tg.randn(3, dtype=tg.float64, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        tg.autograd.gradcheck(WrongGrad.apply, (x,))
    assert str(info.value) == (
        "Jacobian mismatch for output 0 with respect to input 0,\n"
        "numerical:tensor([[2.0000, 0.0000, 0.0000],\n        [0.0000, 2.0000, 0.0000],\n"
        "        [0.0000, 0.0000, 2.0000]], dtype=tg.float64)\n"
        "analytical:tensor([[3., 0., 0.],\n        [0., 3., 0.],\n        [0., 0., 3.]], dtype=tg.float64)\n")
    assert type(info.value).__name__ == "GradcheckError"
    assert tg.autograd.gradcheck(WrongGrad.apply, (x,), raise_exception=False) is False


def test_gradcheck_warns_for_float32():
    x = tg.randn(3, requires_grad=True)
    with pytest.warns(UserWarning, match="^Input #0 requires gradient and is not a double precision"):
        assert tg.autograd.gradcheck(lambda t: t * 2, (x,), raise_exception=False) is False


@pytest.mark.parametrize("fn", [
    lambda x: (x ** 2).sum(dim=1),
    lambda x: tg.nn.functional.softmax(x, dim=1),
    lambda x: tg.nn.functional.log_softmax(x, dim=0),
    lambda x: x.max(dim=1).values,
    lambda x: tg.cat([x, x * 2], dim=0)[1:, :2],
    lambda x: tg.where(x > 0, x * x, -x),
    lambda x: (x @ x.T).mean(),
    lambda x: x.reshape(6).cumsum(0),
])
def test_gradcheck_and_gradgradcheck_of_composites(fn):
    x = tg.tensor(np.array([[0.3, -1.2, 0.7], [1.5, 0.2, -0.4]]), requires_grad=True)
    assert tg.autograd.gradcheck(fn, (x,))
    assert tg.autograd.gradgradcheck(fn, (x,))
