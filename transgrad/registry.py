"""The registry of primitives: every operation is declared once, with its derivative rules.

A primitive is declared by a *template*, a function that is parsed and never called. Its
parameters are the output, then the array inputs, then (with defaults) the static parameters;
its body states the rules, in which `d[v]` is the cotangent (adjoint) of `v` and `t[v]` its
tangent:

    @primitive(np.multiply, elementwise=True, grad_fn="MulBackward0")
    def multiply(z, x, y):
        '''z = x * y'''
        d[x] = d[z] * y
        d[y] = d[z] * x

Registration parses the template once, checks it (only its parameters, local temporaries,
`np`, the helpers of `transgrad.helpers` and a few builtins may be read; a violation raises
`TemplateError` naming the template's file and line at import), applies the shared rewrites,
and produces for every differentiable input:

- a `Rule` holding the syntax tree the compiler splices into generated code, and
- the same rule lowered to a plain Python function the eager tape calls.

Shared rewrites, so that no rule is written twice:
- `elementwise` primitives (diagonal Jacobian) get their forward rule by substitution:
  `d[x] = d[z] * f'(x)` gives the tangent contribution `t[x] * f'(x)`;
- `broadcasting` primitives (elementwise ones with several array inputs, by default) get
  `unbroadcast(..., np.shape(x))` around each reverse rule, applied here, never by hand;
- `linear` primitives get the forward rule `t[z] = f(t[x], statics)`;
- `bilinear` primitives get `t[z] = f(t[x], y) + f(x, t[y])`;
- anything else states `t[z] = ...` as a sum of one term per input.

Every spelling of an operation (the NumPy function, the Python operator, the `tg.` function
and the Tensor method name) resolves to the same record through the lookup functions below.

Sequences and several outputs:
- a `sequence` input (`np.concatenate`'s arrays) is a list of arrays; its reverse rule returns a
  list of cotangents, one per element, and its tangent `t[xs]` is a list (zeros filled in by the
  caller for inactive elements). Templates read its shapes as `shapes(xs)`, never `np.shape(xs)`;
- a `multiple_outputs` primitive (`np.split`) returns a tuple or list; `d[z]` is then a list of
  cotangents, one per output, whose missing entries the caller fills with zeros, and `t[z]`
  is a list. Templates read its shapes as `shapes(z)`.
Lowered rules receive, as the shape argument of such an input or output, the tuple of its
elements' shapes; `Primitive.rule_args` builds the argument tuple the right way.

Helpers NumPy cannot dispatch to an array library (`unindex` uses `np.add.at`) are registered
as primitives and handed to `route_helper`: lowered rules then call the primitive's `tg.`
function, so that on Tensors the helper is one recorded node with rules of its own.

User-declared primitives (`tg.primitive`, transgrad/custom.py) are registered here too, with
`module_globals=` (their rules may also read what the template's module defines; the names
read are `prim.rule_globals`) and `emit=` (generated code calls them by their own name). They
are `prim.user`, left out of `all_primitives()` unless asked for, and `unregister` removes one
when its template is declared again.
"""
import inspect

import numpy as np

from . import helpers
from .compiler.quoting import gast, parse_function, to_source, copy_tree
from .compiler.template import float_int_literal
from .errors import TemplateError

__all__ = [
    "Primitive",
    "Rule",
    "primitive",
    "nondifferentiable",
    "lookup",
    "lookup_operator",
    "lookup_method",
    "get",
    "add_spelling",
    "bind",
    "has_binder",
    "all_primitives",
    "public_functions",
    "set_tensor_dispatch",
    "route_helper",
    "unregister",
]

# Builtins a template may call besides `np` and the helpers.
_TEMPLATE_BUILTINS = frozenset(
    {"len", "tuple", "list", "range", "min", "max", "abs", "int", "float", "isinstance", "zip",
     "enumerate", "sorted", "None", "True", "False"}
)

# NumPy callables that act elementwise besides the ufuncs; a derived forward rule may use them.
_ELEMENTWISE_CALLS = frozenset({"where", "sign", "broadcast_to"})


class Rule:
    """One input's reverse rule (cotangent contribution) or forward rule (tangent contribution).

    `stmts` and `expr` are gast trees in the template's own names, ready for the compiler to
    instantiate with `Primitive.instantiate`; `core` is `expr` without the central unbroadcast
    (the compiler uses it where shapes are known to agree). `reads` are the template names
    whose *values* the rule reads; names read only through `np.shape(...)` are not in it, so
    the tape saves shapes, not arrays, for them. `fn` is the lowered function, called as
    `fn(seed, z, *inputs, z_shape, *input_shapes, *statics)`.
    """

    __slots__ = ("target", "stmts", "expr", "core", "reads", "fn", "source")

    def __init__(self, target, stmts, expr, core, reads, fn, source):
        self.target = target
        self.stmts = stmts
        self.expr = expr
        self.core = core
        self.reads = reads
        self.fn = fn
        self.source = source

    def __repr__(self):
        return f"<Rule d[{self.target}]: {to_source(self.expr)}>"


