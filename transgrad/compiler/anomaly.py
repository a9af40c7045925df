"""Anomaly detection for generated code: which adjoint first turned NaN, and at which user line.

With anomaly mode on (`tg.autograd.detect_anomaly()`, `set_detect_anomaly(True)`), the API
(`tg.grad`, `tg.value_and_grad`, `tg.vjp`, `tg.compile`) asks for a separate *instrumented*
specialisation (anomaly is part of its cache key): `generate(..., anomaly=True)` sets
`instrumenting()` while the reverse pass runs, and the reverse pass then follows each
statement that gives an input of a primitive its adjoint contribution with

    check_nan(bx, 'SqrtBackward0', 0, 'np.sqrt', 'f', '/home/me/model.py', 12)

which raises a `GradientError` (a RuntimeError) naming the operation (PyTorch's node name, as
the eager engine's message does), the user's file, line and source text, if the adjoint holds a
NaN. The adjoint checked is the accumulated one: the first statement whose result holds a NaN
is the one that produced it, since earlier contributions were checked already. Code generated
with anomaly mode off holds no check: it costs nothing.
"""
import contextlib
import contextvars
import linecache

import numpy as np

from ..eager import dispatch as _dispatch
from ..errors import GradientError
from . import avals as A
from . import syntax as S
from .quoting import gast

__all__ = ["requested", "instrumenting", "instrumented", "check_statement", "check_nan"]

_INSTRUMENTING = contextvars.ContextVar("transgrad_anomaly_instrumenting", default=False)


def requested():
    """Whether anomaly mode asks for NaN checks now (called once per gradient call: cheap)."""
    if not _dispatch.STATE_ANOMALY[0]:
        return False
    from ..autograd import anomaly_mode
    return anomaly_mode.check_nan_enabled()


@contextlib.contextmanager
def instrumenting(on):
    """While generating: whether backward statements get NaN checks (nested generations, of a
    callee gradient function say, set their own value)."""
    token = _INSTRUMENTING.set(bool(on))
    try:
        yield
    finally:
        _INSTRUMENTING.reset(token)


def instrumented():
    return _INSTRUMENTING.get()


def check_statement(reverse, s, i, var):
    """The `check_nan(...)` statement following the adjoint contribution of input `i` of the
    primitive statement `s` to `var` (a Reverse pass's adjoint name for it)."""
    prim = s.prim
    line = getattr(s, "line", None) or getattr(s, "lineno", None)
    info = reverse.info
    args = [S.name(reverse.adjoint(var)), S.const(_node_name(reverse, s)), S.const(i),
            S.const(_spelling(prim)), S.const(getattr(info, "name", "f")),
            S.const(getattr(info, "filename", "<unknown>")), S.const(line)]
    reverse.helpers_used.add("check_nan")
    return gast.Expr(value=S.call(S.name("check_nan"), args))


def _spelling(prim):
    emit = getattr(prim, "emit", None)
    return emit if isinstance(emit, str) else prim.name


def _node_name(reverse, s):
    """PyTorch's name for the backward node of `s` (`SqrtBackward0`), computed from stand-ins:
    variables are Tensors (arrays), literals numbers. The primitive's name if that fails."""
    prim = s.prim
    if isinstance(prim.grad_fn, str):
        return prim.grad_fn
    inputs = []
    for atom in s.args:
        if isinstance(atom, gast.Constant):
            inputs.append(atom.value)
            continue
        av = reverse.aval(atom.id) if isinstance(atom, gast.Name) else A.UNKNOWN
        shape = av.shape if av.kind in ("float", "array") and av.shape is not None else ()
        dtype = av.dtype if av.dtype is not None and av.kind in ("float", "array") else np.float64
        try:
            inputs.append(np.zeros(shape, dtype=dtype))
        except (TypeError, ValueError):
            inputs.append(np.zeros(()))
    statics = [s.statics[n].value if isinstance(s.statics.get(n), gast.Constant) else None
               for n in prim.static_names]
    try:
        name = prim.grad_fn_name(inputs, statics)
    except Exception:  # noqa: BLE001 - a name is a courtesy: fall back to the primitive's
        name = None
    return name if isinstance(name, str) and name else prim.name


def check_nan(adjoint, node, output, spelling, function, filename, line):
    """Raise a GradientError if `adjoint` (a number, array, Tensor or container of them)
    holds a NaN; otherwise do nothing."""
    if not _has_nan(adjoint):
        return
    text = linecache.getline(filename, line).strip() if line else ""
    where = f'  File "{filename}", line {line}' + (f"\n    {text}" if text else "")
    raise GradientError(
        f"Function '{node}' returned nan values in its {output}th output.\n"
        f"  anomaly detection: the adjoint of {spelling} (input {output}) computed while "
        f"differentiating {function!r} is the first to hold NaN; the statement is at\n{where}\n"
        f"  Hint: the operation's derivative is undefined or infinite at these values (sqrt or "
        f"log at 0, 0 * inf, inf - inf); guard its input (np.maximum(x, eps), np.where), or "
        f"print tg.source(...) to read the generated code")


def _has_nan(value):
    stack = [value]
    while stack:
        v = stack.pop()
        if v is None:
            continue
        if isinstance(v, float):
            if v != v:
                return True
            continue
        if isinstance(v, (list, tuple)):
            stack.extend(v)
            continue
        if isinstance(v, dict):
            stack.extend(v.values())
            continue
        data = getattr(v, "_data", None)     # a Tensor (create_graph): its array
        arr = np.asarray(v if data is None else data)
        if arr.dtype.kind in "fc" and np.isnan(arr).any():
            return True
    return False
