"""The names rule templates and generated code may call besides NumPy.

Each helper is written with NumPy functions only, so it runs unchanged on arrays, on Python
floats and on Tensors (where NumPy's dispatch protocols route every call to the Tensor engine,
which is how `create_graph=True` differentiates a backward pass). The ones that transform
gradients are registered as primitives too (in `transgrad.rules.adjoint`), so generated code
that calls them can itself be differentiated.
"""
import numpy as np

__all__ = ["unbroadcast", "rebroadcast", "unreduce", "reduced_count", "unindex", "zeros_like_shape",
           "normalize_axis", "matmul_vjp_left", "matmul_vjp_right"]


def _shape(a):
    return getattr(a, "shape", ())


def unbroadcast(g, shape):
    """Sum the cotangent `g` down to `shape`, undoing NumPy broadcasting (the identity when the
    shapes already agree, which is the common case and costs one comparison)."""
    gshape = _shape(g)
    if gshape == shape:
        return g
    extra = len(gshape) - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and gshape[i + extra] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    if extra or _shape(g) != shape:
        g = np.reshape(g, shape)
    return g


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
    """Zeros of `shape` with `g`'s dtype (a dense cotangent to scatter into)."""
    return np.zeros(shape, dtype=getattr(g, "dtype", np.float64))


def unindex(g, shape, index):
    """The cotangent of `x[index]` scattered back into an array of `x`'s `shape`; repeated
    integer indices accumulate."""
    out = np.zeros(shape, dtype=getattr(g, "dtype", np.float64))
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
