"""The transform examples run and print what they claim."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(name):
    result = subprocess.run([sys.executable, str(ROOT / "examples" / name)], capture_output=True,
                            text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_hessian_example_matches_the_closed_form():
    out = _run("transforms_hessian.py")
    assert "Hessian shape: (100, 100)" in out
    error = float(out.split("max |H - closed form|: ")[1].split()[0])
    assert error < 1e-12
    assert "H[:, 0] by one jvp of the gradient: True" in out
    assert "def grad_loss_jvp(w, X, y, lam, *, dw):" in out


def test_jvp_example_prints_its_generated_code_and_agreeing_jacobians():
    out = _run("transforms_jvp.py")
    assert "def trajectory_jvp(x, k, *, dx, dk):" in out
    assert "same by reverse mode: True" in out
    assert "grad of |J 1|^2 w.r.t. x:" in out
