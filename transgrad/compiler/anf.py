"""ANF: flatten normalised statements into the IR of `ir.py`, one operation per statement.

Every primitive call, user-function call, container operation and subscript gets a statement
of its own, its operands reduced to atoms (names and constants) and its result bound to a
fresh temporary named after what it computes (`sin_x`, `X_at_w`). All spellings resolve to
registry primitives here: `np.sin(x)`, `x.sin()`, `tg.sin(x)`; `x * y`; `x.sum(dim=0)`. A
primitive's output is never one of its own operands (`x = np.exp(x)` becomes
`exp_x = np.exp(x); x = exp_x`), so the backward pass can read both values.

Comparisons and boolean operators stay whole (`Opaque`): they have no derivative. So do calls
of functions with no rule; activity analysis raises UnknownFunctionError if a differentiated
value reaches one.
"""
import inspect
import numbers

import numpy as np

from .. import registry
from . import higher, ir, methods, userrules
from . import runtime as _runtime
from . import syntax as S
from .quoting import gast, copy_tree
from .resolve import MISSING, classify, function_info

__all__ = ["to_ir"]

_OP_WORDS = {"Add": "plus", "Sub": "minus", "Mult": "times", "Div": "over", "Pow": "pow",
             "MatMult": "at", "FloorDiv": "floordiv", "Mod": "mod", "USub": "neg"}

# builtins whose results carry no derivative (integers, booleans, text)
_NONDIFF_BUILTINS = frozenset({"len", "int", "round", "range", "isinstance", "bool", "str", "type",
                               "repr", "format", "print", "any", "all"})

# attributes of arrays that are data about the array, not differentiable values
_METADATA = frozenset({"shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides", "flags"})


def to_ir(body, info, namer):
    return _ANF(info, namer).block(body)


def simple_constant(value):
    """Whether a global/closure value can be written into generated code as a literal."""
    if value is None or isinstance(value, (bool, int, float, complex, str)):
        return not (isinstance(value, float) and (value != value or value in (float("inf"), -float("inf"))))
    if isinstance(value, tuple):
        return all(simple_constant(v) for v in value)
    return False


