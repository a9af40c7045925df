"""Activity analysis: which variables need an adjoint.

A variable is *varied* when its value depends, through differentiable operations, on an
argument being differentiated, and *useful* when the differentiated output depends on it.
Only variables both varied and useful (*active*) get adjoints and backward statements.
Integers, booleans, strings, ranges and shapes are never active; nor are comparison results,
loop counters, or anything computed under `tg.no_grad()` / `stop_gradient`.

Both sets are computed flow-insensitively (a variable is active if any of its definitions
is), as closures over the def-use edges of all statements, indexed once: each variable and
edge is visited once, so the pass is linear in the size of the function. Flow-insensitivity
is conservative: it can only add adjoint code, never drop a gradient.

The same pass reports the one way a gradient could silently be lost: a varied value flowing
into a function or operator with no derivative rule, whose result the output depends on. That
raises UnknownFunctionError (a function) or TransformError (an operator, attribute or
method), naming the user's line.
"""
from ..errors import UnknownFunctionError
from . import ir

__all__ = ["analyze"]


def _input_flow(s):
    """(sources, targets): the variables whose variation flows into which through `s` (its
    differentiable edges), or None when nothing flows through it."""
    if isinstance(s, ir.Prim):
        vjps = s.prim.vjps
        return {a.id for i, a in enumerate(s.args) if vjps[i] is not None and hasattr(a, "id")}, \
            {s.target}
    if isinstance(s, ir.Copy):
        return {s.source}, {s.target}
    if isinstance(s, ir.Pack):
        return ir.atom_names(s.elts), {s.target}
    if isinstance(s, ir.PackDict):
        return ir.atom_names(s.values), {s.target}
    if isinstance(s, ir.Unpack):
        return {s.source}, set(s.targets)
    if isinstance(s, ir.Index):
        return {s.base}, {s.target}
    if isinstance(s, (ir.SetIndex, ir.Append)):
        return ir.atom_names([s.value]) | {s.base}, {s.base}
    if isinstance(s, ir.Pop):
        return {s.base}, {s.base, s.target}
    if isinstance(s, ir.CallUser):
        return ir.atom_names(s.args) | ir.atom_names(list(s.kwargs.values())), {s.target}
    return None


def analyze(block, wrt, outputs, avals, info):
    """The set of active variables of `block`, differentiating `wrt` for `outputs`.

    One pass over the statements indexes the def-use edges both ways; each closure below
    then visits a variable once and an edge once per variable on it: linear in the size of
    the function."""
    stmts = list(ir.walk_blocks(block))
    flows_into, flows_from = {}, {}      # variable -> [targets of its edges] / [sources]
    opaque = []
    for s in stmts:
        flow = _input_flow(s)
        if flow is None:
            if isinstance(s, ir.Opaque):
                opaque.append(s)
            continue
        sources, targets = frozenset(flow[0]), frozenset(flow[1])
        for v in sources:
            flows_into.setdefault(v, []).append(targets)
        for t in targets:
            flows_from.setdefault(t, []).append(sources)

    differentiable = {}     # id(AVal) -> whether its kind can carry a gradient

    def can_vary(v):
        av = avals.get(v)
        if av is None:
            return True
        known = differentiable.get(id(av))
        if known is None:
            known = differentiable[id(av)] = av.differentiable
        return known

    varied = {v for v in wrt if can_vary(v)}
    work = list(varied)
    while work:
        for targets in flows_into.get(work.pop(), ()):
            for t in targets:
                if t not in varied and can_vary(t):
                    varied.add(t)
                    work.append(t)

    useful = _reaching(outputs, flows_from, {})

    # the same, letting values through calls and operators with no rule (to find them)
    named = [s for s in opaque if s.what]
    if named:
        opaque_reads = {}
        for s in opaque:
            opaque_reads.setdefault(s.target, set()).update(s.reads())
        opaque_useful = _reaching(outputs, flows_from, opaque_reads)
        for s in named:
            if s.target in opaque_useful:
                reached = sorted(v for v in s.reads() if v in varied)
                if reached:
                    raise _no_rule(info, s, reached[0])
    return {v for v in varied & useful}     # (every varied variable can vary)


def _reaching(outputs, flows_from, extra):
    """The variables `outputs` depend on along `flows_from` edges and `extra` ones."""
    reached = set(outputs)
    work = list(reached)
    while work:
        t = work.pop()
        for sources in flows_from.get(t, ()):
            for v in sources:
                if v not in reached:
                    reached.add(v)
                    work.append(v)
        for v in extra.get(t, ()):
            if v not in reached:
                reached.add(v)
                work.append(v)
    return reached


def _no_rule(info, s, var):
    what = s.what
    if what.endswith("()") or "." in what or what[:1].isalpha() and " " not in what:
        message = (f"{what} has no derivative rule: it is neither a transgrad primitive nor a "
                   f"Python function with source, and the value of {var!r} reaches it")
        hint = ("Hint: declare a rule with tg.primitive (or tg.custom_vjp), write the "
                "computation with NumPy functions transgrad knows, or wrap the argument in "
                "tg.stop_gradient(...) if no gradient should flow through it.")
        return info.error(s.at, message, hint, cls=UnknownFunctionError)
    message = f"{what} has no derivative rule, and the value of {var!r} reaches it"
    hint = ("Hint: write the computation with operators and NumPy functions transgrad knows, "
            "or declare a rule with tg.primitive.")
    return info.error(s.at, message, hint)
