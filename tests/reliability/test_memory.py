"""Memory and lifetime: long training-style loops do not grow, graphs die by refcounting.

- 10,000 forward/backward iterations (eager tape, compiled `tg.grad`, `tg.vjp`, eager and
  compiled mixed, `tg.compile` when present) grow traced memory by less than 1 MB
  (tracemalloc, measured after a warm-up that fills the caches);
- the values a backward pass reads are released once it ran (weak references);
- with the cyclic garbage collector disabled, a finished graph is freed by reference counting
  alone: nothing in it is kept alive by a cycle.

`python -m pytest tests/reliability/test_memory.py -q -s` prints the growth figures.
"""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import transgrad as tg

ITERATIONS = 10_000
LIMIT = 1 << 20          # 1 MB
FIGURES = {}


def loss(x, w):
    h = np.tanh(x * w)
    for i in range(1):
        h = h * np.sin(h)
    return np.sum(h) + np.mean(w * w)


def loss_vector(x, w):
    return np.sin(x) * w


X = np.linspace(-1.0, 1.0, 8)
W = np.linspace(0.5, 1.5, 8)


def growth(step, warmup=100):
    """Bytes of traced memory gained over ITERATIONS calls of step(), after a warm-up."""
    for _ in range(warmup):
        step()
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(ITERATIONS // 10):
            step()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(ITERATIONS - ITERATIONS // 10):
            step()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before


def eager_step():
    x = tg.tensor(X, requires_grad=True)
    w = tg.tensor(W, requires_grad=True)
    out = loss(x, w)
    out.backward()
    assert x.grad is not None


GRAD = tg.grad(loss, argnums=(0, 1))


def compiled_step():
    gx, gw = GRAD(X, W)
    assert gx.shape == X.shape


def vjp_step():
    out, back = tg.vjp(loss_vector, X, W)
    gx, gw = back(np.ones_like(out))
    assert gx.shape == X.shape


_TURN = [0]


def mixed_step():
    """Eager and compiled iterations interleaved (one of each per two steps)."""
    _TURN[0] ^= 1
    if _TURN[0]:
        eager_step()
    else:
        compiled_step()


def small_loss(x, w):
    return np.sum(np.sin(x) * w)


def report(name, grown):
    FIGURES[name] = grown
    print(f"\nmemory growth over {ITERATIONS} iterations ({name}): {grown} bytes")


@pytest.mark.parametrize("name,step", [("eager", eager_step), ("compiled tg.grad", compiled_step),
                                       ("compiled tg.vjp", vjp_step),
                                       ("mixed eager+compiled", mixed_step)])
def test_no_growth_over_ten_thousand_iterations(name, step):
    grown = growth(step)
    report(name, grown)
    assert grown < LIMIT, f"{name}: memory grew by {grown} bytes"


@pytest.mark.skipif(not hasattr(tg, "compile"), reason="tg.compile not available")
def test_no_growth_with_tg_compile():
    compiled = tg.compile(small_loss)

    def step():
        x = tg.tensor(X, requires_grad=True)
        w = tg.tensor(W, requires_grad=True)
        compiled(x, w).backward()
        assert x.grad is not None

    grown = growth(step)
    report("tg.compile", grown)
    assert grown < LIMIT


def test_compiled_gradient_matches_eager_in_the_loop():
    """The loops above measure the right computation: both paths agree on it."""
    x = tg.tensor(X, requires_grad=True)
    w = tg.tensor(W, requires_grad=True)
    loss(x, w).backward()
    gx, gw = GRAD(X, W)
    np.testing.assert_allclose(gx, x.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gw, w.grad.numpy(), rtol=1e-12)


def test_the_measure_sees_a_leak():
    """A step that keeps 200 bytes per call must show up as about 2 MB."""
    kept = []
    grown = growth(lambda: kept.append(bytes(200)), warmup=0)
    assert grown > 1.5 * LIMIT


# -- lifetimes ---------------------------------------------------------------------------------

@pytest.fixture
def no_gc():
    """Reference counting alone: the cyclic collector is off for the test."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_graph_freed_by_refcounting_alone(no_gc):
    x = tg.tensor(X, requires_grad=True)
    h = x.sin()
    out = (h * h).sum()
    node, h_ref = weakref.ref(out.grad_fn), weakref.ref(h)
    del h
    out.backward()
    del out
    assert node() is None, "the graph outlived its output (a reference cycle?)"
    assert h_ref() is None, "an intermediate outlived the graph"
    assert x.grad is not None


def test_saved_values_released_after_backward(no_gc):
    x = tg.tensor(X, requires_grad=True)
    h = x.sin()
    out = (h * h).sum()        # MulBackward0 saves h (twice)
    h_ref = weakref.ref(h)
    del h
    assert h_ref() is not None, "saved for backward"
    out.backward()
    assert h_ref() is None, "still held by the graph after backward"


def test_saved_values_kept_with_retain_graph(no_gc):
    x = tg.tensor(X, requires_grad=True)
    h = x.sin()
    out = (h * h).sum()
    h_ref = weakref.ref(h)
    del h
    out.backward(retain_graph=True)
    assert h_ref() is not None
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * np.sin(X) * np.cos(X), rtol=1e-12)
    del out
    assert h_ref() is None


def test_vjp_tape_freed_with_its_function(no_gc):
    marker = []

    class Probe(np.ndarray):
        """An array whose death we can observe."""

        def __del__(self):
            marker.append(True)

    x = np.linspace(0.1, 1.0, 8).view(Probe)
    out, back = tg.vjp(loss_vector, x, W)
    x_ref = weakref.ref(x)
    del x
    grads = back(np.ones(8))
    assert len(grads) == 2
    del back, grads, out
    assert x_ref() is None, "the tape of tg.vjp outlived its backward function"


def test_compiled_call_leaves_no_cyclic_garbage(no_gc):
    GRAD(X, W)             # warm: compiled and cached
    gc.collect()
    for _ in range(50):
        GRAD(X, W)
    assert gc.collect() == 0, "compiled gradient calls created reference cycles"


def test_eager_iteration_leaves_no_cyclic_garbage(no_gc):
    eager_step()
    gc.collect()
    for _ in range(50):
        eager_step()
    assert gc.collect() == 0, "eager forward/backward created reference cycles"


def test_failed_gradient_leaves_no_cyclic_garbage(no_gc):
    """A GradientError raised from generated code does not keep the frames (and their
    arrays) alive through a traceback cycle."""
    def bad(x, y):
        return np.sum(x + y)

    df = tg.grad(bad)
    for _ in range(2):
        with pytest.raises(tg.GradientError):
            df(np.ones(3), np.ones(4))
    gc.collect()
    for _ in range(5):
        with pytest.raises(tg.GradientError):
            df(np.ones(3), np.ones(4))
    found = gc.collect()
    assert found == 0, f"{found} objects in cycles after failed gradient calls"
