"""Optimise generated functions to a fixed point.

Passes, each reporting whether it changed anything (the fixed point is detected by those
flags, never by re-printing the code):

- constant and copy propagation: after `bt = bx`, later reads of `bt` in the same block read
  `bx` (until either is reassigned); after `bz = 1.0`, reads of `bz` read `1.0`;
- forward substitution: a compiler temporary used exactly once, in a later statement of the
  same block with nothing in between that changes what it reads, is inlined there
  (`bsin_x = bx * a; bx = bsin_x * np.cos(x)` -> `bx = bx * a * np.cos(x)`);
- algebraic folding in generated statements: `1.0 * g`, `g * 1.0` -> `g`, `-(-g)` -> `g`,
  `unreduce(1.0, (16,), None, False)` (a sum's seed of known shape) -> `np.ones((16,))`;
  and where static shapes and dtypes (`facts.py`, from the abstract values) prove the
  consumer broadcasts anyway, a spread it does not need dropped: `unreduce(g, (64, 10), 1,
  True) * p` -> `g * p`, `reduced_count((64,), None)` -> `64` (`broadcasts.py`);
- dead code: assignments whose targets are never read afterwards (liveness over the
  structured code, loops iterated until stable), variables only read to update themselves
  (an unused loop counter), and empty branches and loops.

Then, once, on code generated for plain calls (reverse.plain_values): reductions of NumPy
arrays in generated statements are spelled as methods, `np.sum(a, axis=0)` -> `a.sum(axis=0)`
(`reductions.py`); accumulations the reverse pass marked become in place, `bx = bx + g` ->
`bx += g`, where `bx` provably holds a buffer no other name or value can reach
(`accumulate_in_place`).

Each pass walks the statement lists with an explicit stack and is linear in the code size
(forward substitution scans forward from a definition only until its use or a barrier).
What the passes ask of a statement (the names it reads and stores, whether its value is
pure, the nodes folding may rewrite) is found in one walk of it and cached on it until a
pass changes it (`_info`, `_touch`): a round walks only the statements the last one changed.
"""
import numpy as np

from .quoting import gast, copy_tree, STATELESS
from . import broadcasts, reductions
from . import syntax as S
from .facts import Facts
from .reverse import ACCUMULATE

__all__ = ["optimize", "accumulate_in_place"]

# calls that never have side effects, by dotted prefix or name
_PURE_ROOTS = frozenset({"np", "tg"})
_PURE_NAMES = frozenset({"len", "range", "reversed", "float", "int", "abs", "min", "max", "tuple",
                         "list", "dict", "zeros_like", "unbroadcast", "unreduce", "rebroadcast",
                         "reduced_count", "unindex", "zeros_like_shape", "normalize_axis",
                         "matmul_vjp_left", "matmul_vjp_right", "isinstance", "bool", "round"})


def optimize(body, generated, keep=frozenset(), max_rounds=50, avals=None, plain=False):
    """Optimise `body` (a list of statements, changed in place and returned).

    generated(name): whether a name was made by the compiler (only those are inlined and
    folded; user variables keep their names). keep: names live at the end (returned).
    avals: {variable: AVal} of the function's own variables (avals.py), the static shapes
    and dtypes that let folding drop broadcasts; None: no such facts. plain: the code runs
    on NumPy values only (reverse.plain_values), so reductions may be spelled as methods."""
    # without loops, liveness alone removes what is only read to update itself
    loops = any(isinstance(s, (gast.For, gast.While)) for block in _blocks(body) for s in block)
    facts = Facts(body, generated, avals)
    passes = (lambda: _propagate(body, generated), lambda: _fold(body, generated, facts),
              lambda: _substitute(body, generated), lambda: _dead_code(body, keep, loops))
    # The passes run in turn until each has run once more without changing anything since
    # the last change: a pass that found nothing would find nothing again on the same code,
    # so the fixed point is reached without a last round that only confirms it.
    quiet = 0           # passes run in a row without a change
    for k in range(max_rounds * len(passes)):
        quiet = 0 if passes[k % len(passes)]() else quiet + 1
        if quiet == len(passes):
            break
    if plain:
        reductions.spell_as_methods(body, generated, facts)
    accumulate_in_place(body)
    _forget(body)
    return body


def _forget(body):
    """Drop what the passes cached on the statements: the generated code's trees outlive the
    optimiser (a Hessian differentiates them again), and the caches would double their
    memory (7 MB for a function of 1,000 statements)."""
    for block in _blocks(body):
        for s in block:
            _touch(s)


# -- helpers ------------------------------------------------------------------------------

