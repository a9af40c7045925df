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
- `("checkpoint", wrapper or None)`, `("custom_vjp", wrapper)`: `tg.checkpoint` and
  `tg.custom_vjp` calls (transgrad/custom.py), which ANF turns into marked user calls;
- `("unknown", obj)`: anything else; allowed only where no differentiated value reaches it.
  A function marked with `@constant_call` (argument checks of library composites such as
  `F.cross_entropy`) is one on purpose: called as it is, never transformed, so it may
  `raise`.

Method calls (`x.transpose(0, 1)`) are read in the thread's *method dialect*
(`method_dialect`): "torch" while `tg.compile` generates code, "numpy" otherwise; see
compiler/methods.py.

Every value read from the user's scopes while a module is generated (globals, closure cells,
attributes of non-library objects, default values) is written into the thread's current
`Guard` (see `recording`). Generated code bakes those values in (simple constants as
literals, the others in its namespace), so a compiled gradient is only reused while its
guard `holds()`: rebinding a global, a closure variable or a called function makes the next
call regenerate instead of computing a stale gradient.
"""
import builtins
import contextlib
import inspect
import threading
import types

from .. import registry
from ..errors import SourceLocation, TransformError
from . import quoting
from . import syntax as S
from .quoting import gast

__all__ = ["FunctionInfo", "classify", "MISSING", "KNOWN_BUILTINS", "function_info", "Guard",
           "recording", "method_dialect", "current_dialect", "constant_call"]

MISSING = object()

# Modules whose attributes are taken as fixed: monkeypatching NumPy is not followed.
_LIBRARY_MODULES = ("numpy", "math", "cmath", "builtins", "transgrad")


class Guard:
    """The scope values a generated module was built from, checked cheaply before reuse.

    Entries are (kind, holder, key, value): kind 0 reads `holder.get(key)` (a globals dict),
    1 the contents of the cell `holder`, 2 `getattr(holder, key)`. A value still holds when
    it is the same object, or an equal simple constant of the same type and spelling."""

    __slots__ = ("entries", "_seen")

    def __init__(self):
        self.entries = []
        self._seen = set()

    def add(self, kind, holder, key, value):
        mark = (kind, id(holder), key)
        if mark not in self._seen:
            self._seen.add(mark)
            self.entries.append((kind, holder, key, value))

    def holds(self):
        for kind, holder, key, value in self.entries:
            if kind == 0:
                now = holder.get(key, MISSING)
            elif kind == 1:
                try:
                    now = holder.cell_contents
                except ValueError:
                    now = MISSING
            else:
                now = getattr(holder, key, MISSING)
            if now is not value and not _same_constant(now, value):
                return False
        return True

    def __len__(self):
        return len(self.entries)


def _same_constant(now, then):
    # a rebinding to an equal number (N = 3 again) keeps the code; 0.0 and -0.0 differ
    from .anf import simple_constant
    return type(now) is type(then) and simple_constant(then) and now == then \
        and repr(now) == repr(then)


_RECORDING = threading.local()


@contextlib.contextmanager
def recording():
    """Collect, in a fresh Guard, the scope values read while generating one module (per
    thread: two threads may compile at once)."""
    previous = getattr(_RECORDING, "guard", None)
    guard = _RECORDING.guard = Guard()
    try:
        yield guard
    finally:
        _RECORDING.guard = previous


def _record(kind, holder, key, value):
    guard = getattr(_RECORDING, "guard", None)
    if guard is not None:
        guard.add(kind, holder, key, value)


# -- the dialect of method calls ----------------------------------------------------------
# `x.transpose(0, 1)` swaps two dims in PyTorch and is the identity permutation in NumPy.
# Which reading a method call gets depends on how the function is compiled: code given to
# `tg.compile` is Tensor code ("torch"), code given to `tg.grad`/`tg.vjp` runs on arrays
# ("numpy"). The entry point states it; compiler/methods.py reads it.

DIALECTS = ("numpy", "torch")


@contextlib.contextmanager
def method_dialect(dialect):
    """Compile, in this thread, with method calls read as `dialect` ("numpy" or "torch")."""
    if dialect not in DIALECTS:
        raise ValueError(f"method dialect {dialect!r}: expected one of {DIALECTS}")
    previous = getattr(_RECORDING, "dialect", "numpy")
    _RECORDING.dialect = dialect
    try:
        yield
    finally:
        _RECORDING.dialect = previous


def current_dialect():
    """"torch" inside `tg.compile`'s code generation, else "numpy"."""
    return getattr(_RECORDING, "dialect", "numpy")


