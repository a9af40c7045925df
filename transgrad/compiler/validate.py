"""The syntax fence: the one place where the compiler's supported subset of Python is enforced.

`validate_function(fdef, filename, source_lines)` runs before any other pass. It returns None
when every construct of the function lies inside the subset described by `SUPPORTED`, and
otherwise raises `TransformError` at the first offending construct in source order. The error
names the user's file, line and column, quotes the line with a caret under the construct,
names the construct in words and says what to write instead; the exception also carries
`.construct` (those words) for callers and tests.

Passes after this one may therefore assume the subset and need no error paths of their own
for syntax. The walk keeps an explicit stack, so a long or deeply nested function never
meets Python's recursion limit here.
"""
from ..errors import SourceLocation, TransformError
from .quoting import gast, to_source, STATELESS

__all__ = ["validate_function", "SUPPORTED"]

SUPPORTED = """\
transgrad transforms plain `def` functions written in this subset of Python:

- Parameters: positional (positional-only markers allowed), defaults, keyword-only
  parameters with defaults. Decorators: only transgrad's own (`@tg.compile`, `@tg.grad`, ...).
- Statements: assignment to names, subscripts and slices, and tuple/list unpacking of them;
  augmented assignment (`x += ...`, `x[i] *= ...`); annotated assignment with a value
  (`x: float = ...`); `return`; `if`/`elif`/`else`; `for` over any iterable; `while`;
  `break`; `continue`; `pass`; expression statements (calls, docstrings); `assert`;
  `with tg.no_grad():` blocks.
- Expressions: arithmetic, bitwise, unary, boolean and comparison operators; conditional
  expressions (`a if c else b`); calls with positional and keyword arguments; attributes;
  subscripts and slices; names; constants; tuple, list and dict displays; list
  comprehensions (several `for`s and `if`s). f-strings only inside `print(...)` arguments
  and `assert` messages.
- Not supported: `try`, other `with` blocks, `async`, `yield` (generators), `global`,
  `nonlocal`, nested `def`/`class`, `del`, `import`, `raise` (use `assert`), `match`,
  `for`/`while` ... `else`, assignment to attributes, starred targets and arguments
  (`*rest`, `f(*args, **kwargs)`), `*args`/`**kwargs` parameters, `lambda`, the walrus
  operator `:=`, generator expressions, set and dict comprehensions, set literals, and
  f-strings elsewhere.
"""

# Decorators that mark a function for transgrad rather than change what it computes.
_TRANSGRAD_DECORATORS = frozenset({
    "compile", "grad", "value_and_grad", "jacobian", "hessian", "custom_vjp", "primitive",
    "no_grad", "enable_grad", "set_grad_enabled",
})
_TRANSGRAD_MODULES = frozenset({"tg", "transgrad"})

_NO_EXCEPTIONS = ("transgrad differentiates straight-line and structured control flow only; "
                  "move the try/except outside the function you differentiate")
_NO_COROUTINES = "transgrad cannot differentiate coroutines; write a plain def"
_NO_GENERATORS = ("transgrad cannot differentiate generators; collect the values in a list "
                  "and return the list")
_NO_ELSE_ON_LOOPS = ("set a flag before `break` and test it after the loop "
                     "(found = False ... if not found: ...)")

