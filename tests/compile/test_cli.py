"""`python -m transgrad show FILE.py:FUNC`, run as a new user would run it (a subprocess from
the repository root): the generated source on stdout, or one clear message and status 2."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "transgrad", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def assert_clean_error(result, *fragments):
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("transgrad show: ")
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_show_a_compiled_function_prints_its_forward_and_backward():
    result = run("show", "examples/compile_mlp.py:loss")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert "def loss_forward(x, w1, b1, w2, b2, target):" in out
    assert "def loss_backward(tape, " in out
    assert "cotangents of x, w1, b1, w2, b2, target." in out
    assert "\x1b[" not in out                       # not a terminal: no colour
    compile(out, "<shown>", "exec")                 # it is Python


def test_show_with_argnums():
    result = run("show", "examples/compile_mlp.py:loss", "--argnums", "1,2")
    assert result.returncode == 0, result.stderr
    assert "cotangents of w1, b1." in result.stdout


def test_show_a_plain_function_prints_its_gradient():
    result = run("show", "examples/compiler_loop.py:f", "--argnums", "0,1")
    assert result.returncode == 0, result.stderr
    assert "def grad_f(a, b):" in result.stdout
    assert "for i in reversed(range(1000)):" in result.stdout
    assert "df/da" not in result.stdout               # the file's own prints are not shown


def test_show_the_recurrence_example():
    result = run("show", "examples/compile_recurrence.py:unroll")
    assert result.returncode == 0, result.stderr
    assert "def unroll_backward(" in result.stdout and "reversed(range(" in result.stdout


def test_help():
    result = run("--help")
    assert result.returncode == 0
    assert "show FILE.py:FUNC" in result.stdout
    result = run("show", "--help")
    assert result.returncode == 0
    assert "--argnums" in result.stdout and "--mode" in result.stdout
    assert "unknown shape" in result.stdout


def test_no_command_prints_help_and_fails():
    result = run()
    assert result.returncode == 2
    assert "show" in result.stdout


def test_missing_file():
    assert_clean_error(run("show", "examples/no_such_file.py:f"),
                       "no such file: examples/no_such_file.py")


def test_missing_function_lists_the_files_functions():
    assert_clean_error(run("show", "examples/compile_mlp.py:los"),
                       "defines no function 'los'", "loss", "main")


def test_target_without_function():
    assert_clean_error(run("show", "examples/compile_mlp.py"), "expected FILE.py:FUNC")


def test_bad_argnums():
    assert_clean_error(run("show", "examples/compile_mlp.py:loss", "--argnums", "a"),
                       "--argnums takes comma-separated integers")
    assert_clean_error(run("show", "examples/compile_mlp.py:loss", "--argnums", "9"),
                       "out of range")


def test_syntax_error_in_the_file(tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("def f(x):\n    return x +\n")
    result = run("show", f"{bad}:f")
    assert_clean_error(result, f"syntax error in {bad}, line 2")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_function_the_compiler_rejects_shows_the_transform_error(tmp_path):
    src = tmp_path / "rejected.py"
    src.write_text(textwrap.dedent("""\
        import numpy as np

        def f(x):
            try:
                return np.sin(x)
            except ValueError:
                return x
        """))
    result = run("show", f"{src}:f")
    assert_clean_error(result, "cannot transform 'f'", "try", str(src), "line 4", "^")


def test_a_file_that_fails_to_import(tmp_path):
    src = tmp_path / "fails.py"
    src.write_text("import numpy as np\nraise ValueError('boom')\ndef f(x):\n    return x\n")
    assert_clean_error(run("show", f"{src}:f"), "importing", "ValueError: boom")


def test_prints_at_import_do_not_reach_the_output(tmp_path):
    src = tmp_path / "chatty.py"
    src.write_text("import numpy as np\nprint('hello from import')\n\n"
                   "def f(x):\n    return np.sum(x * x)\n")
    result = run("show", f"{src}:f", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "hello" not in result.stdout and "def grad_f(x):" in result.stdout


def test_forward_mode_is_reported_cleanly():
    result = run("show", "examples/compile_mlp.py:loss", "--mode", "forward")
    if result.returncode == 0:        # tg.jvp has landed: the forward source is shown
        assert "def " in result.stdout
    else:
        assert_clean_error(result, "forward mode is not available yet")


def test_colour_when_asked():
    pytest.importorskip("pygments")
    result = run("show", "examples/compiler_loop.py:f", "--color", "always")
    assert result.returncode == 0 and "\x1b[" in result.stdout