def _blocks(body):
    """Every statement list in `body` (explicit stack)."""
    stack = [body]
    while stack:
        block = stack.pop()
        yield block
        for s in block:
            if type(s) in _COMPOUND:
                for field in ("body", "orelse"):
                    sub = getattr(s, field, None)
                    if isinstance(sub, list) and sub:
                        stack.append(sub)


_COMPOUND = frozenset({gast.If, gast.For, gast.While, gast.With})


def _compound(s):
    return type(s) in _COMPOUND


def _pure(expr):
    for n in S.walk(expr):
        t = type(n)
        if t is gast.Call:
            if not _pure_call(n):
                return False
        elif t is gast.Yield or t is gast.Await or t is gast.NamedExpr:
            return False
    return True


def _pure_call(n):
    """Whether calling `n.func` has no side effects (the arguments are looked at apart)."""
    f = n.func
    root = f
    while isinstance(root, gast.Attribute):
        root = root.value
    if isinstance(f, gast.Attribute) and f.attr in ("pop", "append", "update", "add_at"):
        return False
    return isinstance(root, gast.Name) and (root.id in _PURE_ROOTS or (
        root is f and root.id in _PURE_NAMES))


def _simple_target(s):
    """The name a simple `name = value` assigns, else None."""
    if type(s) is gast.Assign:
        targets = s.targets
        if len(targets) == 1 and type(targets[0]) is gast.Name:
            return targets[0].id
    return None


def _stores(s):
    """Names a statement rebinds or changes in place (`a[i] = v`, `a.pop()` change `a`)."""
    return _info(s).stores


def _stores_uncached(s):
    """`_stores` computed afresh (for the statements inside a compound one)."""
    if _compound(s):
        out = S.names_stored(s)
        for block in _blocks([s]):
            for sub in block:
                if not _compound(sub):
                    out |= _stores_uncached(sub)
        return out
    return _simple_info(s).stores


_MUTATORS = frozenset({"pop", "append", "update", "add_at", "insert", "extend"})


class _Info:
    """What the passes ask of one statement, found in one walk of it and cached on it until
    `_touch`.

    reads: {name: times read} (an augmented assignment reads its target too); stores: the
    names it rebinds or changes in place; for a simple statement also bound: the names its
    targets bind, written: the names whose object a subscript target changes (`v[i] = ...`),
    and, for an assignment, pure / size: whether its value is free of side effects and how
    many nodes the value has; operations: the nodes of its value (of the whole statement,
    for one that assigns nothing) that folding may rewrite, in `syntax.walk` order (see
    `_MAY_FOLD_TYPES`). For a compound statement the reads are those of its header,
    the stores those of its whole body (a stale cache can only over-state them, which is
    safe). owner: the id of the statement described (`copy_tree` copies the cache with a
    statement; the copy's own nodes are not those `operations` lists, and its id differs
    from that of the statement it was copied from, which was alive then). An id, not the
    statement: a reference back would make each statement and its cache a cycle, which
    only the cyclic collector frees, and compiling runs with it off (`transform.generate`),
    so every statement a pass removes would stay in memory until the compile ends
    (7 MB for a function of 1,000 statements). not_folded: `_fold` has nothing
    to do in a statement that assigns no compiler-made name."""

    __slots__ = ("owner", "reads", "stores", "bound", "written", "pure", "size", "operations",
                 "not_folded")


def _info(s):
    """The `_Info` of a statement (cached on it until `_touch`)."""
    info = s.__dict__.get("_tg_info")
    if info is None or info.owner != id(s):
        if type(s) in _COMPOUND:
            info = _Info()
            counts = {}
            for n in S.walk([getattr(s, f) for f in _header_fields(s)]):
                if type(n) is gast.Name and type(n.ctx) is gast.Load:
                    counts[n.id] = counts.get(n.id, 0) + 1
            info.reads, info.stores = counts, _stores_uncached(s)
            info.bound = info.written = info.pure = info.size = info.operations = None
        else:
            info = _simple_info(s)
        info.owner, info.not_folded = id(s), False
        s.__dict__["_tg_info"] = info
    return info


