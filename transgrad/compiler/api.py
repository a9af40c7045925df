"""The compiler's public entry points: `tg.grad`, `tg.value_and_grad`, `tg.vjp`, `tg.source`.

`tg.grad(f)` returns a `GradientFunction`. Called, it specialises on its arguments' kinds,
dtypes and shapes (the *signature*), generates and compiles the gradient once per signature,
and then only looks the compiled function up: a second `tg.grad(f)` of the same function finds
the same compiled code in a module-wide cache keyed by (code object, closure, argnums, mode,
signature). Errors raised inside generated code come back as `GradientError` naming the
user's file and line, chained to the original exception.
"""
import copy
import inspect
import sys
import traceback

import numpy as np

from ..errors import GradientError, TransformError, TransgradError
from . import avals as A
from .transform import generate

__all__ = ["grad", "value_and_grad", "vjp", "source", "stop_gradient"]

_CACHE = {}


def _check_argnums(fn, argnums):
    if isinstance(argnums, bool) or not isinstance(argnums, (int, tuple, list)):
        raise TransgradError(f"argnums must be an int or a tuple of ints, not {argnums!r}")
    many = not isinstance(argnums, int)
    nums = tuple(argnums) if many else (argnums,)
    if not nums:
        raise TransgradError("argnums is empty: say which arguments to differentiate")
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = None
    out = []
    for n in nums:
        if isinstance(n, bool) or not isinstance(n, int):
            raise TransgradError(f"argnums must hold ints, not {n!r}")
        if params is not None:
            if not -len(params) <= n < len(params):
                raise TransgradError(
                    f"argnums={argnums!r} is out of range: {getattr(fn, '__name__', fn)} takes "
                    f"{len(params)} positional argument{'s' if len(params) != 1 else ''}")
            n %= len(params)
        out.append(n)
    if len(set(out)) != len(out):
        raise TransgradError(f"argnums={argnums!r} names an argument twice")
    return tuple(out) if many else out[0]


