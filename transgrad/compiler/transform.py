"""The pipeline: a user function in, a compiled module of generated functions out.

    parse (quoting) -> validate -> resolve -> normalise -> ANF -> abstract values -> lower
    subscripts -> activity -> reverse (forward + backward, saves) -> optimise -> print ->
    compile (linecache)

One `Module` is generated per (function, argnums, mode, argument signature). The function
differentiated becomes one generated function (`grad_f`: forward pass, then backward pass),
or for `vjp` a forward/backward pair (`f_forward` returns the output and a tape,
`f_backward(tape, seed)` the cotangents). Each user function it calls with differentiated
arguments becomes a forward/backward pair in the same module, generated from a worklist
(never by recursion), specialised on which arguments are differentiated and on their
abstract values; a recursive call finds its own pair already named.
"""
import builtins
import copy
import gc
import sys
import types

import numpy as np

from .. import helpers as _helpers
from .. import registry
from ..errors import TransformError
from . import activity, anf, assigned, avals as A, higher, ir, normalize, optimize
from . import anomaly as _anomaly
from . import runtime as _runtime
from . import syntax as S
from .codegen import Function, compile_module, render_module
from .names import Namer
from .quoting import gast, copy_tree, parse_expr
from .resolve import MISSING, classify, function_info, recording
from .forward import Forward, tangent_name
from .reverse import Reverse
from .validate import validate_function

__all__ = ["Module", "generate"]

_MAX_SPECIALISATIONS = 4


def _builtin_of(info):
    def builtin_of(func):
        if isinstance(func, gast.Name) and not info.is_local(func.id):
            obj = info.lookup(func.id)
            kind, what = classify(obj)
            if kind == "builtin":
                return what
        return None
    return builtin_of


class Prepared:
    """A user function taken through the passes up to activity analysis."""

    def __init__(self, info, namer, block, out, aux, avals, params):
        self.info, self.namer, self.block, self.out, self.aux = info, namer, block, out, aux
        self.avals, self.params = avals, params


