"""`print(tg.source(tg.grad(f)))` is self-contained: pasted into a new file, it runs and gives
the same gradient (module-level functions; values of a closure are named in a comment)."""
import importlib.util

import numpy as np
import pytest

import transgrad as tg

from . import golden_functions as G
from .corpus import CASES

SELF_CONTAINED = ["scalar_loop", "vector_numpy", "globals_read", "loop_over_list", "branch_if",
                  "while_data_dependent", "calls_helper_twice", "calls_recursive",
                  "list_append", "dict_values", "index_writes", "tiny_ops", "mlp",
                  "rnn", "return_in_loop", "tensor_style", "tg_functions", "loop_break"]


def _load(source, tmp_path, stem):
    path = tmp_path / f"{stem}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _leaves(tree):
    if isinstance(tree, (list, tuple)):
        return [x for t in tree for x in _leaves(t)]
    if isinstance(tree, dict):
        return [x for k in sorted(tree) for x in _leaves(tree[k])]
    return [tree]


@pytest.mark.parametrize("name", SELF_CONTAINED)
def test_pasted_source_gives_the_same_gradient(name, tmp_path):
    case = next(c for c in CASES if c.name == name)
    df = tg.grad(case.fn, case.argnums)
    expected = df(*case.make_args())
    module = _load(df.source, tmp_path, f"pasted_{name}")
    got = getattr(module, f"grad_{name}")(*case.make_args())
    for g, e in zip(_leaves(got), _leaves(expected)):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(e))


def test_pasted_source_of_a_helper_pair(tmp_path):
    df = tg.grad(G.uses_helper)
    x = np.array([0.3, -0.1])
    expected = df(x)
    module = _load(df.source, tmp_path, "pasted_helper")
    np.testing.assert_array_equal(module.grad_uses_helper(x), expected)
    assert "def helper_forward(v):" in df.source and "def helper_backward(" in df.source


def test_closure_values_are_named_when_not_importable(tmp_path):
    case = next(c for c in CASES if c.name == "closed_array")
    source = tg.grad(case.fn)(*case.make_args()) is not None and tg.source(tg.grad(case.fn))
    assert "# w:" in source and "cannot be imported" in source
