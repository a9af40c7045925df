"""Forward mode and whole derivative matrices: `tg.jvp`, `tg.jacobian`, `tg.hessian`.

- `tg.jvp(f, primals, tangents)` runs the forward-mode function generated for f
  (`forward.py`): one pass computing f's result and its directional derivative, no tape.
- `tg.jacobian(f, argnums, mode)` builds the Jacobian (shape `out.shape + in.shape`, JAX's
  convention) from the input basis vectors pushed forward (forward mode) or the output
  basis vectors pulled back through one recorded forward pass (reverse mode). The
  generated code is linear in its seeds and written with NumPy calls, so all the seeds go
  through it at once, as one `batching.Batch` (a leading batch axis the NumPy protocols
  keep out of every shape question): one pass, whatever the number of seeds. Where the
  code does something the batch has no fact for, the batched pass fails loudly and
  the same compiled function runs once per seed instead (`vectorize=False` asks for that
  loop); it never recompiles.
- `tg.hessian(f, argnums)` is forward over reverse: the Jacobian, in forward mode, of
  `tg.grad(f)`: the forward-mode transform of f's generated gradient code, run on the
  batch of basis vectors, computes every Hessian-vector product in one pass.

Each generated function is cached per (code object, closure, positions, signature), as
`tg.grad` caches gradients.
"""
import types
import weakref

import numpy as np

from ..errors import TransgradError
from . import avals as A
from . import batching, runtime
from .higher import source_function
from .resolve import function_key
from .transform import generate

__all__ = ["jvp", "jacobian", "hessian", "forward_source", "JacobianFunction"]

_CACHE = {}


# -- compiled forward-mode functions ------------------------------------------------------

class _ForwardCompiled:
    __slots__ = ("fn", "tangent_params", "source", "line_map", "filename", "guard")

    def __init__(self, result):
        self.fn, self.tangent_params = result["fn"]
        self.source, self.line_map = result["source"], result["line_map"]
        self.filename = result["filename"]
        self.guard = result.get("guard")

    def current(self):
        """Whether the scope values it was generated from are unchanged (resolve.Guard)."""
        return self.guard is None or self.guard.holds()


def _forward_compiled(fn, args, positions):
    """The compiled forward-mode function of fn for args' signature, tangents at positions."""
    target = source_function(fn, args)
    if not hasattr(target, "__code__"):
        raise TransgradError(f"tg.jvp needs a Python function written with def, not "
                             f"{type(fn).__name__}")
    key = (*function_key(target), positions,
           tuple(map(A.signature_of, args)))
    compiled = _CACHE.get(key)
    if compiled is None or not compiled.current():
        result = generate(target, kind="jvp", wrt_positions=positions,
                          arg_avals=A.arg_avals(target, args),
                          label=f"jvp of {getattr(target, '__name__', 'f')}")
        compiled = _ForwardCompiled(result)
        _CACHE[key] = compiled
    try:
        _LAST.setdefault(fn, {})[positions] = compiled
    except TypeError:       # not weakly referenceable: no `tg.source` memory
        pass
    return compiled


# the last specialisation run per function and tangent positions, for `tg.source`
_LAST = weakref.WeakKeyDictionary()


