"""Running a primitive on Tensors: compute on the arrays, then record a backward node.

`apply(prim, inputs, statics)` is what the registry's `tg.` functions call when an input is a
Tensor (see `registry.set_tensor_dispatch`), and what Tensor methods, operators and NumPy's
dispatch protocols call. It
1. unwraps Tensors to their arrays and applies PyTorch's dtype promotion,
2. runs the primitive (`prim.run`) with NumPy's floating-point warnings off (see "quiet
   arithmetic" below),
3. if grad mode is on and an input requires grad, records one node: the needed inputs' rule
   functions, one tuple of saved arguments (only the values the needed rules read, per
   `prim.saved_names`), the edges to the inputs' nodes, and `_saved`, the version records of
   saved Tensors as one flat tuple `(slot, tensor, counter, version, slot, ...)` (`records`).

Everything a call needs that depends only on the primitive (and on which inputs need a
gradient) is computed once and cached in a `_Spec`. For a primitive of one or two
differentiable inputs and no statics (`x * y`, `np.sin(x)`, `x @ y`), `_Spec.call` is a
closure with all of that bound, which operators, methods and NumPy's protocols call directly:
- an elementwise ufunc computes 0-d values as NumPy scalars (ten times cheaper than 0-d arrays;
  `Tensor._data` turns one into the tensor's array on first use), with the Python operator
  for + - * / (NumPy's scalar arithmetic skips the ufunc machinery);
- shape arguments are made only when a rule reads them, and a broadcasting primitive whose
  inputs have the output's shape records its rules without the `unbroadcast` (the registry's
  `Rule.core`; `identity_rule` where that is the cotangent itself); an input that was
  broadcast gets the core rule summed down by `sum_to` (one ufunc reduction);
- a grad_fn chooser's answer is cached per kind of inputs (shape and dtype, or type; by the
  two ndims for a chooser marked `by_ndim`, as matmul's), and 2-D float matmuls run by
  `ndarray.dot` (`matmul_2d`: the same BLAS call);
- two Tensors holding arrays of one floating dtype take one test to the computation;
- every node gets its sequence number (`node.next_seq`) once its edges exist.
`Unreduced` is a broadcast leaf's gradient whose contributions the engine sums before it
reduces them (a bias added at every step of a loop: one reduction instead of one per step).
`apply_inplace` does the same for `x.add_(y)`-style operations and rebases `x`'s history;
`apply_nondiff` runs non-differentiable primitives.
"""
import contextvars
import dis
import operator
import warnings
import weakref

import numpy as np

from .. import registry
from ..helpers import unbroadcast as _unbroadcast
from ..errors import GradientError, ShapeError, TensorTypeError
from . import dtypes as _dt
from .grad_mode import STATE, MODES_CHANGED
from .node import AccumulateGrad, PlainNode, node_class, next_seq as _next_seq

__all__ = ["apply", "apply_nondiff", "apply_inplace", "make_node", "acc_node", "wrap"]

warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"transgrad\\.")

_ndarray = np.ndarray
_generic = np.generic
_asarray = np.asarray
Tensor = None          # set by tensor.py when the class exists
_new = object.__new__
# results of elementwise primitives kept as NumPy scalars (a 0-d Tensor holds one until
# something needs its array: see `Tensor._data`)
_SCALARS = frozenset({np.float64, np.float32, np.float16, np.complex128, np.complex64})
_FSCALARS = frozenset({np.float64, np.float32, np.float16})
_OPERATORS = {np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul,
              np.true_divide: operator.truediv}
_np_matmul = np.matmul
_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)
_ndarray_dot = np.ndarray.dot


def matmul_2d(a, b):
    """`np.matmul(a, b)`, by `ndarray.dot` for two contiguous float32/float64 matrices: the same
    BLAS call (equal results) without the generalized ufunc's dispatch, a microsecond per call
    (RNN-sized products are a few microseconds). Anything else goes to `np.matmul` itself."""
    if type(a) is _ndarray and type(b) is _ndarray:
        sa = a.shape        # (NumPy makes a tuple per read: two reads, not four)
        sb = b.shape
        ad = a.dtype
        if len(sa) == 2 and len(sb) == 2 and sa[1] == sb[0] and ad is b.dtype \
                and (ad is _F64 or ad is _F32):
            # an array that owns its memory is C- or F-contiguous: no flags object to make
            if a.base is not None:
                fa = a.flags
                if not (fa.c_contiguous or fa.f_contiguous):
                    return _np_matmul(a, b)
            if b.base is not None:
                fb = b.flags
                if not (fb.c_contiguous or fb.f_contiguous):
                    return _np_matmul(a, b)
            return _ndarray_dot(a, b)
    return _np_matmul(a, b)


# primitives' implementations computed more quickly for the operands a binary call sees
_FAST_RUN = {np.matmul: matmul_2d}

# -- quiet arithmetic ---------------------------------------------------------------------------
# PyTorch computes nan and inf silently; so do Tensor operations, without changing NumPy's error
# state for the user's own code. NumPy >= 2 keeps that state in a context variable, so every
# primitive runs inside `_QUIET`, a Context of its own whose state is "ignore":
# `run_quiet(fn, *args)` is `Context.run`, a C call that costs next to nothing. A Context is
# entered by one thread at a time and not twice: when it is busy (another thread, a primitive
# calling back into the engine), `call_quiet` does the same under `np.errstate`, which is also
# how user-declared primitives run (their code may read the caller's context). The backward
# pass runs under `np.errstate` (once per call). With NumPy 1.x, whose error state is
# per-thread, `run_quiet` is `call_quiet`. The warnings filter is a last line for the casts
# transgrad makes outside those calls (NumPy attributes a floating-point warning to the frame
# that called the ufunc).
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"transgrad\.")


def call_quiet(fn, *args):
    """`fn(*args)` with NumPy's floating-point errors ignored."""
    with np.errstate(all="ignore"):
        return fn(*args)


def _make_quiet_context():
    before = np.geterr()
    context = contextvars.Context()
    context.run(np.seterr, all="ignore")
    if np.geterr() != before:      # NumPy 1.x: the state is per thread, not per context
        np.seterr(**before)
        return None
    return context


_QUIET = _make_quiet_context()
run_quiet = _QUIET.run if _QUIET is not None else call_quiet


def broadcast_error(error, operands):
    """PyTorch's error for operands whose shapes do not broadcast (NumPy raised `error`, a
    ValueError); `error` itself when the shapes were not the problem."""
    shapes = [np.shape(a) for a in operands if not isinstance(a, (str, slice, type(None)))]
    for j, sa in enumerate(shapes):
        for sb in shapes[j + 1:]:
            n = max(len(sa), len(sb))
            for i in range(1, n + 1):
                da = sa[-i] if i <= len(sa) else 1
                db = sb[-i] if i <= len(sb) else 1
                if da != db and da != 1 and db != 1:
                    return ShapeError(f"The size of tensor a ({da}) must match the size of "
                                      f"tensor b ({db}) at non-singleton dimension {n - i}")
    return error


