"""Compile time (benchmark C1): fresh file-backed functions, and the time of a first call.

`tg.grad` reads a function's source with `inspect.getsource`, so a function to compile must
live in a real file. `fresh_copy` writes a workload's source into a new module file and imports
it: a new code object from a new file, so a cache keyed on the function, its code or its file
cannot answer, whatever transgrad keys its cache on. `straight_line` generates a function of n
assignment statements (then `return np.sum(...)`) mixing calls, operators, fan-out and
constants, with values and gradients bounded for any n.

`compile_seconds` is the time of `tg.grad(f)` plus its first call, minus the fastest of a few
later calls: what compiling costs beyond running.
"""
import importlib.util
import inspect
import itertools
import textwrap
import time
from pathlib import Path

import numpy as np

_counter = itertools.count()


def load_module(source, directory, stem):
    """Write `source` to `directory/<stem>_<k>.py` and import it under a unique name."""
    name = f"{stem}_{next(_counter)}"
    path = Path(directory) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fresh_copy(fn, directory):
    """`fn` re-hosted in a new module file (it may read no global but `np`)."""
    source = "import numpy as np\n\n\n" + textwrap.dedent(inspect.getsource(fn))
    return getattr(load_module(source, directory, fn.__name__), fn.__name__)


def straight_line_source(n):
    """The source of `straight_line_<n>(x, y)`: n assignments, then the sum of the last."""
    lines = [
        f'"""Generated for the compile-time benchmark: {n} straight-line statements."""',
        "import numpy as np",
        "",
        "",
        f"def straight_line_{n}(x, y):",
    ]
    for i in range(n):
        previous = "x" if i == 0 else f"v{i - 1}"
        earlier = f"v{i // 2}" if i >= 2 else "y"
        kind = i % 4
        if kind == 0:
            expression = f"np.sin({previous}) * y"
        elif kind == 1:
            expression = f"np.tanh({previous} + {earlier})"
        elif kind == 2:
            expression = f"np.exp(np.tanh({previous})) * x"
        else:
            expression = f"{previous} * 0.5 + {earlier} * 0.5"
        lines.append(f"    v{i} = {expression}")
    lines.append(f"    return np.sum(v{n - 1})")
    return "\n".join(lines) + "\n"


def straight_line(n, directory):
    """The generated function of n statements, imported from a file in `directory`."""
    module = load_module(straight_line_source(n), directory, f"straight_line_{n}")
    return getattr(module, f"straight_line_{n}")


def straight_line_inputs():
    """(x, y): two length-8 float64 vectors in [-1, 1], fixed seed."""
    rng = np.random.default_rng(7)
    return rng.uniform(-1, 1, 8), rng.uniform(-1, 1, 8)


def compile_seconds(tg, fn, args, argnum, steady_calls=3):
    """(seconds spent compiling, the first call's result) for `tg.grad(fn, argnums=argnum)`;
    `fn` should be fresh (see `fresh_copy`)."""
    start = time.perf_counter()
    gradient = tg.grad(fn, argnums=argnum)
    first = gradient(*args)
    elapsed = time.perf_counter() - start
    steady = min(_seconds(gradient, args) for _ in range(steady_calls))
    return max(elapsed - steady, 0.0), first


def _seconds(fn, args):
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start
