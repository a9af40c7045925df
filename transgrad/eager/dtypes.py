"""Dtypes and sizes as PyTorch shows them, and PyTorch's type-promotion rule.

`tg.float32` is a `DType` wrapping `np.dtype('float32')`; it prints `tg.float32`, compares
equal to itself (and to the NumPy dtype), and NumPy accepts it wherever a dtype is expected
(through its `.dtype` attribute). `Size` is the tuple subclass `Tensor.shape` returns.

Promotion (`result_dtype`) follows PyTorch, not NumPy: operands are ranked in three classes,
dimensioned tensors > 0-d tensors > Python scalars, and a lower class only matters when it
brings a higher *category* (bool < integer < floating). So a Python float or a 0-d float64
tensor does not promote a float32 tensor, an integer tensor combined with a Python float
gives the default float dtype (float32), and float32 * float64 tensors give float64.
"""
import builtins as _builtins

import numpy as np

_py_float, _py_int, _py_bool = _builtins.float, _builtins.int, _builtins.bool

__all__ = ["DType", "Size", "float32", "float", "float64", "double", "float16", "half", "int32",
           "int", "int64", "long", "int16", "int8", "uint8", "bool", "complex64", "complex128",
           "cfloat", "cdouble", "get_default_dtype", "set_default_dtype", "promote_types",
           "result_type"]


class DType:
    """A tensor element type: `tg.float32`, `tg.int64`, ..."""

    __slots__ = ("name", "dtype", "is_floating_point", "is_complex", "is_signed", "itemsize",
                 "_tensor_name", "_grad_name", "_scalar_name")

    def __init__(self, name, np_dtype, tensor_name, grad_name, scalar_name):
        self.name = name
        self.dtype = np.dtype(np_dtype)            # lets NumPy accept a DType as a dtype
        self.is_floating_point = self.dtype.kind == "f"
        self.is_complex = self.dtype.kind == "c"
        self.is_signed = self.dtype.kind in "fic"
        self.itemsize = self.dtype.itemsize
        self._tensor_name = tensor_name            # "FloatTensor", in error messages
        self._grad_name = grad_name                # "double", in the .grad dtype error
        self._scalar_name = scalar_name            # "Float", in the .grad dtype error

    def __repr__(self):
        return f"tg.{self.name}"

    def __eq__(self, other):
        if isinstance(other, DType):
            return self is other
        try:
            return self.dtype == np.dtype(other)
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.dtype)

    def __reduce__(self):
        return (as_dtype, (self.name,))

    def to_complex(self):
        return {"float32": complex64, "float64": complex128}.get(self.name, self)

    def to_real(self):
        return {"complex64": float32, "complex128": float64}.get(self.name, self)


float16 = half = DType("float16", np.float16, "HalfTensor", "c10::Half", "Half")
float32 = float = DType("float32", np.float32, "FloatTensor", "float", "Float")
float64 = double = DType("float64", np.float64, "DoubleTensor", "double", "Double")
int8 = DType("int8", np.int8, "CharTensor", "signed char", "Char")
uint8 = DType("uint8", np.uint8, "ByteTensor", "unsigned char", "Byte")
int16 = DType("int16", np.int16, "ShortTensor", "short int", "Short")
int32 = int = DType("int32", np.int32, "IntTensor", "int", "Int")
int64 = long = DType("int64", np.int64, "LongTensor", "long int", "Long")
bool = DType("bool", np.bool_, "BoolTensor", "bool", "Bool")
complex64 = cfloat = DType("complex64", np.complex64, "ComplexFloatTensor", "c10::complex<float>",
                           "ComplexFloat")
complex128 = cdouble = DType("complex128", np.complex128, "ComplexDoubleTensor",
                             "c10::complex<double>", "ComplexDouble")