def busy(error):
    """Whether a RuntimeError from `run_quiet` says `_QUIET` was in use (nothing ran)."""
    return str(error).startswith("cannot enter context")


def wrap(data):
    """A new leaf Tensor that does not require grad, around the ndarray `data`."""
    t = _new(Tensor)
    t._v = data
    t._rg = False
    t._grad = None
    t._grad_fn = None
    t._vc = [0]
    t._nr = 0
    t._acc = None
    t._extra = None
    if MODES_CHANGED[0] and STATE.inference:
        t._extra = {"inference": True}
    return t


def _wrap_result(data, node):
    t = _new(Tensor)
    t._v = data
    t._rg = True
    t._grad = None
    t._grad_fn = node
    t._vc = [0]
    t._nr = 0
    t._acc = None
    t._extra = None
    return t


def acc_node(t):
    """The AccumulateGrad node of leaf `t` (one per leaf while a graph holds it)."""
    ref = t._acc
    if ref is not None:
        a = ref()
        if a is not None:
            return a
    a = AccumulateGrad(t)
    t._acc = weakref.ref(a)
    return a


class _Spec:
    """What `apply` needs of a primitive, computed once."""

    __slots__ = ("prim", "run", "n", "cls", "name_fn", "statics_names", "promote", "diff_mask",
                 "by_needs", "seq", "multi", "simple", "counts_scalars", "scalar", "op",
                 "quiet", "records", "call")

    def __init__(self, prim):
        self.prim = prim
        self.run = prim.run
        self.n = len(prim.inputs)
        if callable(prim.grad_fn):
            self.cls = None
            self.name_fn = prim.grad_fn
        else:
            self.cls = node_class(prim.grad_fn or f"{prim.name.capitalize()}Backward0")
            self.name_fn = None
        self.statics_names = prim.static_names
        self.diff_mask = tuple(r is not None for r in prim.vjps)
        self.promote = sum(self.diff_mask) >= 2 or (prim.elementwise and self.n >= 2)
        self.by_needs = {}
        self.seq = tuple(i for i, x in enumerate(prim.inputs) if x in prim.sequence)
        self.multi = bool(getattr(prim, "multiple_outputs", False))
        self.simple = not self.seq and not self.multi and all(self.diff_mask)
        self.counts_scalars = bool(prim.elementwise)
        # NumPy scalars in and out (0-d values): elementwise ufuncs only, whose rules are
        # elementwise NumPy expressions too; every other primitive sees arrays
        self.scalar = bool(prim.elementwise) and isinstance(prim.run, np.ufunc)
        # the Python operator computing the same ufunc: on NumPy scalars it skips the ufunc
        # machinery (ten times faster); used once the operands are known numbers or arrays
        self.op = _OPERATORS.get(prim.run) if self.scalar else None
        # how the primal runs quietly: in `_QUIET` (a Context of its own) for the shipped
        # primitives; a user-declared one runs in the caller's context, which its Python code
        # may read (its own context variables), under np.errstate
        self.quiet = call_quiet if getattr(prim, "user", False) else run_quiet
        # per mask of inputs needing a gradient (index: 2 * x needs + y needs; 2 for a unary
        # primitive's input): (fns, core fns or None, summed fns or None, save_out, save x,
        # save y); summed fns: the core fns with x's, y's, both rules summed down to their
        # input's shape (`_summed`), for calls where those inputs were broadcast
        self.records = [None] * 4
        if self.simple and self.n in (1, 2):
            core = _core_fns(prim) if self.n == 2 else None
            masks = ((True,),) if self.n == 1 else ((False, True), (True, False), (True, True))
            for needs in masks:
                fns, save_out, save_in = self.for_needs(needs)
                k = 2 if self.n == 1 else 2 * needs[0] + needs[1]
                core_fns = summed = None
                if core is not None:
                    cx, cy = (c if need else None for c, need in zip(core, needs))
                    core_fns = (cx, cy)
                    # args[4], args[5]: x's and y's shapes
                    sum_x, sum_y = _summed(cx, 4), _summed(cy, 5)
                    summed = ((sum_x, cy), (cx, sum_y), (sum_x, sum_y))
                self.records[k] = (fns, core_fns, summed, save_out, save_in[0],
                                   save_in[1] if len(save_in) > 1 else False)
        self.call = None
        if self.simple and self.n == 1:
            self.call = _make_unary_call(self)
        elif self.simple and self.n == 2:
            self.call = _make_binary_call(self)

    def for_needs(self, needs):
        """(fns, save_out, save_in) for this mask of inputs needing a gradient."""
        r = self.by_needs.get(needs)
        if r is None:
            prim = self.prim
            fns = tuple(prim.vjps[i].fn if need and prim.vjps[i] is not None else None
                        for i, need in enumerate(needs))
            names = prim.saved_names(needs)
            save_out = prim.output in names
            save_in = tuple(x in names for x in prim.inputs)
            r = self.by_needs[needs] = (fns, save_out, save_in)
        return r

    def node_cls(self, arrays, statics):
        if self.cls is not None:
            return self.cls
        if statics:
            name = self.name_fn(*arrays, **dict(zip(self.statics_names, statics)))
        else:
            name = self.name_fn(*arrays)
        return node_class(name)


def identity_rule(g, *args):
    """The reverse rule `d[x] = d[z]` (add, subtract's first input): the engine passes the
    cotangent on without calling it."""
    return g


def _core_fns(prim):
    """Per input of a broadcasting primitive, its reverse rule without the central
    `unbroadcast` (the registry's `Rule.core`, lowered the same way), for calls where the input
    has the output's shape and `unbroadcast` is the identity; `identity_rule` for a rule that
    is the cotangent itself. None when the primitive does not broadcast."""
    if not prim.broadcasting:
        return None
    core = []
    try:
        for x, rule in zip(prim.inputs, prim.vjps):
            lowered = registry._lower(prim, "vjp", x, rule.core, rule.core)
            lines = [ln.strip() for ln in lowered.source.strip().splitlines()]
            identity = len(lines) == 2 and lines[1] == f"return d{prim.output}"
            core.append(identity_rule if identity else lowered.fn)
    except Exception:   # a registry without the hook: the full rules serve every call
        return None
    return tuple(core)


_SPECS = {}


def spec_of(prim):
    s = _SPECS.get(prim)
    if s is None:
        s = _SPECS[prim] = _Spec(prim)
    return s


# -- dtype promotion --------------------------------------------------------------------------

