"""In code generated for plain calls, a reduction of a NumPy value is spelled as its method.

`np.sum(a, axis=1, keepdims=True)` on an ndarray runs `np.add.reduce` behind a layer of
Python (array-function dispatch, `_wrapreduction`) that costs about as much as reducing a
small array; `a.sum(axis=1, keepdims=True)` calls the same reduction from C. On an ndarray or
a NumPy scalar the two give the same values, dtype and shape. So in code that only ever runs
on NumPy values (`reverse.plain_values`: a `tg.grad` call on arrays, never re-run on Tensors
or batches nor transformed again), the optimiser writes the method where `facts.py` knows
`a` is a NumPy value (not a Python scalar, which has no such method). Code that may meet a
Tensor keeps `np.sum`: a Tensor's own `.sum` follows PyTorch.

`np.sum`, `np.max`, `np.min`, `np.amax`, `np.amin`, with one positional operand and the
keywords `axis` and `keepdims` only, in statements the compiler generated (an assignment to
a name it made, or a return). It runs once, after the optimiser's fixed point: the other
passes know `np.*` calls to be pure, and see them only.
"""
from . import syntax as S
from .facts import _np_attr
from .quoting import gast

__all__ = ["spell_as_methods", "may_rewrite", "rewrite"]

_METHODS = {"sum": "sum", "max": "max", "min": "min", "amax": "max", "amin": "min"}


def spell_as_methods(body, generated, facts):
    """Rewrite the reductions of the generated statements of `body` (in place); return
    whether anything changed."""
    from .optimize import _blocks, _compound, _simple_target, _touch, _info
    changed = False
    for block in _blocks(body):
        for s in block:
            if _compound(s):
                continue
            if isinstance(s, gast.Assign):
                target = _simple_target(s)
                if target is None or not generated(target):
                    continue
            elif isinstance(s, gast.AugAssign):
                if not (isinstance(s.target, gast.Name) and generated(s.target.id)):
                    continue
            elif not isinstance(s, gast.Return) or s.value is None:
                continue
            if not any(type(n) is gast.Call and may_rewrite(n) for n in _info(s).operations):
                continue            # (most statements: no reduction to look at)
            new, did = _rewrite_tree(s.value, facts)
            if did:
                s.value = new
                _touch(s)
                changed = True
    return changed


def _rewrite_tree(expr, facts):
    """(expr with its reductions rewritten, bottom up; whether any was)."""
    return S.rewrite_bottom_up(
        expr, lambda node, parent: rewrite(node, facts) if may_rewrite(node) else None)


def may_rewrite(node):
    """Whether `node` is a reduction call of the form rewritten here."""
    return (type(node) is gast.Call and _np_attr(node.func) in _METHODS and len(node.args) == 1
            and all(k.arg in ("axis", "keepdims") for k in node.keywords))


def rewrite(node, facts):
    """`a.sum(...)` for `np.sum(a, ...)` on a NumPy value, else None."""
    if not may_rewrite(node):
        return None
    operand = node.args[0]
    fact = facts.of(operand)
    if fact is None or fact.weak is not False:
        return None
    method = gast.Attribute(value=operand, attr=_METHODS[node.func.attr], ctx=gast.Load())
    return gast.Call(func=method, args=[], keywords=node.keywords)
