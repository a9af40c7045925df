"""Methods: what `x.name(...)` means where NumPy and PyTorch disagree.

The registry resolves a method name to one primitive (`x.sum(dim=0)`, `x.exp()`); that is
right where both libraries mean the same. For the names below they do not, and the reading
depends on the *method dialect* the function is compiled in (`resolve.current_dialect()`):

- "torch": code given to `tg.compile` (Tensor code): every method means what it means on a
  Tensor (`x.transpose(0, 1)` swaps dims 0 and 1, `x.var()` is unbiased, `x.max(1)` is
  `(values, indices)`, `x.repeat(2, 1)` tiles);
- "numpy": code given to `tg.grad`/`tg.vjp` (arrays): NumPy's meaning, except that a call
  that reads differently on a Tensor and is ambiguous at compile time (`x.transpose(0, 1)`:
  NumPy's identity permutation of a matrix, PyTorch's swap) raises a located TransformError
  saying what to write instead.

Methods that only Tensors have (`x.size(1)`, `x.flatten(1)`, `x.expand(-1, 3)`, `x.split(2)`,
`x.norm(2)`, `x.clamp(min=0)`, `x.mT`) get PyTorch's meaning in both dialects. So do the
Tensor facade's functions that call such a method (`tg.max(x, 1)`, `tg.squeeze(x, 1)`,
`tg.flatten(x, 1)`: `function_call`), which are PyTorch's whatever the dialect.

`method_call` returns the atom holding the result, or None to leave the call to the
registry's reading (anf.py).
"""
import numpy as np

from .. import registry
from . import syntax as S
from .quoting import copy_tree, gast, to_source
from .resolve import MISSING, current_dialect

__all__ = ["method_call", "attribute", "function_call"]


def method_call(anf, base, e, out, s, target):
    """`base.<method>(*e.args, **e.keywords)` read in the current dialect, or None."""
    handler = _HANDLERS.get(e.func.attr)
    if handler is None:
        return None
    call = _Call(anf, base, e.func.attr, e.args, e.keywords, e, out, s, target,
                 current_dialect(), _text(e.func.value))
    return handler(call)


def function_call(anf, obj, e, out, s, target):
    """A call of a Tensor-facade function that stands for a method (`tg.max(x, 1)`): the
    method's PyTorch reading, or None when `obj` is not one of them."""
    method = _facade_methods().get(id(obj))
    if method is None or not e.args:
        return None
    if method in ("max", "min", "flatten", "squeeze") and len(e.args) == 1 and not e.keywords:
        # every element, every axis: what the method means in both dialects, so `tg.max(x)`
        # is read as the method call `x.max()`
        as_method = gast.Call(func=gast.Attribute(value=e.args[0], attr=method, ctx=gast.Load()),
                              args=[], keywords=[])
        gast.copy_location(as_method, e)
        gast.copy_location(as_method.func, e)
        return anf.method_call(as_method, out, s, target)
    base = anf.expr(e.args[0], out, s)
    if not isinstance(base, gast.Name):
        return None
    call = _Call(anf, base, method, e.args[1:], e.keywords, e, out, s, target, "torch",
                 _text(e.args[0]))
    return _HANDLERS[method](call)


def attribute(anf, e, out, s, target):
    """`x.mT` (both dialects) and `x.max(1).values` / `.indices` (torch); None otherwise."""
    if e.attr == "mT":
        base = anf.expr(e.value, out, s)
        return anf.prim_call(registry.get("swapaxes"), [base], {"axis1": S.const(-2),
                             "axis2": S.const(-1)}, out, s, target, f"{_id(base)}_mT")
    if e.attr in ("values", "indices") and isinstance(e.value, gast.Call) \
            and isinstance(e.value.func, gast.Attribute) and e.value.func.attr in ("max", "min") \
            and current_dialect() == "torch" and (e.value.args or e.value.keywords):
        pair = anf.expr(e.value, out, s)
        var = anf.fresh(f"{_id(pair)}_{e.attr}", target)
        from . import ir
        anf.emit(out, ir.Index(var, pair.id, S.const(0 if e.attr == "values" else 1)), s)
        return S.name(var)
    return None