def _promote(arrays, diff_mask):
    """Cast the array operands to PyTorch's result dtype when NumPy's would differ."""
    first = None
    mixed = False
    scalar_float = False
    for i, a in enumerate(arrays):
        if not diff_mask[i]:
            continue
        if isinstance(a, (_ndarray, _generic)):
            dt = a.dtype
            if first is None:
                first = dt
            elif dt != first:
                mixed = True
        elif isinstance(a, float) or isinstance(a, complex):
            scalar_float = True
    if first is None or (not mixed and (first.kind in "fc" or not scalar_float)):
        return arrays, None
    dims, zerodims, scalars = [], [], []
    for i, a in enumerate(arrays):
        if not diff_mask[i]:
            continue
        if isinstance(a, (_ndarray, _generic)):
            (dims if a.ndim else zerodims).append(a.dtype)
        elif a is not None and not isinstance(a, (list, tuple)):
            scalars.append(a)
    target = _dt.result_np_dtype(dims, zerodims, scalars)
    out = list(arrays)
    cast = False
    for i, a in enumerate(arrays):
        if diff_mask[i] and isinstance(a, (_ndarray, _generic)) and a.dtype != target:
            out[i] = _asarray(a).astype(target)
            cast = True
        elif diff_mask[i] and scalars and isinstance(a, (int, float)) and not isinstance(a, bool) \
                and target.kind in "fc":
            out[i] = a
    return out, (target if cast else None)


def _fix_float(out, arrays):
    """NumPy computes float64 where PyTorch gives the default float dtype (int / int, sin(int))."""
    if out.dtype.kind != "f" or out.dtype == _dt.get_default_dtype().dtype:
        return out
    for a in arrays:
        if isinstance(a, (_ndarray, _generic)) and a.dtype.kind in "fc":
            return out
    return out.astype(_dt.get_default_dtype().dtype)


def _same_float(out, dtype):
    """A floating result in the dtype of its floating inputs (NumPy may widen to float64)."""
    if out.dtype != dtype and out.dtype.kind == "f" and dtype.kind == "f":
        return out.astype(dtype)
    return out


def _float_dtype(arrays, diff_mask, default):
    """The dtype of the differentiable floating array operands, when they all agree."""
    found = None
    for i, a in enumerate(arrays):
        if diff_mask[i] and isinstance(a, (_ndarray, _generic)) and a.dtype.kind == "f":
            if found is None:
                found = a.dtype
            elif a.dtype != found:
                return default
    return default if found is None else found


# -- the recorded call ---------------------------------------------------------------------------

def apply(prim, inputs, statics):
    """Run the differentiable primitive `prim` on `inputs` (Tensors, arrays, scalars); return a
    Tensor, with a backward node when grad mode is on and an input requires grad."""
    spec = _SPECS.get(prim) or spec_of(prim)
    if spec.simple:
        n = spec.n
        if n == 2:
            if statics:
                return _apply2(spec, inputs[0], inputs[1], statics)
            return spec.call(inputs[0], inputs[1])
        if n == 1:
            if statics:
                return _apply1(spec, inputs[0], statics)
            return spec.call(inputs[0])
    if spec.seq:
        return _apply_seq(spec, inputs, statics)
    n = spec.n
    arrays = list(inputs)
    any_rg = False
    all_float = True
    for i in range(n):
        v = inputs[i]
        if isinstance(v, Tensor):
            a = v._v
            if type(a) is not _ndarray:
                a = v._data
            arrays[i] = a
            if v._rg:
                any_rg = True
            if a.dtype.kind != "f":
                all_float = False
    cast_to = None
    if spec.promote:
        arrays, cast_to = _promote(arrays, spec.diff_mask)
    try:
        out = spec.quiet(spec.run, *arrays, *statics)
    except RuntimeError as error:
        if not busy(error):
            raise
        out = call_quiet(spec.run, *arrays, *statics)
    except ValueError as error:
        raise broadcast_error(error, arrays) from None
    if spec.multi:
        return _multi_result(spec, inputs, arrays, statics, out, any_rg)
    if type(out) is not _ndarray:
        out = _asarray(out)
    if out.dtype.kind == "f":
        if not all_float:
            out = _fix_float(out, arrays)
        out = _same_float(out, _float_dtype(arrays, spec.diff_mask, out.dtype))
    if not (any_rg and (not MODES_CHANGED[0] or STATE.grad)):
        return wrap(out)
    return make_node(spec, inputs, arrays, statics, out, cast_to)


def _apply1(spec, x, statics=()):
    """`apply` for a primitive of one differentiable input (`np.sin`, `np.sum`)."""
    if not statics:
        return spec.call(x)
    if not isinstance(x, Tensor):
        return wrap(_asarray(call_quiet(spec.run, x, *statics)))
    return _unary(spec, x, statics)


def _apply2(spec, x, y, statics=()):
    """`apply` for a primitive of two differentiable inputs (`x * y`, `x @ y`)."""
    if not statics:
        return spec.call(x, y)
    return _binary(spec, x, y, statics)


def _name_arg(v, a):
    """What a grad_fn chooser sees of an input: a Tensor's value as an array (a 0-d Tensor
    may hold a NumPy scalar, which a chooser would take for a Python number), anything else
    as given."""
    if isinstance(v, Tensor):
        return a if type(a) is _ndarray else _asarray(a)
    return v


def _unary(spec, x, statics):
    """One differentiable Tensor input, any statics (the general form of `_unary_call`)."""
    xa = x._v
    if type(xa) is not _ndarray and not spec.scalar:
        xa = x._data
    try:
        out = spec.quiet(spec.run, xa, *statics)
    except RuntimeError as error:
        if not busy(error):
            raise
        out = call_quiet(spec.run, xa, *statics)
    to = type(out)
    if to is not _ndarray and (to not in _SCALARS or not spec.scalar):
        out = _asarray(out)
    if out.dtype != xa.dtype:
        out = _fix_float(out, (xa,)) if xa.dtype.kind != "f" else _same_float(out, xa.dtype)
    if not (x._rg and (not MODES_CHANGED[0] or STATE.grad)):
        return wrap(out)
    fns, _core, _summed_fns, save_out, sx, _sy = spec.records[2]
    return _record1(spec, x, xa, out, statics, fns, save_out, sx,
                    spec.cls or spec.node_cls((_name_arg(x, xa),), statics))


def _record1(spec, x, xa, out, statics, fns, save_out, sx, cls):
    node = PlainNode()
    node._cls = cls
    t = _new(Tensor)
    t._v = out
    t._rg = True
    t._grad = None
    t._grad_fn = node
    vc = t._vc = [0]
    t._nr = 0
    t._acc = None
    t._extra = None
    if sx:
        extra = x._extra
        if extra is not None and extra.get("inference"):
            raise _inference_saved_error()
        xvc = x._vc
        if save_out:
            node._saved = (1, x, xvc, xvc[0], 0, None, vc, 0)
            args = (out, xa, out.shape, xa.shape)
        else:
            node._saved = (1, x, xvc, xvc[0])
            args = (None, xa, out.shape, xa.shape)
    elif save_out:
        node._saved = (0, None, vc, 0)
        args = (out, None, out.shape, xa.shape)
    else:
        node._saved = None
        args = (None, None, out.shape, xa.shape)
    node._fns = fns
    node._args = args + statics if statics else args
    f = x._grad_fn
    if f is None:
        ref = x._acc
        f = ref() if ref is not None else None
        if f is None:
            f = acc_node(x)
    node._nrs = (x._nr,) if x._nr else None
    node._next = (f,)
    node._dtypes = None
    node._prim = spec.prim
    node._pre_hooks = None
    node._seq = _next_seq()
    if STATE_ANOMALY[0]:
        from ..autograd.anomaly_mode import record_trace
        record_trace(node)
    return t


