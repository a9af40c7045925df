"""The harness itself: transgrad's columns switch on by feature detection, a wrong gradient is
caught, a missing feature is a reason and not a crash, and benchmarks/compare.py produces its
table and JSON.

transgrad is replaced by a stand-in module whose `grad` is HIPS autograd's (right) or
autograd's scaled by 1.001 (wrong), so these tests do not depend on the state of the compiler.
"""
import importlib.util
import json
import os
import sys
import types
from pathlib import Path

import pytest

from . import checks
from .columns import Unavailable, prepare, rebind_numpy
from .workloads import WORKLOADS

COMPARE = Path(__file__).resolve().parents[2] / "benchmarks" / "compare.py"


def _stand_in(scale=1.0):
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp

    def grad(fn, argnums=0):
        gradient = autograd.grad(rebind_numpy(fn, anp), argnums)

        def scaled(*args):
            result = gradient(*args)
            return tuple(g * scale for g in result) if isinstance(result, tuple) else result * scale
        return scaled

    module = types.ModuleType("transgrad")
    module.__version__ = "stand-in"
    module.grad = grad
    return module


@pytest.fixture
def compare(monkeypatch):
    """benchmarks/compare.py imported in this process, its environment changes undone."""
    monkeypatch.setattr(os, "environ", dict(os.environ))
    torch = sys.modules.get("torch")
    threads = torch.get_num_threads() if torch else None
    spec = importlib.util.spec_from_file_location("benchmarks_compare", COMPARE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    if torch:
        torch.set_num_threads(threads)


def test_compiled_column_switches_on_when_tg_grad_exists(monkeypatch):
    monkeypatch.setitem(sys.modules, "transgrad", _stand_in())
    workload = WORKLOADS["W3"]
    args = workload.make_inputs()
    runner = prepare("compiled", workload, args)
    found = checks.problems(workload, "compiled", runner.gradients(runner.call()), args,
                            checks.finite_differences(workload, args))
    assert found == []


def test_missing_features_are_reasons(monkeypatch):
    monkeypatch.setitem(sys.modules, "transgrad", types.ModuleType("transgrad"))
    for column, feature in (("compiled", "tg.grad"), ("eager", "tg.Tensor")):
        with pytest.raises(Unavailable, match=feature):
            prepare(column, WORKLOADS["W1"])


def test_wrong_gradient_is_caught(monkeypatch):
    monkeypatch.setitem(sys.modules, "transgrad", _stand_in(scale=1.001))
    workload = WORKLOADS["W5"]
    args = workload.make_inputs()
    runner = prepare("compiled", workload, args)
    found = checks.problems(workload, "compiled", runner.gradients(runner.call()), args,
                            checks.finite_differences(workload, args))
    assert len(found) == 3 * checks.FD_COORDINATES
    assert all("finite differences give" in line for line in found)


def test_compare_table_and_json(compare, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "transgrad", _stand_in())
    out = tmp_path / "out.json"
    status = compare.main(["--quick", "--only", "W3,C1", "--json", str(out)])
    printed = capsys.readouterr().out
    assert status == 0
    figures = json.loads(out.read_text())
    w3 = figures["workloads"]["W3"]
    assert w3["gradient_problems"] == []
    for column in ("primal", "compiled", "autograd"):
        assert w3["seconds"][column] > 0
    ratio = w3["ratios"]["compiled/primal"]
    assert ratio["value"] == pytest.approx(w3["seconds"]["compiled"] / w3["seconds"]["primal"])
    assert ratio["meets"] == (ratio["value"] <= 3.0)
    assert w3["unavailable"]["eager"] == "tg.Tensor not implemented yet"
    assert set(figures["straight_line_compile"]) == {"10", "100", "1000"}
    assert "W3 logistic regression" in printed and "n/a (tg eager: tg.Tensor not implemented yet)" in printed
    assert ("MISS" in printed) == bool(figures["floors_missed"])


def test_compare_exits_1_on_a_wrong_gradient(compare, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "transgrad", _stand_in(scale=1.001))
    assert compare.main(["--quick", "--only", "W2", "--repeats", "1"]) == 1
    captured = capsys.readouterr()
    assert "GRADIENT MISMATCH" in captured.err
    assert "GRADIENT MISMATCHES" in captured.out
