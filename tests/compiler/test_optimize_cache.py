"""The optimiser's per-statement cache (optimize._info) says what walking the statement says,
is forgotten when a pass changes the statement, is not shared with a copy of it, and never
changes the code the optimiser produces."""
import numpy as np
import pytest

import transgrad as tg
from transgrad.compiler import optimize, syntax as S
from transgrad.compiler.quoting import copy_tree, parse_stmts, to_source
from tests.benchmarks.compile_time import load_module, straight_line_source

STATEMENTS = [
    "bx = by * np.cos(x) + 1.0 * g",
    "a[i][j] = b[k] + c",
    "t, (u, v) = w",
    "bz += g[idx] * h",
    "stack.append((x, y))",
    "x = stack.pop()",
    "y = f(x) + np.sum(x, axis=0)",
    "return np.sum(bx), by",
]


def _loaded(node):
    return {n.id for n in S.walk(node) if type(n).__name__ == "Name" and type(n.ctx).__name__ == "Load"}


@pytest.mark.parametrize("text", STATEMENTS)
def test_info_agrees_with_walking_the_statement(text):
    s = parse_stmts(text)[0]
    info = optimize._info(s)
    kind = type(s).__name__
    expected_reads = _loaded(s) | ({s.target.id} if kind == "AugAssign" else set())
    assert set(info.reads) == expected_reads
    if kind == "Assign":
        assert info.bound == S.names_stored(s.targets)
        assert info.pure == optimize._pure(s.value)
        assert info.size == sum(1 for _ in S.walk(s.value))
        walked = [n for n in S.walk(s.value) if type(n) in optimize._MAY_FOLD_TYPES]
        assert [id(n) for n in info.operations] == [id(n) for n in walked]
    expected = {
        "bx = by * np.cos(x) + 1.0 * g": {"bx"},
        "a[i][j] = b[k] + c": {"a"},
        "t, (u, v) = w": {"t", "u", "v"},
        "bz += g[idx] * h": {"bz"},
        "stack.append((x, y))": {"stack"},
        "x = stack.pop()": {"x", "stack"},
        "y = f(x) + np.sum(x, axis=0)": {"y"},
        "return np.sum(bx), by": set(),
    }[text]
    assert info.stores == expected
    assert info.written == ({"a"} if text.startswith("a[") else set())
    if text in ("x = stack.pop()", "y = f(x) + np.sum(x, axis=0)"):
        assert info.pure is False
    if kind == "AugAssign":
        assert info.reads["bz"] == 1


def test_info_is_cached_until_touched():
    s = parse_stmts("bt = bx * a")[0]
    first = optimize._info(s)
    assert optimize._info(s) is first
    optimize._replace_loads(s, "a", S.name("w"))
    optimize._touch(s)
    again = optimize._info(s)
    assert again is not first and set(again.reads) == {"bx", "w"}


def test_a_copy_gets_its_own_info():
    s = parse_stmts("bt = bx * 1.0")[0]
    original = optimize._info(s)
    c = copy_tree(s)                    # copies the cached attribute along with the fields
    info = optimize._info(c)
    assert info is not original and info.owner == id(c)
    assert info.operations == [c.value]


LOOPS_AND_BRANCHES = '''
import numpy as np


def f(x, w, n):
    h = x
    acc = 0.0
    for i in range(3):
        t = np.tanh(h * w)
        if np.sum(t) > 0:
            h = t * 0.5 + h
        else:
            h = -(-t)
        acc = acc + np.sum(h * 1.0)
    k = 0
    while k < n:
        acc = acc * 1.0 + np.mean(h)
        k = k + 1
    return acc
'''


def _sources(tmp_path, stem):
    """Gradient sources of a straight-line function and one with loops and branches."""
    line = getattr(load_module(straight_line_source(60), tmp_path, f"{stem}_line"), "straight_line_60")
    loops = load_module(LOOPS_AND_BRANCHES, tmp_path, f"{stem}_loops").f
    x, w = np.linspace(-1, 1, 8), np.linspace(0.5, 1.5, 8)
    out = []
    for fn, args, argnums in ((line, (x, w), (0, 1)), (loops, (x, w, 2), (0, 1))):
        g = tg.grad(fn, argnums=argnums)
        g(*args)
        out.append(g.source)
    return out


def test_the_cache_does_not_change_generated_code(tmp_path, monkeypatch):
    cached = _sources(tmp_path, "cached")
    real_info = optimize._info

    def fresh_info(s):
        s.__dict__.pop("_tg_info", None)
        return real_info(s)

    # every question walks the statement again: what the optimiser did before caching
    monkeypatch.setattr(optimize, "_info", fresh_info)
    uncached = _sources(tmp_path, "uncached")
    strip = lambda src: src.replace("uncached", "cached")   # noqa: E731 (module names)
    assert [strip(s) for s in uncached] == cached


def test_the_caches_are_dropped_when_the_optimiser_returns():
    # the generated trees outlive the optimiser; what it cached on them would double their
    # memory (and a later optimisation of the same trees recomputes it)
    body = parse_stmts("t1 = x * 2.0\nt2 = t1 + y\nif c:\n    t3 = t2 * t2\n    z = t3\nelse:\n"
                       "    z = t2\nreturn z")
    generated = lambda name: name.startswith("t")
    out = optimize.optimize(body, generated, {"z"})
    left = [n for n in S.walk(out) if "_tg_info" in n.__dict__ or "_tg_folded" in n.__dict__]
    assert left == [] and type(out[-1]).__name__ == "Return"
    again = optimize.optimize(copy_tree(out), generated, {"z"})
    assert to_source(again) == to_source(out)