class Module:
    """One generated module: its functions, the user values they read, its callee pairs."""

    def __init__(self):
        self.functions = []
        self.module_names = Namer(set(dir(builtins)) | {"np", "tg"} | set(_helpers.__all__)
                                  | set(_runtime.__all__), max_length=80)
        self.pairs = {}
        self.queue = []
        self.specialisations = {}
        self.helpers = set()
        self.jvp_functions = {}
        self.jvp_queue = []

    # -- entry points -------------------------------------------------------------------
    def gradient(self, fn, wrt_positions, with_value, has_aux, arg_avals, scalar_check=True):
        """The function computing f's gradient for `wrt_positions` (and value, aux)."""
        info = function_info(fn)
        validate_function(info.fdef, info.filename, info.source_lines)  # (*args first)
        params = info.params
        wrt = [params[i] for i in wrt_positions]
        prep = self.prepare(info, self.param_avals(info, arg_avals), has_aux)
        name = self.module_names.fresh(f"grad_{info.name}" if not with_value
                                       else f"value_and_grad_{info.name}")
        self.functions.append(self.build_gradient(prep, wrt, name, with_value, has_aux,
                                                  scalar_check, len(wrt_positions) == 1
                                                  and not isinstance(wrt_positions, tuple)))
        self.drain()
        return name

    def pair(self, fn, wrt_positions, arg_avals, has_aux=False):
        """(forward name, backward name) of the vjp pair of fn."""
        info = function_info(fn)
        validate_function(info.fdef, info.filename, info.source_lines)  # (*args first)
        avals = self.param_avals(info, arg_avals)
        active = tuple(info.params[i] for i in wrt_positions)
        names = self.request(info, active, tuple(avals.items()), has_aux=has_aux)
        self.drain()
        return names

    def jvp(self, fn, active_positions, arg_avals):
        """(name, tangent parameter names) of the forward-mode function of fn."""
        info = function_info(fn)
        avals = self.param_avals(info, arg_avals)
        active = tuple(info.params[i] for i in active_positions)
        entry = self.request_jvp(info, active, tuple(avals.items()))
        self.drain()
        return entry

    # -- callees ------------------------------------------------------------------------
    def request_jvp(self, info, active_params, param_avals):
        """(name, tangent parameter names) of `info`'s forward-mode function for tangents of
        `active_params` (generated later, from the queue)."""
        param_avals = tuple(param_avals)
        info = higher.respecialise(info, param_avals)
        key = (info.fn.__code__, id(info.fn), active_params, param_avals)
        hit = self.jvp_functions.get(key)
        if hit is not None:
            return hit
        count = self.specialisations.get(("jvp", info.fn.__code__), 0)
        if count >= _MAX_SPECIALISATIONS:
            param_avals = tuple((p, None if av is None else A.AVal(av.kind, dtype=av.dtype))
                                for p, av in param_avals)
            key = (info.fn.__code__, id(info.fn), active_params, param_avals)
            hit = self.jvp_functions.get(key)
            if hit is not None:
                return hit
        self.specialisations[("jvp", info.fn.__code__)] = count + 1
        name = self.module_names.fresh(f"{info.name}_jvp")
        namer = Namer(_user_names(info) | set(info.params))
        entry = (name, tuple(namer.fresh(tangent_name(p)) for p in active_params))
        self.jvp_functions[key] = entry
        self.jvp_queue.append((info, active_params, param_avals, entry))
        return entry

    def bind(self, call):
        """[(parameter, atom)] of a user-function call, as Python binds it."""
        import inspect
        sig = inspect.signature(call.info.fn)
        try:
            bound = sig.bind(*call.args, **call.kwargs)
        except TypeError as err:
            raise TransformError(f"the call of {call.info.name!r} does not match its parameters: "
                                 f"{err}", getattr(call, "location", None)) from None
        return list(bound.arguments.items())

    def request(self, info, active_params, param_avals, has_aux=False):
        param_avals = tuple(param_avals)
        info = higher.respecialise(info, param_avals)
        key = (info.fn.__code__, id(info.fn), active_params, param_avals, has_aux)
        hit = self.pairs.get(key)
        if hit is not None:
            return hit
        count = self.specialisations.get(info.fn.__code__, 0)
        if count >= _MAX_SPECIALISATIONS:
            # enough shapes seen: one version for every shape, knowing only the kinds
            param_avals = tuple((p, None if av is None else A.AVal(av.kind, dtype=av.dtype))
                                for p, av in param_avals)
            key = (info.fn.__code__, id(info.fn), active_params, param_avals, has_aux)
            hit = self.pairs.get(key)
            if hit is not None:
                return hit
        self.specialisations[info.fn.__code__] = count + 1
        names = (self.module_names.fresh(f"{info.name}_forward"),
                 self.module_names.fresh(f"{info.name}_backward"))
        self.pairs[key] = names
        self.queue.append((info, active_params, param_avals, names, has_aux))
        return names

    def drain(self):
        while self.queue or self.jvp_queue:
            if self.jvp_queue:
                info, active_params, param_avals, entry = self.jvp_queue.pop(0)
                prep = self.prepare(info, self.callee_avals(info, param_avals), False)
                self.functions.append(self.build_jvp(prep, active_params, entry))
                continue
            info, active_params, param_avals, names, has_aux = self.queue.pop(0)
            avals = {p: (av if av is not None else A.UNKNOWN) for p, av in param_avals}
            for p in info.params:
                if p not in avals:
                    avals[p] = A.from_value(info.defaults[p]) if p in info.defaults else A.UNKNOWN
            prep = self.prepare(info, avals, has_aux)
            self.functions += self.build_pair(prep, list(active_params), names)

    def callee_avals(self, info, param_avals):
        avals = {p: (av if av is not None else A.UNKNOWN) for p, av in param_avals}
        for p in info.params:
            if p not in avals:
                avals[p] = A.from_value(info.defaults[p]) if p in info.defaults else A.UNKNOWN
        return avals

    # -- passes -------------------------------------------------------------------------
    def param_avals(self, info, arg_avals):
        out = {}
        for i, p in enumerate(info.params):
            if arg_avals is not None and p in arg_avals:
                out[p] = arg_avals[p]
            elif p in info.defaults:
                out[p] = A.from_value(info.defaults[p])
            else:
                out[p] = A.UNKNOWN
        return out

    def prepare(self, info, param_avals, has_aux):
        validate_function(info.fdef, info.filename, info.source_lines)
        scope = copy.copy(info)
        scope.locals = set(info.locals)
        namer = Namer(_user_names(info) | set(info.params) | self.module_names.taken)
        body = normalize.normalize(copy_tree(info.fdef).body, scope, namer, _builtin_of(scope))
        scope.locals |= S.names_stored(body)
        block = anf.to_ir(body, scope, namer)
        if higher.is_generated(info):
            block = higher.private_stacks(block, info.params, namer)
        scope.locals |= ir.all_defs(block)
        if not block or not isinstance(block[-1], ir.Return):
            block.append(ir.Return(S.const(None)).located(info.fdef))
        block = assigned.check_reads(block, info)    # reads Python may find unbound
        ret = block.pop()
        out_atom, aux_atom = ret.value, None
        if has_aux:
            out_atom, aux_atom = self.split_aux(block, ret, namer, scope)
        avals = A.infer(block, param_avals, scope)
        if has_aux and isinstance(ret.value, gast.Name) and avals.get(ret.value.id) is not None \
                and avals[ret.value.id].kind not in ("tuple", "list", "unknown"):
            raise scope.error(ret.at, "has_aux=True needs the function to return a pair "
                                      f"(output, aux), but it returns a {avals[ret.value.id].kind}",
                              "Hint: return (loss, aux), or drop has_aux=True")
        block, lowered = _lower_reads(block, avals, scope, namer)
        if lowered:      # getitem primitives in place of subscripts: their values anew
            avals = A.infer(block, param_avals, scope)
        prepared = Prepared(scope, namer, block, out_atom, aux_atom, avals, param_avals)
        prepared.ret_at = ret.at       # errors about the output point at the return
        return prepared

    def split_aux(self, block, ret, namer, info):
        value = ret.value
        if isinstance(value, gast.Name):
            producer = next((s for s in reversed(block) if value.id in s.defs()), None)
            if isinstance(producer, ir.Pack) and len(producer.elts) == 2 and producer is block[-1]:
                return producer.elts[0], producer.elts[1]
            out, aux = namer.fresh("loss"), namer.fresh("aux")
            block.append(ir.Unpack([out, aux], value.id).located(ret.at))
            info.locals |= {out, aux}
            return S.name(out), S.name(aux)
        raise info.error(ret.at, "has_aux=True needs the function to return a pair (output, aux)")

    def analyse(self, prep, wrt):
        outputs = {prep.out.id} if isinstance(prep.out, gast.Name) else set()
        active = activity.analyze(prep.block, set(wrt), outputs, prep.avals, prep.info)
        block, lowered = _lower_writes(prep.block, prep.avals, active, prep.info, prep.namer)
        if lowered:      # index_update primitives in place of writes: activity anew
            active = activity.analyze(block, set(wrt), outputs, prep.avals, prep.info)
        return block, active

    def reverse_pass(self, prep, wrt, block, active):
        mutated = {s.base for s in ir.walk_blocks(block) if isinstance(s, (ir.SetIndex, ir.Append, ir.Pop))}
        rev = Reverse(prep.info, prep.namer, prep.avals, active, self, mutated)
        top = rev.forward_block(block)
        rev.primal |= set(prep.info.params)
        out = prep.out.id if isinstance(prep.out, gast.Name) and prep.out.id in active else None
        zero = set(active) - ({out} if out else set())
        rev.backward_block(top, zero)
        for p in wrt:
            if p in zero or p not in active:
                top.end.append(_at(S.assign(rev.adjoint(p), rev.zeros_of(p)), prep.info.fdef))
        fwd, bwd = rev.assemble(top)
        self.helpers |= rev.helpers_used
        return rev, out, fwd, bwd

    # -- building functions -------------------------------------------------------------
    def build_gradient(self, prep, wrt, name, with_value, has_aux, scalar_check, single):
        block, active = self.analyse(prep, wrt)
        rev, out, fwd, bwd = self.reverse_pass(prep, wrt, block, active)
        info = prep.info
        body = []
        # a parameter the function resizes in place (`xs.pop()`, `xs.append(v)`): its adjoint
        # is returned with the structure it was given, kept before the function changes it
        given = {}
        for p in _resized_lists(block, wrt, prep):
            given[p] = prep.namer.fresh(f"{p}_given")
            body.append(S.assign(given[p], S.call(S.name("list"), [S.name(p)])))
        if rev.stack_name:
            body.append(S.assign(rev.stack_name, S.list_([])))
        body += fwd
        out_av = prep.avals.get(prep.out.id) if isinstance(prep.out, gast.Name) else A.from_value(
            prep.out.value)
        keep = set()
        value_name = aux_name = None
        if with_value or has_aux:
            if with_value:
                value_name = prep.namer.fresh("value")
                body.append(S.assign(value_name, copy_tree(prep.out)))
                keep.add(value_name)
            if has_aux:
                aux_name = prep.namer.fresh("aux_value")
                body.append(S.assign(aux_name, copy_tree(prep.aux)))
                keep.add(aux_name)
        if scalar_check:
            body += self.scalar_check(prep, out_av, info)
        if out is not None:
            body.append(S.assign(rev.adjoint(out), _unit_seed(out_av, out, prep)))
        body += bwd
        grads = [self.structured(rev, prep, p, given) for p in wrt]
        result = grads[0] if single else S.tuple_(grads)
        if has_aux and not with_value:
            result = S.tuple_([result, S.name(aux_name)])
        if with_value:
            value = S.name(value_name) if not has_aux else S.tuple_([S.name(value_name), S.name(aux_name)])
            result = S.tuple_([value, result])
        ret_stmt = gast.Return(value=result)
        ret_stmt._tg_line = getattr(getattr(prep, "ret_at", None), "lineno", None)  # for errors
        body.append(ret_stmt)
        generated = _generated_predicate(info)
        optimize.optimize(body, generated, keep, avals=prep.avals, plain=rev.plain)
        return Function(name, _params_text(info, self), body, info,
                        doc=f"{'Value and gradient' if with_value else 'Gradient'} of {info.name} "
                            f"with respect to {', '.join(wrt)} (generated by transgrad).")

    def structured(self, rev, prep, p, given=None):
        """The adjoint of parameter p as returned: with p's tuple/list/dict structure (the
        structure it was given, `given[p]`, when the function resizes it)."""
        if prep.avals.get(p, A.UNKNOWN).kind in ("list", "tuple", "dict"):
            self.helpers.add("structured")
            like = (given or {}).get(p, p)
            return S.call(S.name("structured"), [S.name(rev.adjoint(p)), S.name(like)])
        return S.name(rev.adjoint(p))

    def scalar_check(self, prep, out_av, info):
        if out_av is not None and out_av.kind in ("float", "int", "bool"):
            return []
        if out_av is not None and out_av.kind in ("none", "str"):
            what = "None (no return statement reached)" if out_av.kind == "none" else "a string"
            raise TransformError(
                f"tg.grad({info.name}) needs {info.name} to return a scalar, but it returns "
                f"{what}", info.location(getattr(prep, "ret_at", info.fdef)),
                "Hint: return the value to differentiate, e.g. return np.sum(...)")
        if out_av is not None and out_av.kind == "array" and out_av.shape == ():
            return []
        if out_av is not None and out_av.shape not in (None, ()):
            raise TransformError(
                f"tg.grad({info.name}) needs {info.name} to return a scalar, but it returns an "
                f"array of shape {out_av.shape}; use tg.vjp for a vector-Jacobian product, or "
                f"reduce the output (e.g. np.sum)", info.location(getattr(prep, "ret_at", info.fdef)))
        if out_av is not None and out_av.kind in ("list", "tuple", "dict"):
            raise TransformError(
                f"tg.grad({info.name}) needs {info.name} to return a scalar, but it returns a "
                f"{out_av.kind}; pass has_aux=True if the other values are auxiliary outputs",
                info.location(getattr(prep, "ret_at", info.fdef)))
        msg = gast.JoinedStr(values=[
            gast.Constant(value=f"tg.grad({info.name}) needs a scalar output; {info.name} returned "
                                f"shape ", kind=None),
            gast.FormattedValue(value=S.np_call("shape", copy_tree(prep.out)), conversion=-1,
                                format_spec=None),
            gast.Constant(value=" (use tg.vjp, or reduce the output, e.g. with np.sum)", kind=None)])
        test = gast.Compare(left=S.np_call("ndim", copy_tree(prep.out)), ops=[gast.Eq()],
                            comparators=[S.const(0)])
        return [gast.Assert(test=test, msg=msg)]

    def build_pair(self, prep, wrt, names):
        block, active = self.analyse(prep, wrt)
        for p in _resized_lists(block, wrt, prep):
            raise TransformError(
                f"{prep.info.name} changes the length of its list argument {p!r} in place "
                f"(append/pop), and transgrad differentiates calls of it only when it does not",
                prep.info.location(prep.info.fdef),
                f"Hint: copy the list first inside {prep.info.name}: {p} = list({p})")
        rev, out, fwd, bwd = self.reverse_pass(prep, wrt, block, active)
        info = prep.info
        fwd_body = []
        if rev.stack_name:
            fwd_body.append(S.assign(rev.stack_name, S.list_([])))
        fwd_body += fwd
        tape = sorted((S.names_loaded(bwd) & rev.primal) | ({rev.stack_name} if rev.stack_name else set()))
        definite = _definitely_assigned(fwd_body) | set(info.params)
        inits = [S.assign(v, S.const(None)) for v in tape if v not in definite]
        fwd_body = inits + fwd_body
        out_value = copy_tree(prep.out)
        if prep.aux is not None:
            out_value = S.tuple_([out_value, copy_tree(prep.aux)])
        fwd_body.append(gast.Return(value=S.tuple_([out_value, S.tuple_([S.name(v) for v in tape])])))
        generated = _generated_predicate(info)
        optimize.optimize(fwd_body, generated, set(), avals=prep.avals)

        tape_name = prep.namer.fresh("tape")
        seed_name = rev.adjoint(out) if out is not None else prep.namer.fresh("seed")
        bwd_body = []
        if tape:
            bwd_body.append(S.assign(list(tape) if len(tape) > 1 else tape[0], S.name(tape_name))
                            if len(tape) > 1 else S.assign(tape[0], S.subscript(S.name(tape_name),
                                                                                 S.const(0))))
        bwd_body += bwd
        grads = [self.structured(rev, prep, p) for p in wrt]
        bwd_body.append(gast.Return(value=S.tuple_(grads)))
        optimize.optimize(bwd_body, generated, set(), avals=prep.avals)
        fwd_fn = Function(names[0], _params_text(info, self), fwd_body, info,
                          doc=f"Forward pass of {info.name}: its result and the tape its backward "
                              f"pass reads.")
        bwd_fn = Function(names[1], f"{tape_name}, {seed_name}", bwd_body, info,
                          doc=f"Backward pass of {info.name}: cotangents of {', '.join(wrt)}.")
        return [fwd_fn, bwd_fn]

    def build_jvp(self, prep, active_params, entry):
        """The forward-mode function `name(params..., *, dp...)` -> (result, tangent)."""
        name, tangent_params = entry
        clash = set(tangent_params) & prep.namer.taken
        if clash:
            raise TransformError(f"internal: tangent parameter names {sorted(clash)} are taken")
        prep.namer.reserve(tangent_params)
        block, active = self.analyse(prep, list(active_params))
        fwd = Forward(prep.info, prep.namer, prep.avals, active, self,
                      tangents=dict(zip(active_params, tangent_params)))
        # a parameter without a tangent is a zero (made live where a loop or branch needs it:
        # `br` of a backward pass, active once the loop multiplies it by a varying value)
        state = {p: "live" if p in active_params else "zero" for p in prep.info.params
                 if p in active}
        body = fwd.block(block, state)
        out = prep.out
        tangent = fwd.live(out, state)
        if tangent is None:
            tangent = fwd.zero_value(out) if isinstance(out, gast.Name) else (
                S.const(0.0) if isinstance(out.value, float) else S.const(None))
        body.append(gast.Return(value=S.tuple_([copy_tree(out), tangent])))
        optimize.optimize(body, _generated_predicate(prep.info), set(), avals=prep.avals)
        self.helpers |= fwd.helpers_used
        info = prep.info
        params = _params_text(info, self)
        extra = ", ".join(tangent_params)
        if extra:
            params += (", " if info.fdef.args.kwonlyargs else ", *, ") + extra
        return Function(name, params, body, info,
                        doc=f"{info.name} and its tangent (forward mode) for tangents of "
                            f"{', '.join(active_params) or 'nothing'} (generated by transgrad).")

    # -- the module text ----------------------------------------------------------------
    def finish(self, label):
        """(source, namespace, line_map, filename) of the compiled module."""
        header, namespace = self.header()
        source, line_map = render_module(header, self.functions)
        filename = compile_module(source, namespace, label)
        line_map = {k + 0: v for k, v in line_map.items()}
        return source, namespace, line_map, filename

    def header(self):
        """Import lines for every free name of the generated functions, and the namespace
        holding the values that cannot be imported."""
        lines = ["import numpy as np", "import transgrad as tg"]
        namespace = {"np": np, "tg": _lazy_tg()}
        helpers = sorted(n for n in self.helpers if n in _helpers.__all__)
        runtime = sorted(n for n in self.helpers if n in _runtime.__all__)
        free = {}
        used = set()        # helpers the optimiser folded away are not imported
        defined = {fn.name for fn in self.functions}
        for fn in self.functions:
            loaded, stored = S.names_loaded_and_stored(fn.body)
            local = stored | _param_names(fn)
            for n in loaded - local - defined:
                used.add(n)
                if n in ("np", "tg") or n in helpers or n in runtime:
                    continue
                free.setdefault(n, fn.info)
            for n in _names_in_text(fn.params) - local - defined:
                used.add(n)
                free.setdefault(n, fn.info)
        helpers = [n for n in helpers if n in used]
        runtime = [n for n in runtime if n in used]
        extra_helpers = {n for n in free if n in _helpers.__all__}
        helpers = sorted(set(helpers) | extra_helpers)
        runtime = sorted(set(runtime) | {n for n in free if n in _runtime.__all__})
        if helpers:
            lines.append(f"from transgrad.helpers import {', '.join(helpers)}")
            namespace.update({h: getattr(_helpers, h) for h in helpers})
        if runtime:
            lines.append(f"from transgrad.compiler.runtime import {', '.join(runtime)}")
            namespace.update({h: getattr(_runtime, h) for h in runtime})
        injected = []
        for n in sorted(free):
            if n in helpers or n in runtime:
                continue
            info = free[n]
            obj = info.lookup(n) if not isinstance(info, dict) else info.get(n, MISSING)
            if obj is MISSING:
                if hasattr(builtins, n):
                    continue
                obj = getattr(self, "_injected", {}).get(n, MISSING)
                if obj is MISSING:
                    continue
            if getattr(builtins, n, MISSING) is obj:
                continue
            namespace[n] = obj
            line = _import_line(n, obj, info)
            if line is None:
                injected.append(n)
            else:
                lines.append(line)
        for n, obj in sorted(getattr(self, "_injected", {}).items()):
            namespace[n] = obj
            if n not in injected and not any(l.endswith(f" {n}") for l in lines):
                injected.append(n)
        for n in injected:
            lines.append(f"# {n}: {_short_repr(namespace.get(n))} (a value of the function's "
                         f"scope that cannot be imported; supply it when pasting this code)")
        return lines, namespace

    def inject(self, name, value):
        if not hasattr(self, "_injected"):
            self._injected = {}
        self._injected[name] = value