def _simple_info(s):
    """The `_Info` of a statement that is not compound, in one walk of its nodes."""
    Name, Load, Store, Subscript, Call = gast.Name, gast.Load, gast.Store, gast.Subscript, gast.Call
    Constant, skip, foldable = gast.Constant, STATELESS, _MAY_FOLD_TYPES
    reads, bound, written = {}, set(), set()
    t = type(s)
    if t is gast.Assign:
        targets, value = s.targets, s.value
    elif t is gast.AugAssign:
        targets, value = [s.target], s.value
    else:
        targets, value = (), None
    # the targets: names bound, subscripted bases written, and the names read in indices
    stack = list(targets)
    while stack:
        n = stack.pop()
        tn = type(n)
        if tn is Name:
            ctx = type(n.ctx)
            if ctx is Load:
                reads[n.id] = reads.get(n.id, 0) + 1
            elif ctx is Store:
                bound.add(n.id)
            continue
        if tn is Subscript:
            base = n.value
            while type(base) is Subscript:
                base = base.value
            if type(base) is Name:
                written.add(base.id)
        for v in n.__dict__.values():
            if isinstance(v, gast.AST):
                if not isinstance(v, skip):
                    stack.append(v)
            elif isinstance(v, list):
                for x in v:
                    if isinstance(x, gast.AST):
                        stack.append(x)
    # the value (the whole statement, for one that assigns nothing): names read, purity,
    # size, operations (the order of `syntax.walk`: the same stack, children pushed alike)
    pure, size, operations = True, 0, []
    stack = [s] if value is None else [value]
    while stack:
        n = stack.pop()
        size += 1
        tn = type(n)
        if tn is Name:
            if type(n.ctx) is Load:
                reads[n.id] = reads.get(n.id, 0) + 1
            continue
        if tn is Constant:
            continue                          # (no child nodes)
        if tn in foldable:
            operations.append(n)
            if tn is Call and pure and not _pure_call(n):
                pure = False
        elif tn is gast.Yield or tn is gast.Await or tn is gast.NamedExpr:
            pure = False
        for v in n.__dict__.values():
            if isinstance(v, gast.AST):
                if not isinstance(v, skip):
                    stack.append(v)
            elif isinstance(v, list):
                for x in v:
                    if isinstance(x, gast.AST):
                        stack.append(x)
    if t is gast.AugAssign and type(s.target) is Name:
        reads[s.target.id] = reads.get(s.target.id, 0) + 1
    stores = bound | written
    called = getattr(s, "value", None)
    if type(called) is Call:                  # `a.append(v)`, `v = a.pop()` change `a`
        f = called.func
        if type(f) is gast.Attribute and f.attr in _MUTATORS and type(f.value) is Name:
            stores.add(f.value.id)
    info = _Info()
    info.reads, info.stores, info.bound, info.written = reads, stores, bound, written
    info.pure, info.size = (pure, size) if value is not None else (None, None)
    info.operations = operations
    return info


def _touch(s):
    """Forget what was cached about a statement that changed."""
    s.__dict__.pop("_tg_info", None)
    s.__dict__.pop("_tg_folded", None)


def _loads(s):
    """Names a statement reads (an augmented assignment reads its target too)."""
    return _info(s).reads.keys()


def _replace_loads(node, var, value):
    """Replace reads of `var` under `node` with copies of `value`; return how many."""
    count = 0
    stack = [node]
    Name, Load = gast.Name, gast.Load
    while stack:
        n = stack.pop()
        d = n.__dict__
        for field, child in d.items():
            if type(child) is Name:
                if child.id == var and type(child.ctx) is Load:
                    d[field] = copy_tree(value)
                    count += 1
            elif isinstance(child, list):
                for j, c in enumerate(child):
                    if type(c) is Name:
                        if c.id == var and type(c.ctx) is Load:
                            child[j] = copy_tree(value)
                            count += 1
                    elif isinstance(c, gast.AST):
                        stack.append(c)
            elif isinstance(child, gast.AST) and not isinstance(child, STATELESS):
                stack.append(child)
    return count


def _header_fields(s):
    if isinstance(s, gast.If) or isinstance(s, gast.While):
        return ["test"]
    if isinstance(s, gast.For):
        return ["iter"]
    return []


# -- propagation --------------------------------------------------------------------------

