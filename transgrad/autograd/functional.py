"""`tg.autograd.functional`: jacobian, hessian, vjp, jvp, hvp, vhp (PyTorch's signatures).

All are built on `tg.autograd.grad`: a Jacobian is one backward per output element; `jvp` uses
the double-vjp trick (the vjp is linear in its cotangent, so differentiating it with respect to
the cotangent gives J v); Hessian products differentiate a gradient computed with
`create_graph=True`.
"""
import numpy as np

from ..eager.dispatch import wrap
from ..eager.grad_mode import enable_grad
from ..eager.tensor import Tensor

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]


def _tuple(v):
    return (isinstance(v, tuple), v if isinstance(v, tuple) else (v,))


def _prepare(inputs, create_graph):
    return tuple(x if (create_graph and x._rg) else x.detach().requires_grad_(True) for x in inputs)


def _grad(outputs, inputs, grad_outputs, create_graph):
    from . import grad
    outputs = [o for o in outputs]
    keep = [i for i, o in enumerate(outputs) if o._rg]
    if not keep:
        return tuple(None for _ in inputs)
    return grad([outputs[i] for i in keep], inputs,
                [grad_outputs[i] for i in keep] if grad_outputs is not None else None,
                retain_graph=True, create_graph=create_graph, allow_unused=True)


def _fill(gs, inputs, create_graph):
    return tuple((g if create_graph else g.detach()) if g is not None
                 else wrap(np.zeros_like(x._data)) for g, x in zip(gs, inputs))


def _out(v, create_graph):
    return v if create_graph else v.detach()


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d func(inputs) / d inputs: shape out.shape + in.shape, tuples as PyTorch nests them."""
    is_tuple_in, inputs = _tuple(inputs)
    with enable_grad():
        xs = _prepare(inputs, create_graph)
        out = func(*xs)
        is_tuple_out, outs = _tuple(out)
        blocks = []
        for o in outs:
            n = o._data.size
            rows = [[] for _ in xs]
            for k in range(n):
                seed = np.zeros(n, dtype=o._data.dtype)
                seed[k] = 1
                gs = _grad([o], xs, [wrap(seed.reshape(o._data.shape))], create_graph) \
                    if o._rg else (None,) * len(xs)
                for r, g, x in zip(rows, gs, xs):
                    r.append(g if g is not None else wrap(np.zeros_like(x._data)))
            per_input = []
            for r, x in zip(rows, xs):
                from .. import eager
                stacked = eager.stack(r, 0) if (create_graph and r and any(t._rg for t in r)) \
                    else wrap(np.stack([t._data for t in r]) if r else np.zeros((0,) + x._data.shape,
                                                                               x._data.dtype))
                per_input.append(stacked.reshape(o._data.shape + x._data.shape))
            blocks.append(tuple(per_input) if is_tuple_in else per_input[0])
    return tuple(blocks) if is_tuple_out else blocks[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function."""
    is_tuple_in, inputs = _tuple(inputs)

    def gradient(*xs):
        out = func(*xs)
        gs = _grad([out], xs, None, True)
        gs = tuple(g if g is not None else wrap(np.zeros_like(x._data)) for g, x in zip(gs, xs))
        return gs if is_tuple_in else gs[0]

    return jacobian(gradient, inputs if is_tuple_in else inputs[0], create_graph=create_graph)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J)."""
    is_tuple_in, inputs = _tuple(inputs)
    with enable_grad():
        xs = _prepare(inputs, create_graph)
        out = func(*xs)
        is_tuple_out, outs = _tuple(out)
        vs = None if v is None else _tuple(v)[1]
        gs = _fill(_grad(outs, xs, vs, create_graph), xs, create_graph)
    result_out = tuple(_out(o, create_graph) for o in outs)
    return (result_out if is_tuple_out else result_out[0], gs if is_tuple_in else gs[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v), by differentiating the vjp with respect to its cotangent."""
    from . import grad
    is_tuple_in, inputs = _tuple(inputs)
    with enable_grad():
        xs = _prepare(inputs, True)
        out = func(*xs)
        is_tuple_out, outs = _tuple(out)
        us = tuple(wrap(np.zeros_like(o._data)).requires_grad_(True) for o in outs)
        gs = grad(outs, xs, us, create_graph=True, allow_unused=True)
        vs = _tuple(v)[1] if v is not None else tuple(wrap(np.ones_like(x._data)) for x in xs)
        pairs = [(g, vv) for g, vv in zip(gs, vs) if g is not None and g._rg]
        if pairs:
            jv = grad([g for g, _ in pairs], us, [vv for _, vv in pairs],
                      create_graph=create_graph, allow_unused=True)
        else:
            jv = (None,) * len(us)
        jv = _fill(jv, us, create_graph)
    result_out = tuple(_out(o, create_graph) for o in outs)
    return (result_out if is_tuple_out else result_out[0], jv if is_tuple_out else jv[0])


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a scalar function."""
    from . import grad
    is_tuple_in, inputs = _tuple(inputs)
    with enable_grad():
        xs = _prepare(inputs, True)
        out = func(*xs)
        gs = grad(out, xs, create_graph=True, allow_unused=True)
        vs = _tuple(v)[1]
        pairs = [(g, vv) for g, vv in zip(gs, vs) if g is not None and g._rg]
        h = grad([g for g, _ in pairs], xs, [vv for _, vv in pairs], create_graph=create_graph,
                 allow_unused=True) if pairs else (None,) * len(xs)
        h = _fill(h, xs, create_graph)
    return (_out(out, create_graph), h if is_tuple_in else h[0])


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v); the Hessian of a twice-differentiable function is symmetric."""
    return vhp(func, inputs, v, create_graph, strict)
