"""Normalise control flow: the structured form every later pass assumes.

After this pass a function body has
- no `return` but (possibly) one at the very end;
- no `break` or `continue`: the rest of a block after a branch that always leaves is moved
  into the other branch (`if c: return a` + rest becomes `if c: ... else: rest`), and where
  leaving is conditional, flags (`running`, `go`, `cont`) guard what follows;
- `for` loops only over `range(...)`: `for x in xs` becomes `for k in range(len(xs)): x = xs[k]`
  (enumerate and zip likewise), and a loop that may break or return becomes a `while`;
- list comprehensions and builtin `sum(...)` unrolled into loops before the statement using them;
- augmented and annotated assignments as plain assignments; no docstring, no `pass`.

Every new statement carries the line of the user statement it comes from. The walk iterates
over the statements of a block; it recurses only into nested blocks (bounded by indentation).
"""
from .quoting import gast, copy_tree
from . import syntax as S

__all__ = ["normalize"]


def normalize(body, info, namer, builtin_of):
    """The normalised copy of `body` (a list of gast statements of `info`'s function).

    `builtin_of(expr)` returns the builtin name a call's function stands for, or None."""
    return _Normalizer(info, namer, builtin_of).run(body)


class _Loop:
    """One loop being normalised: its break flag, continue flag, and what its body holds."""

    def __init__(self, normalizer, body):
        self.n = normalizer
        self.go = None
        self.cont = None
        self.breaks = _contains(body, gast.Break)
        self.continues = _contains(body, gast.Continue)
        self.returns = _contains(body, gast.Return, through_loops=True)

    def go_flag(self):
        if self.go is None:
            self.go = self.n.namer.fresh("go")
        return self.go

    def cont_flag(self):
        if self.cont is None:
            self.cont = self.n.namer.fresh("cont")
        return self.cont