def forward_source(fn, argnums=None):
    """The forward-mode source of fn, tangents for `argnums` (default: every positional
    parameter): of the last specialisation `tg.jvp` ran, else a generic (shape-agnostic)
    one."""
    import inspect
    target = source_function(fn)
    params = [p for p in inspect.signature(target).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if argnums is None:
        positions = tuple(range(len(params)))
    else:
        positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    try:
        last = _LAST.get(fn, {})
    except TypeError:
        last = {}
    hit = last.get(positions) or (last[max(last)] if argnums is None and last else None)
    if hit is not None:
        return hit.source
    return generate(target, kind="jvp", wrt_positions=positions, arg_avals=None,
                    label=f"jvp of {target.__name__}")["source"]


def _is_float_tree(v):
    if isinstance(v, bool) or isinstance(v, (int, np.integer)):
        return False
    if isinstance(v, (float, np.floating)):
        return True
    if isinstance(v, np.ndarray):
        return np.issubdtype(v.dtype, np.inexact)
    if isinstance(v, (list, tuple)):
        return bool(v) and all(_is_float_tree(e) for e in v)
    if isinstance(v, dict):
        return bool(v) and all(_is_float_tree(e) for e in v.values())
    return False


def _check_tangent(t, x, fname, where):
    if isinstance(x, (list, tuple)):
        if not isinstance(t, (list, tuple)) or len(t) != len(x):
            raise TransgradError(f"the tangent of {where} of {fname} must be a "
                                 f"{type(x).__name__} of {len(x)}, like the primal")
        return [_check_tangent(a, b, fname, f"{where}[{i}]") for i, (a, b) in enumerate(zip(t, x))]
    if isinstance(x, dict):
        if not isinstance(t, dict) or set(t) != set(x):
            raise TransgradError(f"the tangent of {where} of {fname} must be a dict with the "
                                 f"primal's keys")
        return {k: _check_tangent(t[k], x[k], fname, f"{where}[{k!r}]") for k in x}
    if np.shape(t) != np.shape(x):
        raise TransgradError(f"the tangent of {where} of {fname} has shape {np.shape(t)}, but "
                             f"the primal has shape {np.shape(x)}")
    if isinstance(t, np.ndarray):
        return t.astype(np.result_type(t.dtype, np.float64), copy=True)
    return float(t) if isinstance(t, (int, np.integer)) and not isinstance(t, bool) else t


def _run_forward(fn, primals, tangents_at):
    """(out, tangent of out) with {position: tangent}; the other arguments are constants."""
    positions = tuple(sorted(tangents_at))
    compiled = _forward_compiled(fn, primals, positions)
    kwargs = dict(zip(compiled.tangent_params, (tangents_at[p] for p in positions)))
    try:
        out, tangent = compiled.fn(*primals, **kwargs)
    except TransgradError:
        raise
    except batching.NotBatchable:      # a batch of tangents met a step it cannot take
        raise
    except Exception as err:  # noqa: BLE001 - re-raised with the user's line, chained
        from .api import _located
        raise _located(err, compiled, fn) from err
    return out, runtime.structured(tangent, out) if isinstance(out, (list, tuple, dict)) else tangent


def jvp(fn, primals, tangents):
    """`(fn(*primals), J @ tangents)`: forward mode, generated ahead of time from fn's source.

    primals and tangents are tuples of the same length; each tangent has its primal's
    structure and shapes. Arguments that are not floating point (ints, bools) are constants
    of the function; their tangents are ignored."""
    fname = getattr(fn, "__name__", "f")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TransgradError("tg.jvp(f, primals, tangents) takes the primals and the tangents "
                             "as tuples, e.g. tg.jvp(f, (x,), (v,))")
    if len(primals) != len(tangents):
        raise TransgradError(f"tg.jvp got {len(primals)} primals but {len(tangents)} tangents")
    tangents_at = {}
    for i, (x, t) in enumerate(zip(primals, tangents)):
        if _is_float_tree(x):
            tangents_at[i] = _check_tangent(t, x, fname, f"argument {i}")
    return _run_forward(fn, tuple(primals), tangents_at)


# -- Jacobians and Hessians -----------------------------------------------------------------

def _basis(x):
    """The unit tangents of a float or array argument, in C order."""
    if isinstance(x, np.ndarray):
        flat = np.zeros(x.size, dtype=np.result_type(x.dtype, np.float64))
        for k in range(x.size):
            flat[k] = 1.0
            yield flat.reshape(x.shape).copy()
            flat[k] = 0.0
    else:
        yield 1.0


def _shape(v):
    return np.shape(v)


def _copy_tape(value):
    """A copy of a vjp tape whose lists (stacks the backward pass pops) are fresh."""
    if isinstance(value, list):
        return [_copy_tape(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy_tape(v) for v in value)
    return value


class JacobianFunction:
    """What `tg.jacobian(f)` returns: call it like f."""

    def __init__(self, fn, argnums, mode, name="jacobian", vectorize=True):
        if mode not in ("reverse", "forward"):
            raise TransgradError(f"mode={mode!r}: tg.{name} computes Jacobians in mode "
                                 f"'reverse' or 'forward'")
        if isinstance(argnums, bool) or not isinstance(argnums, (int, tuple, list)):
            raise TransgradError(f"argnums must be an int or a tuple of ints, not {argnums!r}")
        self.fn, self.argnums, self.mode, self.name = fn, argnums, mode, name
        self.vectorize = bool(vectorize)
        self.__name__ = f"{name}_{getattr(fn, '__name__', 'f')}"
        self.__wrapped__ = fn

    def _positions(self, args):
        nums = (self.argnums,) if isinstance(self.argnums, int) else tuple(self.argnums)
        out = []
        for n in nums:
            if not -len(args) <= n < len(args):
                raise TransgradError(f"argnums={self.argnums!r} is out of range for "
                                     f"{len(args)} arguments")
            n %= len(args)
            x = args[n]
            if not (isinstance(x, (float, np.floating)) or (
                    isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.inexact))):
                raise TransgradError(
                    f"tg.{self.name} differentiates floats and floating-point arrays; argument "
                    f"{n} of {getattr(self.fn, '__name__', 'f')} is a {type(x).__name__}")
            out.append(n)
        return out

    def __call__(self, *args):
        positions = self._positions(args)
        if self.mode == "forward":
            blocks = [self._forward(args, p) for p in positions]
        else:
            blocks = self._reverse(args, positions)
        return blocks[0] if isinstance(self.argnums, int) else tuple(blocks)

    # Each derivative matrix is first computed in one pass with a batch of seeds
    # (batching.py); only where the generated code does something a batch cannot go through
    # does it fall back to one pass per seed. `batched` records which way the last call went
    # (and `fallback_reason` why), for tests and for the curious.
    batched = None
    fallback_reason = None

    def _forward(self, args, p):
        """Columns: one forward-mode pass with the batch of all basis vectors of argument p
        (else one pass per basis vector)."""
        x = args[p]
        size = int(np.size(x))
        if not self.vectorize:
            self.batched, self.fallback_reason = False, "vectorize=False"
            return self._forward_loop(args, p)
        try:
            seeds = batching.Batch(np.eye(size, dtype=_seed_dtype(x)).reshape((size,) + np.shape(x)))
            out, t = _run_forward(self.fn, args, {p: seeds})
            if isinstance(out, (tuple, list)):
                columns = [batching.unbatch(ti, size) for ti in t]
            else:
                columns = batching.unbatch(t, size)
            self.batched, self.fallback_reason = True, None
        except _BATCH_FAILURES as err:
            self.batched, self.fallback_reason = False, _reason(err)
            return self._forward_loop(args, p)
        if isinstance(out, (tuple, list)):
            return tuple(_assemble(np.moveaxis(c, 0, -1), o, x) for c, o in zip(columns, out))
        return _assemble(np.moveaxis(columns, 0, -1), out, x)

    def _forward_loop(self, args, p):
        columns, out = [], None
        for e in _basis(args[p]):
            out, t = _run_forward(self.fn, args, {p: e})
            columns.append(_as_output_array(t, out))
        if isinstance(out, (tuple, list)):
            return tuple(_assemble(np.stack([c[i] for c in columns], axis=-1), o, args[p])
                         for i, o in enumerate(out))
        return _assemble(np.stack(columns, axis=-1), out, args[p])

    def _reverse(self, args, positions):
        """Rows: one forward pass, then one backward pass with the batch of all output basis
        vectors (else one backward pass per output element)."""
        target = source_function(self.fn, args)
        compiled = _vjp_compiled(target, args, tuple(positions))
        forward, backward = (_located_calls(f, compiled, self.fn) for f in compiled["fn"])
        out, tape = forward(*args)
        if isinstance(out, (tuple, list, dict)):
            raise TransgradError(f"tg.jacobian(mode='reverse') needs {self.fn.__name__} to return "
                                 f"one array or float; use mode='forward' for several outputs")
        size = int(np.size(out))
        try:
            if not self.vectorize:
                raise batching.NotBatchable("vectorize=False")
            seeds = batching.Batch(np.eye(size).reshape((size,) + np.shape(out)))
            grads = backward(_copy_tape(tape), seeds)
            rows = [batching.unbatch(g, size) for g in grads]
            self.batched, self.fallback_reason = True, None
        except _BATCH_FAILURES as err:
            self.batched, self.fallback_reason = False, _reason(err)
            rows = self._reverse_loop(backward, tape, out, len(positions))
        return [np.asarray(r, dtype=float).reshape(np.shape(out) + np.shape(args[p]))
                for r, p in zip(rows, positions)]

    @staticmethod
    def _reverse_loop(backward, tape, out, count):
        rows = [[] for _ in range(count)]
        for seed in _basis(np.asarray(out, dtype=float) if np.ndim(out) else float(out)):
            grads = backward(_copy_tape(tape), seed)
            for j, g in enumerate(grads):
                rows[j].append(np.reshape(np.asarray(g, dtype=float), -1))
        return [np.stack(r, axis=0) for r in rows]


# what sends a batched pass back to the loop: a step without a batching fact, or anything
# else the batch made go wrong (the loop then runs the code exactly as `tg.jvp` does)
_BATCH_FAILURES = (batching.NotBatchable, TransgradError, ValueError, TypeError, IndexError)


def _located_calls(fn, compiled, user_fn):
    """fn, raising a GradientError that names the user's line for a failure in generated
    code (a NotBatchable passes through: the caller falls back to one seed at a time)."""
    where = types.SimpleNamespace(filename=compiled["filename"], line_map=compiled["line_map"])

    def call(*args):
        try:
            return fn(*args)
        except (TransgradError, batching.NotBatchable):
            raise
        except Exception as err:  # noqa: BLE001 - re-raised with the user's line, chained
            from .api import _located
            raise _located(err, where, user_fn) from err
    return call


def _reason(err):
    cause = err
    while cause.__cause__ is not None:
        cause = cause.__cause__
    return f"{type(cause).__name__}: {cause}"


def _seed_dtype(x):
    return np.result_type(getattr(x, "dtype", np.float64), np.float64)


def _as_output_array(t, out):
    if isinstance(out, (tuple, list)):
        return [np.asarray(ti, dtype=float) * np.ones(np.shape(o)) for ti, o in zip(t, out)]
    return np.asarray(t, dtype=float) * np.ones(np.shape(out))


def _assemble(stacked, out, x):
    """(out.shape + (x.size,)) columns -> out.shape + x.shape."""
    return stacked.reshape(np.shape(out) + np.shape(x))


_VJP_CACHE = {}


def _vjp_compiled(fn, args, positions):
    key = (*function_key(fn), positions,
           tuple(map(A.signature_of, args)))
    hit = _VJP_CACHE.get(key)
    if hit is None or (hit.get("guard") is not None and not hit["guard"].holds()):
        hit = generate(fn, kind="vjp", wrt_positions=positions, arg_avals=A.arg_avals(fn, args),
                       label=f"vjp of {fn.__name__}")
        _VJP_CACHE[key] = hit
    return hit


def jacobian(fn, argnums=0, mode="reverse", vectorize=True):
    """The Jacobian of fn with respect to argument(s) argnums, shaped `out.shape + in.shape`:
    by reverse mode (the backward pass seeded with every output basis vector) or forward
    mode (the forward pass seeded with every input basis vector). The seeds go through the
    generated code together, as one batch; `vectorize=False` (or code a batch cannot go
    through) runs one pass per seed instead."""
    return JacobianFunction(fn, argnums, mode, vectorize=vectorize)


def hessian(fn, argnums=0, vectorize=True):
    """The Hessian of a scalar fn: forward mode over fn's generated gradient (Hessian-vector
    products, every basis vector in one batch), shaped `in.shape + in.shape`."""
    from .api import grad
    return JacobianFunction(grad(fn, argnums), argnums, "forward", name="hessian",
                            vectorize=vectorize)


# -- tg.jvp called inside a function being transformed (reverse over forward) --------------

def _expand_jvp_call(anf, e, out, s, target):
    """ANF of `tg.jvp(f, (x, ...), (t, ...))` in transformed code: a call of f's generated
    forward-mode function, which returns the pair (f(x, ...), tangent) as tg.jvp does."""
    from . import ir
    from . import syntax as S
    from .quoting import gast
    from .resolve import function_info
    usage = "write it as tg.jvp(f, (x, ...), (t, ...)) with f a module-level function"
    if len(e.args) != 3 or e.keywords:
        raise anf.error(e, "tg.jvp takes three arguments here: the function, a tuple of "
                           "primals and a tuple of tangents", f"Hint: {usage}")
    fexpr, primals, tangents = e.args
    fn = anf.info.value_of(fexpr)
    if fn is None or not callable(fn) or isinstance(fexpr, gast.Name) and anf.info.is_local(fexpr.id):
        raise anf.error(fexpr, "the function passed to tg.jvp must be a module-level function "
                               "(or a tg.grad object) that transgrad can read", f"Hint: {usage}")
    if not (isinstance(primals, (gast.Tuple, gast.List)) and isinstance(tangents, (gast.Tuple, gast.List))
            and len(primals.elts) == len(tangents.elts)):
        raise anf.error(e, "tg.jvp's primals and tangents must be tuple displays of the same "
                           "length here", f"Hint: {usage}")
    target_fn = source_function(fn)
    result = generate(target_fn, kind="jvp", wrt_positions=tuple(range(len(primals.elts))),
                      arg_avals=None, label=f"jvp of {target_fn.__name__}")
    generated, tangent_params = result["fn"]
    name = anf.namer.fresh(f"{target_fn.__name__}_jvp")
    anf.info.cells = dict(anf.info.cells)      # this copy of the scope only
    anf.info.cells[name] = types.CellType(generated)
    args = [anf.expr(a, out, s) for a in primals.elts]
    kwargs = {tp: anf.expr(t, out, s) for tp, t in zip(tangent_params, tangents.elts)}
    var = anf.fresh(f"{target_fn.__name__}_jvp", target)
    call = ir.CallUser(var, function_info(generated), args, kwargs, S.name(name))
    call.out_aval = A.AVal("tuple", elts=(A.UNKNOWN, A.UNKNOWN))
    anf.emit(out, call, s)
    return S.name(var)


def _register():
    from .higher import register_inline
    register_inline(jvp, _expand_jvp_call)


_register()