class _Call:
    """One method call being read: its operands (unevaluated), where it is, how to emit."""

    def __init__(self, anf, base, method, args, keywords, node, out, s, target, dialect, base_text):
        self.anf, self.base, self.method = anf, base, method
        self.args = list(args)
        self.kw = {k.arg: k.value for k in keywords}
        self.node, self.out, self.s, self.target = node, out, s, target
        self.dialect, self.base_text = dialect, base_text

    @property
    def torch(self):
        return self.dialect == "torch"

    def text(self):
        return to_source(self.node).strip()

    def error(self, message, hint=None):
        return self.anf.error(self.node, message, hint and f"Hint: {hint}")

    def operand(self, position, *names, default=MISSING):
        """The node given at `position` or by one of `names` (PyTorch's, then NumPy's)."""
        if position is not None and position < len(self.args):
            return self.args[position]
        for n in names:
            if n in self.kw:
                return self.kw[n]
        return default

    def check_known(self, *names, most=0):
        unknown = [k for k in self.kw if k not in names]
        if unknown or len(self.args) > most:
            what = f"the keyword {unknown[0]}=" if unknown else f"{len(self.args)} arguments"
            raise self.error(f"{self.text()}: .{self.method}() does not take {what} here",
                             f"write .{self.method}({', '.join(names[:most] or names)})")

    def value(self, node):
        return self.anf.arg(node, self.out, self.s) if isinstance(node, gast.AST) else S.const(node)

    def prim(self, name, inputs, statics, final=True):
        """Emit primitive `name`; statics are atoms already evaluated, or Python values."""
        prim = registry.get(name)
        statics = {k: (v if isinstance(v, gast.AST) else S.const(v)) for k, v in statics.items()}
        return self.anf.prim_call(prim, inputs, statics,
                                  self.out, self.s, self.target if final else None,
                                  f"{name}_{_id(self.base)}")

    def opaque(self, expr, base_name, what=None, final=True):
        return self.anf.opaque(expr, self.out, self.s, self.target if final else None,
                               base_name, what)


# -- the readings ---------------------------------------------------------------------------

def _transpose(c):
    torch_keywords = "dim0" in c.kw or "dim1" in c.kw
    if c.torch or torch_keywords:
        d0, d1 = c.operand(0, "dim0"), c.operand(1, "dim1")
        if d0 is MISSING or d1 is MISSING or len(c.args) > 2:
            raise c.error(f"{c.text()}: Tensor.transpose swaps two dims and takes both, "
                          "x.transpose(dim0, dim1)",
                          "to reorder every dim write x.permute(...); x.T reverses them")
        c.check_known("dim0", "dim1", most=2)
        return c.prim("swapaxes", [c.base], {"axis1": c.value(d0), "axis2": c.value(d1)})
    if len(c.args) != 2 or c.kw:
        return None                              # x.transpose(), x.transpose((1, 0)), 3+ axes
    a, b = _int(c.args[0]), _int(c.args[1])
    if a is not None and b is not None and -2 <= a <= 1 and -2 <= b <= 1 \
            and a % 2 == 1 and b % 2 == 0:
        return None                              # both readings swap a matrix's two axes
    x, sa, sb = c.base_text, _text(c.args[0]), _text(c.args[1])
    raise c.error(
        f"{c.text()} is ambiguous: on a NumPy array it is the permutation ({sa}, {sb}) of all "
        f"the axes (for a matrix, (0, 1) leaves it unchanged); on a Tensor it swaps dims {sa} "
        f"and {sb}. Code given to tg.grad/tg.vjp runs on arrays, so say which you mean",
        f"to swap two dims write np.swapaxes({x}, {sa}, {sb}) or tg.transpose({x}, {sa}, {sb}) "
        f"({x}.T for a matrix); for NumPy's permutation write np.transpose({x}, ({sa}, {sb})). "
        "In a @tg.compile function, methods follow PyTorch")


def _clamp(c):
    c.check_known("min", "max", "a_min", "a_max", most=2)
    lo = c.operand(0, "min", "a_min", default=None)
    hi = c.operand(1, "max", "a_max", default=None)
    if _is_none(lo) and _is_none(hi):
        raise c.error(f"{c.text()}: at least one of min and max must not be None")
    return c.prim("clip", [c.base], {"a_min": c.value(lo), "a_max": c.value(hi)})


