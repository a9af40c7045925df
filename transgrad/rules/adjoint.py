"""The helpers that transform cotangents, registered as primitives.

Rules call them (`unbroadcast`, `unreduce`, `unindex`, ...), so generated backward code does
too; as primitives with rules of their own, that code can be differentiated again (higher
order) by both paths. `unindex` scatters with `np.add.at`, which no array library can dispatch,
so rules call it through its primitive (`route_helper`): on Tensors it is one recorded node.
"""
import numpy as np

from .. import helpers
from ..registry import primitive, route_helper


@primitive(helpers.unbroadcast, linear=True, grad_fn="SumBackward1")
def unbroadcast(out, grad, shape):
    """out = grad summed down to shape"""
    d[grad] = rebroadcast(d[out], np.shape(grad))


@primitive(helpers.rebroadcast, linear=True, grad_fn="ExpandBackward0")
def rebroadcast(out, tangent, shape):
    """out = tangent broadcast up to shape"""
    d[tangent] = unbroadcast(d[out], np.shape(tangent))


@primitive(helpers.unreduce, linear=True, grad_fn="ExpandBackward0")
def unreduce(out, grad, shape, axis=None, keepdims=False):
    """out = grad (reduced over axis) broadcast back to shape"""
    d[grad] = np.reshape(np.sum(d[out], axis=axis, keepdims=keepdims), np.shape(grad))


@primitive(helpers.unindex, linear=True, grad_fn="IndexPutBackward0")
def unindex(out, grad, shape, index):
    """out = zeros(shape) with grad added at index"""
    d[grad] = d[out][index]


@primitive(helpers.matmul_vjp_left, bilinear=True, grad_fn="MmBackward0")
def matmul_vjp_left(out, grad, x_shape, y):
    """out = the cotangent of x in x @ y, for the cotangent grad of the product"""
    d[grad] = np.matmul(d[out], y)
    d[y] = matmul_vjp_right(grad, d[out], np.shape(y))


@primitive(helpers.matmul_vjp_right, bilinear=True, grad_fn="MmBackward0")
def matmul_vjp_right(out, grad, x, y_shape):
    """out = the cotangent of y in x @ y, for the cotangent grad of the product"""
    d[grad] = np.matmul(x, d[out])
    d[x] = matmul_vjp_left(grad, np.shape(x), d[out])


@primitive(helpers.unconcatenate, linear=True, multiple_outputs=True, grad_fn="SplitWithSizesBackward0")
def unconcatenate(outs, grad, pieces, axis=0):
    """outs = grad cut along axis into pieces of the given shapes"""
    d[grad] = np.concatenate(d[outs], axis=axis)


@primitive(helpers.unstack, linear=True, multiple_outputs=True, grad_fn="UnbindBackward0")
def unstack(outs, grad, axis=0):
    """outs = the slices of grad along axis"""
    d[grad] = np.stack(d[outs], axis=axis)


route_helper(unindex)
