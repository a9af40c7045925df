"""Calls the user gave rules for: `tg.checkpoint`, `tg.custom_vjp` and `tg.primitive`.

ANF (`call_of_call`, `marked_call`) turns a checkpointed call or a custom_vjp call into an
`ir.CallUser` marked with `rule = "checkpoint"` or `rule = "custom_vjp"` (and `wrapper`).
Its result gets a name of its own, never one of its arguments, so the backward sweep can read
the arguments' values at the call. The reverse pass (`reverse.py`) hands marked calls here:

- checkpoint: the forward sweep calls the function plainly (no tape); the backward sweep
  runs its generated forward (`step_forward`, building the tape) on the saved arguments
  right before its backward (`step_backward`). Save placement (`saves.py`) then keeps only
  what those two statements read: the call's inputs.
- custom_vjp: the forward sweep calls the user's `fwd` (its residuals are the tape); the
  backward sweep calls the user's `bwd` and takes the cotangents of the differentiated
  arguments from the tuple it returns.

User-declared primitives are called by their own name (`softclip(x)`), and the names their
rules read from their module are given to the generated module (`global_ref`): by the same
name when the user's function means the same object by it, else under a fresh alias.
"""
import inspect

from ..errors import TransformError
from . import ir
from . import syntax as S
from .quoting import gast, copy_tree, to_source
from .resolve import MISSING, classify, function_info

__all__ = ["call_of_call", "marked_call", "is_marked", "plan", "forward_code", "backward_code",
           "global_ref", "prim_callee", "rule_names", "check_forward", "CHECKPOINT_COMMENT"]

CHECKPOINT_COMMENT = "checkpointed: recomputed in the backward pass"


# -- ANF ------------------------------------------------------------------------------------

def call_of_call(anf, e, out, s, target):
    """`tg.checkpoint(step)(h, x)`: the only call of a call's result the compiler takes."""
    inner = e.func
    obj = anf.info.value_of(inner.func)
    kind, what = classify(obj) if obj is not MISSING else ("unknown", None)
    if kind != "checkpoint" or what is not None:
        raise anf.error(inner, "calling the result of a call is supported only as "
                               "tg.checkpoint(fn)(...)",
                        "call a module-level function by name instead")
    if len(inner.args) != 1 or inner.keywords:
        raise anf.error(inner, "tg.checkpoint(fn) takes the function alone; pass its "
                               "arguments to the result: tg.checkpoint(fn)(a, b)")
    return _lower(anf, "checkpoint", None, inner.args[0], e.args, e.keywords, out, s, target)


def marked_call(anf, kind, wrapper, e, out, s, target):
    """`tg.checkpoint(step, h, x)`, `ckpt_step(h, x)` or `custom_fn(x)`."""
    if kind == "checkpoint" and wrapper is None:
        if not e.args:
            raise anf.error(e, "tg.checkpoint(fn, *args) needs the function to call")
        return _lower(anf, kind, None, e.args[0], e.args[1:], e.keywords, out, s, target)
    return _lower(anf, kind, wrapper, e.func, e.args, e.keywords, out, s, target)


def _lower(anf, kind, wrapper, fn_expr, arg_nodes, keywords, out, s, target):
    if kind == "checkpoint":
        if keywords:
            raise anf.error(keywords[0].value, "a checkpointed call passes its arguments "
                                               "positionally")
        fn = wrapper.fn if wrapper is not None else _function_of(anf, fn_expr)
    else:
        fn = wrapper.fun
    args = [anf.expr(a, out, s) for a in arg_nodes]
    kwargs = {k.arg: anf.expr(k.value, out, s) for k in keywords}
    try:
        info = function_info(fn)
    except TransformError as err:
        raise anf.error(fn_expr, err.message) from None
    reads = ir.atom_names(args) | ir.atom_names(list(kwargs.values()))
    base = f"{fn.__name__}_{args[0].id}" if args and isinstance(args[0], gast.Name) else fn.__name__
    var = target if target is not None and target not in reads else anf.namer.fresh(base)
    call = ir.CallUser(var, info, args, kwargs, copy_tree(fn_expr))
    if kind == "checkpoint":
        from .anf import _returned_display
        call.out_aval = _returned_display(info.fdef)    # a tuple display: its length
    call.rule = kind
    call.wrapper = wrapper
    anf.emit(out, call, s)
    return S.name(var)


