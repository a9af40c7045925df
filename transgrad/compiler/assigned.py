"""Definite assignment: keep the reads where Python would raise UnboundLocalError.

In

    if x > 100.0:
        y = x * 2.0
    return y * 1.0

Python raises `UnboundLocalError` when the branch is not taken. The gradient does not need
the value of `y` (its derivative is a constant), so without help the optimiser drops the
read and the generated code returns 0.0: a wrong answer where Python gives an error.

`check_reads(block, info)` runs on the IR right after ANF (structured control flow, one
operation per statement, user variables under their own names). It finds each read of a
user variable that is not *definitely assigned* at that point and puts, just before the
statement reading it, an `Effect` statement `defined(y)` (`runtime.defined`): a call the
optimiser keeps, so generated code raises exactly where Python would, at the user's line.

Definitely assigned, per point of the block: the parameters; after `v = ...` (and any
statement defining `v`), `v`; after an `if`, what both branches assign; after a `for` or the
body of a `while`, only what held before it (the body may run zero times; a `while` test
block runs at least once); after a read that was checked, the variable read (had it been
unbound, the check would have raised). Names only grow along a path (the subset has no
`del`), so a loop body starts from what held before the loop: no fixed point is needed.
The analysis is conservative: a check it adds where Python never raises costs a call and
changes nothing else. Functions with no possibly-unassigned read are returned unchanged.

Reads kept verbatim (`print`, `assert`, a `with tg.no_grad():` block) raise by themselves;
reads inside a condition that may not evaluate them (`c and y`) are not checked eagerly.
"""
from .quoting import gast
from . import ir
from . import runtime as _runtime
from . import syntax as S
from .resolve import MISSING

__all__ = ["check_reads", "is_check"]

CHECK = "defined"


def check_reads(block, info):
    """`block` (the IR of `info`'s function) with a check before each read of a user variable
    that may be unassigned there. Nested blocks are changed in place; the top list is
    returned (the same object when nothing is checked)."""
    variables = set(info.locals) - set(info.params)
    if not variables:
        return block
    return _Checker(info, variables).block(block, set(info.params))[0]


def is_check(stmt):
    """Whether `stmt` is an IR statement `defined(v)` (made here, or read back from generated
    code when it is transformed again)."""
    return isinstance(stmt, ir.Effect) and _checked_name(stmt.stmt) is not None


def _checked_name(node):
    if isinstance(node, gast.Expr) and isinstance(node.value, gast.Call):
        call = node.value
        if isinstance(call.func, gast.Name) and call.func.id == CHECK and len(call.args) == 1 \
                and not call.keywords and isinstance(call.args[0], gast.Name):
            return call.args[0].id
    return None


class _Checker:
    def __init__(self, info, variables):
        self.info, self.variables = info, variables
        self._helper_usable = None

    def block(self, stmts, assigned):
        """(stmts with checks, names definitely assigned after them) from `assigned` before.

        `assigned` is updated in place and returned (one set per path: copies are made only
        where branches split, so a long straight-line block costs no copy per statement)."""
        out = []
        for s in stmts:
            if is_check(s):
                assigned.add(_checked_name(s.stmt))
                out.append(s)
                continue
            unassigned = _unconditional_reads(s) & self.variables
            if unassigned:
                unassigned -= assigned
                for name in sorted(unassigned):
                    out.append(self.check(name, s))
                assigned |= unassigned
            if isinstance(s, ir.If):
                s.body, after_body = self.block(s.body, set(assigned))
                s.orelse, after_else = self.block(s.orelse, assigned)
                assigned &= after_body          # (after_else is `assigned` itself)
            elif isinstance(s, ir.For):
                s.body, _ = self.block(s.body, assigned | {s.target})
            elif isinstance(s, ir.While):
                s.test_block, assigned = self.block(s.test_block, assigned)
                s.body, _ = self.block(s.body, set(assigned))
            elif isinstance(s, ir.Effect):
                assigned |= _definite_stores([s.stmt])
            else:
                assigned |= s.defs()
            out.append(s)
        if len(out) == len(stmts):
            out = stmts       # unchanged: keep the caller's list
        return out, assigned

    def check(self, name, at):
        """The IR statement raising UnboundLocalError, as Python would, if `name` is unbound."""
        if self.helper_usable():
            stmt = S.expr_stmt(S.call(S.name(CHECK), [S.name(name)]))
        else:       # the user's code has its own `defined`: a bare read raises just the same
            stmt = S.expr_stmt(S.name(name))
        if at.at is not None and hasattr(at.at, "lineno"):
            for node in S.walk(stmt):
                if isinstance(node, (gast.stmt, gast.expr)):
                    gast.copy_location(node, at.at)
        return ir.Effect(stmt).located(at.at)

    def helper_usable(self):
        if self._helper_usable is None:
            taken = {n.id for n in S.walk(self.info.fdef) if isinstance(n, gast.Name)}
            self._helper_usable = CHECK not in taken or (
                not self.info.is_local(CHECK) and self.info.lookup(CHECK) in (MISSING, _runtime.defined))
        return self._helper_usable


def _unconditional_reads(s):
    """Names `s` reads whenever it runs (for compound statements: their header)."""
    if isinstance(s, ir.Effect):
        return set()        # kept verbatim: its own reads raise
    if isinstance(s, ir.While):
        return set()        # its test is computed in its test block
    if isinstance(s, ir.Opaque):
        return _expr_reads(s.expr)
    return s.reads()


def _expr_reads(expr):
    """Names an expression loads on every evaluation (not those of `c and y`, `a if c else y`
    or of a comprehension, which may not be evaluated)."""
    out, stack = set(), [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
            out.add(node.id)
        elif isinstance(node, gast.BoolOp):
            stack.append(node.values[0])
        elif isinstance(node, gast.IfExp):
            stack.append(node.test)
        elif isinstance(node, (gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp,
                               gast.Lambda)):
            continue
        else:
            stack.extend(S.children(node))
    return out


def _definite_stores(stmts):
    """Names a block of gast statements (kept verbatim) assigns on every path through it."""
    out = set()
    for s in stmts:
        if isinstance(s, gast.Assign):
            for t in s.targets:
                out |= S.names_stored(t)
        elif isinstance(s, (gast.AugAssign, gast.AnnAssign)) and s.value is not None:
            out |= S.names_stored(s.target)
        elif isinstance(s, gast.If):
            out |= _definite_stores(s.body) & _definite_stores(s.orelse)
        elif isinstance(s, gast.With):
            out |= _definite_stores(s.body)
    return out