class Primitive:
    """The one record of an operation: implementation, spellings, flags and derivative rules."""

    def __init__(self, name, impl, *, output, inputs, statics, grad_fn, differentiable,
                 elementwise=False, broadcasting=False, linear=False, bilinear=False,
                 sequence=(), multiple_outputs=False, emit=None, filename=None, lineno=None,
                 doc=None):
        self.name = name
        self.impl = impl
        self.output = output
        self.inputs = tuple(inputs)
        self.statics = dict(statics)
        self.static_names = tuple(self.statics)
        self.grad_fn = grad_fn
        self.differentiable = differentiable
        self.elementwise = elementwise
        self.broadcasting = broadcasting
        self.linear = linear
        self.bilinear = bilinear
        self.sequence = frozenset(sequence)
        self.multiple_outputs = multiple_outputs
        self.emit = emit
        self.filename = filename
        self.lineno = lineno
        self.doc = doc
        self.temps = ()           # template temporaries: gast Assign statements, in order
        self.vjps = (None,) * len(self.inputs)
        self.jvps = (None,) * len(self.inputs)
        self.spellings = []       # human-readable list: "np.multiply", "*", "tg.mul", ".mul()"
        self.run = impl           # run(*inputs, *statics) with statics positional
        self.public = None        # the dispatching `tg.` function
        # user-declared primitives (`tg.primitive`, transgrad/custom.py): their rules may read
        # the template module's globals; `rule_globals` maps the names they read (and the
        # primitive's own name, `emit`) to values, for lowering and for generated code
        self.user = False
        self.module_globals = None
        self.rule_globals = {}

    # -- queries used by the tape and the compiler ---------------------------------------
    @property
    def differentiable_inputs(self):
        """Indices of the inputs that have a reverse rule."""
        return tuple(i for i, r in enumerate(self.vjps) if r is not None)

    def grad_fn_name(self, inputs, statics):
        """PyTorch's name for this operation's backward node, given raw inputs and statics."""
        if callable(self.grad_fn):
            return self.grad_fn(*inputs, **dict(zip(self.static_names, statics)))
        return self.grad_fn

    def saved_names(self, needed):
        """Template names whose values the reverse rules of the `needed` inputs read."""
        names = set()
        for i, need in enumerate(needed):
            if need and self.vjps[i] is not None:
                names |= self.vjps[i].reads
        return names

    def rule_args(self, out, inputs, statics):
        """The arguments after the seed with which a lowered rule is called:
        `(out, *inputs, out_shape, *input_shapes, *statics)`; the shape of a sequence input or
        of a multiple output is the tuple of its elements' shapes."""
        out_shape = helpers.shapes(out) if self.multiple_outputs else np.shape(out)
        shapes = [helpers.shapes(v) if x in self.sequence else _shape_or_none(v)
                  for x, v in zip(self.inputs, inputs)]
        return (out, *inputs, out_shape, *shapes, *statics)

    def bind(self, args, kwargs):
        """Split a call's arguments into (inputs tuple, statics tuple), as the `tg.` function does."""
        sig = inspect.signature(self.public)
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        values = bound.arguments
        if not self.differentiable:
            return tuple(bound.args), dict(bound.kwargs)
        return (tuple(values[n] for n in self.inputs),
                tuple(values[n] for n in self.static_names))

    def instantiate(self, rule, names):
        """The rule's statements and expression with template names replaced by expressions.

        `names` maps template names (output, inputs, statics, temporaries, and `d[z]` as the
        key `"d:" + output` or `t[x]` as `"t:" + x`) to gast expressions. Temporaries not in
        `names` keep their template name; the caller renames them to fresh names."""
        def subst(node):
            node = copy_tree(node)
            return _Substitute(names).visit(node)
        return [subst(s) for s in rule.stmts], subst(rule.expr)

    def __repr__(self):
        return f"<Primitive {self.name}>"


def _shape_or_none(value):
    """The shape of an array input; None for inputs that have none (an index tuple, None)."""
    try:
        return np.shape(value)
    except (ValueError, TypeError):
        return None


class _Substitute(gast.NodeTransformer):
    def __init__(self, names):
        self.names = names

    def visit_Subscript(self, node):
        key = _seed_key(node)
        if key is not None and key in self.names:
            return copy_tree(self.names[key])
        self.generic_visit(node)
        return node

    def visit_Name(self, node):
        if isinstance(node.ctx, gast.Load) and node.id in self.names:
            return copy_tree(self.names[node.id])
        if isinstance(node.ctx, gast.Store) and node.id in self.names:
            target = self.names[node.id]
            if isinstance(target, gast.Name):
                return gast.Name(id=target.id, ctx=gast.Store(), annotation=None, type_comment=None)
        return node


# ----------------------------------------------------------------------------------------
# The tables every spelling resolves through.
_BY_ID = {}          # id(callable) -> Primitive   (np.multiply, tg.mul, helpers, ...)
_KEEPALIVE = []      # the callables behind _BY_ID, so their ids stay unique
_BY_OPERATOR = {}    # gast operator class name ("Mult", "USub", "Gt") -> Primitive
_BY_METHOD = {}      # array/Tensor method name ("sum", "exp") -> Primitive
_BY_NAME = {}        # primitive name -> Primitive
_PUBLIC = {}         # tg-level name -> dispatching function
_TENSOR_DISPATCH = [None, ()]   # [apply(prim, inputs, statics), tensor types]