def _narrow_float_params(prep):
    """Whether an argument is a float narrower than float64 (float32, float16)."""
    stack = [prep.avals.get(p) for p in prep.params]
    while stack:
        av = stack.pop()
        if av is None:
            continue
        # `elts`: a tuple's element values, or the one joined element of a list or dict
        stack.extend((av.elts,) if isinstance(av.elts, A.AVal) else av.elts or ())
        dtype = av.dtype
        if isinstance(dtype, np.dtype) and np.issubdtype(dtype, np.floating) and dtype.itemsize < 8:
            return True
    return False


def _unit_seed(out_av, out, prep):
    """The cotangent 1 of a scalar output, in the output's dtype: a bare `1.0` would promote a
    float32 computation's whole backward pass (and its gradients) to float64. Where the dtype
    is not known when compiling but narrow arguments make it matter, the seed takes it from
    the output's value."""
    dtype = getattr(out_av, "dtype", None)
    if dtype is None and _narrow_float_params(prep):
        return S.call(S.dotted("np.ones_like"), [S.name(out)])
    if dtype is not None and dtype != np.float64 and np.issubdtype(dtype, np.floating):
        return parse_expr(f"np.{np.dtype(dtype).name}(1.0)")
    return S.const(1.0)


def _lazy_tg():
    import transgrad
    return transgrad