def _propagate(body, generated):
    changed = False
    for block in _blocks(body):
        copies = {}          # var -> Name or Constant it equals
        users = {}           # name -> vars whose copy reads it (to forget them when it changes)
        for s in block:
            if copies:
                if _compound(s):
                    for field in _header_fields(s):
                        for var in S.names_loaded(getattr(s, field)) & copies.keys():
                            if _replace_loads_field(s, field, var, copies[var]):
                                changed = True
                                _touch(s)
                else:
                    hits = _loads(s) & copies.keys()
                    # (replacing the names it reads never changes which objects it writes)
                    written = _written_bases(s) if hits else ()
                    for var in hits:
                        value = copies[var]
                        if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name) \
                                and s.target.id == var:
                            continue
                        if var in written:
                            # `v[i] = ...` changes v's object: neither a constant nor another
                            # name may stand in for v there
                            continue
                        if _replace_loads(s, var, value):
                            changed = True
                            _touch(s)
            stored = _stores(s)
            for name in stored:
                if name in copies:
                    del copies[name]
                for var in users.pop(name, ()):
                    copies.pop(var, None)
            target = _simple_target(s)
            if target is not None and generated(target):
                v = s.value
                if isinstance(v, gast.Name) and v.id != target:
                    copies[target] = v
                    users.setdefault(v.id, []).append(target)
                elif isinstance(v, gast.Constant) and isinstance(v.value, (int, float)) \
                        and not isinstance(v.value, bool):
                    copies[target] = v
    return changed


def _written_bases(s):
    """Names whose object a simple statement changes through a subscript target."""
    return _info(s).written


def _replace_loads_field(s, field, var, value):
    node = getattr(s, field)
    if isinstance(node, gast.Name) and node.id == var:
        setattr(s, field, copy_tree(value))
        return 1
    return _replace_loads(node, var, value)


# -- folding ------------------------------------------------------------------------------

def _is_one(n):
    return isinstance(n, gast.Constant) and not isinstance(n.value, bool) and n.value == 1 \
        and isinstance(n.value, (int, float))


def _fold(body, generated, facts=None):
    changed = False
    for block in _blocks(body):
        no_ops = False
        for s in block:
            if s.__dict__.get("_tg_folded") or _info(s).not_folded:
                continue
            if _self_assignment(s, generated):
                no_ops = True
                continue
            target = _simple_target(s) if isinstance(s, gast.Assign) else (
                s.target.id if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name) else None)
            if target is None or not generated(target):
                # (what it assigns to does not change: nor will this answer, until touched)
                _info(s).not_folded = True
                continue
            new, did = _fold_expr(s.value, facts, _info(s).operations)
            if did:
                # not marked folded: a rewrite may make a form another one folds
                s.value = new
                changed = True
                _touch(s)
            else:
                s.__dict__["_tg_folded"] = True
        if no_ops:
            # `bs = bs` (the adjoint of `s = s + t` passing s's own): nothing to do
            block[:] = [s for s in block if not _self_assignment(s, generated)] or [gast.Pass()]
            changed = True
    return changed


def _self_assignment(s, generated):
    """Whether `s` is `v = v` for a compiler-made name v (always bound where generated code
    reads it, so the statement does nothing)."""
    return (type(s) is gast.Assign and len(s.targets) == 1 and type(s.targets[0]) is gast.Name
            and type(s.value) is gast.Name and s.value.id == s.targets[0].id
            and generated(s.value.id))


_ARITH = {gast.Add: lambda a, b: a + b, gast.Sub: lambda a, b: a - b,
          gast.Mult: lambda a, b: a * b}
_COMPARE = {gast.Eq: lambda a, b: a == b, gast.NotEq: lambda a, b: a != b,
            gast.Lt: lambda a, b: a < b, gast.Gt: lambda a, b: a > b,
            gast.LtE: lambda a, b: a <= b, gast.GtE: lambda a, b: a >= b}


def _number(n):
    return isinstance(n, gast.Constant) and isinstance(n.value, (int, float)) \
        and not isinstance(n.value, bool)


def _is_bool(n):
    return isinstance(n, gast.Constant) and isinstance(n.value, bool)


def _constant_value(node):
    """`2 - 1` -> 1, `2 == 0` -> False (integer and float literals only); `len((16, 64))` -> 2;
    `True and False` -> False; `a if True else b` -> a. Rule templates state special cases
    this way (`d[z] @ y.T if len(np.shape(x)) == 2 ... else <general helper>`), and shapes
    known at compile time then pick the special case with no test left in generated code."""
    if (isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and node.func.id == "len"
            and len(node.args) == 1 and not node.keywords
            and isinstance(node.args[0], (gast.Tuple, gast.List))
            and not any(isinstance(e, gast.Starred) for e in node.args[0].elts)):
        return S.const(len(node.args[0].elts))
    if isinstance(node, gast.BoolOp) and any(_is_bool(v) for v in node.values):
        absorbing = not isinstance(node.op, gast.And)    # False absorbs `and`, True absorbs `or`
        if any(_is_bool(v) and v.value == absorbing for v in node.values):
            return S.const(absorbing)
        rest = [v for v in node.values if not _is_bool(v)]
        if not rest:
            return S.const(not absorbing)
        if len(rest) == 1:
            return rest[0]
        return gast.BoolOp(op=node.op, values=rest)
    if isinstance(node, gast.IfExp) and _is_bool(node.test):
        return node.body if node.test.value else node.orelse
    if isinstance(node, gast.BinOp) and _number(node.left) and _number(node.right):
        fn = _ARITH.get(type(node.op))
        if fn is not None and type(node.left.value) is type(node.right.value):
            return S.const(fn(node.left.value, node.right.value))
    if isinstance(node, gast.Compare) and len(node.ops) == 1 and _number(node.left) \
            and _number(node.comparators[0]):
        fn = _COMPARE.get(type(node.ops[0]))
        if fn is not None:
            return S.const(bool(fn(node.left.value, node.comparators[0].value)))
    return None


