"""Operations without a derivative: their results are constants.

On Tensors they compute a result that does not require grad and record no node; the compiler
treats their results as inactive. Comparisons, logical operators, argmax/argmin, rounding,
sign, tests such as isnan, shape queries and the `*_like` constructors.

(PyTorch records nodes with zero gradient for floor, ceil, round, trunc and sign; here they
record nothing, which gives the same gradients.)
"""
import numpy as np

from ..registry import nondifferentiable

# Comparisons, with Python's operators and PyTorch's method names.
nondifferentiable(np.greater, operators=("Gt",), aliases=("greater", "gt"), methods=("gt", "greater"))
nondifferentiable(np.greater_equal, operators=("GtE",), aliases=("greater_equal", "ge"),
                  methods=("ge", "greater_equal"))
nondifferentiable(np.less, operators=("Lt",), aliases=("less", "lt"), methods=("lt", "less"))
nondifferentiable(np.less_equal, operators=("LtE",), aliases=("less_equal", "le"), methods=("le", "less_equal"))
nondifferentiable(np.equal, name="eq", operators=("Eq",), aliases=("eq",), methods=("eq",))
nondifferentiable(np.not_equal, name="ne", operators=("NotEq",), aliases=("ne", "not_equal"),
                  methods=("ne", "not_equal"))
nondifferentiable(np.array_equal, name="equal", aliases=("equal", "array_equal"), methods=("equal",))
nondifferentiable(np.allclose, methods=("allclose",))
nondifferentiable(np.isclose, methods=("isclose",))

# Logical and bitwise operators (on boolean masks).
nondifferentiable(np.logical_and, methods=("logical_and",))
nondifferentiable(np.logical_or, methods=("logical_or",))
nondifferentiable(np.logical_not, methods=("logical_not",))
nondifferentiable(np.logical_xor, methods=("logical_xor",))
nondifferentiable(np.invert, operators=("Invert",), aliases=("invert", "bitwise_not"), methods=("bitwise_not",))
nondifferentiable(np.bitwise_and, operators=("BitAnd",), methods=("bitwise_and",))
nondifferentiable(np.bitwise_or, operators=("BitOr",), methods=("bitwise_or",))
nondifferentiable(np.bitwise_xor, operators=("BitXor",), methods=("bitwise_xor",))
nondifferentiable(np.all, methods=("all",))
nondifferentiable(np.any, methods=("any",))

# Positions, counts and piecewise-constant functions.
nondifferentiable(np.argmax, methods=("argmax",))
nondifferentiable(np.argmin, methods=("argmin",))
nondifferentiable(np.argsort, methods=("argsort",))
nondifferentiable(np.nonzero, methods=("nonzero",))
nondifferentiable(np.count_nonzero, methods=("count_nonzero",))
nondifferentiable(np.floor, methods=("floor",))
nondifferentiable(np.ceil, methods=("ceil",))
nondifferentiable(np.round, aliases=("round", "around"), spellings=(np.around,), methods=("round",))
nondifferentiable(np.trunc, aliases=("trunc", "fix"), methods=("trunc",))
nondifferentiable(np.sign, aliases=("sign", "sgn"), methods=("sign", "sgn"))
nondifferentiable(np.floor_divide, operators=("FloorDiv",), methods=("floor_divide",))
nondifferentiable(np.isnan, methods=("isnan",))
nondifferentiable(np.isinf, methods=("isinf",))
nondifferentiable(np.isfinite, methods=("isfinite",))

# Shape queries and constructors shaped like an array.
nondifferentiable(np.shape)
nondifferentiable(np.ndim)
nondifferentiable(np.size, aliases=("size", "numel"))
nondifferentiable(np.zeros_like)
nondifferentiable(np.ones_like)
nondifferentiable(np.full_like)
nondifferentiable(np.empty_like)