def _make_unary_call(spec):
    """`call(x)` for a primitive of one differentiable input and no statics, with everything
    that depends only on the primitive bound once (what `np.sin(t)` and `t.exp()` run)."""
    run = spec.run
    scalar = spec.scalar
    prim = spec.prim
    cls = spec.cls
    plain = PlainNode
    fns, _core, _summed_fns, save_out, sx, _sy = spec.records[2]
    # the shapes are passed only when the rule reads them (sin's does not: no tuples to make)
    shapes = _reads_shapes(fns)
    quiet = spec.quiet
    state = STATE
    modes = MODES_CHANGED

    def call(x):
        if not isinstance(x, Tensor):
            return wrap(_asarray(call_quiet(run, x)))
        xa = x._v
        if type(xa) is not _ndarray and not scalar:
            xa = x._data
        try:
            out = quiet(run, xa)
        except RuntimeError as error:
            if not busy(error):
                raise
            out = call_quiet(run, xa)
        to = type(out)
        if to is not _ndarray and (not scalar or to not in _SCALARS):
            out = _asarray(out)
        od = out.dtype
        if od is not xa.dtype and od != xa.dtype:
            out = _fix_float(out, (xa,)) if xa.dtype.kind != "f" else _same_float(out, xa.dtype)
        if not (x._rg and (not modes[0] or state.grad)):
            t = _new(Tensor)
            t._v = out
            t._rg = False
            t._grad = None
            t._grad_fn = None
            t._vc = [0]
            t._nr = 0
            t._acc = None
            t._extra = {"inference": True} if modes[0] and state.inference else None
            return t
        node = plain()
        node._cls = cls or spec.node_cls((_name_arg(x, xa),), ())
        t = _new(Tensor)
        t._v = out
        t._rg = True
        t._grad = None
        t._grad_fn = node
        vc = t._vc = [0]
        t._nr = 0
        t._acc = None
        t._extra = None
        if shapes:
            zs = out.shape
            xs = xa.shape
        else:
            zs = xs = None
        if sx:
            extra = x._extra
            if extra is not None and extra.get("inference"):
                raise _inference_saved_error()
            xvc = x._vc
            if save_out:
                node._saved = (1, x, xvc, xvc[0], 0, None, vc, 0)
                node._args = (out, xa, zs, xs)
            else:
                node._saved = (1, x, xvc, xvc[0])
                node._args = (None, xa, zs, xs)
        elif save_out:
            node._saved = (0, None, vc, 0)
            node._args = (out, None, zs, xs)
        else:
            node._saved = None
            node._args = (None, None, zs, xs)
        node._fns = fns
        f = x._grad_fn
        if f is None:
            ref = x._acc
            f = ref() if ref is not None else None
            if f is None:
                f = acc_node(x)
        node._nrs = (x._nr,) if x._nr else None
        node._next = (f,)
        node._dtypes = None
        node._prim = prim
        node._pre_hooks = None
        node._seq = _next_seq()
        if STATE_ANOMALY[0]:
            from ..autograd.anomaly_mode import record_trace
            record_trace(node)
        return t
    return call


def _summed(core_fn, slot):
    """The rule `unbroadcast(core_fn(g, ...), shape)` for the input whose shape is `args[slot]`,
    summing arrays with one ufunc call (`sum_to`)."""
    if core_fn is None:
        return None
    if core_fn is identity_rule:
        def rule(g, *args):
            return sum_to(g, args[slot])
    else:
        def rule(g, *args):
            return sum_to(core_fn(g, *args), args[slot])
    rule.__name__ = f"summed_{getattr(core_fn, '__name__', 'rule')}"
    SUMMED_RULES[rule] = (core_fn, slot)
    return rule


# summed rule -> (its core rule, the slot of the input's shape): what the engine needs to sum a
# leaf's contributions before reducing them (`Unreduced`)
SUMMED_RULES = {}


class Unreduced:
    """A leaf's gradient not yet summed down to the leaf's shape: the sum of the contributions
    of broadcasting nodes (a bias `b` in `x @ W + b`, added at every step of a loop), each the
    core rule's output of the broadcast shape. The engine's newest-first walk keeps these in
    the leaf's buffer slot, adds them up in place, and reduces once (`finish`) when the leaf's
    node runs, instead of one reduction per contribution. Anything else meeting one (a
    gradient of the leaf's own shape, the counted walk) finishes it first."""

    __slots__ = ("value", "shape", "owned")
    __array_ufunc__ = None      # `array + unreduced` comes to `__radd__`

    def __init__(self, value, shape):
        self.value = value
        self.shape = shape
        self.owned = False      # `value` may be another edge's gradient: copy before adding

    def finish(self):
        """The gradient summed down to the leaf's shape."""
        return sum_to(self.value, self.shape)

    def __add__(self, other):
        if type(other) is Unreduced:
            return self.add(other.value, other.shape)
        return self.finish() + other

    def add(self, value, shape):
        """`self + Unreduced(value, shape)` (the engine calls it with a core rule's output,
        making no Unreduced for it): into `self` when the contributions are arrays of one
        shape and dtype (in place once the sum is its own), else reduced and added."""
        a = self.value
        if shape == self.shape and type(a) is _ndarray and type(value) is _ndarray \
                and a.shape == value.shape and ((ad := a.dtype) is value.dtype
                                                or ad == value.dtype):
            if self.owned:
                a += value
            else:
                self.value = a + value
                self.owned = True
            return self
        return self.finish() + sum_to(value, shape)

    def __radd__(self, other):
        return other + self.finish()


_add_reduce = np.add.reduce


def sum_to(g, shape):
    """`helpers.unbroadcast(g, shape)` for an ndarray `g` broadcast from `shape`, without
    NumPy's Python-level wrappers; anything else (a Tensor under create_graph) goes to
    `unbroadcast` itself, so that its operations are recorded as usual."""
    if type(g) is not _ndarray:
        return _unbroadcast(g, shape)
    gshape = g.shape
    if gshape == shape:
        return g[()] if shape == () else g
    key = (gshape, shape)
    axes = _SUM_AXES.get(key)
    if axes is None:
        lead = len(gshape) - len(shape)
        inner = tuple([i + lead for i, n in enumerate(shape)
                       if n == 1 and gshape[i + lead] != 1])
        # (axes, keepdims): the leading axes alone drop; with inner ones, keep and reshape
        axes = (tuple(range(lead)) + inner, bool(inner))
        if len(_SUM_AXES) > 512:
            _SUM_AXES.clear()
        _SUM_AXES[key] = axes
    if not axes[1]:
        return _add_reduce(g, axes[0]) if axes[0] else g
    r = _add_reduce(g, axes[0], None, None, True)
    r = r.reshape(shape)
    return r[()] if shape == () else r


