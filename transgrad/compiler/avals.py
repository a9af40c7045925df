"""Abstract values: what kind of value each variable holds, and its shape where known.

The compiler specialises a gradient on the kinds, dtypes and shapes of the arguments it is
called with. This pass propagates them through the IR, flow-insensitively (a variable's
abstract value is the join of everything assigned to it) and iteratively to a fixed point,
so that later passes can

- keep integers, booleans, strings and shapes out of differentiation (activity);
- tell list subscripts from array subscripts;
- drop `unbroadcast` where an input already has the output's shape;
- write `0.0` (not `np.zeros_like(x)`) for a scalar's zero and `ba += g` for scalar adjoints.

Shapes come from NumPy's own rules: elementwise primitives broadcast their inputs; any other
primitive is run once on zero-strided dummy arrays of the right shapes (cached), which costs
nothing for large shapes. Unknown is always a correct answer.
"""

import operator

import numpy as np

from . import ir
from .quoting import gast

__all__ = ["AVal", "UNKNOWN", "from_value", "join", "infer", "signature_of"]

_SMALL = 256


def _hashable(v):
    try:
        hash(v)
        return v
    except TypeError:
        return id(v)


class AVal:
    """kind: float (Python float or NumPy scalar), int, bool, array, list, tuple, dict, none,
    str, range, unknown. `shape` is a tuple or None; `elts` the element values of a tuple
    (tuple of AVal), or the joined element of a list/dict (AVal); `value` a known constant
    (ints, small int tuples), used for shapes."""

    __slots__ = ("kind", "shape", "dtype", "elts", "value", "_hash")

    def __init__(self, kind, shape=None, dtype=None, elts=None, value=None):
        self.kind, self.shape, self.dtype, self.elts, self.value = kind, shape, dtype, elts, value
        self._hash = hash((kind, shape, dtype, elts, _hashable(value)))

    def __eq__(self, other):
        if self is other:
            return True
        return isinstance(other, AVal) and self._hash == other._hash and (
            self.kind, self.shape, self.dtype, self.elts, _hashable(self.value)) == (
            other.kind, other.shape, other.dtype, other.elts, _hashable(other.value))

    def __hash__(self):
        return self._hash

    def __repr__(self):
        extra = f" {self.shape}" if self.shape is not None else ""
        extra += f" {self.dtype}" if self.dtype is not None else ""
        extra += f" ={self.value!r}" if self.value is not None else ""
        return f"<{self.kind}{extra}>"

    @property
    def numeric(self):
        return self.kind in ("float", "array", "unknown")

    @property
    def differentiable(self):
        """Whether values of this kind can carry a gradient."""
        if self.kind in ("int", "bool", "none", "str", "range"):
            return False
        if self.kind == "array" and self.dtype is not None:
            return np.issubdtype(self.dtype, np.inexact)
        return True

    @property
    def scalar(self):
        """A Python float or NumPy scalar: immutable, so `+=` rebinds."""
        return self.kind == "float"


UNKNOWN = AVal("unknown")


def from_value(v, depth=0):
    """The abstract value of a concrete argument."""
    if isinstance(v, bool) or isinstance(v, np.bool_):
        return AVal("bool", (), value=bool(v))
    if isinstance(v, (int, np.integer)):
        return AVal("int", (), value=int(v))
    if isinstance(v, float):
        return AVal("float", (), np.dtype(np.float64))
    if isinstance(v, np.floating):
        return AVal("float", (), v.dtype)
    if isinstance(v, np.ndarray):
        return AVal("array", v.shape, v.dtype)
    if v is None:
        return AVal("none")
    if isinstance(v, str):
        return AVal("str")
    if isinstance(v, range):
        return AVal("range")
    if depth > 4:
        return UNKNOWN
    if isinstance(v, tuple):
        if len(v) > _SMALL:
            return AVal("tuple")
        elts = tuple(from_value(e, depth + 1) for e in v)
        value = v if all(isinstance(e, (int, np.integer)) and not isinstance(e, bool) for e in v) else None
        return AVal("tuple", elts=elts, value=tuple(int(e) for e in v) if value is not None else None)
    if isinstance(v, list):
        if len(v) > _SMALL:
            return AVal("list", elts=UNKNOWN)
        elt = None
        for e in v:
            elt = join(elt, from_value(e, depth + 1))
        return AVal("list", elts=elt)
    if isinstance(v, dict):
        if len(v) > _SMALL:
            return AVal("dict", elts=UNKNOWN)
        elt = None
        for e in v.values():
            elt = join(elt, from_value(e, depth + 1))
        return AVal("dict", elts=elt)
    return UNKNOWN


