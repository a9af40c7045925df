"""Instantiate a registry rule template: copy its tree, substituting names in the same pass.

This does what `Primitive.instantiate` does (`d[z]`/`t[x]` seeds and template names replaced
by expressions, stored temporaries renamed), in one copy instead of a deep copy followed by
a NodeTransformer walk, and additionally
- replaces `np.shape(x)` / `np.ndim(x)` by constants where the caller knows x's shape;
- writes a small integer literal of the template as a float (`1 - z * z` -> `1.0 - z * z`)
  where it is an operand of `+ - * /` whose other operand the caller knows to be floating
  point. The value is the same (a Python number takes the dtype of the array it meets, and
  small integers are exact in every float dtype); NumPy converts a float operand faster.
Rules are the registry's; nothing here knows any derivative.
"""
from .. import helpers as _helpers
from . import syntax as S
from .quoting import gast, copy_tree, STATELESS

__all__ = ["instantiate", "names_for", "helpers_called"]

_POSITIONS = frozenset({"lineno", "col_offset", "end_lineno", "end_col_offset"})


def instantiate(rule, names, expr=None, shape_of=None, floating=None):
    """(statements, expression) of `rule` with `names` substituted.

    names:    {template name or "d:z"/"t:x": gast expression}
    expr:     the expression to instantiate instead of `rule.expr` (e.g. `rule.core`)
    shape_of: name -> known shape tuple or None, for `np.shape(name)` in the result
    floating: name -> whether its value is known to be floating point (real or complex),
              for integer literals next to it (see the module docstring)"""
    sub = _Substituter(names, shape_of, floating)
    stmts = [sub.copy(s) for s in rule.stmts]
    return stmts, sub.copy(rule.expr if expr is None else expr)


def names_for(s, rule, seed_key, seed, namer):
    """The substitutions that instantiate `rule` for the primitive call `s` of the IR: its
    result and operands, its statics, the seed (under "d:<output>" for a reverse rule,
    "t:<input>" for a forward rule) and fresh names for the rule's temporaries."""
    prim = s.prim
    names = {prim.output: S.name(s.target), seed_key: seed}
    for name, atom in zip(prim.inputs, s.args):
        names[name] = atom
    for name in prim.static_names:
        names[name] = s.statics[name]
    for temp in rule.stmts:
        t = temp.targets[0].id
        names[t] = S.name(namer.fresh(t))
    return names


_HELPERS = frozenset(_helpers.__all__)


def helpers_called(trees):
    """The names of `transgrad.helpers` functions the instantiated trees refer to (generated
    code imports them)."""
    return {node.id for node in S.walk(trees) if type(node) is gast.Name and node.id in _HELPERS}


_FLOAT_OPS = (gast.Add, gast.Sub, gast.Mult, gast.Div)
_EXACT = 2 ** 11       # integers up to this are exact in float16 and wider


class _Substituter:
    def __init__(self, names, shape_of, floating=None):
        self.names = names
        self.shape_of = shape_of
        self.floating = floating

    def copy(self, node):
        cls = type(node)
        if cls is gast.Name:
            target = self.names.get(node.id)
            if target is None:
                return copy_tree(node)
            if type(node.ctx) is gast.Store:
                if type(target) is gast.Name:
                    return gast.Name(id=target.id, ctx=node.ctx, annotation=None, type_comment=None)
                return copy_tree(node)
            return copy_tree(target)
        if cls is gast.Subscript and type(node.value) is gast.Name and node.value.id in ("d", "t") \
                and type(node.slice) is gast.Name:
            target = self.names.get(f"{node.value.id}:{node.slice.id}")
            if target is not None:
                return copy_tree(target)
        if cls is gast.Call and self.shape_of is not None:
            known = self.shape_call(node)
            if known is not None:
                return known
        new = cls.__new__(cls)
        d = new.__dict__
        for k, v in node.__dict__.items():
            if k in _POSITIONS:
                continue        # template lines are not the user's: generated code gets its own
            if isinstance(v, gast.AST):
                d[k] = v if isinstance(v, STATELESS) else self.copy(v)
            elif isinstance(v, list):
                d[k] = [self.copy(x) if isinstance(x, gast.AST) else x for x in v]
            else:
                d[k] = v
        if cls is gast.BinOp and self.floating is not None:
            float_int_literal(new, self.floating)
        return new

    def shape_call(self, call):
        f = call.func
        if not (type(f) is gast.Attribute and type(f.value) is gast.Name and f.value.id == "np"
                and f.attr in ("shape", "ndim") and len(call.args) == 1 and not call.keywords):
            return None
        arg = call.args[0]
        if type(arg) is gast.Name:
            arg = self.names.get(arg.id, arg)
        if type(arg) is gast.Constant:
            shape = ()
        elif type(arg) is gast.Name:
            shape = self.shape_of(arg.id)
        else:
            return None
        if shape is None:
            return None
        if f.attr == "ndim":
            return gast.Constant(value=len(shape), kind=None)
        return gast.Tuple(elts=[gast.Constant(value=n, kind=None) for n in shape], ctx=gast.Load())


def _small_int(node):
    return (type(node) is gast.Constant and type(node.value) is int
            and abs(node.value) <= _EXACT)


def is_floating(node, floating):
    """Whether an expression is known to evaluate to floating point: a name `floating(name)`
    says is, a float literal, or arithmetic with such an operand."""
    cls = type(node)
    if cls is gast.Name:
        return floating(node.id)
    if cls is gast.Constant:
        return type(node.value) is float
    if cls is gast.BinOp:
        return isinstance(node.op, (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow)) and (
            is_floating(node.left, floating) or is_floating(node.right, floating))
    if cls is gast.UnaryOp:
        return isinstance(node.op, (gast.USub, gast.UAdd)) and is_floating(node.operand, floating)
    return False


def float_int_literal(binop, floating):
    """In place: a small int literal operand of `binop` (+ - * /) whose other operand is
    floating (`is_floating`) is written as a float (`1 - z * z` -> `1.0 - z * z`: the same
    values, without NumPy converting an int at each call)."""
    if isinstance(binop.op, _FLOAT_OPS):
        if _small_int(binop.left) and is_floating(binop.right, floating):
            binop.left = gast.Constant(value=float(binop.left.value), kind=None)
        elif _small_int(binop.right) and is_floating(binop.left, floating):
            binop.right = gast.Constant(value=float(binop.right.value), kind=None)