def _short_repr(obj):
    text = repr(obj)
    return text if len(text) <= 60 else text[:57] + "..."


def _import_line(name, obj, info):
    if isinstance(obj, types.ModuleType):
        if obj.__name__ == name:
            return f"import {name}"
        return f"import {obj.__name__} as {name}"
    module = getattr(info, "module", None)
    if anf.simple_constant(obj):
        return f"{name} = {obj!r}"
    # defined (or imported) at module level of the user's module
    mod = sys.modules.get(module) if module else None
    if mod is not None and module != "__main__" and getattr(mod, "__file__", None) \
            and getattr(mod, name, MISSING) is obj and name not in getattr(info, "closure", {}):
        home = getattr(obj, "__module__", None)
        qual = getattr(obj, "__qualname__", None)
        home_mod = sys.modules.get(home) if isinstance(home, str) else None
        if home_mod is not None and qual == name and getattr(home_mod, name, MISSING) is obj \
                and home != "__main__":
            return f"from {home} import {name}"
        return f"from {module} import {name}"
    home = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None)
    if isinstance(home, str) and home != "__main__" and qual and "." not in qual \
            and getattr(sys.modules.get(home), qual, MISSING) is obj:
        return f"from {home} import {qual}" + (f" as {name}" if qual != name else "")
    return None