_SUM_AXES = {}      # (gradient shape, input shape) -> (axes, keepdims) of `sum_to`


def _reads_shapes(fns):
    """Whether any of these lowered rules reads a shape parameter (`x_shape`)."""
    for f in fns:
        if f is not None and f is not identity_rule:
            code = f.__code__
            params = code.co_varnames[:code.co_argcount]
            body = {ins.argval for ins in dis.get_instructions(code)
                    if ins.opname in ("LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_DEREF")}
            if any(p.endswith("_shape") and p in body for p in params):
                return True
    return False


def _fast_pair(xa, ya, tx, ty):
    """Whether `xa` and `ya` need no promotion: the same floating dtype, or a floating array
    or NumPy scalar with a Python number."""
    if tx is _ndarray:
        if ty is _ndarray:
            k = xa.dtype
            return (k is ya.dtype or k == ya.dtype) and k.kind == "f"
        if ty is float or ty is int:
            return xa.dtype.kind == "f"
        return ty in _FSCALARS and xa.dtype == ya.dtype
    if tx in _FSCALARS:
        if ty is tx or ty is float or ty is int:
            return True
        return ty is _ndarray and xa.dtype == ya.dtype
    if tx is float or tx is int:
        if ty is _ndarray:
            return ya.dtype.kind == "f"
        return ty in _FSCALARS
    return False


def _make_binary_call(spec):
    """`call(x, y)` for a primitive of two differentiable inputs and no statics (what `x * y`,
    `np.add(x, y)` and `x @ y` run): the general path of `_binary` with the primitive's
    constants bound and the common case (same floating dtype) first."""
    run = spec.run
    op = spec.op or _FAST_RUN.get(run, run)
    scalar = spec.scalar
    counts = spec.counts_scalars
    prim = spec.prim
    cls = spec.cls
    plain = PlainNode
    rec_ft, rec_tf, rec_tt = spec.records[1], spec.records[2], spec.records[3]
    quiet = spec.quiet
    state = STATE
    modes = MODES_CHANGED
    fast_pair = _fast_pair
    f64 = _F64
    f32 = _F32
    # grad_fn classes chosen per input kind (a number's type, or an array's shape and dtype):
    # the shipped choosers (`rules/naming.py`) look at nothing else; a user-declared
    # primitive's chooser runs on every call
    names = {}
    cache_names = not getattr(prim, "user", False)
    by_ndim = cache_names and bool(getattr(prim.grad_fn, "by_ndim", False))

    def call(x, y):
        if (type(x) is Tensor and type(y) is Tensor and type(xa := x._v) is _ndarray
                and type(ya := y._v) is _ndarray and ((k := xa.dtype) is ya.dtype or
                                                      k == ya.dtype)
                and (k is f64 or k is f32 or k.kind == "f")
                and ((xs := xa.shape) and (ys := ya.shape) if scalar
                     else ((xs := xa.shape), (ys := ya.shape)))):
            # the common case in one test: two Tensors holding arrays of one floating dtype
            # (for a ufunc, not 0-d: those compute as NumPy scalars below). An ndarray's
            # attributes are read the slow way (no specialisation), its shape made anew:
            # each is read once
            xr = x._rg
            yr = y._rg
            xt = yt = fast = True
            tx = ty = _ndarray
        else:
            if isinstance(x, Tensor):
                xa = x._v
                xr = x._rg
                xt = True
            else:
                xa = x
                xr = False
                xt = False
            if isinstance(y, Tensor):
                ya = y._v
                yr = y._rg
                yt = True
            else:
                ya = y
                yr = False
                yt = False
            tx = type(xa)
            ty = type(ya)
            if scalar:
                # a 0-d array computes as a NumPy scalar, ten times faster, with the same value
                if tx is _ndarray and not xa.ndim:
                    xa = xa[()]
                    tx = type(xa)
                if ty is _ndarray and not ya.ndim:
                    ya = ya[()]
                    ty = type(ya)
            else:
                if xt and tx is not _ndarray:
                    xa = x._data
                    tx = _ndarray
                if yt and ty is not _ndarray:
                    ya = y._data
                    ty = _ndarray
            if tx is _ndarray and ty is _ndarray:
                k = xa.dtype
                fast = (k is ya.dtype or k == ya.dtype) and k.kind == "f"
            else:
                fast = (tx is ty and tx in _FSCALARS) or fast_pair(xa, ya, tx, ty)
            if fast:
                xs = xa.shape if xt or tx is _ndarray else ()
                ys = ya.shape if yt or ty is _ndarray else ()
        if fast:
            try:
                out = quiet(op, xa, ya)
            except RuntimeError as error:
                if not busy(error):
                    raise
                out = call_quiet(op, xa, ya)
            except ValueError as error:
                raise broadcast_error(error, (xa, ya)) from None
            to = type(out)
            if to is not _ndarray and (not scalar or to not in _SCALARS):
                out = _asarray(out)
        else:
            return _binary(spec, x, y, ())
        if not ((xr or yr) and (not modes[0] or state.grad)):
            t = _new(Tensor)
            t._v = out
            t._rg = False
            t._grad = None
            t._grad_fn = None
            t._vc = [0]
            t._nr = 0
            t._acc = None
            t._extra = {"inference": True} if modes[0] and state.inference else None
            return t
        fns, core, summed, save_out, sx, sy = (rec_tt if yr else rec_tf) if xr else rec_ft
        if core is None:
            zs = out.shape
        elif xs == ys:
            # a broadcasting primitive of two inputs of one shape: the output's too, and the
            # rules need no `unbroadcast`
            zs = xs
            fns = core
        else:
            # the rules without `unbroadcast`, or with a quicker one where a shape differs
            zs = out.shape
            if not xr or xs == zs:
                fns = core if not yr or ys == zs else summed[1]
            else:
                fns = summed[0] if not yr or ys == zs else summed[2]
        node = plain()
        if cls is not None:
            node._cls = cls
        else:
            # the chooser's name, cached by what it sees of each input: an array's shape and
            # dtype (a Tensor's value is an array to it), or the type of anything else
            # (a chooser that reads only the inputs' ndim, as matmul's, by the two ndims)
            if by_ndim and xt and yt:
                key = len(xs) * 65 + len(ys)
            else:
                key = ((xs, xa.dtype) if xt else (x.shape, x.dtype) if type(x) is _ndarray
                       else type(x),
                       (ys, ya.dtype) if yt else (y.shape, y.dtype) if type(y) is _ndarray
                       else type(y))
            ncls = names.get(key)
            if ncls is None:
                ncls = spec.node_cls((_name_arg(x, xa), _name_arg(y, ya)), ())
                if cache_names:
                    if len(names) > 256:
                        names.clear()
                    names[key] = ncls
            node._cls = ncls
        t = _new(Tensor)
        t._v = out
        t._rg = True
        t._grad = None
        t._grad_fn = node
        vc = t._vc = [0]
        t._nr = 0
        t._acc = None
        t._extra = None
        if sx and xt:
            extra = x._extra
            if extra is not None and extra.get("inference"):
                raise _inference_saved_error()
            xvc = x._vc
            if sy and yt:
                extra = y._extra
                if extra is not None and extra.get("inference"):
                    raise _inference_saved_error()
                yvc = y._vc
                saved = (1, x, xvc, xvc[0], 2, y, yvc, yvc[0])
            else:
                saved = (1, x, xvc, xvc[0])
        elif sy and yt:
            extra = y._extra
            if extra is not None and extra.get("inference"):
                raise _inference_saved_error()
            yvc = y._vc
            saved = (2, y, yvc, yvc[0])
        elif (sx and (tx is _ndarray or counts)) or (sy and (ty is _ndarray or counts)):
            saved = ()
        else:
            saved = None
        if save_out:
            saved = (0, None, vc, 0) if saved is None else saved + (0, None, vc, 0)
        node._saved = saved
        node._args = (out if save_out else None, xa if sx else None, ya if sy else None,
                      zs, xs, ys)
        node._fns = fns
        if xr:
            ex = x._grad_fn
            if ex is None:
                ref = x._acc
                ex = ref() if ref is not None else None
                if ex is None:
                    ex = acc_node(x)
            xn = x._nr
        else:
            ex = None
            xn = 0
        if yr:
            ey = y._grad_fn
            if ey is None:
                ref = y._acc
                ey = ref() if ref is not None else None
                if ey is None:
                    ey = acc_node(y)
            yn = y._nr
        else:
            ey = None
            yn = 0
        node._nrs = (xn, yn) if xn or yn else None
        node._next = (ex, ey)
        node._dtypes = None
        node._prim = prim
        node._pre_hooks = None
        node._seq = _next_seq()
        if STATE_ANOMALY[0]:
            from ..autograd.anomaly_mode import record_trace
            record_trace(node)
        return t
    return call


