"""The one module that touches `gast` and the unparser.

Everything else in transgrad handles syntax trees through these functions, so a Python or
gast upgrade is a change here and nowhere else.
"""
import ast
import copy
import inspect
import textwrap

import astunparse
import gast

__all__ = ["gast", "parse_function", "parse_expr", "parse_stmts", "to_source", "copy_tree", "function_source",
           "STATELESS", "shared", "share_stateless"]


def function_source(fn):
    """Source of `fn`, its file name and the line its `def` starts on (1-based).

    Raises OSError/TypeError like `inspect` when the function has no source."""
    lines, first_line = inspect.getsourcelines(fn)
    filename = inspect.getsourcefile(fn) or inspect.getfile(fn)
    return textwrap.dedent("".join(lines)), filename, max(first_line, 1)


def parse_function(fn):
    """Parse a function into a gast FunctionDef whose line numbers are those of its file."""
    source, filename, first_line = function_source(fn)
    # blank lines in front give every node its line in the file (no walk to shift them)
    module = gast.parse("\n" * (first_line - 1) + source)
    node = module.body[0]
    share_stateless(node)
    return node, source, filename, first_line


def parse_expr(text):
    """Parse one expression into a gast expression node."""
    return gast.parse(text, mode="eval").body


def parse_stmts(text):
    """Parse statements into a list of gast statement nodes."""
    return gast.parse(textwrap.dedent(text)).body


def copy_tree(node):
    """A deep copy of a tree (templates are instantiated from copies).

    Written for gast nodes (fields and attributes live in the instance dict): about three
    times faster than `copy.deepcopy`, which matters when a function has a thousand lines.
    Context and operator nodes carry no state and are shared."""
    if isinstance(node, list):
        return [copy_tree(n) for n in node]
    if not isinstance(node, gast.AST):
        return copy.deepcopy(node) if isinstance(node, (dict, set)) else node
    if isinstance(node, STATELESS):
        return node
    cls = type(node)
    new = cls.__new__(cls)
    d = new.__dict__
    for k, v in node.__dict__.items():
        if isinstance(v, gast.AST):
            d[k] = v if isinstance(v, STATELESS) else copy_tree(v)
        elif isinstance(v, list):
            d[k] = [copy_tree(x) if isinstance(x, (gast.AST, list)) else x for x in v]
        else:
            d[k] = v
    return new


# the node classes that carry no state (contexts and operators): a tree shares one instance of
# each (`shared`), and copies and walks pass them by; every pass uses this one tuple
STATELESS = (gast.expr_context, gast.operator, gast.unaryop, gast.cmpop, gast.boolop)
_SHARED = {}        # stateless node class -> its one instance


def shared(cls):
    """The one instance of the stateless node class `cls` (`gast.Load`, `gast.Mult`, ...)."""
    node = _SHARED.get(cls)
    if node is None:
        node = _SHARED[cls] = cls()
    return node


def share_stateless(tree):
    """Replace every context and operator node in `tree` by one shared instance of its class
    (gast makes one per use: a third of a parsed function's nodes), in place."""
    stack = [tree]
    while stack:
        node = stack.pop()
        d = node.__dict__
        for k, v in d.items():
            if isinstance(v, gast.AST):
                if isinstance(v, STATELESS):
                    d[k] = shared(type(v))
                else:
                    stack.append(v)
            elif isinstance(v, list):
                for i, x in enumerate(v):
                    if isinstance(x, gast.AST):
                        if isinstance(x, STATELESS):
                            v[i] = shared(type(x))
                        else:
                            stack.append(x)


# The stdlib unparser (Python >= 3.9) emits the fewest parentheses that keep the meaning, which
# generated code must read like; astunparse parenthesises every operation and is the fallback.
_unparse = getattr(ast, "unparse", None) or astunparse.unparse


def to_source(node):
    """Unparse a gast tree (module, statement, expression or list of statements) to source."""
    fast = _fast_source(node)
    if fast is not None:
        return fast
    if isinstance(node, list):
        node = gast.Module(body=node, type_ignores=[])
    py = ast.fix_missing_locations(gast.gast_to_ast(node))
    text = _unparse(py)
    return text.strip() if isinstance(py, ast.expr) else text.strip("\n") + "\n"


# -- a fast printer for the statements generated code is made of ---------------------------
#
# `ast.unparse` needs a conversion of the whole tree to `ast` first; generated functions of a
# thousand statements print ten times faster through this direct printer, which knows the
# common expression forms and Python's precedences and defers anything else to `ast.unparse`.

class _Unsupported(Exception):
    pass


_BIN = {gast.Add: ("+", 10), gast.Sub: ("-", 10), gast.Mult: ("*", 11), gast.Div: ("/", 11),
        gast.FloorDiv: ("//", 11), gast.Mod: ("%", 11), gast.MatMult: ("@", 11),
        gast.Pow: ("**", 13), gast.LShift: ("<<", 9), gast.RShift: (">>", 9),
        gast.BitOr: ("|", 6), gast.BitXor: ("^", 7), gast.BitAnd: ("&", 8)}
_UNARY = {gast.USub: ("-", 12), gast.UAdd: ("+", 12), gast.Invert: ("~", 12), gast.Not: ("not ", 4)}
_CMP = {gast.Eq: "==", gast.NotEq: "!=", gast.Lt: "<", gast.LtE: "<=", gast.Gt: ">",
        gast.GtE: ">=", gast.Is: "is", gast.IsNot: "is not", gast.In: "in", gast.NotIn: "not in"}
