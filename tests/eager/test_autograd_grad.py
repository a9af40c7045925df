"""tg.autograd.grad (section 7)."""
import pytest

import transgrad as tg

SECOND_TIME_START = "^Trying to backward through the graph a second time"


def test_returns_tuple_and_leaves_grad_alone():  # 7.1
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([3.0, 4.0], requires_grad=True)
    r = tg.autograd.grad((x * w).sum(), [x, w])
    assert type(r) is tuple and [t.tolist() for t in r] == [[3.0, 4.0], [1.0, 2.0]]
    assert x.grad is None and w.grad is None
    assert repr(tg.autograd.grad((x * w).sum(), x)) == "(tensor([3., 4.]),)"


def test_unused_inputs():  # 7.2
    x, u = tg.tensor(1.0, requires_grad=True), tg.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^The differentiated Tensor at index 1 appears to not have been used "
                                           r"in the graph\. Set allow_unused=True if this is the desired behavior\.$"):
        tg.autograd.grad(x * 2, [x, u])
    assert repr(tg.autograd.grad(x * 2, [x, u], allow_unused=True)) == "(tensor(2.), None)"
    assert repr(tg.autograd.grad(x * 2, [x, u], allow_unused=True, materialize_grads=True)) == \
        "(tensor(2.), tensor(0.))"
    assert repr(tg.autograd.grad(x * 2, [x, u], materialize_grads=True)) == "(tensor(2.), tensor(0.))"


def test_inputs_and_outputs_without_grad():  # 7.3
    x, c = tg.tensor(1.0, requires_grad=True), tg.tensor(1.0)
    with pytest.raises(RuntimeError, match="^One of the differentiated Tensors does not require grad$"):
        tg.autograd.grad(x * c, [c])
    with pytest.raises(RuntimeError, match="^element 0 of tensors does not require grad and does not have a "
                                           "grad_fn$"):
        tg.autograd.grad(c * 2, [x])


def test_grad_outputs():  # 7.4
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert tg.autograd.grad(x ** 2, x, grad_outputs=tg.ones(3))[0].tolist() == [2.0, 4.0, 6.0]
    assert tg.autograd.grad(x ** 2, x, grad_outputs=tg.tensor([1.0, 0.0, 0.5]))[0].tolist() == [2.0, 0.0, 3.0]
    with pytest.raises(RuntimeError, match=r"^Mismatch in shape: grad_output\[0\] has a shape of tg\.Size\(\[2\]\) "
                                           r"and output\[0\] has a shape of tg\.Size\(\[3\]\)\.$"):
        tg.autograd.grad(x ** 2, x, grad_outputs=tg.ones(2))
    assert tg.autograd.grad([x.sum(), (x * x).sum()], x)[0].tolist() == [3.0, 5.0, 7.0]
    r = tg.autograd.grad([x.sum(), (x * x).sum()], x, grad_outputs=[tg.tensor(1.0), tg.tensor(2.0)])
    assert r[0].tolist() == [5.0, 9.0, 13.0]
    r = tg.autograd.grad([x.sum(), (x * x).sum()], x, grad_outputs=[tg.tensor(1.0), None])
    assert r[0].tolist() == [3.0, 5.0, 7.0]
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar outputs$"):
        tg.autograd.grad(x * 2, x)


def test_retain_graph_defaults_to_create_graph():  # 7.5
    x = tg.tensor(2.0, requires_grad=True)
    y = x * x
    assert tg.autograd.grad(y, x)[0].item() == 4.0
    with pytest.raises(RuntimeError, match=SECOND_TIME_START):
        tg.autograd.grad(y, x)
    y = x * x
    tg.autograd.grad(y, x, retain_graph=True)
    assert tg.autograd.grad(y, x)[0].item() == 4.0
    y = x * x
    assert repr(tg.autograd.grad(y, x, create_graph=True)) == "(tensor(4., grad_fn=<AddBackward0>),)"
    assert tg.autograd.grad(y, x)[0].item() == 4.0


def test_grad_with_respect_to_an_intermediate():  # 7.6
    x = tg.tensor(2.0, requires_grad=True)
    y = x * 3
    assert tg.autograd.grad(y * y, y)[0].item() == 12.0


def test_only_needed_branches_run():
    x = tg.tensor(2.0, requires_grad=True)
    w = tg.tensor(3.0, requires_grad=True)
    seen = []
    wx = w * 5
    wx.register_hook(lambda g: seen.append("w branch"))
    out = x * x + wx
    assert tg.autograd.grad(out, x)[0].item() == 4.0 and seen == []