def _binary(spec, x, y, statics):
    """Two differentiable inputs, any statics, any dtypes (promoted as PyTorch does)."""
    if isinstance(x, Tensor):
        xa = x._v
        xr = x._rg
        xt = True
    else:
        xa = x
        xr = False
        xt = False
    if isinstance(y, Tensor):
        ya = y._v
        yr = y._rg
        yt = True
    else:
        ya = y
        yr = False
        yt = False
    tx = type(xa)
    ty = type(ya)
    scalar = spec.scalar
    if scalar:
        if tx is _ndarray and not xa.ndim:
            xa = xa[()]
            tx = type(xa)
        if ty is _ndarray and not ya.ndim:
            ya = ya[()]
            ty = type(ya)
    else:
        if xt and tx is not _ndarray:
            xa = x._data
            tx = _ndarray
        if yt and ty is not _ndarray:
            ya = y._data
            ty = _ndarray
    fast = _fast_pair(xa, ya, tx, ty)
    cast_to = None
    if not fast:
        (xa, ya), cast_to = _promote([xa, ya], spec.diff_mask)
    fn = spec.op if fast and spec.op is not None else spec.run
    try:
        out = spec.quiet(fn, xa, ya, *statics)
    except RuntimeError as error:
        if not busy(error):
            raise
        out = call_quiet(fn, xa, ya, *statics)
    except ValueError as error:
        raise broadcast_error(error, (xa, ya)) from None
    to = type(out)
    if to is not _ndarray and (to not in _SCALARS or not scalar):
        out = _asarray(out)
    if not fast:
        out = _fix_float(out, (xa, ya))
    if not ((xr or yr) and (not MODES_CHANGED[0] or STATE.grad)):
        return wrap(out)
    if cast_to is not None:
        return make_node(spec, (x, y), [xa, ya], statics, out, cast_to,
                         names=(_name_arg(x, xa), _name_arg(y, ya)))
    fns, _core, _summed_fns, save_out, sx, sy = spec.records[(2 if xr else 0) + (1 if yr else 0)]
    node = PlainNode()
    node._cls = spec.cls or spec.node_cls((_name_arg(x, xa), _name_arg(y, ya)), statics)
    t = _wrap_result(out, node)
    vc = t._vc
    saved = None
    if sx:
        if xt:
            saved = [(1, x, x._vc, x._vc[0])]
        elif tx is _ndarray or spec.counts_scalars:
            saved = []
    if sy:
        if yt:
            if saved is None:
                saved = []
            saved.append((2, y, y._vc, y._vc[0]))
        elif saved is None and (ty is _ndarray or spec.counts_scalars):
            saved = []
    if save_out:
        if saved is None:
            saved = []
        saved.append((0, None, vc, 0))
    if saved:
        for rec in saved:
            t_ = rec[1]
            if t_ is not None and t_._extra is not None and t_._extra.get("inference"):
                raise _inference_saved_error()
    args = (out if save_out else None, xa if sx else None, ya if sy else None, out.shape,
            xa.shape if xt or tx is _ndarray else (), ya.shape if yt or ty is _ndarray else ())
    node._fns = fns
    node._args = args + statics if statics else args
    node._next = (_edge(x) if xr else None, _edge(y) if yr else None)
    xn = x._nr if xr else 0
    yn = y._nr if yr else 0
    node._nrs = (xn, yn) if xn or yn else None
    node._saved = flat_records(saved)
    node._dtypes = None
    node._prim = spec.prim
    node._pre_hooks = None
    node._seq = _next_seq()
    if STATE_ANOMALY[0]:
        from ..autograd.anomaly_mode import record_trace
        record_trace(node)
    return t


def _edge(v):
    """The node a gradient for Tensor `v` flows to."""
    f = v._grad_fn
    return f if f is not None else acc_node(v)


def flat_records(saved):
    """`_saved` from a list of (slot, tensor, version counter, version) records: one flat tuple
    (None when nothing was saved, `()` when only values that are not Tensors were)."""
    if saved is None:
        return None
    flat = ()
    for rec in saved:
        flat += rec
    return flat


def records(saved):
    """The (slot, tensor, version counter, version) records of a node's `_saved`."""
    if not saved:
        return ()
    it = iter(saved)
    return tuple(zip(it, it, it, it))