def _may_fold(node):
    """Whether `node` matches one of the patterns `_fold_expr` rewrites (a cheap test: most
    generated expressions hold none, and the full post-order pass need not run on them)."""
    t = type(node)
    if t is gast.BinOp:
        op = type(node.op)
        if op is gast.Mult and (_is_one(node.left) or _is_one(node.right)):
            return True
        if op is gast.Pow and _is_one(node.right):
            return True
        return _number(node.left) and _number(node.right)
    if t is gast.Call:
        f = node.func
        return (type(f) is gast.Name and f.id in ("len", "unreduce")) or (
            type(f) is gast.Attribute and f.attr == "where")
    if t is gast.BoolOp or t is gast.IfExp:
        return True
    if t is gast.Compare:
        return _number(node.left) and bool(node.comparators) and _number(node.comparators[0])
    if t is gast.UnaryOp:
        return type(node.op) is gast.USub and type(node.operand) is gast.UnaryOp
    return False


_MAY_FOLD_TYPES = frozenset({gast.BinOp, gast.Call, gast.BoolOp, gast.IfExp, gast.Compare,
                             gast.UnaryOp})   # the only nodes `_may_fold`/`may_rewrite` accept


def _fold_expr(expr, facts=None, operations=None):
    """(expr folded, whether anything was). operations: its nodes of `_MAY_FOLD_TYPES` in
    `syntax.walk` order, when known (`_Info.operations`)."""
    if operations is None:
        operations = [n for n in S.walk(expr) if type(n) in _MAY_FOLD_TYPES]
    for n in operations:
        if _may_fold(n) or (facts is not None and broadcasts.may_rewrite(n, facts)):
            break
    else:
        return expr, False
    # children first (a folded child may make its parent foldable)
    return S.rewrite_bottom_up(expr, lambda node, parent: _fold_node(node, parent, facts))


def _fold_node(node, parent, facts):
    """What `_fold_expr` writes for `node` (an operand of `parent`), or None."""
    new = _constant_value(node)
    if new is not None:
        return new
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Pow) and _is_one(node.right):
        new = node.left
    elif (isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)
          and isinstance(node.func.value, gast.Name) and node.func.value.id == "np"
          and node.func.attr == "where" and len(node.args) == 3 and not node.keywords
          and isinstance(node.args[0], gast.Constant) and isinstance(node.args[0].value, bool)):
        chosen = node.args[1] if node.args[0].value else node.args[2]
        other = node.args[2] if node.args[0].value else node.args[1]
        if isinstance(other, gast.Constant):     # np.where(False, 0.0, g) is g
            new = chosen
    elif _constant_seed_spread(node):
        # `unreduce(1.0, (16,), None, False)` (the seed of `np.sum` of a known shape) is
        # that shape filled with the number: `np.ones((16,))`, no broadcast view
        value, shape = node.args[0], node.args[1]
        new = (S.np_call("ones", shape) if _is_one(value) and isinstance(value.value, float)
               else gast.Call(func=S.dotted("np.full"), args=[shape, value], keywords=[]))
    elif facts is not None and broadcasts.may_rewrite(node, facts) and (
            rewritten := broadcasts.rewrite(node, facts, parent)) is not None:
        new = rewritten
    elif isinstance(node, gast.BinOp) and isinstance(node.op, gast.Mult):
        if _is_one(node.left):
            new = node.right
        elif _is_one(node.right):
            new = node.left
    elif isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub) and isinstance(
            node.operand, gast.UnaryOp) and isinstance(node.operand.op, gast.USub):
        new = node.operand.operand
    return new


