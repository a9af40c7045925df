"""How snippets and example programs are run and how outputs are compared.

Preludes. Every snippet of pytorch-semantics.md was captured after a prelude (top of that file)
that defines `raises()` and prints warnings on stdout. `TORCH_PRELUDE` is that prelude verbatim;
`TG_PRELUDE` is its port, with one deliberate difference: transgrad raises (and warns with)
subclasses of the built-in classes PyTorch uses (e.g. `GradientError(TransgradError,
RuntimeError)`), so its `raises()` and warning printer name the first built-in class in the
exception's (warning category's) MRO, `builtins.RuntimeError`, which is what PyTorch's line
shows. A transgrad exception with no built-in base other than `Exception` prints as
`builtins.Exception` and fails the comparison, as it should.

Normalisations, the only differences between PyTorch's output and ours that a comparison
forgives (nothing else is normalised away, not even whitespace):
1. object addresses: every `0x` followed by hex digits reads `0x…`, in both outputs
   (addresses differ from run to run; identity is not compared, because PyTorch reuses the
   address of a freed node and we need not);
2. the library's name: `tg` is what users call the `transgrad` module, as `torch` is PyTorch's.
   a. In PyTorch's output, `torch.` as a whole word reads `tg.`: dtype suffixes
      (`dtype=tg.float64`), `tg.Size([2, 2])`, `tg.FloatTensor` in error messages. Not inside
      a URL or a longer name (`pytorch.org/...#torch.autograd.Function` stays as it is).
   b. In our output, the module path that Python's default reprs show, `<transgrad.` and
      `<class 'transgrad.`, reads `<tg.` / `<class 'tg.` (PyTorch: `<torch.autograd.function.
      MyReLUBackward object at 0x…>`). Nowhere else: `dtype=transgrad.float32` is a mismatch.
3. PyTorch's C++ warnings end with ` (Triggered internally at <a C++ source file of PyTorch's
   build>:<line>.)`, a location that names nothing in transgrad: in PyTorch's output that
   suffix is removed (the message before it must match).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
RUNNER = Path(__file__).with_name("runner.py")

TORCH_PRELUDE = '''\
import sys, os, warnings
import torch
import torch.nn.functional as F

warnings.simplefilter("always")


def _showwarning(message, category, filename, lineno, file=None, line=None):
    # print warnings on stdout, in order, without the absolute path
    print(f"WARNING {category.__name__}: {message}")


warnings.showwarning = _showwarning
torch.manual_seed(0)


class raises:
    """with raises(): <code>  -> prints 'EXC <module>.<type>: <message>' or '(no exception)'"""

    def __enter__(self):
        return self

    def __exit__(self, t, e, tb):
        if t is None:
            print("(no exception)")
        else:
            print(f"EXC {t.__module__}.{t.__qualname__}: {e}")
        return True
'''

TG_PRELUDE = '''\
import sys, os, warnings
import transgrad as tg
import transgrad.nn.functional as F

warnings.simplefilter("always")


def _builtin_base(cls):
    # transgrad's exceptions and warnings subclass the built-in ones PyTorch uses
    return next(k for k in cls.__mro__ if k.__module__ == "builtins")


def _showwarning(message, category, filename, lineno, file=None, line=None):
    # print warnings on stdout, in order, without the absolute path
    print(f"WARNING {_builtin_base(category).__name__}: {message}")


warnings.showwarning = _showwarning
tg.manual_seed(0)


class raises:
    """with raises(): <code>  -> prints 'EXC builtins.<type>: <message>' or '(no exception)'"""

    def __enter__(self):
        return self

    def __exit__(self, t, e, tb):
        if t is None:
            print("(no exception)")
        else:
            k = _builtin_base(t)
            print(f"EXC {k.__module__}.{k.__qualname__}: {e}")
        return True
'''

PRELUDES = {"torch": TORCH_PRELUDE, "transgrad": TG_PRELUDE}

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_TORCH_NAME = re.compile(r"(?<![\w#/.])torch\.")
_OUR_MODULE_IN_REPR = re.compile(r"(?<=<)transgrad\.|(?<=<class ')transgrad\.")
_TRIGGERED_INTERNALLY = re.compile(r" \(Triggered internally at [^()\n]*:\d+\.\)")


def normalise(text: str, library: str) -> str:
    """Apply the documented normalisations to `library`'s output (see the module docstring)."""
    text = _ADDRESS.sub("0x…", text)
    if library == "torch":
        text = _TRIGGERED_INTERNALLY.sub("", text)
        text = _TORCH_NAME.sub("tg.", text)
    else:
        text = _OUR_MODULE_IN_REPR.sub("tg.", text)
    return text


def port(torch_source: str) -> str:
    """The transgrad version of a PyTorch program: only the library's name changes."""
    source = re.sub(r"^import torch\.nn\.functional as F$", "import transgrad.nn.functional as F",
                    torch_source, flags=re.M)
    source = re.sub(r"^import torch$", "import transgrad as tg", source, flags=re.M)
    return re.sub(r"\btorch\.", "tg.", source)


def run_jobs(library: str, jobs: list[dict], timeout: float = 60.0) -> dict[str, dict]:
    """Run `jobs` (see runner.py) under `library` in one runner process; results by job name."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"
    env.setdefault("OMP_NUM_THREADS", "1")   # tiny tensors; keeps forked children light
    request = json.dumps({"library": library, "timeout": timeout, "jobs": jobs})
    proc = subprocess.run([sys.executable, str(RUNNER)], input=request, capture_output=True,
                          text=True, encoding="utf-8", env=env, cwd=str(REPO),
                          timeout=timeout * max(1, len(jobs)) + 120)
    if proc.returncode != 0:
        raise RuntimeError(f"snippet runner failed ({proc.returncode}):\n{proc.stderr}")
    return {r["name"]: r for r in json.loads(proc.stdout)}


def snippet_job(name: str, source: str, library: str) -> dict:
    """A runner job for a spec snippet: prelude + snippet in one file, stderr merged."""
    return {"name": name, "source": PRELUDES[library] + source,
            "filename": f"<snippet {name}>", "merge_stderr": True}


def script_job(name: str, path: Path) -> dict:
    """A runner job for a whole program file, run as `python path`, stderr kept apart."""
    return {"name": name, "source": path.read_text(encoding="utf-8"), "filename": str(path),
            "merge_stderr": False}


def diff(expected: str, actual: str, labels=("expected", "actual")) -> str:
    import difflib
    return "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                        *labels, n=2))
