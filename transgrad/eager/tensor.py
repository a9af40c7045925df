"""`Tensor`: an ndarray plus autograd state, with PyTorch's attributes, methods and errors.

Every computing method, operator and NumPy function on a Tensor resolves to a primitive of the
registry (`lookup_operator`, `lookup_method`, `lookup`) and runs through `dispatch.apply`, so
the derivative rules are the registry's and nothing here differentiates anything. Methods whose
PyTorch signature differs from NumPy's (`view(*shape)`, `transpose(d0, d1)`, `max(dim)`) are
thin wrappers that translate the arguments.

State (slots): `_v` the ndarray, or a NumPy scalar standing for a 0-d one (read it through
the `_data` property, which makes the array, everywhere but the engine's hot paths); `_rg`
requires_grad; `_grad` the `.grad` Tensor; `_grad_fn` the node that produced it (None for
leaves); `_vc` the version counter (a one-element list, shared by views and `detach()`); `_nr`
which output of `_grad_fn` it is; `_acc` a weak reference to its AccumulateGrad node; `_extra`
None or a dict of rarely used state (hooks, view base, retains_grad, inference).
"""
import operator
import warnings
import weakref

import numpy as np

from .. import registry
from ..errors import (GradientError, NotSupportedError, TensorIndexError, TensorTypeError,
                      TensorValueError, UnsupportedFunctionError)
from . import dispatch, dtypes as _dt, engine
from .dispatch import apply, apply_inplace, apply_nondiff, wrap
from .grad_mode import STATE
from .node import _add_hook, named_class, node_name, RemovableHandle, reveal, set_class

__all__ = ["Tensor"]

_ndarray = np.ndarray
_asarray = np.asarray

_NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information.")