def _constant_seed_spread(node):
    """Whether `node` is `unreduce(<float>, <known non-empty shape>, <axis>, False)`: a
    number spread over a shape known when compiling (helpers.unreduce broadcasts it)."""
    if not (type(node) is gast.Call and type(node.func) is gast.Name and node.func.id == "unreduce"
            and not node.keywords and len(node.args) == 4):
        return False
    value, shape, _, keepdims = node.args
    return (type(value) is gast.Constant and type(value.value) is float
            and type(shape) is gast.Tuple and shape.elts
            and all(type(e) is gast.Constant and type(e.value) is int for e in shape.elts)
            and int(np.prod([e.value for e in shape.elts])) <= _MAX_SPREAD
            and type(keepdims) is gast.Constant and keepdims.value is False)


# elements up to which a spread seed is materialised (`np.ones`, fast to compute with); a
# larger one stays a broadcast view, which costs no memory (a 1e6-element seed would add 8 MB
# to the gradient's peak)
_MAX_SPREAD = 1 << 14


# -- forward substitution -----------------------------------------------------------------

_MAX_INLINE = 24   # nodes: keep inlined expressions readable


def _substitute(body, generated):
    loads = {}
    stores = {}
    for block in _blocks(body):
        for s in block:
            info = _info(s)
            for name, k in info.reads.items():
                loads[name] = loads.get(name, 0) + k
            if info.bound is None:                 # a compound statement
                if isinstance(s, gast.For):
                    for n in S.walk(s.target):
                        if isinstance(n, gast.Name):
                            stores[n.id] = stores.get(n.id, 0) + 1
            else:
                for name in info.bound:
                    stores[name] = stores.get(name, 0) + 1
    changed = False
    for block in _blocks(body):
        # a statement inlined is left out of `kept`; the scans only look forward, at
        # statements not yet decided on (rebuilding the block once: no `del` per statement)
        kept = []
        for i, s in enumerate(block):
            t = _simple_target(s)
            if t is None or not generated(t) or loads.get(t, 0) != 1 or stores.get(t, 0) != 1:
                kept.append(s)
                continue
            info = _info(s)
            if not info.pure or info.size > _MAX_INLINE:
                kept.append(s)
                continue
            reads = info.reads.keys()              # (the target is a name: the value's reads)
            blockers = reads | {t}
            done = False
            for j in range(i + 1, len(block)):
                u = block[j]
                if S.is_comment(u):
                    continue
                if _compound(u):
                    if t in _loads(u):
                        for f in _header_fields(u):
                            _replace_loads_field(u, f, t, s.value)
                        _touch(u)
                        done = True
                    break
                if t in _loads(u):
                    if isinstance(u, gast.AugAssign) and isinstance(u.target, gast.Name) and u.target.id == t:
                        break
                    if t in _written_bases(u):
                        break
                    _replace_loads(u, t, s.value)
                    if getattr(u, "lineno", None) is None and getattr(u, "_tg_line", None) is None:
                        u._tg_line = getattr(s, "lineno", None)   # errors there name this line
                    _touch(u)
                    done = True
                    break
                if not _stores(u).isdisjoint(blockers):
                    break
            if done:
                changed = True
            else:
                kept.append(s)
        if len(kept) != len(block):
            block[:] = kept
    return changed


# -- dead code ----------------------------------------------------------------------------

def _dead_code(body, keep, loops=True):
    changed = _remove_self_updates(body, keep) if loops else False
    changed |= _liveness_sweep(body, set(keep))
    changed |= _remove_empty(body)
    return changed


def _remove_self_updates(body, keep):
    """Drop variables that are only ever read to compute themselves (`n = n + 1`)."""
    candidates = set()      # variables some statement reads to update themselves
    for block in _blocks(body):
        for s in block:
            if _compound(s):
                continue
            target = _simple_target(s)
            if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name):
                target = s.target.id
            if target is not None and target not in keep and target in _info(s).reads:
                candidates.add(target)
    if not candidates:
        return False
    readers = {}
    for block in _blocks(body):
        for s in block:
            if _compound(s):
                for f in _header_fields(s):
                    for v in S.names_loaded(getattr(s, f)) & candidates:
                        readers.setdefault(v, set()).add(None)
                continue
            target = _simple_target(s)
            if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name):
                target = s.target.id
            for v in _loads(s) & candidates:
                readers.setdefault(v, set()).add(target if target == v else None)
    faint = {v for v, rs in readers.items() if rs == {v} and v not in keep}
    # all of a variable's assignments go, or none: dropping `v = x[1]` but keeping an
    # impure `v = g(v)` would leave a read of an unassigned v
    for block in _blocks(body):
        for s in block:
            t = None if _compound(s) else _simple_target(s)
            if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name):
                t = s.target.id
            if t in faint and not _info(s).pure:
                faint.discard(t)
    if not faint:
        return False
    changed = False
    for block in _blocks(body):
        keep_stmts = []
        for s in block:
            t = _simple_target(s)
            if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name):
                t = s.target.id
            if t in faint and _info(s).pure:
                changed = True
                continue
            keep_stmts.append(s)
        block[:] = keep_stmts
    return changed