# Constructs rejected wherever they occur: node class -> (words naming it, what to do instead).
_REJECTED = {
    gast.Try: ("try statement", _NO_EXCEPTIONS),
    gast.TryStar: ("try/except* statement", _NO_EXCEPTIONS),
    gast.ClassDef: ("class definition",
                    "define the class at module level, outside the function you differentiate"),
    gast.FunctionDef: ("nested function definition",
                       "define the function at module level and call it; transgrad transforms "
                       "the user functions you call as well"),
    gast.AsyncFunctionDef: ("nested async function definition", _NO_COROUTINES),
    gast.Global: ("global statement",
                  "pass the value as an argument or read the global without assigning it"),
    gast.Nonlocal: ("nonlocal statement",
                    "pass the value as an argument and return the new value instead of "
                    "assigning to the enclosing function's variable"),
    gast.Delete: ("del statement",
                  "remove the del; rebind the name instead (transgrad keeps the values "
                  "the backward pass needs)"),
    gast.Import: ("import statement",
                  "import at module level; the function can use module-level names"),
    gast.ImportFrom: ("import statement",
                      "import at module level; the function can use module-level names"),
    gast.Raise: ("raise statement",
                 "move validation out of the differentiated function, or use assert"),
    gast.Match: ("match statement", "use if/elif/else"),
    gast.AsyncWith: ("async with statement", _NO_COROUTINES),
    gast.AsyncFor: ("async for loop", _NO_COROUTINES),
    gast.Lambda: ("lambda", "define a named function at module level"),
    gast.NamedExpr: ("walrus operator (:=)",
                     "assign the value in a statement of its own before using it"),
    gast.Yield: ("yield expression (generator function)", _NO_GENERATORS),
    gast.YieldFrom: ("yield from expression (generator function)", _NO_GENERATORS),
    gast.Await: ("await expression", _NO_COROUTINES),
    gast.GeneratorExp: ("generator expression",
                        "use a list comprehension [... for ... in ...] instead"),
    gast.SetComp: ("set comprehension",
                   "use a list comprehension; a set has no order to match gradients to"),
    gast.DictComp: ("dict comprehension",
                    "build the dict with a for loop, or write a dict display {key: value}"),
    gast.Set: ("set literal", "use a list or a tuple"),
    gast.Starred: ("starred expression (*x)",
                   "write the elements out, or concatenate explicitly: list(a) + [b]"),
}

# Node classes accepted as they are; their children are checked in turn.
_ACCEPTED = frozenset({
    gast.Return, gast.If, gast.Expr, gast.Pass, gast.Break, gast.Continue,
    gast.BinOp, gast.UnaryOp, gast.BoolOp, gast.Compare, gast.IfExp, gast.Attribute,
    gast.Subscript, gast.Slice, gast.Name, gast.Constant, gast.Tuple, gast.List,
    gast.FormattedValue,
})

# Fields never evaluated by the transformed code (annotations) or not syntax at all.
_SKIPPED_FIELDS = frozenset({"ctx", "annotation", "returns", "type_comment", "type_params"})

# How an expression is read where it stands.
_EXPR = 0      # an ordinary (differentiated) expression
_FORMAT = 1    # inside print(...) arguments or an assert message: f-strings allowed
_TARGET = 2    # an assignment target


def validate_function(fdef, filename, source_lines):
    """Raise `TransformError` at the first construct of `fdef` outside the supported subset.

    `fdef` is a gast FunctionDef whose line numbers are those of `filename` (as
    `quoting.parse_function` returns it, columns possibly relative to dedented source);
    `source_lines[lineno - 1]` is the text of file line `lineno`."""
    fence = _Fence(fdef, filename, source_lines)
    fence.check()
    if fence.first is not None:
        raise fence.first.error(fence)


class _Offence:
    """One construct outside the subset, with its position in the user's file."""

    __slots__ = ("lineno", "col", "construct", "hint")

    def __init__(self, lineno, col, construct, hint):
        self.lineno, self.col, self.construct, self.hint = lineno, col, construct, hint

    def error(self, fence):
        location = SourceLocation(fence.filename, self.lineno, self.col, fence.line(self.lineno))
        message = f"transgrad cannot transform {fence.name!r}: {self.construct} is not supported"
        err = TransformError(message, location=location, hint=f"Hint: {self.hint}")
        err.construct = self.construct
        return err


