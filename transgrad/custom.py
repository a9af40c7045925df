"""Rules users declare: `tg.primitive`, `tg.custom_vjp`, and `tg.checkpoint`.

- `tg.primitive(impl, elementwise=..., linear=..., bilinear=...)` declares a new operation
  from a template written in the language of `transgrad/rules/` (see docs/custom.md). It is a
  registry primitive like the shipped ones (`registry.primitive` does the checking, the rule
  derivation and the lowering), with three differences: its rules may read the names its own
  module defines (helper functions, constants); generated code calls it by its own name,
  imported from the user's module; and a rule that raises is reported at the template's line.
  The decorated name becomes the callable: arrays in, arrays out; Tensors in, one
  `<Name>Backward` node recorded.
- `tg.custom_vjp(f)` + `f.defvjp(f_fwd, f_bwd)` (JAX's interface): `f_fwd(*args) -> (out,
  residuals)`, `f_bwd(residuals, g) -> one cotangent per positional argument`. Eagerly one
  `<F>Backward` node; in compiled reverse mode the generated code calls `f_fwd` in the forward
  sweep (its residuals are the tape) and `f_bwd` in the backward sweep.
- `tg.checkpoint(fn)(*args)` or `tg.checkpoint(fn, *args)`: the call's intermediates are not
  kept; the backward pass recomputes them from the saved inputs (JAX's `checkpoint`, PyTorch's
  `torch.utils.checkpoint`). Eagerly one `CheckpointFunctionBackward` node; in compiled code
  the forward sweep calls `fn` plainly and the backward sweep runs `fn`'s generated forward
  (building its tape) right before its backward.

The compiler recognises these objects through `_transgrad_kind` (see `compiler/resolve.py`).
"""
import functools
import inspect
import linecache
import re

import numpy as np

from . import registry
from .autograd.function import Function
from .eager.dispatch import wrap
from .eager.grad_mode import STATE, enable_grad
from .eager.tensor import Tensor
from .errors import GradientError, TemplateError, TransgradError

__all__ = ["primitive", "custom_vjp", "checkpoint", "Checkpointed", "CustomVJP"]


# -- tg.primitive --------------------------------------------------------------------------

def primitive(impl, *, elementwise=False, broadcasting=None, linear=False, bilinear=False,
              grad_fn=None, name=None):
    """Declare a new differentiable operation computed by `impl`, with the rules stated by the
    decorated template (see docs/custom.md):

        @tg.primitive(_softclip, elementwise=True)
        def softclip(z, x, limit=1.0):
            '''z = limit * tanh(x / limit)'''
            d[x] = d[z] * (1 - (z / limit) ** 2)

    The template's first parameter names the output, the next ones the array inputs,
    parameters with defaults are static (passed to `impl` by keyword). Its body states
    `d[x] = ...` per differentiable input and, unless a flag lets it be derived, the forward
    rule `t[z] = ...`. Rules may read the template's names, `np`, the helpers of
    `transgrad.helpers`, a few builtins and what the template's module defines before the
    declaration. Returns the callable `softclip(x, limit=1.0)`.

    grad_fn: the eager node's name (default: `SoftclipBackward`); name: the registry name
    (default: the template's name, qualified with the module's name if a shipped primitive
    has it already)."""
    if not callable(impl):
        raise TransgradError(f"tg.primitive needs the function that computes the operation, "
                             f"not {type(impl).__name__}: tg.primitive(impl, ...)(template)")

    def declare(template):
        if not inspect.isfunction(template):
            raise TransgradError("tg.primitive(...) decorates a template function "
                                 "`def name(z, x, ...):` whose body states the rules")
        pname = _registry_name(template, name)
        node = grad_fn or f"{_camel(name or template.__name__.rstrip('_'))}Backward"
        prim = registry.primitive(
            impl, grad_fn=node, elementwise=elementwise,
            broadcasting=broadcasting, linear=linear, bilinear=bilinear, aliases=(),
            name=pname, emit=template.__name__, module_globals=template.__globals__)(template)
        prim.template_qualname = template.__qualname__
        prim.template_module = template.__module__
        for kind, rules in (("reverse", prim.vjps), ("forward", prim.jvps)):
            for rule in rules:
                if rule is not None:
                    rule.fn = _located_rule(prim, rule, kind)
        fn = prim.public
        fn.__name__ = template.__name__
        fn.__qualname__ = template.__qualname__
        fn.__module__ = template.__module__
        fn.__doc__ = prim.doc
        fn.primitive = prim
        return fn
    return declare


