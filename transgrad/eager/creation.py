"""Tensor factories with PyTorch's signatures and default dtypes.

Python floats give the default dtype (float32), Python ints int64, bools bool; NumPy arrays
keep their dtype (`tensor(np.ones(2))` is float64). Sizes are `*sizes` or one tuple. Random
factories draw from one module-wide generator, reseeded by `manual_seed`.
"""
import warnings

import numpy as np

from ..errors import GradientError, TensorTypeError
from . import dtypes as _dt
from .dispatch import wrap
from .tensor import Tensor, _sizes

__all__ = ["tensor", "as_tensor", "from_numpy", "ones", "zeros", "full", "empty", "eye", "arange",
           "linspace", "rand", "randn", "randint", "ones_like", "zeros_like", "full_like",
           "empty_like", "rand_like", "randn_like", "manual_seed", "seed", "is_tensor", "numel",
           "get_default_dtype", "set_default_dtype", "promote_types", "result_type",
           "scalar_tensor"]

get_default_dtype = _dt.get_default_dtype
set_default_dtype = _dt.set_default_dtype
promote_types = _dt.promote_types
result_type = _dt.result_type

_FACTORY_GRAD_ERROR = "Only Tensors of floating point and complex dtype can require gradients"

_RNG = [np.random.default_rng()]


def manual_seed(seed):
    """Seed the generator behind rand/randn/randint (values differ from PyTorch's)."""
    _RNG[0] = np.random.default_rng(int(seed))
    return _RNG[0]


def seed():
    s = int(np.random.SeedSequence().entropy % (2 ** 63))
    manual_seed(s)
    return s


def _finish(arr, requires_grad):
    t = wrap(arr)
    if requires_grad:
        if arr.dtype.kind not in "fc":
            raise GradientError(_FACTORY_GRAD_ERROR)
        t._rg = True
    return t


def _infer_array(data):
    """PyTorch's dtype inference for `tensor(data)`."""
    if isinstance(data, np.ndarray):
        return data.copy()
    if isinstance(data, np.generic):
        return np.array(data)
    arr = np.array(_strip(data))
    kind = arr.dtype.kind
    if kind == "f" and arr.dtype != _dt.get_default_dtype().dtype:
        arr = arr.astype(_dt.get_default_dtype().dtype)
    elif kind == "c":
        arr = arr.astype(_dt.get_default_dtype().to_complex().dtype)
    elif kind in "iu" and arr.dtype != np.int64:
        arr = arr.astype(np.int64)
    elif kind not in "fbciu":
        raise TensorTypeError(f"Could not infer dtype of {type(data).__name__}")
    return arr


def _strip(data):
    """Nested lists with Tensors (0-d or not) turned into plain values."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_strip(d) for d in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf Tensor holding a copy of `data`."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "tg.tensor(sourceTensor).", UserWarning, stacklevel=2)
        arr = data._data.copy()
    elif dtype is not None:
        arr = np.array(_strip(data), dtype=_dt.as_np_dtype(dtype))
        return _finish(arr, requires_grad)
    else:
        arr = _infer_array(data)
    if dtype is not None:
        arr = arr.astype(_dt.as_np_dtype(dtype))
    return _finish(arr, requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == _dt.as_np_dtype(dtype)):
        return wrap(data)
    return tensor(data, dtype=dtype)


def scalar_tensor(value, *, dtype=None, requires_grad=False):
    return tensor(float(value), dtype=dtype or _dt.get_default_dtype(), requires_grad=requires_grad)


def from_numpy(array):
    """A Tensor sharing `array`'s memory and dtype."""
    if not isinstance(array, np.ndarray):
        raise TensorTypeError(f"expected np.ndarray (got {type(array).__name__})")
    return wrap(array)


def _dtype_or_default(dtype):
    return _dt.as_np_dtype(dtype) if dtype is not None else _dt.get_default_dtype().dtype


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _finish(np.ones(_sizes(size), dtype=_dtype_or_default(dtype)), requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _finish(np.zeros(_sizes(size), dtype=_dtype_or_default(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def _scalar_dtype(value):
    if isinstance(value, bool):
        return np.bool_
    if isinstance(value, int):
        return np.int64
    if isinstance(value, complex):
        return _dt.get_default_dtype().to_complex().dtype
    return _dt.get_default_dtype().dtype


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    np_dtype = _dt.as_np_dtype(dtype) if dtype is not None else _scalar_dtype(fill_value)
    return _finish(np.full(_sizes((size,)), fill_value, dtype=np_dtype), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=_dtype_or_default(dtype)), requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if dtype is None:
        np_dtype = (np.int64 if all(isinstance(v, int) for v in values)
                    else _dt.get_default_dtype().dtype)
    else:
        np_dtype = _dt.as_np_dtype(dtype)
    return _finish(np.arange(*values).astype(np_dtype), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.linspace(start, end, int(steps)).astype(_dtype_or_default(dtype)),
                   requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    rng = generator or _RNG[0]
    return _finish(rng.random(_sizes(size)).astype(_dtype_or_default(dtype)), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    rng = generator or _RNG[0]
    return _finish(rng.standard_normal(_sizes(size)).astype(_dtype_or_default(dtype)),
                   requires_grad)


def randint(low, high=None, size=None, *, dtype=None, generator=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    rng = generator or _RNG[0]
    return _finish(rng.integers(low, high, size=_sizes((size,))).astype(
        _dt.as_np_dtype(dtype) if dtype is not None else np.int64), requires_grad)


def _like(fill):
    def like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
        np_dtype = _dt.as_np_dtype(dtype) if dtype is not None else input._data.dtype
        return _finish(fill(input._data.shape, np_dtype), requires_grad)
    return like


ones_like = _like(lambda s, d: np.ones(s, dtype=d))
zeros_like = _like(lambda s, d: np.zeros(s, dtype=d))
empty_like = zeros_like
rand_like = _like(lambda s, d: _RNG[0].random(s).astype(d))
randn_like = _like(lambda s, d: _RNG[0].standard_normal(s).astype(d))
ones_like.__name__, zeros_like.__name__ = "ones_like", "zeros_like"
rand_like.__name__, randn_like.__name__ = "rand_like", "randn_like"


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    np_dtype = _dt.as_np_dtype(dtype) if dtype is not None else input._data.dtype
    return _finish(np.full(input._data.shape, fill_value, dtype=np_dtype), requires_grad)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()