def _extremum(c):
    kind = c.method
    if "other" in c.kw:
        c.check_known("other")
        other = c.value(c.kw["other"])
        return c.anf.prim_call(registry.get("maximum" if kind == "max" else "minimum"),
                               [c.base, other], {}, c.out, c.s, c.target, f"{kind}_{_id(c.base)}")
    if not c.args and not c.kw:
        return None                               # the extremum of every element
    if not c.torch:
        if "dim" in c.kw or "keepdim" in c.kw:
            raise c.error(
                f"{c.text()} is ambiguous: on a Tensor it returns (values, indices), NumPy's "
                f".{kind}() takes axis= and returns the values",
                f"write {c.base_text}.{kind}(axis=...) for the values (tg.arg{kind} for the "
                "indices); in a @tg.compile function, methods follow PyTorch")
        return None
    c.check_known("dim", "keepdim", most=2)
    dim = c.operand(0, "dim")
    keepdim = c.operand(1, "keepdim", default=False)
    if _int(dim) is None:
        raise c.error(
            f"{c.text()}: on a Tensor, .{kind}(v) is the elementwise {kind}imum when v is a "
            f"Tensor and (values, indices) along dim v when v is an int; the compiler needs "
            f"to know which when it reads the call",
            f"write tg.{kind}imum({c.base_text}, v), or .{kind}(dim=d) with d a constant")
    dim, keepdim = c.value(dim), c.value(keepdim)
    values = c.prim(kind, [c.base], {"axis": dim, "keepdims": keepdim}, final=False)
    indices = c.opaque(S.call(f"np.arg{kind}", [c.base], {"axis": copy_tree(dim),
                                                          "keepdims": copy_tree(keepdim)}),
                       f"arg{kind}_{_id(c.base)}", final=False)
    from . import ir
    var = c.anf.fresh(f"{kind}_{_id(c.base)}_pair", c.target)
    c.anf.emit(c.out, ir.Pack(var, "tuple", [values, indices]), c.s)
    return S.name(var)


def _variance(c):
    kind = c.method
    torch_keywords = {"correction", "unbiased"} & set(c.kw)
    if not c.torch and not torch_keywords:
        if ("dim" in c.kw or "keepdim" in c.kw) and "ddof" not in c.kw:
            raise c.error(
                f"{c.text()} is ambiguous: NumPy's .{kind}() divides by n (ddof=0), a Tensor's "
                "by n - 1 (correction=1)",
                "write ddof=0 or ddof=1 (or correction=...); in a @tg.compile function, "
                "methods follow PyTorch")
        return None
    c.check_known("dim", "unbiased", "keepdim", "correction", "axis", "ddof", "keepdims", most=3)
    dim = c.operand(0, "dim", "axis", default=None)
    keepdim = c.operand(2, "keepdim", "keepdims", default=False)
    ddof = c.operand(None, "correction", "ddof", default=MISSING)
    unbiased = c.operand(1, "unbiased", default=MISSING)
    if ddof is MISSING:
        if unbiased is MISSING:
            ddof = 1
        elif isinstance(unbiased, gast.Constant) and isinstance(unbiased.value, bool):
            ddof = int(unbiased.value)
        else:
            raise c.error(f"{c.text()}: unbiased= must be True or False where it is written",
                          "write correction=0 or correction=1")
    return c.prim(kind, [c.base], {"axis": c.value(dim), "ddof": c.value(ddof),
                                   "keepdims": c.value(keepdim)})


def _view(c):
    for node in c.args:
        value = _scope_value(c, node)
        if isinstance(node, gast.Constant) and isinstance(node.value, str) or \
                isinstance(value, (type, np.dtype)):
            raise c.error(f"{c.text()}: .view(dtype) reinterprets the bytes of the array, which "
                          "has no derivative",
                          "to change the dtype, write x.astype(...) on a constant value; to "
                          "change the shape, .view(shape) and .reshape(shape) are supported")
    return None


def _repeat(c):
    if not c.torch:
        return None
    reps = c.args[0] if len(c.args) == 1 else S.tuple_(c.args)
    if "repeats" in c.kw:
        reps = c.kw["repeats"]
    return c.prim("tile", [c.base], {"reps": c.value(reps)})


