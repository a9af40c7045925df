"""The eager Tensor engine: Tensor, backward nodes, the engine, grad modes, custom Functions.

`__all__` is star-imported into `transgrad`, so `tg.tensor`, `tg.no_grad`, `tg.float32`, ...
are these names.
"""
from . import dtypes as _dtypes
from .dtypes import (DType, Size, float32, float, float64, double, float16, half, int32, int,
                     int64, long, int16, int8, uint8, bool, complex64, complex128, cfloat, cdouble)
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode,
                        is_inference_mode_enabled)
from .tensor import Tensor
from .creation import (tensor, as_tensor, from_numpy, ones, zeros, full, empty, eye, arange,
                       linspace, rand, randn, randint, ones_like, zeros_like, full_like,
                       empty_like, rand_like, randn_like, manual_seed, seed, is_tensor, numel,
                       get_default_dtype, set_default_dtype, promote_types, result_type,
                       scalar_tensor)
from .functions import (max, min, clamp, clip, transpose, swapaxes, t, permute, squeeze, unsqueeze,
                        flatten, reshape, mm, mv, dot, equal, allclose, clone, detach, where,
                        return_types, argmax, argmin, cat, concat, stack, maximum, minimum,
                        var, std, norm, vector_norm)
from .repr import set_printoptions, get_printoptions, printoptions
from .. import autograd

__all__ = [
    "Tensor", "DType", "Size", "float32", "float", "float64", "double", "float16", "half", "int32",
    "int", "int64", "long", "int16", "int8", "uint8", "bool", "complex64", "complex128", "cfloat",
    "cdouble", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
    "is_inference_mode_enabled", "tensor", "as_tensor", "from_numpy", "ones", "zeros", "full",
    "empty", "eye", "arange", "linspace", "rand", "randn", "randint", "ones_like", "zeros_like",
    "full_like", "empty_like", "rand_like", "randn_like", "manual_seed", "seed", "is_tensor",
    "numel", "get_default_dtype", "set_default_dtype", "promote_types", "result_type",
    "scalar_tensor", "max", "min", "clamp", "clip", "transpose", "swapaxes", "t", "permute",
    "squeeze", "unsqueeze", "flatten", "reshape", "mm", "mv", "dot", "equal", "allclose", "clone",
    "detach", "where", "return_types", "argmax", "argmin", "cat", "concat", "stack", "maximum",
    "minimum", "var", "std", "norm", "vector_norm", "set_printoptions", "get_printoptions", "printoptions", "autograd",
]
