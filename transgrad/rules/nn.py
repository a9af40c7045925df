"""Neural-network primitives: softmax, log_softmax, softplus, linear and the losses.

Each is one node in PyTorch (`SoftmaxBackward0`, `MseLossBackward0`, ...), so each is one
primitive here, with a small numerically stable implementation. Losses take PyTorch's
`reduction=` ("mean", "sum" or "none"); `weight`/`pos_weight` inputs may be None.
`cross_entropy` is a composite (log_softmax then nll_loss) in `transgrad.nn.functional`.
"""
import numpy as np

from ..helpers import class_axis, class_weights, reduce_loss
from ..registry import primitive
from .linalg import _MATMUL_NAMES, _matmul_name
from .naming import choosing


def _softmax(x, axis=-1):
    """exp(x) / sum(exp(x), axis), shifted by the maximum."""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    """x - log(sum(exp(x), axis)), shifted by the maximum."""
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


def _softplus(x, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold (as PyTorch)."""
    return np.where(x * beta > threshold, x, np.logaddexp(0.0, x * beta) / beta)


def _linear(input, weight, bias):
    """input @ weight.T + bias (bias may be None)."""
    out = np.matmul(input, np.transpose(weight))
    return out if bias is None else out + bias


@choosing("AddmmBackward0", "ViewBackward0", *_MATMUL_NAMES)
def _linear_name(input, weight, bias):
    if bias is None:
        return _matmul_name(input, np.transpose(weight))
    return "AddmmBackward0" if np.ndim(input) == 2 else "ViewBackward0"


def _mse_loss(input, target, reduction="mean"):
    return reduce_loss((input - target) ** 2, reduction)


def _binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction="mean"):
    w = 1.0 if weight is None else weight
    pw = 1.0 if pos_weight is None else pos_weight
    loss = w * (pw * target * np.logaddexp(0.0, -input) + (1 - target) * np.logaddexp(0.0, input))
    return reduce_loss(loss, reduction)


def _binary_cross_entropy(input, target, weight=None, reduction="mean"):
    w = 1.0 if weight is None else weight
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(input), -100.0)
        log_q = np.maximum(np.log1p(-input), -100.0)
    return reduce_loss(-w * (target * log_p + (1 - target) * log_q), reduction)


def _nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    mask = class_weights(np.shape(input), target, weight, ignore_index)
    loss = -np.sum(input * mask, axis=class_axis(np.ndim(input)))
    if reduction == "mean":
        return np.sum(loss) / np.sum(mask)
    return reduce_loss(loss, reduction)


@primitive(_softmax, grad_fn="SoftmaxBackward0", methods=("softmax",))
def softmax(z, x, axis=-1):
    """z = exp(x) / sum(exp(x), axis)"""
    d[x] = z * (d[z] - np.sum(d[z] * z, axis=axis, keepdims=True))
    t[z] = z * (t[x] - np.sum(t[x] * z, axis=axis, keepdims=True))


@primitive(_log_softmax, grad_fn="LogSoftmaxBackward0", methods=("log_softmax",))
def log_softmax(z, x, axis=-1):
    """z = x - log(sum(exp(x), axis))"""
    d[x] = d[z] - np.exp(z) * np.sum(d[z], axis=axis, keepdims=True)
    t[z] = t[x] - np.sum(np.exp(z) * t[x], axis=axis, keepdims=True)


@primitive(_softplus, elementwise=True, grad_fn="SoftplusBackward0", methods=("softplus",))
def softplus(z, x, beta=1.0, threshold=20.0):
    """z = log(1 + exp(beta * x)) / beta, or x where beta * x > threshold"""
    d[x] = d[z] * np.where(x * beta > threshold, 1.0, -np.expm1(-beta * z))


@primitive(_linear, grad_fn=_linear_name)
def linear(z, input, weight, bias):
    """z = input @ weight.T + bias"""
    d[input] = np.matmul(d[z], weight)
    d[weight] = np.matmul(np.transpose(np.reshape(d[z], (-1, np.shape(weight)[0]))),
                          np.reshape(input, (-1, np.shape(weight)[1])))
    d[bias] = unbroadcast(d[z], np.shape(bias))
    t[z] = (np.matmul(t[input], np.transpose(weight)) + np.matmul(input, np.transpose(t[weight]))
            + rebroadcast(t[bias], np.shape(z)))


@primitive(_mse_loss, broadcasting=True, grad_fn="MseLossBackward0")
def mse_loss(z, input, target, reduction="mean"):
    """z = reduce((input - target) ** 2)"""
    g = 2 * (input - target) * unreduce_loss(d[z], np.broadcast_shapes(np.shape(input), np.shape(target)),
                                             reduction)
    d[input] = g
    d[target] = -g
    t[z] = (reduce_loss(2 * (input - target) * t[input], reduction)
            - reduce_loss(2 * (input - target) * t[target], reduction))


@primitive(_binary_cross_entropy_with_logits, grad_fn="BinaryCrossEntropyWithLogitsBackward0")
def binary_cross_entropy_with_logits(z, input, target, weight, pos_weight, reduction="mean"):
    """z = reduce(weight * (pos_weight * target * softplus(-input) + (1 - target) * softplus(input)))"""
    w = 1.0 if weight is None else weight
    pw = 1.0 if pos_weight is None else pos_weight
    p = np.exp(-np.logaddexp(0.0, -input))
    dinput = w * ((1 - target) * p - pw * target * (1 - p))
    dtarget = w * (pw * np.logaddexp(0.0, -input) - np.logaddexp(0.0, input))
    d[input] = unreduce_loss(d[z], np.shape(input), reduction) * dinput
    d[target] = unreduce_loss(d[z], np.shape(input), reduction) * dtarget
    t[z] = reduce_loss(dinput * t[input], reduction) + reduce_loss(dtarget * t[target], reduction)


@primitive(_binary_cross_entropy, grad_fn="BinaryCrossEntropyBackward0")
def binary_cross_entropy(z, input, target, weight, reduction="mean"):
    """z = reduce(-weight * (target * log(input) + (1 - target) * log(1 - input)))
    (as PyTorch: the logs clamped at -100 in z, input * (1 - input) at 1e-12 in d[input])"""
    w = 1.0 if weight is None else weight
    dinput = w * (input - target) / np.maximum(input * (1 - input), 1e-12)
    dtarget = w * (np.log1p(-input) - np.log(input))
    d[input] = unreduce_loss(d[z], np.shape(input), reduction) * dinput
    d[target] = unreduce_loss(d[z], np.shape(input), reduction) * dtarget
    t[z] = reduce_loss(dinput * t[input], reduction) + reduce_loss(dtarget * t[target], reduction)


@choosing("NllLossBackward0", "NllLoss2DBackward0")
def _nll_name(input, target, weight, **statics):
    return "NllLossBackward0" if np.ndim(input) <= 2 else "NllLoss2DBackward0"


@primitive(_nll_loss, linear=True, grad_fn=_nll_name)
def nll_loss(z, input, target, weight, ignore_index=-100, reduction="mean"):
    """z = reduce(-weight[target] * input[target]), the class along axis 1 (axis 0 for one sample)"""
    mask = class_weights(np.shape(input), target, weight, ignore_index)
    per_sample = unreduce_loss(d[z], np.shape(target), reduction, np.sum(mask))
    d[input] = -mask * np.expand_dims(per_sample, class_axis(np.ndim(input)))
