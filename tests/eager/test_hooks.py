"""Tensor hooks and retain_grad (sections 2.5, 9)."""
import pytest

import transgrad as tg


def test_hook_on_intermediate_modifies_gradient():  # 9.1
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    h = y.register_hook(lambda g: g * 2)
    assert type(h).__name__ == "RemovableHandle"
    (y * y).sum().backward()
    assert x.grad.tolist() == [36.0, 72.0]


def test_leaf_hook_sees_gradient_before_accumulation():  # 9.2
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    seen = []

    def hook(g):
        seen.append(g.tolist())
        return g + 100
    x.register_hook(hook)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [102.0, 102.0]
    (x * 2).sum().backward()
    assert seen == [[2.0, 2.0], [2.0, 2.0]] and x.grad.tolist() == [204.0, 204.0]


def test_leaf_hook_runs_once_on_the_summed_gradient():
    x = tg.tensor(3.0, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.item()))
    (x * x).backward()
    assert seen == [6.0]


def test_hook_order_none_and_removal():  # 9.3
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    seen = []
    y.register_hook(lambda g: seen.append(("h1", g.tolist())))
    h2 = y.register_hook(lambda g: g * 10)
    y.register_hook(lambda g: seen.append(("h3", g.tolist())))
    y.sum().backward(retain_graph=True)
    assert x.grad.tolist() == [10.0, 10.0]
    h2.remove()
    x.grad = None
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    assert seen == [("h1", [1.0, 1.0]), ("h3", [10.0, 10.0]), ("h1", [1.0, 1.0]), ("h3", [1.0, 1.0])]


def test_hook_errors_and_retain_grad_sees_hooked_value():  # 9.4, 9.5
    with pytest.raises(RuntimeError, match="^cannot register a hook on a tensor that doesn't require gradient$"):
        tg.ones(2).register_hook(lambda g: g)
    x = tg.ones(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 100)
    y.sum().backward()
    assert y.grad.tolist() == [100.0, 100.0] and x.grad.tolist() == [200.0, 200.0]
    z = tg.ones(2, requires_grad=True) * 2
    z.register_hook(lambda g: tg.ones(3))
    with pytest.raises(RuntimeError, match="^hook '<lambda>' has changed the size of value$"):
        z.sum().backward()


def test_post_accumulate_grad_hook():  # 9.5
    x = tg.ones(2, requires_grad=True)
    seen = []
    x.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]]


def test_retain_grad():  # 2.5
    x = tg.ones(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    (y * y).sum().backward()
    assert y.grad.tolist() == [4.0, 4.0] and x.grad.tolist() == [8.0, 8.0]
    x.retain_grad()
    assert not x.retains_grad