_ALL = (float16, float32, float64, int8, uint8, int16, int32, int64, bool, complex64, complex128)
_BY_NP = {d.dtype: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update({"float": float32, "double": float64, "half": float16, "long": int64, "int": int32})

_DEFAULT = [float32]


def get_default_dtype():
    """The dtype Python floats become (float32, as in PyTorch)."""
    return _DEFAULT[0]


def set_default_dtype(d):
    """Change the dtype Python floats and float factories produce (float32 or float64)."""
    d = as_dtype(d)
    if not d.is_floating_point:
        from ..errors import TensorTypeError
        raise TensorTypeError("only floating-point types are supported as the default type")
    _DEFAULT[0] = d


def from_numpy_dtype(np_dtype):
    """The DType for a NumPy dtype (unknown ones get a DType made on the fly)."""
    d = _BY_NP.get(np_dtype)
    if d is None:
        np_dtype = np.dtype(np_dtype)
        d = _BY_NP.get(np_dtype)
        if d is None:
            d = _BY_NP[np_dtype] = DType(str(np_dtype), np_dtype, f"{np_dtype}Tensor",
                                         str(np_dtype), str(np_dtype))
    return d


def as_dtype(d):
    """Accept a DType, a NumPy dtype or type, a Python type or a name; return the DType."""
    if isinstance(d, DType):
        return d
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    if d is _py_float:
        return get_default_dtype()
    if d is _py_int:
        return int64
    if d is _py_bool:
        return bool
    return from_numpy_dtype(np.dtype(d))


def as_np_dtype(d):
    """The NumPy dtype for anything `as_dtype` accepts (None stays None)."""
    if d is None:
        return None
    if isinstance(d, DType):
        return d.dtype
    return as_dtype(d).dtype


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints as `tg.Size([2, 3])`."""

    __slots__ = ()

    def __repr__(self):
        return f"tg.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __reduce__(self):
        return (Size, (tuple(self),))


# -- promotion ------------------------------------------------------------------------------

def _category(kind):
    """bool 0 < integer 1 < floating 2 < complex 3."""
    return {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}.get(kind, 2)


def _scalar_category(v):
    if isinstance(v, _py_bool):
        return 0
    if isinstance(v, _py_int):
        return 1
    if isinstance(v, _py_float):
        return 2
    return 3


def promote_types(a, b):
    """PyTorch's promote_types on two dtypes (same as NumPy's for these types)."""
    return from_numpy_dtype(np.promote_types(as_np_dtype(a), as_np_dtype(b)))


def result_np_dtype(dims, zerodims, scalars):
    """The NumPy dtype PyTorch gives an op over arrays `dims` (ndim > 0), 0-d arrays `zerodims`
    and Python scalars `scalars` (each a list of values or dtypes)."""
    cats = [-1, -1, -1]
    dts = [None, None]
    for cls, group in ((0, dims), (1, zerodims)):
        for dt in group:
            c = _category(dt.kind)
            if c > cats[cls]:
                cats[cls] = c
                dts[cls] = dt
            elif c == cats[cls]:
                dts[cls] = np.promote_types(dts[cls], dt)
    for v in scalars:
        c = _scalar_category(v)
        if c > cats[2]:
            cats[2] = c
    top = max(cats)
    if cats[0] == top:
        return dts[0]
    if cats[1] == top:
        return dts[1]
    # a Python scalar brings the highest category: default dtype of that category
    if top == 2:
        return get_default_dtype().dtype
    if top == 3:
        return complex64.dtype if get_default_dtype() is float32 else complex128.dtype
    if top == 1:
        return np.dtype(np.int64)
    return np.dtype(np.bool_)


def result_type(*operands):
    """`tg.result_type(a, b)`: the dtype an elementwise op over these operands produces."""
    dims, zerodims, scalars = [], [], []
    for v in operands:
        data = getattr(v, "_data", v)
        if isinstance(data, np.ndarray):
            (dims if data.ndim else zerodims).append(data.dtype)
        elif isinstance(data, np.generic):
            zerodims.append(data.dtype)
        else:
            scalars.append(data)
    return from_numpy_dtype(result_np_dtype(dims, zerodims, scalars))
