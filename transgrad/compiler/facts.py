"""Static shape and dtype facts about the expressions of a generated function.

The optimiser rewrites an expression only where static facts prove the rewrite keeps every
value and dtype (`broadcasts.py`). This module supplies those facts: `Facts(body, generated,
avals).of(expr)` is a `Fact` (shape, dtype, and whether the value may be a Python scalar)
or None when any of them is not known. None is always a correct answer.

Where facts come from:
- a variable of the user's function: its abstract value (`avals.py`: flow-insensitive, so
  true wherever generated code reads it), when it is an array, or a scalar, of known dtype;
- a variable the compiler made (an adjoint, a rule's temporary) whose every assignment is
  `v = value` or `v op= value`: the fact all the values have, flow-insensitively too. A value
  may read v itself (`bz = bz + g`, or through other variables in a loop): the fact the
  other values agree on is assumed, and kept only if every value then has it;
- literals, `+ - * /`, `@` and unary minus, `.T`, `np.float32(<literal>)` and the other
  scalar types, the reductions `np.sum`/`np.mean`/`np.max`/`np.min`/`np.amax`/`np.amin` (and
  an array's `.sum`/`.max`/`.min`) with literal `axis`/`keepdims`, `np.dot`/`np.matmul` of
  operands of at most two axes, NumPy ufuncs called with positional operands, `np.ones`/
  `np.zeros`/`np.full` of a literal shape, and the helpers `unreduce` (a literal shape),
  `extremum_weights` and `reduced_count`.

Dtypes follow NumPy 2's promotion rules, in which a Python scalar is *weak* (takes the
other operand's dtype) and every NumPy value, 0-d arrays included, is not: a result dtype is
computed by running the operation on 0-d stand-ins of the operands (a Python scalar for a
weak operand), both ways when an operand may be either.
"""
import operator

import numpy as np

from . import syntax as S
from .quoting import gast

__all__ = ["Fact", "Facts", "literal", "literal_shape"]


class Fact:
    """shape: tuple of ints; dtype: np.dtype (a Python scalar's: the dtype NumPy gives it,
    float64 for a float); weak: True for a Python scalar, False for a NumPy value, None for
    either."""

    __slots__ = ("shape", "dtype", "weak")

    def __init__(self, shape, dtype, weak):
        self.shape, self.dtype, self.weak = shape, dtype, weak

    def __repr__(self):
        return f"Fact({self.shape}, {self.dtype}, weak={self.weak})"


_MISSING = object()
_RAISE = object()
_PENDING = object()          # a name whose assignments are being worked out


class _Pending(Exception):
    """A pending name was read (Facts._solve)."""


_REDUCTIONS = frozenset({"sum", "mean", "max", "min", "amax", "amin"})
_SCALAR_TYPES = frozenset({"float16", "float32", "float64", "complex64", "complex128"})
# Python's operators, not ufuncs: two Python scalars give a Python scalar
_BINARY = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
           gast.Div: operator.truediv}


def literal(node, default=_RAISE):
    """The Python value of a literal expression (numbers, None, booleans, strings, tuples of
    them, negative numbers); `default` (or raise ValueError) for anything else."""
    t = type(node)
    if t is gast.Constant:
        return node.value
    if t is gast.Tuple and type(node.ctx) is gast.Load:
        out = []
        for e in node.elts:
            v = literal(e, _MISSING)
            if v is _MISSING:
                break
            out.append(v)
        else:
            return tuple(out)
    if t is gast.UnaryOp and type(node.op) is gast.USub and type(node.operand) is gast.Constant \
            and type(node.operand.value) in (int, float):
        return -node.operand.value
    if default is _RAISE:
        raise ValueError("not a literal")
    return default


def literal_shape(node):
    """The shape a literal tuple of non-negative ints spells, else None."""
    v = literal(node, None)
    if type(v) is tuple and all(type(n) is int and n >= 0 for n in v):
        return v
    return None


def _literal_axis(node):
    """(True, axis) for a literal axis (None, an int, a tuple of ints), else (False, None)."""
    v = literal(node, _MISSING)
    if v is None or type(v) is int or (type(v) is tuple and all(type(a) is int for a in v)):
        return True, v
    return False, None


