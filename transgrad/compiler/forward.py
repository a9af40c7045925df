"""Forward mode: the IR of a function becomes one function computing values and tangents.

Beside every active statement of the primal code stands the statement computing the
tangent of its result, instantiated from the registry's forward rules (`prim.jvps[i]`: one
contribution per input tangent, summed). Nothing is saved: primal and tangent statements
interleave, so forward mode needs no tape and no second pass.

Tangents are named after their variables, `dx` for `x` (fresh names where the user already
has a `dx`). A tangent starts as a *symbolic zero*: an input whose tangent is zero
contributes no term, and a result with no term is a zero too, never materialised. Where
control flow joins (after an `if`, around a loop) the zero states of the paths are made to
agree by materialising zeros only where one path needs them (for loops a fixed point, as in
reverse mode). Containers (lists, dicts) that are changed in place get real tangent
containers, changed in step with the primal ones (`dxs.append(dx)`, `dt = dxs.pop()`).

A user function called with varying arguments becomes `g_jvp(args..., *, dp...)`, returning
`(result, tangent)`, specialised on which parameters carry a tangent
(`callees.request_jvp`). No derivative formula is written here.
"""
from . import ir, template, userrules
from . import syntax as S
from .quoting import gast, copy_tree
from .reverse import Reverse, _at

__all__ = ["Forward", "tangent_name"]

_ZERO, _LIVE = "zero", "live"
_TREE_KINDS = frozenset({"list", "tuple", "dict", "unknown"})


def tangent_name(var):
    """The preferred name of var's tangent: `dx` for `x`."""
    return "d" + var.lstrip("_") if var[:1] != "_" or len(var) > 1 else "d_"