_UNSET = object()
_BINDERS = {}        # id(spelling) -> binder(args, kwargs) -> (inputs, statics), for wrappers


def add_spelling(fn, prim, binder=None):
    """Make another callable (a Tensor-facade wrapper with PyTorch's signature, say) spell
    `prim`. `binder(args, kwargs) -> (inputs, statics)` says how its arguments map onto the
    primitive's; without one, the primitive's own `tg.` signature is used."""
    _BY_ID[id(fn)] = prim
    _KEEPALIVE.append(fn)
    if binder is not None:
        _BINDERS[id(fn)] = binder


def bind(fn, args, kwargs):
    """Map a call `fn(*args, **kwargs)` of any spelling of a primitive onto (inputs, statics)."""
    binder = _BINDERS.get(id(fn))
    if binder is not None:
        return binder(args, kwargs)
    return lookup(fn).bind(args, kwargs)


def has_binder(fn):
    """Whether the spelling `fn` maps its arguments with a binder of its own (add_spelling)."""
    return id(fn) in _BINDERS


def lookup(fn):
    """The primitive a callable spells (`np.sin`, `tg.sin`, `helpers.unbroadcast`), or None."""
    return _BY_ID.get(id(fn))


def lookup_operator(op_name):
    """The primitive behind a Python operator, by gast class name (`"Mult"`, `"USub"`, `"Gt"`)."""
    return _BY_OPERATOR.get(op_name)


def lookup_method(name):
    """The primitive behind an array or Tensor method name (`"sum"`, `"exp"`), or None."""
    return _BY_METHOD.get(name)


def get(name):
    """The primitive registered under `name`."""
    return _BY_NAME[name]


def all_primitives(user=False):
    """Every registered primitive, in registration order; user-declared ones (`tg.primitive`)
    only with `user=True` (the shipped set is what the rule tests and docs table cover)."""
    return [p for p in _BY_NAME.values() if user or not p.user]


def public_functions():
    """The `tg.` functions made from the registry, by name."""
    return dict(_PUBLIC)


def set_tensor_dispatch(apply, tensor_types):
    """Called once by the Tensor engine: route `tg.` functions on Tensors through `apply`."""
    _TENSOR_DISPATCH[0] = apply
    _TENSOR_DISPATCH[1] = tuple(tensor_types)


def _has_tensor(values, types):
    for v in values:
        if isinstance(v, types):
            return True
        if isinstance(v, (list, tuple)) and any(isinstance(e, types) for e in v):
            return True
    return False


def _dispatch(prim, inputs, statics):
    apply, types = _TENSOR_DISPATCH
    if apply is not None and _has_tensor(inputs, types):
        return apply(prim, inputs, statics)
    return prim.run(*inputs, *statics)


def _dispatch_nondiff(prim, args, kwargs):
    apply, types = _TENSOR_DISPATCH
    if apply is not None and (_has_tensor(args, types) or _has_tensor(kwargs.values(), types)):
        return apply(prim, args, kwargs)
    return prim.impl(*args, **kwargs)


def _check_spellings_free(prim, spellings, aliases, methods, operators):
    """Refuse, before any table changes, a spelling that already means another primitive."""
    taken = [(f"a primitive named {prim.name!r}", _BY_NAME.get(prim.name))]
    taken += [(_spelling_name(o), lookup(o)) for o in (prim.impl, *spellings) if o is not None]
    taken += [(f"tg.{a}", lookup(_PUBLIC[a]) if a in _PUBLIC else None) for a in aliases]
    taken += [(f"the method .{m}()", _BY_METHOD.get(m)) for m in methods]
    taken += [(f"the operator {_OPERATOR_SYMBOLS.get(o, o)}", _BY_OPERATOR.get(o)) for o in operators]
    for what, other in taken:
        if other is not None and other is not prim:
            raise TemplateError(f"{_where(prim)}: {what} is already the primitive {other.name!r}")


def _register_spellings(prim, spellings, aliases, methods, operators):
    _check_spellings_free(prim, spellings, aliases, methods, operators)
    for obj in (prim.impl, *spellings):
        if obj is not None:
            _BY_ID[id(obj)] = prim
            _KEEPALIVE.append(obj)
            prim.spellings.append(_spelling_name(obj))
    for alias in aliases:
        if alias in _PUBLIC and lookup(_PUBLIC[alias]) is not prim:
            raise TemplateError(f"{_where(prim)}: tg.{alias} is already the primitive "
                                f"{lookup(_PUBLIC[alias]).name}")
        _PUBLIC[alias] = prim.public
        prim.spellings.append(f"tg.{alias}")
    for m in methods:
        _BY_METHOD[m] = prim
        prim.spellings.append(f".{m}()")
    for op in operators:
        _BY_OPERATOR[op] = prim
        prim.spellings.append(_OPERATOR_SYMBOLS.get(op, op))
    _BY_ID[id(prim.public)] = prim
    _KEEPALIVE.append(prim.public)
    if prim.name in _BY_NAME:
        raise TemplateError(f"{_where(prim)}: a primitive named {prim.name!r} is already registered")
    _BY_NAME[prim.name] = prim