def _registry_name(template, chosen):
    """The registry name of a new user primitive. A second declaration of the same template
    (a notebook cell run again, a module reloaded) replaces the first. The template's name is
    taken when free; when a shipped primitive or another module has it, the name is qualified
    with the module's (`softplus_mymodel`), unless `name=` chose it: then it is an error."""
    filename = inspect.getsourcefile(template) or "<unknown>"
    for old in registry.all_primitives(user=True):
        if old.user and getattr(old, "template_qualname", None) == template.__qualname__ \
                and getattr(old, "template_module", None) == template.__module__ \
                and old.filename == filename:
            registry.unregister(old)
    base = chosen or template.__name__.rstrip("_")
    if not _taken(base):
        return base
    if chosen:
        old = registry.get(chosen)
        raise TemplateError(f"{filename}:{template.__code__.co_firstlineno}: a primitive named "
                            f"{chosen!r} already exists ({old.filename}:{old.lineno}); choose "
                            "another name=")
    module = re.sub(r"\W+", "_", (template.__module__ or "user").rsplit(".", 1)[-1]).strip("_")
    candidate, k = f"{base}_{module}", 1
    while _taken(candidate):
        k += 1
        candidate = f"{base}_{module}_{k}"
    return candidate


def _taken(name):
    try:
        registry.get(name)
    except KeyError:
        return False
    return True


def _camel(name):
    """`softclip` -> `Softclip`, `soft_clip` -> `SoftClip` (node names, PyTorch style)."""
    parts = [p for p in re.split(r"_+", name) if p]
    return "".join(p[:1].upper() + p[1:] for p in parts) or "Custom"


def _located_rule(prim, rule, kind):
    """`rule.fn`, re-raising what it raises as a GradientError at the template's line."""
    fn = rule.fn
    line = getattr(rule.core, "lineno", None) or prim.lineno
    what = (f"d[{rule.target}]" if kind == "reverse" else f"t[{prim.output}] (through "
                                                           f"t[{rule.target}])")

    def rule_fn(*args):
        try:
            return fn(*args)
        except TransgradError:
            raise
        except Exception as err:  # noqa: BLE001 - re-raised with the template's line, chained
            text = linecache.getline(prim.filename, line).strip()
            raise GradientError(
                f"the {kind} rule {what} of the primitive {prim.name!r} raised "
                f"{type(err).__name__}: {err}\n  File \"{prim.filename}\", line {line}\n"
                f"    {text}") from err
    rule_fn.__name__ = rule_fn.__qualname__ = getattr(fn, "__name__", "rule")
    rule_fn.__wrapped__ = fn
    return rule_fn


# -- tg.custom_vjp -------------------------------------------------------------------------

class CustomVJP:
    """A function with a user-given reverse rule (JAX's `custom_vjp`): see the module docstring.

        f = tg.custom_vjp(f)
        f.defvjp(f_fwd, f_bwd)   # f_fwd(*args) -> (out, res); f_bwd(res, g) -> cotangents
    """

    _transgrad_kind = "custom_vjp"

    def __init__(self, fun):
        if not callable(fun):
            raise TransgradError(f"tg.custom_vjp needs a function, not {type(fun).__name__}")
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.fwd = None
        self.bwd = None
        self._signature = inspect.signature(fun)
        for p in self._signature.parameters.values():
            if p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD):
                raise TransgradError(
                    f"tg.custom_vjp({fun.__name__}): the parameter {p.name!r} is keyword-only; "
                    "a custom_vjp function takes positional parameters (its backward rule "
                    "returns one cotangent per positional argument)")
        self._function_cls = None

    def defvjp(self, fwd, bwd):
        """Give the forward rule `fwd(*args) -> (out, residuals)` and the backward rule
        `bwd(residuals, g) -> tuple of cotangents, one per positional argument`."""
        if not callable(fwd) or not callable(bwd):
            raise TransgradError(f"{self.__name__}.defvjp(fwd, bwd) needs two functions")
        self.fwd, self.bwd = fwd, bwd
        self._function_cls = None

    def resolve(self, args, kwargs):
        """The arguments as one positional tuple, defaults filled in (what fwd receives)."""
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as err:
            raise TransgradError(f"{self.__name__}: {err}") from None
        bound.apply_defaults()
        return bound.args

    def __call__(self, *args, **kwargs):
        args = self.resolve(args, kwargs)
        if self.fwd is None:
            raise TransgradError(f"the custom_vjp function {self.__name__!r} has no rule yet: "
                                 f"call {self.__name__}.defvjp(fwd, bwd) first")
        if STATE.grad and any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return self.node_function().apply(*args)
        return self.fun(*args)

    def forward_mode_error(self):
        """The error forward mode (`tg.jvp`) raises on this function, as JAX does."""
        return TransgradError(
            f"{self.__name__!r} is a tg.custom_vjp function, and custom_vjp functions have no "
            "forward rule: declare it with tg.primitive (whose template derives or states "
            "t[z] = ...) to use it in forward mode")

    def node_function(self):
        """The `tg.autograd.Function` recording one `<Name>Backward` node per call."""
        if self._function_cls is None:
            self._function_cls = _custom_vjp_function(self)
        return self._function_cls

    def __repr__(self):
        return f"<tg.custom_vjp {self.__qualname__}>"


def custom_vjp(fun):
    """Wrap `fun` so that its reverse rule is the user's: `f.defvjp(f_fwd, f_bwd)` (JAX style)."""
    return CustomVJP(fun)


_ARG = object()      # marks a Tensor argument (kept in save_for_backward, not on the ctx)