class Forward:
    """Forward-mode transform of one function body (see the module docstring)."""

    def __init__(self, info, namer, avals, active, callees, tangents=None):
        self.info = info
        self.namer = namer
        self.avals = avals
        self.active = active
        self.callees = callees
        self.tangents = dict(tangents or {})
        # the reverse transform's primal printer and zero builder, reused as they are
        self.primal = Reverse(info, namer, avals, active, callees, set())
        self.helpers_used = self.primal.helpers_used

    # ------------------------------------------------------------------ names and zeros
    def tangent(self, var):
        name = self.tangents.get(var)
        if name is None:
            name = self.namer.fresh(tangent_name(var))
            self.tangents[var] = name
        return name

    def aval(self, var):
        return self.primal.aval(var)

    def zeros_of(self, var):
        return self.primal.zeros_of(var)

    def zero_value(self, atom):
        """A materialised zero tangent for an operand (None for what has no tangent)."""
        if isinstance(atom, gast.Constant):
            v = atom.value
            if isinstance(v, float):
                return S.const(0.0)
            if isinstance(v, complex):
                return S.const(0j)
            return S.const(None)
        av = self.aval(atom.id)
        if not av.differentiable:
            return S.const(None)
        return self.zeros_of(atom.id)

    def live(self, atom, state):
        """The tangent of an operand as an expression, or None when it is a symbolic zero."""
        if isinstance(atom, gast.Name) and atom.id in self.active and state.get(atom.id) == _LIVE:
            return S.name(self.tangent(atom.id))
        return None

    def tangent_or_zero(self, atom, state):
        t = self.live(atom, state)
        return t if t is not None else self.zero_value(atom)

    def materialize(self, var, out, state):
        if var in self.active and state.get(var) == _ZERO:
            out.append(S.assign(self.tangent(var), self.zeros_of(var)))
            state[var] = _LIVE

    def define(self, var, state, live):
        if var in self.active:
            state[var] = _LIVE if live else _ZERO

    # ------------------------------------------------------------------ blocks
    def block(self, stmts, state):
        """Primal and tangent code of `stmts`; `state` ({active var: zero/live}) is updated."""
        out = []
        for s in stmts:
            code = self.stmt(s, state)
            for node in code:
                _at(node, s)
            out += code
        return out

    def stmt(self, s, state):
        if isinstance(s, ir.If):
            return self.if_(s, state)
        if isinstance(s, ir.For):
            return self.for_(s, state)
        if isinstance(s, ir.While):
            return self.while_(s, state)
        if isinstance(s, ir.CallUser):
            return self.call(s, state)
        pre, post = [], []
        if isinstance(s, ir.Prim):
            self.prim(s, post, state)
        elif isinstance(s, ir.Copy):
            if s.target != s.source:
                t = self.live(S.name(s.source), state)
                if t is not None and s.target in self.active:
                    kind = self.aval(s.source).kind
                    if s.fresh and kind in ("list", "dict"):
                        t = S.call(S.name(kind), [t])
                    post.append(S.assign(self.tangent(s.target), t))
                self.define(s.target, state, t is not None)
        elif isinstance(s, (ir.Opaque, ir.Stop)):
            self.define(s.target, state, False)
        elif isinstance(s, ir.Effect):
            for w in s.writes:
                self.define(w, state, False)
        elif isinstance(s, ir.Pack):
            self.pack(s, post, state)
        elif isinstance(s, ir.PackDict):
            if s.target in self.active:
                values = [self.tangent_or_zero(v, state) for v in s.values]
                node = gast.Dict(keys=[copy_tree(k) for k in s.keys], values=values)
                post.append(S.assign(self.tangent(s.target), node))
            self.define(s.target, state, True)
        elif isinstance(s, ir.Unpack):
            t = self.live(S.name(s.source), state)
            wanted = [x for x in s.targets if x in self.active]
            if t is not None and wanted:
                targets = [self.tangent(x) if x in self.active else "_" for x in s.targets]
                post.append(S.assign(targets, t))
            for x in s.targets:
                self.define(x, state, t is not None)
        elif isinstance(s, ir.Index):
            t = self.live(S.name(s.base), state)
            if t is not None and s.target in self.active:
                post.append(S.assign(self.tangent(s.target), S.subscript(t, copy_tree(s.index))))
            self.define(s.target, state, t is not None)
        elif isinstance(s, ir.SetIndex):
            if s.base in self.active:
                value = self.live(s.value, state)
                if value is not None or state.get(s.base) == _LIVE:
                    self.materialize(s.base, post, state)
                    value = value if value is not None else self.zero_value(s.value)
                    target = S.subscript(S.name(self.tangent(s.base)), copy_tree(s.index), gast.Store())
                    post.append(S.assign(target, value))
        elif isinstance(s, ir.Append):
            if s.base in self.active:
                value = self.live(s.value, state)
                if value is not None or state.get(s.base) == _LIVE:
                    self.materialize(s.base, pre, state)
                    value = value if value is not None else self.zero_value(s.value)
                    post.append(S.expr_stmt(S.call(S.attr(S.name(self.tangent(s.base)), "append"),
                                                   [value])))
        elif isinstance(s, ir.Pop):
            live = s.base in self.active and state.get(s.base) == _LIVE
            if live:
                popped = S.call(S.attr(S.name(self.tangent(s.base)), "pop"), [])
                post.append(S.assign(self.tangent(s.target), popped) if s.target in self.active
                            else S.expr_stmt(popped))
            self.define(s.target, state, live)
        return pre + self.primal.forward_code(s) + post

    # ------------------------------------------------------------------ statements
    def prim(self, s, out, state):
        if s.target not in self.active:
            return
        prim = s.prim
        terms = []
        for i, arg in enumerate(s.args):
            seed = self.live(arg, state)
            rule = prim.jvps[i]
            if seed is None or rule is None:
                continue
            stmts, expr = self.instantiate(s, rule, i, seed)
            out.extend(stmts)
            terms.append(expr)
        if terms:
            tree = (prim.multiple_outputs or prim.name in ("add_grads", "structured")
                    or self.aval(s.target).kind in _TREE_KINDS - {"unknown"})
            out.append(S.assign(self.tangent(s.target), self.total(terms, tree)))
        self.define(s.target, state, bool(terms))

    def total(self, terms, tree):
        """The sum of tangent contributions (leaf by leaf for containers)."""
        result = terms[0]
        for term in terms[1:]:
            if tree:
                self.helpers_used.add("add_grads")
                result = S.call(S.name("add_grads"), [result, term])
            else:
                result = S.binop(result, gast.Add(), term)
        return result

    def instantiate(self, s, rule, i, seed):
        prim = s.prim
        names = template.names_for(s, rule, f"t:{prim.inputs[i]}", seed, self.namer)
        if prim.user:               # names its rules read from the user's module (userrules.py)
            userrules.rule_names(self.primal, prim, rule, names)
        expr = rule.core if prim.broadcasting and self.primal.same_shape(s.args[i], s.target) else None
        stmts, expr = template.instantiate(rule, names, expr, self.primal.known_shape)
        self.helpers_used |= template.helpers_called([expr] + stmts)
        return stmts, expr

    def pack(self, s, out, state):
        if s.target not in self.active:
            self.define(s.target, state, False)
            return
        tangents = [self.live(e, state) for e in s.elts]
        if s.kind == "tuple" and all(t is None for t in tangents):
            self.define(s.target, state, False)
            return
        values = [t if t is not None else self.zero_value(e) for t, e in zip(tangents, s.elts)]
        display = S.tuple_ if s.kind == "tuple" else S.list_
        out.append(S.assign(self.tangent(s.target), display(values)))
        self.define(s.target, state, True)

    def call(self, s, state):
        plan = self.call_plan(s, state)
        args = [copy_tree(a) for a in s.args]
        kwargs = {k: copy_tree(v) for k, v in s.kwargs.items()}
        if plan is None:
            self.define(s.target, state, False)
            return [S.assign(s.target, S.call(copy_tree(s.func_expr), args, kwargs))]
        for param, tname in zip(plan["params"], plan["tangent_params"]):
            kwargs[tname] = S.name(self.tangent(plan["bound"][param].id))
        self.define(s.target, state, True)
        return [S.assign([s.target, self.tangent(s.target)],
                         S.call(S.name(plan["name"]), args, kwargs))]

    def call_plan(self, s, state):
        if s.target not in self.active:
            return None
        userrules.check_forward(self.info, s)   # a tg.custom_vjp function: no forward rule
        bound = self.callees.bind(s)
        params = tuple(p for p, atom in bound if self.live(atom, state) is not None)
        if not params:
            return None
        param_avals = tuple((p, self.aval(atom.id) if isinstance(atom, gast.Name) else None)
                            for p, atom in bound)
        name, tangent_params = self.callees.request_jvp(s.info, params, param_avals)
        return {"name": name, "params": params, "bound": dict(bound),
                "tangent_params": tangent_params}

    # ------------------------------------------------------------------ control flow
    def join(self, states, blocks):
        """Make the zero states at the end of several paths agree: a tangent live on one
        path is materialised on the paths where it is a zero. Returns the joined state."""
        joined = {}
        for var in set().union(*states):
            values = {st.get(var) for st in states} - {None}
            joined[var] = _LIVE if _LIVE in values else _ZERO
        for st, code in zip(states, blocks):
            for var in sorted(joined):
                if joined[var] == _LIVE and st.get(var) == _ZERO:
                    self.materialize(var, code, st)
        return joined

    def if_(self, s, state):
        sb, so = dict(state), dict(state)
        body = self.block(s.body, sb)
        orelse = self.block(s.orelse, so)
        joined = self.join([sb, so], [body, orelse])
        state.clear()
        state.update(joined)
        return [gast.If(test=S.name(s.test), body=body or [gast.Pass()], orelse=orelse)]

    def loop_body(self, stmts, state, pre):
        """The body of a loop entered in `state`, with the zero states at its entry and end
        made to agree (a fixed point: a tangent that becomes live in the body is live at
        entry, materialised before the loop if it was a zero there)."""
        entry = dict(state)
        snapshot = (set(self.namer.taken), dict(self.namer.counters), dict(self.tangents))
        for _ in range(64):
            end = dict(entry)
            body = self.block(stmts, end)
            grow = {v for v, st in end.items() if st == _LIVE and entry.get(v) != _LIVE}
            if not grow:
                break
            for v in grow:
                entry[v] = _LIVE
            self.namer.taken, self.namer.counters = set(snapshot[0]), dict(snapshot[1])
            self.tangents = dict(snapshot[2])
        for var in sorted(entry):
            if entry[var] == _LIVE and end.get(var) == _ZERO:
                self.materialize(var, body, end)
        for var in sorted(entry):
            if entry[var] == _LIVE and state.get(var) == _ZERO:
                self.materialize(var, pre, state)
        state.update(entry)
        return body

    def for_(self, s, state):
        pre = []
        body = self.loop_body(s.body, state, pre)
        loop = gast.For(target=S.store(s.target), iter=S.call(S.name("range"), [copy_tree(a) for a in s.args]),
                        body=body or [gast.Pass()], orelse=[], type_comment=None)
        return pre + [loop]

    def while_(self, s, state):
        test = self.block(s.test_block, state)
        pre = []
        body = self.loop_body(list(s.body) + [_copy_ir(t) for t in s.test_block], state, pre)
        loop = gast.While(test=S.name(s.test), body=body or [gast.Pass()], orelse=[])
        return test + pre + [loop]


def _copy_ir(s):
    from .reverse import copy_tree_ir
    return copy_tree_ir(s)

