"""Reverse mode: the IR of a function becomes a forward pass and a backward pass.

The forward pass is the function itself plus the saves `saves.py` places. The backward pass
visits the statements in reverse order and, for each active one, instantiates the registry's
rule templates (`prim.vjps[i]`) with the statement's operands and the adjoint of its result
as seed. No derivative formula is written here.

Adjoints are named after their variables (`bx` for `x`). They start as *symbolic zeros*: the
first contribution to an adjoint is an assignment (`bx = g`), later ones accumulate
(`bx = bx + g`: not in place as written, since an adjoint may share its array with another;
even a scalar's adjoint may be a shared 0-d array). A statement that defines `x` ends the life
of `bx` (the earlier `x` is another value), so `bx` is a symbolic zero again before it. Where
control flow joins, the zero states of the paths are made to agree by materialising zeros only
where one path needs them; for loops this is a fixed point (a body may not turn a zero into a
non-zero between iterations unless the zero is materialised before the loop).

Code generated for plain calls (`plain_values`: a `tg.grad` function called on NumPy values,
never re-run on Tensors or batches nor transformed again) does two things more:
- accumulations into the adjoint of a float64 array of known shape are marked
  (`ACCUMULATE`); the optimiser turns a marked `bx = bx + g` into `bx += g` where it can
  prove `bx` holds a buffer nothing else references (`optimize.accumulate_in_place`);
- a `for` loop over `range(n)` outside other loops saves into a list made before it,
  `saved_k = [None] * n`, one slot per iteration (`saved_k[k] = ...`, read back as
  `... = saved_k[k]`) instead of appending a tuple to the shared stack and popping it.

Control flow: a branch's backward pass tests the same (saved) condition; a `for` loop runs
backwards over the same range, which restores its counter; a `while` loop counts its
iterations and the backward pass runs that many. User-function calls become calls of a
generated forward/backward pair (`callees.request`), whose tape is an ordinary value.
"""
import contextlib
import threading

import numpy as np

from ..errors import TransformError
from . import anomaly, ir, template, userrules
from . import syntax as S
from .quoting import gast, copy_tree
from .saves import place_saves

__all__ = ["Reverse", "plain_values", "ACCUMULATE"]

# attribute set (True) on an accumulation `bx = bx + g` the optimiser may make `bx += g`
ACCUMULATE = "_tg_accumulate"

# per thread: the code object whose gradient is generated for plain calls, or None (a
# thread generating code to transform again must not see another thread's plain call)
_PLAIN = threading.local()


@contextlib.contextmanager
def plain_values(code):
    """Within: the gradient of the function whose code object is `code` is generated for
    plain calls only (None: for no function). api.py asks for it around the compilation of a
    `tg.grad` call on NumPy values; every other client (tg.compile's re-run on Tensors with
    create_graph, batched Jacobians, higher order reading generated source) gets code with
    neither in-place accumulation nor preallocated save lists. Tied to one code object so
    that a generation nested inside (a callee, a gradient called in the function) is not
    affected."""
    previous = getattr(_PLAIN, "code", None)
    _PLAIN.code = code
    try:
        yield
    finally:
        _PLAIN.code = previous


class Item:
    """One IR statement: its forward code, what it defines, and its backward code."""

    __slots__ = ("stmt", "fwd", "defs", "bwd", "pre", "children", "build_fwd", "build_bwd",
                 "header_reads", "line", "mutates")

    def __init__(self, stmt, fwd, defs):
        self.stmt = stmt
        self.fwd = fwd
        self.defs = defs
        self.bwd = []
        self.pre = []
        self.children = []
        self.build_fwd = None
        self.build_bwd = None
        self.header_reads = set()
        self.line = stmt.line if stmt is not None else None
        self.mutates = set()


class Block:
    __slots__ = ("items", "end", "loop_target")

    def __init__(self, items):
        self.items = items
        self.end = []
        self.loop_target = None

    def has_backward(self):
        stack = [self]
        while stack:
            b = stack.pop()
            if b.end:
                return True
            for item in b.items:
                if item.bwd or item.pre:
                    return True
                stack.extend(item.children)
        return False


