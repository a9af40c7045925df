"""Drop the broadcasts of generated code that the operation consuming them does anyway.

The rules of reductions spread a cotangent back over the input's shape with `unreduce(g,
shape, axis, keepdims)`, and the mean's seed is spread the same way. Where the spread value
is then combined elementwise with an array that already has that shape and the spread's
dtype, NumPy's broadcasting in that combination makes the same values, and the spread is a
wasted call (a read-only view built through several Python layers):

    unreduce(g, (64, 10), 1, True) * p                   ->  g * p
    unreduce(unreduce(np.float32(1.0), (64,), None, False) / 64, (64, 10), 1, False) * Y
                                                         ->  np.float32(1.0) / 64 * Y

A *spread* is an expression whose value is `np.broadcast_to(e, shape)` for a smaller
expression `e`: `unreduce(g, shape, axis, True)`; `unreduce` of a 0-d value or of a spread
of one; `np.ones(shape)`, `np.full(shape, c)`; a spread times, over, plus or minus a 0-d
value; minus a spread; and a compiler-made variable assigned once to a spread of a literal
(`btimes = unreduce(1.0, (1000000,), None, False)`). `X op Y` with X a spread of `e` over
`shape` becomes `e op Y` where `facts.py` proves that Y's shape contains `shape` (so the
result's shape is Y's either way) and that Y's dtype is the spread's dtype (so `e`, a
Python scalar included, combines with Y into the same dtype, with NumPy's promotion and
PyTorch's alike). Elementwise, the same numbers meet the same operation: the values are
identical, not merely close. One exception keeps arrays unshared: a spread of 1 times a
variable is left alone where the product is a statement's whole value (`bx = np.ones((3,))
* w` would become `bx = w`, a gradient that is another variable's array).

Also, from literals and facts alone:
- `reduced_count(<literal shape>, <literal axis>)` -> the int it returns;
- `np.sum(-a, axis=..., keepdims=...)` -> `-np.sum(a, ...)` for floating a (rounding is
  symmetric, so the sum of the negations is the negated sum, bit for bit), and
  `x + -y` -> `x - y`.
"""
import numpy as np

from .. import helpers
from . import syntax as S
from .facts import Fact, literal, literal_shape, _result, _BINARY, _np_attr
from .quoting import gast, copy_tree

__all__ = ["may_rewrite", "rewrite"]

_ARITH = (gast.Add, gast.Sub, gast.Mult, gast.Div)
_SPREADERS = frozenset({"unreduce"})
_NP_SPREADERS = frozenset({"ones", "full"})


class _Spread:
    """`np.broadcast_to(e, shape)` as a value of `dtype` (see the module docstring)."""

    __slots__ = ("e", "shape", "dtype")

    def __init__(self, e, shape, dtype):
        self.e, self.shape, self.dtype = e, shape, dtype


def may_rewrite(node, facts):
    """Whether `node` has the form of a rewrite here (a cheap syntactic test: facts are
    computed only for nodes that pass it)."""
    t = type(node)
    spread_names = _spread_names(facts) if t is gast.BinOp else ()
    if t is gast.BinOp:
        if type(node.op) is gast.Add and type(node.right) is gast.UnaryOp \
                and type(node.right.op) is gast.USub:
            return True
        return isinstance(node.op, _ARITH) and (_may_spread(node.left, spread_names)
                                                or _may_spread(node.right, spread_names))
    if t is gast.Call:
        f = node.func
        if type(f) is gast.Name:
            return f.id == "reduced_count"
        return (_np_attr(f) == "sum" and node.args and type(node.args[0]) is gast.UnaryOp
                and type(node.args[0].op) is gast.USub)
    return False


def _may_spread(node, spread_names, depth=0):
    while depth < 16:
        t = type(node)
        if t is gast.Call:
            f = node.func
            return (type(f) is gast.Name and f.id in _SPREADERS) or _np_attr(f) in _NP_SPREADERS
        if t is gast.Name:
            return node.id in spread_names
        if t is gast.UnaryOp:
            node = node.operand
        elif t is gast.BinOp and isinstance(node.op, _ARITH):
            return _may_spread(node.left, spread_names, depth + 1) or _may_spread(
                node.right, spread_names, depth + 1)
        else:
            return False
        depth += 1
    return False


