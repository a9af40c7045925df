"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode, .data (section 4)."""
import threading

import pytest

import transgrad as tg


def test_no_grad_and_enable_grad():  # 4.1
    x = tg.ones(2, requires_grad=True)
    assert tg.is_grad_enabled()
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = x * 2
        assert (y.requires_grad, y.grad_fn, y.is_leaf) == (False, None, True)
        assert tg.ones(2, requires_grad=True).requires_grad
        with tg.enable_grad():
            assert type((x * 2).grad_fn).__name__ == "MulBackward0"
    assert tg.is_grad_enabled()


def test_set_grad_enabled():  # 4.2
    x = tg.ones(2, requires_grad=True)
    with tg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    tg.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad and not tg.is_grad_enabled()
    finally:
        tg.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_decorators():  # 4.3
    x = tg.ones(2, requires_grad=True)

    @tg.no_grad()
    def f(t):
        return t * 2

    @tg.no_grad
    def g(t):
        return t * 2

    @tg.enable_grad()
    def h(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    with tg.no_grad():
        assert h(x).requires_grad
    assert f.__name__ == "f"


def test_grad_mode_is_thread_local():
    seen = []
    with tg.no_grad():
        t = threading.Thread(target=lambda: seen.append(tg.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_inference_mode():  # 4.4
    x = tg.ones(2, requires_grad=True)
    with tg.inference_mode():
        y = x * 2
        assert (y.requires_grad, y.is_inference(), tg.is_inference_mode_enabled(), tg.is_grad_enabled()) == \
            (False, True, True, False)
    assert not x.is_inference() and y.is_inference()
    with pytest.raises(RuntimeError, match=r"^Inplace update to inference tensor outside InferenceMode is not "
                                           r"allowed\.You can make a clone"):
        y.add_(1)
    w = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^Inference tensors cannot be saved for backward\."):
        (w * y).sum().backward()
    assert w.grad is None
    with pytest.raises(RuntimeError, match=r"^Setting requires_grad=True on inference tensor outside "
                                           r"InferenceMode is not allowed\.$"):
        y.requires_grad_()

    @tg.inference_mode()
    def f(t):
        return t + 1
    assert f(x).is_inference()
    with tg.inference_mode(mode=False):
        assert (x * 2).requires_grad


def test_data_mutation_is_not_tracked():  # 4.5, 4.6
    x = tg.ones(1, requires_grad=True)
    y = 2 * x
    x.data *= 100
    y.backward()
    assert x.tolist() == [100.0] and x.grad.tolist() == [2.0]
    x = tg.ones(2, requires_grad=True)
    y = x.exp()
    y.data.mul_(2)
    assert y._version == 0
    y.sum().backward()
    assert x.grad.tolist() == pytest.approx([5.4366, 5.4366], abs=1e-4)


def test_sgd_step_under_no_grad():  # 4.7
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with tg.no_grad():
        w -= 0.1 * w.grad
    assert w.tolist() == pytest.approx([0.8, 1.6]) and w.is_leaf and w.grad_fn is None and w._version == 1
    w.grad.zero_()
    assert w.grad.tolist() == [0.0, 0.0]


def test_partial_no_grad_in_expression():  # 12.e
    x = tg.tensor(1.0, requires_grad=True)
    y1 = x ** 2
    with tg.no_grad():
        y2 = x ** 3
    (y1 + y2).backward()
    assert x.grad.item() == 2.0
