"""`tg.` functions whose PyTorch signature differs from the registry's NumPy-style one.

Each wrapper translates PyTorch's arguments (`dim0, dim1`, `min=`/`max=`, `max(x, dim)`
returning `(values, indices)`) into a call of one registry primitive, and is registered with
`registry.add_spelling(wrapper, prim, binder)` where its result is exactly that primitive's,
so the compiler resolves `tg.transpose(x, 0, 1)` to the same record as the Tensor method.
"""
import collections

import numpy as np

from .. import registry
from ..errors import NotSupportedError
from . import dispatch
from .dispatch import apply, apply_nondiff, wrap
from .tensor import Tensor, _call_public, _prim, _prim_any, _sizes

__all__ = ["max", "min", "clamp", "clip", "transpose", "swapaxes", "t", "permute", "squeeze",
           "unsqueeze", "flatten", "reshape", "mm", "mv", "dot", "equal", "allclose", "clone",
           "detach", "where", "return_types", "argmax", "argmin", "numel_of", "cat", "concat",
           "stack", "maximum", "minimum", "neg", "exp", "sin"]


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


def max(input, dim=None, keepdim=False, *, other=None):
    """`max(x)`, `max(x, dim, keepdim)` -> (values, indices), `max(x, y)` = maximum."""
    return _extremum("max", input, dim, keepdim, other)


def min(input, dim=None, keepdim=False, *, other=None):
    """`min(x)`, `min(x, dim, keepdim)` -> (values, indices), `min(x, y)` = minimum."""
    return _extremum("min", input, dim, keepdim, other)


def maximum(input, other):
    return apply(_prim("maximum"), (input, other), ())


def minimum(input, other):
    return apply(_prim("minimum"), (input, other), ())


def clamp(input, min=None, max=None):
    """`clamp(x, min=None, max=None)` (ClampBackward1)."""
    if min is None and max is None:
        raise dispatch.GradientError("torch.clamp: At least one of 'min' or 'max' must not be None"
                                     .replace("torch.", "tg."))
    lo = min._data if isinstance(min, Tensor) else min
    hi = max._data if isinstance(max, Tensor) else max
    return apply(_prim("clip"), (input,), (lo, hi))


clip = clamp


def transpose(input, dim0, dim1):
    """PyTorch's transpose swaps two dims (TransposeBackward0); NumPy's is `permute`."""
    return input.transpose(dim0, dim1)


swapaxes = transpose


def t(input):
    return input.t()


def permute(input, dims):
    return input.permute(*dims)


def squeeze(input, dim=None):
    return input.squeeze(dim)


def unsqueeze(input, dim):
    return input.unsqueeze(dim)


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def reshape(input, shape):
    if isinstance(input, Tensor):
        return input.reshape(shape)
    return np.reshape(input, shape)


def mm(input, mat2):
    return input @ mat2


mv = dot = mm


def equal(input, other):
    return input.equal(other)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return input.allclose(other, rtol, atol, equal_nan)


def clone(input):
    return input.clone()


def detach(input):
    return input.detach()


def where(condition, input=None, other=None):
    if input is None and other is None:
        return tuple(wrap(np.asarray(i)) for i in np.nonzero(condition._data))
    return _call_public(_prim("where"), (condition, input, other), {})


def argmax(input, dim=None, keepdim=False):
    r = np.argmax(input._data, axis=dim, keepdims=keepdim if dim is not None else False)
    return wrap(np.asarray(r, dtype=np.int64))


def argmin(input, dim=None, keepdim=False):
    r = np.argmin(input._data, axis=dim, keepdims=keepdim if dim is not None else False)
    return wrap(np.asarray(r, dtype=np.int64))


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


def _register_spellings():
    """Let the compiler resolve the wrappers whose result is one primitive's output."""
    def reg(fn, name, binder):
        try:
            prim = registry.get(name)
        except KeyError:
            return
        registry.add_spelling(fn, prim, binder)

    reg(transpose, "swapaxes", lambda a, k: ((a[0] if a else k["input"],),
                                             tuple(a[1:3]) if len(a) >= 3 else
                                             (k.get("dim0"), k.get("dim1"))))
    reg(clamp, "clip", lambda a, k: ((a[0] if a else k["input"],),
                                     (a[1] if len(a) > 1 else k.get("min"),
                                      a[2] if len(a) > 2 else k.get("max"))))
    reg(maximum, "maximum", None)
    reg(minimum, "minimum", None)


_register_spellings()
# these are the registry's own functions when present (no wrapper needed)
for _name in ("exp", "sin", "neg", "cat", "stack"):
    _fn = registry.public_functions().get(_name)
    if _fn is not None and _name not in ("cat",):
        globals()[_name] = _fn
