"""Print generated functions as source and compile them into a module `linecache` knows.

The printer writes one statement per line through `quoting.to_source` and indents nested
blocks itself, so it can
- put a comment line `# line 4: x = np.sin(x) * a + b` before the statements that come from
  a user line (unless they read exactly like that line already), and
- keep a map from generated line to user line, with which errors raised inside generated
  code are reported at the user's line.

The module is registered in `linecache` under a unique pseudo file name, so tracebacks and
`pdb` show the generated code.
"""
import itertools
import linecache

from ..errors import TransformError
from . import syntax as S
from .quoting import gast, to_source

__all__ = ["Function", "render_module", "compile_module"]

_COUNTER = itertools.count(1)


class Function:
    """A generated function: name, parameter source text, body statements, and the
    FunctionInfo its statements' line numbers refer to."""

    def __init__(self, name, params, body, info, doc=None):
        self.name, self.params, self.body, self.info, self.doc = name, params, body, info, doc


def render_module(header, functions):
    """(source text, {generated line: (user file, user line)})."""
    lines = [_one_line(text) if text.lstrip().startswith("#") else text for text in header]
    line_map = {}
    for fn in functions:
        if lines:
            lines += ["", ""]
        lines.append(f"def {fn.name}({fn.params}):")
        if fn.doc:
            lines.append(f'    """{fn.doc}"""')
        _render_block(fn.body, 1, lines, line_map, fn.info, [None])
    return "\n".join(lines) + "\n", line_map


def _render_block(block, depth, lines, line_map, info, last):
    """Print `block` at `depth`; nested blocks are pushed on an explicit stack."""
    stack = [(block, 0, depth, [last[0]])]
    while stack:
        stmts, index, d, group = stack.pop()
        if index >= len(stmts):
            continue
        s = stmts[index]
        stack.append((stmts, index + 1, d, group))
        pad = "    " * d
        if isinstance(s, _ElseMarker):
            lines.append(f"{pad}else:")
            continue
        if S.is_comment(s):
            lines.append(f"{pad}# {_one_line(s.value.value)}")
            continue
        user_line = getattr(s, "lineno", None)
        if user_line is not None and user_line != group[0] and info is not None:
            group[0] = user_line
            text = info.line_text(user_line)
            if text and not _reads_like(s, stmts, index, text):
                lines.append(f"{pad}# line {user_line}: {text}")
        if isinstance(s, gast.If):
            lines.append(f"{pad}if {to_source(s.test)}:")
            _map(line_map, len(lines), info, user_line)
            children = [(s.body or [gast.Pass()], d + 1)]
            if s.orelse:
                children.append(("else", d))
                children.append((s.orelse, d + 1))
            _push_children(stack, children, group)
        elif isinstance(s, gast.For):
            lines.append(f"{pad}for {to_source(s.target)} in {to_source(s.iter)}:")
            _map(line_map, len(lines), info, user_line)
            _push_children(stack, [(s.body, d + 1)], group)
        elif isinstance(s, gast.While):
            lines.append(f"{pad}while {to_source(s.test)}:")
            _map(line_map, len(lines), info, user_line)
            _push_children(stack, [(s.body, d + 1)], group)
        elif isinstance(s, gast.With):
            items = ", ".join(to_source(i.context_expr) for i in s.items)
            lines.append(f"{pad}with {items}:")
            _map(line_map, len(lines), info, user_line)
            _push_children(stack, [(s.body, d + 1)], group)
        else:
            # a statement made by the compiler may still know the user line its errors
            # belong to (`_tg_line`) without printing a `# line` comment for it
            error_line = user_line if user_line is not None else getattr(s, "_tg_line", None)
            for text in to_source(s).rstrip("\n").split("\n"):
                lines.append(f"{pad}{text}")
                _map(line_map, len(lines), info, error_line)


def _push_children(stack, children, group):
    """Children print before the rest of the parent block: push them last, in reverse."""
    for block, depth in reversed(children):
        if block == "else":
            stack.append(([_ElseMarker()], 0, depth, group))
        else:
            stack.append((block, 0, depth, [group[0]]))


class _ElseMarker(gast.Pass):
    pass


def _reads_like(s, stmts, index, text):
    """Whether the statement alone already reads like the user's line."""
    if isinstance(s, (gast.If, gast.While)):
        return _norm(f"{'if' if isinstance(s, gast.If) else 'while'} {to_source(s.test)}:") == _norm(text)
    if isinstance(s, gast.For):
        return _norm(f"for {to_source(s.target)} in {to_source(s.iter)}:") == _norm(text)
    if isinstance(s, gast.With):
        return False
    nxt = stmts[index + 1] if index + 1 < len(stmts) else None
    if nxt is not None and getattr(nxt, "lineno", None) == getattr(s, "lineno", None):
        return False
    try:
        return _norm(to_source(s)) == _norm(text)
    except Exception:  # noqa: BLE001
        return False


def _norm(text):
    return "".join(text.split()).rstrip(";")


def _map(line_map, generated_line, info, user_line):
    if info is not None and user_line is not None:
        line_map[generated_line] = (info.filename, user_line, info.line_text(user_line))


def _one_line(text):
    """Comment text on one line: a newline in it (from a repr, say) would end the comment
    and turn the rest into code that the module then runs."""
    return str(text).replace("\r", "\\r").replace("\n", "\\n")


def compile_module(source, namespace, label):
    """Compile `source` into `namespace` under a unique pseudo file name known to linecache.

    Only a module of the shape the printer makes is run: imports, constant assignments and
    function definitions at top level (see docs/security.md). Anything else means text that
    did not come from a syntax tree got into the source, and nothing is executed."""
    filename = f"<transgrad {label} #{next(_COUNTER)}>"
    tree = compile(source, filename, "exec", _ONLY_AST)
    for node in tree.body:
        if not _allowed_top_level(node):
            raise TransformError(
                f"internal: generated module {filename} holds a top-level "
                f"{type(node).__name__} statement at line {node.lineno}; refusing to run it. "
                "Please report this with the function you differentiated")
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    code = compile(tree, filename, "exec")
    exec(code, namespace)
    return filename


_ONLY_AST = 0x400     # ast.PyCF_ONLY_AST: parse, don't compile (no `ast` import needed)


def _allowed_top_level(node):
    kind = type(node).__name__
    if kind in ("Import", "ImportFrom"):
        return True
    if kind == "FunctionDef":     # defaults are evaluated when the def runs: literals or names
        args = node.args
        defaults = list(args.defaults) + [d for d in args.kw_defaults if d is not None]
        return not node.decorator_list and all(
            _literal(d) or type(d).__name__ == "Name" for d in defaults)
    if kind == "Assign":      # NAME = literal (a constant of the user's scope)
        return (len(node.targets) == 1 and type(node.targets[0]).__name__ == "Name"
                and _literal(node.value))
    return False


def _literal(node):
    kind = type(node).__name__
    if kind == "Constant":
        return True
    if kind == "Tuple":
        return all(_literal(e) for e in node.elts)
    if kind == "UnaryOp":
        return type(node.op).__name__ in ("USub", "UAdd") and _literal(node.operand)
    if kind == "BinOp":       # complex literals print as (1+2j)
        return type(node.op).__name__ in ("Add", "Sub") and _literal(node.left) \
            and _literal(node.right)
    return False
