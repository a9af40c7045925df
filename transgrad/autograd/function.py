"""Custom autograd Functions: user-written forward and backward, one node per call.

`class MyReLU(tg.autograd.Function)` with static `forward(ctx, ...)` and `backward(ctx, *grads)`;
`MyReLU.apply(x)` runs forward without recording and, when an input requires grad, makes the
outputs non-leaves of one `MyReLUBackward` node (a subclass of `BackwardCFunction`, printed
`<transgrad.autograd.function.MyReLUBackward object at 0x...>`). The node is also the `ctx`.
The engine calls `node._backward(grads, graph, keep_graph)`, which runs the user's backward on
Tensors and checks what it returns with PyTorch's messages.
"""
import functools
import warnings

import numpy as np

from ..errors import GradientError, NotSupportedError, TensorTypeError
from ..eager import dispatch, engine
from ..eager.dispatch import wrap, acc_node
from ..eager.grad_mode import STATE
from ..eager.node import Node, next_seq
from ..eager.tensor import Tensor

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable"]


class FunctionCtx:
    """What `forward` and `backward` share: saved tensors and flags."""

    def save_for_backward(self, *tensors):
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TensorTypeError(f"save_for_backward can only save variables, but argument "
                                      f"{i} is of type {type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        self._saved_for_forward = tensors

    @property
    def saved_tensors(self):
        saved = getattr(self, "_saved", None)
        if saved is None:
            if getattr(self, "_freed", False):
                raise GradientError(engine.SECOND_TIME)
            to_save = getattr(self, "_to_save", ())
            return tuple(to_save)
        out = []
        for entry in saved:
            if entry is None:
                out.append(None)
                continue
            kind, obj, vc, ver = entry
            if vc[0] != ver:
                raise _saved_version_error(self, kind, obj, vc, ver)
            if kind == "output":
                t = dispatch._wrap_result(obj, self) if STATE.grad else wrap(obj)
                t._vc = vc
                if STATE.grad:
                    t._rg = True
                out.append(t)
            else:
                out.append(obj)
        return tuple(out)

    def mark_non_differentiable(self, *outputs):
        self._non_differentiable = tuple(outputs)

    def mark_dirty(self, *tensors):
        self._dirty = tuple(tensors)

    def set_materialize_grads(self, value):
        self._materialize = bool(value)


def _saved_version_error(node, kind, obj, vc, ver):
    if kind == "output":
        saved_args = node._args
        node._args = (obj,)
        err = engine._version_error(node, 0, None, vc, ver)
        node._args = saved_args
        return err
    return engine._version_error(node, 1, obj, vc, ver)


class BackwardCFunction(Node, FunctionCtx):
    """Base of the node classes made for each Function subclass (`MyReLUBackward`)."""

    _forward_cls = None

    def __repr__(self):
        cls = type(self)
        return f"<{cls.__module__}.{cls.__qualname__} object at {id(self):#x}>"

    def name(self):
        return type(self).__name__

    def _backward(self, grads, graph, keep_graph):
        fcls = self._forward_cls
        grads = grads if isinstance(grads, list) else [grads]
        outs = []
        for i, g in enumerate(grads):
            if g is None:
                if getattr(self, "_materialize", True):
                    shape, dtype = self._out_meta[i]
                    g = np.zeros(shape, dtype)
                else:
                    outs.append(None)
                    continue
            outs.append(g if isinstance(g, Tensor) else wrap(np.asarray(g)))
        if fcls.backward is Function.backward and fcls.vjp is Function.vjp:
            raise NotSupportedError(
                "You must implement either the backward or vjp method for your custom "
                "autograd.Function to use it with backward mode AD.")
        prev = STATE.grad
        STATE.grad = bool(graph) and not getattr(fcls.backward, "_once_differentiable", False)
        try:
            fn = fcls.backward if fcls.backward is not Function.backward else fcls.vjp
            result = fn(self, *outs)
        finally:
            STATE.grad = prev
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self._next)
        name = type(self).__name__
        if len(result) != n:
            if len(result) > n and all(r is None for r in result[n:]):
                result = result[:n]
            else:
                raise GradientError(f"function {name} returned an incorrect number of gradients "
                                    f"(expected {n}, got {len(result)})")
        final = []
        for i, r in enumerate(result):
            meta = self._in_meta[i]
            if r is None:
                final.append(None)
                continue
            if meta is None:
                raise GradientError(f"function {name} returned a gradient different than None at "
                                    f"position {i + 1}, but the corresponding forward input was "
                                    "not a Variable")
            shape, dtype = meta
            rt = r if isinstance(r, Tensor) else wrap(np.asarray(r))
            if rt._data.shape != shape:
                try:
                    np.broadcast_shapes(shape, rt._data.shape)
                    ok = np.broadcast_shapes(shape, rt._data.shape) == shape
                except ValueError:
                    ok = False
                if not ok:
                    raise GradientError(f"Function {name} returned an invalid gradient at index "
                                        f"{i} - got {list(rt._data.shape)} but expected shape "
                                        f"compatible with {list(shape)}")
                from ..helpers import unbroadcast
                rt = unbroadcast(rt, shape) if graph else wrap(np.asarray(
                    unbroadcast(rt._data, shape)))
            if self._next[i] is None:
                final.append(None)
                continue
            final.append(rt if graph else rt._data)
        if not keep_graph:
            self._saved = None
            self._freed = True
            self._to_save = ()
        return final


