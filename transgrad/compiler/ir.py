"""The intermediate form after ANF: one operation per statement, structured control flow.

Operands ("atoms") are gast `Name`s of local or imported variables, or `Constant`s. Every
statement knows the variables it reads and the ones it defines (`defs`: assigned or, for
containers, mutated), the user line it comes from (`line`) and the gast node to point at in
an error (`at`). Blocks are Python lists of statements.
"""
from .quoting import gast
from . import syntax as S

__all__ = ["Prim", "Copy", "Opaque", "Pack", "PackDict", "Unpack", "Index", "SetIndex", "Append",
           "Pop", "CallUser", "Stop", "Effect", "If", "For", "While", "Return", "atom_names", "walk_blocks"]


def atom_names(atoms):
    return {a.id for a in atoms if isinstance(a, gast.Name)}


class Stmt:
    compound = False
    line = None
    at = None

    def reads(self):
        return set()

    def defs(self):
        return set()

    def located(self, at):
        self.at = at
        self.line = getattr(at, "lineno", None)
        return self


class Prim(Stmt):
    """`target = prim(args..., statics...)`. `op` is the gast operator when the user spelled it
    as one (`x * y`, `-x`, `x > y`), so the forward pass reads the same."""

    index_syntax = None     # for getitem: the index as written, so the forward pass reads x[i]

    def __init__(self, target, prim, args, statics, op=None):
        self.target, self.prim, self.args, self.statics, self.op = target, prim, args, statics, op

    def reads(self):
        return S.names_loaded(list(self.args)) | S.names_loaded(list(self.statics.values()))

    def defs(self):
        return {self.target}


class Copy(Stmt):
    """`target = source` (also `float(x)`, `x.copy()`, `x.item()`: the same value)."""

    def __init__(self, target, source, fresh=False):
        self.target, self.source, self.fresh = target, source, fresh

    def reads(self):
        return {self.source}

    def defs(self):
        return {self.target}


class Opaque(Stmt):
    """`target = expr` where expr is anything computed without a derivative: a constant, an
    integer or shape computation, a call of a function with no rule. `what` names the
    function or construct (for the error when a differentiated value reaches it)."""

    def __init__(self, target, expr, what=None):
        self.target, self.expr, self.what = target, expr, what

    def reads(self):
        return S.names_loaded(self.expr)

    def defs(self):
        return {self.target}


class Stop(Stmt):
    """`target = tg.stop_gradient(source)` / `source.detach()`: the value, no adjoint."""

    def __init__(self, target, source):
        self.target, self.source = target, source

    def reads(self):
        return {self.source} if isinstance(self.source, str) else set()

    def defs(self):
        return {self.target}


class Pack(Stmt):
    """`target = (a, b)` / `[a, b]`."""

    def __init__(self, target, kind, elts):
        self.target, self.kind, self.elts = target, kind, elts

    def reads(self):
        return atom_names(self.elts)

    def defs(self):
        return {self.target}


class PackDict(Stmt):
    """`target = {k1: a, k2: b}` with constant keys."""

    def __init__(self, target, keys, values):
        self.target, self.keys, self.values = target, keys, values

    def reads(self):
        return atom_names(self.values) | S.names_loaded(self.keys)

    def defs(self):
        return {self.target}


class Unpack(Stmt):
    """`a, b = source`."""

    def __init__(self, targets, source):
        self.targets, self.source = targets, source

    def reads(self):
        return {self.source}

    def defs(self):
        return set(self.targets)


class Index(Stmt):
    """`target = base[index]` on a list, tuple or dict (array reads are `Prim(getitem)`)."""

    def __init__(self, target, base, index):
        self.target, self.base, self.index = target, base, index

    def reads(self):
        return {self.base} | S.names_loaded(self.index)

    def defs(self):
        return {self.target}


class SetIndex(Stmt):
    """`base[index] = value` on a list or dict (array writes become `Prim(index_update)`)."""

    def __init__(self, base, index, value):
        self.base, self.index, self.value = base, index, value

    def reads(self):
        return {self.base} | S.names_loaded(self.index) | atom_names([self.value])

    def defs(self):
        return {self.base}


class Append(Stmt):
    """`base.append(value)`."""

    def __init__(self, base, value):
        self.base, self.value = base, value

    def reads(self):
        return {self.base} | atom_names([self.value])

    def defs(self):
        return {self.base}


class Pop(Stmt):
    """`target = base.pop()`: the last element of a list, removed from it (the stacks of
    generated code, differentiated again for higher order)."""

    def __init__(self, target, base):
        self.target, self.base = target, base

    def reads(self):
        return {self.base}

    def defs(self):
        return {self.target, self.base}


class CallUser(Stmt):
    """`target = fn(args..., **kwargs)` for a user function with source."""

    def __init__(self, target, info, args, kwargs, func_expr):
        self.target, self.info, self.args, self.kwargs = target, info, args, kwargs
        self.func_expr = func_expr

    def reads(self):
        return atom_names(self.args) | atom_names(list(self.kwargs.values())) | S.names_loaded(
            self.func_expr)

    def defs(self):
        return {self.target}


class Effect(Stmt):
    """A statement run for its effect or outside differentiation, kept verbatim in the forward
    pass: `print(...)`, `assert ...`, a `with tg.no_grad():` block."""

    def __init__(self, stmt, writes=()):
        self.stmt, self.writes = stmt, set(writes)

    def reads(self):
        return S.names_loaded(self.stmt)

    def defs(self):
        return set(self.writes)


class If(Stmt):
    compound = True

    def __init__(self, test, body, orelse):
        self.test, self.body, self.orelse = test, body, orelse

    def reads(self):
        return {self.test}

    def blocks(self):
        return [self.body, self.orelse]


class For(Stmt):
    """`for target in range(*args): body`."""
    compound = True

    def __init__(self, target, args, body):
        self.target, self.args, self.body = target, args, body

    def reads(self):
        return atom_names(self.args)

    def blocks(self):
        return [self.body]


class While(Stmt):
    """`test_block; while test: body; test_block` with a trip counter `counter` for the
    backward pass (`counter` counts iterations; the forward pass increments it)."""
    compound = True

    def __init__(self, test_block, test, body, counter):
        self.test_block, self.test, self.body, self.counter = test_block, test, body, counter

    def reads(self):
        return {self.test}

    def blocks(self):
        return [self.test_block, self.body]


class Return(Stmt):
    def __init__(self, value):
        self.value = value

    def reads(self):
        return atom_names([self.value])


def walk_blocks(block):
    """Every statement of `block` and of the blocks nested in it, in program order (a
    statement before the ones nested in it, which come before the next statement): the
    fixed points over it (avals, activity) then see most definitions before their uses.
    Explicit stack of iterators, so deep nesting needs no recursion."""
    stack = [iter(block)]
    while stack:
        stmt = next(stack[-1], None)
        if stmt is None:
            stack.pop()
            continue
        yield stmt
        if stmt.compound:
            for sub in reversed(stmt.blocks()):
                stack.append(iter(sub))


def all_defs(block):
    out = set()
    for stmt in walk_blocks(block):
        out |= stmt.defs()
        if isinstance(stmt, For):
            out.add(stmt.target)
        if isinstance(stmt, While):
            out.add(stmt.counter)
    return out