_LEAF_FLAGS_ERROR = (
    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")


def _prim(name):
    """The registered primitive `name`, or a NotSupportedError naming it."""
    try:
        return registry.get(name)
    except KeyError:
        raise NotSupportedError(f"transgrad has no primitive {name!r} yet, which this Tensor "
                                "operation needs") from None


def _prim_any(*names):
    for n in names:
        try:
            return registry.get(n)
        except KeyError:
            continue
    raise NotSupportedError(f"transgrad has no primitive {names[0]!r} yet, which this Tensor "
                            "operation needs")


def _sizes(args):
    """`f(2, 3)` or `f((2, 3))` or `f([2, 3])` -> (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list, _dt.Size)):
        return tuple(int(s) for s in args[0])
    return tuple(int(s) for s in args)


def _index_value(idx):
    """An index with Tensors replaced by their arrays."""
    if isinstance(idx, Tensor):
        return idx._data
    if isinstance(idx, tuple):
        return tuple(_index_value(i) for i in idx)
    if isinstance(idx, list) and any(isinstance(i, Tensor) for i in idx):
        return [_index_value(i) for i in idx]
    return idx


def _root_base(t):
    extra = t._extra
    if extra is not None and extra.get("base") is not None:
        return extra["base"]
    return t


def _mark_view(result, source):
    """`result` shares `source`'s memory: share its version counter and remember the base."""
    if not np.may_share_memory(result._data, source._data):
        return result
    result._vc = source._vc
    node = result._grad_fn
    if node is not None and node._saved:
        node._saved = dispatch.flat_records(
            [(s, t, (source._vc if s == 0 else vc), (source._vc[0] if s == 0 else v))
             for s, t, vc, v in dispatch.records(node._saved)])
    extra = result._extra
    if extra is None:
        extra = result._extra = {}
    extra["base"] = _root_base(source)
    return result


class Tensor:
    """A multi-dimensional array that records the operations applied to it (like torch.Tensor)."""

    __slots__ = ("_v", "_rg", "_grad", "_grad_fn", "_vc", "_nr", "_acc", "_extra",
                 "__weakref__")
    __array_priority__ = 1000

    @property
    def _data(self):
        """The ndarray. `_v` holds it, or a NumPy scalar for a 0-d result of an elementwise
        operation (cheaper to compute with); the first use of `_data` turns that scalar into
        the tensor's own 0-d array, which it keeps, so in-place changes and aliases see it."""
        v = self._v
        if type(v) is _ndarray:
            return v
        v = self._v = np.array(v)
        return v

    @_data.setter
    def _data(self, value):
        self._v = value

    def __init__(self, data=(), *, dtype=None, requires_grad=False):
        # `tg.Tensor([1, 2])` makes a default-float tensor, as torch.Tensor does.
        arr = np.array(data.detach()._data if isinstance(data, Tensor) else data,
                       dtype=_dt.as_np_dtype(dtype) or _dt.get_default_dtype().dtype)
        self._data = arr
        self._rg = False
        self._grad = None
        self._grad_fn = None
        self._vc = [0]
        self._nr = 0
        self._acc = None
        self._extra = None
        if requires_grad:
            self.requires_grad = True

    # -- autograd attributes -------------------------------------------------------------------
    @property
    def data(self):
        """The same values, detached, with its own version counter: changes through it are not
        tracked."""
        return wrap(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else _asarray(value)

    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag):
        self._set_requires_grad(flag, "only Tensors of floating point and complex dtype can "
                                      "require gradients")

    def _set_requires_grad(self, flag, dtype_message):
        flag = bool(flag)
        if self._grad_fn is not None:
            if not flag:
                raise GradientError(_LEAF_FLAGS_ERROR)
            return
        if flag and self._data.dtype.kind not in "fc":
            raise GradientError(dtype_message)
        if flag and self.is_inference() and not STATE.inference:
            raise GradientError("Setting requires_grad=True on inference tensor outside "
                                "InferenceMode is not allowed.")
        self._rg = flag

    def requires_grad_(self, requires_grad=True):
        self._set_requires_grad(requires_grad, "only Tensors of floating point dtype can require "
                                               "gradients")
        return self

    @property
    def grad(self):
        if self._grad_fn is not None and not self.retains_grad:
            warnings.warn(_NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TensorTypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                      f"of type {type(value).__name__}")
            if value._data.dtype != self._data.dtype:
                got = _dt.from_numpy_dtype(value._data.dtype)._grad_name
                want = _dt.from_numpy_dtype(self._data.dtype)._scalar_name
                raise GradientError(
                    f"attempting to assign a gradient with dtype '{got}' to a tensor with "
                    f"grad_dtype '{want}'. The gradient must match the tensor's grad_dtype "
                    "(defaults to the tensor's dtype). You can set the tensor's grad_dtype "
                    "attribute with a specific dtype, or None to allow any dtype. Set grad_dtype "
                    "with caution. Diverging the dtypes of a tensor and its gradient may break "
                    "downstream systems that assume they match.")
            if value._data.shape != self._data.shape:
                raise GradientError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a "
                    f"tensor of size '{list(self._data.shape)}'. Please ensure that the gradient "
                    "and the tensor are the same size")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def grad_fn(self):
        return reveal(self._grad_fn)    # user code sees the node's PyTorch class

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def retains_grad(self):
        extra = self._extra
        return bool(extra is not None and extra.get("retains_grad") and self._grad_fn is not None)

    @property
    def _version(self):
        return self._vc[0]

    @property
    def output_nr(self):
        return self._nr

    def is_inference(self):
        extra = self._extra
        return bool(extra is not None and extra.get("inference"))

    @property
    def device(self):
        return "cpu"

    @property
    def is_cuda(self):
        return False

    # -- shape and type ------------------------------------------------------------------------
    @property
    def shape(self):
        return _dt.Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return _dt.Size(self._data.shape)
        return self._data.shape[self._dim(dim)]

    def _dim(self, dim):
        n = self._data.ndim
        lo, hi = (-n, n - 1) if n else (-1, 0)
        if not lo <= dim <= hi:
            raise TensorIndexError(f"Dimension out of range (expected to be in range of "
                                   f"[{lo}, {hi}], but got {dim})")
        return dim % n if n else 0

    @property
    def dtype(self):
        return _dt.from_numpy_dtype(self._data.dtype)

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def ndimension(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    def nelement(self):
        return self._data.size

    def element_size(self):
        return self._data.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return self._data.dtype.kind == "c"

    def is_contiguous(self):
        return bool(self._data.flags.c_contiguous)

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    # -- graph ---------------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (see `tg.autograd.backward`)."""
        from ..autograd import backward
        backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph,
                 inputs=inputs, _from_method=True)

    def detach(self):
        """The same values as a new leaf that does not require grad; shares memory and the
        version counter (in-place changes to either are seen by autograd)."""
        t = wrap(self._data)
        t._vc = self._vc
        return t

    def detach_(self):
        if self._extra is not None and self._extra.get("base") is not None and self._rg:
            raise GradientError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._rg = False
        self._nr = 0
        return self

    def retain_grad(self):
        """Make `.grad` of this non-leaf hold its gradient after backward (no-op on leaves)."""
        if self._grad_fn is None:
            if not self._rg:
                raise GradientError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self.retains_grad:
            return
        if self._extra is None:
            self._extra = {}
        self._extra["retains_grad"] = True
        _add_hook(self._grad_fn, self._nr, weakref.ref(self), kind="retain")

    def register_hook(self, hook):
        """`hook(grad) -> Tensor or None`, called with this tensor's gradient during backward;
        on a leaf, before the gradient is accumulated into `.grad`."""
        if not self._rg:
            raise GradientError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            return _add_hook(self._grad_fn, self._nr, hook)
        if self._extra is None:
            self._extra = {}
        hooks = self._extra.setdefault("hooks", {})
        key = object()
        hooks[key] = hook
        return RemovableHandle(hooks, key)

    def register_post_accumulate_grad_hook(self, hook):
        """`hook(tensor)` after `.grad` of this leaf has been accumulated."""
        if self._grad_fn is not None:
            raise GradientError("post accumulate grad hooks cannot be registered on non-leaf "
                                "tensors")
        if not self._rg:
            raise GradientError("cannot register a hook on a tensor that doesn't require gradient")
        if self._extra is None:
            self._extra = {}
        hooks = self._extra.setdefault("post_hooks", {})
        key = object()
        hooks[key] = hook
        return RemovableHandle(hooks, key)

    # -- conversion ----------------------------------------------------------------------------
    def numpy(self, *, force=False):
        if self._rg and not force:
            raise GradientError("Can't call numpy() on Tensor that requires grad. Use "
                                "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._rg:
            raise GradientError("Can't call numpy() on Tensor that requires grad. Use "
                                "tensor.detach().numpy() instead.")
        a = self._data
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def item(self):
        if self._data.size != 1:
            raise GradientError(f"a Tensor with {self._data.size} elements cannot be converted "
                                "to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def _scalar(self, kind):
        if self._rg and self._grad_fn is None:
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to "
                          "unexpected behavior.\nConsider using tensor.detach() first.",
                          UserWarning, stacklevel=3)
        if self._data.size != 1:
            raise TensorValueError("only one element tensors can be converted to Python scalars")
        return kind(self._data.reshape(()).item())

    def __float__(self):
        return self._scalar(float)

    def __int__(self):
        return self._scalar(int)

    def __complex__(self):
        return self._scalar(complex)

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TensorTypeError("only integer tensors of a single element can be converted to "
                                  "an index")
        return int(self._data.reshape(()).item())

    def __bool__(self):
        if self._data.size != 1:
            raise GradientError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()).item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TensorTypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TensorTypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self):
        return id(self)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        if spec == "":
            return str(self)
        raise TensorTypeError("unsupported format string passed to Tensor.__format__")

    def __repr__(self, *, tensor_contents=None):
        from .repr import format_tensor
        f = self._grad_fn
        if f is not None:
            return format_tensor(self._data, grad_fn_name=node_name(f))
        return format_tensor(self._data, requires_grad=self._rg)

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (_rebuild, (self._data, self._rg))

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise GradientError("Only Tensors created explicitly by the user (graph leaves) "
                                "support the deepcopy protocol at the moment.  If you were "
                                "attempting to deepcopy a module, this may be because of a "
                                "torch.nn.utils.weight_norm usage, see "
                                "https://github.com/pytorch/pytorch/pull/103001")
        t = wrap(self._data.copy())
        t._rg = self._rg
        if self._grad is not None:
            t._grad = wrap(self._grad._data.copy())
        memo[id(self)] = t
        return t

    # -- copies and dtype conversion -----------------------------------------------------------
    def clone(self, *, memory_format=None):
        return apply(_prim_any("copy", "clone"), (self,), ())

    def contiguous(self, memory_format=None):
        return self

    def cpu(self):
        return self

    def to(self, *args, dtype=None, **kwargs):
        """`to(dtype)` / `to(device)` / `to(other)`: a copy with the dtype (ToCopyBackward0), or
        self when nothing changes."""
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str,)) or a is None:
                continue
            else:
                dtype = a
        if dtype is None:
            return self
        np_dtype = _dt.as_np_dtype(dtype)
        if np_dtype == self._data.dtype and not kwargs.get("copy"):
            return self
        return _cast(self, np_dtype)

    def type(self, dtype=None):
        if dtype is None:
            return f"tg.{self.dtype._tensor_name}"
        return self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def double(self):
        return self.to(_dt.float64)

    def float(self):
        return self.to(_dt.float32)

    def half(self):
        return self.to(_dt.float16)

    def int(self):
        return self.to(_dt.int32)

    def long(self):
        return self.to(_dt.int64)

    def bool(self):
        return self.to(_dt.bool)

    # -- in-place ------------------------------------------------------------------------------
    def zero_(self):
        dispatch.check_inplace(self)
        return self._fill_untracked(0)

    def fill_(self, value):
        dispatch.check_inplace(self)
        if isinstance(value, Tensor) and value._rg and STATE.grad:
            raise NotSupportedError("fill_ with a Tensor that requires grad is not recorded by "
                                    "transgrad; use tg.full_like(x, 0) + value instead")
        return self._fill_untracked(value._data if isinstance(value, Tensor) else value)

    def _fill_untracked(self, value):
        if STATE.grad and self._rg:
            # filling a non-leaf cuts its history: the result is a constant
            dispatch._check_view_rebase(self)
            self._data[...] = value
            self._vc[0] += 1
            self._grad_fn = None
            self._rg = False
            return self
        self._data[...] = value
        self._vc[0] += 1
        return self

    def copy_(self, src, non_blocking=False):
        src_t = src if isinstance(src, Tensor) else wrap(_asarray(src))
        dispatch.check_inplace(self)
        if STATE.grad and src_t._rg:
            # the result is src's values broadcast into self: an in-place update over everything
            return self.__setitem__(Ellipsis, src_t)
        self._data[...] = src_t._data
        self._vc[0] += 1
        if STATE.grad and self._rg:
            self._grad_fn = None
            self._rg = False
        return self

    # -- indexing ------------------------------------------------------------------------------
    def __getitem__(self, idx):
        if not (self._rg and STATE.grad):
            # nothing to record: what `apply` computes for the getitem primitive, directly
            if type(idx) is int:
                data = self._v
                if type(data) is _ndarray and data.ndim > 1:
                    # `x[t]` of an array of rank 2 or more: a view, with its base's counter
                    r = wrap(data[idx])
                    r._vc = self._vc
                    extra = self._extra
                    base = None if extra is None else extra.get("base")
                    if base is None:
                        base = self
                    extra = r._extra
                    if extra is None:
                        r._extra = {"base": base}
                    else:
                        extra["base"] = base
                    return r
            index = _index_value(idx)
            try:
                out = dispatch.run_quiet(operator.getitem, self._data, index)
            except RuntimeError as error:
                if not dispatch.busy(error):
                    raise
                out = operator.getitem(self._data, index)
            if type(out) is not _ndarray:
                out = _asarray(out)
            return _mark_view(wrap(out), self)
        prim = registry.lookup_operator("Subscript")
        if prim is None:
            raise NotSupportedError("transgrad has no indexing primitive yet")
        r = apply(prim, (self, _index_value(idx)), ())
        return _mark_view(r, self)

    def __setitem__(self, idx, value):
        index = _index_value(idx)
        if STATE.grad and self._rg and self._grad_fn is None:
            raise GradientError("a view of a leaf Variable that requires grad is being used in an "
                                "in-place operation.")
        dispatch.check_inplace(self)
        value_rg = isinstance(value, Tensor) and value._rg
        if not (STATE.grad and (self._rg or value_rg)):
            self._data[index] = value._data if isinstance(value, Tensor) else value
            self._vc[0] += 1
            return
        dispatch._check_view_rebase(self)
        apply_inplace(_prim("index_update"), self, (self, index, value), ())

    # -- shape methods with PyTorch signatures --------------------------------------------------
    def view(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (tuple, list, _dt.Size, int)):
            return self.to(shape[0])
        return self.reshape(*shape)

    def reshape(self, *shape):
        shape = _sizes(shape)
        return _mark_view(_call_public(_prim("reshape"), (self, shape), {}), self)

    def view_as(self, other):
        return self.reshape(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        n = self._data.ndim
        if n == 0:
            return self.reshape(1)
        s, e = start_dim % n, end_dim % n
        shp = self._data.shape
        new = shp[:s] + (int(np.prod(shp[s:e + 1])),) + shp[e + 1:]
        if new == shp:
            return self
        return self.reshape(new)

    def transpose(self, dim0, dim1):
        return _mark_view(_call_public(_prim("swapaxes"), (self, dim0, dim1), {}), self)

    swapaxes = transpose
    swapdims = transpose

    def t(self):
        if self._data.ndim > 2:
            raise GradientError(f"t() expects a tensor with <= 2 dimensions, but self is "
                                f"{self._data.ndim}D")
        return _mark_view(_call_public(_prim("t"), (self,), {}), self)

    @property
    def T(self):
        return self.permute(*range(self._data.ndim - 1, -1, -1))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def permute(self, *dims):
        dims = _sizes(dims)
        return _mark_view(_call_public(_prim("permute"), (self, dims), {}), self)

    def squeeze(self, dim=None):
        """Without dims of length one; `squeeze(d)` leaves a dim of another length alone
        (still a new view, SqueezeBackward1, or SqueezeBackward2 for a tuple of dims)."""
        if dim is None:
            return _mark_view(_call_public(_prim("squeeze"), (self, None), {}), self)
        single = not isinstance(dim, (tuple, list))
        dims = (dim,) if single else tuple(dim)
        shape = self._data.shape
        units = tuple(sorted({self._dim(d) for d in dims if shape and shape[self._dim(d)] == 1}))
        r = _mark_view(_call_public(_prim("squeeze"), (self, units), {}), self)
        return _renamed(r, "SqueezeBackward1" if single else "SqueezeBackward2")

    def _alias(self):
        """A view with the same shape (PyTorch returns a new view for a no-op squeeze)."""
        return _mark_view(_call_public(_prim("reshape"), (self, self._data.shape), {}), self)

    def unsqueeze(self, dim):
        n = self._data.ndim + 1
        if not -n <= dim < n:
            raise TensorIndexError(f"Dimension out of range (expected to be in range of "
                                   f"[{-n}, {n - 1}], but got {dim})")
        return _mark_view(_call_public(_prim("expand_dims"), (self, dim % n), {}), self)

    def expand(self, *sizes):
        sizes = _sizes(sizes)
        shp = self._data.shape
        lead = len(sizes) - len(shp)
        target = tuple(shp[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(sizes))
        return _mark_view(_call_public(_prim("broadcast_to"), (self, target), {}), self)

    def expand_as(self, other):
        return self.expand(other.shape)

    def narrow(self, dim, start, length):
        idx = (slice(None),) * self._dim(dim) + (slice(start, start + length),)
        return self[idx]

    def unbind(self, dim=0):
        d = self._dim(dim)
        return tuple(self[(slice(None),) * d + (i,)] for i in range(self._data.shape[d]))

    def chunk(self, chunks, dim=0):
        """At most `chunks` pieces of ceil(n / chunks) along `dim` (`split` of that size)."""
        if not isinstance(chunks, int) or chunks <= 0:
            raise GradientError("chunk expects `chunks` to be greater than 0, got: "
                                f"{chunks}")
        n = self._data.shape[self._dim(dim)]
        return self.split(max(-(-n // chunks), 1), dim)

    def split(self, split_size, dim=0):
        """Pieces of `split_size` (the last one smaller) or of the sizes listed, as views;
        one SplitBackward0 / SplitWithSizesBackward0 node, as PyTorch records."""
        d = self._dim(dim)
        n = self._data.shape[d]
        if isinstance(split_size, (int, np.integer)):
            if split_size <= 0:
                raise GradientError(f"split_size can only be 0 if dimension size is 0, but got "
                                    f"dimension size of {n}" if split_size == 0 else
                                    f"split expects split_size be non-negative, but got "
                                    f"split_size={split_size}")
            sizes = [split_size] * (n // split_size) + ([n % split_size] if n % split_size else [])
            name = "SplitBackward0"
        else:
            sizes = [int(k) for k in split_size]
            if sum(sizes) != n or any(k < 0 for k in sizes):
                raise GradientError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                                    f"(input tensor's size at dimension {d}), but got "
                                    f"split_sizes={sizes}")
            name = "SplitWithSizesBackward0"
        bounds = tuple(int(b) for b in np.cumsum(sizes)[:-1])
        parts = _call_public(_prim("split"), (self, bounds, d), {})
        return tuple(_mark_view(_renamed(p, name), self) for p in parts)

    def repeat(self, *sizes):
        """The tensor tiled `sizes[k]` times along dim k (NumPy's tile; RepeatBackward0)."""
        sizes = _sizes(sizes)
        if len(sizes) < self._data.ndim:
            raise GradientError("Number of dimensions of repeat dims can not be smaller than "
                                "number of dimensions of tensor")
        return apply(_prim("tile"), (self,), (sizes,))

    def tile(self, *dims):
        """`torch.tile`: like repeat, with missing leading repetitions taken as 1."""
        return apply(_prim("tile"), (self,), (_sizes(dims),))

    # -- reductions with PyTorch signatures ---------------------------------------------------
    # PyTorch also takes NumPy's names `axis=` and `keepdims=` for `dim` and `keepdim`
    def sum(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        return _reduce(self, "sum", _dims(dim, axis), _keep(keepdim, keepdims), dtype)

    def mean(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        return _reduce(self, "mean", _dims(dim, axis), _keep(keepdim, keepdims), dtype)

    def prod(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        return _reduce(self, "prod", _dims(dim, axis), _keep(keepdim, keepdims), dtype)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
            keepdims=None):
        """Unbiased (divides by n - 1) unless `correction=`/`unbiased=False` say otherwise, as
        in PyTorch; `np.var(t)` keeps NumPy's ddof=0."""
        return apply(_prim("var"), (self,), _variance_statics(
            "var", _dims(dim, axis), unbiased, _keep(keepdim, keepdims), correction))

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
            keepdims=None):
        """The square root of `var` with the same arguments (unbiased by default)."""
        return apply(_prim("std"), (self,), _variance_statics(
            "std", _dims(dim, axis), unbiased, _keep(keepdim, keepdims), correction))

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """The 2-norm (`p` 2 or "fro") over `dim` (everything when None): LinalgVectorNorm."""
        _check_norm_order(p)
        x = self if dtype is None else self.to(dtype)
        return apply(_prim("norm"), (x,), (_dims(dim), keepdim))

    def argmax(self, dim=None, keepdim=False):
        from . import functions
        return functions.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        from . import functions
        return functions.argmin(self, dim, keepdim)

    def masked_fill(self, mask, value):
        """`value` where the boolean `mask` (broadcast to this shape) is True, else self."""
        m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
        if m.dtype != np.bool_:
            raise GradientError(f"masked_fill_ only supports boolean masks, but got mask with "
                                f"dtype {_dt.from_numpy_dtype(m.dtype)._scalar_name}")
        if isinstance(value, Tensor):
            if value._data.ndim:
                raise GradientError(f"masked_fill_ only supports a 0-dimensional value tensor, "
                                    f"but got tensor with {value._data.ndim} dimension(s).")
            name = "MaskedFillBackward1"
        else:
            value = np.asarray(value, dtype=self._data.dtype)
            name = "MaskedFillBackward0"
        m = np.broadcast_to(m, np.broadcast_shapes(m.shape, self._data.shape))
        r = apply(_prim("where"), (m, value, self), ())
        if r._data.dtype != self._data.dtype:
            r = r.to(self.dtype)
        return _renamed(r, name)

    def max(self, dim=None, keepdim=False):
        from . import functions
        return functions.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        from . import functions
        return functions.min(self, dim, keepdim)

    def clamp(self, min=None, max=None):
        from . import functions
        return functions.clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min):
        from . import functions
        return _renamed(functions.clamp(self, min, None), "ClampMinBackward0")

    def clamp_max(self, max):
        from . import functions
        return _renamed(functions.clamp(self, None, max), "ClampMaxBackward0")

    def clamp_(self, min=None, max=None):
        prim = _prim("clip")
        return apply_inplace(prim, self, (self,), _clip_statics(prim, min, max))

    clip_ = clamp_

    def add(self, other, *, alpha=None):
        """self + alpha * other (AddBackward0, as PyTorch records it)."""
        return self + (other if alpha is None else other * alpha)

    def sub(self, other, *, alpha=None):
        """self - alpha * other."""
        return self - (other if alpha is None else other * alpha)

    subtract = sub

    def mm(self, other):
        return self @ other

    mv = mm
    dot = mm

    def pow(self, exponent):
        return self ** exponent

    def softmax(self, dim):
        from ..nn import functional as F
        return F.softmax(self, dim)

    def log_softmax(self, dim):
        from ..nn import functional as F
        return F.log_softmax(self, dim)

    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def equal(self, other):
        return bool(self._data.shape == other._data.shape and np.array_equal(self._data, other._data))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        o = other._data if isinstance(other, Tensor) else other
        return bool(np.allclose(self._data, o, rtol=rtol, atol=atol, equal_nan=equal_nan))

    def where(self, condition, other):
        from . import functions
        return functions.where(condition, self, other)

    # -- NumPy protocols ------------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and not kwargs:
            call = _UFUNC_CALLS.get(ufunc)
            if call is not None:
                return call(*inputs)
        return _numpy_protocol.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        call = _FUNCTION_CALLS.get(func)
        if call is not None:
            return call(args, kwargs)
        return _numpy_protocol.array_function(func, types, args, kwargs)


def _rebuild(data, rg):
    t = wrap(data)
    t._rg = rg
    return t


def _cast(t, np_dtype):
    """A copy of `t` with another dtype, recorded as ToCopyBackward0 (the gradient is cast back
    by the engine, as for every input whose dtype differs from its use)."""
    prim = _prim_any("copy", "clone")
    out = t._data.astype(np_dtype)
    if not (STATE.grad and t._rg) or out.dtype.kind not in "fc":
        return wrap(out)
    spec = dispatch.spec_of(prim)
    r = dispatch.make_node(spec, (t,), [t._data], (), out)
    node = r._grad_fn
    from .node import node_class
    set_class(node, node_class("ToCopyBackward0"))
    node._dtypes = (t._data.dtype,)
    return r


# -- PyTorch argument conventions ----------------------------------------------------------------

def _renamed(result, name):
    """`result` with its backward node named `name`: PyTorch names the node after the call
    (`masked_fill`, `split`) where transgrad records the one primitive with the same
    derivative (`where`, `split` at indices)."""
    node = result._grad_fn
    if node is not None and node_name(node) != name:
        old = named_class(node)
        cls = _RENAMED.get((old, name))
        if cls is None:
            if "_nout" in getattr(old, "__slots__", ()):
                # a node of several outputs: same base and slots, or Python refuses the switch
                cls = type(name, (old.__base__,), {"__slots__": old.__slots__})
                cls.__module__ = "builtins"
            else:
                from .node import node_class
                cls = node_class(name)
            _RENAMED[(old, name)] = cls
        set_class(node, cls)
    return result


_RENAMED = {}


def _dims(dim, axis=None):
    """PyTorch's `dim` (None, an int, a tuple or a list; or NumPy's `axis=`) as NumPy's axis."""
    if axis is not None:
        if dim is not None:
            raise TensorTypeError("received both dim and its alias axis; give one of them")
        dim = axis
    return tuple(dim) if isinstance(dim, list) else dim


def _keep(keepdim, keepdims):
    return keepdim if keepdims is None else keepdims


def _reduce(t, name, dim, keepdim, dtype):
    """`t.sum(dim, keepdim, dtype=)` and friends."""
    x = t if dtype is None else t.to(dtype)
    return apply(_prim(name), (x,), (dim, keepdim))


def _variance_statics(name, dim, unbiased, keepdim, correction):
    """PyTorch's var/std arguments as the primitive's (axis, ddof, keepdims): correction 1
    unless `correction=` or `unbiased=False` say otherwise; `x.var(False)` is unbiased=False."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TensorTypeError(f"{name}() received an invalid combination of arguments: "
                                  "dim is a bool and unbiased is given")
        dim, unbiased = None, dim
    if correction is not None and unbiased is not None:
        raise GradientError(f"{name}(): can't specify both unbiased and correction; "
                            "use correction= alone")
    ddof = correction if correction is not None else (0 if unbiased is False else 1)
    return (_dims(dim), ddof, keepdim)


def _check_norm_order(p):
    """Only the 2-norm has a primitive: any other order raises instead of computing another
    norm (NumPy's `norm(x, 2)` would read the 2 as an axis)."""
    if p is None or (isinstance(p, str) and p == "fro") or (
            isinstance(p, (int, float, np.integer, np.floating)) and not isinstance(p, bool)
            and p == 2):
        return
    raise NotSupportedError(f"norm(p={p!r}): transgrad has only the 2-norm (p=2 or 'fro') as a "
                            "primitive; write (x.abs() ** p).sum(dim) ** (1 / p) for another "
                            "order, or x.abs().amax(dim) for p=inf")


# -- binding helpers -----------------------------------------------------------------------------

_BINDERS = {}


def _make_binder(prim):
    """A function with the primitive's `tg.` signature that returns (inputs, statics)."""
    import inspect
    sig = inspect.signature(prim.public)
    parts = []
    ns = {}
    kwonly_started = False
    for p in sig.parameters.values():
        if p.kind is p.KEYWORD_ONLY and not kwonly_started:
            parts.append("*")
            kwonly_started = True
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
            kwonly_started = True
            continue
        if p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
            continue
        if p.default is p.empty:
            parts.append(p.name)
        else:
            ns[f"_d_{p.name}"] = p.default
            parts.append(f"{p.name}=_d_{p.name}")
    renames = "".join(
        f"    if {t} is not _d_{t}: {s} = {t}\n"
        for s, t in registry.TORCH_KEYWORDS.items()
        if s in prim.static_names and t in sig.parameters)
    inputs = "".join(f"{x}, " for x in prim.inputs)
    statics = "".join(f"{s}, " for s in prim.static_names)
    src = f"def bind({', '.join(parts)}):\n{renames}    return ({inputs}), ({statics})\n"
    exec(compile(src, f"<transgrad binder {prim.name}>", "exec"), ns)
    return ns["bind"]


def _bind_public(prim, args, kwargs):
    b = _BINDERS.get(prim)
    if b is None:
        b = _BINDERS[prim] = _make_binder(prim)
    return b(*args, **kwargs)


def _call_public(prim, args, kwargs):
    """Call `prim` with its `tg.` signature, straight to the engine."""
    inputs, statics = _bind_public(prim, args, kwargs)
    return apply(prim, inputs, statics)


def _clip_statics(prim, lo, hi):
    lo = lo._data if isinstance(lo, Tensor) else lo
    hi = hi._data if isinstance(hi, Tensor) else hi
    return (lo, hi)


# -- operators --------------------------------------------------------------------------------

def _operator(op, name, reflected=False):
    """The Tensor method `name` for the Python operator `op` (gast name), resolved on first
    use; for a primitive of two differentiable inputs it then installs the engine's bound
    call itself as the method (`x * y` runs one Python function)."""
    cache = [None]

    def resolve():
        prim = registry.lookup_operator(op)
        if prim is None:
            raise NotSupportedError(f"transgrad has no primitive for the operator "
                                    f"{registry._OPERATOR_SYMBOLS.get(op, op)} yet")
        cache[0] = prim
        if prim.differentiable:
            call = dispatch.spec_of(prim).call
            if call is not None and not prim.static_names:
                if reflected:
                    def swapped(self, other):
                        return call(other, self)
                    swapped.__name__ = name
                    setattr(Tensor, name, swapped)
                else:
                    setattr(Tensor, name, call)
        return prim

    def method(self, other):
        prim = cache[0] or resolve()
        if reflected:
            self, other = other, self
        if prim.differentiable:
            return apply(prim, (self, other), ())
        return apply_nondiff(prim, (self, other), {})
    method.__name__ = name
    return method


def _unary_operator(op):
    cache = [None]

    def method(self):
        prim = cache[0]
        if prim is None:
            prim = cache[0] = registry.lookup_operator(op)
            if prim is None:
                raise NotSupportedError(f"transgrad has no primitive for the operator {op} yet")
        if prim.differentiable:
            return apply(prim, (self,), ())
        return apply_nondiff(prim, (self,), {})
    return method


def _inplace_operator(op):
    cache = [None]

    def method(self, other):
        prim = cache[0]
        if prim is None:
            prim = cache[0] = registry.lookup_operator(op)
        return apply_inplace(prim, self, (self, other), ())
    return method


def _inplace_method(op):
    cache = [None]

    def method(self, other, *, alpha=None):
        prim = cache[0]
        if prim is None:
            prim = cache[0] = registry.lookup_operator(op)
        if alpha is not None:
            other = other * alpha
        return apply_inplace(prim, self, (self, other), ())
    return method


for _name, _op in (("add", "Add"), ("sub", "Sub"), ("mul", "Mult"), ("truediv", "Div"),
                   ("pow", "Pow"), ("matmul", "MatMult"), ("floordiv", "FloorDiv"),
                   ("mod", "Mod"), ("and", "BitAnd"), ("or", "BitOr"), ("xor", "BitXor")):
    setattr(Tensor, f"__{_name}__", _operator(_op, f"__{_name}__"))
    setattr(Tensor, f"__r{_name}__", _operator(_op, f"__r{_name}__", reflected=True))
    setattr(Tensor, f"__i{_name}__", _inplace_operator(_op))
for _name, _op in (("lt", "Lt"), ("le", "LtE"), ("gt", "Gt"), ("ge", "GtE"), ("eq", "Eq"),
                   ("ne", "NotEq")):
    setattr(Tensor, f"__{_name}__", _operator(_op, f"__{_name}__"))
for _name, _op in (("neg", "USub"), ("invert", "Invert")):
    setattr(Tensor, f"__{_name}__", _unary_operator(_op))
for _name, _op in (("add_", "Add"), ("sub_", "Sub"), ("mul_", "Mult"), ("div_", "Div"),
                   ("pow_", "Pow")):
    setattr(Tensor, _name, _inplace_method(_op))
Tensor.__div__ = Tensor.__truediv__
Tensor.__rdiv__ = Tensor.__rtruediv__
Tensor.__idiv__ = Tensor.__itruediv__
Tensor.__hash__ = lambda self: id(self)


def _pos(self):
    return self


Tensor.__pos__ = _pos


def _abs(self):
    return apply(_prim("abs"), (self,), ())


Tensor.__abs__ = _abs


def _method_of(name, prim_name=None):
    """A method for a unary primitive with no statics (`x.sin()`): on first use it installs
    the engine's bound call for the primitive as the method itself."""
    def method(self):
        call = dispatch.spec_of(_prim(prim_name or name)).call
        for attr, value in list(vars(Tensor).items()):
            if value is method:
                setattr(Tensor, attr, call)
        return call(self)
    method.__name__ = name
    return method


for _name in ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "abs", "neg",
              "square", "reciprocal", "sinh", "cosh", "log1p", "expm1", "log2", "log10", "exp2"):
    setattr(Tensor, _name, _method_of(_name, {"neg": "negative"}.get(_name)))
Tensor.negative = Tensor.neg
Tensor.absolute = Tensor.abs
Tensor.arcsin = Tensor.asin = _method_of("arcsin")
Tensor.arccos = Tensor.acos = _method_of("arccos")
Tensor.arctan = Tensor.atan = _method_of("arctan")



# -- methods of the registry's primitives ----------------------------------------------------------
# Every primitive the registry lists by method name is a Tensor method (`x.sinh()`,
# `x.cumsum(0)`), and every differentiable one has an in-place twin (`x.sinh_()`), installed on
# the class up front rather than by a `__getattr__`: with a `__getattr__`, CPython 3.11 would
# specialise no attribute read of a Tensor (`x._v`, `x._rg`, ...), and the engine reads several
# per operation.

def _registry_method(name, prim):
    public = prim.public

    def method(self, *args, **kwargs):
        return public(self, *args, **kwargs)
    method.__name__ = name
    method.__doc__ = prim.doc
    method._transgrad_registry = True
    return method


def _registry_inplace(name, base):
    def inplace(self, *args, **kwargs):
        inputs, statics = _bind_public(base, (self,) + args, kwargs)
        return apply_inplace(base, self, inputs, statics)
    inplace.__name__ = name
    inplace._transgrad_registry = True
    return inplace


def _installable(name):
    """Whether `name` may be (re)installed from the registry: not a dunder or a slot, and not
    a method the class defines itself."""
    if name.startswith("__") or name in Tensor.__slots__:
        return False
    current = getattr(Tensor, name, None)
    return current is None or getattr(current, "_transgrad_registry", False)


def install_registry_methods():
    """Install (or refresh) the methods of every primitive registered by method name; run at
    import, after the primitive set is registered, and again by whoever registers more."""
    names = [sp[1:-2] for prim in registry.all_primitives(user=True) for sp in prim.spellings
             if sp.startswith(".") and sp.endswith("()")]
    for name in names:
        prim = registry.lookup_method(name)
        if prim is not None and _installable(name):
            setattr(Tensor, name, _registry_method(name, prim))
    for name in names:
        prim = registry.lookup_method(name)
        twin = name + "_"
        if prim is not None and prim.differentiable and not name.startswith("_") \
                and registry.lookup_method(twin) is None and _installable(twin):
            setattr(Tensor, twin, _registry_inplace(twin, prim))


dispatch.Tensor = Tensor
engine.Tensor = Tensor
from . import numpy_protocol as _numpy_protocol   # noqa: E402  (it needs the class)
_UFUNC_CALLS = _numpy_protocol.UFUNC_CALLS
_FUNCTION_CALLS = _numpy_protocol.FUNCTION_CALLS
registry.set_tensor_dispatch(dispatch.dispatch, (Tensor,))
install_registry_methods()
