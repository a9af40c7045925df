"""`tg.autograd`: backward, grad, custom Functions, gradcheck and the functional API.

`backward` and `grad` check their arguments as PyTorch does (same messages), build the seed
gradients, and hand over to the engine (`transgrad.eager.engine.run_backward`).
"""
import numpy as np

from ..errors import GradientError
from ..eager import engine
from ..eager.dispatch import wrap
from ..eager.dtypes import Size
from ..eager.grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,
                               is_grad_enabled)
from ..eager.tensor import Tensor
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .function import Function, FunctionCtx, once_differentiable
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from . import functional

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "gradcheck",
           "gradgradcheck", "GradcheckError", "functional", "detect_anomaly",
           "set_detect_anomaly", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled"]


def _as_tuple(v):
    if v is None:
        return None
    if isinstance(v, Tensor):
        return (v,)
    return tuple(v)


def _make_seeds(outputs, grad_outputs, graph):
    """One seed per output: ones for scalars, else the given gradient (same shape required)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif len(grad_outputs) != len(outputs):
        raise GradientError(f"grad requires one gradient per output: got {len(grad_outputs)} "
                            f"gradients for {len(outputs)} outputs")
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        data = out._data
        if g is None:
            if out._rg and data.size != 1:
                raise GradientError("grad can be implicitly created only for scalar outputs")
            # (a 0-d output's seed made in C: np.ones_like's Python layers cost microseconds)
            s = np.array(1, dtype=data.dtype) if not data.ndim else np.ones_like(data)
            seeds.append(wrap(s) if graph else s)
            continue
        gt = g if isinstance(g, Tensor) else wrap(np.asarray(g))
        if gt._data.shape != data.shape:
            raise GradientError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                f"{Size(gt._data.shape)} and output[{i}] has a shape of "
                                f"{Size(data.shape)}.")
        if graph:
            if gt._data.dtype != data.dtype:
                gt = gt.to(data.dtype)
            seeds.append(gt)
        else:
            gd = gt._data
            seeds.append(gd if gd.dtype == data.dtype else gd.astype(data.dtype))
    for i, out in enumerate(outputs):
        if not out._rg:
            raise GradientError(f"element {i} of tensors does not require grad and does not "
                                "have a grad_fn")
    return seeds


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None, _from_method=False):
    """Accumulate the gradients of `tensors` (weighted by `grad_tensors`) into the leaves'
    `.grad` (only into `inputs`' when given)."""
    tensors = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    seeds = _make_seeds(tensors, _as_tuple(grad_tensors), create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    targets = None
    if inputs is not None:
        targets = list(_as_tuple(inputs))
        if not targets:
            raise GradientError("'inputs' argument to backward() cannot be empty.")
    if create_graph and targets is None:
        engine.warn_create_graph()
    captured = engine.run_backward(tensors, seeds, retain_graph, create_graph, targets,
                                   accumulate=True)
    if targets is not None:
        for t, g in zip(targets, captured):
            if g is not None and t._grad_fn is not None:
                value = g if create_graph else wrap(np.array(g, dtype=t._data.dtype))
                t._grad = value if t._grad is None else t._grad + value


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, as a tuple; `.grad` is not touched."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if is_grads_batched:
        from ..errors import NotSupportedError
        raise NotSupportedError("is_grads_batched=True is not supported by transgrad")
    seeds = _make_seeds(outputs, _as_tuple(grad_outputs), create_graph)
    for t in inputs:
        if not t._rg:
            raise GradientError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    captured = engine.run_backward(outputs, seeds, retain_graph, create_graph, list(inputs),
                                   accumulate=False)
    result = []
    for i, (t, g) in enumerate(zip(inputs, captured)):
        if g is None:
            if materialize_grads:
                result.append(wrap(np.zeros_like(t._data)))
                continue
            if not allow_unused:
                raise GradientError(f"The differentiated Tensor at index {i} appears to not have "
                                    "been used in the graph. Set allow_unused=True if this is "
                                    "the desired behavior.")
            result.append(None)
        elif create_graph:
            g = g if isinstance(g, Tensor) else wrap(np.asarray(g))
            result.append(g if g._data.dtype == t._data.dtype else g.to(t._data.dtype))
        else:
            result.append(wrap(np.array(g, dtype=t._data.dtype)))
    return tuple(result)
