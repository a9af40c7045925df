"""The compiler's public entry points: `tg.grad`, `tg.value_and_grad`, `tg.vjp`, `tg.source`.

`tg.grad(f)` returns a `GradientFunction`. Called, it specialises on its arguments' kinds,
dtypes and shapes (the *signature*), generates and compiles the gradient once per signature,
and then only looks the compiled function up: a second `tg.grad(f)` of the same function finds
the same compiled code in a module-wide cache keyed by (code object, closure, argnums, mode,
signature). Errors raised inside generated code come back as `GradientError` naming the
user's file and line, chained to the original exception.

The code a call runs is generated for plain calls (`reverse.plain_values`: in-place
accumulation into its own buffers, preallocated save lists). Higher order reads the code of
a specialisation too (`__transgrad_specialise__`); it gets a twin generated without those,
cached beside it, since code that is transformed again must stay in value semantics.
"""
import copy
import inspect
import traceback

import numpy as np

from ..errors import GradientError, TransgradError
from ..eager import dispatch as _dispatch
from . import anomaly as _anomaly
from . import avals as A
from .resolve import function_key, method_dialect
from .reverse import plain_values
from .transform import generate

from .compiled import compile  # noqa: E402,A004  (tg.compile; never shadows the builtin here)
from .higher import source_function  # noqa: E402
from .jacobians import jvp, jacobian, hessian, forward_source, _copy_tape  # noqa: E402

__all__ = ["grad", "value_and_grad", "vjp", "source", "stop_gradient", "compile",
           "jvp", "jacobian", "hessian"]

_CACHE = {}
_ANOMALY_ON = _dispatch.STATE_ANOMALY      # [bool]: anomaly mode on (checked before asking more)
_signature_of = A.signature_of
_ANOMALY = ("anomaly mode",)    # ends a signature key: the NaN-checking variant (anomaly.py)


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
        if any(p.kind == p.VAR_POSITIONAL for p in inspect.signature(fn).parameters.values()):
            params = None      # the syntax fence reports *args, with its line, at the call
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
    __slots__ = ("fn", "source", "line_map", "filename", "guard")

    def __init__(self, result):
        self.fn = result["fn"]
        self.source = result["source"]
        self.line_map = result["line_map"]
        self.filename = result["filename"]
        self.guard = result.get("guard")

    def current(self):
        """Whether the globals, closure values and callees it was generated from are unchanged
        (else it would compute a stale gradient: regenerate)."""
        return self.guard is None or self.guard.holds()


def _check_function(fn, kind):
    """Only Python functions written with def (or their bound methods) have source to read."""
    import types
    if isinstance(fn, (types.FunctionType, types.MethodType)) and hasattr(fn, "__code__"):
        return
    if isinstance(fn, GradientFunction):
        return          # higher order: its generated function is transformed in turn
    if hasattr(type(fn), "__transgrad_function__"):
        return          # a tg.compile function: its own function is transformed
    what = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    if not callable(fn):
        problem = f"a {type(fn).__name__}"
    elif isinstance(fn, type):
        problem = f"the class {what}"
    elif hasattr(fn, "__wrapped__"):
        problem = (f"{what!r}, a {type(fn).__name__} wrapping a function (a decorator's "
                   f"result); apply tg.{kind} to the undecorated function")
    elif isinstance(fn, __import__("functools").partial):
        problem = ("a functools.partial; write a def that calls the function with the fixed "
                   "arguments, or pass them through argnums")
    else:
        problem = (f"{what!r}, a {type(fn).__name__} without Python source (a NumPy ufunc, a "
                   f"builtin or a C function); wrap it: def f(x): return {what}(x)")
    raise TransgradError(f"tg.{kind} needs a Python function written with def, not {problem}")


def _dialect_of(fn):
    """How method calls in `fn` read (resolve.method_dialect): a `tg.compile` function is
    Tensor code ("torch": `x.var()` unbiased, `x.transpose(0, 1)` swaps), and a gradient of
    one keeps that reading; any other function is NumPy code."""
    from .compiled import Compiled
    if isinstance(fn, Compiled):
        return "torch"
    if isinstance(fn, GradientFunction):
        return fn.dialect
    return "numpy"


