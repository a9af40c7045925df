"""examples/custom_primitive.py and examples/checkpoint_rnn.py run as scripts and print what
their docstrings promise (values checked in the other tests of this folder)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(name):
    result = subprocess.run([sys.executable, str(ROOT / "examples" / name)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_custom_primitive_example():
    out = _run("custom_primitive.py")
    assert "eager node: SoftclipBackward" in out
    eager = out.split("eager gradient:")[1].split("tg.grad gradient:")[0]
    compiled = out.split("tg.grad gradient:")[1].split("at w = 0")[0]
    assert eager.split() == compiled.split()                 # the same numbers, both paths
    assert "the penalty's gradient is [0. 0. 0.]" in out
    assert "softclip(x @ w, limit=2.0)" in out and "safe_norm_bwd(" in out


def test_checkpoint_rnn_example():
    out = _run("checkpoint_rnn.py")
    rows = {line[:24].strip(): line[24:].split() for line in out.splitlines()
            if line.startswith(("plain", "checkpoint per"))}
    assert set(rows) == {"plain", "checkpoint per step", "checkpoint per 5 steps"}
    tape = {k: int(v[0].replace(",", "")) for k, v in rows.items()}
    assert tape["checkpoint per 5 steps"] < tape["checkpoint per step"] < tape["plain"]
    assert all(float(v[3]) <= 1e-12 for v in rows.values())
    assert "# checkpointed: recomputed in the backward pass" in out