_JUST_ARRAYS = {np.ndarray}
_DTYPE_AND_SHAPE = operator.attrgetter("dtype", "shape")


def signature_of(v, depth=0):
    """A hashable key of what `from_value` sees, cheaply: the cache key of a specialisation."""
    t = type(v)
    if t is float:
        return "f"
    if t is np.ndarray:
        # the dtype object, not `dtype.str` (which builds a string on every call); "a" keeps
        # a dtype from ever being compared with the string tags of the other kinds
        return ("a", v.dtype, v.shape)
    if t is int:
        return "i"
    if t is bool:
        return "b"
    if t is list or t is tuple:
        if len(v) > _SMALL or depth > 4:
            return (t.__name__, len(v))
        if t is tuple and v and all(type(e) is int for e in v):
            return ("ints", v)
        # a list of arrays (per-step weights, say) is keyed on every call: its elements'
        # (dtype, shape) pairs are read in C, with no Python-level loop
        if v and set(map(type, v)) == _JUST_ARRAYS:
            return (t.__name__, "arrays", tuple(map(_DTYPE_AND_SHAPE, v)))
        d = depth + 1
        return (t.__name__, *[("a", e.dtype, e.shape) if type(e) is np.ndarray
                              else signature_of(e, d) for e in v])
    if t is dict:
        if len(v) > _SMALL or depth > 4:
            return ("dict", len(v))
        return ("dict",) + tuple((k, signature_of(e, depth + 1)) for k, e in v.items())
    if isinstance(v, np.generic):
        return ("s", v.dtype.str)
    return t.__name__


def join(a, b):
    """The least abstract value covering both."""
    if a is None:
        return b
    if b is None or a == b:
        return a
    ka, kb = a.kind, b.kind
    if ka == kb:
        shape = a.shape if a.shape == b.shape else None
        dtype = a.dtype if a.dtype == b.dtype else None
        if ka == "tuple":
            if isinstance(a.elts, tuple) and isinstance(b.elts, tuple) and len(a.elts) == len(b.elts):
                return AVal("tuple", elts=tuple(join(x, y) for x, y in zip(a.elts, b.elts)))
            return AVal("tuple")
        if ka in ("list", "dict"):
            return AVal(ka, elts=join(a.elts, b.elts))
        return AVal(ka, shape, dtype)
    numeric = {"int", "bool", "float"}
    if ka in numeric and kb in numeric:
        kind = "float" if "float" in (ka, kb) else "int"
        dtype = a.dtype if ka == "float" else b.dtype if kb == "float" else None
        return AVal(kind, (), dtype)
    if {ka, kb} <= {"float", "array", "int", "bool"}:
        shape = a.shape if a.shape == b.shape else None
        dtype = a.dtype if a.dtype == b.dtype else None
        return AVal("array", shape, dtype)
    return UNKNOWN


def _dummy(av):
    """A concrete stand-in with `av`'s kind, dtype and shape (zero-strided: free)."""
    if av.kind == "float":
        return (av.dtype or np.dtype(np.float64)).type(0.5)
    if av.kind == "int":
        return av.value if av.value is not None else 1
    if av.kind == "bool":
        return True if av.value is None else av.value
    if av.kind == "array" and av.dtype == np.dtype(bool) and av.shape:
        raise _Unknown      # a mask: what it selects depends on its values
    if av.kind == "array" and av.shape is not None and av.dtype is not None:
        return np.broadcast_to(np.array(0.5 if np.issubdtype(av.dtype, np.inexact) else 1,
                                        dtype=av.dtype), av.shape)
    if av.kind == "tuple" and av.value is not None:
        return av.value
    if av.kind == "none":
        return None
    raise _Unknown


class _Unknown(Exception):
    pass


def _of_result(r):
    if isinstance(r, np.ndarray):
        return AVal("array", r.shape, r.dtype)
    return from_value(r)


