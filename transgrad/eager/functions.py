"""`tg.` functions whose PyTorch signature differs from the registry's NumPy-style one.

Each wrapper translates PyTorch's arguments (`dim0, dim1`, `min=`/`max=`, `max(x, dim)`
returning `(values, indices)`) into a call of one registry primitive, and is registered with
`registry.add_spelling(wrapper, prim, binder)` where its result is exactly that primitive's,
so the compiler resolves `tg.transpose(x, 0, 1)` to the same record as the Tensor method
(`max`, `min`, `squeeze`, `flatten`, `argmax`, `argmin`, `var`, `std`, `norm` are read by
compiler/methods.py as the methods they call). Wrappers that call a Tensor method also take ndarrays (`_on_arrays`):
generated code calls them on plain arrays, where NumPy's method of the same name would
mean something else (`ndarray.transpose(0, 1)` is the identity).
"""
import collections
import functools
import inspect

import numpy as np

from .. import registry
from ..errors import NotSupportedError
from . import dispatch
from .dispatch import apply, apply_nondiff, wrap
from .tensor import (Tensor, _call_public, _check_norm_order, _dims, _keep, _prim, _prim_any,
                     _sizes)

__all__ = ["max", "min", "clamp", "clip", "transpose", "swapaxes", "t", "permute", "squeeze",
           "unsqueeze", "flatten", "reshape", "mm", "mv", "dot", "equal", "allclose", "clone",
           "detach", "where", "return_types", "argmax", "argmin", "numel_of", "cat", "concat",
           "stack", "maximum", "minimum", "neg", "exp", "sin", "var", "std", "norm", "vector_norm"]


class _ReturnTypes:
    """`tg.return_types.max(values=..., indices=...)`, as PyTorch's structseqs print."""

    def __init__(self):
        self._types = {}

    def get(self, name):
        cls = self._types.get(name)
        if cls is None:
            base = collections.namedtuple(name, ["values", "indices"])

            def __repr__(self):
                return f"tg.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
            cls = type(name, (base,), {"__repr__": __repr__, "__slots__": ()})
            cls.__module__ = "transgrad.return_types"
            self._types[name] = cls
        return cls

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)


return_types = _ReturnTypes()


def _extremum(kind, input, dim, keepdim, other):
    if isinstance(dim, Tensor) or other is not None:
        return apply(_prim("maximum" if kind == "max" else "minimum"),
                     (input, dim if other is None else other), ())
    if dim is None:
        return _call_public(_prim_any(kind, "a" + kind), (input,), {})
    prim = _dim_prim(kind)
    values = _call_public(prim, (input,), {"axis": dim, "keepdims": keepdim})
    arg = np.argmax if kind == "max" else np.argmin
    idx = arg(input._data, axis=dim)
    if keepdim:
        idx = np.expand_dims(idx, dim)
    return return_types.get(kind)(values, wrap(np.asarray(idx, dtype=np.int64)))


def _dim_prim(kind):
    for name in (f"{kind}_dim", kind, "a" + kind):
        try:
            return registry.get(name)
        except KeyError:
            continue
    raise NotSupportedError(f"transgrad has no primitive {kind!r} yet")