class Reverse:
    """Reverse-mode transform of one function body (see the module docstring)."""

    def __init__(self, info, namer, avals, active, callees, mutated):
        self.info = info
        self.namer = namer
        self.avals = avals
        self.active = active
        self.callees = callees
        self.mutated = mutated          # variables changed in place somewhere (saved by copy)
        self.stack_name = None
        self.primal = set()
        self.helpers_used = set()
        plain = getattr(_PLAIN, "code", None)
        self.plain = plain is not None and getattr(info.fn, "__code__", None) is plain
        self.in_place = self.plain and _real_and_known(avals)

    # ================================================================ forward
    def forward_block(self, stmts):
        items = []
        for s in stmts:
            if isinstance(s, ir.While):
                for t in s.test_block:
                    items.append(self.forward_item(t))
                items.append(self.forward_item(ir.Opaque(s.counter, S.const(0)).located(s.at)))
            items.append(self.forward_item(s))
        return Block(items)

    def forward_item(self, s):
        fwd = self.forward_code(s)
        defs = set(s.defs())
        if isinstance(s, ir.CallUser) and getattr(s, "_plan", None) and s._plan["tape"]:
            defs.add(s._plan["tape"])
        item = Item(s, fwd, defs)
        if isinstance(s, (ir.SetIndex, ir.Append, ir.Pop)):
            item.mutates = {s.base}
        if isinstance(s, ir.If):
            body, orelse = self.forward_block(s.body), self.forward_block(s.orelse)
            item.children = [body, orelse]
            item.build_fwd = lambda parts, s=s: [_at(gast.If(test=S.name(s.test), body=parts[0] or [
                gast.Pass()], orelse=parts[1]), s)]
        elif isinstance(s, ir.For):
            body = self.forward_block(s.body)
            body.loop_target = s.target
            item.children = [body]
            item.defs.add(s.target)
            item.build_fwd = lambda parts, s=s: [_at(gast.For(
                target=S.store(s.target), iter=S.call(S.name("range"), [copy_tree(a) for a in s.args]),
                body=parts[0] or [gast.Pass()], orelse=[], type_comment=None), s)]
        elif isinstance(s, ir.While):
            stmts = list(s.body) + [ir.Opaque(s.counter, S.binop(S.name(s.counter), gast.Add(),
                                                                 S.const(1))).located(s.at)]
            stmts += [copy_tree_ir(t) for t in s.test_block]
            body = self.forward_block(stmts)
            item.children = [body]
            item.defs.add(s.counter)
            item.build_fwd = lambda parts, s=s: [_at(gast.While(
                test=S.name(s.test), body=parts[0] or [gast.Pass()], orelse=[]), s)]
        for child in item.children:
            for sub in child.items:
                item.defs |= sub.defs
                item.mutates |= sub.mutates
        self.primal |= item.defs
        return item

    def forward_code(self, s):
        """The forward statements of a simple IR statement."""
        if isinstance(s, ir.Prim):
            value = self.primal_call(s)
            return [_at(S.assign(s.target, value), s)]
        if isinstance(s, ir.Copy):
            src = S.name(s.source)
            if s.fresh:
                kind = self.aval(s.source).kind
                if kind == "list":
                    src = S.call(S.name("list"), [src])
                elif kind == "dict":
                    src = S.call(S.name("dict"), [src])
                elif kind in ("array", "unknown"):
                    src = S.np_call("copy", src)
            return [_at(S.assign(s.target, src), s)]
        if isinstance(s, ir.Opaque):
            return [_at(S.assign(s.target, copy_tree(s.expr)), s)]
        if isinstance(s, ir.Stop):
            # kept as a call, so that code transformed again (higher order) stops there too
            return [_at(S.assign(s.target, S.call(S.dotted("tg.stop_gradient"), [S.name(s.source)])), s)]
        if isinstance(s, ir.Pack):
            display = S.tuple_ if s.kind == "tuple" else S.list_
            return [_at(S.assign(s.target, display([copy_tree(e) for e in s.elts])), s)]
        if isinstance(s, ir.PackDict):
            node = gast.Dict(keys=[copy_tree(k) for k in s.keys], values=[copy_tree(v) for v in s.values])
            return [_at(S.assign(s.target, node), s)]
        if isinstance(s, ir.Unpack):
            return [_at(S.assign(list(s.targets), S.name(s.source)), s)]
        if isinstance(s, ir.Index):
            return [_at(S.assign(s.target, S.subscript(S.name(s.base), copy_tree(s.index))), s)]
        if isinstance(s, ir.SetIndex):
            target = S.subscript(S.name(s.base), copy_tree(s.index), gast.Store())
            return [_at(S.assign(target, copy_tree(s.value)), s)]
        if isinstance(s, ir.Append):
            return [_at(S.expr_stmt(S.call(S.attr(S.name(s.base), "append"), [copy_tree(s.value)])), s)]
        if isinstance(s, ir.Pop):
            return [_at(S.assign(s.target, S.call(S.attr(S.name(s.base), "pop"), [])), s)]
        if isinstance(s, ir.CallUser):
            args = [copy_tree(a) for a in s.args]
            kwargs = {k: copy_tree(v) for k, v in s.kwargs.items()}
            plan = self.call_plan(s)
            if plan is None:
                return [_at(S.assign(s.target, S.call(copy_tree(s.func_expr), args, kwargs)), s)]
            if "rule" in plan:      # tg.checkpoint / tg.custom_vjp (userrules.py)
                return userrules.forward_code(self, s, plan)
            tape = plan["tape"]
            self.primal.add(tape)
            return [_at(S.assign([s.target, tape], S.call(S.name(plan["forward"]), args, kwargs)), s)]
        if isinstance(s, ir.Effect):
            return [copy_tree(s.stmt)]
        if isinstance(s, ir.Return):
            return []
        return []

    def primal_call(self, s):
        prim = s.prim
        if s.index_syntax is not None:
            return S.subscript(copy_tree(s.args[0]), copy_tree(s.index_syntax))
        if s.op is not None:
            if isinstance(s.op, gast.unaryop):
                return gast.UnaryOp(op=s.op, operand=copy_tree(s.args[0]))
            return S.binop(copy_tree(s.args[0]), s.op, copy_tree(s.args[1]))
        keywords = {}
        for name, node in s.statics.items():
            default = _emitted_default(prim, name)
            if isinstance(node, gast.Constant) and node.value is default and not isinstance(default, bool):
                continue
            if isinstance(node, gast.Constant) and node.value == default and type(node.value) is type(default):
                continue
            keywords[name] = copy_tree(node)
        func = userrules.prim_callee(self, prim) if prim.user else S.dotted(prim.emit)
        return S.call(func, [copy_tree(a) for a in s.args], keywords)

    def call_plan(self, s):
        """The generated pair a call of a user function uses, or None when no active value
        goes in or comes out (then the original function is called)."""
        plan = getattr(s, "_plan", None)
        if plan is not None or getattr(s, "_planned", False):
            return plan
        s._planned = True
        if s.target not in self.active:
            s._plan = None
            return None
        bound = self.callees.bind(s)
        active_params = tuple(p for p, atom in bound if isinstance(atom, gast.Name) and atom.id in self.active)
        if not active_params:
            s._plan = None
            return None
        if userrules.is_marked(s):
            s._plan = userrules.plan(self, s, bound, active_params)
            return s._plan
        param_avals = tuple((p, self.aval(atom.id) if isinstance(atom, gast.Name) else None)
                            for p, atom in bound)
        fwd, bwd = self.callees.request(s.info, active_params, param_avals)
        s._plan = {"forward": fwd, "backward": bwd, "params": active_params, "bound": bound,
                   "tape": self.namer.fresh(f"{s.info.name}_tape")}
        return s._plan

    # ================================================================ backward
    def aval(self, var):
        from .avals import UNKNOWN
        return self.avals.get(var, UNKNOWN)

    def adjoint(self, var):
        return self.namer.adjoint(var)

    def backward_block(self, block, zero):
        """Fill the backward code of `block`'s items, last first; return the zero state at
        the block's start."""
        for item in reversed(block.items):
            item.bwd = []
            item.pre = []
            item.header_reads = set()
            self.backward_item(item, zero)
        return zero

    def add(self, var, expr, out, zero):
        """Accumulate `expr` into var's adjoint (the first contribution assigns)."""
        b = self.adjoint(var)
        if var in zero:
            out.append(S.assign(b, expr))
            zero.discard(var)
        elif self.aval(var).kind in _TREE_KINDS:
            self.helpers_used.add("add_grads")
            out.append(S.assign(b, S.call(S.name("add_grads"), [S.name(b), expr])))
        else:
            # not `bx += g` as written: a scalar's adjoint can be a 0-d array (np.where, a
            # reshape view) that another adjoint shares, which `+=` would change in place.
            # Marked where the optimiser may prove it safe (a float64 buffer of known shape,
            # see optimize.accumulate_in_place)
            stmt = S.assign(b, S.binop(S.name(b), gast.Add(), expr))
            if self.in_place and self.float64_array(var):
                setattr(stmt, ACCUMULATE, True)
            out.append(stmt)

    def float64_array(self, var):
        """Whether var is a float64 array of a known shape with at least one axis (its zero
        adjoint is the buffer `np.zeros(shape)`)."""
        av = self.aval(var)
        return (av.kind == "array" and av.dtype == np.float64 and av.shape is not None
                and len(av.shape) >= 1 and all(isinstance(n, int) for n in av.shape))

    def zeros_of(self, var):
        av = self.aval(var)
        if av.kind == "float":
            return S.const(0.0)
        if av.kind == "array":
            if av.shape is not None and av.dtype is not None:
                args = [S.const(tuple(av.shape))]
                if av.dtype.name != "float64":
                    return S.call(S.dotted("np.zeros"), args, {"dtype": S.dotted(f"np.{av.dtype.name}")})
                return S.call(S.dotted("np.zeros"), args)
            return S.np_call("zeros_like", S.name(var))
        self.helpers_used.add("zeros_like")
        return S.call(S.name("zeros_like"), [S.name(var)])

    def materialize(self, var, out, zero):
        if var in zero:
            out.append(S.assign(self.adjoint(var), self.zeros_of(var)))
            zero.discard(var)

    def seed(self, var, zero):
        if var not in self.active or var in zero:
            return None
        return S.name(self.adjoint(var))

    def kill(self, var, zero):
        if var in self.active:
            zero.add(var)

    def backward_item(self, item, zero):
        s = item.stmt
        out = item.bwd
        if isinstance(s, ir.Prim):
            self.backward_prim(s, out, zero)
        elif isinstance(s, ir.Copy):
            seed = self.seed(s.target, zero)
            if s.target != s.source:
                self.kill(s.target, zero)
                if seed is not None and s.source in self.active:
                    self.add(s.source, seed, out, zero)
        elif isinstance(s, (ir.Opaque, ir.Stop)):
            self.kill(s.target, zero)
        elif isinstance(s, ir.Effect):
            for w in s.writes:
                self.kill(w, zero)
        elif isinstance(s, ir.Pack):
            seed = self.seed(s.target, zero)
            self.kill(s.target, zero)
            if seed is not None:
                for j, e in enumerate(s.elts):
                    if isinstance(e, gast.Name) and e.id in self.active:
                        self.add(e.id, S.subscript(copy_tree(seed), S.const(j)), out, zero)
        elif isinstance(s, ir.PackDict):
            seed = self.seed(s.target, zero)
            self.kill(s.target, zero)
            if seed is not None:
                for k, e in zip(s.keys, s.values):
                    if isinstance(e, gast.Name) and e.id in self.active:
                        self.add(e.id, S.subscript(copy_tree(seed), copy_tree(k)), out, zero)
        elif isinstance(s, ir.Unpack):
            seeds = [(j, t, self.seed(t, zero)) for j, t in enumerate(s.targets)]
            for t in s.targets:
                self.kill(t, zero)
            if s.source in self.active and any(sd is not None for _, _, sd in seeds):
                self.materialize(s.source, out, zero)
                b = S.name(self.adjoint(s.source))
                for j, t, sd in seeds:
                    if sd is not None:
                        out.append(self.element_add(b, S.const(j), sd, self.aval(t)))
        elif isinstance(s, ir.Index):
            seed = self.seed(s.target, zero)
            self.kill(s.target, zero)
            if seed is not None and s.base in self.active:
                self.materialize(s.base, out, zero)
                out.append(self.element_add(S.name(self.adjoint(s.base)), s.index, seed,
                                            self.aval(s.target)))
        elif isinstance(s, ir.SetIndex):
            if s.base in self.active and s.base not in zero:
                b = S.name(self.adjoint(s.base))
                element = S.subscript(copy_tree(b), copy_tree(s.index))
                if isinstance(s.value, gast.Name) and s.value.id in self.active:
                    self.add(s.value.id, element, out, zero)
                self.helpers_used.add("zeros_like")
                out.append(S.assign(S.subscript(copy_tree(b), copy_tree(s.index), gast.Store()),
                                    S.call(S.name("zeros_like"), [copy_tree(element)])))
        elif isinstance(s, ir.Append):
            if s.base in self.active and s.base not in zero:
                popped = S.call(S.attr(S.name(self.adjoint(s.base)), "pop"), [])
                if isinstance(s.value, gast.Name) and s.value.id in self.active:
                    self.add(s.value.id, popped, out, zero)
                else:
                    out.append(S.expr_stmt(popped))
        elif isinstance(s, ir.Pop):
            # the adjoint of a pop pushes the popped value's adjoint back (lists' adjoints
            # are lists of the same length, so positions match)
            seed = self.seed(s.target, zero)
            self.kill(s.target, zero)
            if s.base in self.active and (seed is not None or s.base not in zero):
                self.materialize(s.base, out, zero)
                value = seed if seed is not None else self.zeros_of(s.target)
                out.append(S.expr_stmt(S.call(S.attr(S.name(self.adjoint(s.base)), "append"),
                                              [value])))
        elif isinstance(s, ir.CallUser):
            self.backward_call(s, out, zero)
        elif isinstance(s, ir.If):
            self.backward_if(item, zero)
        elif isinstance(s, (ir.For, ir.While)):
            self.backward_loop(item, zero)
        elif isinstance(s, ir.Return):
            pass
        for stmt in out:
            _at(stmt, s)

    def element_add(self, container, index, value, element_aval):
        """`container[index] = container[index] + value` (container adjoints are lists/dicts
        we made, so updating them in place is safe)."""
        element = S.subscript(copy_tree(container), copy_tree(index))
        target = S.subscript(copy_tree(container), copy_tree(index), gast.Store())
        if element_aval.kind in _TREE_KINDS:
            self.helpers_used.add("add_grads")
            return S.assign(target, S.call(S.name("add_grads"), [element, copy_tree(value)]))
        return S.assign(target, S.binop(element, gast.Add(), copy_tree(value)))

    def backward_prim(self, s, out, zero):
        seed = self.seed(s.target, zero)
        self.kill(s.target, zero)
        if seed is None:
            return
        prim = s.prim
        for i, arg in enumerate(s.args):
            if not (isinstance(arg, gast.Name) and arg.id in self.active):
                continue
            rule = prim.vjps[i]
            if rule is None:
                continue
            stmts, expr = self.instantiate(s, rule, i, seed)
            out.extend(stmts)
            self.add(arg.id, expr, out, zero)
            if anomaly.instrumented():      # anomaly mode: NaN check (none otherwise)
                out.append(anomaly.check_statement(self, s, i, arg.id))

    def instantiate(self, s, rule, i, seed):
        prim = s.prim
        names = template.names_for(s, rule, f"d:{prim.output}", seed, self.namer)
        if prim.user:               # names its rules read from the user's module
            userrules.rule_names(self, prim, rule, names)
        expr = None
        if prim.broadcasting:
            if self.same_shape(s.args[i], s.target):
                expr = rule.core
            else:
                expr = self.summed_core(rule, s.args[i], s.target)
        stmts, expr = template.instantiate(rule, names, expr, self.known_shape, self.floating)
        self.helpers_used |= template.helpers_called([expr] + stmts)
        return stmts, expr

    def summed_core(self, rule, atom, target):
        """`rule.core` summed down to the input's shape as `np.sum(core, axis=...)`, where
        both shapes are known and the input's shape is the output's with leading axes
        dropped, or with some axes of length one (what `unbroadcast` would do, without its
        shape tests at run time); None otherwise."""
        if not isinstance(atom, gast.Name):
            return None
        a, z = self.aval(atom.id), self.aval(target)
        if a.kind != "array" or z.kind != "array" or a.shape is None or z.shape is None:
            return None
        src, dst = tuple(z.shape), tuple(a.shape)
        extra = len(src) - len(dst)
        if extra < 0 or any(not isinstance(n, int) for n in src + dst):
            return None
        if extra and dst == src[extra:]:
            axes, keep = tuple(range(extra)), False
        elif not extra and all(m == n or m == 1 for m, n in zip(dst, src)):
            axes, keep = tuple(i for i, (m, n) in enumerate(zip(dst, src)) if m != n), True
        else:
            return None
        keywords = {"axis": S.const(axes[0] if len(axes) == 1 else axes)}
        if keep:
            keywords["keepdims"] = S.const(True)
        return S.call(S.dotted("np.sum"), [copy_tree(rule.core)], keywords)

    def floating(self, var):
        """Whether var is known to hold a floating-point number or array (template.py writes
        integer literals next to it as floats)."""
        av = self.avals.get(var)
        return (av is not None and av.kind in ("float", "array") and av.dtype is not None
                and getattr(av.dtype, "kind", None) in ("f", "c"))

    def known_shape(self, var):
        av = self.aval(var)
        if av.shape is not None and av.kind in ("float", "array"):
            return tuple(av.shape)
        return None

    def same_shape(self, atom, target):
        a = self.aval(atom.id) if isinstance(atom, gast.Name) else None
        z = self.aval(target)
        return (a is not None and a.shape is not None and z.shape is not None
                and a.shape == z.shape and a.kind in ("float", "array"))

    def backward_call(self, s, out, zero):
        plan = self.call_plan(s)
        seed = self.seed(s.target, zero)
        self.kill(s.target, zero)
        if plan is None or seed is None:
            return
        if "rule" in plan:          # tg.checkpoint / tg.custom_vjp (userrules.py)
            return userrules.backward_code(self, s, plan, seed, out, zero)
        bound = dict(plan["bound"])
        targets = []
        later = []
        seen = set()
        for p in plan["params"]:
            var = bound[p].id
            if var in zero and var not in seen:
                targets.append(self.adjoint(var))
                zero.discard(var)
            else:
                tmp = self.namer.fresh(f"{self.adjoint(var)}_{s.info.name}")
                targets.append(tmp)
                later.append((var, tmp))
            seen.add(var)
        call = S.call(S.name(plan["backward"]), [S.name(plan["tape"]), seed])
        target = targets[0] if len(targets) == 1 else targets
        if len(targets) == 1:
            call = S.subscript(call, S.const(0))
        out.append(S.assign(target, call))
        for var, tmp in later:
            self.add(var, S.name(tmp), out, zero)

    def backward_if(self, item, zero):
        body, orelse = item.children
        body.end, orelse.end = [], []
        zb = self.backward_block(body, set(zero))
        zo = self.backward_block(orelse, set(zero))
        for var in sorted(zb - zo):
            self.materialize(var, body.end, zb)
        for var in sorted(zo - zb):
            self.materialize(var, orelse.end, zo)
        zero.clear()             # after the if: zero where both branches leave it zero
        zero.update(zb & zo)     # (a variable both branches assign is zero before the if)
        s = item.stmt
        if body.has_backward() or orelse.has_backward():
            item.header_reads = {s.test}
            item.build_bwd = lambda parts, s=s: [_at(gast.If(
                test=S.name(s.test), body=parts[0] or [gast.Pass()], orelse=parts[1]), s)]
        else:
            item.build_bwd = None

    def backward_loop(self, item, zero):
        (body,) = item.children
        entry = set(zero)
        snapshot = self.namer_state()
        for _ in range(64):
            out = self.backward_block(body, set(entry))
            bad = entry - out
            if not bad:
                break
            entry -= bad
            self.restore_namer(snapshot)
            out = None
        if out is None:
            raise TransformError("internal: adjoint zero states of a loop did not settle")
        body.end = []
        for var in sorted(out - entry):
            self.materialize(var, body.end, out)
        for var in sorted(zero - entry):
            self.materialize(var, item.pre, zero)
        zero.intersection_update(entry)
        s = item.stmt
        if not body.has_backward():
            item.build_bwd = None
            return
        if isinstance(s, ir.For):
            item.header_reads = ir.atom_names(s.args)
            item.build_bwd = lambda parts, s=s: [_at(gast.For(
                target=S.store(s.target),
                iter=S.call(S.name("reversed"), [S.call(S.name("range"), [copy_tree(a) for a in s.args])]),
                body=parts[0] or [gast.Pass()], orelse=[], type_comment=None), s)]
        else:
            item.header_reads = {s.counter}
            item.build_bwd = lambda parts, s=s: [_at(gast.For(
                target=S.store("_"), iter=S.call(S.name("range"), [S.name(s.counter)]),
                body=parts[0] or [gast.Pass()], orelse=[], type_comment=None), s)]

    def namer_state(self):
        n = self.namer
        return (set(n.taken), dict(n.counters), dict(n.adjoints))

    def restore_namer(self, state):
        n = self.namer
        n.taken, n.counters, n.adjoints = set(state[0]), dict(state[1]), dict(state[2])

    # ================================================================ assembly
    def assemble(self, block, outer_kills=frozenset(), in_loop=False, restored=frozenset(),
                 slots=None):
        """The forward and backward statement lists of `block`, with saves placed (into the
        lists of `slots`, a `_Slots`, when `block` is the body of a loop that has them)."""
        items = block.items
        n = len(items)
        reads = []
        # (sorted: set order varies between runs, and the order of reads orders the
        # statements that recompute them: generated code must not change from run to run)
        for k, item in enumerate(items):
            code = item.bwd + item.pre
            for v in sorted((S.names_loaded(code) | item.header_reads) & self.primal):
                reads.append((v, k + 1))
        for v in sorted(S.names_loaded(block.end) & self.primal):
            reads.append((v, 0))
        defs = [item.defs for item in items]
        reads, remat = self.rematerialise(items, reads, outer_kills, restored)
        points = {q: self.save_and_restore(vs, in_loop, slots)
                  for q, vs in place_saves(defs, reads, outer_kills, restored).items()}
        for q, stmts in remat.items():
            save, restore = points.get(q, ([], []))
            points[q] = (save, restore + stmts)

        fwd, bwd_parts = [], []
        # what later statements define, kept only after compound items (one copy each: a
        # copy per statement would make long straight-line blocks quadratic)
        later_defs, defined = {}, set()
        for k in range(n - 1, -1, -1):
            if items[k].children:
                later_defs[k + 1] = set(defined)
            defined |= items[k].defs
        for k, item in enumerate(items):
            if k in points:
                fwd += points[k][0]
            if item.children:
                is_loop = isinstance(item.stmt, (ir.For, ir.While))
                child_kills = set(outer_kills) | later_defs[k + 1]
                child_restored = set(restored)
                if is_loop:
                    child_kills |= item.defs
                    target = item.children[0].loop_target
                    if target is not None and not any(target in sub.defs for sub in item.children[0].items):
                        child_kills.discard(target)
                        child_restored.add(target)
                child_slots = self.slots_for(item, in_loop, child_restored)
                parts_f, parts_b = [], []
                for child in item.children:
                    cf, cb = self.assemble(child, child_kills, in_loop or is_loop, child_restored,
                                           child_slots)
                    parts_f.append(cf)
                    parts_b.append(cb)
                if child_slots is not None:
                    fwd += child_slots.allocations(item.stmt)
                fwd += item.build_fwd(parts_f)
                back = list(item.pre)
                if item.build_bwd is not None:
                    back += item.build_bwd(parts_b)
                bwd_parts.append(back)
            else:
                fwd += item.fwd
                bwd_parts.append(item.bwd)
        if n in points:
            fwd += points[n][0]
        bwd = []
        if n in points:
            bwd += points[n][1]
        for k in range(n - 1, -1, -1):
            bwd += bwd_parts[k]
            if k in points:
                bwd += points[k][1]
        bwd += block.end
        return fwd, bwd

    def rematerialise(self, items, reads, outer_kills, restored):
        """Reads whose value the backward pass can recompute as cheaply as it could pop it:
        `c_k = c[k]` where `c` never changes and `k` is a loop counter the backward loop
        restores. Returns (the reads still to save, {point: recomputations})."""
        changing = set(outer_kills)
        for item in items:
            changing |= item.defs
        def_at = {}
        for k, item in enumerate(items):
            for v in item.defs:
                def_at.setdefault(v, []).append(k)
        last_read = {}
        for v, p in reads:
            if p > last_read.get(v, -1):
                last_read[v] = p
        keep, remat, done = [], {}, set()
        for v, p in reads:
            sites = def_at.get(v, ())
            if len(sites) != 1 or sites[0] >= p:
                keep.append((v, p))
                continue
            d = sites[0]
            item = items[d]
            if not _cheap(item.stmt) or any(
                    r in changing and r not in restored for r in item.stmt.reads()):
                keep.append((v, p))
                continue
            if v not in done:
                done.add(v)
                # recompute where a pop would stand: before the first backward read
                remat.setdefault(last_read[v], []).extend(copy_tree(item.fwd))
        return keep, remat

    def stack(self):
        if self.stack_name is None:
            self.stack_name = self.namer.fresh("saved")
            self.primal.add(self.stack_name)
        return self.stack_name

    def snapshot(self, var):
        if var not in self.mutated:
            return S.name(var)
        kind = self.aval(var).kind
        if kind == "list":
            return S.call(S.name("list"), [S.name(var)])
        if kind == "dict":
            return S.call(S.name("dict"), [S.name(var)])
        return S.np_call("copy", S.name(var))

    def slots_for(self, item, in_loop, restored):
        """`_Slots` for the body of `item` when it is a `for` loop over `range(n)` in plain
        code, outside other loops (its body runs once per iteration, and the loop runs once),
        whose counter the body leaves alone (so `k` indexes the iteration in both passes);
        else None (saves go to the shared stack)."""
        s = item.stmt
        if not (self.plain and not in_loop and isinstance(s, ir.For) and len(s.args) == 1
                and s.target in restored):
            return None
        stop = s.args[0]
        if isinstance(stop, gast.Constant):
            if not (isinstance(stop.value, int) and not isinstance(stop.value, bool)):
                return None
        elif not (isinstance(stop, gast.Name) and self.aval(stop.id).kind == "int"):
            return None
        return _Slots(s.target, stop)

    def save_and_restore(self, names, in_loop, slots=None):
        """(forward statements saving `names`, backward statements restoring them): a slot of
        a preallocated list per iteration where the loop has `slots`, else one append/pop of
        a tuple in a loop, copies under fresh names elsewhere."""
        if slots is not None:
            store = self.namer.fresh(f"saved_{slots.counter}")
            self.primal.add(store)
            slots.lists.append(store)
            value = self.snapshot(names[0]) if len(names) == 1 else S.tuple_(
                [self.snapshot(v) for v in names])
            slot = S.subscript(S.name(store), S.name(slots.counter), gast.Store())
            save = [S.assign(slot, value)]
            target = names[0] if len(names) == 1 else list(names)
            restore = [S.assign(target, S.subscript(S.name(store), S.name(slots.counter)))]
            return save, restore
        if in_loop:
            stack = S.name(self.stack())
            value = self.snapshot(names[0]) if len(names) == 1 else S.tuple_(
                [self.snapshot(v) for v in names])
            save = [S.expr_stmt(S.call(S.attr(stack, "append"), [value]))]
            target = names[0] if len(names) == 1 else list(names)
            restore = [S.assign(target, S.call(S.attr(copy_tree(stack), "pop"), []))]
            return save, restore
        save, restore = [], []
        for v in names:
            copy_name = self.namer.fresh(f"{v}_saved")
            self.primal.add(copy_name)
            save.append(S.assign(copy_name, self.snapshot(v)))
            restore.append(S.assign(v, S.name(copy_name)))
        return save, restore


