"""C1: the first `tg.grad` call (compile and run) of fresh functions, and the generator of
straight-line functions it is measured on.

Each benchmark round compiles a function no cache has seen (a new module file), and the
gradient it returns is checked against finite differences. The generator's own tests need no
transgrad: they check that a generated function is file-backed, has the size asked for, and
has a gradient (autograd's) that agrees with finite differences, so C1 measures a sound input.
"""
import ast
import inspect

import numpy as np
import pytest

from . import checks, compile_time
from .columns import LABELS, as_float64
from .conftest import finite_differences, inputs, peer_gradients, transgrad_with
from .workloads import STRAIGHT_LINE_SIZES, WORKLOADS, Workload


def _straight_line_workload(fn):
    args = compile_time.straight_line_inputs()
    return Workload(fn.__name__, fn.__name__, fn, (0, 1), lambda: args, "float64", 0.0)


def _as_gradients(result, workload):
    result = (result,) if len(workload.argnums) == 1 else result
    return tuple(as_float64(g) for g in result)


@pytest.mark.parametrize("name", WORKLOADS)
def test_compile_workload(benchmark, tmp_path, name):
    tg = transgrad_with("grad")
    workload = WORKLOADS[name]
    args = inputs(name)

    def fresh():
        return (compile_time.fresh_copy(workload.fn, tmp_path),), {}

    result = benchmark.pedantic(lambda fn: tg.grad(fn, argnums=workload.argnum)(*args),
                                setup=fresh, rounds=3)
    reference_label, reference = peer_gradients(name)
    found = checks.problems(workload, LABELS["compiled"], _as_gradients(result, workload), args,
                            finite_differences(name), reference, reference_label)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("n", STRAIGHT_LINE_SIZES)
def test_compile_straight_line(benchmark, tmp_path, n):
    tg = transgrad_with("grad")
    args = compile_time.straight_line_inputs()
    compiled = []

    def fresh():
        compiled.append(compile_time.straight_line(n, tmp_path))
        return (compiled[-1],), {}

    result = benchmark.pedantic(lambda fn: tg.grad(fn, argnums=(0, 1))(*args), setup=fresh, rounds=3)
    workload = _straight_line_workload(compiled[-1])
    found = checks.problems(workload, LABELS["compiled"], _as_gradients(result, workload), args,
                            checks.finite_differences(workload, args))
    assert not found, "\n".join(found)


@pytest.mark.parametrize("n", STRAIGHT_LINE_SIZES)
def test_straight_line_generator(tmp_path, n):
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp
    from .columns import rebind_numpy

    fn = compile_time.straight_line(n, tmp_path)
    tree = ast.parse(inspect.getsource(fn))
    body = tree.body[0].body
    assert [type(s) for s in body] == [ast.Assign] * n + [ast.Return]
    workload = _straight_line_workload(fn)
    args = compile_time.straight_line_inputs()
    gradients = autograd.grad(rebind_numpy(fn, anp), (0, 1))(*args)
    found = checks.problems(workload, "autograd", tuple(gradients), args,
                            checks.finite_differences(workload, args))
    assert not found, "\n".join(found)
    assert 0.01 < np.max(np.abs(gradients[0])) < 100  # bounded, not vanishing, for any n


def test_fresh_copy_is_a_new_file_backed_function(tmp_path):
    workload = WORKLOADS["W3"]
    first = compile_time.fresh_copy(workload.fn, tmp_path)
    second = compile_time.fresh_copy(workload.fn, tmp_path)
    assert first.__code__ is not second.__code__
    assert first.__code__.co_filename != second.__code__.co_filename
    assert inspect.getsource(first) == inspect.getsource(workload.fn)
    args = inputs("W3")
    assert first(*args) == workload.fn(*args)


def test_compile_seconds_subtracts_a_steady_call():
    class StandIn:
        """`grad` returning a function whose first call alone is slow, like a lazy compiler."""

        @staticmethod
        def grad(fn, argnums=0):
            calls = []

            def gradient(*args):
                calls.append(1)
                if len(calls) == 1:
                    import time
                    time.sleep(0.05)
                return 0.0
            return gradient

    seconds, first = compile_time.compile_seconds(StandIn, None, (), 0)
    assert first == 0.0
    assert 0.045 < seconds < 0.5