class _ANF:
    def __init__(self, info, namer):
        self.info = info
        self.namer = namer

    def error(self, node, message, hint=None):
        return self.info.error(node, message, hint)

    # -- statements ---------------------------------------------------------------------
    def block(self, stmts):
        out = []
        for s in stmts:
            self.stmt(s, out)
        return out

    def emit(self, out, node, at):
        out.append(node.located(at))
        return node

    def stmt(self, s, out):
        if isinstance(s, gast.Assign):
            if len(s.targets) > 1:
                atom = self.expr(s.value, out, s)
                for t in s.targets:
                    self.assign_to(t, atom, out, s)
                return
            self.assign(s.targets[0], s.value, out, s)
        elif isinstance(s, gast.Expr):
            self.expression_statement(s, out)
        elif isinstance(s, gast.Assert):
            self.emit(out, ir.Effect(self.translated(s)), s)
        elif isinstance(s, gast.If):
            test = self.test_name(s.test, out, s, s.body + s.orelse)
            self.emit(out, ir.If(test, self.block(s.body), self.block(s.orelse)), s)
        elif isinstance(s, gast.For):
            self.for_loop(s, out)
        elif isinstance(s, gast.While):
            test_block = []
            test = self.test_name(s.test, test_block, s, [])
            counter = self.namer.fresh("n_iter")
            self.emit(out, ir.While(test_block, test, self.block(s.body), counter), s)
        elif isinstance(s, gast.With):
            self.emit(out, ir.Effect(self.translated(s), S.names_stored(s.body)), s)
        elif isinstance(s, gast.Return):
            value = self.expr(s.value, out, s) if s.value is not None else S.const(None)
            self.emit(out, ir.Return(value), s)
        else:
            raise self.error(s, f"{type(s).__name__} statements are not supported here")

    def translated(self, s):
        """A statement kept verbatim (print, assert, no_grad block)."""
        return copy_tree(s)

    def expression_statement(self, s, out):
        value = s.value
        if isinstance(value, gast.Constant):
            return
        if isinstance(value, gast.Call):
            func = value.func
            if isinstance(func, gast.Attribute) and self.is_local_name(func.value):
                if func.attr == "append" and len(value.args) == 1 and not value.keywords:
                    atom = self.expr(value.args[0], out, s)
                    self.emit(out, ir.Append(func.value.id, atom), s)
                    return
                if func.attr == "pop" and not value.args and not value.keywords:
                    self.emit(out, ir.Pop(self.namer.fresh("popped"), func.value.id), s)
                    return
                if func.attr in ("extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                                 "update", "setdefault", "popitem", "fill", "resize", "put",
                                 "itemset", "sort", "partition"):
                    raise self.error(func, f"the in-place method .{func.attr}() is not supported",
                                     "build a new value instead (lst = lst + [v], "
                                     "lst = lst[:-1]); .append() is supported")
            if isinstance(func, gast.Name) and func.id == "print" and not self.info.is_local("print"):
                self.emit(out, ir.Effect(self.translated(s)), s)
                return
            if isinstance(func, gast.Name) and func.id == "defined" and not self.info.is_local(
                    "defined") and self.info.lookup("defined") is _runtime.defined:
                self.emit(out, ir.Effect(self.translated(s)), s)   # generated code's check
                return
        target = self.namer.fresh("unused")
        self.expr(value, out, s, target=target)

    def assign(self, target, value, out, s):
        if isinstance(target, gast.Name):
            atom = self.expr(value, out, s, target=target.id)
            if not (isinstance(atom, gast.Name) and atom.id == target.id):
                self.bind(target.id, atom, out, s)
            return
        if isinstance(target, (gast.Tuple, gast.List)) and isinstance(value, (gast.Tuple, gast.List)) \
                and len(target.elts) == len(value.elts):
            atoms = [self.expr(v, out, s) for v in value.elts]
            stored = S.names_stored(target)
            safe = []
            for atom in atoms:
                if isinstance(atom, gast.Name) and atom.id in stored:
                    tmp = self.namer.fresh(atom.id + "_old")
                    self.emit(out, ir.Copy(tmp, atom.id), s)
                    atom = S.name(tmp)
                safe.append(atom)
            for t, atom in zip(target.elts, safe):
                self.assign_to(t, atom, out, s)
            return
        atom = self.expr(value, out, s)
        self.assign_to(target, atom, out, s)

    def assign_to(self, target, atom, out, s):
        """Bind an already computed atom to a target (name, subscript, tuple of those)."""
        if isinstance(target, gast.Name):
            self.bind(target.id, atom, out, s)
        elif isinstance(target, (gast.Tuple, gast.List)):
            if not isinstance(atom, gast.Name):
                raise self.error(target, "cannot unpack a constant")
            names = []
            later = []
            for t in target.elts:
                if isinstance(t, gast.Name):
                    names.append(t.id)
                else:
                    tmp = self.namer.fresh("item")
                    names.append(tmp)
                    later.append((t, tmp))
            self.emit(out, ir.Unpack(names, atom.id), s)
            for t, tmp in later:
                self.assign_to(t, S.name(tmp), out, s)
        elif isinstance(target, gast.Subscript):
            if not self.is_local_name(target.value):
                raise self.error(target, "only subscripts of local variables can be assigned to",
                                 "assign to a local name first: row = m[i]; row[j] = v; m[i] = row")
            index = self.static(target.slice, out, s)
            self.emit(out, ir.SetIndex(target.value.id, index, atom), s)
        else:
            raise self.error(target, f"cannot assign to {type(target).__name__}")

    def bind(self, target, atom, out, s):
        if isinstance(atom, gast.Name):
            self.emit(out, ir.Copy(target, atom.id), s)
        else:
            self.emit(out, ir.Opaque(target, atom), s)

    def test_name(self, test, out, s, body):
        """The name a branch or loop tests, copied if the body reassigns it."""
        atom = self.expr(test, out, s)
        assigned = S.names_stored(body) if body else set()
        if isinstance(atom, gast.Name) and atom.id not in assigned and self.info.is_local(atom.id):
            return atom.id
        cond = self.namer.fresh("cond")
        self.bind(cond, atom, out, s)
        return cond

    def for_loop(self, s, out):
        it = s.iter
        if not (isinstance(it, gast.Call) and isinstance(s.target, gast.Name)):
            raise self.error(s, "internal: for loop not normalised to range()")
        assigned = S.names_stored(s.body)
        args = []
        for a in it.args:
            atom = self.expr(a, out, s)
            if isinstance(atom, gast.Name) and atom.id in assigned:
                tmp = self.namer.fresh(atom.id + "_bound")
                self.emit(out, ir.Copy(tmp, atom.id), s)
                atom = S.name(tmp)
            args.append(atom)
        self.emit(out, ir.For(s.target.id, args, self.block(s.body)), s)

    # -- expressions --------------------------------------------------------------------
    def is_local_name(self, node):
        return isinstance(node, gast.Name) and self.info.is_local(node.id)

    def fresh(self, base, target):
        return target if target is not None else self.namer.fresh(base)

    def expr(self, e, out, s, target=None):
        """Flatten `e`; the last operation binds `target` when given. Returns an atom."""
        if isinstance(e, gast.Constant):
            return S.const(e.value)
        if isinstance(e, gast.Name):
            return self.name_atom(e)
        if isinstance(e, gast.Attribute):
            return self.attribute(e, out, s, target)
        if isinstance(e, gast.BinOp):
            left = self.expr(e.left, out, s)
            right = self.expr(e.right, out, s)
            opname = type(e.op).__name__
            if isinstance(left, gast.Constant) and isinstance(right, gast.Constant):
                folded = _fold(e.op, left.value, right.value)
                if folded is not None:
                    return S.const(folded)
            prim = registry.lookup_operator(opname)
            base = _binop_name(left, opname, right)
            if prim is None or not prim.differentiable:
                return self.opaque(gast.BinOp(left=left, op=e.op, right=right), out, s, target, base,
                                   what=f"the operator {registry._OPERATOR_SYMBOLS.get(opname, opname)}")
            return self.prim_call(prim, [left, right], {}, out, s, target, base, op=e.op)
        if isinstance(e, gast.UnaryOp):
            operand = self.expr(e.operand, out, s)
            if isinstance(e.op, gast.UAdd):
                return operand
            if isinstance(operand, gast.Constant) and isinstance(e.op, gast.USub) and isinstance(
                    operand.value, numbers.Number):
                return S.const(-operand.value)
            opname = type(e.op).__name__
            prim = registry.lookup_operator(opname)
            name = f"neg_{operand.id}" if isinstance(operand, gast.Name) else "neg"
            if prim is None or not prim.differentiable:
                return self.opaque(gast.UnaryOp(op=e.op, operand=operand), out, s, target, name,
                                   what=f"the unary operator {opname}")
            return self.prim_call(prim, [operand], {}, out, s, target, name, op=e.op)
        if isinstance(e, gast.Compare):
            left = self.expr(e.left, out, s)
            rights = [self.expr(c, out, s) for c in e.comparators]
            node = gast.Compare(left=left, ops=e.ops, comparators=rights)
            return self.opaque(node, out, s, target, "cond")
        if isinstance(e, gast.BoolOp):
            return self.opaque(self.translate_verbatim(e), out, s, target, "cond")
        if isinstance(e, gast.IfExp):
            test = self.test_name(e.test, out, s, [])
            var = self.fresh("choice", target)
            body, orelse = [], []
            a = self.expr(e.body, body, s, target=var)
            if not (isinstance(a, gast.Name) and a.id == var):
                self.bind(var, a, body, s)
            b = self.expr(e.orelse, orelse, s, target=var)
            if not (isinstance(b, gast.Name) and b.id == var):
                self.bind(var, b, orelse, s)
            self.emit(out, ir.If(test, body, orelse), s)
            return S.name(var)
        if isinstance(e, gast.Call):
            return self.call(e, out, s, target)
        if isinstance(e, gast.Subscript):
            base = self.expr(e.value, out, s)
            index = self.static(e.slice, out, s)
            if isinstance(base, gast.Constant):
                return self.opaque(S.subscript(base, index), out, s, target, "item")
            var = self.fresh(_index_name(base, index), target)
            self.emit(out, ir.Index(var, base.id, index), s)
            return S.name(var)
        if isinstance(e, (gast.Tuple, gast.List)):
            atoms = [self.expr(x, out, s) for x in e.elts]
            var = self.fresh("pair" if len(atoms) == 2 else ("items" if isinstance(e, gast.List)
                                                             else "values"), target)
            self.emit(out, ir.Pack(var, "list" if isinstance(e, gast.List) else "tuple", atoms), s)
            return S.name(var)
        if isinstance(e, gast.Dict):
            keys = [self.static(k, out, s) for k in e.keys]
            values = [self.expr(v, out, s) for v in e.values]
            var = self.fresh("entries", target)
            self.emit(out, ir.PackDict(var, keys, values), s)
            return S.name(var)
        if isinstance(e, gast.Slice):
            return self.static(e, out, s)
        if isinstance(e, gast.JoinedStr):
            return self.opaque(copy_tree(e), out, s, target, "text")
        raise self.error(e, f"the expression {type(e).__name__} is not supported")

    def name_atom(self, e):
        ident = e.id
        if self.info.is_local(ident):
            return S.name(ident)
        value = self.info.lookup(ident)
        if value is MISSING:
            raise self.error(e, f"the name {ident!r} is not defined")
        if simple_constant(value) and not isinstance(value, str):
            return S.const(value)
        return S.name(ident)

    def attribute(self, e, out, s, target):
        if not _is_local_rooted(self, e):
            value = self.info.value_of(e)
            if value is MISSING:
                raise self.error(e, f"{_text(e)!r} is not defined")
            if simple_constant(value) and not isinstance(value, str):
                return S.const(value)
            return self.opaque(copy_tree(e), out, s, target, e.attr)
        read = methods.attribute(self, e, out, s, target)     # x.mT, x.max(1).values
        if read is not None:
            return read
        base = self.expr(e.value, out, s)
        if e.attr in _METADATA:
            name = f"{base.id}_{e.attr}" if isinstance(base, gast.Name) else e.attr
            return self.opaque(S.attr(base, e.attr), out, s, target, name)
        prim = registry.lookup_method(e.attr) if e.attr != "T" else registry.lookup(np.transpose)
        if prim is not None and prim.differentiable:
            name = f"{base.id}_{e.attr}" if isinstance(base, gast.Name) else e.attr
            return self.prim_call(prim, [base], {}, out, s, target, name)
        return self.opaque(S.attr(base, e.attr), out, s, target, e.attr,
                           what=f"the attribute .{e.attr}")

    def opaque(self, expr, out, s, target, base, what=None):
        var = self.fresh(base, target)
        self.emit(out, ir.Opaque(var, expr, what), s)
        return S.name(var)

    def static(self, e, out, s):
        """An index or static argument: slices, tuples and constants kept as expressions,
        everything else flattened to atoms."""
        if isinstance(e, gast.Slice):
            parts = [None if p is None else self.static(p, out, s) for p in (e.lower, e.upper, e.step)]
            return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(e, gast.Tuple):
            return S.tuple_([self.static(x, out, s) for x in e.elts])
        if isinstance(e, gast.List) and all(isinstance(x, gast.Constant) for x in e.elts):
            return copy_tree(e)
        return self.expr(e, out, s)

    def translate_verbatim(self, e):
        return copy_tree(e)

    # -- calls --------------------------------------------------------------------------
    def call(self, e, out, s, target):
        func = e.func
        if isinstance(func, gast.Attribute) and _is_local_rooted(self, func):
            return self.method_call(e, out, s, target)
        if isinstance(func, gast.Name) and self.info.is_local(func.id):
            raise self.error(func, f"calling the local variable {func.id!r} is not supported",
                             "call module-level functions by name")
        if isinstance(func, gast.Call):     # tg.checkpoint(step)(h, x)
            return userrules.call_of_call(self, e, out, s, target)
        obj = self.info.value_of(func)
        if obj is MISSING:
            raise self.error(func, f"the function {_text(func)!r} is not defined")
        expander = higher.inline_expander(obj)
        if expander is not None:
            return expander(self, e, out, s, target)
        read = methods.function_call(self, obj, e, out, s, target)     # tg.max(x, 1), ...
        if read is not None:
            return read
        kind, what = classify(obj)
        if kind in ("checkpoint", "custom_vjp"):
            return userrules.marked_call(self, kind, what, e, out, s, target)
        if kind == "primitive":
            if not what.differentiable:
                return self.flat_opaque_call(S.dotted(what.emit), e, out, s, target, what.name,
                                             what=None)
            args = [self.arg(a, out, s) for a in e.args]
            kwargs = {k.arg: self.arg(k.value, out, s) for k in e.keywords}
            return self.bound_prim(what, args, kwargs, out, s, target, func, spelling=obj)
        if kind == "user":
            obj = what      # a gradient function stands for its generated function
            args = [self.expr(a, out, s) for a in e.args]
            kwargs = {k.arg: self.expr(k.value, out, s) for k in e.keywords}
            info = function_info(obj)
            var = self.fresh(f"{obj.__name__}_{args[0].id}" if args and isinstance(args[0], gast.Name)
                             else obj.__name__, target)
            call = ir.CallUser(var, info, args, kwargs, copy_tree(func))
            call.out_aval = _returned_display(info.fdef)
            call.out_like = _returned_like(info)
            origin = getattr(obj, "__transgrad_origin__", None)     # tg.grad(g, argnums=i)
            if origin is not None and origin.kind == "grad" and not origin.has_aux \
                    and isinstance(origin.argnums, int) and origin.argnums < len(info.params):
                call.out_like = info.params[origin.argnums]
            self.emit(out, call, s)
            return S.name(var)
        if kind == "stop":
            if len(e.args) != 1:
                raise self.error(e, "stop_gradient takes one argument")
            atom = self.expr(e.args[0], out, s)
            return self.stop(atom, out, s, target)
        if kind == "builtin":
            return self.builtin(what, e, out, s, target)
        return self.flat_opaque_call(copy_tree(func), e, out, s, target, _text(func).split(".")[-1],
                                     what=_text(func))

    def arg(self, a, out, s):
        if isinstance(a, (gast.Tuple,)) and all(isinstance(x, gast.Constant) for x in a.elts):
            return copy_tree(a)
        return self.expr(a, out, s)

    def stop(self, atom, out, s, target):
        if not isinstance(atom, gast.Name):
            return atom
        var = self.fresh(f"{atom.id}_const", target)
        self.emit(out, ir.Stop(var, atom.id), s)
        return S.name(var)

    def flat_opaque_call(self, func, e, out, s, target, base, what):
        args = [self.expr(a, out, s) for a in e.args]
        kwargs = {k.arg: self.static(k.value, out, s) for k in e.keywords}
        return self.opaque(S.call(func, args, kwargs), out, s, target, base or "value", what=what)

    def method_call(self, e, out, s, target):
        func = e.func
        base = self.expr(func.value, out, s)
        method = func.attr
        if method == "append":
            raise self.error(func, ".append() returns None; call it as a statement")
        if method in ("detach", "stop_gradient") and not e.args:
            return self.stop(base, out, s, target)
        if method in ("copy", "clone") and not e.args and not e.keywords:
            var = self.fresh(f"{base.id}_copy", target)
            self.emit(out, ir.Copy(var, base.id, fresh=True), s)
            return S.name(var)
        if method == "pop" and not e.args and not e.keywords and self.info.is_local(base.id):
            var = self.fresh(f"{base.id}_top", target)
            self.emit(out, ir.Pop(var, base.id), s)
            return S.name(var)
        if method == "item" and not e.args:
            var = self.fresh(f"{base.id}_value", target)
            self.emit(out, ir.Copy(var, base.id), s)
            return S.name(var)
        read = methods.method_call(self, base, e, out, s, target)   # NumPy vs PyTorch meanings
        if read is not None:
            return read
        prim = registry.lookup_method(method)
        if prim is not None and prim.differentiable:
            args = [base] + [self.arg(a, out, s) for a in e.args]
            kwargs = {k.arg: self.arg(k.value, out, s) for k in e.keywords}
            return self.bound_prim(prim, args, kwargs, out, s, target, func)
        return self.flat_opaque_call(S.attr(base, method), e, out, s, target,
                                     f"{base.id}_{method}", what=f".{method}()")

    def builtin(self, fname, e, out, s, target):
        if fname == "float" and len(e.args) == 1:
            atom = self.expr(e.args[0], out, s)
            if isinstance(atom, gast.Constant):
                return S.const(float(atom.value))
            var = self.fresh(f"{atom.id}_float", target)
            self.emit(out, ir.Copy(var, atom.id), s)
            return S.name(var)
        if fname in ("list", "tuple") and len(e.args) == 1:
            atom = self.expr(e.args[0], out, s)
            var = self.fresh(f"{atom.id}_{fname}" if isinstance(atom, gast.Name) else fname, target)
            self.emit(out, ir.Opaque(var, S.call(S.name(fname), [atom]), what=f"{fname}()")
                      if not isinstance(atom, gast.Name)
                      else ir.Copy(var, atom.id, fresh=True), s)
            return S.name(var)
        if fname == "abs" and len(e.args) == 1:
            prim = registry.lookup(np.abs) or registry.lookup(np.absolute)
            if prim is not None and prim.differentiable:
                atom = self.expr(e.args[0], out, s)
                return self.prim_call(prim, [atom], {}, out, s, target,
                                      f"abs_{atom.id}" if isinstance(atom, gast.Name) else "abs")
        legit = fname in _NONDIFF_BUILTINS
        return self.flat_opaque_call(S.name(fname), e, out, s, target, fname,
                                     what=None if legit else f"{fname}()")

    def bound_prim(self, prim, args, kwargs, out, s, target, func, spelling=None):
        inputs, statics = _bind(prim, args, kwargs, lambda msg: self.error(func, msg), spelling)
        for i, x in enumerate(inputs):
            if not isinstance(x, gast.Name) and not isinstance(x, gast.Constant):
                # a static-looking display (tuple) passed where an array goes
                inputs[i] = self.expr(x, out, s)
        first = next((x.id for x in inputs if isinstance(x, gast.Name)), None)
        base = f"{prim.name}_{first}" if first else prim.name
        return self.prim_call(prim, inputs, statics, out, s, target, base)

    def prim_call(self, prim, inputs, statics, out, s, target, base, op=None):
        statics = dict(statics)
        for n in prim.static_names:
            statics.setdefault(n, S.const(prim.statics[n]))
        reads = ir.atom_names(inputs) | S.names_loaded(list(statics.values()))
        if target is not None and self.info.is_local(target) and any(
                r is not None and prim.output in r.reads for r in prim.vjps):
            # the backward pass reads this result: a name of its own lets the forward pass
            # save it together with the value the user's variable held before
            target = None
        var = target if (target is not None and target not in reads) else self.namer.fresh(base)
        self.emit(out, ir.Prim(var, prim, inputs, statics, op), s)
        return S.name(var)