class _Slots:
    """The preallocated save lists of one `for k in range(n)` loop: `counter` (k), `stop`
    (n, an atom), and the names of the lists its body saved into."""

    __slots__ = ("counter", "stop", "lists")

    def __init__(self, counter, stop):
        self.counter, self.stop, self.lists = counter, stop, []

    def allocations(self, at):
        """`saved_k = [None] * n` for each list, placed just before the loop (errors there
        belong to the loop's line; no `# line` comment of its own, the loop follows)."""
        out = []
        for name in self.lists:
            stmt = S.assign(name, S.binop(S.list_([S.const(None)]), gast.Mult(),
                                          copy_tree(self.stop)))
            stmt._tg_line = getattr(at, "line", None)
            out.append(stmt)
        return out


_REAL_DTYPE_KINDS = frozenset("biuf")


def _real_and_known(avals):
    """Whether every variable's abstract value is known, with a bool, integer or real
    floating dtype of at most 64 bits where it has one: then a contribution to a float64
    adjoint is float64 or narrower, and `bx += g` computes what `bx = bx + g` would (no
    complex, long double or object array, no value of a type the compiler does not know,
    such as a Tensor passed as an argument that is not differentiated)."""
    stack = list(avals.values())
    while stack:
        av = stack.pop()
        if av is None or av.kind == "unknown":
            return False
        dt = av.dtype
        if dt is not None and (getattr(dt, "kind", None) not in _REAL_DTYPE_KINDS
                               or dt.itemsize > 8):
            return False
        elts = av.elts
        if isinstance(elts, tuple):
            stack.extend(elts)
        elif elts is not None:
            stack.append(elts)
    return True