_OPERATOR_SYMBOLS = {
    "Add": "+", "Sub": "-", "Mult": "*", "Div": "/", "Pow": "**", "MatMult": "@", "USub": "unary -",
    "UAdd": "unary +", "FloorDiv": "//", "Mod": "%", "Gt": ">", "GtE": ">=", "Lt": "<", "LtE": "<=",
    "Eq": "==", "NotEq": "!=", "Invert": "~", "BitAnd": "&", "BitOr": "|", "BitXor": "^",
    "Subscript": "x[index]",
}


def _spelling_name(obj):
    if isinstance(obj, np.ufunc) or getattr(np, getattr(obj, "__name__", ""), None) is obj:
        return f"np.{obj.__name__}"
    module = getattr(obj, "__module__", "") or ""
    return f"{module}.{getattr(obj, '__qualname__', obj)}"


def _emit_spelling(impl, name):
    """How generated code calls this primitive: `np.<name>` for NumPy's, else `tg.<name>`."""
    if isinstance(impl, np.ufunc) or getattr(np, getattr(impl, "__name__", ""), None) is impl:
        return f"np.{impl.__name__}"
    return f"tg.{name}"


def _where(prim):
    return f"{prim.filename}:{prim.lineno} (primitive {prim.name!r})"


# ----------------------------------------------------------------------------------------
# Declaring primitives.

def primitive(impl, *, grad_fn=None, elementwise=False, broadcasting=None, linear=False,
              bilinear=False, spellings=(), aliases=None, methods=(), operators=(), sequence=(),
              multiple_outputs=False, name=None, emit=None, module_globals=None):
    """Declare a differentiable primitive by its template (see the module docstring).

    impl:         the function that computes the primal (`np.multiply`); also a spelling.
    grad_fn:      PyTorch's backward-node name, or a callable `(*raw_inputs, **statics) -> name`.
    elementwise:  the Jacobian is diagonal: forward rules are derived from reverse rules.
    broadcasting: inputs broadcast against each other: reverse rules are unbroadcast centrally
                  (default: elementwise with more than one array input).
    linear:       the forward rule is the primitive applied to the tangents.
    bilinear:     the forward rule is f(t[x], y) + f(x, t[y]).
    spellings:    further callables meaning the same operation.
    aliases:      `tg.` function names (default: the template's name).
    methods:      Tensor/ndarray method names. operators: gast operator class names.
    sequence:     inputs that are sequences of arrays (`np.concatenate`'s first argument).
    multiple_outputs: the primal returns a tuple/list of arrays (`np.split`); see above.
    emit:         how generated code calls it, when not `np.<name>`/`tg.<name>`: a bare name
                  (user-declared primitives are called by their own name).
    module_globals: for user-declared primitives: the globals their rules may read besides
                  the whitelist (the template's module); the primitive is then `user`.
    """
    def register(template):
        prim = _build(template, impl, name or template.__name__.rstrip("_"), grad_fn, elementwise,
                      broadcasting, linear, bilinear, sequence, multiple_outputs, emit,
                      module_globals)
        _register_spellings(prim, spellings, (prim.name,) if aliases is None else aliases,
                            methods, operators)
        return prim
    return register


def nondifferentiable(impl, *, name=None, spellings=(), aliases=None, methods=(), operators=()):
    """Declare an operation with no derivative: its outputs are constants (comparisons, argmax,
    floor, ...). On Tensors it computes a result that does not require grad and records no node."""
    name = name or impl.__name__
    prim = Primitive(name, impl, output=None, inputs=(), statics={}, grad_fn=None,
                     differentiable=False, emit=_emit_spelling(impl, name))
    prim.public = _make_nondiff_public(prim)
    _register_spellings(prim, spellings, (name,) if aliases is None else aliases, methods, operators)
    return prim


def _make_nondiff_public(prim):
    def public(*args, **kwargs):
        return _dispatch_nondiff(prim, args, kwargs)
    public.__name__ = public.__qualname__ = prim.name
    public.__doc__ = f"{prim.name}: not differentiable; see {prim.emit}."
    return public