def _custom_vjp_function(cv):
    def forward(ctx, *args):
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        result = cv.fwd(*arrays)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise GradientError(f"the forward rule {_qual(cv.fwd)} of {cv.__name__!r} must return "
                                f"a pair (output, residuals), not {type(result).__name__}")
        out, residuals = result
        ctx.residuals = residuals
        ctx.constants = tuple(_ARG if isinstance(a, Tensor) else a for a in args)
        ctx.save_for_backward(*(a if isinstance(a, Tensor) else None for a in args))
        ctx.single = not isinstance(out, (tuple, list))
        return _as_tensors(out)

    def backward(ctx, *grads):
        saved = ctx.saved_tensors
        args = [s if c is _ARG else c for s, c in zip(saved, ctx.constants)]
        if STATE.grad:
            # create_graph: the residuals are recomputed from the input Tensors, so the
            # gradient is differentiable through them too
            residuals = cv.fwd(*args)[1]
            seeds = grads
        else:
            residuals = ctx.residuals
            seeds = tuple(g._data if isinstance(g, Tensor) else g for g in grads)
        cts = cv.bwd(residuals, seeds[0] if ctx.single else tuple(seeds))
        if not isinstance(cts, (tuple, list)) or len(cts) != len(args):
            got = f"{len(cts)} values" if isinstance(cts, (tuple, list)) else type(cts).__name__
            raise GradientError(
                f"the backward rule {_qual(cv.bwd)} of the custom_vjp function {cv.__name__!r} "
                f"returned {got}; it must return a tuple with one cotangent per positional "
                f"argument ({len(args)})")
        return tuple(ct if c is _ARG else None for ct, c in zip(cts, ctx.constants))

    return type(_camel(cv.__name__), (Function,), {
        "forward": staticmethod(forward), "backward": staticmethod(backward),
        "__module__": cv.__module__, "__doc__": f"The node of {cv.__name__!r}'s custom vjp."})


def _qual(fn):
    return getattr(fn, "__qualname__", repr(fn))


def _as_tensors(out):
    if isinstance(out, (tuple, list)):
        return tuple(_as_tensor(o) for o in out)
    return _as_tensor(out)


def _as_tensor(value):
    if isinstance(value, Tensor):
        return value
    return wrap(np.asarray(value))


# -- tg.checkpoint --------------------------------------------------------------------------

class Checkpointed:
    """`tg.checkpoint(fn)`: call it like `fn`; its intermediates are recomputed, not kept."""

    _transgrad_kind = "checkpoint"

    def __init__(self, fn):
        if not callable(fn):
            raise TransgradError(f"tg.checkpoint needs a function, not {type(fn).__name__}")
        functools.update_wrapper(self, fn)
        self.fn = fn

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise TransgradError(f"tg.checkpoint({self.__name__}) passes its arguments "
                                 "positionally: call it without keyword arguments")
        if STATE.grad and any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return CheckpointFunction.apply(self.fn, *args)
        return self.fn(*args)

    def __repr__(self):
        return f"<tg.checkpoint {self.__qualname__}>"


def checkpoint(fn, *args):
    """`tg.checkpoint(fn)` wraps fn; `tg.checkpoint(fn, *args)` calls it at once. Either way
    the call keeps no intermediates for the backward pass: it saves the call's inputs and
    recomputes fn's forward pass right before fn's backward pass. In compiled code
    (`tg.grad`), write `tg.checkpoint(step)(h, x)`, `tg.checkpoint(step, h, x)`, or call a
    module-level `step = tg.checkpoint(step)`. Eagerly, differentiated values fn uses must be
    its arguments (as with torch.utils.checkpoint): Tensors it reads from elsewhere get no
    gradient through the recomputation."""
    wrapped = fn if isinstance(fn, Checkpointed) else Checkpointed(fn)
    if args:
        return wrapped(*args)
    return wrapped


checkpoint._transgrad_kind = "checkpoint"


class CheckpointFunction(Function):
    """The eager node of a checkpointed call (`CheckpointFunctionBackward`): runs fn without
    recording, and at backward time again with grad enabled, then backpropagates through it."""

    @staticmethod
    def forward(ctx, run, *args):
        ctx.run = run
        ctx.constants = tuple(_ARG if isinstance(a, Tensor) else a for a in args)
        ctx.save_for_backward(*(a if isinstance(a, Tensor) else None for a in args))
        out = run(*args)
        ctx.single = not isinstance(out, (tuple, list))
        return _as_tensors(out)

    @staticmethod
    def backward(ctx, *grads):
        from .autograd import grad as autograd_grad
        saved = ctx.saved_tensors
        args = [s if c is _ARG else c for s, c in zip(saved, ctx.constants)]
        graph = STATE.grad
        if not graph:
            args = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a
                    for a in args]
        with enable_grad():
            out = ctx.run(*args)
        outs = (out,) if ctx.single else tuple(out)
        pairs = [(o, g) for o, g in zip(outs, grads)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        wrt = [(i, a) for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        result = [None] * len(args)
        if pairs and wrt:
            found = autograd_grad([o for o, _ in pairs], [a for _, a in wrt],
                                  [g for _, g in pairs], create_graph=graph, allow_unused=True)
            for (i, _), g in zip(wrt, found):
                result[i] = g
        return (None, *result)