class _Normalizer:
    def __init__(self, info, namer, builtin_of):
        self.info = info
        self.namer = namer
        self.builtin_of = builtin_of
        self.running = None
        self.retval = None

    def run(self, body):
        body = [s for s in body if not _is_docstring(s)]
        returns = [n for s in body for n in S.walk(s) if isinstance(n, gast.Return)]
        self.single_return = (len(returns) == 1 and body and isinstance(body[-1], gast.Return))
        out = self.block(body, None)
        if not self.single_return and self.retval is not None:
            ret = gast.Return(value=S.name(self.retval))
            gast.copy_location(ret, body[-1] if body else self.info.fdef)
            out.append(ret)
            init = [_at(S.assign(self.retval, S.const(None)), self.info.fdef)]
            if self.running is not None:
                init.append(_at(S.assign(self.running, S.const(True)), self.info.fdef))
            out = init + out
        return out

    # -- blocks ------------------------------------------------------------------------
    def block(self, stmts, loop):
        out = []
        stmts = list(stmts)
        i = 0
        while i < len(stmts):
            s = stmts[i]
            i += 1
            if isinstance(s, gast.Pass) or _is_docstring(s):
                continue
            pre, s = self.hoist(s)
            if pre:
                stmts[i - 1:i] = pre + ([s] if s is not None else [])
                i -= 1
                continue
            if isinstance(s, gast.Return):
                out += self.lower_return(s, loop)
                return out
            if isinstance(s, gast.Break):
                out.append(_at(S.assign(loop.go_flag(), S.const(False)), s))
                return out
            if isinstance(s, gast.Continue):
                out.append(_at(S.assign(loop.cont_flag(), S.const(False)), s))
                return out
            if isinstance(s, gast.If):
                body, orelse = s.body, s.orelse
                rest = stmts[i:]
                bj, oj = _definitely_leaves(body), _definitely_leaves(orelse)
                if bj and oj:
                    i = len(stmts)
                elif bj and rest:
                    orelse, i = orelse + rest, len(stmts)
                elif oj and rest:
                    body, i = body + rest, len(stmts)
                new = gast.If(test=s.test, body=self.block(body, loop), orelse=self.block(orelse, loop))
                out.append(gast.copy_location(new, s))
                if i < len(stmts) and _may_leave(body + orelse):
                    out += self.guarded(stmts[i:], _kinds(body + orelse), loop, s)
                    return out
                continue
            if isinstance(s, gast.For):
                out += self.lower_for(s, loop)
            elif isinstance(s, gast.While):
                out += self.lower_while(s, loop)
            elif isinstance(s, gast.With):
                new = gast.With(items=s.items, body=self.block(s.body, loop), type_comment=None)
                out.append(gast.copy_location(new, s))
                if i < len(stmts) and _may_leave(s.body):
                    out += self.guarded(stmts[i:], _kinds(s.body), loop, s)
                    return out
                continue
            else:
                out.append(self.simple(s))
                continue
            if i < len(stmts) and _contains([s], gast.Return, through_loops=True):
                out += self.guarded(stmts[i:], {"return"}, loop, s)
                return out
        return out

    def guarded(self, rest, kinds, loop, at):
        """`rest` runs only if nothing before it returned, broke or continued (`kinds`)."""
        flags = []
        if "return" in kinds:
            flags.append(self.running_flag())
        if loop is not None and "break" in kinds:
            flags.append(loop.go_flag())
        if loop is not None and "continue" in kinds:
            flags.append(loop.cont_flag())
        test = S.name(flags[0]) if len(flags) == 1 else gast.BoolOp(
            op=gast.And(), values=[S.name(f) for f in flags])
        new = gast.If(test=test, body=self.block(rest, loop), orelse=[])
        return [gast.copy_location(new, at)]

    def running_flag(self):
        if self.running is None:
            self.running = self.namer.fresh("running")
        return self.running

    # -- statements ---------------------------------------------------------------------
    def simple(self, s):
        if isinstance(s, gast.AugAssign):
            target = copy_tree(s.target)
            load = copy_tree(s.target)
            _set_ctx(load, gast.Load())
            new = S.assign(target, gast.BinOp(left=load, op=s.op, right=s.value))
            if isinstance(s.target, gast.Name):
                # on an array or a list, Python changes the object in place: the aliasing
                # check (transform._aliased_mutations) refuses it where another name shares it
                new._tg_augmented = (s.target.id, s.op)
            return gast.copy_location(new, s)
        if isinstance(s, gast.AnnAssign):
            return gast.copy_location(S.assign(s.target, s.value), s)
        return s

    def lower_return(self, s, loop):
        if self.single_return and loop is None:
            return [s]
        if self.retval is None:
            self.retval = self.namer.fresh("retval")
        value = s.value if s.value is not None else S.const(None)
        out = [_at(S.assign(self.retval, value), s)]
        out.append(_at(S.assign(self.running_flag(), S.const(False)), s))
        return out

    def lower_for(self, s, outer):
        loop = _Loop(self, s.body)
        if _is_call_of(self, s.iter, "reversed") and len(s.iter.args) == 1 \
                and _is_call_of(self, s.iter.args[0], "range") and not s.iter.args[0].keywords:
            s.iter = _at(_reversed_range(s.iter.args[0]), s.iter)
        leaves = loop.breaks or loop.returns
        if _is_call_of(self, s.iter, "range") and not leaves and isinstance(s.target, gast.Name):
            body = self.loop_body(s.body, loop)
            new = gast.For(target=s.target, iter=s.iter, body=body, orelse=[], type_comment=None)
            return [gast.copy_location(new, s)]
        pre, length, bind = self.iteration(s)
        k = self.namer.fresh("k")
        if not leaves:
            rng = S.call(S.name("range"), [length])
            body = self.loop_body(bind(k) + s.body, loop)
            new = gast.For(target=S.store(k), iter=_at(rng, s), body=body, orelse=[], type_comment=None)
            return pre + [gast.copy_location(new, s)]
        n = self.namer.fresh("n")
        pre = pre + [_at(S.assign(n, length), s), _at(S.assign(k, S.const(0)), s)]
        step = _at(S.assign(k, gast.BinOp(left=S.name(k), op=gast.Add(), right=S.const(1))), s)
        body = self.loop_body(bind(k) + [step] + s.body, loop)
        test = gast.Compare(left=S.name(k), ops=[gast.Lt()], comparators=[S.name(n)])
        return pre + self.flagged_while(test, body, loop, s)

    def lower_while(self, s, outer):
        loop = _Loop(self, s.body)
        body = self.loop_body(s.body, loop)
        if not (loop.breaks or loop.returns):
            new = gast.While(test=s.test, body=body, orelse=[])
            return [gast.copy_location(new, s)]
        return self.flagged_while(s.test, body, loop, s)

    def flagged_while(self, test, body, loop, at):
        flags = []
        if loop.returns:
            flags.append(self.running_flag())
        if loop.go is not None:
            flags.append(loop.go)
        pre = [_at(S.assign(loop.go, S.const(True)), at)] if loop.go is not None else []
        full = gast.BoolOp(op=gast.And(), values=[S.name(f) for f in flags] + [test]) if flags else test
        new = gast.While(test=full, body=body, orelse=[])
        return pre + [gast.copy_location(new, at)]

    def loop_body(self, body, loop):
        out = self.block(body, loop)
        if loop.cont is not None:
            out.insert(0, _at(S.assign(loop.cont, S.const(True)), body[0] if body else None))
        return out

    def iteration(self, s):
        """(statements before the loop, number of iterations, k -> statements binding the
        loop target to element k) for `for target in iter`."""
        it, target = s.iter, s.target
        pre = []

        def as_name(expr, base):
            if isinstance(expr, gast.Name):
                return expr.id
            var = self.namer.fresh(base)
            pre.append(_at(S.assign(var, expr), s))
            return var

        def bind_to(tgt, value):
            return [_at(S.assign(copy_tree(tgt), value), s)]

        kind = _call_kind(self, it)
        if kind == "enumerate" and it.args:
            seq = as_name(it.args[0], "seq")
            start = it.args[1] if len(it.args) > 1 else next(
                (kw.value for kw in it.keywords if kw.arg == "start"), None)
            length = S.call(S.name("len"), [S.name(seq)])

            def bind(k):
                index = S.name(k) if start is None else gast.BinOp(
                    left=S.name(k), op=gast.Add(), right=copy_tree(start))
                item = S.subscript(S.name(seq), S.name(k))
                if isinstance(target, (gast.Tuple, gast.List)) and len(target.elts) == 2:
                    return bind_to(target.elts[0], index) + bind_to(target.elts[1], item)
                return bind_to(target, S.tuple_([index, item]))
            return pre, length, bind
        if kind == "zip" and it.args:
            seqs = [as_name(a, "seq") for a in it.args]
            lens = [S.call(S.name("len"), [S.name(q)]) for q in seqs]
            length = lens[0] if len(lens) == 1 else S.call(S.name("min"), lens)

            def bind(k):
                items = [S.subscript(S.name(q), S.name(k)) for q in seqs]
                if isinstance(target, (gast.Tuple, gast.List)) and len(target.elts) == len(items):
                    return [st for t, v in zip(target.elts, items) for st in bind_to(t, v)]
                return bind_to(target, S.tuple_(items))
            return pre, length, bind
        seq = as_name(it, "r" if kind == "range" else "seq")
        length = S.call(S.name("len"), [S.name(seq)])
        return pre, length, lambda k: bind_to(target, S.subscript(S.name(seq), S.name(k)))

    # -- comprehensions and sum(...) ----------------------------------------------------
    def hoist(self, s):
        """Loops computing one list comprehension or builtin sum `s` reads, and `s` reading
        its result instead; ([], s) when there is none. `block` calls it again on `s`."""
        if isinstance(s, gast.For):
            fields = ["iter"]
        elif isinstance(s, gast.If):
            fields = ["test"]
        elif isinstance(s, (gast.Assign, gast.AugAssign, gast.AnnAssign, gast.Expr, gast.Return,
                            gast.Assert)):
            fields = [f for f in ("value", "test", "msg") if getattr(s, f, None) is not None]
        else:
            return [], s
        for field in fields:
            value = getattr(s, field)
            if self._hoistable(value):
                into = None
                if (isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)
                        and isinstance(value, gast.ListComp)
                        and s.targets[0].id not in S.names_loaded(value)):
                    into = s.targets[0].id
                pre = self._lower_hoisted(value, s, into)
                if into is not None:
                    return pre, None
                setattr(s, field, S.name(pre[-1]._tg_result))
                return pre, s
            found = self._find_hoistable(value)
            if found is not None:
                parent, fname, index, expr = found
                pre = self._lower_hoisted(expr, s)
                replacement = S.name(pre[-1]._tg_result)
                if index is None:
                    setattr(parent, fname, replacement)
                else:
                    getattr(parent, fname)[index] = replacement
                return pre, s
        return [], s

    def _hoistable(self, node):
        return isinstance(node, gast.ListComp) or (
            isinstance(node, gast.Call) and _is_call_of(self, node, "sum")
            and len(node.args) in (1, 2) and not node.keywords)

    def _find_hoistable(self, root):
        """The first hoistable node strictly under `root`, with its parent and field."""
        stack = [root]
        while stack:
            node = stack.pop()
            for fname, value in gast.iter_fields(node):
                items = value if isinstance(value, list) else [value]
                for j, item in enumerate(items):
                    if not isinstance(item, gast.AST):
                        continue
                    if self._hoistable(item):
                        return node, fname, (j if isinstance(value, list) else None), item
                    stack.append(item)
        return None

    def _lower_hoisted(self, expr, at, into=None):
        if isinstance(expr, gast.ListComp):
            acc = into or self.namer.fresh("items")
            renames = {}
            for gen in expr.generators:
                for n in S.walk(gen.target):
                    if isinstance(n, gast.Name):
                        renames[n.id] = self.namer.fresh(n.id)
            expr = _rename(copy_tree(expr), renames)
            inner = [_at(S.expr_stmt(S.call(S.attr(S.name(acc), "append"), [expr.elt])), at)]
            for gen in reversed(expr.generators):
                for cond in reversed(gen.ifs):
                    inner = [gast.copy_location(gast.If(test=cond, body=inner, orelse=[]), at)]
                inner = [gast.copy_location(gast.For(target=gen.target, iter=gen.iter, body=inner,
                                                     orelse=[], type_comment=None), at)]
            first = _at(S.assign(acc, S.list_([])), at)
            out = [first] + inner
        else:
            acc = self.namer.fresh("total")
            item = self.namer.fresh("item")
            start = expr.args[1] if len(expr.args) > 1 else S.const(0)
            step = _at(S.assign(acc, gast.BinOp(left=S.name(acc), op=gast.Add(), right=S.name(item))), at)
            loop = gast.For(target=S.store(item), iter=expr.args[0], body=[step], orelse=[],
                            type_comment=None)
            out = [_at(S.assign(acc, start), at), gast.copy_location(loop, at)]
        out[-1]._tg_result = acc
        return out