def _build(template, impl, name, grad_fn, elementwise, broadcasting, linear, bilinear, sequence,
           multiple_outputs=False, emit=None, module_globals=None):
    fdef, _source, filename, _first = parse_function(template)
    sig = inspect.signature(template)
    params = list(sig.parameters.values())
    if not params:
        raise TemplateError(f"{filename}:{fdef.lineno}: template {name!r} needs the output as "
                            "its first parameter")
    output = params[0].name
    inputs = [p.name for p in params[1:] if p.default is inspect.Parameter.empty]
    statics = {p.name: p.default for p in params[1:] if p.default is not inspect.Parameter.empty}
    if broadcasting is None:
        broadcasting = elementwise and len(inputs) > 1
    prim = Primitive(name, impl, output=output, inputs=inputs, statics=statics, grad_fn=grad_fn,
                     differentiable=True, elementwise=elementwise, broadcasting=broadcasting,
                     linear=linear, bilinear=bilinear, sequence=sequence,
                     multiple_outputs=multiple_outputs,
                     emit=emit or _emit_spelling(impl, name), filename=filename, lineno=fdef.lineno,
                     doc=inspect.getdoc(template))
    if module_globals is not None:
        prim.user = True
        prim.module_globals = module_globals
    body = _TemplateBody(prim, fdef)
    prim.temps = tuple(body.temps)
    vjps = []
    for x in inputs:
        stmt = body.vjp.get(x)
        vjps.append(None if stmt is None else _make_vjp(prim, body, x, stmt))
    prim.vjps = tuple(vjps)
    prim.jvps = tuple(_derive_jvps(prim, body))
    prim.run = _make_run(prim)
    prim.public = _make_public(prim, sig)
    if prim.user:
        # the lowered rules see the primitive itself under its own name (a linear primitive's
        # derived forward rule calls it)
        prim.rule_globals[prim.emit] = prim.public
        _user_namespace(prim)[prim.emit] = prim.public
    return prim


class _TemplateBody:
    """The checked statements of a template: temporaries, `d[x] = ...` and `t[z] = ...`."""

    def __init__(self, prim, fdef):
        self.prim = prim
        self.temps = []
        self.vjp = {}
        self.jvp = None
        params = {prim.output, *prim.inputs, *prim.statics}
        known = set(params)
        for stmt in fdef.body:
            if (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant)
                    and isinstance(stmt.value.value, str)):
                continue  # docstring
            if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1):
                self.fail(stmt, "a template holds only assignments: `d[x] = ...`, `t[z] = ...` "
                                "or `name = ...`")
            target = stmt.targets[0]
            key = _seed_key(target)
            if isinstance(target, gast.Name):
                if target.id in params:
                    self.fail(stmt, f"a temporary may not reassign the parameter {target.id!r}")
                self.check_names(stmt.value, known, allow_d=True, allow_t=True)
                self.temps.append(stmt)
                known.add(target.id)
            elif key is not None and key.startswith("d:"):
                x = key[2:]
                if x not in prim.inputs:
                    self.fail(stmt, f"d[{x}] = ... names no array input; inputs are "
                                    f"{', '.join(prim.inputs) or 'none'}")
                if x in self.vjp:
                    self.fail(stmt, f"d[{x}] is given twice")
                self.check_names(stmt.value, known, allow_d=True, allow_t=False)
                self.vjp[x] = stmt
            elif key is not None and key.startswith("t:"):
                if key[2:] != prim.output:
                    self.fail(stmt, f"a forward rule assigns t[{prim.output}], the output")
                if self.jvp is not None:
                    self.fail(stmt, f"t[{prim.output}] is given twice")
                self.check_names(stmt.value, known, allow_d=False, allow_t=True)
                self.jvp = stmt
            else:
                self.fail(stmt, "assign to d[<input>], t[<output>] or a plain name")

    def fail(self, node, message):
        raise TemplateError(f"{self.prim.filename}:{getattr(node, 'lineno', self.prim.lineno)}: "
                            f"in the template of {self.prim.name!r}: {message}")

    def check_names(self, expr, known, allow_d, allow_t):
        prim = self.prim
        for node in _walk_outside_seeds(expr):
            key = _seed_key(node)
            if key is not None:
                kind, v = key[0], key[2:]
                if kind == "d" and (not allow_d or v != prim.output):
                    self.fail(node, f"d[{v}] may be read only as d[{prim.output}] in a reverse rule")
                if kind == "t" and (not allow_t or v not in prim.inputs):
                    self.fail(node, f"t[{v}] may be read only for an input in a forward rule")
            elif isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
                if node.id in ("d", "t"):
                    self.fail(node, f"{node.id}[...] takes a parameter name, as in {node.id}[x]")
                if prim.user and not (node.id in known or node.id == "np" or node.id in
                                      helpers.__all__ or node.id in _TEMPLATE_BUILTINS):
                    if node.id == prim.emit:
                        continue        # the primitive itself, bound once it is declared
                    if node.id in prim.module_globals:
                        prim.rule_globals[node.id] = prim.module_globals[node.id]
                        continue
                    self.fail(node, f"unknown name {node.id!r}: a rule may read the template's "
                                    "parameters, its temporaries, np, the helpers of "
                                    "transgrad.helpers, a few builtins and the names its module "
                                    "defines before the primitive is declared")
                if not (node.id in known or node.id == "np" or node.id in helpers.__all__
                        or node.id in _TEMPLATE_BUILTINS):
                    self.fail(node, f"unknown name {node.id!r}: a rule may read the template's "
                                    "parameters, its temporaries, np, the helpers of "
                                    "transgrad.helpers and a few builtins")
            elif isinstance(node, (gast.Lambda, gast.NamedExpr, gast.Await, gast.Yield)):
                self.fail(node, f"{type(node).__name__} is not allowed in a rule")


def _walk_outside_seeds(node):
    """Every node under `node`, not descending into `d[x]`/`t[x]` (whose `d` is no variable)."""
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        if _seed_key(node) is None:
            stack.extend(gast.iter_child_nodes(node))