_ATOM = 16


def _fast_source(node):
    try:
        if isinstance(node, gast.expr):
            return _expr(node, 0)
        if isinstance(node, gast.stmt):
            return _stmt(node) + "\n"
    except _Unsupported:
        return None
    return None


def _stmt(s):
    cls = type(s)
    if cls is gast.Assign:
        targets = " = ".join(_target(t) for t in s.targets)
        return f"{targets} = {_expr(s.value, 0, tuple_ok=True)}"
    if cls is gast.AugAssign:
        op = _BIN.get(type(s.op))
        if op is None:
            raise _Unsupported
        return f"{_target(s.target)} {op[0]}= {_expr(s.value, 0, tuple_ok=True)}"
    if cls is gast.Expr:
        return _expr(s.value, 0, tuple_ok=True)
    if cls is gast.Return:
        return "return" if s.value is None else f"return {_expr(s.value, 0, tuple_ok=True)}"
    if cls is gast.Pass:
        return "pass"
    if cls is gast.Assert:
        text = f"assert {_expr(s.test, 1)}"
        return text if s.msg is None else f"{text}, {_expr(s.msg, 1)}"
    raise _Unsupported


def _target(t):
    if isinstance(t, (gast.Tuple, gast.List)) and t.elts:
        inner = ", ".join(_target(e) for e in t.elts)
        return inner + ("," if len(t.elts) == 1 else "")
    return _expr(t, _ATOM - 1)


def _expr(e, prec, tuple_ok=False):
    cls = type(e)
    if cls is gast.Name:
        return e.id
    if cls is gast.Constant:
        v = e.value
        if v is Ellipsis:
            return "..."
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            text = repr(v)
            if text in ("inf", "-inf", "nan"):
                raise _Unsupported
            if (v < 0 or text.startswith("-")) and prec >= 12:
                return f"({text})"
            return text
        if isinstance(v, (str, bytes, bool)) or v is None:
            return repr(v)
        raise _Unsupported
    if cls is gast.BinOp:
        sym, p = _BIN.get(type(e.op), (None, None))
        if sym is None:
            raise _Unsupported
        if p == 13:     # right-associative; a unary operand on the right needs no parentheses
            text = f"{_expr(e.left, 14)} ** {_expr(e.right, 12)}"
        else:
            text = f"{_expr(e.left, p)} {sym} {_expr(e.right, p + 1)}"
        return f"({text})" if p < prec else text
    if cls is gast.UnaryOp:
        sym, p = _UNARY[type(e.op)]
        text = f"{sym}{_expr(e.operand, p)}"
        return f"({text})" if p < prec else text
    if cls is gast.Call:
        args = [_expr(a, 1) for a in e.args]
        for k in e.keywords:
            if k.arg is None:
                raise _Unsupported
            args.append(f"{k.arg}={_expr(k.value, 1)}")
        return f"{_expr(e.func, _ATOM)}({', '.join(args)})"
    if cls is gast.Attribute:
        base = _expr(e.value, _ATOM)
        if isinstance(e.value, gast.Constant) and isinstance(e.value.value, int):
            base = f"({base})"
        return f"{base}.{e.attr}"
    if cls is gast.Subscript:
        return f"{_expr(e.value, _ATOM)}[{_index(e.slice)}]"
    if cls is gast.Tuple:
        if not e.elts:
            return "()"
        inner = ", ".join(_expr(x, 1) for x in e.elts) + ("," if len(e.elts) == 1 else "")
        return inner if tuple_ok and len(e.elts) > 1 else f"({inner})"
    if cls is gast.List:
        return "[" + ", ".join(_expr(x, 1) for x in e.elts) + "]"
    if cls is gast.Dict:
        if any(k is None for k in e.keys):
            raise _Unsupported
        return "{" + ", ".join(f"{_expr(k, 1)}: {_expr(v, 1)}" for k, v in zip(e.keys, e.values)) + "}"
    if cls is gast.Compare:
        parts = [_expr(e.left, 6)]
        for op, right in zip(e.ops, e.comparators):
            parts.append(f"{_CMP[type(op)]} {_expr(right, 6)}")
        text = " ".join(parts)
        return f"({text})" if 5 < prec else text
    if cls is gast.BoolOp:
        word, p = (" and ", 3) if isinstance(e.op, gast.And) else (" or ", 2)
        text = word.join(_expr(v, p + 1) for v in e.values)
        return f"({text})" if p < prec else text
    if cls is gast.IfExp:
        text = f"{_expr(e.body, 2)} if {_expr(e.test, 2)} else {_expr(e.orelse, 1)}"
        return f"({text})" if 1 < prec else text
    if cls is gast.Slice:
        return _slice(e)
    raise _Unsupported


def _slice(e):
    lower = "" if e.lower is None else _expr(e.lower, 1)
    upper = "" if e.upper is None else _expr(e.upper, 1)
    text = f"{lower}:{upper}"
    if e.step is not None:
        text += f":{_expr(e.step, 1)}"
    return text


def _index(e):
    if isinstance(e, gast.Slice):
        return _slice(e)
    if isinstance(e, gast.Tuple) and e.elts:
        return ", ".join(_slice(x) if isinstance(x, gast.Slice) else _expr(x, 1) for x in e.elts) + (
            "," if len(e.elts) == 1 else "")
    return _expr(e, 0)