def _flatten(c):
    if len(c.args) == 1 and isinstance(c.args[0], gast.Constant) and isinstance(c.args[0].value, str):
        if c.args[0].value in ("C", "A", "K"):
            return c.prim("ravel", [c.base], {})
        raise c.error(f"{c.text()}: only the C order is supported", "write np.ravel(x)")
    if not c.args and not c.kw:
        return None
    c.check_known("start_dim", "end_dim", most=2)
    start = _int(c.operand(0, "start_dim", default=0))
    end = _int(c.operand(1, "end_dim", default=-1))
    if start is None or end is None:
        raise c.error(f"{c.text()}: start_dim and end_dim must be written as numbers",
                      "or compute the shape and call x.reshape(shape)")
    if start == 0 and end == -1:
        return c.prim("ravel", [c.base], {})
    shape = S.attr(c.base, "shape")
    expr = S.binop(S.subscript(shape, gast.Slice(lower=None, upper=S.const(start), step=None)),
                   gast.Add(), S.tuple_([S.const(-1)]))
    if end != -1:
        expr = S.binop(expr, gast.Add(), S.subscript(
            shape, gast.Slice(lower=S.const(end + 1), upper=None, step=None)))
    target = c.opaque(expr, f"{_id(c.base)}_flat_shape", final=False)
    return c.prim("reshape", [c.base], {"shape": target})


def _squeeze(c):
    if not c.torch or (not c.args and not c.kw):
        return None
    c.check_known("dim", "axis", most=1)
    dim = c.operand(0, "dim", "axis")
    dims = dim.elts if isinstance(dim, (gast.Tuple, gast.List)) else [dim]
    parts = []
    for d in dims:
        d = c.value(d)
        length = S.subscript(S.attr(c.base, "shape"), d)
        one = gast.Compare(left=length, ops=[gast.Eq()], comparators=[S.const(1)])
        parts.append(gast.IfExp(test=one, body=S.tuple_([copy_tree(d)]), orelse=S.tuple_([])))
    expr = parts[0]
    for p in parts[1:]:
        expr = S.binop(expr, gast.Add(), p)
    axes = c.opaque(expr, f"{_id(c.base)}_unit_dims", final=False)
    return c.prim("squeeze", [c.base], {"axis": axes})


def _expand(c):
    sizes = c.args[0].elts if len(c.args) == 1 and isinstance(c.args[0], (gast.Tuple, gast.List)) \
        else c.args
    if c.kw or not any(_int(n) == -1 for n in sizes):
        return None
    n = len(sizes)
    elts = [S.subscript(S.attr(c.base, "shape"), S.const(k - n)) if _int(node) == -1
            else c.value(node) for k, node in enumerate(sizes)]
    target = c.opaque(S.tuple_(elts), f"{_id(c.base)}_expanded_shape", final=False)
    return c.prim("broadcast_to", [c.base], {"shape": target})


def _size(c):
    c.check_known("dim", most=1)
    dim = c.operand(0, "dim", default=None)
    shape = S.attr(c.base, "shape")
    if dim is None:
        return c.opaque(shape, f"{_id(c.base)}_shape")
    return c.opaque(S.subscript(shape, c.value(dim)), f"{_id(c.base)}_size")


def _metadata(attr):
    def read(c):
        c.check_known()
        return c.opaque(S.attr(c.base, attr), f"{_id(c.base)}_{attr}")
    return read


def _split(c):
    c.check_known("split_size", "split_size_or_sections", "dim", most=2)
    size = c.operand(0, "split_size", "split_size_or_sections")
    dim = c.operand(1, "dim", default=0)
    if isinstance(size, (gast.Tuple, gast.List)) and all(_int(e) is not None for e in size.elts):
        bounds = np.cumsum([_int(e) for e in size.elts])[:-1]
        return c.prim("split", [c.base], {"indices_or_sections": tuple(int(b) for b in bounds),
                                           "axis": c.value(dim)})
    if _int(size) is not None and _int(size) > 0:
        # chunks of `size`: as many equal sections (NumPy raises when they do not divide)
        dim = c.value(dim)
        count = S.binop(S.subscript(S.attr(c.base, "shape"), dim), gast.FloorDiv(),
                        S.const(_int(size)))
        sections = c.opaque(count, f"{_id(c.base)}_chunks", final=False)
        return c.prim("split", [c.base], {"indices_or_sections": sections,
                                           "axis": copy_tree(dim)})
    raise c.error(f"{c.text()}: the chunk size must be written as a number or a list of "
                  "numbers", "on arrays, np.split(x, sections, axis) cuts equal sections")


