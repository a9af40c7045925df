"""Compiled gradients always use the current values of what the function reads.

Generated code bakes in what it read from the user's scopes (simple constants as literals,
other values in its namespace, called functions transformed from their source). Rebinding a
global, a closure variable, a called function, a module attribute or a default must
therefore make the next call regenerate: a stale gradient would be silently wrong.
"""
import types

import numpy as np
import pytest

import transgrad as tg

SCALE = 2.0
STEPS = 3
WEIGHTS = np.array([1.0, 2.0, 3.0])
config = types.SimpleNamespace(rate=0.5)


def scaled(x):
    return SCALE * x * x


def looped(x):
    for i in range(STEPS):
        x = np.sin(x)
    return x


def weighted(x):
    return np.sum(WEIGHTS * x)


def helper(x):
    return x * 3.0


def calls_helper(x):
    return helper(x) * x


def reads_attribute(x):
    return config.rate * x * x


def with_default(x, k=2.0):
    return k * x * x


@pytest.fixture
def restore():
    saved = dict(SCALE=SCALE, STEPS=STEPS, WEIGHTS=WEIGHTS, helper=helper)
    rate = config.rate
    defaults = with_default.__defaults__
    yield globals()
    globals().update(saved)
    config.rate = rate
    with_default.__defaults__ = defaults


def test_global_constant_rebound(restore):
    df = tg.grad(scaled)
    assert df(1.0) == pytest.approx(4.0)
    restore["SCALE"] = 5.0
    assert df(1.0) == pytest.approx(10.0)
    assert tg.grad(scaled)(1.0) == pytest.approx(10.0)
    assert tg.value_and_grad(scaled)(1.0) == pytest.approx((5.0, 10.0))


def test_global_loop_count_rebound(restore):
    df = tg.grad(looped)
    x = 0.7
    assert df(x) == pytest.approx(np.cos(x) * np.cos(np.sin(x)) * np.cos(np.sin(np.sin(x))))
    restore["STEPS"] = 1
    assert df(x) == pytest.approx(np.cos(x))


def test_global_array_rebound_to_another_shape(restore):
    df = tg.grad(weighted)
    np.testing.assert_allclose(df(np.ones(3)), [1.0, 2.0, 3.0])
    restore["WEIGHTS"] = np.array([[1.0], [-1.0]])
    np.testing.assert_allclose(df(np.ones(3)), [0.0, 0.0, 0.0])
    restore["WEIGHTS"] = np.array([4.0, 5.0, 6.0])
    np.testing.assert_allclose(df(np.ones(3)), [4.0, 5.0, 6.0])


def test_global_array_changed_in_place_is_seen(restore):
    df = tg.grad(weighted)
    df(np.ones(3))
    WEIGHTS[:] = [7.0, 8.0, 9.0]
    np.testing.assert_allclose(df(np.ones(3)), [7.0, 8.0, 9.0])


def test_called_function_redefined(restore):
    df = tg.grad(calls_helper)
    assert df(1.0) == pytest.approx(6.0)

    def new_helper(x):
        return x * 10.0

    restore["helper"] = new_helper
    assert df(1.0) == pytest.approx(20.0)
    out, back = tg.vjp(calls_helper, 1.0)
    assert out == pytest.approx(10.0) and back(1.0)[0] == pytest.approx(20.0)


def test_module_attribute_rebound(restore):
    df = tg.grad(reads_attribute)
    assert df(1.0) == pytest.approx(1.0)
    config.rate = 4.0
    assert df(1.0) == pytest.approx(8.0)


def test_default_value_changed(restore):
    df = tg.grad(with_default)
    assert df(1.0) == pytest.approx(4.0)
    with_default.__defaults__ = (3.0,)
    assert df(1.0) == pytest.approx(6.0)


def test_closure_variable_rebound():
    def make():
        k = 2.0

        def f(x):
            return k * x * x

        def set_k(value):
            nonlocal k
            k = value
        return f, set_k

    f, set_k = make()
    df = tg.grad(f)
    assert df(1.0) == pytest.approx(4.0)
    for value in (7.0, -1.0, 7.0):
        set_k(value)
        assert df(1.0) == pytest.approx(2 * value)
        assert tg.vjp(f, 1.0)[1](1.0)[0] == pytest.approx(2 * value)


def test_equal_rebinding_keeps_the_compiled_code(restore):
    df = tg.grad(scaled)
    df(1.0)
    first = df._last
    restore["SCALE"] = float("2.0")        # equal constant, maybe another object
    assert df(1.0) == pytest.approx(4.0)
    assert df._last is first
    restore["SCALE"] = -0.0                 # a different constant: recompiled
    assert df(1.0) == 0.0
    assert df._last is not first


@pytest.mark.skipif(not hasattr(tg, "jvp"), reason="forward mode not available")
def test_forward_mode_sees_the_new_value(restore):
    assert tg.jvp(scaled, (1.0,), (1.0,))[1] == pytest.approx(4.0)
    restore["SCALE"] = 5.0
    assert tg.jvp(scaled, (1.0,), (1.0,))[1] == pytest.approx(10.0)


@pytest.mark.skipif(not hasattr(tg, "compile"), reason="tg.compile not available")
def test_tg_compile_sees_the_new_value(restore):
    compiled = tg.compile(scaled)
    x = tg.tensor(1.0, dtype=tg.float64, requires_grad=True)
    compiled(x).backward()
    assert float(x.grad) == pytest.approx(4.0)
    restore["SCALE"] = 5.0
    x = tg.tensor(1.0, dtype=tg.float64, requires_grad=True)
    y = compiled(x)
    y.backward()
    assert float(y.detach()) == pytest.approx(5.0)
    assert float(x.grad) == pytest.approx(10.0)


def test_reading_the_guard_is_cheap_and_short():
    """The guard holds a handful of entries for a small function (checked once per call)."""
    df = tg.grad(calls_helper)
    df(1.0)
    assert 0 < len(df._last.guard) <= 12
    assert df._last.guard.holds()
