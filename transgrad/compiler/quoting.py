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

__all__ = ["gast", "parse_function", "parse_expr", "parse_stmts", "to_source", "copy_tree", "function_source"]


def function_source(fn):
    """Source of `fn`, its file name and the line its `def` starts on (1-based).

    Raises OSError/TypeError like `inspect` when the function has no source."""
    lines, first_line = inspect.getsourcelines(fn)
    filename = inspect.getsourcefile(fn) or inspect.getfile(fn)
    return textwrap.dedent("".join(lines)), filename, max(first_line, 1)


def parse_function(fn):
    """Parse a function into a gast FunctionDef whose line numbers are those of its file."""
    source, filename, first_line = function_source(fn)
    module = gast.parse(source)
    node = module.body[0]
    for sub in gast.walk(module):
        if hasattr(sub, "lineno") and sub.lineno is not None:
            sub.lineno += first_line - 1
            if getattr(sub, "end_lineno", None) is not None:
                sub.end_lineno += first_line - 1
    return node, source, filename, first_line


def parse_expr(text):
    """Parse one expression into a gast expression node."""
    return gast.parse(text, mode="eval").body


def parse_stmts(text):
    """Parse statements into a list of gast statement nodes."""
    return gast.parse(textwrap.dedent(text)).body


def copy_tree(node):
    """A deep copy of a tree (templates are instantiated from copies)."""
    return copy.deepcopy(node)


# The stdlib unparser (Python >= 3.9) emits the fewest parentheses that keep the meaning, which
# generated code must read like; astunparse parenthesises every operation and is the fallback.
_unparse = getattr(ast, "unparse", None) or astunparse.unparse


def to_source(node):
    """Unparse a gast tree (module, statement, expression or list of statements) to source."""
    if isinstance(node, list):
        node = gast.Module(body=node, type_ignores=[])
    py = ast.fix_missing_locations(gast.gast_to_ast(node))
    text = _unparse(py)
    return text.strip() if isinstance(py, ast.expr) else text.strip("\n") + "\n"