_PRIM_CACHE = {}


def _static_value(node):
    if isinstance(node, gast.Constant):
        return node.value
    if isinstance(node, gast.Tuple):
        return tuple(_static_value(e) for e in node.elts)
    raise _Unknown


def prim_output(prim, ins, statics, env_value=None):
    """The abstract output of `prim` on abstract inputs (UNKNOWN when it cannot be told)."""
    try:
        static_values = []
        for name in prim.static_names:
            node = statics[name]
            if isinstance(node, gast.Name) and env_value is not None:
                static_values.append(env_value(node.id))
            else:
                static_values.append(_static_value(node))
    except (_Unknown, KeyError):
        return _fallback(prim, ins)
    key = (prim.name, tuple(ins), repr(static_values))
    hit = _PRIM_CACHE.get(key)
    if hit is not None:
        return hit
    result = _compute(prim, ins, static_values)
    if len(_PRIM_CACHE) < 20000:
        _PRIM_CACHE[key] = result
    return result


_REDUCTIONS = frozenset({"sum", "mean", "prod", "max", "min", "amax", "amin", "var", "std",
                         "logsumexp", "norm"})


def _fallback(prim, ins, static_values=None):
    if prim.name in _REDUCTIONS and static_values is not None:
        statics = dict(zip(prim.static_names, static_values))
        if statics.get("axis", 0) is None and not statics.get("keepdims", False):
            return AVal("float", (), None)
    if all(a.kind in ("float", "int", "bool") for a in ins) and prim.elementwise:
        return AVal("float", (), None)
    return AVal("array") if any(a.kind == "array" for a in ins) else UNKNOWN


def _compute(prim, ins, static_values):
    if prim.elementwise and all(a.kind in ("float", "int", "bool", "array") for a in ins) \
            and any(a.kind == "array" for a in ins):
        if all(a.shape is not None for a in ins):
            try:
                shape = np.broadcast_shapes(*[a.shape for a in ins])
                small = [_dummy(AVal(a.kind, (), a.dtype, value=a.value)) if a.kind == "array"
                         else _dummy(a) for a in ins]
                with np.errstate(all="ignore"):
                    r = prim.run(*small, *static_values)
                dtype = np.asarray(r).dtype
            except Exception:  # noqa: BLE001
                return AVal("array", None, None)
            return AVal("array", shape, dtype)
    try:
        dummies = [_dummy(a) for a in ins]
    except _Unknown:
        return _fallback(prim, ins, static_values)
    try:
        with np.errstate(all="ignore"):
            r = prim.run(*dummies, *static_values)
    except Exception:  # noqa: BLE001 - a shape we cannot tell is unknown, not an error
        return _fallback(prim, ins, static_values)
    out = _of_result(r)
    if out.value is not None:
        # computed from stand-ins: the shape and dtype are real, the value is not
        out = AVal(out.kind, out.shape, out.dtype, out.elts)
    return out


# -- a tiny evaluator for shape computations in Opaque statements -----------------------

_CREATION = {"zeros", "ones", "full", "empty", "eye", "zeros_like", "ones_like", "full_like",
             "empty_like", "arange", "linspace", "identity"}


def _evaluate(expr, env_value, info):
    """Evaluate shape arithmetic and NumPy array creation on abstract values, or raise."""
    def ev(node):
        return _eval_node(node, ev, env_value, info)
    return ev(expr)