def _names_in_text(text):
    import re
    return set(re.findall(r"[A-Za-z_]\w*", text.split("=", 1)[1])) if "=" in text else set()


def _param_names(fn):
    names = set()
    for part in fn.params.split(","):
        part = part.strip().lstrip("*")
        if part:
            names.add(part.split("=")[0].strip())
    return names


def _definitely_assigned(body):
    out = set()
    for s in body:
        if isinstance(s, (gast.Assign,)):
            out |= S.names_stored(s.targets)
        elif isinstance(s, gast.If):
            out |= (_definitely_assigned(s.body) & _definitely_assigned(s.orelse))
    return out


def _user_names(info):
    """Every name the user's function mentions, walked for once per FunctionInfo (which is
    cached per code object; its tree is never changed: passes work on copies)."""
    names = getattr(info, "fdef_names", None)
    if names is None:
        names = frozenset(n.id for n in S.walk(info.fdef) if isinstance(n, gast.Name))
        info.fdef_names = names
    return names


def _generated_predicate(info):
    user = _user_names(info) | set(info.params)
    return lambda name: name not in user


def _params_text(info, module):
    """The generated function's parameters: f's own, with its defaults."""
    parts = []
    args = info.fdef.args
    positional = list(args.posonlyargs) + list(args.args)
    defaults = info.defaults
    for a in positional:
        parts.append(_param(a.id, defaults, module, info))
    if args.kwonlyargs:
        parts.append("*")
        for a in args.kwonlyargs:
            parts.append(_param(a.id, defaults, module, info))
    return ", ".join(parts)