def _liveness_sweep(body, live_out):
    """Remove pure assignments to variables not live afterwards. Returns whether it did."""
    changed = [False]

    def sweep(block, live):
        """Process `block` backwards given the variables live after it; return live before."""
        kept = []
        for s in reversed(block):
            if S.is_comment(s):
                kept.append(s)
                continue
            if isinstance(s, gast.If):
                lb = sweep(s.body, set(live))
                lo = sweep(s.orelse, set(live))
                live = lb | lo | S.names_loaded(s.test)
                kept.append(s)
                continue
            if isinstance(s, (gast.For, gast.While)):
                head = S.names_loaded(s.iter if isinstance(s, gast.For) else s.test)
                inner = set(live) | head
                for _ in range(20):
                    before = sweep_dry(s.body, set(inner))
                    new = inner | before
                    if new == inner:
                        break
                    inner = new
                sweep(s.body, set(inner))
                live = set(live) | inner | head
                kept.append(s)
                continue
            if isinstance(s, gast.With):
                live = sweep(s.body, set(live)) | S.names_loaded(s.items)
                kept.append(s)
                continue
            stored = _stores(s)
            if isinstance(s, gast.Assign) and all(isinstance(t, (gast.Name, gast.Tuple)) for t in s.targets) \
                    and stored and stored.isdisjoint(live) and _info(s).pure \
                    and all(isinstance(n, gast.Name) for t in s.targets for n in _target_leaves(t)):
                changed[0] = True
                continue
            if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name) \
                    and s.target.id not in live and _info(s).pure:
                changed[0] = True
                continue
            if isinstance(s, gast.Assign) and all(isinstance(t, gast.Name) for t in s.targets):
                live -= stored
            # update(), not `|=`: `set |= dict_keys` falls back to `set | keys`, a new set
            # per statement (quadratic in a long block)
            live.update(_loads(s))
            kept.append(s)
        block[:] = kept[::-1]
        return live

    def sweep_dry(block, live):
        """Live-in of `block` without changing it."""
        for s in reversed(block):
            if S.is_comment(s):
                continue
            if _compound(s):
                live |= S.names_loaded(s)
                continue
            if isinstance(s, gast.Assign) and all(isinstance(t, gast.Name) for t in s.targets):
                live -= _stores(s)
            live.update(_loads(s))
        return live

    sweep(body, live_out)
    return changed[0]


def _target_leaves(t):
    if isinstance(t, gast.Tuple):
        out = []
        for e in t.elts:
            out += _target_leaves(e)
        return out
    return [t]


def _remove_empty(body):
    changed = False
    loaded = None     # names read anywhere: a loop whose target is read is kept, even if empty
    for block in _blocks(body):
        kept = []
        for s in block:
            if isinstance(s, gast.If):
                s.body = [x for x in s.body if not isinstance(x, gast.Pass)]
                s.orelse = [x for x in s.orelse if not isinstance(x, gast.Pass)]
                if not _has_code(s.body) and not _has_code(s.orelse) and _pure(s.test):
                    changed = True
                    continue
                if not s.body:
                    s.body = [gast.Pass()]
            elif isinstance(s, gast.For):
                s.body = [x for x in s.body if not isinstance(x, gast.Pass)]
                if not _has_code(s.body) and _pure(s.iter):
                    if loaded is None:
                        loaded = S.names_loaded(body)
                    if not (S.names_stored(s.target) & loaded):
                        changed = True
                        continue
                if not s.body:
                    s.body = [gast.Pass()]
            elif isinstance(s, gast.Pass) and len(block) > 1:
                changed = True
                continue
            kept.append(s)
        # drop comments that no longer introduce anything
        cleaned = []
        for j, s in enumerate(kept):
            if S.is_comment(s) and (j + 1 == len(kept) or S.is_comment(kept[j + 1])):
                changed = True
                continue
            cleaned.append(s)
        block[:] = cleaned
    return changed


def _has_code(block):
    return any(not S.is_comment(s) and not isinstance(s, gast.Pass) for s in block)


