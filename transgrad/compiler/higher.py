"""What generated code needs in order to be transformed again (higher order).

`tg.grad(tg.grad(f))`, `tg.jvp(tg.grad(f), ...)` and `tg.grad` of a function calling
`tg.jvp` all transform code the compiler generated. That code is ordinary Python in the
supported subset, registered with `linecache` so its source can be read, plus:

- the runtime helpers of `runtime.py`: `zeros_like` makes a zero (no derivative flows
  through it), `add_grads` adds gradients leaf by leaf and `structured` gives a gradient
  its argument's container types; the latter two are linear, with the rules below (kept
  out of the public registry: they exist for generated code only);
- calls the resolver cannot classify by itself: a `GradientFunction` (what `tg.grad`
  returns) stands for its generated function (`source_function`), and a call
  `tg.jvp(f, (x, ...), (t, ...))` inside a transformed function becomes a call of f's
  generated forward-mode function (`INLINE`, consulted by the ANF pass).
"""
from .. import registry
from . import runtime

__all__ = ["source_function", "inline_expander", "register_inline"]


def source_function(obj, args=None, kwargs=None):
    """A plain function with source for `obj`: `obj` itself, or the generated function a
    `tg.grad(...)` object runs (specialised for `args` when given, generic otherwise)."""
    for _ in range(64):
        kind = type(obj)
        if args is not None and getattr(kind, "__transgrad_specialise__", None) is not None:
            obj = obj.__transgrad_specialise__(args, kwargs)
        elif getattr(kind, "__transgrad_function__", None) is not None:
            obj = obj.__transgrad_function__
        else:
            return obj
    return obj


def respecialise(info, param_avals):
    """The FunctionInfo to transform for a call of `info`'s function with `param_avals`: for
    the generic code of a `tg.grad(...)` object called inside transformed code, the code it
    generates for those kinds and shapes (when stand-ins can be built for them), which
    knows, for instance, which subscripts are of tuples and which of arrays."""
    origin = getattr(info.fn, "__transgrad_origin__", None)
    if origin is None:
        return info
    avals = dict(param_avals)
    args = []
    for p in info.params:
        av = avals.get(p)
        if av is None:
            if p in info.defaults:
                break
            return info
        dummy = _stand_in(av)
        if dummy is _NONE:
            return info
        args.append(dummy)
    from .resolve import function_info
    try:
        fn = origin.__transgrad_specialise__(tuple(args), {})
    except Exception:  # noqa: BLE001 - the generic code is still right
        return info
    return function_info(fn)


_NONE = object()


def _stand_in(av):
    import numpy as np
    if av.kind == "float":
        return (av.dtype or np.dtype(np.float64)).type(0.5) if av.dtype is not None and \
            av.dtype != np.float64 else 0.5
    if av.kind == "int" and av.value is not None:
        return av.value
    if av.kind == "array" and av.shape is not None and av.dtype is not None:
        return np.zeros(av.shape, dtype=av.dtype)
    if av.kind == "tuple" and isinstance(av.elts, tuple):
        items = [_stand_in(e) for e in av.elts]
        return _NONE if any(i is _NONE for i in items) else tuple(items)
    return _NONE


# -- the runtime helpers as primitives (not registered: generated code's own) -------------

def _add_grads(out, a, b):
    """out = a + b, leaf by leaf (None stands for zero)"""
    d[a] = d[out]  # noqa: F821 - a rule template, parsed, never run
    d[b] = d[out]  # noqa: F821
    t[out] = t[a] + t[b]  # noqa: F821


def _structured(out, grad, like):
    """out = grad with the container types of like"""
    d[grad] = d[out]  # noqa: F821
    t[out] = t[grad]  # noqa: F821


def _private_primitive(template, impl, name):
    prim = registry._build(template, impl, name, None, False, False, False, False, ())
    prim.emit = name      # generated code imports it by this name from the runtime helpers
    return prim


ADD_GRADS = _private_primitive(_add_grads, runtime.add_grads, "add_grads")
STRUCTURED = _private_primitive(_structured, runtime.structured, "structured")

INLINE = {}


def register_inline(fn, expander):
    """ANF expands a call of `fn` with `expander(anf, call, out, stmt, target) -> atom`."""
    INLINE[id(fn)] = (fn, expander)


def inline_expander(obj):
    hit = INLINE.get(id(obj))
    return hit[1] if hit is not None and hit[0] is obj else None


def _expand_zeros_like(anf, e, out, s, target):
    return anf.flat_opaque_call(_name("zeros_like"), e, out, s, target, "zero", what=None)


def _primitive_expander(prim):
    def expand(anf, e, out, s, target):
        args = [anf.arg(a, out, s) for a in e.args]
        kwargs = {k.arg: anf.arg(k.value, out, s) for k in e.keywords}
        names = list(prim.inputs)
        values = dict(zip(names, args))
        values.update(kwargs)
        inputs = [values[n] for n in names]
        first = next((x.id for x in inputs if hasattr(x, "id")), None)
        return anf.prim_call(prim, inputs, {}, out, s, target,
                             f"{prim.name}_{first}" if first else prim.name)
    return expand


def _name(ident):
    from . import syntax
    return syntax.name(ident)


register_inline(runtime.zeros_like, _expand_zeros_like)
register_inline(runtime.add_grads, _primitive_expander(ADD_GRADS))
register_inline(runtime.structured, _primitive_expander(STRUCTURED))