def _seed_key(node):
    """'d:x' for the subscript d[x], 't:x' for t[x], else None."""
    if (isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name)
            and node.value.id in ("d", "t") and isinstance(node.slice, gast.Name)):
        return f"{node.value.id}:{node.slice.id}"
    return None


def _names_read(node):
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def _needed_temps(prim, expr):
    """The template temporaries `expr` depends on, in template order (a dependency slice)."""
    needed = set(_names_read(expr))
    keep = []
    for stmt in reversed(prim.temps):
        if stmt.targets[0].id in needed:
            keep.append(stmt)
            needed |= _names_read(stmt.value)
    return keep[::-1]


def _call(func, args, keywords=()):
    return gast.Call(func=func, args=list(args),
                     keywords=[gast.keyword(arg=k, value=v) for k, v in keywords])


def _name(ident):
    return gast.Name(id=ident, ctx=gast.Load(), annotation=None, type_comment=None)


def _shape_of(x):
    return _call(gast.Attribute(value=_name("np"), attr="shape", ctx=gast.Load()), [_name(x)])


def _make_vjp(prim, body, x, stmt):
    core = stmt.value
    expr = core
    if prim.broadcasting:
        expr = _call(_name("unbroadcast"), [copy_tree(core), _shape_of(x)])
    return _lower(prim, "vjp", x, expr, core)


def _lower(prim, kind, target, expr, core):
    """Make the Rule: trees for the compiler and the plain function for the tape."""
    stmts = _needed_temps(prim, expr)
    seed = f"d{prim.output}" if kind == "vjp" else f"t{target}"
    shape_params = [f"{v}_shape" for v in (prim.output, *prim.inputs)]
    params = [seed, prim.output, *prim.inputs, *shape_params, *prim.static_names]
    clash = set(params[:1] + shape_params) & ({prim.output, *prim.inputs, *prim.statics} |
                                             {s.targets[0].id for s in prim.temps})
    clash |= set(params) & {"np", "tg", *helpers.__all__}   # would hide a global the rule calls
    if clash or len(set(params)) != len(params):
        raise TemplateError(f"{_where(prim)}: rename the parameter(s) {sorted(clash)}: they "
                            "clash with the names the lowered rules use")
    seed_key = f"d:{prim.output}" if kind == "vjp" else f"t:{target}"
    mapping = {seed_key: _name(seed)}
    lowered = _ShapesToParams(prim, mapping).visit(
        gast.Module(body=[copy_tree(s) for s in stmts] + [gast.Return(value=copy_tree(expr))],
                    type_ignores=[]))
    # the seed, the output and the input the rule is for are floating wherever the function
    # runs (the tape records floating results only): `1 - z * z` -> `1.0 - z * z`, the same
    # values without NumPy converting an int each call (the compiler does the same, from
    # its shape facts, in the code it generates from `stmts`/`expr`)
    _float_literals(lowered, {seed, prim.output, target})
    fname = f"{prim.name}_{kind}_{target}"
    source = f"def {fname}({', '.join(params)}):\n" + _indent(to_source(lowered.body))
    reads = set()
    for node in lowered.body:
        reads |= _names_read(node)
    reads &= {prim.output, *prim.inputs}
    namespace = _user_namespace(prim) if prim.user else _lowering_namespace()
    code = compile(source, f"<transgrad rule {prim.name}: {prim.filename}:{prim.lineno}>", "exec")
    exec(code, namespace)
    return Rule(target, stmts, expr, core, frozenset(reads), namespace[fname], source)


def _float_literals(tree, floating):
    """Write the small int literals combined by + - * / with a value known to be floating
    (a name in `floating`, or arithmetic on one) as floats, in place (as the compiler does
    when it instantiates rules: `template.float_int_literal`)."""
    known = floating.__contains__
    for node in gast.walk(tree):
        if type(node) is gast.BinOp:
            float_int_literal(node, known)


def _indent(text):
    return "".join("    " + line + "\n" for line in text.splitlines())


class _ShapesToParams(_Substitute):
    """Lowering: `np.shape(x)` of an input or the output becomes the parameter `x_shape`."""

    def __init__(self, prim, mapping):
        super().__init__(mapping)
        self.prim = prim

    def visit_Call(self, node):
        f = node.func
        if (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id == "np"
                and f.attr in ("shape", "ndim") and len(node.args) == 1 and not node.keywords
                and isinstance(node.args[0], gast.Name)
                and node.args[0].id in (self.prim.output, *self.prim.inputs)):
            shape = _name(f"{node.args[0].id}_shape")
            return shape if f.attr == "shape" else _call(_name("len"), [shape])
        if (isinstance(f, gast.Name) and f.id == "shapes" and len(node.args) == 1
                and isinstance(node.args[0], gast.Name)
                and node.args[0].id in (self.prim.output, *self.prim.inputs)):
            return _name(f"{node.args[0].id}_shape")   # a sequence input's or outputs' shapes
        self.generic_visit(node)
        return node


_NAMESPACE = {}


