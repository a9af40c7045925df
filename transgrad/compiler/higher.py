"""What generated code needs in order to be transformed again (higher order).

`tg.grad(tg.grad(f))`, `tg.jvp(tg.grad(f), ...)` and `tg.grad` of a function calling
`tg.jvp` all transform code the compiler generated. That code is ordinary Python in the
supported subset, registered with `linecache` so its source can be read, plus:

- the runtime helpers of `runtime.py`: `zeros_like` makes a zero (no derivative flows
  through it), `add_grads` adds gradients leaf by leaf and `structured` gives a gradient
  its argument's container types; the latter two are linear, with the rules below (kept
  out of the public registry: they exist for generated code only);
- backward functions pop the stacks of the tape they are given, changing their argument
  in place: transformed again, the zero adjoint of the tape (`zeros_like(tape)`, built in
  the backward pass, after the pops) would then hold empty stacks. `private_stacks` gives
  such a function its own copy of every list it takes apart from a parameter and resizes,
  so its argument keeps its length (safe: generated code never reads a tape twice);
- calls the resolver cannot classify by itself: a `GradientFunction` (what `tg.grad`
  returns) stands for its generated function (`source_function`), and a call
  `tg.jvp(f, (x, ...), (t, ...))` inside a transformed function becomes a call of f's
  generated forward-mode function (`INLINE`, consulted by the ANF pass).
"""
from .. import registry
from . import ir, runtime

__all__ = ["source_function", "inline_expander", "register_inline", "private_stacks",
           "is_generated"]


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
    generates for those kinds and shapes (when stand-ins can be built for them), else for
    those abstract values themselves when some argument is a container (the generic code
    takes every argument for an array: `params[k]` of a list of pairs would be an array
    read). Either knows which subscripts are of tuples and lists and which of arrays."""
    origin = getattr(info.fn, "__transgrad_origin__", None)
    if origin is None:
        return info
    avals = dict(param_avals)
    args, known = [], {}
    for p in info.params:
        av = avals.get(p)
        if av is None:
            if p in info.defaults:
                break
            return info
        known[p] = av
        dummy = _stand_in(av) if args is not None else _NONE
        if dummy is _NONE:
            args = None
        else:
            args.append(dummy)
    from .resolve import function_info
    fn = None
    if args is not None:
        try:
            fn = origin.__transgrad_specialise__(tuple(args), {})
        except Exception:  # noqa: BLE001 - the code for the abstract values is still right
            fn = None
    if fn is None:
        fn = _for_avals(origin, known)
    return info if fn is None else function_info(fn)


_BY_AVALS = {}


def _for_avals(origin, avals):
    """`origin`'s generated function for parameters of abstract values `avals` (cached), or
    None when no argument is a container (the generic code is right then) or it cannot be
    generated."""
    if not any(av.kind in ("list", "tuple", "dict") for av in avals.values()):
        return None
    wrt = getattr(origin, "argnums", None)
    if wrt is None or not hasattr(origin, "kind"):
        return None
    fn = source_function(origin.fn)
    key = (id(origin), fn.__code__, tuple(avals.items()))
    hit = _BY_AVALS.get(key)
    if hit is not None and hit[0] is origin and (hit[1] is None or hit[1].holds()):
        return hit[2]
    from .resolve import method_dialect
    from .transform import generate
    try:
        with method_dialect(getattr(origin, "dialect", "numpy")):
            made = generate(fn, kind=origin.kind,
                            wrt_positions=list(wrt) if isinstance(wrt, tuple) else [wrt],
                            arg_avals=dict(avals), has_aux=getattr(origin, "has_aux", False),
                            label=f"{origin.kind} of {fn.__name__}")
    except Exception:  # noqa: BLE001 - the generic code is used, as before
        return None
    _BY_AVALS[key] = (origin, made.get("guard"), made["fn"])
    return made["fn"]


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


def is_generated(info):
    """Whether `info` is a function transgrad generated (its module is named `<transgrad ...>`)."""
    return str(getattr(info, "filename", "")).startswith("<transgrad")


def private_stacks(block, params, namer):
    """`block` (IR of generated code) with a copy of each list that is a part of a parameter
    (`a, stack = tape`, `stack = tape[7]`) and is appended to or popped from, so that the
    parameter is never changed. (Generated code never resizes a parameter itself.) Changes
    nested blocks in place; returns the top."""
    resized = {s.base for s in ir.walk_blocks(block) if isinstance(s, (ir.Append, ir.Pop))}
    if not resized:
        return block
    from_params = set(params)
    for s in ir.walk_blocks(block):    # parts of parameters (a tape is unpacked first)
        if isinstance(s, ir.Unpack) and s.source in from_params:
            from_params |= set(s.targets)
        elif isinstance(s, ir.Index) and s.base in from_params:
            from_params.add(s.target)
        elif isinstance(s, ir.Copy) and not s.fresh and s.source in from_params:
            from_params.add(s.target)
    private = (resized & from_params) - set(params)
    if not private:
        return block

    def copy_of(var, at):
        original = namer.fresh(f"{var}_given")
        return original, ir.Copy(var, original, fresh=True).located(at)

    def rewrite(stmts):
        out = []
        for s in stmts:
            if s.compound:
                for sub in s.blocks():
                    sub[:] = rewrite(sub)
            out.append(s)
            if isinstance(s, ir.Unpack) and private & set(s.targets):
                for j, t in enumerate(s.targets):
                    if t in private:
                        s.targets[j], copy = copy_of(t, s.at)
                        out.append(copy)
            elif isinstance(s, (ir.Index, ir.Copy)) and s.target in private:
                s.target, copy = copy_of(s.target, s.at)
                out.append(copy)
        return out

    return rewrite(block)


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