def _multi_result(spec, inputs, arrays, statics, outs, any_rg):
    """A primitive with several outputs (`np.split`): a tuple of Tensors, outputs k of one node."""
    outs = [o if type(o) is _ndarray else _asarray(o) for o in outs]
    if not (any_rg and (not MODES_CHANGED[0] or STATE.grad)):
        return tuple(wrap(o) for o in outs)
    n = spec.n
    needs = tuple([isinstance(v, Tensor) and v._rg for v in inputs])
    fns, save_out, save_in = spec.for_needs(needs)
    node = _new(_multi_class(spec.node_cls(arrays, statics)))
    node._nout = len(outs)
    results = []
    for k, o in enumerate(outs):
        r = _wrap_result(o, node)
        r._nr = k
        results.append(r)
    args = [None] * (2 * n + 2)
    saved = None
    nxt = []
    nrs = []
    for i, v in enumerate(inputs):
        a = arrays[i]
        args[n + 2 + i] = getattr(a, "shape", ())
        if save_in[i]:
            args[i + 1] = a
            saved = saved or []
            if isinstance(v, Tensor):
                saved.append((i + 1, v, v._vc, v._vc[0]))
        if needs[i]:
            nxt.append(v._grad_fn or acc_node(v))
            nrs.append(v._nr)
        else:
            nxt.append(None)
            nrs.append(0)
    args[n + 1] = tuple(o.shape for o in outs)
    if save_out:
        args[0] = list(outs)
        saved = saved or []
        for r in results:
            saved.append((-2, None, r._vc, 0))
    node._fns = fns
    node._args = tuple(args) + tuple(statics)
    node._next = tuple(nxt)
    node._nrs = tuple(nrs) if any(nrs) else None
    node._saved = flat_records(saved)
    node._dtypes = None
    node._prim = spec.prim
    node._pre_hooks = None
    node._seq = _next_seq()
    node._out_dtypes = tuple(o.dtype for o in outs)
    return tuple(results)


_MULTI_CLASSES = {}


def _multi_class(base):
    cls = _MULTI_CLASSES.get(base)
    if cls is None:
        cls = _MULTI_CLASSES[base] = type(base.__name__, (base,),
                                          {"__slots__": ("_nout", "_out_dtypes")})
        cls.__module__ = "builtins"
    return cls


def _counts(v, spec):
    """Whether a saved non-Tensor value counts as a saved tensor (PyTorch wraps numbers and
    arrays in tensors and saves them; an index tuple is not a tensor)."""
    if isinstance(v, _ndarray):
        return True
    return spec.counts_scalars and isinstance(v, (int, float, complex, _generic))


def make_node(spec, inputs, arrays, statics, out, cast_to=None, names=None):
    """Record the backward node of a call whose result array is `out`; return the result Tensor.
    `names`: what the grad_fn chooser sees of the inputs, when not `arrays`."""
    n = spec.n
    needs = tuple([isinstance(v, Tensor) and v._rg for v in inputs])
    fns, save_out, save_in = spec.for_needs(needs)
    node = PlainNode()
    node._cls = spec.node_cls(arrays if names is None else names, statics)
    result = _wrap_result(out, node)
    saved = None
    args = [None] * (2 * n + 2)
    nxt = [None] * n
    nrs = None
    for i in range(n):
        v = inputs[i]
        a = arrays[i]
        args[n + 2 + i] = getattr(a, "shape", ())
        if save_in[i]:
            args[i + 1] = a
            if isinstance(v, Tensor):
                if saved is None:
                    saved = []
                extra = v._extra
                if extra is not None and extra.get("inference"):
                    raise _inference_saved_error()
                saved.append((i + 1, v, v._vc, v._vc[0]))
            elif saved is None and _counts(a, spec):
                saved = []
        if needs[i]:
            f = v._grad_fn
            if f is None:
                nxt[i] = acc_node(v)
            else:
                nxt[i] = f
                if v._nr:
                    if nrs is None:
                        nrs = [0] * n
                    nrs[i] = v._nr
    args[n + 1] = out.shape
    if save_out:
        args[0] = out
        if saved is None:
            saved = []
        saved.append((0, None, result._vc, 0))
    node._fns = fns
    node._args = tuple(args) + statics if statics else tuple(args)
    node._next = tuple(nxt)
    node._nrs = None if nrs is None else tuple(nrs)
    node._saved = flat_records(saved)
    node._dtypes = None
    if cast_to is not None:
        node._dtypes = tuple(v._data.dtype if isinstance(v, Tensor) and v._data.dtype != cast_to
                             else None for v in inputs)
    node._prim = spec.prim
    node._pre_hooks = None
    node._seq = _next_seq()
    if STATE_ANOMALY[0]:
        from ..autograd.anomaly_mode import record_trace
        record_trace(node)
    return result


STATE_ANOMALY = [False]


def _inference_saved_error():
    return GradientError(
        "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
        "inference mode in computation tracked by autograd. To work around this, you can make a "
        "clone to get a normal tensor and use it in autograd, or use `tg.no_grad()` instead of "
        "`tg.inference_mode()`.")


def _apply_seq(spec, inputs, statics):
    """Primitives with a sequence input (`cat`, `stack`): each element is its own edge."""
    prim = spec.prim
    flat_inputs = []
    layout = []
    for i, v in enumerate(inputs):
        if i in spec.seq:
            items = list(v)
            layout.append(len(items))
            flat_inputs.extend(items)
        else:
            layout.append(None)
            flat_inputs.append(v)
    any_rg = any(isinstance(v, Tensor) and v._rg for v in flat_inputs)
    # promote the elements of the sequence together
    flat_arrays = [v._data if isinstance(v, Tensor) else v for v in flat_inputs]
    if len(flat_arrays) > 1:
        flat_arrays, cast_to = _promote(flat_arrays, (True,) * len(flat_arrays))
    else:
        cast_to = None
    arrays = []
    k = 0
    for count in layout:
        if count is None:
            arrays.append(flat_arrays[k])
            k += 1
        else:
            arrays.append(list(flat_arrays[k:k + count]))
            k += count
    out = call_quiet(spec.run, *arrays, *statics)
    if type(out) is not _ndarray:
        out = _asarray(out)
    if not (any_rg and (not MODES_CHANGED[0] or STATE.grad)):
        return wrap(out)
    node_cls = spec.node_cls(arrays, statics)
    node = _new(_seq_class(node_cls))
    needs_in = tuple(
        (any(isinstance(e, Tensor) and e._rg for e in v) if i in spec.seq
         else isinstance(v, Tensor) and v._rg) for i, v in enumerate(inputs))
    fns, save_out, save_in = spec.for_needs(needs_in)
    result = _wrap_result(out, node)
    n = spec.n
    args = [None] * (2 * n + 2)
    saved = None
    for i, v in enumerate(inputs):
        a = arrays[i]
        args[n + 2 + i] = tuple(np.shape(e) for e in a) if i in spec.seq else getattr(a, "shape", ())
        if save_in[i]:
            args[i + 1] = a
            saved = saved or []
            for e in (v if i in spec.seq else (v,)):
                if isinstance(e, Tensor):
                    saved.append((-1, e, e._vc, e._vc[0]))
    args[n + 1] = out.shape
    if save_out:
        args[0] = out
        saved = saved or []
        saved.append((0, None, result._vc, 0))
    nxt = []
    nrs = []
    dts = []
    for v in flat_inputs:
        if isinstance(v, Tensor) and v._rg:
            nxt.append(v._grad_fn if v._grad_fn is not None else acc_node(v))
            nrs.append(v._nr)
            dts.append(v._data.dtype if cast_to is not None and v._data.dtype != cast_to else None)
        else:
            nxt.append(None)
            nrs.append(0)
            dts.append(None)
    node._fns = fns
    node._args = tuple(args) + tuple(statics)
    node._next = tuple(nxt)
    node._nrs = tuple(nrs) if any(nrs) else None
    node._saved = flat_records(saved)
    node._dtypes = tuple(dts) if any(d is not None for d in dts) else None
    node._prim = prim
    node._pre_hooks = None
    node._seq = _next_seq()
    node._layout = tuple(layout)
    node._inputs_ref = tuple(flat_inputs)
    return result