def _reversed_range(rng):
    """`reversed(range(...))` as a range (or a range object for three arguments):
    `range(n - 1, -1, -1)`, `range(b - 1, a - 1, -1)`, `range(a, b, c)[::-1]`."""
    args = rng.args

    def minus_one(e):
        if isinstance(e, gast.Constant) and isinstance(e.value, int):
            return S.const(e.value - 1)
        return gast.BinOp(left=copy_tree(e), op=gast.Sub(), right=S.const(1))
    if len(args) == 1:
        return S.call(S.name("range"), [minus_one(args[0]), S.const(-1), S.const(-1)])
    if len(args) == 2:
        return S.call(S.name("range"), [minus_one(args[1]), minus_one(args[0]), S.const(-1)])
    return S.subscript(copy_tree(rng), gast.Slice(lower=None, upper=None, step=S.const(-1)))


def _rename(tree, renames):
    for n in S.walk(tree):
        if isinstance(n, gast.Name) and n.id in renames:
            n.id = renames[n.id]
    return tree


def _at(node, where):
    if where is not None and hasattr(where, "lineno"):
        gast.copy_location(node, where)
        for sub in S.walk(node):
            if not hasattr(sub, "lineno") or getattr(sub, "lineno", None) is None:
                if isinstance(sub, (gast.stmt, gast.expr)):
                    gast.copy_location(sub, where)
    return node


