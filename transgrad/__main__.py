"""The command line: `python -m transgrad show FILE.py:FUNC [--argnums 0,1] [--mode reverse|forward]`.

`show` imports FILE (as a module named after it, with its directory on `sys.path`, and with
whatever it prints at import time suppressed), finds FUNC and prints the source transgrad
generates for it:

- for a function decorated with `@tg.compile`, the forward/backward pair its `grad_fn` runs
  (`tg.source(f)`), differentiating every parameter without a default unless `--argnums` says
  otherwise;
- for a plain function, its gradient `tg.grad(f, argnums)` (argnums 0 by default).

No example arguments are given, so the code is generated for parameters that are float64
arrays (or, for a plain function's gradient, values) of unknown shape: `unbroadcast` calls
stay where a call with concrete shapes would drop them.

Output is colourised when stdout is a terminal and `pygments` is installed (`--color` to
choose). Errors (a missing file or function, a syntax error, a function the compiler
rejects) print one message, without a traceback, and exit with status 2.
"""
import argparse
import contextlib
import importlib.util
import io
import os
import sys

_DESCRIPTION = """\
transgrad differentiates Python/NumPy functions by source transformation.

commands:
  show FILE.py:FUNC   print the source transgrad generates for FUNC, a function defined in
                      FILE.py (its gradient; for a @tg.compile function, the forward and
                      backward pair its grad_fn runs)

examples:
  python -m transgrad show examples/compiler_loop.py:f
  python -m transgrad show examples/compile_mlp.py:loss --argnums 0,1
"""


class UsageError(Exception):
    """A problem to report in one message, exit status 2."""


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m transgrad", description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    show = commands.add_parser(
        "show", help="print the generated source of a function",
        description="Print the source transgrad generates for FUNC in FILE.py: the gradient of "
                    "a plain function, or the forward/backward pair of a @tg.compile function. "
                    "No example arguments are given, so the code is generated for float64 "
                    "arrays of unknown shape.")
    show.add_argument("target", metavar="FILE.py:FUNC",
                      help="the file and the name of a function defined at its top level")
    show.add_argument("--argnums", default=None, metavar="I,J",
                      help="positions of the arguments to differentiate, e.g. 0,1 (default: 0 "
                           "for a plain function, every parameter without a default for a "
                           "@tg.compile function)")
    show.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                      help="reverse (gradient, the default) or forward (tangents)")
    show.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                      help="colourise the output (auto: when stdout is a terminal and pygments "
                           "is installed)")
    return parser


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        text = show(args.target, args.argnums, args.mode)
    except UsageError as err:
        print(f"transgrad show: {err}", file=sys.stderr)
        return 2
    sys.stdout.write(_colourise(text, args.color))
    return 0


def show(target, argnums=None, mode="reverse"):
    """The generated source for `FILE.py:FUNC` (raises UsageError with the message to print)."""
    path, name = _split_target(target)
    fn = _load_function(path, name)
    nums = _parse_argnums(argnums)
    import transgrad as tg
    from transgrad.compiler.compiled import Compiled
    from transgrad.errors import TransgradError
    try:
        if isinstance(fn, Compiled):
            return fn.source_for(nums, mode)
        if mode == "forward":
            return tg.source(fn, argnums=0 if nums is None else nums, mode="forward")
        return _gradient_source(fn, 0 if nums is None else nums)
    except TransgradError as err:
        text = str(err)
        if mode == "forward" and "only reverse mode" in text:
            raise UsageError("forward mode is not available yet (only --mode reverse is "
                             "generated so far)") from None
        raise UsageError(text) from None


def _gradient_source(fn, argnums):
    """The source of `tg.grad(fn, argnums)` for float64 arrays of unknown shape."""
    from transgrad.compiler.api import _check_argnums
    from transgrad.compiler.compiled import _generic_avals
    from transgrad.compiler.transform import generate
    nums = _check_argnums(fn, argnums)
    wrt = nums if isinstance(nums, tuple) else [nums]
    result = generate(fn, kind="grad", wrt_positions=wrt, arg_avals=_generic_avals(fn),
                      label=f"grad of {fn.__name__}")
    return result["source"]


def _split_target(target):
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise UsageError(f"expected FILE.py:FUNC, got {target!r} (e.g. examples/demo.py:loss)")
    return path, name


def _parse_argnums(text):
    if text is None:
        return None
    try:
        nums = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise UsageError(f"--argnums takes comma-separated integers such as 0,1, not "
                         f"{text!r}") from None
    if not nums:
        raise UsageError("--argnums is empty: give positions such as 0 or 0,1")
    return nums[0] if len(nums) == 1 else nums


def _load_function(path, name):
    if not os.path.exists(path):
        raise UsageError(f"no such file: {path}")
    if os.path.isdir(path):
        raise UsageError(f"{path} is a directory; give a Python file, e.g. {path}/file.py:FUNC")
    with open(path, "rb") as f:
        source = f.read()
    try:
        compile(source, path, "exec")
    except SyntaxError as err:
        raise UsageError(f"syntax error in {path}, line {err.lineno}: {err.msg}") from None
    module = _import_file(path)
    obj = getattr(module, name, None)
    if obj is None:
        from transgrad.compiler.compiled import Compiled
        names = sorted(k for k, v in vars(module).items()
                       if not k.startswith("_") and getattr(v, "__module__", None) == module.__name__
                       and (callable(v) and hasattr(v, "__code__")
                            or isinstance(v, Compiled)))
        listing = f" (its functions: {', '.join(names)})" if names else ""
        raise UsageError(f"{path} defines no function {name!r}{listing}")
    if not callable(obj):
        raise UsageError(f"{name!r} in {path} is a {type(obj).__name__}, not a function")
    return obj


def _import_file(path):
    """Import `path` as a module named after the file, quietly (its prints are dropped)."""
    directory = os.path.dirname(os.path.abspath(path))
    module_name = os.path.splitext(os.path.basename(path))[0]
    if not module_name.isidentifier():
        module_name = "_transgrad_show_" + "".join(c if c.isalnum() else "_" for c in module_name)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            spec.loader.exec_module(module)
    except SystemExit:
        pass
    except Exception as err:  # noqa: BLE001 - the user's module failed: say so in one line
        raise UsageError(f"importing {path} failed: {type(err).__name__}: {err}") from None
    return module


def _colourise(text, mode):
    if mode == "never" or mode == "auto" and not sys.stdout.isatty():
        return text
    try:
        from pygments import highlight
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return text
    return highlight(text, PythonLexer(), TerminalFormatter())


if __name__ == "__main__":
    sys.exit(main())