def _param(name, defaults, module, info):
    if name not in defaults:
        return name
    value = defaults[name]
    if anf.simple_constant(value):
        return f"{name}={value!r}"
    injected = f"{info.name}_{name}_default"
    module.inject(injected, value)
    return f"{name}={injected}"


def _at(node, where):
    if getattr(node, "lineno", None) is None:
        node.lineno = getattr(where, "lineno", None)
        node.col_offset = 0
    return node


# -- lowering subscripts once kinds are known -------------------------------------------

def _container(av):
    return av is not None and av.kind in ("list", "tuple", "dict", "range", "str")


def _lower_nested(s, lower):
    """Apply a lowering pass (`lower(stmts) -> stmts`) to the blocks of compound statement s."""
    if isinstance(s, ir.If):
        s.body, s.orelse = lower(s.body), lower(s.orelse)
    elif isinstance(s, ir.For):
        s.body = lower(s.body)
    elif isinstance(s, ir.While):
        s.test_block, s.body = lower(s.test_block), lower(s.body)


def _lower_reads(block, avals, info, namer):
    """`x[i]` of arrays -> the getitem primitive; `a, b = x` of an array -> two reads.
    Returns (block, whether any statement was lowered)."""
    getitem = _maybe_prim("getitem")
    lowered = []

    def lower(stmts):
        out = []
        for s in stmts:
            if isinstance(s, ir.Index):
                base = avals.get(s.base)
                if base is None and not info.is_local(s.base):
                    base = A.from_value(info.lookup(s.base))
                text_key = isinstance(s.index, gast.Constant) and isinstance(s.index.value, str)
                if not _container(base) and getitem is not None and not text_key:
                    prim = _prim_of(getitem, s.target, {"x": S.name(s.base), "index": _index_value(s.index)})
                    prim.index_syntax = s.index
                    out.append(prim.located(s.at))
                    lowered.append(s)
                    continue
            elif isinstance(s, ir.Unpack):
                src = avals.get(s.source)
                if src is not None and src.kind == "array":
                    for j, t in enumerate(s.targets):
                        item = ir.Index(t, s.source, S.const(j)).located(s.at)
                        out += lower([item])
                    lowered.append(s)
                    continue
            elif s.compound:
                _lower_nested(s, lower)
            out.append(s)
        return out
    block = lower(block)
    del lower     # (it refers to itself: a cycle, and compiling runs without the collector)
    return block, bool(lowered)