class _Fence:
    """One walk over one function, remembering the earliest offence seen."""

    def __init__(self, fdef, filename, source_lines):
        self.fdef = fdef
        self.filename = filename
        self.lines = source_lines if source_lines is not None else ()
        self.name = getattr(fdef, "name", "<lambda>")
        self.first = None
        self.shift = self._dedent_shift()

    # ----------------------------------------------------------------- positions

    def line(self, lineno):
        """The text of file line `lineno` without its newline, or None when unknown."""
        if lineno is None or not 1 <= lineno <= len(self.lines):
            return None
        return self.lines[lineno - 1].rstrip("\r\n")

    def _dedent_shift(self):
        """Bytes removed from the start of every line when the source was dedented.

        `quoting.parse_function` parses dedented source, so the columns of a method or a
        nested function are smaller than in the file by the def line's indentation."""
        text = self.line(getattr(self.fdef, "lineno", None))
        if text is None:
            return 0
        stripped = text.lstrip()
        if not stripped.startswith(("def", "async")):
            return 0
        indent = len(text.encode("utf-8")) - len(stripped.encode("utf-8"))
        return max(indent - (getattr(self.fdef, "col_offset", 0) or 0), 0)

    def position(self, node):
        """(line, character column) of `node` in the user's file."""
        lineno = getattr(node, "lineno", None) or getattr(self.fdef, "lineno", 1)
        byte_col = (getattr(node, "col_offset", 0) or 0) + self.shift
        text = self.line(lineno)
        if text is None:
            return lineno, byte_col
        # ast columns count UTF-8 bytes; the caret counts characters.
        return lineno, len(text.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))

    def back_over(self, lineno, col, prefix):
        """The column of `prefix` when it stands just before `col` (spaces between allowed):
        so carets point at `*args`, `**kw` and `@decorator` rather than at the name."""
        text = self.line(lineno)
        if text is None:
            return col
        start = col
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        if text[max(start - len(prefix), 0):start] == prefix:
            return start - len(prefix)
        return col

    def offend(self, where, construct, hint):
        """Record an offence at a node or at a (line, column) pair; keep the earliest."""
        lineno, col = where if isinstance(where, tuple) else self.position(where)
        first = self.first
        if first is None or (lineno, col) < (first.lineno, first.col):
            self.first = _Offence(lineno, col, construct, hint)

    # ----------------------------------------------------------------- the walk

    def check(self):
        fdef = self.fdef
        if not isinstance(fdef, (gast.FunctionDef, gast.AsyncFunctionDef)):
            self._check_not_a_def(fdef)
            return
        if isinstance(fdef, gast.AsyncFunctionDef):
            self.offend(fdef, "async def", _NO_COROUTINES)
        stack = []
        self._check_signature(fdef, stack)
        stack.extend((stmt, _EXPR) for stmt in fdef.body)
        self._walk(stack)

    def _check_not_a_def(self, node):
        lam = next((sub for sub in gast.walk(node) if isinstance(sub, gast.Lambda)), None)
        if lam is not None:
            self.offend(lam, "lambda",
                        "transgrad transforms functions written with def; "
                        "define a named function at module level")
        else:
            self.offend(node, "something other than a function definition",
                        "pass a function written with def")

    def _check_signature(self, fdef, stack):
        args = fdef.args
        if args.vararg is not None:
            lineno, col = self.position(args.vararg)
            self.offend((lineno, self.back_over(lineno, col, "*")), "*args parameter",
                        "name each parameter; pass a varying number of values as one "
                        "list or tuple argument")
        if args.kwarg is not None:
            lineno, col = self.position(args.kwarg)
            self.offend((lineno, self.back_over(lineno, col, "**")), "**kwargs parameter",
                        "name each keyword parameter and give it a default")
        stack.extend((default, _EXPR) for default in args.kw_defaults if default is not None)
        stack.extend((default, _EXPR) for default in args.defaults)
        for decorator in fdef.decorator_list:
            if not _is_transgrad_decorator(decorator):
                lineno, col = self.position(decorator)
                self.offend((lineno, self.back_over(lineno, col, "@")),
                            f"decorator @{to_source(decorator)}",
                            "only transgrad's own decorators (@tg.compile, @tg.grad, ...) may "
                            "decorate a function it transforms; apply other decorators to the "
                            "transformed function instead, e.g. cached = functools.lru_cache("
                            "tg.grad(f))")
            else:
                stack.append((decorator, _EXPR))

    def _walk(self, stack):
        special = self._SPECIAL
        while stack:
            node, mode = stack.pop()
            kind = type(node)
            if mode == _TARGET:
                self._check_target(node, stack)
            elif kind in special:
                special[kind](self, node, mode, stack)
            elif kind in _ACCEPTED:
                _push_children(node, mode, stack)
            elif kind in _REJECTED:
                construct, hint = _REJECTED[kind]
                self.offend(node, construct, hint)
            elif isinstance(node, STATELESS):
                continue
            else:
                self.offend(node, f"{kind.__name__} construct",
                            "rewrite it with the supported subset (see docs/compiler.md)")

    # Constructs accepted in some forms only; each pushes the children it accepts.

    def _assign(self, node, mode, stack):
        stack.extend((target, _TARGET) for target in node.targets)
        stack.append((node.value, _EXPR))

    def _aug_assign(self, node, mode, stack):
        target = node.target
        if isinstance(target, (gast.Name, gast.Subscript, gast.Attribute)):
            stack.append((target, _TARGET))
        else:
            self.offend(target, f"augmented assignment to a {type(target).__name__}",
                        "augment a name or a subscript (x += v, x[i] += v)")
        stack.append((node.value, _EXPR))

    def _ann_assign(self, node, mode, stack):
        if node.value is None:
            self.offend(node, "annotation without a value (x: T)",
                        "assign a value (x: T = value) or remove the line")
            return
        if not node.simple or not isinstance(node.target, gast.Name):
            self.offend(node, "annotated assignment to something other than a name",
                        "annotate a plain name, or assign without the annotation")
            return
        stack.append((node.value, _EXPR))

    def _for(self, node, mode, stack):
        if node.orelse:
            self.offend(self._else_position(node), "for ... else", _NO_ELSE_ON_LOOPS)
        stack.append((node.target, _TARGET))
        stack.append((node.iter, _EXPR))
        stack.extend((stmt, _EXPR) for stmt in node.body + node.orelse)

    def _while(self, node, mode, stack):
        if node.orelse:
            self.offend(self._else_position(node), "while ... else", _NO_ELSE_ON_LOOPS)
        stack.append((node.test, _EXPR))
        stack.extend((stmt, _EXPR) for stmt in node.body + node.orelse)

    def _else_position(self, loop):
        """Where the `else` of a loop stands: the first line after the loop body that
        starts with the keyword (the else has no node of its own)."""
        last = loop.body[-1]
        start = getattr(last, "end_lineno", None) or last.lineno
        for lineno in range(start + 1, loop.orelse[0].lineno + 1):
            text = self.line(lineno) or ""
            stripped = text.lstrip()
            if stripped.startswith("else") and stripped[4:5] in (":", " ", "\t"):
                return lineno, len(text) - len(stripped)
        return self.position(loop)

    def _with(self, node, mode, stack):
        items = node.items
        if len(items) == 1 and _is_no_grad_call(items[0].context_expr):
            if items[0].optional_vars is None:
                stack.extend((stmt, _EXPR) for stmt in node.body)
                return
            self.offend(items[0].optional_vars, "with ... as ... target",
                        "write `with tg.no_grad():` without `as`")
            return
        hint = ("only `with tg.no_grad():` blocks are supported; enter other context "
                "managers outside the function you differentiate")
        first = items[0].context_expr
        if (len(items) == 1 and isinstance(first, gast.Call)
                and isinstance(first.func, gast.Name) and first.func.id == "no_grad"):
            hint = ("only `with tg.no_grad():` blocks are supported: spell it as an "
                    "attribute of the module, `with tg.no_grad():`")
        self.offend(node, "with statement (other than `with tg.no_grad():`)", hint)

    def _call(self, node, mode, stack):
        stack.append((node.func, mode))
        inner = _FORMAT if _is_print(node.func) else mode
        for arg in node.args:
            if isinstance(arg, gast.Starred):
                self.offend(arg, "*args in a call (argument unpacking)",
                            "pass the arguments one by one, e.g. f(a[0], a[1])")
            else:
                stack.append((arg, inner))
        for keyword in node.keywords:
            if keyword.arg is None:
                self.offend(keyword, "**kwargs in a call (keyword unpacking)",
                            "pass each keyword argument by name, e.g. f(x, axis=0)")
            else:
                stack.append((keyword.value, inner))

    def _assert(self, node, mode, stack):
        stack.append((node.test, mode))
        if node.msg is not None:
            stack.append((node.msg, _FORMAT))

    def _joined_str(self, node, mode, stack):
        if mode != _FORMAT:
            self.offend(node, "f-string in a differentiated expression",
                        "format strings only inside print(...) arguments or an assert "
                        "message, or outside the function you differentiate")
            return
        _push_children(node, mode, stack)

    def _dict(self, node, mode, stack):
        for key, value in zip(node.keys, node.values):
            if key is None:
                lineno, col = self.position(value)
                self.offend((lineno, self.back_over(lineno, col, "**")),
                            "dict unpacking (**mapping)",
                            "copy the dict with dict(mapping) and then set keys one by one")
            else:
                stack.append((key, mode))
            stack.append((value, mode))

    def _list_comp(self, node, mode, stack):
        stack.append((node.elt, mode))
        for generator in node.generators:
            if generator.is_async:
                self.offend(node, "async comprehension", _NO_COROUTINES)
            stack.append((generator.target, _TARGET))
            stack.append((generator.iter, mode))
            stack.extend((cond, mode) for cond in generator.ifs)

    def _check_target(self, node, stack):
        """Assignment targets: names, subscripts and slices, and tuples/lists of those."""
        if isinstance(node, gast.Name):
            return
        if isinstance(node, gast.Subscript):
            stack.append((node.value, _EXPR))
            stack.append((node.slice, _EXPR))
        elif isinstance(node, (gast.Tuple, gast.List)):
            stack.extend((elt, _TARGET) for elt in node.elts)
        elif isinstance(node, gast.Starred):
            self.offend(node, "starred assignment target (*rest)",
                        "unpack a fixed number of names, or slice: first, rest = x[0], x[1:]")
        elif isinstance(node, gast.Attribute):
            self.offend(node, "attribute assignment (obj.attr = v)",
                        "transgrad does not track values stored on objects; keep the value "
                        "in a local variable and return it")
        else:
            self.offend(node, f"assignment to a {type(node).__name__}",
                        "assign to names, subscripts or tuples of them")

    _SPECIAL = {
        gast.Assign: _assign,
        gast.AugAssign: _aug_assign,
        gast.AnnAssign: _ann_assign,
        gast.For: _for,
        gast.While: _while,
        gast.With: _with,
        gast.Call: _call,
        gast.Assert: _assert,
        gast.JoinedStr: _joined_str,
        gast.Dict: _dict,
        gast.ListComp: _list_comp,
    }