def _on_arrays(fn):
    """Let a wrapper written for Tensors take ndarrays and numbers too (generated code calls
    `tg.` functions on plain arrays): they are wrapped, and results unwrapped, so that an
    array gets the Tensor's (PyTorch's) meaning, never NumPy's method of the same name."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        input = args[0] if args else kwargs.get("input")
        if isinstance(input, Tensor) or input is None:
            return fn(*args, **kwargs)
        args = tuple(wrap(np.asarray(a)) if isinstance(a, (np.ndarray, np.generic, float, int))
                     and not isinstance(a, bool) and i == 0 or isinstance(a, np.ndarray) else a
                     for i, a in enumerate(args))
        if "input" in kwargs:
            kwargs["input"] = wrap(np.asarray(input))
        return _unwrap(fn(*args, **kwargs))
    return call


def _unwrap(r):
    if isinstance(r, Tensor):
        return r._data
    if isinstance(r, tuple) and hasattr(r, "_fields"):
        return type(r)(*(_unwrap(e) for e in r))
    if isinstance(r, (tuple, list)):
        return type(r)(_unwrap(e) for e in r)
    return r


@_on_arrays
def max(input, dim=None, keepdim=False, *, other=None):
    """`max(x)`, `max(x, dim, keepdim)` -> (values, indices), `max(x, y)` = maximum."""
    return _extremum("max", input, dim, keepdim, other)


@_on_arrays
def min(input, dim=None, keepdim=False, *, other=None):
    """`min(x)`, `min(x, dim, keepdim)` -> (values, indices), `min(x, y)` = minimum."""
    return _extremum("min", input, dim, keepdim, other)


def maximum(input, other):
    return apply(_prim("maximum"), (input, other), ())


def minimum(input, other):
    return apply(_prim("minimum"), (input, other), ())


@_on_arrays
def clamp(input, min=None, max=None):
    """`clamp(x, min=None, max=None)` (ClampBackward1)."""
    if min is None and max is None:
        raise dispatch.GradientError("torch.clamp: At least one of 'min' or 'max' must not be None"
                                     .replace("torch.", "tg."))
    lo = min._data if isinstance(min, Tensor) else min
    hi = max._data if isinstance(max, Tensor) else max
    return apply(_prim("clip"), (input,), (lo, hi))


clip = clamp


@_on_arrays
def transpose(input, dim0, dim1):
    """PyTorch's transpose swaps two dims (TransposeBackward0); NumPy's is `permute`."""
    return input.transpose(dim0, dim1)


swapaxes = transpose


@_on_arrays
def t(input):
    return input.t()


@_on_arrays
def permute(input, dims):
    return input.permute(*dims)


@_on_arrays
def squeeze(input, dim=None):
    return input.squeeze(dim)


@_on_arrays
def unsqueeze(input, dim):
    return input.unsqueeze(dim)


@_on_arrays
def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def reshape(input, shape):
    if isinstance(input, Tensor):
        return input.reshape(shape)
    return np.reshape(input, shape)


def mm(input, mat2):
    return input @ mat2


mv = dot = mm


@_on_arrays
def equal(input, other):
    return input.equal(other)


@_on_arrays
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return input.allclose(other, rtol, atol, equal_nan)


@_on_arrays
def clone(input):
    return input.clone()


@_on_arrays
def detach(input):
    return input.detach()


def where(condition, input=None, other=None):
    if input is None and other is None:
        return tuple(wrap(np.asarray(i)) for i in np.nonzero(condition._data))
    return _call_public(_prim("where"), (condition, input, other), {})


@_on_arrays
def argmax(input, dim=None, keepdim=False):
    r = np.argmax(input._data, axis=dim, keepdims=bool(keepdim))
    return wrap(np.asarray(r, dtype=np.int64))


@_on_arrays
def argmin(input, dim=None, keepdim=False):
    r = np.argmin(input._data, axis=dim, keepdims=bool(keepdim))
    return wrap(np.asarray(r, dtype=np.int64))


@_on_arrays
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """`torch.var`: unbiased (correction=1) unless told otherwise (NumPy's np.var: ddof=0)."""
    return input.var(dim, unbiased, keepdim, correction=correction)


@_on_arrays
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """`torch.std`: unbiased (correction=1) unless told otherwise (NumPy's np.std: ddof=0)."""
    return input.std(dim, unbiased, keepdim, correction=correction)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None, *, axis=None,
         keepdims=None):
    """`torch.norm(x, p, dim, keepdim)`: the 2-norm; other orders raise NotSupportedError.
    Also takes `axis=`/`keepdims=`, which is how generated code calls the norm primitive."""
    if out is not None:
        raise NotSupportedError("tg.norm(..., out=...) is not supported; assign the result")
    _check_norm_order(p)
    if dtype is not None:
        input = input.to(dtype) if isinstance(input, Tensor) else np.asarray(input, dtype=dtype)
    return _prim("norm").public(input, _dims(dim, axis), _keep(keepdim, keepdims))


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """`torch.linalg.vector_norm(x, ord, dim, keepdim)`: the 2-norm; other orders raise
    NotSupportedError (the primitive's own signature would read `ord` as an axis)."""
    if out is not None:
        raise NotSupportedError("tg.vector_norm(..., out=...) is not supported; assign the result")
    _check_norm_order(ord)
    if dtype is not None:
        x = x.to(dtype) if isinstance(x, Tensor) else np.asarray(x, dtype=dtype)
    return _prim("norm").public(x, _dims(dim, None), bool(keepdim))