def _returned_like(info):
    """The parameter p when every `return` of the function is `structured(g, p)` (a generated
    gradient with p's container structure), else None."""
    found = set()
    stack = list(info.fdef.body)
    while stack:
        node = stack.pop()
        if isinstance(node, gast.Return):
            v = node.value
            if not (isinstance(v, gast.Call) and isinstance(v.func, gast.Name)
                    and v.func.id == "structured" and len(v.args) == 2
                    and isinstance(v.args[1], gast.Name) and v.args[1].id in info.params):
                return None
            found.add(v.args[1].id)
        else:
            stack.extend(S.children(node))
    return found.pop() if len(found) == 1 else None


def _returned_display(fdef):
    """A tuple (list) of n unknown values when every `return` of the function returns a
    tuple (list) display of n elements (`return a, b`; a generated gradient returning
    several cotangents); None otherwise."""
    from .avals import AVal, UNKNOWN
    shapes = set()
    stack = list(fdef.body)
    while stack:
        node = stack.pop()
        if isinstance(node, gast.Return):
            v = node.value
            if isinstance(v, gast.Tuple):
                shapes.add(("tuple", len(v.elts)))
            elif isinstance(v, gast.List):
                shapes.add(("list", len(v.elts)))
            else:
                return None
        elif isinstance(node, (gast.FunctionDef, gast.ClassDef, gast.Lambda)):
            continue
        else:
            stack.extend(S.children(node))
    if len(shapes) != 1:
        return None
    kind, n = shapes.pop()
    return AVal("tuple", elts=(UNKNOWN,) * n) if kind == "tuple" else AVal("list", elts=UNKNOWN)