class GradientFunction:
    """What `tg.grad(f)` / `tg.value_and_grad(f)` return: call it like f."""

    def __init__(self, fn, argnums, kind, has_aux):
        _check_function(fn, kind)
        self.fn = fn
        self.argnums = _check_argnums(fn, argnums)
        self.kind = kind
        self.has_aux = has_aux
        self._by_signature = {}
        self._for_transform = {}       # signature -> code for higher order (not plain)
        self._last = None
        self.dialect = _dialect_of(fn)
        self.__name__ = f"{kind}_{getattr(fn, '__name__', 'f')}"
        self.__doc__ = f"tg.{kind} of {getattr(fn, '__name__', fn)!r}"
        self.__wrapped__ = fn

    def _positions(self):
        return self.argnums if isinstance(self.argnums, tuple) else [self.argnums]

    def __call__(self, *args, **kwargs):
        # the steady state: the signature, one dict hit, the guard, the generated call
        key = tuple(map(_signature_of, args))
        if kwargs:
            key += tuple((k, _signature_of(v)) for k, v in sorted(kwargs.items()))
        if _ANOMALY_ON[0] and _anomaly.requested():
            key += (_ANOMALY,)
        compiled = self._by_signature.get(key)
        if compiled is None or (compiled.guard is not None and not compiled.guard.holds()):
            compiled = self._compile(args, kwargs, key)
        try:
            return compiled.fn(*args, **kwargs)
        except TransgradError:
            raise
        except Exception as err:  # noqa: BLE001 - re-raised with the user's line, chained
            raise _located(err, compiled, self.fn) from err

    def _compile(self, args, kwargs, key, plain=True):
        """The compiled specialisation for `args` (plain: to be called on them; else to be
        read and transformed again)."""
        fname = getattr(self.fn, "__name__", "f")
        for p in self._positions():
            if p >= len(args):
                raise TransgradError(f"tg.{self.kind}({fname}) differentiates argument {p}, but "
                                     f"only {len(args)} positional argument(s) were given")
            _check_float(args[p], p, fname)
        fn = source_function(self.fn, args, kwargs)     # tg.grad(tg.grad(f)): grad_f's code
        cache_key = (*function_key(fn), self.argnums,
                     self.kind, self.has_aux, self.dialect, key, plain)
        compiled = _CACHE.get(cache_key)
        if compiled is None or not compiled.current():
            arg_avals = A.arg_avals(fn, args, kwargs)
            with method_dialect(self.dialect), plain_values(fn.__code__ if plain else None):
                compiled = _Compiled(generate(fn, kind=self.kind, wrt_positions=self._wrt(),
                                              arg_avals=arg_avals, has_aux=self.has_aux,
                                              label=f"{self.kind} of {fname}",
                                              anomaly=bool(key) and key[-1] is _ANOMALY))
            _CACHE[cache_key] = compiled
        (self._by_signature if plain else self._for_transform)[key] = compiled
        self._last = compiled
        return compiled

    def _wrt(self):
        return self.argnums if isinstance(self.argnums, tuple) else [self.argnums]

    def _generic(self):
        """The generated code for no particular signature (no shape knowledge)."""
        fn = source_function(self.fn)
        cache_key = (*function_key(fn),
                     self.argnums, self.kind, self.has_aux, self.dialect, None)
        compiled = _CACHE.get(cache_key)
        if compiled is None or not compiled.current():
            with method_dialect(self.dialect), plain_values(None):
                compiled = _Compiled(generate(fn, kind=self.kind, wrt_positions=self._wrt(),
                                              arg_avals=None, has_aux=self.has_aux,
                                              label=f"{self.kind} of {fn.__name__}"))
            _CACHE[cache_key] = compiled
        return compiled

    @property
    def source(self):
        """The generated source: of the last specialisation called, else a generic one."""
        if self._last is None:
            return self._generic().source
        return self._last.source

    # higher order: a gradient function called in code being transformed stands for the
    # function it generated (`higher.source_function`, `resolve.classify`)
    @property
    def __transgrad_function__(self):
        fn = self._generic().fn
        fn.__transgrad_origin__ = self      # so that calls can be specialised (higher.py)
        return fn

    def __transgrad_specialise__(self, args, kwargs):
        key = tuple(map(A.signature_of, args))
        if kwargs:
            key += tuple((k, A.signature_of(v)) for k, v in sorted(kwargs.items()))
        compiled = self._for_transform.get(key)
        if compiled is None or not compiled.current():
            compiled = self._compile(args, kwargs or {}, key, plain=False)
        return compiled.fn

    def __repr__(self):
        return f"<transgrad {self.kind} of {getattr(self.fn, '__qualname__', self.fn)}>"


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

    def __init__(self, backward, tape, compiled, fn, single, out=None):
        self._backward, self._tape, self._compiled, self._fn = backward, tape, compiled, fn
        self._single = single
        self._out = out

    def __call__(self, cotangent):
        _check_cotangent(cotangent, self._out, getattr(self._fn, "__name__", "f"))
        try:
            # a fresh copy of the tape's stacks each time (the backward pass pops them), so
            # the pullback can be called again, as JAX's can
            grads = self._backward(_copy_tape(self._tape), copy.deepcopy(cotangent)
                                   if isinstance(cotangent, (list, dict, np.ndarray)) else cotangent)
        except TransgradError:
            raise
        except Exception as err:  # noqa: BLE001
            raise _located(err, self._compiled, self._fn) from err
        return tuple(grads)

    @property
    def source(self):
        return self._compiled.source


