"""The cache (a second `tg.grad(f)` compiles nothing) and long functions (linear passes).

Times are printed for the report, never asserted (the machine is shared).
"""
import importlib.util
import sys
import time

import numpy as np
import pytest

import transgrad as tg
from transgrad.compiler import api

from . import golden_functions as G


@pytest.fixture
def generate_calls(monkeypatch):
    calls = []
    real = api.generate

    def counting(fn, **kwargs):
        calls.append(fn.__name__)
        return real(fn, **kwargs)
    monkeypatch.setattr(api, "generate", counting)
    api._CACHE.clear()
    return calls


def test_second_grad_of_the_same_function_compiles_nothing(generate_calls):
    x = np.array([0.1, 0.2])
    first = tg.grad(G.uses_helper)(x)
    second = tg.grad(G.uses_helper)(x)
    np.testing.assert_array_equal(first, second)
    assert generate_calls == ["uses_helper"]


def test_a_new_signature_compiles_again_and_an_old_one_does_not(generate_calls):
    df = tg.grad(G.uses_helper)
    df(np.array([0.1, 0.2]))
    df(np.array([0.3, 0.4]))
    df(np.ones((2, 2)))
    df(np.array([0.5, 0.6]))
    assert generate_calls == ["uses_helper", "uses_helper"]


def test_python_float_and_array_arguments_are_separate_specialisations(generate_calls):
    df = tg.grad(G.while_loop)
    assert df(1.5) == pytest.approx(tg.grad(G.while_loop)(np.float64(1.5)))
    assert len(generate_calls) == 2


def _straight_line_module(n, tmp_path):
    lines = ["import numpy as np", "", "", f"def straight_{n}(x, y):"]
    for i in range(n):
        previous = "x" if i == 0 else f"v{i - 1}"
        earlier = f"v{i // 2}" if i >= 2 else "y"
        kind = i % 4
        expression = [f"np.sin({previous}) * y", f"np.tanh({previous} + {earlier})",
                      f"np.exp(np.tanh({previous})) * x", f"{previous} * 0.5 + {earlier} * 0.5"][kind]
        lines.append(f"    v{i} = {expression}")
    lines.append(f"    return np.sum(v{n - 1})")
    path = tmp_path / f"straight_{n}.py"
    path.write_text("\n".join(lines) + "\n")
    spec = importlib.util.spec_from_file_location(f"straight_{n}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[f"straight_{n}"] = module
    return getattr(module, f"straight_{n}")


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_long_straight_line_functions_compile_and_are_right(n, tmp_path):
    f = _straight_line_module(n, tmp_path)
    rng = np.random.default_rng(7)
    x, y = rng.uniform(-1, 1, 8), rng.uniform(-1, 1, 8)
    start = time.perf_counter()
    g = tg.grad(f, (0, 1))(x, y)
    print(f"\ncompile + first call, {n} statements: {1e3 * (time.perf_counter() - start):.0f} ms")
    eps = 1e-6
    for arg in (0, 1):
        for k in (0, 5):
            e = np.zeros(8)
            e[k] = eps
            moved = [x, y]
            plus = list(moved)
            plus[arg] = moved[arg] + e
            minus = list(moved)
            minus[arg] = moved[arg] - e
            fd = (f(*plus) - f(*minus)) / (2 * eps)
            assert g[arg][k] == pytest.approx(fd, rel=1e-5, abs=1e-7)


def test_a_compiled_function_keeps_little_of_the_compiler_alive(tmp_path):
    # context and operator nodes are shared (one per class), and the optimiser's caches are
    # dropped: what a gradient of 300 statements keeps alive is its parse tree, not copies of
    # it; before, 2.5 times as many tree objects stayed alive
    import gc
    from tests.benchmarks.compile_time import straight_line, straight_line_inputs
    from transgrad.compiler import resolve
    from transgrad.compiler.quoting import gast
    fn = straight_line(300, tmp_path)
    gc.collect()
    # (type(), not isinstance: some objects of other libraries warn when asked their class)
    before = {id(o) for o in gc.get_objects() if issubclass(type(o), gast.AST)}
    tg.grad(fn, argnums=(0, 1))(*straight_line_inputs())
    gc.collect()
    alive = [o for o in gc.get_objects() if issubclass(type(o), gast.AST) and id(o) not in before]
    contexts = {id(o) for o in alive if isinstance(o, (gast.expr_context, gast.operator))}
    assert len(contexts) <= 4                        # Load, Store, Mult, Add
    assert not any("_tg_info" in o.__dict__ for o in alive)
    statements = len(resolve.function_info(fn).fdef.body)
    assert len(alive) < 12 * statements             # the parse tree: about 11 per statement


def test_compiling_leaves_no_cycles_for_the_collector(tmp_path):
    # compiling runs with the cyclic collector off (transform.generate), so garbage in cycles
    # stays until a later full collection: each statement the optimiser removed used to stay
    # with its cached `_Info` (they referred to each other), 42,000 objects and 7 MB after a
    # function of 1,000 statements, and the recursive lowering closures kept the function's
    # scope and abstract values
    import gc
    from tests.benchmarks.compile_time import straight_line, straight_line_inputs
    fn = straight_line(200, tmp_path)
    args = straight_line_inputs()
    tg.grad(straight_line(10, tmp_path), argnums=(0, 1))(*args)     # modules loaded
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        tg.grad(fn, argnums=(0, 1))(*args)
        found = gc.collect()
    finally:
        if was_enabled:
            gc.enable()
    assert found < 60, f"{found} objects in cycles after compiling 200 statements"