@_on_arrays
def numel_of(input):
    return input.numel()


def _seq_fn(name, *prim_names):
    def fn(tensors, dim=0, *, out=None):
        prim = _prim_any(*prim_names)
        return _call_public(prim, (list(tensors),), {"axis": dim})
    fn.__name__ = name
    return fn


cat = _seq_fn("cat", "concatenate", "cat")
concat = cat
stack = _seq_fn("stack", "stack")


def neg(input):
    return -input


def exp(input):
    return input.exp()


def sin(input):
    return input.sin()


def _binder(fn, inputs, statics, required=()):
    """A binder for `fn`'s PyTorch signature: `inputs` and `statics` name its parameters in
    the primitive's order (a static may be a constant instead of a name); parameters in
    `required` must be given even where `fn` has a default (`where`'s input and other)."""
    sig = inspect.signature(fn)

    def bind(args, kwargs):
        bound = sig.bind(*args, **kwargs)
        missing = [r for r in required if r not in bound.arguments]
        if missing:
            raise TypeError(f"{fn.__name__}() needs {', '.join(missing)} here")
        bound.apply_defaults()
        values = bound.arguments
        return (tuple(values[n] for n in inputs),
                tuple(values[v] if isinstance(v, str) else v[0] for v in statics))
    return bind


def _register_spellings():
    """Let the compiler resolve the wrappers whose result is exactly one primitive's output,
    binding their PyTorch signatures. (`max`, `min`, `squeeze`, `flatten`, `argmax`, `argmin`
    are read as the Tensor methods they call: compiler/methods.py.)"""
    def reg(fn, name, inputs, statics=(), required=()):
        try:
            prim = registry.get(name)
        except KeyError:
            return
        registry.add_spelling(fn, prim, _binder(fn, inputs, statics, required))

    reg(transpose, "swapaxes", ("input",), ("dim0", "dim1"))
    reg(clamp, "clip", ("input",), ("min", "max"))
    reg(maximum, "maximum", ("input", "other"))
    reg(minimum, "minimum", ("input", "other"))
    reg(t, "t", ("input",))
    reg(permute, "permute", ("input",), ("dims",))
    reg(unsqueeze, "expand_dims", ("input",), ("dim",))
    reg(reshape, "reshape", ("input",), ("shape",))
    reg(mm, "matmul", ("input", "mat2"))
    reg(clone, "copy", ("input",))
    reg(where, "where", ("condition", "input", "other"), (), required=("input", "other"))
    reg(cat, "concatenate", ("tensors",), ("dim",))
    vector_norm_binder = _binder(vector_norm, ("x",), ("dim", "keepdim"))

    def bind_vector_norm(args, kwargs):
        # in compiled code the operands arrive as syntax: `ord` must be the literal 2
        order = inspect.signature(vector_norm).bind(*args, **kwargs).arguments.get("ord", 2)
        order = order.value if type(order).__name__ == "Constant" else order
        if not isinstance(order, (int, float)):
            raise ValueError("ord must be written as the number 2 (the only order transgrad has)")
        try:
            _check_norm_order(order)
        except NotSupportedError as err:
            raise ValueError(str(err)) from None
        return vector_norm_binder(args, kwargs)
    registry.add_spelling(vector_norm, registry.get("norm"), bind_vector_norm)
    # functions with no derivative whose PyTorch call is NumPy's (the compiler calls np.<name>)
    from . import creation
    for fn, name in ((equal, "equal"), (allclose, "allclose"), (argmax, "argmax"),
                     (argmin, "argmin"), (getattr(creation, "numel", None), "size"),
                     *((getattr(creation, n, None), n) for n in ("zeros_like", "ones_like",
                                                                 "full_like"))):
        if fn is None:
            continue
        try:
            registry.add_spelling(fn, registry.get(name))
        except KeyError:
            continue


_register_spellings()
# these are the registry's own functions when present (no wrapper needed)
for _name in ("exp", "sin", "neg", "cat", "stack"):
    _fn = registry.public_functions().get(_name)
    if _fn is not None and _name not in ("cat",):
        globals()[_name] = _fn