def _spread_names(facts):
    """The compiler-made variables assigned once to an expression of the form of a spread
    (cached on `facts`; whether it is one is decided at each read, from the assigned
    expression as folded so far)."""
    out = facts.__dict__.get("_spread_names")
    if out is None:
        out = facts.__dict__["_spread_names"] = {
            name for name, value in facts.definitions() if _may_spread(value, ())}
    return out


def rewrite(node, facts, parent=None):
    """The rewritten `node`, or None when no rewrite here applies. parent: the expression
    `node` is an operand of (None: `node` is a statement's whole value)."""
    t = type(node)
    if t is gast.Call:
        if type(node.func) is gast.Name:
            return _fold_reduced_count(node)
        return _sum_of_negation(node, facts)
    if t is not gast.BinOp or not isinstance(node.op, _ARITH):
        return None
    if type(node.op) is gast.Add and type(node.right) is gast.UnaryOp \
            and type(node.right.op) is gast.USub:
        negated = facts.of(node.right.operand)
        # (not for a boolean array: `-b` raises where `a - b` may not)
        if negated is not None and negated.dtype.kind in "fc":
            return gast.BinOp(left=node.left, op=gast.Sub(), right=node.right.operand)
    for field, other_field in (("left", "right"), ("right", "left")):
        side, other = getattr(node, field), getattr(node, other_field)
        sp = _spread(side, facts)
        if sp is None:
            continue
        fo = facts.of(other)
        if fo is None or fo.dtype != sp.dtype or not _contains(fo.shape, sp.shape):
            continue
        if type(node.op) is gast.Mult and _is_one(sp.e) and _may_be_shared(other) \
                and type(parent) not in (gast.BinOp, gast.UnaryOp):
            # `bx = np.ones((3,)) * w` would fold to `bx = w`: an adjoint (a gradient the
            # caller receives, or a tuple of them) sharing the array of another variable.
            # As an operand of arithmetic (`-(btimes * w)`), w is read, never shared.
            continue
        new = gast.BinOp(left=node.left, op=node.op, right=node.right)
        setattr(new, field, copy_tree(sp.e))
        return new
    return None


def _contains(outer, inner):
    """Whether broadcasting `inner` against `outer` gives `outer`."""
    try:
        return np.broadcast_shapes(outer, inner) == tuple(outer)
    except ValueError:
        return False


def _spread(node, facts, depth=0):
    """The _Spread `node` is, or None."""
    if depth > 32:
        return None
    t = type(node)
    if t is gast.Call:
        f = node.func
        if type(f) is gast.Name and f.id == "unreduce":
            return _unreduce_spread(node, facts, depth)
        attr = _np_attr(f)
        if attr in _NP_SPREADERS and not node.keywords:
            fact = facts.of(node)
            if fact is None or not fact.shape or fact.dtype.kind not in "fc":
                return None
            value = S.const(1.0) if attr == "ones" and len(node.args) == 1 else (
                node.args[1] if len(node.args) == 2 else None)
            return None if value is None else _Spread(value, fact.shape, fact.dtype)
        return None
    if t is gast.Name:
        value = facts.definition(node.id)
        if value is None:
            return None
        sp = _spread(value, facts, depth + 1)
        return sp if sp is not None and _is_literal(sp.e) else None
    if t is gast.UnaryOp and type(node.op) in (gast.USub, gast.UAdd):
        sp = _spread(node.operand, facts, depth + 1)
        if sp is None:
            return None
        return _Spread(gast.UnaryOp(op=node.op, operand=sp.e), sp.shape, sp.dtype)
    if t is gast.BinOp and isinstance(node.op, _ARITH):
        for field, other_field in (("left", "right"), ("right", "left")):
            sp = _spread(getattr(node, field), facts, depth + 1)
            if sp is None:
                continue
            return _scaled(node, field, sp, getattr(node, other_field), facts)
    return None