def _lower_writes(block, avals, active, info, namer):
    """`x[i] = v` into a differentiated array -> `x = index_update(x, v, i)` (functional).
    Returns (block, whether any statement was lowered)."""
    update = _maybe_prim("index_update")
    aliased = _aliased_mutations(block, avals)
    lowered = []

    def lower(stmts):
        out = []
        for s in stmts:
            if id(s) in aliased and _augmented(s):
                name, op = _augmented(s)
                other = aliased[id(s)]
                sign = _OP_SIGNS.get(type(op).__name__, "+")
                raise info.error(s.at, f"`{name} {sign}= ...` changes the object {name!r} in place, "
                                       f"and {other!r} names the same object here, so it would "
                                       f"change {other!r} too",
                                 f"Hint: write {name} = {name} {sign} ... to make a new value, or "
                                 f"copy first ({name} = {other}.copy())")
            if id(s) in aliased:
                other = aliased[id(s)]
                raise info.error(s.at, f"{s.base!r} and {other!r} name the same object here, so "
                                       f"changing {s.base!r} in place would change {other!r} too",
                                 f"Hint: make a copy first ({s.base} = {other}.copy(), or "
                                 f"list({other}) for a list)")
            if isinstance(s, ir.SetIndex):
                base = avals.get(s.base)
                value_active = isinstance(s.value, gast.Name) and s.value.id in active
                if not _container(base) and (s.base in active or value_active):
                    if update is None:
                        raise info.error(s.at, "assigning into a differentiated array needs the "
                                               "index_update primitive, which is not registered")
                    tmp = namer.fresh(f"{s.base}_updated")
                    active.add(tmp)
                    avals[tmp] = avals.get(s.base, A.UNKNOWN)
                    out.append(_prim_of(update, tmp, {"x": S.name(s.base), "index": _index_value(s.index),
                                                      "v": s.value}).located(s.at))
                    out.append(ir.Copy(s.base, tmp).located(s.at))
                    lowered.append(s)
                    continue
            elif s.compound:
                _lower_nested(s, lower)
            out.append(s)
        return out
    block = lower(block)
    del lower     # (it refers to itself: a cycle, and compiling runs without the collector)
    return block, bool(lowered)


_OP_SIGNS = {"Add": "+", "Sub": "-", "Mult": "*", "Div": "/", "MatMult": "@", "Pow": "**",
             "FloorDiv": "//", "Mod": "%"}


def _augmented(s, avals=None):
    """(name, op) when `s` is the statement of `name op= v` that rebinds name (and, given
    avals, name holds an array or a list, which Python changes in place); else None."""
    mark = getattr(s.at, "_tg_augmented", None) if s.at is not None else None
    if mark is None or mark[0] not in s.defs():
        return None
    if avals is not None and getattr(avals.get(mark[0]), "kind", None) not in ("array", "list"):
        return None
    return mark


