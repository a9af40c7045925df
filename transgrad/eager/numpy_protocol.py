"""NumPy's dispatch protocols on Tensors: `np.sin(t)`, `np.sum(t, axis=0)`, `a @ t`.

`array_ufunc` and `array_function` resolve the NumPy callable through the registry and run the
primitive on Tensors with the engine, so code written with NumPy runs eagerly on Tensors and is
recorded (the registry's lowered rules run this way under `create_graph=True`). Shape queries
(`np.shape`, `np.ndim`, `np.size`) answer directly; `np.zeros_like`-style constructors give
constant Tensors. Any other NumPy function raises `UnsupportedFunctionError` naming it: a
silent conversion to an array would drop the gradient.
"""
import numpy as np

from .. import registry
from ..errors import UnsupportedFunctionError
from . import dispatch

__all__ = ["array_ufunc", "array_function", "UFUNC_CALLS", "FUNCTION_CALLS"]

# The fast lanes `Tensor.__array_ufunc__`/`__array_function__` take before calling the functions
# below: NumPy callable -> the engine call it resolves to, filled on a callable's first use
# (a dict lookup keyed by the ufunc or function object, then the engine).
UFUNC_CALLS = {}      # ufunc -> call(*inputs), for `ufunc(*inputs)` without keywords
FUNCTION_CALLS = {}   # function -> call(args, kwargs)

# ufunc methods that are reductions of a primitive: (ufunc name, method) -> primitive names
_UFUNC_METHODS = {
    ("add", "reduce"): ("sum",),
    ("multiply", "reduce"): ("prod",),
    ("maximum", "reduce"): ("amax", "max"),
    ("minimum", "reduce"): ("amin", "min"),
    ("logaddexp", "reduce"): ("logsumexp",),
    ("add", "accumulate"): ("cumsum",),
    ("multiply", "accumulate"): ("cumprod",),
}


def _unsupported(name):
    return UnsupportedFunctionError(
        f"{name} was called on a transgrad Tensor, but no transgrad primitive implements it: "
        "converting the Tensor to an array would silently drop its gradient. Use a tg. function "
        "or a Tensor method instead, declare the operation with @tg.primitive, or call it on "
        "t.detach().numpy() if no gradient is needed.")


def _prim_named(*names):
    for n in names:
        try:
            return registry.get(n)
        except KeyError:
            continue
    return None


def array_ufunc(ufunc, method, inputs, kwargs):
    from .tensor import Tensor, _call_public
    out = kwargs.pop("out", None)
    if out is not None and any(isinstance(o, Tensor) for o in out):
        raise _unsupported(f"np.{ufunc.__name__}(..., out=Tensor)")
    if method == "__call__":
        prim = registry.lookup(ufunc)
        if prim is None:
            raise _unsupported(f"np.{ufunc.__name__}")
        kwargs.pop("casting", None)
        dtype = kwargs.pop("dtype", None)
        if kwargs:
            raise _unsupported(f"np.{ufunc.__name__} with {', '.join(kwargs)}=")
        if not prim.differentiable:
            r = dispatch.apply_nondiff(prim, inputs, {})
        else:
            r = dispatch.apply(prim, inputs, ())
            if not kwargs and dtype is None and len(inputs) == len(prim.inputs):
                _remember_ufunc(ufunc, prim)
        if dtype is not None:
            r = r.to(dtype)
        if out is not None:
            out[0][...] = r._data
            return out[0]
        return r
    names = _UFUNC_METHODS.get((ufunc.__name__, method))
    prim = _prim_named(*names) if names else None
    if prim is None:
        raise _unsupported(f"np.{ufunc.__name__}.{method}")
    kwargs.setdefault("axis", 0)
    return _call_public(prim, inputs, kwargs)