def _lowering_namespace():
    """The globals every lowered rule shares (so that `route_helper` reaches rules lowered
    before it was called)."""
    if not _NAMESPACE:
        _NAMESPACE.update({n: getattr(helpers, n) for n in helpers.__all__})
        _NAMESPACE["np"] = np
        _NAMESPACE["tg"] = _LazyTransgrad()
    return _NAMESPACE


def rule_namespace():
    """The helpers as lowered rules call them: `transgrad.helpers`, with the helpers handed to
    `route_helper` replaced by their dispatching `tg.` functions (tg.compile runs generated
    code on Tensors with the same names)."""
    return dict(_lowering_namespace())


def _user_namespace(prim):
    """The globals of a user-declared primitive's lowered rules: the shared ones, then the
    names its rules read from the template's module (values taken at declaration)."""
    namespace = getattr(prim, "_namespace", None)
    if namespace is None:
        namespace = prim._namespace = dict(_lowering_namespace())
    namespace.update(prim.rule_globals)
    return namespace


def unregister(prim):
    """Remove every spelling of a user-declared primitive (re-declaring it, as when a notebook
    cell runs again, replaces the old record instead of clashing with it)."""
    if not prim.user:
        raise TemplateError(f"{_where(prim)}: only user-declared primitives can be unregistered")
    for table in (_PUBLIC, _BY_ID, _BY_OPERATOR, _BY_METHOD, _BY_NAME):
        for key in [k for k, v in table.items() if v is prim or lookup(v) is prim]:
            del table[key]
    for key in [k for k in _BINDERS if k not in _BY_ID]:
        del _BINDERS[key]


def route_helper(prim):
    """Lowered rules call the helper `prim.impl` through `prim`'s dispatching `tg.` function:
    on arrays it is the helper itself, on Tensors one recorded node (for helpers NumPy cannot
    dispatch, like `unindex`'s `np.add.at`)."""
    name = prim.impl.__name__
    if getattr(helpers, name, None) is not prim.impl:
        raise TemplateError(f"{_where(prim)}: route_helper needs a primitive whose impl is the "
                            f"helper transgrad.helpers.{name}")
    _lowering_namespace()[name] = prim.public


class _LazyTransgrad:
    """`tg` inside lowered rules: the registry's own `tg.` functions (whatever wrappers the
    package exports under the same names), else the package, imported on first use."""

    def __getattr__(self, attr):
        fn = _PUBLIC.get(attr)
        if fn is not None:
            return fn
        import transgrad
        return getattr(transgrad, attr)


# -- forward rules ------------------------------------------------------------------------

def _derive_jvps(prim, body):
    n = len(prim.inputs)
    if body.jvp is not None:
        terms = _split_terms(prim, body, body.jvp.value)
        return [None if terms.get(x) is None else _finish_jvp(prim, x, terms[x]) for x in prim.inputs]
    jvps = [None] * n
    diff = [i for i, r in enumerate(prim.vjps) if r is not None]
    if prim.elementwise:
        for i in diff:
            x = prim.inputs[i]
            core = body.vjp[x].value
            _check_elementwise_linear(prim, body, x, core)
            jvps[i] = _finish_jvp(prim, x, _Substitute({f"d:{prim.output}": _seed("t", x)}).visit(
                copy_tree(core)))
        return jvps
    if prim.linear:
        if len(diff) > 1:
            body.fail(body.vjp[prim.inputs[diff[1]]],
                      "a linear primitive with several differentiable inputs states t[z] = ...")
        for i in diff:
            args = [(_seed("t", x) if j == i else _name(x)) for j, x in enumerate(prim.inputs)]
            jvps[i] = _finish_jvp(prim, prim.inputs[i], _self_call(prim, args))
        return jvps
    if prim.bilinear:
        for i in diff:
            args = [(_seed("t", x) if j == i else _name(x)) for j, x in enumerate(prim.inputs)]
            jvps[i] = _finish_jvp(prim, prim.inputs[i], _self_call(prim, args))
        return jvps
    if diff:
        body.fail(body.vjp[prim.inputs[diff[0]]],
                  f"state the forward rule t[{prim.output}] = ..., or flag the primitive "
                  "elementwise, linear or bilinear so that it can be derived")
    return jvps


def _seed(kind, x):
    return gast.Subscript(value=_name(kind), slice=_name(x), ctx=gast.Load())


def _self_call(prim, args):
    func = _emit_expr(prim.emit)
    return _call(func, args, [(s, _name(s)) for s in prim.static_names])


def _emit_expr(emit):
    if "." not in emit:
        return _name(emit)      # a user-declared primitive, called by its own name
    module, attr = emit.split(".", 1)
    return gast.Attribute(value=_name(module), attr=attr, ctx=gast.Load())


def _check_elementwise_linear(prim, body, x, core):
    seeds = [n for n in gast.walk(core) if _seed_key(n) == f"d:{prim.output}"]
    if len(seeds) != 1:
        body.fail(body.vjp[x], f"an elementwise rule reads d[{prim.output}] exactly once, so "
                               "that the forward rule can be derived; state t[z] = ... instead")
    for node in gast.walk(core):
        if isinstance(node, gast.Call):
            f = node.func
            ok = (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name)
                  and f.value.id == "np"
                  and (isinstance(getattr(np, f.attr, None), np.ufunc) or f.attr in _ELEMENTWISE_CALLS))
            # a user primitive's own helpers (its module's functions) are taken as elementwise,
            # as its flag says; docs/custom.md asks for exactly that
            ok = ok or (prim.user and isinstance(f, gast.Name) and f.id in prim.rule_globals)
            if not ok:
                body.fail(node, f"the elementwise rule for d[{x}] calls {to_source(f)}, which is "
                                "not elementwise; state t[z] = ... instead")