# -- in-place accumulation ----------------------------------------------------------------
#
# `bx = bx + g` allocates a new array per contribution; `bx += g` adds into the one there
# is. That is the same computation only when nothing else can see the array `bx` holds
# (another adjoint sharing it, a value the caller passed, a saved value, the seed of a
# cotangent) and when `bx + g` has the dtype and shape of `bx`. So a statement is changed
# only when
# - the reverse pass marked it (reverse.ACCUMULATE: generated for plain calls, `x` a
#   float64 array of known shape, every value of the function real and of a known kind, so
#   that g is float64 or narrower and of x's shape or broadcastable to it: adding it into a
#   float64 buffer gives what `bx + g` gives), and
# - on every path to it, `bx` was last bound by `bx = np.zeros(<shape>)` (a float64 array
#   made there, referenced by `bx` alone) and since then read by nothing but such marked
#   accumulations into itself: no read means no other reference can have been taken.
# Anything else (a read, a rebinding, a compound statement this does not follow) ends it.


def accumulate_in_place(body):
    """Turn marked accumulations into `+=` where the accumulator is a private buffer (see
    above). Changes `body` in place; returns whether it changed anything."""
    if not any(s.__dict__.get(ACCUMULATE) for block in _blocks(body) for s in block):
        return False
    changed = [False]
    _private_buffers(body, set(), changed)
    return changed[0]


def _private_buffers(block, private, changed, convert=True):
    """Names holding a private buffer after `block`, given those before (`private`, updated
    in place and returned); with `convert`, marked accumulations into them become `+=`."""
    for i, s in enumerate(block):
        if S.is_comment(s):
            continue
        if isinstance(s, gast.If):
            private -= S.names_loaded(s.test)
            after_body = _private_buffers(s.body, set(private), changed, convert)
            _private_buffers(s.orelse, private, changed, convert)
            private &= after_body
        elif isinstance(s, (gast.For, gast.While)) and not s.orelse:
            head = S.names_loaded(s.iter if isinstance(s, gast.For) else s.test)
            private -= head
            if isinstance(s, gast.For):
                private -= S.names_stored(s.target)
            entry = set(private)
            for _ in range(64):     # what holds at every iteration's start: a fixed point
                out = _private_buffers(s.body, set(entry), changed, False) - head
                if isinstance(s, gast.For):
                    out -= S.names_stored(s.target)
                if entry <= out:
                    break
                entry &= out
            else:
                entry = set()
            _private_buffers(s.body, set(entry), changed, convert)
            private &= entry
        elif _compound(s) or not isinstance(s, (gast.Assign, gast.Expr, gast.Return,
                                                  gast.Assert, gast.Pass)):
            private -= {n.id for n in S.walk(s) if isinstance(n, gast.Name)}
        else:
            target = _accumulation(s)
            if target is not None and target in private:
                private -= S.names_loaded(s.value.right)
                if convert:
                    block[i] = _augmented_add(s, target)
                    changed[0] = True
                continue
            # (not an augmented assignment: what it reads is what `_loads` says)
            private.difference_update(_loads(s))
            private -= _stores(s)
            fresh = _fresh_buffer(s)
            if fresh is not None:
                private.add(fresh)
    return private


def _accumulation(s):
    """x for a marked `x = x + g` whose g does not read x, else None."""
    if not s.__dict__.get(ACCUMULATE):
        return None
    x = _simple_target(s)
    v = getattr(s, "value", None)
    if (x is None or type(v) is not gast.BinOp or type(v.op) is not gast.Add
            or type(v.left) is not gast.Name or v.left.id != x
            or x in S.names_loaded(v.right)):
        return None
    return x


def _fresh_buffer(s):
    """x for `x = np.zeros(<tuple of int constants>)` (a new float64 array), else None."""
    x = _simple_target(s)
    if x is None:
        return None
    v = s.value
    if type(v) is not gast.Call or v.keywords or len(v.args) != 1:
        return None
    f = v.func
    if not (type(f) is gast.Attribute and f.attr == "zeros" and type(f.value) is gast.Name
            and f.value.id == "np"):
        return None
    shape = v.args[0]
    if type(shape) is not gast.Tuple or not shape.elts or not all(
            type(e) is gast.Constant and type(e.value) is int for e in shape.elts):
        return None
    return x


def _augmented_add(s, target):
    """`target += g` for the statement `target = target + g`, at the same lines."""
    new = gast.AugAssign(target=S.store(target), op=gast.Add(), value=s.value.right)
    for key in ("lineno", "col_offset", "end_lineno", "end_col_offset", "_tg_line"):
        if key in s.__dict__:
            new.__dict__[key] = s.__dict__[key]
    return new