def _np_attr(func):
    """`name` for `np.name`, else None."""
    if type(func) is gast.Attribute and type(func.value) is gast.Name and func.value.id == "np":
        return func.attr
    return None


# a Python scalar of each dtype NumPy gives Python scalars
_PYTHON_SCALARS = {np.dtype(float): 1.0, np.dtype(int): 1, np.dtype(complex): 1j}


def _stand_ins(fact):
    """0-d values with `fact`'s dtype: a Python scalar for a weak value, a 0-d array for a
    NumPy one, both when it may be either."""
    out = []
    if fact.weak is not False:
        python = _PYTHON_SCALARS.get(fact.dtype)
        if python is None:
            return None
        out.append(python)
    if fact.weak is not True:
        out.append(np.ones((), fact.dtype))
    return out


def _result(fn, facts):
    """The Fact of `fn` applied elementwise to values of `facts` (broadcast shapes; dtype
    by running fn on stand-ins), or None."""
    try:
        shape = np.broadcast_shapes(*[f.shape for f in facts])
    except ValueError:
        return None
    options = [_stand_ins(f) for f in facts]
    if any(o is None for o in options):
        return None
    results = set()
    with np.errstate(all="ignore"):
        combos = [[]]
        for opts in options:
            combos = [c + [o] for c in combos for o in opts]
        for c in combos:
            try:
                r = fn(*c)
            except Exception:
                return None
            results.add((np.result_type(r), type(r) in (float, int, complex)))
    dtypes = {d for d, _ in results}
    if len(dtypes) != 1:
        return None
    weak = {w for _, w in results}
    return Fact(shape, dtypes.pop(), weak.pop() if len(weak) == 1 else None)


def _assigned(s):
    """The value statement `s` gives its target, as it reads now (the passes fold values in
    place): `x op= v` is `x op v`."""
    if type(s) is gast.AugAssign:
        return gast.BinOp(left=S.name(s.target.id), op=s.op, right=s.value)
    return s.value


def _same(a, b):
    return a.shape == b.shape and a.dtype == b.dtype and a.weak == b.weak


def _product_shape(a, b):
    """The shape of `np.dot(a, b)` / `a @ b` for operands of at most two axes, or None."""
    if not 1 <= len(a) <= 2 or not 1 <= len(b) <= 2:
        return None
    k = b[0] if len(b) == 1 else b[-2]
    if a[-1] != k:
        return None
    return a[:-1] + b[-1:] if len(b) == 2 else a[:-1]


def _reduced_shape(shape, axis, keepdims):
    if axis is None:
        axes = set(range(len(shape)))
    else:
        axes = set()
        for a in (axis if type(axis) is tuple else (axis,)):
            if not -len(shape) <= a < len(shape):
                return None
            axes.add(a % len(shape))
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


