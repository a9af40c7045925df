"""Resolve: what each name of a user function stands for.

A name is local when the function assigns it (or takes it as a parameter), as in Python.
Any other name is looked up, in this order, in the function's closure cells, its globals and
the builtins. `FunctionInfo.value_of` gives the object a dotted non-local expression
(`np.sin`, `tg.nn.functional.relu`, `math.pi`) evaluates to, and `classify` says what the
compiler does with a callable:

- `("primitive", prim)`: a registry primitive (every NumPy, `tg.` and helper spelling);
- `("user", fn)`: a Python function with source: transformed in turn;
- `("builtin", name)`: one of the builtins the normaliser or ANF understand;
- `("stop", None)`: `tg.stop_gradient` (and `x.detach()`, handled by method name);
- `("unknown", obj)`: anything else; allowed only where no differentiated value reaches it.
"""
import builtins
import inspect
import types

from .. import registry
from ..errors import SourceLocation, TransformError
from . import quoting
from .quoting import gast

__all__ = ["FunctionInfo", "classify", "MISSING", "KNOWN_BUILTINS", "function_info"]

MISSING = object()

# Builtins the compiler gives a meaning to (see anf.py and normalize.py).
KNOWN_BUILTINS = frozenset({
    "range", "len", "enumerate", "zip", "print", "float", "int", "bool", "abs", "list", "tuple",
    "dict", "isinstance", "str", "sum", "min", "max", "round", "reversed", "sorted", "type",
    "repr", "format", "any", "all",
})


class FunctionInfo:
    """A user function with its parsed source and the scopes its names resolve through."""

    def __init__(self, fn):
        self.fn = fn
        try:
            self.fdef, self.source, self.filename, self.first_line = quoting.parse_function(fn)
        except (OSError, TypeError) as err:
            raise TransformError(
                f"transgrad cannot read the source of {getattr(fn, '__qualname__', fn)!r} "
                f"({err}); define it in a file (or a notebook cell) so its source is available"
            ) from None
        if not isinstance(self.fdef, (gast.FunctionDef, gast.AsyncFunctionDef)):
            self.fdef = _find_def(self.fdef)
        try:
            lines, _ = inspect.findsource(fn)
        except (OSError, TypeError):
            lines = self.source.splitlines(True)
        self.source_lines = lines
        self.name = fn.__name__
        self.globals = fn.__globals__
        self.module = fn.__module__
        self.closure = {}
        if fn.__closure__:
            for var, cell in zip(fn.__code__.co_freevars, fn.__closure__):
                try:
                    self.closure[var] = cell.cell_contents
                except ValueError:
                    pass
        self.params = _parameters(self.fdef)
        self.locals = set(self.params) | _assigned_names(self.fdef)
        self.defaults = _defaults(fn)

    # -- lookups ----------------------------------------------------------------------
    def is_local(self, ident):
        return ident in self.locals

    def lookup(self, ident):
        """The value of the non-local name `ident`, or MISSING."""
        if ident in self.closure:
            return self.closure[ident]
        if ident in self.globals:
            return self.globals[ident]
        return getattr(builtins, ident, MISSING)

    def scope_of(self, ident):
        """'local', 'closure', 'global', 'builtin' or 'missing'."""
        if ident in self.locals:
            return "local"
        if ident in self.closure:
            return "closure"
        if ident in self.globals:
            return "global"
        return "builtin" if hasattr(builtins, ident) else "missing"

    def value_of(self, node):
        """The object a dotted non-local expression evaluates to, or MISSING."""
        parts = []
        while isinstance(node, gast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, gast.Name) or self.is_local(node.id):
            return MISSING
        obj = self.lookup(node.id)
        for part in reversed(parts):
            if obj is MISSING:
                return MISSING
            obj = getattr(obj, part, MISSING)
        return obj

    # -- errors -----------------------------------------------------------------------
    def location(self, node):
        lineno = getattr(node, "lineno", None) or self.fdef.lineno
        col = getattr(node, "col_offset", 0) or 0
        line = self.source_lines[lineno - 1] if 0 < lineno <= len(self.source_lines) else None
        if line is not None:
            # columns of a dedented method or nested function are relative to the dedented text
            def_line = self.source_lines[self.fdef.lineno - 1] if self.fdef.lineno <= len(
                self.source_lines) else ""
            col += len(def_line) - len(def_line.lstrip()) - (self.fdef.col_offset or 0)
        return SourceLocation(self.filename, lineno, col, line)

    def error(self, node, message, hint=None, cls=TransformError):
        return cls(f"transgrad cannot differentiate {self.name!r}: {message}",
                   self.location(node), hint)

    def line_text(self, lineno):
        if 0 < lineno <= len(self.source_lines):
            return self.source_lines[lineno - 1].strip()
        return ""


_INFO_CACHE = {}


def function_info(fn):
    """The FunctionInfo of `fn`, parsed once per code object and closure."""
    key = (fn.__code__, id(fn.__globals__), tuple(id(c) for c in fn.__closure__ or ()))
    info = _INFO_CACHE.get(key)
    if info is None or info.fn is not fn:
        info = FunctionInfo(fn)
        _INFO_CACHE[key] = info
    return info


def classify(obj):
    """What the compiler does with a call of `obj` (see the module docstring)."""
    if obj is MISSING:
        return ("unknown", obj)
    try:
        prim = registry.lookup(obj)
    except TypeError:
        prim = None
    if prim is not None:
        return ("primitive", prim)
    if getattr(obj, "__name__", None) == "stop_gradient" and (
            getattr(obj, "__module__", "") or "").startswith("transgrad"):
        return ("stop", None)
    if isinstance(obj, types.BuiltinFunctionType) and getattr(builtins, obj.__name__, None) is obj:
        return ("builtin", obj.__name__) if obj.__name__ in KNOWN_BUILTINS else ("unknown", obj)
    if isinstance(obj, type) and getattr(builtins, obj.__name__, None) is obj:
        return ("builtin", obj.__name__) if obj.__name__ in KNOWN_BUILTINS else ("unknown", obj)
    if isinstance(obj, types.FunctionType):
        module = getattr(obj, "__module__", "") or ""
        if module.startswith(("transgrad.compiler", "transgrad.registry", "transgrad.eager")):
            return ("unknown", obj)
        try:
            inspect.getsourcelines(obj)
        except (OSError, TypeError):
            return ("unknown", obj)
        return ("user", obj)
    return ("unknown", obj)


def _find_def(node):
    for sub in gast.walk(node):
        if isinstance(sub, (gast.FunctionDef, gast.AsyncFunctionDef)):
            return sub
    return node


def _parameters(fdef):
    args = fdef.args
    out = [a.id for a in list(args.posonlyargs) + list(args.args)]
    out += [a.id for a in args.kwonlyargs]
    return out


def _defaults(fn):
    out = {}
    for p in inspect.signature(fn).parameters.values():
        if p.default is not inspect.Parameter.empty:
            out[p.name] = p.default
    return out


def _assigned_names(fdef):
    """Names the function binds (its locals), found with an explicit stack."""
    out = set()
    stack = list(fdef.body)
    while stack:
        node = stack.pop()
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            out.add(node.id)
        elif isinstance(node, (gast.ListComp, gast.GeneratorExp, gast.SetComp, gast.DictComp)):
            # comprehension variables are the comprehension's own
            stack.append(node.elt if hasattr(node, "elt") else node.value)
            for gen in node.generators:
                stack.append(gen.iter)
                stack.extend(gen.ifs)
            continue
        stack.extend(gast.iter_child_nodes(node))
    return out