def _is_local_rooted(anf, node):
    while isinstance(node, gast.Attribute):
        node = node.value
    return not isinstance(node, gast.Name) or anf.info.is_local(node.id)


def _bind(prim, args, kwargs, fail, spelling=None):
    """Map call operands (gast nodes) onto the primitive's inputs and statics; a spelling
    with a binder of its own (`F.nll_loss`, `tg.cat`: registry.add_spelling) binds by it."""
    if spelling is not None and registry.has_binder(spelling):
        try:
            ins, stats = registry.bind(spelling, list(args), dict(kwargs))
        except (TypeError, KeyError, IndexError, ValueError) as err:
            raise fail(f"{_spelling_text(spelling)}: {err}") from None
        inputs = [v if isinstance(v, gast.AST) else S.const(v) for v in ins]
        statics = {n: (v if isinstance(v, gast.AST) else S.const(v))
                   for n, v in zip(prim.static_names, stats)}
        return inputs, statics
    sig = inspect.signature(prim.public)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as err:
        positional = [p for p in sig.parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(args) > len(positional) >= 2 and not kwargs:
            # x.reshape(3, 4), x.transpose(1, 0): the trailing operands are one tuple
            packed = list(args[:len(positional) - 1]) + [S.tuple_(args[len(positional) - 1:])]
            try:
                bound = sig.bind(*packed)
            except TypeError:
                raise fail(f"{prim.name}: {err}") from None
        else:
            raise fail(f"{prim.name}: {err}") from None
    bound.apply_defaults()
    values = dict(bound.arguments)
    for numpy_name, torch_name in registry.TORCH_KEYWORDS.items():
        v = values.pop(torch_name, None)
        if isinstance(v, gast.AST):
            values[numpy_name] = v
    inputs = []
    for n in prim.inputs:
        v = values[n]
        inputs.append(v if isinstance(v, gast.AST) else S.const(v))
    statics = {}
    for n in prim.static_names:
        v = values.get(n, prim.statics[n])
        statics[n] = v if isinstance(v, gast.AST) else S.const(v)
    return inputs, statics


def _spelling_text(fn):
    module = (getattr(fn, "__module__", "") or "").replace("transgrad.nn.functional", "F")
    module = "tg" if module.startswith("transgrad") else module
    return f"{module}.{getattr(fn, '__name__', fn)}"


def _fold(op, a, b):
    if not all(isinstance(v, numbers.Number) and not isinstance(v, bool) for v in (a, b)):
        return None
    try:
        if isinstance(op, gast.Add):
            return a + b
        if isinstance(op, gast.Sub):
            return a - b
        if isinstance(op, gast.Mult):
            return a * b
        if isinstance(op, gast.Div):
            return a / b
        if isinstance(op, gast.Pow) and abs(b) < 64:
            return a ** b
    except (ArithmeticError, ValueError):
        return None
    return None


def _binop_name(left, opname, right):
    word = _OP_WORDS.get(opname, opname.lower())
    parts = []
    for atom in (left, right):
        if isinstance(atom, gast.Name):
            parts.append(atom.id)
        elif isinstance(atom, gast.Constant) and isinstance(atom.value, int) and 0 <= atom.value < 100:
            parts.append(str(atom.value))
        else:
            parts.append(None)
    if None not in parts and len(parts[0]) + len(parts[1]) + len(word) <= 18:
        return f"{parts[0]}_{word}_{parts[1]}"
    if parts[0] is not None and len(parts[0]) <= 10:
        return f"{parts[0]}_{word}"
    return word


def _index_name(base, index):
    if isinstance(base, gast.Name):
        if isinstance(index, gast.Name):
            return f"{base.id}_{index.id}"
        if isinstance(index, gast.Constant) and isinstance(index.value, int):
            return f"{base.id}_{index.value}" if index.value >= 0 else f"{base.id}_last"
        if isinstance(index, gast.Constant) and isinstance(index.value, str):
            return f"{base.id}_{index.value}"
        return f"{base.id}_part"
    return "item"


def _text(node):
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    parts.append(getattr(node, "id", "?"))
    return ".".join(reversed(parts))
