"""Products: matmul (1-D, 2-D, batched with broadcasting), dot, outer, tensordot.

All are bilinear: each states the reverse rule of either factor and the forward rule
`t[z] = f(t[x], y) + f(x, t[y])` is derived.
"""
import numpy as np

from ..registry import primitive
from .naming import choosing

_MATMUL_NAMES = ("MmBackward0", "MvBackward0", "DotBackward0", "SqueezeBackward4", "UnsafeViewBackward0")


@choosing(*_MATMUL_NAMES)
def _matmul_name(x, y):
    nx, ny = np.ndim(x), np.ndim(y)
    if nx == 2 and ny == 2:
        return "MmBackward0"
    if nx == 2 and ny == 1:
        return "MvBackward0"
    if nx == 1 and ny == 1:
        return "DotBackward0"
    if nx == 1 and ny == 2:
        return "SqueezeBackward4"
    return "UnsafeViewBackward0"


# the name depends on the inputs' ndim alone: the engine caches it by the two ndims
_matmul_name.by_ndim = True


@primitive(np.matmul, bilinear=True, grad_fn=_matmul_name, operators=("MatMult",),
           aliases=("matmul", "mm", "bmm", "mv"), methods=("matmul", "mm", "bmm", "mv"))
def matmul(z, x, y):
    """z = x @ y"""
    # matrices: np.dot, the same BLAS product as `@` without the generalized ufunc's dispatch
    # (about a microsecond less per call at RNN sizes: both paths run these rules)
    d[x] = np.dot(d[z], y.T) if len(np.shape(x)) == 2 and len(np.shape(y)) == 2 else matmul_vjp_left(d[z], np.shape(x), y)
    d[y] = np.dot(x.T, d[z]) if len(np.shape(x)) == 2 and len(np.shape(y)) == 2 else matmul_vjp_right(d[z], x, np.shape(y))


@primitive(np.tensordot, bilinear=True, grad_fn="ViewBackward0")
def tensordot(z, x, y, axes=2):
    """z = sum of x * y over the paired `axes`"""
    left = tensordot_adjoint(np.ndim(x), np.ndim(y), axes, 0)
    right = tensordot_adjoint(np.ndim(x), np.ndim(y), axes, 1)
    d[x] = np.transpose(np.tensordot(d[z], y, left[0]), left[1])
    d[y] = np.transpose(np.tensordot(x, d[z], right[0]), right[1])


@primitive(np.dot, bilinear=True, grad_fn=_matmul_name, methods=("dot",))
def dot(z, x, y):
    """z = sum of x * y over the last axis of x and the second-to-last of y"""
    left = tensordot_adjoint(np.ndim(x), np.ndim(y), dot_axes(np.ndim(x), np.ndim(y)), 0)
    right = tensordot_adjoint(np.ndim(x), np.ndim(y), dot_axes(np.ndim(x), np.ndim(y)), 1)
    d[x] = np.transpose(np.tensordot(d[z], y, left[0]), left[1])
    d[y] = np.transpose(np.tensordot(x, d[z], right[0]), right[1])


@primitive(np.outer, bilinear=True, grad_fn="MulBackward0", aliases=("outer", "ger"), methods=("outer", "ger"))
def outer(z, x, y):
    """z[i, j] = x.ravel()[i] * y.ravel()[j]"""
    d[x] = np.reshape(np.matmul(d[z], np.ravel(y)), np.shape(x))
    d[y] = np.reshape(np.matmul(np.ravel(x), d[z]), np.shape(y))
