"""A batch of tangents or cotangents run through generated code in one pass.

`tg.jacobian` and `tg.hessian` need the derivative code applied to every basis vector. The
generated forward code (and backward code) is linear in its seeds, and is written with NumPy
calls only, so it can take a *batch* of seeds at once: a `Batch` holds an array whose leading
axis runs over the seeds and answers every shape question (`.shape`, `np.shape`, `np.ndim`)
with the shape of ONE seed. NumPy's dispatch protocols (`__array_ufunc__`,
`__array_function__`) send each call on a `Batch` here, where its batching fact applies:

- ufuncs (elementwise, broadcasting): a batched operand of lower rank than the result gets
  ones inserted after the batch axis, so NumPy's right-aligned broadcasting never pairs the
  batch axis with a data axis;
- reductions and axis-taking functions (`np.sum`, `np.cumsum`, `np.transpose`, `np.stack`,
  ...): their axes are moved past the batch axis (`None`, "every axis", becomes every axis
  but the batch axis);
- `np.matmul`, `np.dot`, `np.tensordot`, `np.outer`, indexing and index assignment: the
  batch axis is kept out of the contraction or index.

Nothing is guessed: a NumPy function, ufunc method, attribute or conversion without a
batching fact here raises `NotBatchable`, and the caller (`jacobians.py`) falls back to one
pass per seed. These facts are about NumPy functions, not derivatives: no derivative rule is
restated here (the rules the generated code runs still come from the registry).
"""
import numbers

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

__all__ = ["Batch", "NotBatchable", "unbatch"]


class NotBatchable(Exception):
    """Generated code did something with a batch of seeds that has no batching fact."""


def _rank(v):
    return v.data.ndim - 1 if isinstance(v, Batch) else np.ndim(v)


def _lift(data, rank):
    """Batched data with ones inserted after the batch axis up to `rank` unbatched axes."""
    missing = rank - (data.ndim - 1)
    if missing <= 0:
        return data
    return data.reshape(data.shape[:1] + (1,) * missing + data.shape[1:])


def _aligned(values):
    """The operands of an elementwise (broadcasting) call: each batch's data lifted to the
    highest rank among them, other values (None included) as they are."""
    rank = max(_rank(v) for v in values if v is not None)
    return [_lift(v.data, rank) if isinstance(v, Batch) else v for v in values]


def _full(v, b):
    """The batched data of v: a Batch's own, or v repeated (as a view) along a batch axis."""
    if isinstance(v, Batch):
        return v.data
    v = np.asarray(v)
    return np.broadcast_to(v, (b,) + v.shape)


def _axis(axis, rank):
    """A data axis of the unbatched value as an axis of the batched data."""
    if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
        raise NotBatchable(f"axis {axis!r}")
    if not -rank <= axis < max(rank, 1):
        raise NotBatchable(f"axis {axis} out of range for rank {rank}")
    return axis % rank + 1 if rank else 1


def _axes(axis, rank):
    """`axis` (None = every axis, an int or a tuple) as axes of the batched data."""
    if axis is None:
        return tuple(range(1, rank + 1))
    if isinstance(axis, (tuple, list)):
        return tuple(_axis(a, rank) for a in axis)
    return _axis(axis, rank)


def _index_items(index):
    """The unbatched index as a tuple, refused where a batch axis in front would move
    NumPy's advanced-index dimensions (advanced indices not next to each other)."""
    items = index if isinstance(index, tuple) else (index,)
    kinds = []
    for item in items:
        if isinstance(item, Batch):
            raise NotBatchable("an index that is itself batched")
        if item is None or item is Ellipsis or isinstance(item, slice):
            kinds.append("basic")
        elif isinstance(item, (numbers.Integral, np.integer)) and not isinstance(item, bool):
            kinds.append("int")
        elif isinstance(item, (list, np.ndarray)):
            kinds.append("array")
        else:
            raise NotBatchable(f"index {item!r}")
    if "array" in kinds:
        advanced = [i for i, k in enumerate(kinds) if k != "basic"]
        if advanced[-1] - advanced[0] + 1 != len(advanced):
            raise NotBatchable("advanced indices separated by a slice")
    return (slice(None),) + items