def _check_cotangent(cotangent, out, fname, path=""):
    """A cotangent must have the output's structure and shapes (a wrong shape would broadcast
    into a wrong gradient)."""
    if isinstance(out, (list, tuple)):
        if not isinstance(cotangent, (list, tuple)) or len(cotangent) != len(out):
            raise GradientError(f"the cotangent{path} passed to the vjp of {fname} must be a "
                                f"{type(out).__name__} of {len(out)} like the output, not "
                                f"{type(cotangent).__name__}")
        for i, (c, o) in enumerate(zip(cotangent, out)):
            _check_cotangent(c, o, fname, f"{path}[{i}]")
        return
    if isinstance(out, dict):
        if not isinstance(cotangent, dict) or set(cotangent) != set(out):
            raise GradientError(f"the cotangent{path} passed to the vjp of {fname} must be a dict "
                                f"with the output's keys {sorted(map(repr, out))}")
        for k in out:
            _check_cotangent(cotangent[k], out[k], fname, f"{path}[{k!r}]")
        return
    if out is None or not hasattr(out, "__array__") and not isinstance(out, (int, float, complex)):
        return
    if np.shape(cotangent) != np.shape(out):
        raise GradientError(
            f"the cotangent{path} passed to the vjp of {fname} has shape {np.shape(cotangent)}, "
            f"but the output has shape {np.shape(out)}; pass a cotangent shaped like the output")


def vjp(fn, *primals, has_aux=False):
    """(fn(*primals), vjp_fn): vjp_fn(cotangent) returns the cotangents of all primals."""
    fname = getattr(fn, "__name__", "f")
    _check_function(fn, "vjp")
    for i, p in enumerate(primals):
        _check_float(p, i, fname)
    key = tuple(map(A.signature_of, primals))
    anomaly = _anomaly.requested()
    cache_key = (*function_key(fn), "vjp", has_aux, key, anomaly)
    compiled = _CACHE.get(cache_key)
    if compiled is None or not compiled.current():
        compiled = _Compiled(generate(fn, kind="vjp", wrt_positions=tuple(range(len(primals))),
                                      arg_avals=A.arg_avals(fn, primals, {}), has_aux=has_aux,
                                      label=f"vjp of {fname}", anomaly=anomaly))
        _CACHE[cache_key] = compiled
    forward, backward = compiled.fn
    try:
        out, tape = forward(*primals)
    except TransgradError:
        raise
    except Exception as err:  # noqa: BLE001
        raise _located(err, compiled, fn) from err
    if has_aux:
        out, aux = out
        return out, _VJP(backward, tape, compiled, fn, len(primals) == 1, out), aux
    return out, _VJP(backward, tape, compiled, fn, len(primals) == 1, out)


def source(obj, argnums=None, mode="reverse"):
    """The generated Python source of a gradient function (or of `grad(obj, argnums)` for a
    plain function)."""
    if hasattr(type(obj), "_transgrad_source"):      # a tg.compile object
        return obj._transgrad_source(argnums, mode)
    if mode == "forward":
        return forward_source(obj, argnums)
    if mode != "reverse":
        raise TransgradError(f"mode={mode!r}: tg.source shows mode 'reverse' or 'forward'")
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