def _is_library(obj):
    name = getattr(obj, "__name__", "") if isinstance(obj, types.ModuleType) else ""
    return name.split(".")[0] in _LIBRARY_MODULES

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
            code = getattr(fn, "__code__", None)
            raise TransformError(
                f"transgrad cannot read the source of {getattr(fn, '__qualname__', fn)!r} "
                f"({err}): it was made by exec/eval or typed at an interactive prompt",
                None if code is None else SourceLocation(code.co_filename, code.co_firstlineno),
                "Hint: define the function with def in a file (or a notebook cell) so that its "
                "source can be read") from None
        if not isinstance(self.fdef, (gast.FunctionDef, gast.AsyncFunctionDef)):
            self.fdef = _find_def(self.fdef)
        try:
            lines, _ = inspect.findsource(fn)
        except (OSError, TypeError):
            lines = self.source.splitlines(True)
        self.source_lines = lines
        if not isinstance(self.fdef, (gast.FunctionDef, gast.AsyncFunctionDef)):
            from .validate import validate_function
            validate_function(self.fdef, self.filename, lines)   # a lambda: the fence says so
            raise TransformError(f"transgrad cannot transform {fn.__qualname__!r}: it is not "
                                 "written with def", SourceLocation(self.filename, self.first_line),
                                 "Hint: define a named function with def")
        self.name = fn.__name__
        self.globals = fn.__globals__
        self.module = fn.__module__
        # cells, not their contents: a closure variable may be rebound after this is built
        self.cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
        self.params = _parameters(self.fdef)
        self.locals = set(self.params) | _assigned_names(self.fdef)

    @property
    def closure(self):
        """{free variable: its current value} (empty cells left out)."""
        out = {}
        for var, cell in self.cells.items():
            try:
                out[var] = cell.cell_contents
            except ValueError:
                pass
        return out

    @property
    def defaults(self):
        """{parameter: current default value}, recorded in the guard."""
        _record(2, self.fn, "__defaults__", self.fn.__defaults__)
        _record(2, self.fn, "__kwdefaults__", self.fn.__kwdefaults__)
        return _defaults(self.fn)

    # -- lookups ----------------------------------------------------------------------
    def is_local(self, ident):
        return ident in self.locals

    def lookup(self, ident):
        """The value of the non-local name `ident`, or MISSING (recorded in the guard)."""
        cell = self.cells.get(ident)
        if cell is not None:
            try:
                value = cell.cell_contents
            except ValueError:
                value = MISSING
            _record(1, cell, None, value)
            return value
        value = self.globals.get(ident, MISSING)
        _record(0, self.globals, ident, value)
        if value is not MISSING:
            return value
        return getattr(builtins, ident, MISSING)

    def scope_of(self, ident):
        """'local', 'closure', 'global', 'builtin' or 'missing'."""
        if ident in self.locals:
            return "local"
        if ident in self.cells:
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
            holder = obj
            obj = getattr(holder, part, MISSING)
            if not _is_library(holder):
                _record(2, holder, part, obj)
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
    fn = getattr(fn, "__transgrad_function__", fn)     # tg.compile / tg.grad objects: their function
    key = (fn.__code__, id(fn.__globals__), tuple(id(c) for c in fn.__closure__ or ()))
    info = _INFO_CACHE.get(key)
    if info is None or info.fn is not fn:
        info = FunctionInfo(fn)
        _INFO_CACHE[key] = info
    return info


def constant_call(fn):
    """Mark `fn` as called as it is by generated code, never transformed: for checks of
    non-differentiated arguments that must `raise`, which the supported subset refuses."""
    fn.__transgrad_constant__ = True
    return fn


def classify(obj):
    """What the compiler does with a call of `obj` (see the module docstring)."""
    if obj is MISSING:
        return ("unknown", obj)
    if getattr(obj, "__transgrad_constant__", False) is True:
        return ("unknown", obj)
    if hasattr(type(obj), "__transgrad_function__"):
        obj = obj.__transgrad_function__           # tg.compile / tg.grad objects: their function
    try:
        prim = registry.lookup(obj)
    except TypeError:
        prim = None
    if prim is not None:
        return ("primitive", prim)
    special = _special_kind(obj)
    if special is not None:
        return special
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


def _special_kind(obj):
    """`("checkpoint", None)` for `tg.checkpoint` itself, `("checkpoint", wrapper)` for a
    `tg.checkpoint(fn)` object, `("custom_vjp", wrapper)` for a `tg.custom_vjp` function
    (transgrad/custom.py marks them with `_transgrad_kind`)."""
    if isinstance(obj, types.FunctionType):
        if obj.__dict__.get("_transgrad_kind") == "checkpoint":
            return ("checkpoint", None)
        return None
    kind = getattr(type(obj), "_transgrad_kind", None)
    if kind in ("checkpoint", "custom_vjp"):
        return (kind, obj)
    return None


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
        stack.extend(S.children(node))
    return out


def function_key(fn):
    """What identifies the code generated for `fn` in a cache: its code object, the objects
    in its closure cells (None for an empty cell) and its module globals (rebinding one of
    these makes another function as far as generated code is concerned)."""
    cells = []
    for cell in fn.__closure__ or ():
        try:
            cells.append(id(cell.cell_contents))
        except ValueError:
            cells.append(None)
    return fn.__code__, tuple(cells), id(fn.__globals__)