def _split_terms(prim, body, expr):
    """Split `t[z] = a + b - c` into one contribution per input; each term names one tangent."""
    terms = {}

    def add(x, term):
        terms[x] = term if x not in terms else gast.BinOp(left=terms[x], op=gast.Add(), right=term)

    stack = [(expr, False)]
    while stack:
        node, negate = stack.pop()
        if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Add, gast.Sub)):
            stack.append((node.left, negate))
            stack.append((node.right, negate != isinstance(node.op, gast.Sub)))
            continue
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
            stack.append((node.operand, not negate))
            continue
        tangents = {_seed_key(n)[2:] for n in gast.walk(node) if (_seed_key(n) or "")[:2] == "t:"}
        if len(tangents) != 1:
            body.fail(body.jvp, f"each term of t[{prim.output}] = ... must read exactly one tangent; "
                                f"{to_source(node)} reads {len(tangents)}")
        if negate:
            node = gast.UnaryOp(op=gast.USub(), operand=node)
        add(tangents.pop(), node)
    return terms


def _finish_jvp(prim, x, expr):
    core = expr
    if prim.broadcasting:
        expr = _call(_name("rebroadcast"), [copy_tree(core), _shape_of(prim.output)])
    return _lower(prim, "jvp", x, expr, core)


# -- the functions the tape and `tg.` call -------------------------------------------------

def _make_run(prim):
    """run(*inputs, *statics): the primal, statics passed to `impl` by keyword."""
    if not prim.static_names:
        return prim.impl
    args = ", ".join([*prim.inputs, *prim.static_names])
    kwargs = ", ".join(f"{s}={s}" for s in prim.static_names)
    source = (f"def run_{prim.name}({args}):\n"
              f"    return impl({', '.join(prim.inputs)}{', ' if prim.inputs else ''}{kwargs})\n")
    namespace = {"impl": prim.impl}
    exec(compile(source, f"<transgrad primitive {prim.name}>", "exec"), namespace)
    return namespace[f"run_{prim.name}"]


# PyTorch's keyword names for NumPy's static parameters: `tg.sum(x, dim=0, keepdim=True)`.
TORCH_KEYWORDS = {"axis": "dim", "keepdims": "keepdim", "ddof": "correction"}


def _make_public(prim, sig):
    """The `tg.<name>` function: the template's signature less the output (plus PyTorch's
    keyword names for `axis`/`keepdims`), dispatching to the Tensor engine when an input is
    a Tensor, else computing on arrays."""
    params = list(sig.parameters.values())[1:]
    text = ", ".join(str(p) if p.default is inspect.Parameter.empty else f"{p.name}=_d_{p.name}"
                     for p in params)
    torch_names = [(s, TORCH_KEYWORDS[s]) for s in prim.static_names if s in TORCH_KEYWORDS]
    if torch_names:
        text += ", *, " + ", ".join(f"{t}=_UNSET" for _, t in torch_names)
    namespace = {"_dispatch": _dispatch, "_prim": prim, "_UNSET": _UNSET}
    namespace.update({f"_d_{p.name}": p.default for p in params
                      if p.default is not inspect.Parameter.empty})
    inputs = "".join(f"{x}, " for x in prim.inputs)
    statics = "".join(f"{s}, " for s in prim.static_names)
    renames = "".join(f"    if {t} is not _UNSET: {s} = {t}\n" for s, t in torch_names)
    source = (f"def {prim.name}({text}):\n{renames}"
              f"    return _dispatch(_prim, ({inputs}), ({statics}))\n")
    exec(compile(source, f"<transgrad tg.{prim.name}>", "exec"), namespace)
    fn = namespace[prim.name]
    fn.__doc__ = prim.doc
    fn.__module__ = "transgrad"
    return fn


def rule_table():
    """(name, spellings, reverse rules, forward rules) for every primitive: for docs and the CLI."""
    rows = []
    for prim in all_primitives():
        if not prim.differentiable:
            rows.append((prim.name, prim.spellings, [], []))
            continue
        vjps = [r for r in prim.vjps if r is not None]
        jvps = [r for r in prim.jvps if r is not None]
        rev = _temporaries(vjps) + [f"d[{r.target}] = {to_source(r.expr)}" for r in vjps]
        fwd = _temporaries(jvps) + [f"t[{prim.output}] += {to_source(r.expr)}" for r in jvps]
        rows.append((prim.name, prim.spellings, rev, fwd))
    return rows


def _temporaries(rules):
    """The template temporaries the rules read, each once, in template order (`w = ...`)."""
    lines = []
    for r in rules:
        for stmt in r.stmts:
            text = to_source(stmt).strip()
            if text not in lines:
                lines.append(text)
    return lines