def _push_children(node, mode, stack):
    """Push every syntax child of an accepted node, read in the same mode."""
    for field in node._fields:
        if field in _SKIPPED_FIELDS:
            continue
        value = getattr(node, field, None)
        if isinstance(value, list):
            stack.extend((item, mode) for item in value
                         if isinstance(item, gast.AST) and not isinstance(item, STATELESS))
        elif isinstance(value, gast.AST) and not isinstance(value, STATELESS):
            stack.append((value, mode))


def _attribute_path(node):
    """`a.b.c` -> ["a", "b", "c"]; None when the expression is not a dotted name."""
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, gast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _is_transgrad_decorator(node):
    """`@tg.compile`, `@transgrad.grad`, `@compile` (imported from transgrad), and calls of
    those (`@tg.set_grad_enabled(False)`): decorators that do not change what f computes."""
    if isinstance(node, gast.Call):
        node = node.func
    path = _attribute_path(node)
    if path is None or path[-1] not in _TRANSGRAD_DECORATORS:
        return False
    return len(path) == 1 or path[0] in _TRANSGRAD_MODULES


def _is_no_grad_call(node):
    """`tg.no_grad()`: a call without arguments of the attribute `no_grad` of a name."""
    return (isinstance(node, gast.Call) and not node.args and not node.keywords
            and isinstance(node.func, gast.Attribute) and node.func.attr == "no_grad"
            and isinstance(node.func.value, gast.Name))


def _is_print(func):
    return isinstance(func, gast.Name) and func.id == "print"
