"""`tg.nn.functional`: PyTorch's functional API over the registry's primitives.

Each function is either a primitive's `tg.` function (`relu`, `softmax`, `mse_loss`), a thin
wrapper giving a primitive PyTorch's signature (registered as another spelling of it, so the
compiler and the Tensor engine see the primitive and its `grad_fn` name), or a composite of
primitives written as plain Python (`cross_entropy`), which the compiler differentiates by
transforming its source, as PyTorch composes it from log_softmax and nll_loss.
"""
import inspect

import numpy as np

from .. import registry
from ..compiler.resolve import constant_call
from ..helpers import class_axis

__all__ = ["relu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax", "linear", "mse_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss"]


def _public(name):
    return registry.get(name).public


relu = _public("relu")
sigmoid = _public("sigmoid")
tanh = _public("tanh")
softplus = _public("softplus")
softmax = _public("softmax")          # softmax(x, dim=1) or softmax(x, 1)
log_softmax = _public("log_softmax")
mse_loss = _public("mse_loss")        # mse_loss(input, target, reduction="mean")


def _spelling_of(name):
    """Register the decorated wrapper (PyTorch's signature, parameters named like the
    primitive's inputs and statics) as another spelling of the primitive `name`."""
    prim = registry.get(name)

    def register(fn):
        sig = inspect.signature(fn)

        def binder(args, kwargs):
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            values = bound.arguments
            return (tuple(values[x] for x in prim.inputs),
                    tuple(values.get(s, prim.statics[s]) for s in prim.static_names))
        registry.add_spelling(fn, prim, binder)
        return fn
    return register


_linear = _public("linear")
_nll_loss = _public("nll_loss")
_bce = _public("binary_cross_entropy")
_bce_with_logits = _public("binary_cross_entropy_with_logits")


@_spelling_of("linear")
def linear(input, weight, bias=None):
    """input @ weight.T + bias."""
    return _linear(input, weight, bias)


@_spelling_of("nll_loss")
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """The negative log-likelihood of the `target` classes under log-probabilities `input`."""
    return _nll_loss(input, target, weight, ignore_index=ignore_index, reduction=reduction)


@_spelling_of("binary_cross_entropy")
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross-entropy between probabilities `input` and `target`."""
    return _bce(input, target, weight, reduction=reduction)


@_spelling_of("binary_cross_entropy_with_logits")
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Binary cross-entropy of `sigmoid(input)` against `target`, computed stably from logits."""
    return _bce_with_logits(input, target, weight, pos_weight, reduction=reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits `input` (classes along axis 1) against class indices, or against
    class probabilities shaped like `input`."""
    _check_cross_entropy_options(reduction, label_smoothing)
    axis = class_axis(np.ndim(input))
    log_p = log_softmax(input, axis)
    if np.shape(target) != np.shape(input):
        return nll_loss(log_p, target, weight, ignore_index=ignore_index, reduction=reduction)
    if weight is not None:
        log_p = log_p * np.reshape(weight, (-1,) + (1,) * (np.ndim(input) - axis - 1))
    loss = -np.sum(target * log_p, axis=axis)
    if reduction == "mean":
        return np.mean(loss)
    if reduction == "sum":
        return np.sum(loss)
    return loss


@constant_call
def _check_cross_entropy_options(reduction, label_smoothing):
    """Refuse the options `cross_entropy` does not support (a call the compiler keeps as it is:
    `cross_entropy` itself stays inside the subset it differentiates, which has no `raise`)."""
    if label_smoothing != 0.0:
        raise NotImplementedError("cross_entropy: label_smoothing is not supported; "
                                  "compose it from log_softmax and nll_loss")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
