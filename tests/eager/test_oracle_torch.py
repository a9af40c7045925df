"""The same small programs through PyTorch and transgrad: values, gradients and error messages
agree (messages after writing `torch.` as `tg.`)."""
import re

import numpy as np
import pytest

import transgrad as tg

torch = pytest.importorskip("torch")


def _run(program, lib):
    try:
        result = program(lib)
    except Exception as e:  # the message is what is compared
        builtin = next(c.__name__ for c in type(e).__mro__ if c.__module__ == "builtins")
        return ("raised", builtin, re.sub(r"\btorch\.", "tg.", str(e)))
    return result


def _values(*tensors):
    return [None if t is None else np.asarray(t.detach().numpy(), dtype=np.float64).round(5).tolist()
            for t in tensors]


def p_loop(lib):
    a = lib.tensor(0.9, requires_grad=True)
    b = lib.tensor(0.1, requires_grad=True)
    x = lib.tensor(0.5)
    for _ in range(50):
        x = lib.sin(x) * a + b
    x.backward()
    return _values(x, a.grad, b.grad)


def p_mlp(lib):
    x = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3), dtype=lib.float32)
    w1 = lib.tensor(np.linspace(-0.5, 0.5, 15).reshape(3, 5), dtype=lib.float32, requires_grad=True)
    w2 = lib.tensor(np.linspace(0.2, -0.3, 5), dtype=lib.float32, requires_grad=True)
    h = lib.relu(x @ w1)
    out = lib.sigmoid(h @ w2)
    loss = ((out - 0.5) ** 2).mean()
    loss.backward()
    return _values(loss, w1.grad, w2.grad)


def p_indexing(lib):
    x = lib.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], requires_grad=True)
    y = x[0] * x[1] + x[:, 1].sum() + x[x > 0].prod()
    y.sum().backward()
    return _values(y, x.grad)


def p_inplace_error(lib):
    x = lib.ones(2, 2, requires_grad=True)
    a = x * 1
    b = a ** 2
    a.add_(1)
    b.sum().backward()


def p_shape_error(lib):
    x = lib.ones(2, 2, requires_grad=True)
    (x * 2).backward(lib.ones(3))


def p_second_order(lib):
    x = lib.tensor([0.5, -1.5], requires_grad=True)
    y = (lib.tanh(x) * lib.exp(x)).sum()
    g, = lib.autograd.grad(y, x, create_graph=True)
    h, = lib.autograd.grad((g * g).sum(), x)
    return _values(g, h)


def p_promotion(lib):
    a = lib.ones(3, requires_grad=True)
    b = lib.tensor(2.5, dtype=lib.float64, requires_grad=True)
    c = lib.tensor([1, 2, 3])
    y = a * b + c / 2
    y.sum().backward()
    return [str(y.dtype).replace("torch.", "tg."), str(b.grad.dtype).replace("torch.", "tg.")] + _values(a.grad, b.grad)


def p_hooks(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.register_hook(lambda g: g * 2)
    y.retain_grad()
    (y * y).sum().backward()
    return _values(x.grad, y.grad)


def p_grad_unused(lib):
    x, u = lib.tensor(1.0, requires_grad=True), lib.tensor(1.0, requires_grad=True)
    lib.autograd.grad(x * 2, [x, u])


def p_reductions(lib):
    x = lib.tensor([[1.0, 5.0, 2.0], [7.0, 0.5, 3.0]], requires_grad=True)
    y = x.max() + x.max(dim=1).values.sum() + x.amin(dim=0).sum() + x.mean(dim=1, keepdim=True).sum()
    y.backward()
    return _values(y, x.grad)


@pytest.mark.parametrize("program", [p_loop, p_mlp, p_indexing, p_inplace_error, p_shape_error, p_second_order,
                                     p_promotion, p_hooks, p_grad_unused, p_reductions],
                         ids=lambda p: p.__name__)
def test_same_as_torch(program):
    assert _run(program, tg) == _run(program, torch)


def test_repr_of_results_same_as_torch():
    def show(lib):
        x = lib.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
        return [repr(v) for v in (x ** 2, x.sum(dim=1), x.T, x[0], x.max(), lib.relu(x), x.double(), x * x.sum())]
    ours = show(tg)
    theirs = [s.replace("torch.", "tg.") for s in show(torch)]
    assert ours == theirs