def _norm(c):
    c.check_known("p", "dim", "keepdim", "axis", "keepdims", most=3)
    p = c.operand(0, "p", default=None)
    if not (_is_none(p) or (isinstance(p, gast.Constant) and p.value in (2, 2.0, "fro"))):
        raise c.error(f"{c.text()}: only the 2-norm (p=2, 'fro') has a primitive",
                      "write (x.abs() ** p).sum() ** (1 / p)")
    dim = c.operand(1, "dim", "axis", default=None)
    keepdim = c.operand(2, "keepdim", "keepdims", default=False)
    return c.prim("norm", [c.base], {"axis": c.value(dim), "keepdims": c.value(keepdim)})


def _nonzero(c):
    if not c.torch:
        return None
    c.check_known("as_tuple")
    as_tuple = c.kw.get("as_tuple")
    if isinstance(as_tuple, gast.Constant) and as_tuple.value is True:
        return None
    return c.opaque(S.call("np.argwhere", [c.base]), f"{_id(c.base)}_nonzero")


def _sort(c):
    if not c.torch:
        return None
    raise c.error(f"{c.text()}: Tensor.sort returns (values, indices) and has no primitive yet "
                  "(NumPy's .sort() sorts in place)",
                  "write i = x.argsort(dim) and index x with i (np.take_along_axis(x, i, dim) "
                  "is not differentiable)")


def _arg_extremum(c):
    if not c.torch:
        return None
    c.check_known("dim", "keepdim", "axis", "keepdims", most=2)
    dim = c.operand(0, "dim", "axis", default=None)
    keepdim = c.operand(1, "keepdim", "keepdims", default=False)
    call = S.call(f"np.{c.method}", [c.base], {"axis": c.value(dim), "keepdims": c.value(keepdim)})
    return c.opaque(call, f"{c.method}_{_id(c.base)}")


_HANDLERS = {
    "transpose": _transpose, "clamp": _clamp, "clip": _clamp, "max": _extremum,
    "min": _extremum, "var": _variance, "std": _variance, "view": _view, "repeat": _repeat,
    "flatten": _flatten, "squeeze": _squeeze, "expand": _expand, "size": _size,
    "dim": _metadata("ndim"), "ndimension": _metadata("ndim"), "numel": _metadata("size"),
    "nelement": _metadata("size"), "split": _split, "norm": _norm, "nonzero": _nonzero,
    "sort": _sort, "argmax": _arg_extremum, "argmin": _arg_extremum,
}


def _facade_methods():
    """{id(tg.max): "max", ...}: the Tensor facade's functions that call one method."""
    from ..eager import functions as F
    return {id(F.max): "max", id(F.min): "min", id(F.squeeze): "squeeze",
            id(F.flatten): "flatten", id(F.argmax): "argmax", id(F.argmin): "argmin",
            id(F.var): "var", id(F.std): "std", id(F.norm): "norm"}


# -- small readers --------------------------------------------------------------------------

def _int(node):
    """The int a node spells (`1`, `-1`), else None."""
    if isinstance(node, gast.Constant) and isinstance(node.value, int) \
            and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        inner = _int(node.operand)
        return None if inner is None else -inner
    if isinstance(node, int) and not isinstance(node, bool):
        return node
    return None


def _is_none(node):
    return node is None or (isinstance(node, gast.Constant) and node.value is None)


def _scope_value(c, node):
    if isinstance(node, (gast.Name, gast.Attribute)):
        root = node
        while isinstance(root, gast.Attribute):
            root = root.value
        if isinstance(root, gast.Name) and not c.anf.info.is_local(root.id):
            return c.anf.info.value_of(node)
    return MISSING


def _id(atom):
    return atom.id if isinstance(atom, gast.Name) else "value"


def _text(node):
    return to_source(node).strip()