def _function_of(anf, fn_expr):
    """The Python function a `tg.checkpoint(fn, ...)` call names."""
    if isinstance(fn_expr, gast.Name) and anf.info.is_local(fn_expr.id):
        raise anf.error(fn_expr, f"tg.checkpoint needs a module-level function, not the local "
                                 f"variable {fn_expr.id!r}")
    named = isinstance(fn_expr, (gast.Name, gast.Attribute))
    obj = anf.info.value_of(fn_expr) if named else MISSING
    kind, what = classify(obj)
    if kind == "checkpoint" and what is not None:
        kind, what = classify(what.fn)
    if kind == "user":
        return what
    text = to_source(fn_expr).strip()
    if kind == "primitive":
        raise anf.error(fn_expr, f"tg.checkpoint({text}): {text} is a primitive, which keeps no "
                                 "intermediates to recompute; call it directly")
    raise anf.error(fn_expr, f"tg.checkpoint({text}): {text} is not a Python function whose "
                             "source transgrad can read",
                    "checkpoint a function defined with def at module level")


def check_forward(info, call):
    """Forward mode refuses a custom_vjp call (it has a reverse rule only), as JAX does;
    `info` is the calling function's."""
    if getattr(call, "rule", None) == "custom_vjp":
        err = call.wrapper.forward_mode_error()
        raise info.error(call.at, err.args[0]) if call.at is not None else err


def is_marked(call):
    return getattr(call, "rule", None) is not None


# -- reverse pass ---------------------------------------------------------------------------

def plan(rev, s, bound, active_params):
    """The plan of a marked call (see `Reverse.call_plan`)."""
    if s.rule == "checkpoint":
        param_avals = tuple((p, rev.aval(atom.id) if isinstance(atom, gast.Name) else None)
                            for p, atom in bound)
        fwd, bwd = rev.callees.request(s.info, active_params, param_avals)
        return {"rule": "checkpoint", "forward": fwd, "backward": bwd, "params": active_params,
                "bound": bound, "tape": None}
    wrapper = s.wrapper
    if wrapper.fwd is None:
        raise s.info.error(s.at, f"the custom_vjp function {wrapper.__name__!r} has no rule yet",
                           f"call {wrapper.__name__}.defvjp(fwd, bwd) before differentiating")
    return {"rule": "custom_vjp", "forward": global_ref(rev, _name_of(wrapper.fwd), wrapper.fwd),
            "backward": global_ref(rev, _name_of(wrapper.bwd), wrapper.bwd),
            "params": active_params, "bound": bound,
            "tape": rev.namer.fresh(f"{wrapper.__name__}_residuals")}


def forward_code(rev, s, plan):
    """The forward-sweep statements of a marked call."""
    if plan["rule"] == "checkpoint":
        call = S.call(copy_tree(s.func_expr), [copy_tree(a) for a in s.args])
        return [_at(S.comment(CHECKPOINT_COMMENT), s), _at(S.assign(s.target, call), s)]
    rev.primal.add(plan["tape"])
    call = S.call(S.name(plan["forward"]), _positional(rev, s))
    return [_at(S.assign([s.target, plan["tape"]], call), s)]


