"""The names rule templates and generated code may call besides NumPy.

Each helper is written with NumPy functions only, so it runs unchanged on arrays, on Python
floats and on Tensors (where NumPy's dispatch protocols route every call to the Tensor engine,
which is how `create_graph=True` differentiates a backward pass). The ones that transform
gradients are registered as primitives too (in `transgrad.rules.adjoint`), so generated code
that calls them can itself be differentiated.
"""
import numpy as np

__all__ = ["prod_others", "unbroadcast", "rebroadcast", "unreduce", "reduced_count", "unindex", "zeros_like_shape",
           "normalize_axis", "matmul_vjp_left", "matmul_vjp_right", "shapes", "invert_permutation",
           "extremum_weights", "tensordot_adjoint", "dot_axes", "index_update", "unconcatenate",
           "unstack", "within", "reduce_loss", "unreduce_loss", "class_weights", "class_axis",
           "inverse_or_zero", "untile"]


def _shape(a):
    return getattr(a, "shape", ())


_ndarray = np.ndarray


def unbroadcast(g, shape):
    """Sum the cotangent `g` down to `shape`, undoing NumPy broadcasting (the identity when the
    shapes already agree, which is the common case and costs one comparison)."""
    gshape = _shape(g)
    if gshape == shape:
        return g[()] if shape == () and type(g) is np.ndarray else g
    extra = len(gshape) - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and gshape[i + extra] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    if extra or _shape(g) != shape:
        g = np.reshape(g, shape)
    # a scalar cotangent is returned as a NumPy scalar, never a 0-d array: generated code
    # accumulates scalar adjoints with `+=`, which would change a shared 0-d array in place
    return g[()] if shape == () and type(g) is np.ndarray else g


def rebroadcast(t, shape):
    """Broadcast a tangent contribution up to the output's `shape` (identity when it agrees)."""
    if _shape(t) == shape:
        return t
    return np.broadcast_to(t, shape)


