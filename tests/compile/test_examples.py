"""The tg.compile examples run and say what they claim (compiled and eager agree)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_example(name):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, str(ROOT / "examples" / name)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def test_demo_tells_the_whole_story():
    out = run_example("demo.py")
    assert "grad_fn=<MeanBackward0>" in out and "grad_fn=<LossBackward>" in out
    assert out.count("tensor([[4.5000, 4.5000],") == 2
    assert "agree: True" in out
    assert "def loss_backward(tape, " in out and "def grad_f(a, b):" in out
    assert "df/da = 1.520342 (finite differences: 1.520342)" in out
    assert len(out.splitlines()) < 90


@pytest.mark.parametrize("name,claims", [
    ("compile_mlp.py", ["compiled and eager gradients agree: True", "(LossBackward)"]),
    ("compile_recurrence.py", ["gradients agree: True", "second derivatives agree: True",
                               "nodes in the graph   4"]),
])
def test_compile_examples(name, claims):
    out = run_example(name)
    for claim in claims:
        assert claim in out, out