def _check_float(value, position, fname, path=""):
    """Differentiated arguments must be floating point (or containers of floats)."""
    if isinstance(value, bool) or isinstance(value, (int, np.integer)):
        raise TransgradError(
            f"argument {position}{path} of {fname} is the integer {value!r}; gradients are taken "
            f"with respect to floating-point values: pass {float(value)!r}")
    if isinstance(value, (float, np.floating)):
        return
    if isinstance(value, np.ndarray):
        if not np.issubdtype(value.dtype, np.floating):
            raise TransgradError(
                f"argument {position}{path} of {fname} is an array of dtype {value.dtype}; "
                f"gradients need a floating dtype: pass x.astype(float)")
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_float(v, position, fname, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _check_float(v, position, fname, f"{path}[{k!r}]")
        return
    raise TransgradError(f"argument {position}{path} of {fname} is a {type(value).__name__}; "
                         "tg.grad differentiates floats, NumPy arrays and tuples/lists/dicts of them")


class _Compiled:
    __slots__ = ("fn", "source", "line_map", "filename")

    def __init__(self, result):
        self.fn = result["fn"]
        self.source = result["source"]
        self.line_map = result["line_map"]
        self.filename = result["filename"]


def _closure_key(fn):
    return tuple(id(c.cell_contents) if _has_contents(c) else None for c in fn.__closure__ or ())


def _has_contents(cell):
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


class GradientFunction:
    """What `tg.grad(f)` / `tg.value_and_grad(f)` return: call it like f."""

    def __init__(self, fn, argnums, kind, has_aux):
        if not callable(fn):
            raise TransgradError(f"tg.{kind} needs a function, not {type(fn).__name__}")
        self.fn = fn
        self.argnums = _check_argnums(fn, argnums)
        self.kind = kind
        self.has_aux = has_aux
        self._by_signature = {}
        self._last = None
        self.__name__ = f"{kind}_{getattr(fn, '__name__', 'f')}"
        self.__doc__ = f"tg.{kind} of {getattr(fn, '__name__', fn)!r}"
        self.__wrapped__ = fn

    def _positions(self):
        return self.argnums if isinstance(self.argnums, tuple) else [self.argnums]

    def __call__(self, *args, **kwargs):
        key = tuple(map(A.signature_of, args))
        if kwargs:
            key += tuple((k, A.signature_of(v)) for k, v in sorted(kwargs.items()))
        compiled = self._by_signature.get(key)
        if compiled is None:
            compiled = self._compile(args, kwargs, key)
        try:
            return compiled.fn(*args, **kwargs)
        except TransgradError:
            raise
        except Exception as err:  # noqa: BLE001 - re-raised with the user's line, chained
            raise _located(err, compiled, self.fn) from err

    def _compile(self, args, kwargs, key):
        fname = getattr(self.fn, "__name__", "f")
        for p in self._positions():
            if p >= len(args):
                raise TransgradError(f"tg.{self.kind}({fname}) differentiates argument {p}, but "
                                     f"only {len(args)} positional argument(s) were given")
            _check_float(args[p], p, fname)
        cache_key = (self.fn.__code__, _closure_key(self.fn), id(self.fn.__globals__), self.argnums,
                     self.kind, self.has_aux, key)
        compiled = _CACHE.get(cache_key)
        if compiled is None:
            arg_avals = _arg_avals(self.fn, args, kwargs)
            compiled = _Compiled(generate(self.fn, kind=self.kind, wrt_positions=self._wrt(),
                                          arg_avals=arg_avals, has_aux=self.has_aux,
                                          label=f"{self.kind} of {fname}"))
            _CACHE[cache_key] = compiled
        self._by_signature[key] = compiled
        self._last = compiled
        return compiled

    def _wrt(self):
        return self.argnums if isinstance(self.argnums, tuple) else [self.argnums]

    @property
    def source(self):
        """The generated source: of the last specialisation called, else a generic one."""
        if self._last is None:
            cache_key = (self.fn.__code__, _closure_key(self.fn), id(self.fn.__globals__),
                         self.argnums, self.kind, self.has_aux, None)
            compiled = _CACHE.get(cache_key)
            if compiled is None:
                compiled = _Compiled(generate(self.fn, kind=self.kind, wrt_positions=self._wrt(),
                                              arg_avals=None, has_aux=self.has_aux,
                                              label=f"{self.kind} of {self.fn.__name__}"))
                _CACHE[cache_key] = compiled
            return compiled.source
        return self._last.source

    def __repr__(self):
        return f"<transgrad {self.kind} of {getattr(self.fn, '__qualname__', self.fn)}>"


def _arg_avals(fn, args, kwargs):
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as err:
        raise TransgradError(f"{fn.__name__}: {err}") from None
    return {name: A.from_value(v) for name, v in bound.arguments.items()}


def _located(err, compiled, fn):
    """A GradientError naming the user's line for an exception raised in generated code."""
    tb = err.__traceback__
    gen_line = None
    for frame, lineno in traceback.walk_tb(tb):
        if frame.f_code.co_filename == compiled.filename:
            gen_line = lineno
    where = compiled.line_map.get(gen_line) if gen_line is not None else None
    message = f"{type(err).__name__}: {err}" if not isinstance(err, AssertionError) or not str(err) \
        else str(err)
    if where is not None:
        filename, line, text = where
        message += (f"\n  raised while computing the gradient of {fn.__name__!r}, at\n"
                    f'  File "{filename}", line {line}\n    {text}\n'
                    f"  (generated code: {compiled.filename}, line {gen_line}; print tg.source(...) "
                    f"to read it)")
    return GradientError(message)


def grad(fn, argnums=0, *, has_aux=False):
    """The gradient of `fn` (which returns a scalar) with respect to argument(s) `argnums`,
    as a function generated ahead of time from fn's source."""
    return GradientFunction(fn, argnums, "grad", has_aux)


def value_and_grad(fn, argnums=0, *, has_aux=False):
    """Like `grad`, returning `(value, gradient)` (`((value, aux), gradient)` with has_aux)."""
    return GradientFunction(fn, argnums, "value_and_grad", has_aux)


class _VJP:
    """The backward half of `tg.vjp`: call it with a cotangent of the output."""

    def __init__(self, backward, tape, compiled, fn, single):
        self._backward, self._tape, self._compiled, self._fn = backward, tape, compiled, fn
        self._single = single

    def __call__(self, cotangent):
        try:
            grads = self._backward(self._tape, copy.deepcopy(cotangent)
                                   if isinstance(cotangent, (list, dict, np.ndarray)) else cotangent)
        except TransgradError:
            raise
        except Exception as err:  # noqa: BLE001
            raise _located(err, self._compiled, self._fn) from err
        return tuple(grads)

    @property
    def source(self):
        return self._compiled.source


def vjp(fn, *primals, has_aux=False):
    """(fn(*primals), vjp_fn): vjp_fn(cotangent) returns the cotangents of all primals."""
    fname = getattr(fn, "__name__", "f")
    for i, p in enumerate(primals):
        _check_float(p, i, fname)
    key = tuple(map(A.signature_of, primals))
    cache_key = (fn.__code__, _closure_key(fn), id(fn.__globals__), "vjp", has_aux, key)
    compiled = _CACHE.get(cache_key)
    if compiled is None:
        compiled = _Compiled(generate(fn, kind="vjp", wrt_positions=tuple(range(len(primals))),
                                      arg_avals=_arg_avals(fn, primals, {}), has_aux=has_aux,
                                      label=f"vjp of {fname}"))
        _CACHE[cache_key] = compiled
    forward, backward = compiled.fn
    try:
        out, tape = forward(*primals)
    except TransgradError:
        raise
    except Exception as err:  # noqa: BLE001
        raise _located(err, compiled, fn) from err
    vjp_fn = _VJP(backward, tape, compiled, fn, len(primals) == 1)
    if has_aux:
        out, aux = out
        return out, vjp_fn, aux
    return out, vjp_fn


def source(obj, argnums=None, mode="reverse"):
    """The generated Python source of a gradient function (or of `grad(obj, argnums)` for a
    plain function)."""
    if mode != "reverse":
        raise TransgradError(f"mode={mode!r}: only reverse mode is generated so far")
    if isinstance(obj, (GradientFunction, _VJP)):
        return obj.source
    if callable(obj):
        return GradientFunction(obj, 0 if argnums is None else argnums, "grad", False).source
    raise TransgradError(f"tg.source needs a function or a gradient function, not {type(obj).__name__}")


def stop_gradient(x):
    """`x`, through which no gradient flows: in compiled code its adjoint is dropped; on a
    Tensor it is `x.detach()`."""
    detach = getattr(x, "detach", None)
    if callable(detach) and not isinstance(x, (np.ndarray, np.generic)):
        return detach()
    return x