class _SeqNode:
    """Marker base for nodes whose `_fns` produce lists for sequence inputs."""
    __slots__ = ()


_SEQ_CLASSES = {}


def _seq_class(base):
    cls = _SEQ_CLASSES.get(base)
    if cls is None:
        cls = _SEQ_CLASSES[base] = type(base.__name__, (base, _SeqNode), {"__slots__": ("_layout", "_inputs_ref")})
        cls.__module__ = "builtins"
    return cls


def seq_grads(node, fns, g, args, graph):
    """Per flattened edge, the gradient of a sequence node."""
    grads = []
    for i, count in enumerate(node._layout):
        fn = fns[i]
        if count is None:
            grads.append(None if fn is None else fn(g, *args))
        else:
            if fn is None:
                grads.extend([None] * count)
            else:
                parts = fn(g, *args)
                grads.extend(list(parts))
    return grads


# -- non-differentiable primitives -------------------------------------------------------------

def _unwrap(v):
    if isinstance(v, Tensor):
        return v._data
    if isinstance(v, (list, tuple)) and any(isinstance(e, Tensor) for e in v):
        return type(v)(_unwrap(e) for e in v)
    return v


def wrap_any(r):
    if isinstance(r, _ndarray):
        return wrap(r)
    if isinstance(r, _generic):
        return wrap(_asarray(r))
    if isinstance(r, tuple):
        return tuple(wrap_any(e) for e in r)
    if isinstance(r, list):
        return [wrap_any(e) for e in r]
    return r


def apply_nondiff(prim, args, kwargs):
    """Run a non-differentiable primitive: Tensors in, constant Tensors out (no node)."""
    args = tuple(_unwrap(a) for a in args)
    if kwargs:
        kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
    with np.errstate(all="ignore"):
        return wrap_any(prim.impl(*args, **kwargs))


def dispatch(prim, inputs, statics):
    """The function registered with the registry: differentiable or not."""
    if prim.differentiable:
        return apply(prim, inputs, statics)
    return apply_nondiff(prim, inputs, statics)


# -- in-place -----------------------------------------------------------------------------------

def check_inplace(t):
    """PyTorch's checks before modifying `t` in place (leaf / view of a leaf / inference)."""
    extra = t._extra
    if extra is not None:
        if extra.get("inference") and not STATE.inference:
            raise GradientError(
                "Inplace update to inference tensor outside InferenceMode is not allowed.You can "
                "make a clone to get a normal tensor before doing inplace update.See "
                "https://github.com/pytorch/rfcs/pull/17 for more details.")
        base = extra.get("base")
        if base is not None and STATE.grad and base._rg and base._grad_fn is None:
            raise GradientError("a view of a leaf Variable that requires grad is being used in an "
                                "in-place operation.")
    if STATE.grad and t._rg and t._grad_fn is None:
        raise GradientError("a leaf Variable that requires grad is being used in an in-place "
                            "operation.")


def _check_view_rebase(t):
    extra = t._extra
    if extra is not None:
        base = extra.get("base")
        if base is not None and (base._rg or t._rg):
            from ..errors import NotSupportedError
            raise NotSupportedError(
                "transgrad does not yet record in-place operations on a view of a tensor that "
                "requires grad (the base's history would have to be rewritten); write "
                "`base[index] = new_value` or use the out-of-place operation instead.")


def apply_inplace(prim, t, inputs, statics):
    """`t.op_(...)`: compute `prim(*inputs, *statics)` (where `inputs[0] is t`), write the result
    into `t`'s array, bump its version, and (when recording) make `t` the output of a new node."""
    check_inplace(t)
    spec = _SPECS.get(prim) or spec_of(prim)
    arrays = [v._data if isinstance(v, Tensor) else v for v in inputs]
    recording = STATE.grad and any(isinstance(v, Tensor) and v._rg for v in inputs)
    if recording:
        _check_view_rebase(t)
    if spec.promote:
        arrays, _cast = _promote(arrays, spec.diff_mask)
    out = _asarray(call_quiet(spec.run, *arrays, *statics))
    if out.dtype.kind == "f":
        out = _fix_float(out, arrays)
    data = t._data
    if out.shape != data.shape:
        raise GradientError(f"output with shape {list(data.shape)} doesn't match the broadcast "
                            f"shape {list(np.broadcast_shapes(data.shape, out.shape))}")
    if out.dtype != data.dtype and not np.can_cast(out.dtype, data.dtype, "same_kind"):
        raise GradientError(f"result type {_dt.from_numpy_dtype(out.dtype)._scalar_name} can't be "
                            f"cast to the desired output type "
                            f"{_dt.from_numpy_dtype(data.dtype)._scalar_name}")
    if recording:
        needs = tuple(isinstance(v, Tensor) and v._rg for v in inputs)
        _fns, _save_out, save_in = spec.for_needs(needs)
        if save_in[0]:
            # the rule reads the old value of t: keep a copy (it is about to be overwritten)
            old = wrap(data.copy())
            old._rg = t._rg
            old._grad_fn = t._grad_fn
            old._nr = t._nr
            if t._rg and t._grad_fn is None:
                old._acc = t._acc
            inputs = (old,) + tuple(inputs[1:])
            arrays[0] = old._data
        # the edge to t's current history must be taken before t is rebased
        r = make_node(spec, inputs, arrays, statics, data, None)
        node = r._grad_fn
        if node._saved:
            node._saved = flat_records(
                [(s, tt, (t._vc if s == 0 else vc), (t._vc[0] + 1 if s == 0 else ver))
                 for s, tt, vc, ver in records(node._saved)])
        if data.dtype != out.dtype:
            node._dtypes = None
        data[...] = out
        t._vc[0] += 1
        t._grad_fn = node
        t._rg = True
        t._nr = 0
        return t
    data[...] = out
    t._vc[0] += 1
    return t