def _unreduce_spread(node, facts, depth):
    if len(node.args) != 4 or node.keywords:
        return None
    g, shape_node, _, keepdims_node = node.args
    shape, keepdims = literal_shape(shape_node), literal(keepdims_node, None)
    if not shape or type(keepdims) is not bool:
        return None
    inner = _spread(g, facts, depth + 1)
    if inner is not None:
        e_fact = facts.of(inner.e)
        if keepdims or (e_fact is not None and e_fact.shape == ()):
            # a spread spread again: the same values over the larger shape
            return _Spread(inner.e, shape, inner.dtype)
    fact = facts.of(g)
    if fact is None or fact.dtype.kind not in "fc":
        return None
    if keepdims or fact.shape == ():
        # np.broadcast_to(g, shape): g keeps its dtype (a Python float's is float64)
        return _Spread(g, shape, fact.dtype)
    return None


def _scaled(node, field, sp, other, facts):
    """The spread `node` is when its operand `field` is the spread `sp` and the other
    operand is one value: the operation moves inside the broadcast."""
    fo = facts.of(other)
    if fo is None or fo.shape != () or sp.dtype.kind not in "fc":
        return None
    if type(node.op) is gast.Div and field == "right":
        return None                 # c / broadcast(e) is broadcast(c / e), but keep it simple
    e = gast.BinOp(left=sp.e, op=node.op, right=other) if field == "left" else gast.BinOp(
        left=other, op=node.op, right=sp.e)
    fe = facts.of(e)
    as_array = _result(_BINARY[type(node.op)], (Fact((), sp.dtype, False), fo))
    if fe is None or as_array is None or fe.dtype != as_array.dtype:
        return None
    if fe.weak is not False and type(node.op) is gast.Div and literal(other, None) == 0:
        return None                 # Python raises on x / 0 where NumPy gives inf
    return _Spread(e, sp.shape, as_array.dtype)


def _is_one(node):
    return type(node) is gast.Constant and type(node.value) in (int, float) and node.value == 1


def _may_be_shared(node):
    """Whether the value of `node` may be an array another name holds (not one made by
    the operation that computes it)."""
    return type(node) in (gast.Name, gast.Attribute, gast.Subscript)


def _is_literal(node):
    """Whether `node` is made of literals only (numbers, `np.float32(<number>)`, arithmetic
    on them): safe to copy to where a variable holding its spread is read."""
    for n in S.walk(node):
        t = type(n)
        if t is gast.Call:
            if _np_attr(n.func) is None or len(n.args) != 1 or n.keywords \
                    or type(n.args[0]) is not gast.Constant:
                return False
        elif t is gast.Name:
            if n.id != "np":
                return False
        elif t not in (gast.Constant, gast.BinOp, gast.UnaryOp, gast.Attribute, gast.Load):
            return False
    return True


def _fold_reduced_count(node):
    if node.func.id != "reduced_count" or node.keywords or not 1 <= len(node.args) <= 2:
        return None
    shape = literal_shape(node.args[0])
    axis = literal(node.args[1], ValueError) if len(node.args) == 2 else None
    if shape is None or axis is ValueError:
        return None
    if not (axis is None or type(axis) is int or (type(axis) is tuple and all(
            type(a) is int for a in axis))):
        return None
    try:
        if axis is not None and any(not -len(shape) <= a < max(len(shape), 1)
                                    for a in (axis if type(axis) is tuple else (axis,))):
            return None
        return S.const(int(helpers.reduced_count(shape, axis)))
    except Exception:
        return None


def _sum_of_negation(node, facts):
    """`np.sum(-a, axis=k, keepdims=b)` -> `-np.sum(a, axis=k, keepdims=b)` for floating a."""
    if _np_attr(node.func) != "sum" or len(node.args) != 1 or not all(
            k.arg in ("axis", "keepdims") for k in node.keywords):
        return None
    neg = node.args[0]
    if type(neg) is not gast.UnaryOp or type(neg.op) is not gast.USub:
        return None
    fact = facts.of(neg.operand)
    if fact is None or fact.dtype.kind not in "fc":
        return None
    inner = gast.Call(func=node.func, args=[neg.operand], keywords=node.keywords)
    return gast.UnaryOp(op=gast.USub(), operand=inner)