class _FunctionMeta(type):
    """Makes the `<Name>Backward` node class for every Function subclass."""

    def __init__(cls, name, bases, attrs):
        backward_cls = type(f"{name}Backward", (BackwardCFunction,), {"_forward_cls": cls})
        backward_cls.__module__ = "transgrad.autograd.function"
        backward_cls.__qualname__ = f"{name}Backward"
        cls._backward_cls = backward_cls
        super().__init__(name, bases, attrs)


class Function(metaclass=_FunctionMeta):
    """Base class of custom differentiable operations (see the module docstring)."""

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions "
                      "are all static, so you should invoke them on the class itself. "
                      "Instantiating an autograd function will raise an error in a future "
                      "version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise GradientError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotSupportedError("You must implement the forward function for custom "
                                "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotSupportedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotSupportedError("You must implement either the backward or vjp method for your "
                                "custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotSupportedError("You must implement the jvp function for custom "
                                "autograd.Function to use it with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._backward_cls.__new__(cls._backward_cls)
        needs = tuple(isinstance(a, Tensor) and a._rg for a in args)
        ctx.needs_input_grad = needs
        ctx._fns = None
        ctx._dtypes = None
        ctx._prim = None
        ctx._pre_hooks = None
        ctx._saved = None
        ctx._args = ()
        recording = STATE.grad and any(needs)
        separate = cls.setup_context is not Function.setup_context
        prev = STATE.grad
        STATE.grad = False
        try:
            if separate:
                output = cls.forward(*args, **kwargs)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        finally:
            STATE.grad = prev
        if separate:
            cls.setup_context(ctx, args, output)
        single = not isinstance(output, tuple)
        outputs = (output,) if single else output
        non_diff = {id(t) for t in getattr(ctx, "_non_differentiable", ())}
        dirty = {id(t) for t in getattr(ctx, "_dirty", ())}
        input_ids = {id(a) for a in args if isinstance(a, Tensor)}
        results = []
        for o in outputs:
            if not isinstance(o, Tensor):
                results.append(o)
                continue
            if recording and id(o) in input_ids and id(o) not in dirty:
                # an input returned as is: the output is a new alias of it
                alias = wrap(o._data)
                alias._vc = o._vc
                o = alias
            results.append(o)
        ctx._out_meta = tuple((o._data.shape, o._data.dtype) if isinstance(o, Tensor) else ((), np.float64)
                              for o in results)
        ctx._in_meta = tuple((a._data.shape, a._data.dtype) if isinstance(a, Tensor) else None
                             for a in args)
        if recording:
            ctx._nout = len(results)
            nxt = []
            nrs = []
            for a, need in zip(args, needs):
                if need:
                    nxt.append(a._grad_fn if a._grad_fn is not None else acc_node(a))
                    nrs.append(a._nr)
                else:
                    nxt.append(None)
                    nrs.append(0)
            ctx._next = tuple(nxt)
            ctx._nrs = tuple(nrs) if any(nrs) else None
            ctx._seq = next_seq()     # after its edges (see eager.node)
            for i, o in enumerate(results):
                if not isinstance(o, Tensor):
                    continue
                if id(o) in non_diff:
                    continue
                if id(o) in dirty:
                    dispatch.check_inplace(o)
                if o._data.dtype.kind not in "fc":
                    continue
                o._grad_fn = ctx
                o._rg = True
                o._nr = i
        else:
            ctx._next = tuple(None for _ in args)
            ctx._nrs = None
            ctx._nout = len(results)
        _store_saved(ctx, results, recording)
        return results[0] if single else tuple(results)


def _store_saved(ctx, results, recording):
    """Turn `ctx._to_save` into version-checked entries; outputs are kept as arrays (no cycle)."""
    to_save = getattr(ctx, "_to_save", None)
    if to_save is None:
        return
    out_ids = {id(o): o for o in results if isinstance(o, Tensor)}
    entries = []
    for t in to_save:
        if t is None:
            entries.append(None)
        elif id(t) in out_ids and t._grad_fn is ctx:
            entries.append(("output", t._data, t._vc, t._vc[0]))
        else:
            if recording and t.is_inference():
                raise dispatch._inference_saved_error()
            entries.append(("input", t, t._vc, t._vc[0]))
    ctx._saved = tuple(entries)
    ctx._to_save = None


def once_differentiable(fn):
    """Mark a `backward` as not differentiable: under create_graph its results have no graph."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        prev = STATE.grad
        STATE.grad = False
        try:
            return fn(ctx, *args)
        finally:
            STATE.grad = prev
    wrapper._once_differentiable = True
    return wrapper