class Facts:
    """The facts of one generated function body (see the module docstring)."""

    def __init__(self, body, generated, avals=None):
        self.body = body
        self.generated = generated
        self.avals = avals or {}
        self._single = None          # name -> its one assignment
        self._values = None          # name -> all its assignments
        self._names = {}             # name -> Fact or None (memo)
        self._assumed = {}           # name -> the Fact assumed while its assignments are checked
        self._pending_reads = {}     # pending name -> how often it was read

    # -- variables ------------------------------------------------------------------------
    def assigned_once(self):
        """The compiler-made names assigned exactly once, by a plain `name = value`, and
        never changed in place (found once, in the body as first seen: later passes only
        remove assignments, so once stays at most once)."""
        self._scan()
        return self._single.keys()

    def definition(self, ident):
        """The value a name of `assigned_once()` is assigned, as the passes have folded it
        so far; None for any other name."""
        self._scan()
        s = self._single.get(ident)
        return None if s is None else s.value

    def definitions(self):
        """(name, value) for every name of `assigned_once()` (values as `definition` gives
        them)."""
        self._scan()
        return [(n, s.value) for n, s in self._single.items()]

    def _scan(self):
        """Every value assigned to each compiler-made name, where all its assignments are
        `name = value` or `name op= value` (read as `name op value`)."""
        if self._values is not None:
            return
        from .optimize import _blocks, _stores, _compound, _simple_target
        values = {}             # name -> [value, ...], or None: assigned some other way too
        for block in _blocks(self.body):
            for s in block:
                if _compound(s):
                    # the statements of its body are seen in their own blocks
                    for n in (S.names_stored(s.target) if isinstance(s, gast.For) else ()):
                        values[n] = None
                    continue
                target = None
                if type(s) is gast.Assign:
                    target = _simple_target(s)
                elif type(s) is gast.AugAssign and type(s.target) is gast.Name:
                    target = s.target.id
                if target is not None and values.get(target, ()) is not None:
                    values.setdefault(target, []).append(s)
                for n in _stores(s):
                    if n != target:
                        values[n] = None
        self._values = {n: v for n, v in values.items() if v and self.generated(n)}
        self._single = {n: v[0] for n, v in self._values.items()
                        if len(v) == 1 and type(v[0]) is gast.Assign}

    def name(self, ident):
        if ident in self._assumed:
            fact = self._assumed[ident]
            if fact is _PENDING:
                self._pending_reads[ident] += 1
                raise _Pending(ident)
            return fact
        known = self._names.get(ident, _MISSING)
        if known is not _MISSING:
            return known
        fact = self._from_aval(self.avals.get(ident))
        if fact is None:
            self._scan()
            stmts = self._values.get(ident)
            if stmts is not None:
                fact = self._solve(ident, [_assigned(s) for s in stmts])
        self._names[ident] = fact
        return fact

    def _solve(self, ident, values):
        """The Fact every value assigned to `ident` has, or None.

        A value may read `ident` itself (`bz = bz + g`), directly or through other names
        (`bh = np.dot(bplus, W)`, `bplus = bh * d`). First the values are computed with
        `ident` pending (a value that reads it is left out); the Fact the others agree on is
        then assumed for `ident`, and kept only if every value has it under that assumption.
        A value that reads a name pending further out is left out of the check: that name's
        own check runs with `ident` worked out again. Facts found while a name was pending,
        or under an assumption that did not hold, are forgotten."""
        before = set(self._names)
        self._assumed[ident] = _PENDING
        self._pending_reads[ident] = 0
        first = [self._try(v) for v in values]
        del self._assumed[ident]
        read_itself = self._pending_reads.pop(ident)
        facts = [f for f in first if f is not _PENDING]
        if any(f is None for f in facts) or not facts or any(
                not _same(f, facts[0]) for f in facts):
            self._forget(before)
            return None
        if not read_itself and len(facts) == len(first):
            return facts[0]
        self._forget(before)
        self._assumed[ident] = facts[0]
        again = [self._try(v) for v in values]
        del self._assumed[ident]
        if all(f is _PENDING or (f is not None and _same(f, facts[0])) for f in again):
            return facts[0]
        self._forget(before)
        return None

    def _try(self, value):
        """The Fact of `value`, or _PENDING when it reads a pending name."""
        try:
            return self.of(value)
        except _Pending:
            return _PENDING

    def _forget(self, keep):
        for n in set(self._names) - keep:
            del self._names[n]

    @staticmethod
    def _from_aval(av):
        if av is None or av.dtype is None or av.shape is None:
            return None
        shape = tuple(av.shape)
        if not all(type(n) is int for n in shape):
            return None
        if av.kind == "array":
            return Fact(shape, np.dtype(av.dtype), False)
        if av.kind == "float" and shape == ():
            dtype = np.dtype(av.dtype)
            # a float64 scalar may be a Python float or np.float64; any other is NumPy's
            return Fact((), dtype, None if dtype == np.float64 else False)
        return None

    # -- expressions ----------------------------------------------------------------------
    def of(self, node):
        """The Fact of expression `node`, or None."""
        t = type(node)
        if t is gast.Name:
            return self.name(node.id)
        if t is gast.Constant:
            v = node.value
            if type(v) in (int, float, complex):
                return Fact((), np.asarray(v).dtype, True)
            return None
        if t is gast.BinOp:
            if type(node.op) is gast.MatMult:
                return self._product(node.left, node.right)
            fn = _BINARY.get(type(node.op))
            if fn is None:
                return None
            left, right = self.of(node.left), self.of(node.right)
            if left is None or right is None:
                return None
            return _result(fn, (left, right))
        if t is gast.UnaryOp:
            if type(node.op) not in (gast.USub, gast.UAdd):
                return None
            operand = self.of(node.operand)
            if operand is None or operand.dtype.kind not in "fc":
                return None
            return operand
        if t is gast.Call:
            return self._call(node)
        if t is gast.Attribute and node.attr == "T":
            x = self.of(node.value)
            if x is None or x.weak is not False:
                return None
            return Fact(x.shape[::-1], x.dtype, False)
        return None

    def _product(self, left, right):
        """The Fact of a matrix product of arrays of at most two axes."""
        a, b = self.of(left), self.of(right)
        if a is None or b is None or a.weak is not False or b.weak is not False:
            return None
        shape = _product_shape(a.shape, b.shape)
        if shape is None:
            return None
        return Fact(shape, np.result_type(a.dtype, b.dtype), False)

    def _call(self, node):
        if any(isinstance(a, gast.Starred) for a in node.args):
            return None
        func, args = node.func, node.args
        kw = {k.arg: k.value for k in node.keywords}
        if None in kw:
            return None
        attr = _np_attr(func)
        if attr is not None:
            return self._numpy_call(attr, args, kw)
        if type(func) is gast.Attribute and func.attr in ("sum", "max", "min") and not args:
            # a NumPy array's reduction method (reductions.py writes them)
            x = self.of(func.value)
            if x is None or x.weak is not False:
                return None
            return self._numpy_call(func.attr, [func.value], kw)
        if type(func) is gast.Name:
            if func.id == "unreduce" and len(args) == 4 and not kw:
                g, shape = self.of(args[0]), literal_shape(args[1])
                if g is None or shape is None:
                    return None
                if shape == ():
                    return Fact((), g.dtype, g.weak)
                return Fact(shape, g.dtype, False)
            if func.id == "extremum_weights" and args and len(args) + len(kw) <= 5:
                x = self.of(args[0])
                if x is None or x.weak is not False or x.dtype.kind not in "fc":
                    return None
                return Fact(x.shape, x.dtype, False)
            if func.id == "reduced_count":
                return Fact((), np.dtype(int), True)
        return None

    def _numpy_call(self, attr, args, kw):
        if attr in ("dot", "matmul") and len(args) == 2 and not kw:
            return self._product(args[0], args[1])
        if attr in _SCALAR_TYPES and len(args) == 1 and not kw and type(args[0]) is gast.Constant:
            return Fact((), np.dtype(attr), False)
        if attr in ("ones", "zeros") and len(args) == 1 and not kw:
            shape = literal_shape(args[0])
            return None if shape is None else Fact(shape, np.dtype(float), False)
        if attr == "full" and len(args) == 2 and not kw:
            shape, value = literal_shape(args[0]), literal(args[1], None)
            if shape is None or type(value) not in (int, float, complex):
                return None
            return Fact(shape, np.asarray(value).dtype, False)
        if attr in _REDUCTIONS and 1 <= len(args) <= 2 and set(kw) <= {"axis", "keepdims"}:
            x = self.of(args[0])
            if x is None or x.dtype.kind not in "fc":
                return None
            axis_node = args[1] if len(args) == 2 else kw.get("axis")
            if len(args) == 2 and "axis" in kw:
                return None
            ok, axis = _literal_axis(axis_node) if axis_node is not None else (True, None)
            keepdims = literal(kw["keepdims"], _MISSING) if "keepdims" in kw else False
            if not ok or type(keepdims) is not bool:
                return None
            shape = _reduced_shape(x.shape, axis, keepdims)
            return None if shape is None else Fact(shape, x.dtype, False)
        ufunc = getattr(np, attr, None)
        if isinstance(ufunc, np.ufunc) and ufunc.nout == 1 and len(args) == ufunc.nin and not kw:
            operands = [self.of(a) for a in args]
            if any(o is None for o in operands):
                return None
            fact = _result(ufunc, operands)
            if fact is not None:
                fact.weak = False            # a ufunc returns NumPy values
            return fact
        return None
