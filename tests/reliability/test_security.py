"""Safety of generated code (docs/security.md): the compiler runs only modules it printed
from syntax trees, text from the user's values never becomes code, nothing is written to disk.
"""
import builtins
import io
import linecache
import os

import numpy as np
import pytest

import transgrad as tg
from transgrad.compiler import codegen

RAN = []


class Sneaky:
    """A value whose repr carries a newline and code: printed in a header comment of the
    generated module, the code must stay a comment."""

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return "Sneaky()\nRAN.append('repr code ran')"

    def __len__(self):
        return 3


def test_repr_of_a_scope_value_stays_a_comment():
    weight = Sneaky(3.0)

    def uses(x):
        y = x * 2.0
        return y * float(len(weight))

    df = tg.grad(uses)
    assert df(1.5) == pytest.approx(6.0)
    assert RAN == []
    source = df.source
    assert "# weight: Sneaky()\\nRAN.append('repr code ran')" in source
    for line in source.splitlines():
        assert not line.strip().startswith("RAN.append")


def test_a_module_with_foreign_statements_is_not_run():
    source = "import numpy as np\nRAN.append('ran')\n\n\ndef g(x):\n    return x\n"
    namespace = {"RAN": RAN}
    with pytest.raises(tg.TransformError, match="refusing to run it"):
        codegen.compile_module(source, namespace, "test")
    assert RAN == [] and "g" not in namespace


@pytest.mark.parametrize("header", ["x = foo()", "@decorator\ndef g(x):\n    return x",
                                    "def g(x=RAN.append(1)):\n    return x", "RAN.clear()",
                                    "if True:\n    pass", "class C:\n    pass"])
def test_only_imports_literals_and_plain_defs_run(header):
    with pytest.raises(tg.TransformError):
        codegen.compile_module(header + "\n", {"RAN": RAN}, "test")


def test_generated_module_is_registered_with_linecache():
    def f(x):
        return np.sum(np.tanh(x) * x)

    df = tg.grad(f)
    df(np.ones(3))
    compiled = df._last
    assert "".join(linecache.getlines(compiled.filename)) == compiled.source
    assert compiled.filename.startswith("<transgrad ")


def test_compiling_writes_no_files(tmp_path, monkeypatch):
    writes = []
    real_open = builtins.open
    real_io_open = io.open

    def watching(opener):
        def open_(file, mode="r", *args, **kwargs):
            if any(c in mode for c in "wax+"):
                writes.append((file, mode))
            return opener(file, mode, *args, **kwargs)
        return open_

    monkeypatch.setattr(builtins, "open", watching(real_open))
    monkeypatch.setattr(io, "open", watching(real_io_open))
    monkeypatch.chdir(tmp_path)

    def f(x, w):
        h = x
        for i in range(3):
            h = np.tanh(h * w)
        return np.sum(h)

    tg.grad(f, argnums=(0, 1))(np.ones(3), np.ones(3))
    tg.vjp(f, np.ones(2), np.ones(2))[1](1.0)
    if hasattr(tg, "jvp"):
        tg.jvp(f, (np.ones(2), np.ones(2)), (np.ones(2), np.zeros(2)))
    assert writes == []
    assert os.listdir(tmp_path) == []


def test_no_eval_of_strings_from_the_user():
    """A string argument is data: the compiler never evaluates it."""
    def f(x, expression):
        return x * float(len(expression))

    code = "RAN.append('evaluated')"
    assert tg.grad(f)(2.0, code) == pytest.approx(len(code))
    assert RAN == []