def _set_ctx(node, ctx):
    for n in S.walk(node):
        if hasattr(n, "ctx"):
            n.ctx = ctx
    node.ctx = ctx


def _is_docstring(s):
    return (isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant)
            and isinstance(s.value.value, str))


def _call_kind(n, expr):
    if isinstance(expr, gast.Call):
        return n.builtin_of(expr.func)
    return None


def _is_call_of(n, expr, builtin):
    return isinstance(expr, gast.Call) and n.builtin_of(expr.func) == builtin


def _definitely_leaves(stmts):
    """Whether running `stmts` always ends in return/break/continue."""
    for s in stmts:
        if isinstance(s, (gast.Return, gast.Break, gast.Continue)):
            return True
        if isinstance(s, gast.If) and _definitely_leaves(s.body) and _definitely_leaves(s.orelse):
            return True
    return False


def _kinds(stmts):
    """Which ways of leaving (`return`, `break`, `continue`) occur in `stmts`."""
    kinds = set()
    if _contains(stmts, gast.Return, through_loops=True):
        kinds.add("return")
    if _contains(stmts, gast.Break):
        kinds.add("break")
    if _contains(stmts, gast.Continue):
        kinds.add("continue")
    return kinds


def _may_leave(stmts):
    return (_contains(stmts, gast.Return, through_loops=True) or _contains(stmts, gast.Break)
            or _contains(stmts, gast.Continue))


def _contains(stmts, kind, through_loops=False):
    """Whether a `kind` statement occurs in `stmts` (not inside nested loops, unless
    `through_loops`: a return leaves every loop)."""
    stack = list(stmts)
    while stack:
        s = stack.pop()
        if isinstance(s, kind):
            return True
        if isinstance(s, (gast.For, gast.While)) and not through_loops:
            continue
        if isinstance(s, (gast.If, gast.For, gast.While, gast.With)):
            stack.extend(s.body)
            stack.extend(getattr(s, "orelse", []))
    return False