def backward_code(rev, s, plan, seed, out, zero):
    """The backward-sweep statements of a marked call, appended to `out`."""
    bound = dict(plan["bound"])
    if plan["rule"] == "checkpoint":
        tape = rev.namer.fresh(f"{s.info.name}_tape")
        again = rev.namer.fresh(f"{s.target}_again")
        args = [copy_tree(a) for a in s.args]
        out.append(S.comment(CHECKPOINT_COMMENT))
        out.append(S.assign([again, tape], S.call(S.name(plan["forward"]), args)))
        call = S.call(S.name(plan["backward"]), [S.name(tape), seed])
        _take(rev, [(p, bound[p].id) for p in plan["params"]], call, s, out, zero)
        return
    # custom_vjp: bwd returns one cotangent per positional parameter, in order
    positions = _positional_names(s.wrapper)
    active = set(plan["params"])
    slots = [(p, bound[p].id if p in active else None) for p in positions]
    call = S.call(S.name(plan["backward"]), [S.name(plan["tape"]), seed])
    _take(rev, slots, call, s, out, zero)


def _take(rev, slots, call, s, out, zero):
    """`t1, t2, ... = call`, one target per (parameter, variable or None) slot: the adjoint
    itself when it is a symbolic zero, else a temporary added in afterwards."""
    targets, later, seen = [], [], set()
    for p, var in slots:
        if var is None:
            targets.append(rev.namer.fresh(f"unused_{p}"))
        elif var in zero and var not in seen:
            targets.append(rev.adjoint(var))
            zero.discard(var)
        else:
            tmp = rev.namer.fresh(f"{rev.adjoint(var)}_{s.info.name}")
            targets.append(tmp)
            later.append((var, tmp))
        if var is not None:
            seen.add(var)
    if len(targets) == 1:
        out.append(S.assign(targets[0], S.subscript(call, S.const(0))))
    else:
        out.append(S.assign(targets, call))
    for var, tmp in later:
        rev.add(var, S.name(tmp), out, zero)


def _positional_names(wrapper):
    return [p.name for p in wrapper._signature.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _positional(rev, s):
    """The call's arguments as one positional list, defaults filled in (what fwd receives)."""
    bound = dict(rev.callees.bind(s))
    args = []
    for p in s.wrapper._signature.parameters.values():
        if p.name in bound:
            args.append(copy_tree(bound[p.name]))
        elif p.default is not inspect.Parameter.empty:
            args.append(_constant(rev, s, p))
    return args


def _constant(rev, s, p):
    from .anf import simple_constant
    if simple_constant(p.default):
        return S.const(p.default)
    return S.name(global_ref(rev, f"{s.wrapper.__name__}_{p.name}_default", p.default))


def _name_of(fn):
    name = getattr(fn, "__name__", "rule")
    return name if name.isidentifier() and name != "<lambda>" else "rule"


def global_ref(rev, name, obj):
    """A name generated code reads `obj` by, given to the generated module: `name` itself
    unless the function's scope or the module means something else by it, else an alias."""
    module = rev.callees
    injected = getattr(module, "_injected", {})
    usable = (name.isidentifier() and not rev.info.is_local(name)
              and name not in module.module_names.taken
              and injected.get(name, obj) is obj
              and rev.info.lookup(name) in (obj, MISSING))
    if not usable:
        alias = module.module_names.fresh(f"{name}_rule")
        rev.namer.reserve([alias])
        name = alias
    module.inject(name, obj)
    return name


def prim_callee(rev, prim):
    """How the forward sweep calls a user-declared primitive: by its own name."""
    return S.name(global_ref(rev, prim.emit, prim.public))


def rule_names(rev, prim, rule, names):
    """Map the module globals a user primitive's rule reads onto the names generated code
    uses for them (added to `names`, the substitution of `Primitive.instantiate`)."""
    template_names = {prim.output, *prim.inputs, *prim.static_names}
    template_names |= {t.targets[0].id for t in prim.temps}
    read = set()
    for tree in [*rule.stmts, rule.expr, rule.core]:
        read |= S.names_loaded(tree)
    for g in sorted(read - template_names):
        if g in prim.rule_globals:
            ref = global_ref(rev, g, prim.rule_globals[g])
            if ref != g:
                names[g] = S.name(ref)


def _at(node, s):
    line = getattr(s, "line", None)
    if line is not None and getattr(node, "lineno", None) is None:
        node.lineno = line
        node.col_offset = 0
    return node
