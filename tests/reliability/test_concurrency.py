"""Threads: grad mode is per thread, and compiling the same function at once is safe.

Threads meet at barriers so that the interesting parts really overlap; the interpreter's
switch interval is shortened so that they interleave inside compilation too.
"""
import sys
import threading

import numpy as np
import pytest

import transgrad as tg
from transgrad.compiler import api

TIMEOUT = 30


@pytest.fixture(autouse=True)
def fast_switching():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def run_threads(*targets):
    """Run each target in a thread; re-raise the first exception any of them raised."""
    errors = []

    def wrap(target):
        def body():
            try:
                target()
            except BaseException as err:  # noqa: BLE001 - reported below
                errors.append(err)
        return body

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a thread hung"
    if errors:
        raise errors[0]


def test_no_grad_in_one_thread_does_not_reach_another():
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    seen = {}

    def quiet():
        with tg.no_grad():
            barrier.wait()             # 1: inside no_grad while the other thread computes
            x = tg.tensor([1.0, 2.0], requires_grad=True)
            seen["quiet"] = (tg.is_grad_enabled(), (x * 2.0).requires_grad)
            barrier.wait()             # 2

    def loud():
        barrier.wait()                 # 1
        x = tg.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        seen["loud"] = (tg.is_grad_enabled(), y.requires_grad)
        barrier.wait()                 # 2
        y.backward()
        seen["grad"] = x.grad.numpy().tolist()

    run_threads(quiet, loud)
    assert seen["quiet"] == (False, False)
    assert seen["loud"] == (True, True)
    assert seen["grad"] == [2.0, 4.0]
    assert tg.is_grad_enabled()


def test_set_grad_enabled_is_per_thread():
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    seen = {}

    def off():
        tg.set_grad_enabled(False)
        try:
            barrier.wait()
            barrier.wait()
            seen["off"] = tg.is_grad_enabled()
        finally:
            tg.set_grad_enabled(True)

    def on():
        barrier.wait()
        seen["on"] = tg.is_grad_enabled()
        barrier.wait()

    run_threads(off, on)
    assert seen == {"off": False, "on": True}


def test_inference_mode_is_per_thread():
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    seen = {}

    def inside():
        with tg.inference_mode():
            barrier.wait()
            barrier.wait()
            seen["inside"] = tg.is_inference_mode_enabled()

    def outside():
        barrier.wait()
        seen["outside"] = (tg.is_inference_mode_enabled(), tg.is_grad_enabled())
        barrier.wait()

    run_threads(inside, outside)
    assert seen == {"inside": True, "outside": (False, True)}


def make_function(scale):
    """A new function (new code object) each time, so nothing is cached yet."""
    namespace = {"np": np}
    source = (f"def shared_{abs(hash(scale))}(x, w):\n"
              f"    h = np.sin(x * w) * {scale!r}\n"
              f"    for i in range(3):\n"
              f"        h = np.tanh(h + x)\n"
              f"    return np.sum(h * w)\n")
    # a real file is not needed for threads, but transgrad reads source: use linecache
    import linecache
    filename = f"<concurrency test {scale!r}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    return next(v for k, v in namespace.items() if k.startswith("shared_"))


def expected_gradient(fn, x, w):
    tx = tg.tensor(x, dtype=tg.float64, requires_grad=True)
    tw = tg.tensor(w, dtype=tg.float64, requires_grad=True)
    fn(tx, tw).backward()
    return tx.grad.numpy(), tw.grad.numpy()


@pytest.mark.parametrize("repeat", range(3))
def test_two_threads_compile_the_same_new_function_at_once(repeat):
    fn = make_function(0.5 + repeat)
    x, w = np.linspace(-1.0, 1.0, 4), np.linspace(0.5, 2.0, 4)
    want = expected_gradient(fn, x, w)
    shared = tg.grad(fn, argnums=(0, 1))
    barrier = threading.Barrier(4, timeout=TIMEOUT)
    results = [None] * 4

    def worker(k):
        def body():
            df = shared if k % 2 == 0 else tg.grad(fn, argnums=(0, 1))   # shared or own
            barrier.wait()
            results[k] = df(x, w)
        return body

    run_threads(*[worker(k) for k in range(4)])
    for gx, gw in results:
        np.testing.assert_allclose(gx, want[0], rtol=1e-12)
        np.testing.assert_allclose(gw, want[1], rtol=1e-12)
    # the cache ends consistent: one entry for this function and signature, which works
    keys = [k for k in api._CACHE if k[0] is fn.__code__]
    assert len(keys) == 1
    gx, gw = tg.grad(fn, argnums=(0, 1))(x, w)
    np.testing.assert_allclose(gx, want[0], rtol=1e-12)


def test_threads_compile_different_signatures_of_one_function():
    fn = make_function(1.25)
    shapes = [(3,), (2, 3), (), (5,)]
    df = tg.grad(fn, argnums=(0, 1))
    barrier = threading.Barrier(len(shapes), timeout=TIMEOUT)
    results = {}

    def worker(shape):
        def body():
            rng = np.random.default_rng(len(shape) * 7 + sum(shape))
            x = rng.uniform(-1, 1, shape) if shape else 0.3
            w = rng.uniform(0.5, 1.5, shape) if shape else 0.7
            barrier.wait()
            results[shape] = (x, w, df(x, w))
        return body

    run_threads(*[worker(s) for s in shapes])
    for shape, (x, w, (gx, gw)) in results.items():
        want = expected_gradient(fn, x, w)
        np.testing.assert_allclose(gx, want[0], rtol=1e-12)
        np.testing.assert_allclose(gw, want[1], rtol=1e-12)


def test_guards_of_modules_compiled_at_once_stay_separate():
    """Each thread records the globals its own module read (the staleness guard)."""
    first, second = make_function(2.0), make_function(3.0)
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    made = {}

    def worker(name, fn):
        def body():
            barrier.wait()
            df = tg.grad(fn)
            df(np.ones(3), np.ones(3))
            made[name] = df._last.guard
        return body

    run_threads(worker("first", first), worker("second", second))
    for name, fn in (("first", first), ("second", second)):
        holders = {id(entry[1]) for entry in made[name].entries}
        assert id(fn.__globals__) in holders
        other = second if fn is first else first
        assert id(other.__globals__) not in holders


def test_eager_backward_in_two_threads_at_once():
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    results = {}

    def worker(k):
        def body():
            x = tg.tensor(np.linspace(0.1, 1.0, 6) * (k + 1), requires_grad=True)
            barrier.wait()
            for _ in range(20):
                x.grad = None
                y = (x.sin() * x).sum()
                y.backward()
            results[k] = (x.detach().numpy(), x.grad.numpy())
        return body

    run_threads(worker(0), worker(1))
    for x, g in results.values():
        np.testing.assert_allclose(g, np.cos(x) * x + np.sin(x), rtol=1e-12)
