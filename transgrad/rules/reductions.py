"""Reductions over `axis` (None, an int or a tuple) with `keepdims`."""
import numpy as np

from ..registry import primitive


def _sum_name(x, axis=None, keepdims=False):
    return "SumBackward0" if axis is None else "SumBackward1"


@primitive(np.sum, linear=True, grad_fn=_sum_name, methods=("sum",))
def sum_(y, x, axis=None, keepdims=False):
    """y = x.sum(axis, keepdims)"""
    d[x] = unreduce(d[y], np.shape(x), axis, keepdims)


@primitive(np.mean, linear=True, grad_fn=lambda x, axis=None, keepdims=False:
           "MeanBackward0" if axis is None else "MeanBackward1", methods=("mean",))
def mean(y, x, axis=None, keepdims=False):
    """y = x.mean(axis, keepdims)"""
    d[x] = unreduce(d[y], np.shape(x), axis, keepdims) / reduced_count(np.shape(x), axis)


@primitive(np.logaddexp.reduce, grad_fn="LogsumexpBackward0", aliases=("logsumexp",),
           methods=("logsumexp",), name="logsumexp")
def logsumexp(y, x, axis=None, keepdims=False):
    """y = log(sum(exp(x), axis, keepdims))"""
    p = np.exp(x - unreduce(y, np.shape(x), axis, keepdims))
    d[x] = unreduce(d[y], np.shape(x), axis, keepdims) * p
    t[y] = np.sum(t[x] * p, axis=axis, keepdims=keepdims)