def _remember_ufunc(ufunc, prim):
    """The fast lane for `ufunc(*inputs)`: the engine's call for this primitive, bound.
    Not for user-declared primitives, which can be declared again (the lookup stays live)."""
    if getattr(prim, "user", False):
        return
    spec = dispatch.spec_of(prim)
    if spec.call is not None and not prim.static_names:
        UFUNC_CALLS[ufunc] = spec.call


def _remember_function(func, prim):
    """The fast lane for `func(*args, **kwargs)` on a differentiable primitive (kept for the
    shipped primitives only, as for ufuncs)."""
    from .tensor import _bind_public
    apply = dispatch.apply

    def call(args, kwargs):
        try:
            inputs, statics = _bind_public(prim, args, kwargs)
        except TypeError:
            inputs, statics = registry.bind(func, args, kwargs)
        return apply(prim, inputs, statics)
    if not getattr(prim, "user", False):
        FUNCTION_CALLS[func] = call
    return call


def _shape(a, *args, **kwargs):
    return tuple(getattr(a, "shape", np.shape(a)))


def _size(a, axis=None):
    data = getattr(a, "_data", a)
    return np.size(data, axis)


def _like(maker):
    def like(a, *args, **kwargs):
        data = getattr(a, "_data", a)
        for k in ("dtype",):
            if k in kwargs and kwargs[k] is not None:
                from .dtypes import as_np_dtype
                kwargs[k] = as_np_dtype(kwargs[k])
        args = tuple(getattr(v, "_data", v) for v in args)
        return dispatch.wrap(np.asarray(maker(data, *args, **kwargs)))
    return like


def _values(fn):
    """Functions of values only (no gradient): computed on the arrays, result as NumPy gives."""
    def call(*args, **kwargs):
        args = tuple(dispatch._unwrap(a) for a in args)
        kwargs = {k: dispatch._unwrap(v) for k, v in kwargs.items()}
        return dispatch.wrap_any(fn(*args, **kwargs))
    return call


_DIRECT = {
    np.shape: _shape,
    np.ndim: lambda a: a._data.ndim if hasattr(a, "_data") else np.ndim(a),
    np.size: _size,
    np.zeros_like: _like(np.zeros_like),
    np.ones_like: _like(np.ones_like),
    np.empty_like: _like(np.zeros_like),
    np.full_like: _like(np.full_like),
    np.result_type: lambda *a: np.result_type(*(getattr(v, "_data", v) for v in a)),
    np.may_share_memory: lambda a, b, *r: np.may_share_memory(getattr(a, "_data", a),
                                                              getattr(b, "_data", b)),
    np.shares_memory: lambda a, b, *r: np.shares_memory(getattr(a, "_data", a),
                                                        getattr(b, "_data", b)),
    np.allclose: _values(np.allclose),
    np.isclose: _values(np.isclose),
    np.array_equal: _values(np.array_equal),
    np.iscomplexobj: lambda a: np.iscomplexobj(getattr(a, "_data", a)),
    np.isrealobj: lambda a: np.isrealobj(getattr(a, "_data", a)),
    np.argmax: _values(np.argmax),
    np.argmin: _values(np.argmin),
    np.argsort: _values(np.argsort),
    np.nonzero: _values(np.nonzero),
    np.count_nonzero: _values(np.count_nonzero),
    np.isfinite: _values(np.isfinite),
    np.isnan: _values(np.isnan),
}


def array_function(func, types, args, kwargs):
    direct = _DIRECT.get(func)
    prim = registry.lookup(func)
    if prim is None:
        if direct is not None:
            return direct(*args, **kwargs)
        module = (getattr(func, "__module__", None) or "numpy").replace("numpy", "np", 1)
        module = "np" if module.startswith("np._core") or module == "np" else module
        raise _unsupported(f"{module}.{getattr(func, '__name__', func)}")
    if not prim.differentiable:
        return dispatch.apply_nondiff(prim, args, kwargs)
    return _remember_function(func, prim)(args, kwargs)
