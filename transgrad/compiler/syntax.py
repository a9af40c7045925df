"""Small builders and queries over gast trees, shared by the passes.

The passes build generated code from these helpers rather than from gast constructors, so
the trees they make are complete (every field set) and read the same everywhere.
"""
from .quoting import gast, shared, STATELESS

__all__ = ["name", "store", "const", "attr", "call", "assign", "expr_stmt", "subscript",
           "tuple_", "list_", "aug_add", "names_loaded", "names_stored", "Comment",
           "comment", "is_comment", "dotted", "binop", "np_call", "walk", "children"]


# context nodes carry no state: the one of each class that parsed functions share too
# (`quoting.shared`), fewer objects for the passes to walk past
_LOAD = shared(gast.Load)
_STORE = shared(gast.Store)


def name(ident):
    """`ident` read."""
    return gast.Name(id=ident, ctx=_LOAD, annotation=None, type_comment=None)


def store(ident):
    """`ident` as an assignment target."""
    return gast.Name(id=ident, ctx=_STORE, annotation=None, type_comment=None)


def const(value):
    """A literal; tuples of literals become tuple displays."""
    if isinstance(value, tuple):
        return tuple_([const(v) for v in value])
    if isinstance(value, float) and value != value:
        return call(attr(name("np"), "nan"), [])
    return gast.Constant(value=value, kind=None)


def attr(value, attribute):
    return gast.Attribute(value=value, attr=attribute, ctx=_LOAD)


def dotted(path):
    """`"np.linalg.norm"` as an expression."""
    parts = path.split(".")
    node = name(parts[0])
    for part in parts[1:]:
        node = attr(node, part)
    return node


def call(func, args, keywords=()):
    if isinstance(func, str):
        func = dotted(func)
    kws = [gast.keyword(arg=k, value=v) for k, v in (keywords.items() if isinstance(keywords, dict)
                                                    else keywords)]
    return gast.Call(func=func, args=list(args), keywords=kws)


def np_call(fn, *args):
    return call(dotted(f"np.{fn}"), args)


def binop(left, op, right):
    return gast.BinOp(left=left, op=op, right=right)


def subscript(value, index, ctx=None):
    return gast.Subscript(value=value, slice=index, ctx=ctx or _LOAD)


def tuple_(elts, ctx=None):
    return gast.Tuple(elts=list(elts), ctx=ctx or _LOAD)


def list_(elts, ctx=None):
    return gast.List(elts=list(elts), ctx=ctx or _LOAD)


def assign(target, value):
    """`target = value`; `target` a name, a node, or a list of names (tuple unpacking)."""
    if isinstance(target, str):
        target = store(target)
    elif isinstance(target, (list, tuple)):
        target = tuple_([store(t) if isinstance(t, str) else t for t in target], gast.Store())
    return gast.Assign(targets=[target], value=value, type_comment=None)


def aug_add(target, value):
    """`target += value`."""
    return gast.AugAssign(target=store(target), op=gast.Add(), value=value)


def expr_stmt(value):
    return gast.Expr(value=value)


class Comment(str):
    """The text of a comment line in generated code (a marker the printer recognises)."""


def comment(text):
    """A statement that prints as `# text` and does nothing."""
    return gast.Expr(value=gast.Constant(value=Comment(text), kind=None))


def is_comment(stmt):
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant)
            and isinstance(stmt.value.value, Comment))


def children(node):
    """The child nodes of `node` (context and operator nodes left out): a fast iter_child_nodes."""
    out = []
    for v in node.__dict__.values():
        if isinstance(v, gast.AST):
            if not isinstance(v, STATELESS):
                out.append(v)
        elif isinstance(v, list):
            for x in v:
                if isinstance(x, gast.AST):
                    out.append(x)
    return out


def walk(node):
    """Every node under `node` (a node or a list), parents before children (explicit stack)."""
    stack = list(node) if isinstance(node, list) else [node]
    while stack:
        n = stack.pop()
        yield n
        for v in n.__dict__.values():
            if isinstance(v, gast.AST):
                if not isinstance(v, STATELESS):
                    stack.append(v)
            elif isinstance(v, list):
                for x in v:
                    if isinstance(x, gast.AST):
                        stack.append(x)


def rewrite_bottom_up(expr, rewrite):
    """(`expr` with each expression node replaced by `rewrite(node, parent)` where that is not
    None, children before their parents; whether any was). Replacements are made in place in
    their parents (parent None: `expr` itself); a replaced node's new children are not visited."""
    order, stack = [], [(expr, None, None, None)]
    while stack:
        node, parent, field, index = stack.pop()
        order.append((node, parent, field, index))
        for f, child in node.__dict__.items():
            if isinstance(child, gast.expr):
                stack.append((child, node, f, None))
            elif isinstance(child, list):
                for j, c in enumerate(child):
                    if isinstance(c, gast.expr):
                        stack.append((c, node, f, j))
    did = False
    for node, parent, field, index in reversed(order):
        new = rewrite(node, parent)
        if new is None:
            continue
        did = True
        if parent is None:
            expr = new
        elif index is None:
            setattr(parent, field, new)
        else:
            getattr(parent, field)[index] = new
    return expr, did


def _names(node, ctx):
    """Names under `node` (a node or a list of nodes) whose context is of type `ctx`."""
    out = set()
    stack = list(node) if isinstance(node, list) else [node]
    Name = gast.Name
    while stack:
        n = stack.pop()
        if type(n) is Name:
            if type(n.ctx) is ctx:
                out.add(n.id)
            continue
        for v in n.__dict__.values():
            if isinstance(v, gast.AST):
                if not isinstance(v, STATELESS):
                    stack.append(v)
            elif isinstance(v, list):
                for x in v:
                    if isinstance(x, gast.AST):
                        stack.append(x)
    return out


def names_loaded(node):
    """Names read anywhere under `node` (a node or a list of nodes)."""
    return _names(node, gast.Load)


def names_stored(node):
    """Names bound anywhere under `node` (assignment targets, loop targets)."""
    return _names(node, gast.Store)


def names_loaded_and_stored(node):
    """(names read, names bound) under `node`, in one walk (for whole generated functions)."""
    loaded, stored = set(), set()
    stack = list(node) if isinstance(node, list) else [node]
    Name, Load, Store = gast.Name, gast.Load, gast.Store
    while stack:
        n = stack.pop()
        if type(n) is Name:
            ctx = type(n.ctx)
            if ctx is Load:
                loaded.add(n.id)
            elif ctx is Store:
                stored.add(n.id)
            continue
        for v in n.__dict__.values():
            if isinstance(v, gast.AST):
                if not isinstance(v, STATELESS):
                    stack.append(v)
            elif isinstance(v, list):
                for x in v:
                    if isinstance(x, gast.AST):
                        stack.append(x)
    return loaded, stored
