"""Products: matmul (1-D, 2-D, batched with broadcasting), dot, outer."""
import numpy as np

from ..registry import primitive


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


@primitive(np.matmul, bilinear=True, grad_fn=_matmul_name, operators=("MatMult",), methods=("matmul",))
def matmul(z, x, y):
    """z = x @ y"""
    d[x] = matmul_vjp_left(d[z], np.shape(x), y)
    d[y] = matmul_vjp_right(d[z], x, np.shape(y))
