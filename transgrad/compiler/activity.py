"""Activity analysis: which variables need an adjoint.

A variable is *varied* when its value depends, through differentiable operations, on an
argument being differentiated, and *useful* when the differentiated output depends on it.
Only variables both varied and useful (*active*) get adjoints and backward statements.
Integers, booleans, strings, ranges and shapes are never active; nor are comparison results,
loop counters, or anything computed under `tg.no_grad()` / `stop_gradient`.

Both sets are computed flow-insensitively (a variable is active if any of its definitions
is), iterating over the statements until nothing changes. That is conservative: it can only
add adjoint code, never drop a gradient.

The same pass reports the one way a gradient could silently be lost: a varied value flowing
into a function or operator with no derivative rule, whose result the output depends on. That
raises UnknownFunctionError (a function) or TransformError (an operator, attribute or
method), naming the user's line.
"""
from ..errors import UnknownFunctionError
from . import ir

__all__ = ["analyze"]


def _input_flows(s):
    """[(sources, targets)] along which variation flows through `s` (differentiable edges)."""
    if isinstance(s, ir.Prim):
        ins = {a.id for i, a in enumerate(s.args)
               if s.prim.vjps[i] is not None and hasattr(a, "id")}
        return [(ins, {s.target})]
    if isinstance(s, ir.Copy):
        return [({s.source}, {s.target})]
    if isinstance(s, ir.Pack):
        return [(ir.atom_names(s.elts), {s.target})]
    if isinstance(s, ir.PackDict):
        return [(ir.atom_names(s.values), {s.target})]
    if isinstance(s, ir.Unpack):
        return [({s.source}, set(s.targets))]
    if isinstance(s, ir.Index):
        return [({s.base}, {s.target})]
    if isinstance(s, ir.SetIndex):
        return [(ir.atom_names([s.value]) | {s.base}, {s.base})]
    if isinstance(s, ir.Append):
        return [(ir.atom_names([s.value]) | {s.base}, {s.base})]
    if isinstance(s, ir.Pop):
        return [({s.base}, {s.base, s.target})]
    if isinstance(s, ir.CallUser):
        return [(ir.atom_names(s.args) | ir.atom_names(list(s.kwargs.values())), {s.target})]
    return []


def analyze(block, wrt, outputs, avals, info):
    """The set of active variables of `block`, differentiating `wrt` for `outputs`."""
    stmts = list(ir.walk_blocks(block))
    flows = [(s, _input_flows(s)) for s in stmts]

    def can_vary(v):
        av = avals.get(v)
        return av is None or av.differentiable

    # worklists over def-use edges: each edge is visited once per variable that reaches it
    by_source, by_target = {}, {}
    for s, edges in flows:
        for sources, targets in edges:
            edge = (frozenset(sources), frozenset(targets))
            for v in sources:
                by_source.setdefault(v, []).append(edge)
            for t in targets:
                by_target.setdefault(t, []).append(edge)

    varied = {v for v in wrt if can_vary(v)}
    work = list(varied)
    while work:
        v = work.pop()
        for _sources, targets in by_source.get(v, ()):
            for t in targets:
                if t not in varied and can_vary(t):
                    varied.add(t)
                    work.append(t)

    useful = set(outputs)
    work = list(useful)
    while work:
        t = work.pop()
        for sources, _targets in by_target.get(t, ()):
            for v in sources:
                if v not in useful:
                    useful.add(v)
                    work.append(v)

    # the same, letting values through calls and operators with no rule (to find them)
    opaque_reads = {}
    for s in stmts:
        if isinstance(s, ir.Opaque):
            opaque_reads.setdefault(s.target, set()).update(s.reads())
    opaque_useful = set(outputs)
    work = list(opaque_useful)
    while work:
        t = work.pop()
        nexts = set(opaque_reads.get(t, ()))
        for sources, _targets in by_target.get(t, ()):
            nexts |= sources
        for v in nexts:
            if v not in opaque_useful:
                opaque_useful.add(v)
                work.append(v)

    for s in stmts:
        if isinstance(s, ir.Opaque) and s.what and s.target in opaque_useful:
            reached = sorted(v for v in s.reads() if v in varied)
            if reached:
                raise _no_rule(info, s, reached[0])
    return {v for v in varied & useful if can_vary(v)}


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
