"""Reductions over `axis` (None, an int or a tuple) with `keepdims`.

Ties follow PyTorch: `max()`/`min()` over everything and `amax`/`amin` share the gradient evenly
among equal extrema; `max`/`min` along one axis give it to the first occurrence. `prod` is exact
where `x` has zeros; `std` and `norm` have derivative 0 where they are 0.
"""
import numpy as np

from ..registry import primitive
from .naming import choosing


def _by_axis(full, along):
    """A grad_fn name chooser: PyTorch names full reductions and `dim=` reductions apart."""
    @choosing(full, along)
    def name(x, axis=None, **statics):
        return full if axis is None else along
    return name


@primitive(np.sum, linear=True, grad_fn=_by_axis("SumBackward0", "SumBackward1"), methods=("sum",))
def sum_(y, x, axis=None, keepdims=False):
    """y = x.sum(axis, keepdims)"""
    d[x] = unreduce(d[y], np.shape(x), axis, keepdims)


@primitive(np.mean, linear=True, grad_fn=_by_axis("MeanBackward0", "MeanBackward1"), methods=("mean",))
def mean(y, x, axis=None, keepdims=False):
    """y = x.mean(axis, keepdims)"""
    d[x] = unreduce(d[y], np.shape(x), axis, keepdims) / reduced_count(np.shape(x), axis)


@primitive(np.prod, grad_fn=_by_axis("ProdBackward0", "ProdBackward1"), methods=("prod",))
def prod(y, x, axis=None, keepdims=False):
    """y = x.prod(axis, keepdims)"""
    # dy/dx_i is the product of the other elements: y / x_i, built exactly where x has zeros.
    others = prod_others(x, axis, keepdims)
    d[x] = unreduce(d[y], np.shape(x), axis, keepdims) * others
    t[y] = np.sum(t[x] * others, axis=axis, keepdims=keepdims)


@primitive(np.max, grad_fn=_by_axis("MaxBackward1", "MaxBackward0"), methods=("max",))
def max_(y, x, axis=None, keepdims=False):
    """y = x.max(axis, keepdims)"""
    w = extremum_weights(x, y, axis, keepdims, "first")
    d[x] = unreduce(d[y], np.shape(x), axis, keepdims) * w
    t[y] = np.sum(t[x] * w, axis=axis, keepdims=keepdims)


@primitive(np.min, grad_fn=_by_axis("MinBackward1", "MinBackward0"), methods=("min",))
def min_(y, x, axis=None, keepdims=False):
    """y = x.min(axis, keepdims)"""
    w = extremum_weights(x, y, axis, keepdims, "first")
    d[x] = unreduce(d[y], np.shape(x), axis, keepdims) * w
    t[y] = np.sum(t[x] * w, axis=axis, keepdims=keepdims)


@primitive(np.amax, grad_fn="AmaxBackward0", methods=("amax",))
def amax(y, x, axis=None, keepdims=False):
    """y = x.amax(axis, keepdims)"""
    w = extremum_weights(x, y, axis, keepdims, "even")
    d[x] = unreduce(d[y], np.shape(x), axis, keepdims) * w
    t[y] = np.sum(t[x] * w, axis=axis, keepdims=keepdims)


@primitive(np.amin, grad_fn="AminBackward0", methods=("amin",))
def amin(y, x, axis=None, keepdims=False):
    """y = x.amin(axis, keepdims)"""
    w = extremum_weights(x, y, axis, keepdims, "even")
    d[x] = unreduce(d[y], np.shape(x), axis, keepdims) * w
    t[y] = np.sum(t[x] * w, axis=axis, keepdims=keepdims)


@primitive(np.var, grad_fn="VarBackward0", methods=("var",))
def var(y, x, axis=None, ddof=0, keepdims=False):
    """y = sum((x - x.mean(axis)) ** 2, axis) / (n - ddof)"""
    centred = x - np.mean(x, axis=axis, keepdims=True)
    scale = 2 / (reduced_count(np.shape(x), axis) - ddof)
    d[x] = unreduce(d[y], np.shape(x), axis, keepdims) * centred * scale
    t[y] = np.sum(t[x] * centred, axis=axis, keepdims=keepdims) * scale


@primitive(np.std, grad_fn="StdBackward0", methods=("std",))
def std(y, x, axis=None, ddof=0, keepdims=False):
    """y = sqrt(x.var(axis, ddof))"""
    centred = x - np.mean(x, axis=axis, keepdims=True)
    scale = unreduce(inverse_or_zero(y), np.shape(x), axis, keepdims) / (reduced_count(np.shape(x), axis) - ddof)
    d[x] = unreduce(d[y], np.shape(x), axis, keepdims) * centred * scale
    t[y] = np.sum(t[x] * centred * scale, axis=axis, keepdims=keepdims)


def _logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x), axis)), shifted by the maximum so that it neither overflows nor underflows."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    s = np.sum(np.exp(x - m), axis=axis, keepdims=keepdims)
    return np.log(s) + (m if keepdims else np.sum(m, axis=axis))


@primitive(_logsumexp, grad_fn="LogsumexpBackward0", methods=("logsumexp",))
def logsumexp(y, x, axis=None, keepdims=False):
    """y = log(sum(exp(x), axis, keepdims))"""
    p = np.exp(x - unreduce(y, np.shape(x), axis, keepdims))
    d[x] = unreduce(d[y], np.shape(x), axis, keepdims) * p
    t[y] = np.sum(t[x] * p, axis=axis, keepdims=keepdims)


def _vector_norm(x, axis=None, keepdims=False):
    """The Euclidean norm of x over `axis` (of all of x when None), as `torch.linalg.vector_norm`."""
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))


@primitive(_vector_norm, grad_fn="LinalgVectorNormBackward0", aliases=("norm", "vector_norm"),
           methods=("norm",))
def norm(y, x, axis=None, keepdims=False):
    """y = sqrt(sum(x ** 2, axis, keepdims))"""
    r = unreduce(inverse_or_zero(y), np.shape(x), axis, keepdims) * x
    d[x] = unreduce(d[y], np.shape(x), axis, keepdims) * r
    t[y] = np.sum(t[x] * r, axis=axis, keepdims=keepdims)


@primitive(np.cumsum, linear=True, grad_fn="CumsumBackward0", methods=("cumsum",))
def cumsum(y, x, axis=None):
    """y = running sum of x along axis (of x flattened when axis is None)"""
    d[x] = np.reshape(np.flip(np.cumsum(np.flip(d[y], axis), axis), axis), np.shape(x))