def _indexed_rank(shape, index):
    """The rank of `x[index]` for an unbatched x of `shape` (without copying data)."""
    return np.broadcast_to(np.empty((), dtype=bool), shape)[index].ndim


class Batch(NDArrayOperatorsMixin):
    """A batch of values of one shape: `data[k]` is the k-th (see the module docstring)."""

    __slots__ = ("data",)
    __batched__ = True

    def __init__(self, data):
        self.data = data

    # -- what one value of the batch looks like
    @property
    def shape(self):
        return self.data.shape[1:]

    @property
    def ndim(self):
        return self.data.ndim - 1

    @property
    def size(self):
        return int(np.prod(self.data.shape[1:]))

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def T(self):
        return np.transpose(self)

    def __repr__(self):
        return f"Batch({self.data.shape[0]} x {self.shape}, {self.dtype})"

    # -- conversions that would lose the batch axis
    def __array__(self, dtype=None, copy=None):
        raise NotBatchable("conversion to one array")

    def _refuse(self, *args, **kwargs):
        raise NotBatchable("conversion to a Python value")

    __bool__ = __float__ = __int__ = __index__ = __complex__ = _refuse

    def __len__(self):
        if self.data.ndim < 2:
            raise NotBatchable("len() of a batch of scalars")
        return self.data.shape[1]

    def __iter__(self):
        """The rows of every value of the batch, as batches (a list's cotangent may arrive
        stacked)."""
        return (Batch(self.data[:, i]) for i in range(len(self)))

    # -- methods, as the NumPy functions they are
    def reshape(self, *shape, order="C"):
        return np.reshape(self, shape[0] if len(shape) == 1 else shape, order=order)

    def transpose(self, *axes):
        return np.transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def sum(self, axis=None, dtype=None, keepdims=False):
        return np.sum(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, keepdims=False):
        return np.mean(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def ravel(self):
        return np.ravel(self)

    flatten = ravel

    def copy(self):
        return Batch(self.data.copy())

    def astype(self, dtype, copy=True):
        return Batch(self.data.astype(dtype, copy=copy))

    def squeeze(self, axis=None):
        return np.squeeze(self, axis)

    def swapaxes(self, a, b):
        return np.swapaxes(self, a, b)

    def conj(self):
        return np.conjugate(self)

    def __getattr__(self, name):
        if name.startswith("__"):       # protocol probes (NumPy's, copy's): not there
            raise AttributeError(name)
        raise NotBatchable(f"attribute {name!r}")

    # -- indexing
    def __getitem__(self, index):
        return Batch(self.data[_index_items(index)])

    def __setitem__(self, index, value):
        items = _index_items(index)
        if isinstance(value, Batch):
            value = _lift(value.data, _indexed_rank(self.shape, index))
        self.data[items] = value

    # -- NumPy's protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc is np.matmul and method == "__call__" and not kwargs:
            return _matmul(*inputs)
        if ufunc.signature is not None or kwargs.get("out") is not None or "where" in kwargs:
            raise NotBatchable(f"np.{ufunc.__name__}.{method} with these arguments")
        if method == "__call__":
            result = ufunc(*_aligned(inputs), **kwargs)
            if isinstance(result, tuple):
                return tuple(Batch(r) for r in result)
            return Batch(result)
        if method == "at" and isinstance(inputs[0], Batch):
            target, index = inputs[0], inputs[1]
            items = _index_items(index)
            rest = list(inputs[2:])
            if rest and isinstance(rest[0], Batch):
                rest[0] = _lift(rest[0].data, _indexed_rank(target.shape, index))
            ufunc.at(target.data, items, *rest)
            return None
        raise NotBatchable(f"np.{ufunc.__name__}.{method}")

    def __array_function__(self, func, types, args, kwargs):
        rule = _FUNCTIONS.get(func)
        if rule is None:
            raise NotBatchable(f"np.{getattr(func, '__name__', func)}")
        return rule(*args, **kwargs)


def unbatch(value, size):
    """The batched data of a result (a leading axis of `size`), for any result: a Batch, or
    a value the seeds did not reach (the same for every seed, repeated)."""
    if isinstance(value, Batch):
        return value.data
    v = np.asarray(value, dtype=float) if value is not None else np.zeros(())
    return np.broadcast_to(v, (size,) + v.shape)


# -- batching facts, by NumPy function -----------------------------------------------------

_FUNCTIONS = {}


def _fact(*funcs):
    def register(rule):
        for f in funcs:
            _FUNCTIONS[f] = rule
        return rule
    return register


def _only_batch(a, what):
    if not isinstance(a, Batch):
        raise NotBatchable(f"{what} with a batch in an unexpected argument")
    return a


@_fact(np.shape)
def _shape(a):
    return a.shape


@_fact(np.ndim)
def _ndim(a):
    return a.ndim


@_fact(np.size)
def _size(a, axis=None):
    return a.size if axis is None else a.shape[axis]


@_fact(np.result_type)
def _result_type(*values):
    return np.result_type(*(v.dtype if isinstance(v, Batch) else v for v in values))


def _make_like(maker):
    def rule(a, dtype=None, order="K", subok=True, shape=None):
        a = _only_batch(a, maker.__name__)
        shape = a.shape if shape is None else (tuple(shape) if isinstance(shape, (tuple, list))
                                               else (shape,))
        # a batch of its own (the same for every seed), so that it can be written into
        return Batch(maker((a.data.shape[0],) + shape, dtype=dtype or a.dtype))
    return rule


_FUNCTIONS[np.zeros_like] = _make_like(np.zeros)
_FUNCTIONS[np.ones_like] = _make_like(np.ones)


def _make_reduction(func):
    def rule(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        a = _only_batch(a, func.__name__)
        if out is not None or "where" in kwargs:
            raise NotBatchable(f"np.{func.__name__} with out= or where=")
        if dtype is not None:
            kwargs["dtype"] = dtype
        return Batch(func(a.data, axis=_axes(axis, a.ndim), keepdims=keepdims, **kwargs))
    return rule


def _make_reduction_nodtype(func):
    def rule(a, axis=None, out=None, keepdims=False, **kwargs):
        a = _only_batch(a, func.__name__)
        if out is not None or "where" in kwargs or "initial" in kwargs:
            raise NotBatchable(f"np.{func.__name__} with out=, where= or initial=")
        return Batch(func(a.data, axis=_axes(axis, a.ndim), keepdims=keepdims))
    return rule


def _make_spread(func):
    def rule(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
        a = _only_batch(a, func.__name__)
        if out is not None or kwargs:
            raise NotBatchable(f"np.{func.__name__} with {sorted(kwargs) or 'out='}")
        return Batch(func(a.data, axis=_axes(axis, a.ndim), dtype=dtype, ddof=ddof,
                          keepdims=keepdims))
    return rule


for _f in (np.sum, np.mean, np.prod, np.nansum):
    _FUNCTIONS[_f] = _make_reduction(_f)
for _f in (np.max, np.min, np.amax, np.amin, np.any, np.all):
    _FUNCTIONS[_f] = _make_reduction_nodtype(_f)
for _f in (np.var, np.std):
    _FUNCTIONS[_f] = _make_spread(_f)


def _make_scan(func):
    def rule(a, axis=None, dtype=None, out=None):
        a = _only_batch(a, func.__name__)
        if out is not None:
            raise NotBatchable(f"np.{func.__name__} with out=")
        data = a.data
        if axis is None:
            data, axis_b = data.reshape(data.shape[0], -1), 1
        else:
            axis_b = _axis(axis, a.ndim)
        return Batch(func(data, axis=axis_b, dtype=dtype))
    return rule


for _f in (np.cumsum, np.cumprod):
    _FUNCTIONS[_f] = _make_scan(_f)


@_fact(np.reshape)
def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    a = _only_batch(a, "np.reshape")
    shape = newshape if shape is None else shape
    if order != "C":
        raise NotBatchable("np.reshape with order other than 'C'")
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    return Batch(a.data.reshape(a.data.shape[:1] + shape))


@_fact(np.ravel)
def _ravel(a, order="C"):
    a = _only_batch(a, "np.ravel")
    if order != "C":
        raise NotBatchable("np.ravel with order other than 'C'")
    return Batch(a.data.reshape(a.data.shape[0], -1))


@_fact(np.transpose)
def _transpose(a, axes=None):
    a = _only_batch(a, "np.transpose")
    if axes is None:
        axes = tuple(range(a.ndim - 1, -1, -1))
    return Batch(np.transpose(a.data, (0,) + tuple(_axis(x, a.ndim) for x in axes)))


@_fact(np.swapaxes)
def _swapaxes(a, axis1, axis2):
    a = _only_batch(a, "np.swapaxes")
    return Batch(np.swapaxes(a.data, _axis(axis1, a.ndim), _axis(axis2, a.ndim)))


@_fact(np.moveaxis)
def _moveaxis(a, source, destination):
    a = _only_batch(a, "np.moveaxis")
    return Batch(np.moveaxis(a.data, _axes(source, a.ndim), _axes(destination, a.ndim)))


@_fact(np.squeeze)
def _squeeze(a, axis=None):
    a = _only_batch(a, "np.squeeze")
    if axis is None:
        axis = tuple(i for i, n in enumerate(a.shape) if n == 1)
    return Batch(np.squeeze(a.data, _axes(axis, a.ndim)))


@_fact(np.expand_dims)
def _expand_dims(a, axis):
    a = _only_batch(a, "np.expand_dims")
    count = len(axis) if isinstance(axis, (tuple, list)) else 1
    return Batch(np.expand_dims(a.data, _axes(axis, a.ndim + count)))


@_fact(np.broadcast_to)
def _broadcast_to(a, shape, subok=False):
    a = _only_batch(a, "np.broadcast_to")
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    return Batch(np.broadcast_to(_lift(a.data, len(shape)), a.data.shape[:1] + shape))


@_fact(np.tile)
def _tile(a, reps):
    a = _only_batch(a, "np.tile")
    reps = tuple(reps) if isinstance(reps, (tuple, list)) else (reps,)
    rank = max(len(reps), a.ndim)
    reps = (1,) * (rank - len(reps)) + reps
    return Batch(np.tile(_lift(a.data, rank), (1,) + reps))


@_fact(np.flip)
def _flip(a, axis=None):
    a = _only_batch(a, "np.flip")
    return Batch(np.flip(a.data, _axes(axis, a.ndim)))


@_fact(np.copy)
def _copy(a, order="K", subok=False):
    return Batch(_only_batch(a, "np.copy").data.copy())


@_fact(np.conjugate)
def _conjugate(a):
    return Batch(np.conjugate(a.data))


def _batch_size(values):
    sizes = {v.data.shape[0] for v in values if isinstance(v, Batch)}
    if len(sizes) != 1:
        raise NotBatchable("batches of different sizes")
    return sizes.pop()


def _joined(func, arrays, out, kwargs):
    """The arrays of a join (`np.concatenate`, `np.stack`) as batched data of one batch size
    (values the seeds do not reach repeated along the batch axis, as views)."""
    arrays = list(arrays)
    if out is not None or kwargs:
        raise NotBatchable(f"np.{func.__name__} with out=, dtype= or casting=")
    b = _batch_size(arrays)
    return [_full(a, b) for a in arrays], _rank(arrays[0]), b


@_fact(np.concatenate)
def _concatenate(arrays, axis=0, out=None, **kwargs):
    data, rank, b = _joined(np.concatenate, arrays, out, kwargs)
    if axis is None:
        return Batch(np.concatenate([d.reshape(b, -1) for d in data], axis=1))
    return Batch(np.concatenate(data, axis=_axis(axis, rank)))


@_fact(np.stack)
def _stack(arrays, axis=0, out=None, **kwargs):
    data, rank, _ = _joined(np.stack, arrays, out, kwargs)
    return Batch(np.stack(data, axis=_axis(axis, rank + 1)))


def _make_split(func):
    def rule(a, indices_or_sections, axis=0):
        a = _only_batch(a, func.__name__)
        return [Batch(p) for p in func(a.data, indices_or_sections, axis=_axis(axis, a.ndim))]
    return rule


for _f in (np.split, np.array_split):
    _FUNCTIONS[_f] = _make_split(_f)


@_fact(np.where)
def _where(condition, x, y):
    return Batch(np.where(*_aligned((condition, x, y))))


@_fact(np.clip)
def _clip(a, a_min=None, a_max=None, out=None, **kwargs):
    if out is not None or kwargs:
        raise NotBatchable("np.clip with out= or other keywords")
    return Batch(np.clip(*_aligned((a, a_min, a_max))))


# -- products -------------------------------------------------------------------------------

def _matmul(a, b):
    """`a @ b` with a batch on one side (both batched only with the same rank >= 2)."""
    ra, rb = _rank(a), _rank(b)
    if ra == 0 or rb == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    if isinstance(a, Batch) and isinstance(b, Batch):
        if ra < 2 or rb < 2:
            raise NotBatchable("a product of two batches of vectors")
        rank = max(ra, rb)
        return Batch(np.matmul(_lift(a.data, rank), _lift(b.data, rank)))
    if isinstance(a, Batch):
        if ra == 1:
            if rb <= 2:                       # (B, k) @ (k,) or (k, m): rows of a matrix
                return Batch(np.matmul(a.data, b))
            data = np.matmul(_lift(a.data[..., None, :], rb), b)   # (B, ..., 1, m)
            return Batch(data[..., 0, :])
        return Batch(np.matmul(_lift(a.data, max(ra, rb)), b))
    # b is the batch
    if rb == 1:                               # a @ v for each v: (a @ V.T) moved to the front
        return Batch(np.moveaxis(np.matmul(a, b.data.T), -1, 0))
    return Batch(np.matmul(a, _lift(b.data, max(ra, rb))))


@_fact(np.matmul)
def _matmul_function(a, b, out=None, **kwargs):
    if out is not None or kwargs:
        raise NotBatchable("np.matmul with out= or other keywords")
    return _matmul(a, b)


@_fact(np.dot)
def _dot(a, b, out=None):
    if out is not None:
        raise NotBatchable("np.dot with out=")
    ra, rb = _rank(a), _rank(b)
    if ra == 0 or rb == 0:
        return np.multiply(a, b)
    if ra > 2 or rb > 2:    # the last axis of a with the second-to-last of b
        return _tensordot(a, b, axes=([ra - 1], [max(rb - 2, 0)]))
    return _matmul(a, b)


@_fact(np.outer)
def _outer(a, b, out=None):
    if out is not None:
        raise NotBatchable("np.outer with out=")
    a, b = np.ravel(a), np.ravel(b)
    return np.multiply(np.expand_dims(a, 1), np.expand_dims(b, 0))


@_fact(np.tensordot)
def _tensordot(a, b, axes=2):
    if isinstance(a, Batch) and isinstance(b, Batch):
        raise NotBatchable("np.tensordot of two batches")
    ra, rb = _rank(a), _rank(b)
    if isinstance(axes, numbers.Integral):
        xa, ya = list(range(ra - axes, ra)), list(range(axes))
    else:
        xa, ya = axes
        xa = [xa] if isinstance(xa, numbers.Integral) else list(xa)
        ya = [ya] if isinstance(ya, numbers.Integral) else list(ya)
    xa = [x % ra for x in xa]
    ya = [y % rb for y in ya]
    if isinstance(a, Batch):
        return Batch(np.tensordot(a.data, b, axes=([x + 1 for x in xa], ya)))
    # b is the batch: move its batch axis last, contract, bring it back to the front
    data = np.tensordot(a, np.moveaxis(b.data, 0, -1), axes=(xa, ya))
    return Batch(np.moveaxis(data, -1, 0))