def _resized_lists(block, wrt, prep):
    """The differentiated list parameters the function appends to or pops from."""
    resized = {s.base for s in ir.walk_blocks(block) if isinstance(s, (ir.Append, ir.Pop))}
    return [p for p in wrt if p in resized and prep.avals.get(p, A.UNKNOWN).kind == "list"]


def _aliased_mutations(block, avals=None):
    """{id(mutation): other name} for in-place changes (`a[i] = v`, `a.append(v)`, `a += v`
    on an array or list) of a variable that another variable names too (`b = a` earlier, or
    in the same loop): Python would change both, the compiler's value semantics only one,
    so these are refused."""
    events = []          # (order, kind, stmt, loops)
    stack = [(list(block), 0, ())]
    order = 0
    while stack:
        stmts, i, loops = stack.pop()
        if i >= len(stmts):
            continue
        s = stmts[i]
        stack.append((stmts, i + 1, loops))
        order += 1
        if not s.compound and avals is not None and _augmented(s, avals):
            events.append((order, "mutate", s, loops))     # (not a copy of its temporary)
        elif isinstance(s, ir.Copy) and not s.fresh:
            events.append((order, "copy", s, loops))
        elif isinstance(s, (ir.SetIndex, ir.Append, ir.Pop)):
            events.append((order, "mutate", s, loops))
        elif s.compound:
            inner = loops + ((id(s),) if isinstance(s, (ir.For, ir.While)) else ())
            for sub in reversed(s.blocks()):
                stack.append((list(sub), 0, inner))
    out = {}
    copies = [(o, s, set(loops)) for o, kind, s, loops in events if kind == "copy"]
    for o, kind, s, loops in events:
        if kind != "mutate":
            continue
        base = s.base if hasattr(s, "base") else _augmented(s)[0]
        for co, c, cloops in copies:
            if base in (c.source, c.target) and (o > co or cloops & set(loops)) \
                    and c is not s:
                out[id(s)] = c.target if base == c.source else c.source
                break
    return out


def _maybe_prim(name):
    try:
        return registry.get(name)
    except KeyError:
        return None


def _prim_of(prim, target, values):
    """An IR primitive statement from {template parameter: operand}, in template order."""
    if set(values) != set(prim.inputs):
        raise TransformError(f"internal: {prim.name} takes inputs {prim.inputs}, not {sorted(values)}")
    statics = {n: S.const(prim.statics[n]) for n in prim.static_names}
    return ir.Prim(target, prim, [values[n] for n in prim.inputs], statics)


def _index_value(index):
    """An index as a value (slices as slice(...) calls) to pass to a rule."""
    if isinstance(index, gast.Slice):
        parts = [S.const(None) if p is None else _index_value(p) for p in (index.lower, index.upper, index.step)]
        return S.call(S.name("slice"), parts)
    if isinstance(index, gast.Tuple):
        return S.tuple_([_index_value(e) for e in index.elts])
    return copy_tree(index)


def generate(fn, *, kind, wrt_positions, arg_avals, has_aux=False, label=None, scalar_check=True,
             anomaly=False):
    """Generate and compile. kind: 'grad', 'value_and_grad', 'vjp' or 'jvp' (forward mode:
    the entry is (function, tangent parameter names)). anomaly: follow backward statements
    with NaN checks (compiler/anomaly.py). Returns a dict with the entry point(s), source,
    line map and file name."""
    collecting = gc.isenabled()
    gc.disable()       # compiling allocates many small trees; collect once, afterwards
    try:
        with recording() as guard, _anomaly.instrumenting(anomaly):  # guard: resolve.Guard
            result = _generate(fn, kind, wrt_positions, arg_avals, has_aux, label, scalar_check)
        result["guard"] = guard
        return result
    finally:
        if collecting:
            # what compiling left alive (the parse trees it caches) is long-lived: straight
            # into the oldest generation (freeze, then unfreeze), so that the next young
            # collection does not walk tens of thousands of tree nodes (15 ms after a
            # function of 1,000 statements, 1 ms after one of 100: cache misses)
            if not gc.get_freeze_count():      # (never undo a freeze of the caller's)
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _generate(fn, kind, wrt_positions, arg_avals, has_aux, label, scalar_check):
    module = Module()
    if kind == "vjp":
        fwd, bwd = module.pair(fn, wrt_positions, arg_avals, has_aux)
        entry = (fwd, bwd)
    elif kind == "jvp":
        entry = module.jvp(fn, wrt_positions, arg_avals)
    else:
        entry = module.gradient(fn, wrt_positions, kind == "value_and_grad", has_aux, arg_avals,
                                scalar_check)
    source, namespace, line_map, filename = module.finish(label or f"{kind} of {fn.__name__}")
    if kind == "vjp":
        fns = (namespace[entry[0]], namespace[entry[1]])
    elif kind == "jvp":
        fns = (namespace[entry[0]], entry[1])
    else:
        fns = namespace[entry]
    return {"fn": fns, "source": source, "line_map": line_map, "filename": filename}
