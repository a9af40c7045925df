"""Every way of computing a workload's gradient (a "column" of the table), behind one interface.

`prepare(column, workload)` returns a `Runner` whose `call()` computes once what the column is
timed on: the primal value for "primal", the gradients of the differentiated arguments
otherwise (JAX's asynchronous result waited for). `Runner.gradients(result)` turns a result
into a tuple of float64 ndarrays, one per differentiated argument, for the checks.

A column that cannot run a workload raises `Unavailable` with a short reason. Preparing calls
the column once, so a missing feature, a compile error or a failing dispatch is reported
there, per cell, and never in the middle of timing. transgrad's columns switch on by feature
detection (`tg.grad` for "compiled", `tg.Tensor` for "eager"), so this file needs no change
when those features land.

Inputs are converted once, outside `call()`: peers get tensors/arrays of their own kind, and
leaves' `.grad` are reset at each call, as a training loop would.
"""
import types
from dataclasses import dataclass
from typing import Callable

import numpy as np

COLUMNS = ("primal", "compiled", "eager", "torch", "jax", "autograd")
LABELS = {
    "primal": "NumPy primal",
    "compiled": "tg compiled",
    "eager": "tg eager",
    "torch": "torch eager",
    "jax": "jax jit(grad)",
    "autograd": "autograd",
}


class Unavailable(Exception):
    """This column cannot run this workload (a peer not installed, a feature not written yet,
    or an error raised by the column); the message says which, briefly."""


@dataclass
class Runner:
    column: str
    call: Callable[[], object]
    gradients: Callable[[object], tuple]
    release: Callable[[], None] = lambda: None   # drop what the last call left in the inputs


def prepare(column, workload, args=None):
    """The `Runner` of `column` on `workload` (inputs from `workload.make_inputs()` unless
    given), after one successful call; raises `Unavailable` otherwise."""
    if args is None:
        args = workload.make_inputs()
    builder = _BUILDERS[column]
    try:
        runner = builder(workload, args)
        runner.gradients(runner.call())
    except Unavailable:
        raise
    except Exception as error:  # any failure of the column is a reason, not a crash
        raise Unavailable(describe(error)) from error
    return runner


def describe(error, limit=160):
    """`Type: message` on one line, shortened to `limit` characters."""
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def rebind_numpy(fn, module):
    """The same function (same code, so the same source lines) with its global `np` bound to
    `module`: how JAX and autograd run a workload without a second copy of it."""
    namespace = dict(fn.__globals__)
    namespace["np"] = module
    return types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)


def as_float64(value):
    """An ndarray (or a list of them) in float64, for finite differences and comparisons."""
    if isinstance(value, (list, tuple)):
        return type(value)(as_float64(v) for v in value)
    if hasattr(value, "detach"):          # a torch or tg tensor
        value = value.detach()
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    return np.asarray(value, dtype=np.float64)


def _as_tuple(result, workload):
    return (result,) if len(workload.argnums) == 1 else tuple(result)


def _numpy_gradients(workload):
    return lambda result: tuple(as_float64(g) for g in _as_tuple(result, workload))


# ---- the columns -------------------------------------------------------------------------

def _primal(workload, args):
    return Runner("primal", lambda: workload.fn(*args), lambda result: ())


def _transgrad():
    try:
        import transgrad
    except Exception as error:
        raise Unavailable(f"import transgrad failed: {describe(error)}")
    return transgrad


def _compiled(workload, args):
    tg = _transgrad()
    if not hasattr(tg, "grad"):
        raise Unavailable("tg.grad not implemented yet")
    gradient = tg.grad(workload.fn, argnums=workload.argnum)
    return Runner("compiled", lambda: gradient(*args), _numpy_gradients(workload))


def _tape_runner(column, fn, workload, args, make_tensor):
    """Eager columns (tg's tape and PyTorch's) running `fn`: leaves made once by
    `make_tensor(value, dtype_name, requires_grad)`, their `.grad` reset at each call."""
    leaves = []

    def convert(value, differentiated):
        if isinstance(value, (list, tuple)):
            return type(value)(convert(v, False) for v in value)
        if isinstance(value, np.ndarray) or differentiated:
            dtype = value.dtype if isinstance(value, np.ndarray) else np.dtype(workload.dtype)
            tensor = make_tensor(value, str(dtype), differentiated)
            if differentiated:
                leaves.append(tensor)
            return tensor
        return value

    inputs = [convert(a, i in workload.argnums) for i, a in enumerate(args)]

    def release():
        for leaf in leaves:
            leaf.grad = None

    def call():
        release()
        loss = fn(*inputs)
        loss.backward()
        return tuple(leaf.grad for leaf in leaves)

    return Runner(column, call, lambda grads: tuple(as_float64(g) for g in grads), release)


def _eager(workload, args):
    tg = _transgrad()
    if not (hasattr(tg, "Tensor") and hasattr(tg, "tensor")):
        raise Unavailable("tg.Tensor not implemented yet")

    def make_tensor(value, dtype, requires_grad):
        return tg.tensor(value, dtype=getattr(tg, dtype), requires_grad=requires_grad)

    return _tape_runner("eager", workload.fn, workload, args, make_tensor)


def _torch_twin(workload):
    from . import torch_twins
    return getattr(torch_twins, workload.fn.__name__)


def _torch(workload, args):
    torch = _import_peer("torch")

    def make_tensor(value, dtype, requires_grad):
        return torch.tensor(value, dtype=getattr(torch, dtype), requires_grad=requires_grad)

    return _tape_runner("torch", _torch_twin(workload), workload, args, make_tensor)


def _jax(workload, args):
    jax = _import_peer("jax")
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    gradient = jax.jit(jax.grad(rebind_numpy(workload.fn, jnp), argnums=workload.argnum))
    inputs = jax.tree_util.tree_map(
        lambda a: jnp.asarray(a) if isinstance(a, np.ndarray) else a, tuple(args))
    return Runner("jax", lambda: jax.block_until_ready(gradient(*inputs)),
                  _numpy_gradients(workload))


def _autograd(workload, args):
    autograd = _import_peer("autograd")
    import autograd.numpy as anp
    gradient = autograd.grad(rebind_numpy(workload.fn, anp), workload.argnum)
    return Runner("autograd", lambda: gradient(*args), _numpy_gradients(workload))


def _import_peer(name):
    import importlib
    try:
        return importlib.import_module(name)
    except ImportError:
        raise Unavailable(f"{name} is not installed")


_BUILDERS = {
    "primal": _primal,
    "compiled": _compiled,
    "eager": _eager,
    "torch": _torch,
    "jax": _jax,
    "autograd": _autograd,
}