def normalize_axis(axis, ndim):
    """`axis` (None, int or tuple, negatives allowed) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(a % ndim if ndim else a for a in axis))
    return (axis % ndim if ndim else axis,)


def unreduce(g, shape, axis=None, keepdims=False):
    """Broadcast the cotangent of a reduction over `axis` back to the input's `shape`."""
    if shape == () and _shape(g) == ():
        # not a read-only 0-d view, nor a shared 0-d array: generated code may accumulate
        # scalar adjoints with `+=`
        return g[()] if type(g) is np.ndarray else g
    if (type(g) is _ndarray and not g.ndim or isinstance(g, np.generic)) and g.dtype.kind in "fc":
        # one value (a full reduction's seed): the read-only broadcast view np.broadcast_to
        # would make, made directly (np.broadcast_to's Python layers cost several microseconds)
        return _ndarray(shape, g.dtype, memoryview(g).toreadonly(), 0, (0,) * len(shape))
    if not keepdims and shape != _shape(g):
        axes = normalize_axis(axis, len(shape))
        g = np.reshape(g, tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return np.broadcast_to(g, shape)


def reduced_count(shape, axis=None):
    """How many elements a reduction over `axis` combines into each result (for `mean`)."""
    count = 1
    for i in normalize_axis(axis, len(shape)):
        count *= shape[i]
    return count


def zeros_like_shape(g, shape):
    """Zeros of `shape` with `g`'s dtype (a dense cotangent to scatter into); for a batch of
    cotangents (`compiler/batching.py`, which `tg.jacobian` runs), a batch of zeros."""
    if getattr(type(g), "__batched__", False):
        return np.zeros_like(g, shape=shape)
    return np.zeros(shape, dtype=getattr(g, "dtype", np.float64))


def unindex(g, shape, index):
    """The cotangent of `x[index]` scattered back into an array of `x`'s `shape`; repeated
    integer indices accumulate."""
    out = zeros_like_shape(g, shape)
    np.add.at(out, index, g)
    return out


def matmul_vjp_left(g, x_shape, y):
    """The cotangent of `x` in `x @ y` (1-D, 2-D and batched operands, NumPy's rules)."""
    xn, yn = len(x_shape), np.ndim(y)
    if yn == 1:
        gx = g * y if xn == 1 else np.multiply(np.expand_dims(g, -1), y)
    elif xn == 1:
        gx = np.squeeze(np.matmul(np.expand_dims(g, -2), np.swapaxes(y, -1, -2)), -2)
    else:
        gx = np.matmul(g, np.swapaxes(y, -1, -2))
    return unbroadcast(gx, x_shape)


def matmul_vjp_right(g, x, y_shape):
    """The cotangent of `y` in `x @ y`."""
    xn, yn = np.ndim(x), len(y_shape)
    if xn == 1:
        gy = g * x if yn == 1 else np.multiply(np.expand_dims(x, -1), np.expand_dims(g, -2))
    elif yn == 1:
        gy = np.squeeze(np.matmul(np.swapaxes(x, -1, -2), np.expand_dims(g, -1)), -1)
    else:
        gy = np.matmul(np.swapaxes(x, -1, -2), g)
    return unbroadcast(gy, y_shape)


# -- added with the full primitive set ------------------------------------------------------

def shapes(xs):
    """The shapes of a sequence of arrays (a `sequence` input, or a `multiple_outputs` result)."""
    return tuple(np.shape(x) for x in xs)


def invert_permutation(axes):
    """The axes that undo `np.transpose(x, axes)` (None, the reversal, undoes itself)."""
    if axes is None:
        return None
    inverse = [0] * len(axes)
    for i, a in enumerate(axes):
        inverse[a % len(axes)] = i
    return tuple(inverse)


def extremum_weights(x, y, axis=None, keepdims=False, ties="even"):
    """Where the reduced extremum `y` of `x` sits, as weights in `x`'s dtype summing to one over
    each reduced slice. PyTorch's conventions: `max()`/`amax` share a tie evenly (`ties="even"`),
    `max(dim)` gives it all to the first occurrence (`ties="first"`, for one integer axis).
    A slice whose extremum is NaN matches nowhere and gets NaN weights (0 / 0)."""
    if type(x) is _ndarray and x.dtype.kind in "fc" and (
            type(y) is _ndarray or isinstance(y, np.generic)):
        return _extremum_weights_arrays(x, y, axis, keepdims, ties)
    hit = x == unreduce(y, np.shape(x), axis, keepdims)
    if ties == "first" and isinstance(axis, (int, np.integer)):
        hit = hit & (np.cumsum(hit, axis=axis) == 1)
    weights = np.where(hit, np.ones_like(x), np.zeros_like(x))
    return weights / np.sum(weights, axis=axis, keepdims=True)


def _extremum_weights_arrays(x, y, axis, keepdims, ties):
    """`extremum_weights` for a floating ndarray `x`: the same values, computed with ufuncs
    directly (np.broadcast_to, np.where and np.sum's Python layers cost more than the
    arithmetic on a small array). `y` broadcasts against `x` by itself where it kept its
    reduced axes; otherwise they are put back as length one."""
    if not keepdims and axis is not None and np.ndim(y):
        axes = normalize_axis(axis, x.ndim)
        y = y.reshape(tuple([1 if i in axes else n for i, n in enumerate(x.shape)]))
    hit = np.equal(x, y)
    weights = hit.astype(x.dtype)
    count = np.add.reduce(weights, axis=axis, keepdims=True)
    if ties == "first" and isinstance(axis, (int, np.integer)):
        if np.equal(count, 1).all():
            return weights      # one hit per slice: weights / 1 is weights
        hit &= np.add.accumulate(hit, axis=axis, dtype=np.intp) == 1
        weights = hit.astype(x.dtype)
        count = np.add.reduce(weights, axis=axis, keepdims=True)
    return np.true_divide(weights, count)


def _tensordot_axes(axes, x_ndim, y_ndim):
    if isinstance(axes, (int, np.integer)):
        return list(range(x_ndim - axes, x_ndim)), list(range(axes))
    xa, ya = axes
    xa = [xa] if isinstance(xa, (int, np.integer)) else list(xa)
    ya = [ya] if isinstance(ya, (int, np.integer)) else list(ya)
    return [a % x_ndim for a in xa], [a % y_ndim for a in ya]


def tensordot_adjoint(x_ndim, y_ndim, axes, wrt):
    """`(contract, perm)` such that the cotangent of input `wrt` (0: x, 1: y) of
    `np.tensordot(x, y, axes)` is `np.transpose(np.tensordot(g, y, contract), perm)` (wrt 0)
    or `np.transpose(np.tensordot(x, g, contract), perm)` (wrt 1)."""
    xa, ya = _tensordot_axes(axes, x_ndim, y_ndim)
    x_free = [i for i in range(x_ndim) if i not in xa]
    y_free = [i for i in range(y_ndim) if i not in ya]
    n = len(x_free)
    if wrt == 0:
        contract = (list(range(n, n + len(y_free))), y_free)
        result_axes = x_free + [xa[ya.index(a)] for a in sorted(ya)]
    else:
        contract = (x_free, list(range(n)))
        result_axes = [ya[xa.index(a)] for a in sorted(xa)] + y_free
    perm = tuple(sorted(range(len(result_axes)), key=result_axes.__getitem__))
    return contract, perm


def dot_axes(x_ndim, y_ndim):
    """The `np.tensordot` axes that compute `np.dot(x, y)`: last of x with second-to-last of y."""
    if x_ndim == 0 or y_ndim == 0:
        return 0
    return ([x_ndim - 1], [max(y_ndim - 2, 0)])


def index_update(x, index, v):
    """A copy of `x` with `x[index] = v` (the functional form of an index assignment)."""
    if getattr(type(v), "__batched__", False) and not getattr(type(x), "__batched__", False):
        x = zeros_like_shape(v, np.shape(x)) + x      # a batch to write a batch into
    out = np.copy(x)
    out[index] = v
    return out


def unconcatenate(g, shapes, axis=0):
    """The cotangent of `np.concatenate(xs, axis)` split back into one piece per input shape."""
    pieces, start = [], 0
    for shape in shapes:
        if not len(shape):
            raise ValueError("zero-dimensional arrays cannot be concatenated")
        ax = axis % len(shape)
        stop = start + shape[ax]
        pieces.append(g[(slice(None),) * ax + (slice(start, stop),)])
        start = stop
    return pieces


def unstack(g, axis=0):
    """The cotangent of `np.stack(xs, axis)`: one slice of `g` along `axis` per input."""
    ax = axis % np.ndim(g)
    return [g[(slice(None),) * ax + (i,)] for i in range(np.shape(g)[ax])]


def within(x, low, high):
    """Where `low <= x <= high` (either bound may be None): the positions where a clamp passes
    the gradient, bounds included as in PyTorch."""
    inside = np.ones_like(x, dtype=bool)
    if low is not None:
        inside = inside & (x >= low)
    if high is not None:
        inside = inside & (x <= high)
    return inside


def reduce_loss(loss, reduction):
    """A loss's per-element values reduced as PyTorch's `reduction=` says."""
    if reduction == "mean":
        return np.mean(loss)
    if reduction == "sum":
        return np.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def unreduce_loss(g, shape, reduction, total=None):
    """The cotangent of a reduced loss spread back over its per-element `shape`; `mean` divides by
    `total` (default: the number of elements)."""
    if reduction == "none":
        return g
    if reduction == "mean":
        g = g / (reduced_count(shape) if total is None else total)
    return np.broadcast_to(g, shape)


def class_axis(ndim):
    """The class axis of a classification input: 1 for a batch `(N, C, ...)`, 0 for one `(C,)`."""
    return 1 if ndim > 1 else 0


def class_weights(shape, target, weight=None, ignore_index=-100):
    """An array of a classification input's `shape` holding, at each sample's target class, that
    class's weight (0 where the target is `ignore_index`), and 0 elsewhere: `nll_loss` is
    `-sum(x * class_weights)`, reduced. A constant: it depends on the targets only."""
    target = np.asarray(target)
    axis = class_axis(len(shape))
    n_classes = shape[axis]
    trailing = (1,) * (len(shape) - axis - 1)
    keep = target != ignore_index
    onehot = np.expand_dims(np.where(keep, target, 0), axis) == np.arange(n_classes).reshape((n_classes,) + trailing)
    w = np.ones(n_classes) if weight is None else np.asarray(weight)
    return np.where(onehot & np.expand_dims(keep, axis), np.reshape(w, (n_classes,) + trailing), 0.0)


def inverse_or_zero(y):
    """1 / y, and 0 where y == 0 (PyTorch's convention for the derivatives of norm and std at 0)."""
    zero = y == 0
    return np.where(zero, 0.0, 1 / np.where(zero, 1.0, y))


def prod_others(x, axis=None, keepdims=False):
    """For each element of `x`, the product of the other elements of its reduction group: the
    derivative of `prod(x, axis)`. Without zeros it is `prod / x`; with zeros it is built
    exactly (each group's n x n products with the diagonal left out), so that it stays
    differentiable there too, as second derivatives need."""
    y = np.prod(x, axis=axis, keepdims=True)
    if not np.any(x == 0):
        return y / x
    shape = np.shape(x)
    axes = normalize_axis(axis, len(shape))
    kept = tuple([i for i in range(len(shape)) if i not in axes])
    moved = np.transpose(x, kept + axes)
    groups = np.reshape(moved, (-1, reduced_count(shape, axis)))
    n = np.shape(groups)[1]
    diagonal = np.eye(n, dtype=bool)
    rows = np.where(diagonal, 1.0, np.expand_dims(groups, 1))
    others = np.prod(rows, axis=2)
    others = np.reshape(others, tuple([shape[i] for i in kept + axes]))
    return np.transpose(others, invert_permutation(kept + axes))


def untile(g, shape, reps):
    """Sum the cotangent of `np.tile(x, reps)` over the copies, back to x's `shape`: the
    tiled axis k of length r*s is read as (r copies, s elements) and the copies summed."""
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    n = max(len(shape), len(reps))
    full_shape = (1,) * (n - len(shape)) + tuple(shape)
    full_reps = (1,) * (n - len(reps)) + reps
    pairs = []
    for r, s in zip(full_reps, full_shape):
        pairs += [r, s]
    g = np.sum(np.reshape(g, tuple(pairs)), axis=tuple(range(0, 2 * n, 2)))
    return np.reshape(g, tuple(shape))