def _eval_node(node, ev, env_value, info):
    if isinstance(node, gast.Constant):
        return node.value
    if isinstance(node, gast.Name):
        return env_value(node.id)
    if isinstance(node, gast.Tuple):
        return tuple(ev(e) for e in node.elts)
    if isinstance(node, gast.List):
        return [ev(e) for e in node.elts]
    if isinstance(node, gast.Attribute):
        if node.attr in ("shape", "ndim", "size", "dtype", "T"):
            base = ev(node.value)
            return getattr(base, node.attr)
        value = info.value_of(node) if info is not None else None
        if isinstance(value, (np.dtype, type)):
            return value
        raise _Unknown
    if isinstance(node, gast.Subscript):
        base = ev(node.value)
        if isinstance(base, (tuple, list)):
            return base[ev(node.slice)]
        raise _Unknown
    if isinstance(node, gast.Slice):
        return slice(*(None if p is None else ev(p) for p in (node.lower, node.upper, node.step)))
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        return -ev(node.operand)
    if isinstance(node, gast.BinOp):
        a, b = ev(node.left), ev(node.right)
        if not (isinstance(a, (int, tuple)) and isinstance(b, (int, tuple))):
            raise _Unknown
        ops = {gast.Add: lambda: a + b, gast.Sub: lambda: a - b, gast.Mult: lambda: a * b,
               gast.FloorDiv: lambda: a // b, gast.Mod: lambda: a % b}
        for cls, f in ops.items():
            if isinstance(node.op, cls):
                return f()
        raise _Unknown
    if isinstance(node, gast.Call):
        func = node.func
        if isinstance(func, gast.Name) and func.id == "len" and len(node.args) == 1:
            return len(ev(node.args[0]))
        if isinstance(func, gast.Attribute) and func.attr in _CREATION and info is not None:
            obj = info.value_of(func)
            if obj is getattr(np, func.attr, None):
                args = [ev(a) for a in node.args]
                kwargs = {k.arg: ev(k.value) for k in node.keywords}
                size = _size_of(args[0]) if args else 1
                if func.attr in _CREATION and size is not None and size <= 1 << 16:
                    return obj(*args, **kwargs)
        raise _Unknown
    raise _Unknown


def _size_of(a):
    if isinstance(a, int):
        return a
    if isinstance(a, tuple) and all(isinstance(n, int) for n in a):
        return int(np.prod(a)) if a else 1
    if isinstance(a, np.ndarray):
        return a.size
    return None


# -- the pass ------------------------------------------------------------------------------

def infer(block, params, info=None, max_rounds=12):
    """{variable: AVal} for every variable of `block`, given {param: AVal}."""
    env = dict(params)
    stmts = list(ir.walk_blocks(block))

    def get(v):
        return env.get(v) or (UNKNOWN if v not in _pending else None)

    _pending = set()
    for s in stmts:
        _pending |= s.defs()
    # `x.append(v)` / `x.pop()`: only lists have these, whatever else x's definitions say
    stacks = {s.base for s in stmts if isinstance(s, (ir.Append, ir.Pop))}
    for s in reversed(stmts):       # and what they are copies of
        if isinstance(s, ir.Copy) and s.target in stacks and isinstance(s.source, str):
            stacks.add(s.source)

    def aval_of(atom):
        if isinstance(atom, gast.Constant):
            return from_value(atom.value)
        if isinstance(atom, gast.Name):
            if atom.id in env:
                return env[atom.id]
            if info is not None and not info.is_local(atom.id):
                return _global_aval(info.lookup(atom.id))
            return None
        return UNKNOWN

    def value_of(v):
        av = env.get(v)
        if av is None:
            if info is not None and not info.is_local(v):
                obj = info.lookup(v)
                if isinstance(obj, (int, float, tuple)):
                    return obj
            raise _Unknown
        if av.value is not None:
            return av.value
        if av.kind != "array":
            raise _Unknown
        return _dummy(av)

    for _ in range(max_rounds):
        changed = False
        for s in stmts:
            for var, av in _transfer(s, aval_of, value_of, env, info):
                if av is None:
                    continue
                old = env.get(var)
                new = join(old, av)
                if var in stacks and new.kind != "list":
                    new = AVal("list", elts=UNKNOWN)
                if new != old:
                    env[var] = new
                    changed = True
        if not changed:
            break
    else:
        for s in stmts:
            for var in s.defs():
                env[var] = UNKNOWN
    return env


def _global_aval(obj):
    av = from_value(obj)
    if av.kind == "array":
        # a global can be rebound between calls: never specialise on its shape
        return AVal("array", None, av.dtype)
    if av.kind in ("list", "tuple", "dict"):
        return AVal(av.kind, elts=UNKNOWN if av.kind != "tuple" else None)
    return av


def _transfer(s, aval_of, value_of, env, info):
    """[(variable, abstract value)] statement `s` assigns."""
    if isinstance(s, ir.Prim):
        ins = [aval_of(a) for a in s.args]
        if any(a is None for a in ins):
            return []
        return [(s.target, prim_output(s.prim, ins, s.statics, value_of))]
    if isinstance(s, (ir.Copy, ir.Stop)):
        src = s.source
        return [(s.target, env.get(src) if isinstance(src, str) else aval_of(src))]
    if isinstance(s, ir.Opaque):
        zero = _zeros_like_aval(s.expr, env, info)
        if zero is _WAIT:
            return []           # its argument has no value yet (in this round)
        if zero is not None:
            return [(s.target, zero)]
        try:
            r = _evaluate(s.expr, value_of, info)
            return [(s.target, _of_result(r))]
        except Exception:  # noqa: BLE001 - unknown is a correct answer
            pass
        e = s.expr
        if isinstance(e, gast.Compare) or isinstance(e, gast.BoolOp):
            operands = [e.left] + list(e.comparators) if isinstance(e, gast.Compare) else e.values
            avs = [aval_of(o) if isinstance(o, (gast.Name, gast.Constant)) else UNKNOWN
                   for o in operands]
            if all(a is not None and a.kind in ("float", "int", "bool", "none", "str") for a in avs):
                return [(s.target, AVal("bool", ()))]
            if isinstance(e, gast.Compare) and all(a is not None and a.kind in ("float", "int", "bool", "array")
                                                   and a.shape is not None for a in avs):
                try:
                    return [(s.target, AVal("array", np.broadcast_shapes(*[a.shape for a in avs]),
                                            np.dtype(bool)))]
                except ValueError:
                    pass
            return [(s.target, UNKNOWN)]
        if isinstance(e, gast.Call) and isinstance(e.func, gast.Name) and e.func.id in ("len", "int", "round"):
            return [(s.target, AVal("int", ()))]
        if isinstance(e, gast.Call) and isinstance(e.func, gast.Name) and e.func.id == "range":
            return [(s.target, AVal("range"))]
        if isinstance(e, gast.Attribute) and e.attr == "shape":
            return [(s.target, AVal("tuple"))]
        if isinstance(e, gast.Attribute) and e.attr in ("ndim", "size"):
            return [(s.target, AVal("int", ()))]
        return [(s.target, UNKNOWN)]
    if isinstance(s, ir.Pack):
        elts = [aval_of(a) for a in s.elts]
        if any(e is None for e in elts):
            return []
        if s.kind == "tuple":
            value = None
            if all(e.kind == "int" and e.value is not None for e in elts):
                value = tuple(e.value for e in elts)
            return [(s.target, AVal("tuple", elts=tuple(elts), value=value))]
        elt = None
        for e in elts:
            elt = join(elt, e)
        return [(s.target, AVal("list", elts=elt))]
    if isinstance(s, ir.PackDict):
        elt = None
        for v in s.values:
            av = aval_of(v)
            if av is None:
                return []
            elt = join(elt, av)
        return [(s.target, AVal("dict", elts=elt))]
    if isinstance(s, ir.Unpack):
        src = env.get(s.source)
        if src is None:
            return []
        if src.kind == "tuple" and isinstance(src.elts, tuple) and len(src.elts) == len(s.targets):
            return list(zip(s.targets, src.elts))
        if src.kind in ("list", "dict") and src.elts is not None:
            return [(t, src.elts) for t in s.targets]
        if src.kind == "array" and src.shape:
            return [(t, AVal("array", src.shape[1:], src.dtype) if len(src.shape) > 1
                     else AVal("float", (), src.dtype)) for t in s.targets]
        return [(t, UNKNOWN) for t in s.targets]
    if isinstance(s, ir.Index):
        base = env.get(s.base) if s.base in env else aval_of(gast.Name(
            id=s.base, ctx=gast.Load(), annotation=None, type_comment=None))
        if base is None:
            return []
        return [(s.target, index_aval(base, s.index, value_of))]
    if isinstance(s, ir.SetIndex):
        base = env.get(s.base)
        value = aval_of(s.value)
        if base is not None and value is not None and base.kind == "list":
            return [(s.base, AVal("list", elts=join(base.elts, value)))]
        if base is not None and value is not None and base.kind == "dict":
            return [(s.base, AVal("dict", elts=join(base.elts, value)))]
        return []
    if isinstance(s, ir.Append):
        base = env.get(s.base)
        value = aval_of(s.value)
        if base is None or value is None:
            return []
        if base.kind == "list":
            return [(s.base, AVal("list", elts=join(base.elts, value)))]
        return [(s.base, UNKNOWN)]
    if isinstance(s, ir.Pop):
        base = env.get(s.base)
        if base is None:
            return []
        if base.kind == "list" and base.elts is None:
            return []           # nothing pushed yet (in this round of the fixed point)
        return [(s.target, base.elts if base.kind == "list" else UNKNOWN)]
    if isinstance(s, ir.CallUser):
        like = getattr(s, "out_like", None)     # the result has this parameter's structure
        if like is not None:
            params = s.info.params
            atom = s.kwargs.get(like) if like in s.kwargs else (
                s.args[params.index(like)] if params.index(like) < len(s.args) else None)
            av = aval_of(atom) if atom is not None else None
            if av is not None and av.kind in ("tuple", "list", "dict"):
                return [(s.target, AVal(av.kind, elts=av.elts))]
        return [(s.target, getattr(s, "out_aval", None) or UNKNOWN)]
    if isinstance(s, ir.For):
        return [(s.target, AVal("int", ()))]
    if isinstance(s, ir.While):
        return [(s.counter, AVal("int", ()))]
    if isinstance(s, ir.Effect):
        return [(w, UNKNOWN) for w in s.writes]
    return []


_WAIT = object()


def _zeros_like_aval(e, env, info):
    """`zeros_like(v)` of generated code (the runtime helper) has v's structure: a list for
    a tuple, the same kind otherwise; None when that cannot be told, _WAIT while v (a
    local) has no value yet: a guess of unknown then would stick, joins only go up."""
    if not (isinstance(e, gast.Call) and isinstance(e.func, gast.Name) and e.func.id == "zeros_like"
            and len(e.args) == 1 and isinstance(e.args[0], gast.Name) and info is not None):
        return None
    from . import runtime
    if info.is_local("zeros_like") or info.lookup("zeros_like") is not runtime.zeros_like:
        return None
    src = env.get(e.args[0].id)
    if src is None:
        return _WAIT if info.is_local(e.args[0].id) else None
    if src.kind == "tuple":
        elt = None
        for x in src.elts if isinstance(src.elts, tuple) else ():
            elt = join(elt, x)
        return AVal("list", elts=elt or UNKNOWN)
    if src.kind in ("list", "dict", "float", "array"):
        return src
    return None


def index_aval(base, index, value_of):
    if base.kind == "tuple":
        if isinstance(index, gast.Constant) and isinstance(base.elts, tuple) and isinstance(index.value, int):
            try:
                return base.elts[index.value]
            except IndexError:
                return UNKNOWN
        if isinstance(base.elts, tuple):
            out = None
            for e in base.elts:
                out = join(out, e)
            if isinstance(index, gast.Slice):
                return AVal("tuple")
            return out or UNKNOWN
        return UNKNOWN
    if base.kind in ("list", "dict"):
        if isinstance(index, gast.Slice):
            return AVal(base.kind, elts=base.elts)
        return base.elts or UNKNOWN
    if base.kind == "array":
        if base.shape is None or base.dtype is None:
            return AVal("array", None, base.dtype)
        try:
            dummy = _dummy(base)
            idx = _evaluate(index, value_of, None)
            r = dummy[idx]
        except Exception:  # noqa: BLE001
            return AVal("array", None, base.dtype)
        if isinstance(r, np.ndarray):
            return AVal("array", r.shape, r.dtype)
        return AVal("float", (), base.dtype)
    if base.kind == "range":
        return AVal("int", ())
    return UNKNOWN


def arg_avals(fn, args, kwargs=None):
    """{parameter: abstract value} for a call `fn(*args, **kwargs)` (a call that does not
    bind raises TransgradError naming fn)."""
    import inspect
    from ..errors import TransgradError
    try:
        bound = inspect.signature(fn).bind(*args, **(kwargs or {}))
    except TypeError as err:
        raise TransgradError(f"{getattr(fn, '__name__', fn)}: {err}") from None
    return {name: from_value(v) for name, v in bound.arguments.items()}