# kinds whose adjoints are containers (or may be): accumulated leaf by leaf
_TREE_KINDS = frozenset({"list", "tuple", "dict", "unknown"})


_NO_DEFAULT = object()
_EMITTED_DEFAULTS = {}


def _emitted_default(prim, name):
    """The default of static `name` in the function generated code calls (`prim.emit`): a
    static may be left out only when that function has the same default (np.reshape has
    none, though the template says shape=-1)."""
    key = (prim.name, name)
    if key not in _EMITTED_DEFAULTS:
        default = prim.statics.get(name)
        root, _, rest = prim.emit.partition(".")
        if root == "np" and not prim.user:
            import inspect
            import numpy as np
            obj = np
            for part in rest.split("."):
                obj = getattr(obj, part, None)
            try:
                param = inspect.signature(obj).parameters.get(name)
                if param is None or param.default is param.empty \
                        or param.default is getattr(np, "_NoValue", param.empty):
                    default = _NO_DEFAULT      # required there (np.clip's a_min): always pass it
            except (TypeError, ValueError):
                pass      # a ufunc: no signature, keep the template's default
        _EMITTED_DEFAULTS[key] = default
    return _EMITTED_DEFAULTS[key]


def _cheap(s):
    """Statements as cheap to recompute as to save: a subscript of a name by names/constants."""
    if isinstance(s, ir.Index):
        return True
    if isinstance(s, ir.Prim) and s.index_syntax is not None:
        return True
    return False




def _at(node, s):
    """Give generated statements the user line of the IR statement they come from."""
    line = getattr(s, "line", None) or getattr(s, "lineno", None)
    if line is not None and getattr(node, "lineno", None) is None:
        node.lineno = line
        node.col_offset = 0
    return node


def copy_tree_ir(s):
    """A copy of a simple IR statement (a while loop's test, repeated at the end of its body):
    its syntax trees copied, its primitive shared."""
    import copy
    new = copy.copy(s)
    for key, value in vars(s).items():
        if isinstance(value, (gast.AST, list)):
            setattr(new, key, copy_tree(value))
        elif isinstance(value, dict):
            setattr(new, key, {k: copy_tree(v) for k, v in value.items()})
    return new
