"""The bad-input corpus: what a user can get wrong, seen through the whole product.

Every case calls a public entry point (`tg.grad`, `tg.value_and_grad`, `tg.vjp`,
`Tensor.backward`, `tg.autograd.grad`) the wrong way and checks that
- the exception is a `transgrad.TransgradError` (never a bare `ValueError`, `AttributeError`,
  an error of gast, ...),
- for code transgrad compiles, the message names the user's file and the line marked
  `# <- here` in `bad_functions.py`,
- the message quotes the construct or value at fault, and
- it says what to do (a hint).
A watchdog aborts the run if a case hangs. The syntax fence's own unit tests
(`tests/compiler/test_rejections.py`) check columns and carets; here it is the user's view.

`python -m pytest tests/reliability/test_bad_inputs.py -q -rA -k summary` prints the count
of cases tried and located.
"""
import faulthandler
import functools
import inspect
import math

import numpy as np
import pytest

import transgrad as tg

from . import bad_functions as B

MARKER = "# <- here"
X3 = np.array([0.1, 0.2, 0.3])


def marked(fn):
    """(file, line) of the line of `fn`'s source that carries the marker."""
    target = inspect.unwrap(fn) if not isinstance(fn, functools.partial) else fn.func
    lines, first = inspect.getsourcelines(target)
    hits = [k for k, text in enumerate(lines) if MARKER in text]
    if not hits:   # a decorator line sits just above the def: findsource sees it too
        all_lines, start = inspect.findsource(target)
        hits = [k - start for k in range(max(start - 3, 0), start) if MARKER in all_lines[k]]
    assert len(hits) == 1, f"{target.__name__} must mark exactly one line"
    return inspect.getsourcefile(target), first + hits[0]


def lambda_line():
    with open(B.__file__) as handle:
        for k, text in enumerate(handle, start=1):
            if text.startswith("lambda_function") and MARKER in text:
                return B.__file__, k
    raise AssertionError("no lambda marker")


class Case:
    """One bad input: `run()` must raise; `where` is the function whose marked line the
    message names (or a (file, line) pair, or None where nothing of the user's is compiled);
    `quote` the text the message quotes; `hint` words of the advice."""

    def __init__(self, name, run, where, quote, hint, error=tg.TransgradError, xfail=None):
        self.name, self.run, self.where, self.quote, self.hint = name, run, where, quote, hint
        self.error, self.xfail = error, xfail


def grad_of(fn, *args, **kw):
    return lambda: tg.grad(fn, **kw)(*args)


def backward_twice():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def autograd_grad_twice():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    tg.autograd.grad(y, x)
    tg.autograd.grad(y, x)


def backward_through_freed_intermediate():
    x = tg.tensor([0.5, 1.5], requires_grad=True)
    h = x.sin()
    (h * h).sum().backward()
    (h * 2.0).sum().backward()     # reaches h's freed SinBackward0 node


def backward_wrong_shape():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * 2.0).backward(tg.tensor([1.0, 2.0, 3.0]))


def autograd_grad_wrong_shape():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    tg.autograd.grad(x * 2.0, x, grad_outputs=tg.ones(3))


def backward_non_scalar():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * 2.0).backward()


def backward_without_grad():
    (tg.tensor([1.0, 2.0]) * 2.0).sum().backward()


def integer_tensor_requires_grad():
    tg.tensor([1, 2], requires_grad=True)


def saved_value_modified_in_place():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    z = (y * y).sum()
    y.add_(1.0)
    z.backward()


def leaf_modified_in_place():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.add_(1.0)


def unused_input():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([1.0], requires_grad=True)
    tg.autograd.grad((x * 2.0).sum(), w)


def eager_shape_mismatch():
    tg.tensor([1.0, 2.0], requires_grad=True) + tg.tensor([1.0, 2.0, 3.0])


def vjp_wrong_shape():
    _, back = tg.vjp(B.vector_output, X3)
    back(np.ones(4))


def vjp_wrong_structure():
    _, back = tg.vjp(B.vector_output, X3)
    back((np.ones(3), np.ones(3)))


SYNTAX = [
    # (function, quoted construct, hint words)
    (B.try_except, "try statement", "move the try/except outside"),
    (B.try_finally, "try statement", "move the try/except outside"),
    (B.with_open, "with statement", "only `with tg.no_grad():`"),
    (B.generator, "yield expression", "collect the values in a list"),
    (B.yield_from, "yield from expression", "collect the values in a list"),
    (B.coroutine, "async def", "write a plain def"),
    (B.uses_global, "global statement", "pass the value as an argument"),
    (B.uses_nonlocal, "nonlocal statement", "pass the value as an argument"),
    (B.class_body, "class definition", "define the class at module level"),
    (B.nested_def, "nested function definition", "define the function at module level"),
    (B.uses_lambda, "lambda", "define a named function"),
    (B.star_args, "*args parameter", "one list or tuple argument"),
    (B.star_kwargs, "**kwargs parameter", "name each keyword parameter"),
    (B.star_call, "*args in a call", "pass the arguments one by one"),
    (B.double_star_call, "**kwargs in a call", "pass each keyword argument by name"),
    (B.starred_target, "starred assignment target", "unpack a fixed number of names"),
    (B.walrus, "walrus operator (:=)", "in a statement of its own"),
    (B.match_statement, "match statement", "use if/elif/else"),
    (B.fstring_in_expression, "f-string", "only inside print"),
    (B.deletes, "del statement", "rebind the name instead"),
    (B.imports, "import statement", "import at module level"),
    (B.raises, "raise statement", "use assert"),
    (B.for_else, "for ... else", "set a flag before `break`"),
    (B.while_else, "while ... else", "set a flag before `break`"),
    (B.set_literal, "set literal", "use a list or a tuple"),
    (B.set_comprehension, "set comprehension", "use a list comprehension"),
    (B.dict_comprehension, "dict comprehension", "build the dict with a for loop"),
    (B.generator_expression, "generator expression", "use a list comprehension"),
    (B.attribute_assignment, "attribute assignment", "keep the value in a local variable"),
    (B.registered, "decorator @register", "apply other decorators to the transformed function"),
]

CASES = [Case(f"syntax-{fn.__name__}", grad_of(fn, 0.5), fn, quote, hint, tg.TransformError)
         for fn, quote, hint in SYNTAX]

CASES += [
    # the same fence through the other entry points, and in a called function
    Case("syntax-via-vjp", lambda: tg.vjp(B.try_except, 0.5), B.try_except, "try statement",
         "move the try/except outside", tg.TransformError),
    Case("syntax-via-value_and_grad", lambda: tg.value_and_grad(B.walrus)(0.5), B.walrus,
         "walrus operator", "in a statement of its own", tg.TransformError),
    Case("syntax-in-callee", grad_of(B.calls_try, 0.5), B.try_except, "try statement",
         "move the try/except outside", tg.TransformError),
    Case("syntax-lambda-function", grad_of(B.lambda_function, 0.5), lambda_line(), "lambda",
         "define a named function", tg.TransformError),

    # functions without source
    Case("no-source-exec", grad_of(B.exec_made, 0.5), ("<exec>", 1), "'exec_made'",
         "define the function with def in a file", tg.TransformError),
    Case("no-source-repl", grad_of(B.repl_made, 0.5), ("<stdin>", 1), "'repl_made'",
         "define the function with def in a file", tg.TransformError),
    Case("no-source-callee", grad_of(B.calls_exec_made, 0.5), B.calls_exec_made, "exec_made",
         "tg.primitive", tg.UnknownFunctionError),
    Case("no-source-numpy-ufunc", grad_of(np.sin, 0.5), None, "'sin'", "wrap it: def f(x)"),
    Case("no-source-math", grad_of(math.sin, 0.5), None, "'sin'", "wrap it: def f(x)"),
    Case("no-source-builtin", grad_of(len, 0.5), None, "'len'", "wrap it: def f(x)"),
    Case("no-source-partial", grad_of(B.partial_function, 0.5), None, "functools.partial",
         "write a def that calls the function"),
    Case("no-source-lru-cache", grad_of(B.decorated, 0.5), None, "'decorated'",
         "apply tg.grad to the undecorated function"),
    Case("no-source-class", grad_of(B.Box, 0.5), None, "the class Box", "written with def"),
    Case("not-callable", lambda: tg.grad(42), None, "not a int", "written with def"),

    # calls of functions with no derivative rule
    Case("no-rule-math-sin", grad_of(B.unknown_function, 0.5), B.unknown_function, "math.sin",
         "declare a rule with tg.primitive", tg.UnknownFunctionError),
    Case("no-rule-method", grad_of(B.unknown_method, X3), B.unknown_method, ".cumprod()",
         "declare a rule with tg.primitive", tg.UnknownFunctionError),
    Case("no-rule-numpy", grad_of(B.unknown_numpy_function, X3), B.unknown_numpy_function,
         "np.fft.fft", "declare a rule with tg.primitive", tg.UnknownFunctionError),
    Case("no-rule-object-method", grad_of(B.unknown_user_object, 0.5), B.unknown_user_object,
         "box.scale", "declare a rule with tg.primitive", tg.UnknownFunctionError),
    Case("no-rule-sorted", grad_of(B.builtin_sorted, 0.5), B.builtin_sorted, "sorted()",
         "declare a rule with tg.primitive", tg.UnknownFunctionError),
    Case("no-rule-floor-division", grad_of(B.floor_division, 0.5), B.floor_division,
         "operator //", "declare a rule with tg.primitive", tg.TransformError),

    # inputs that are not floating point
    Case("input-int", grad_of(B.scalar, 3), None, "the integer 3", "pass 3.0"),
    Case("input-bool", grad_of(B.scalar, True), None, "the integer True", "pass 1.0"),
    Case("input-int-array", grad_of(B.scalar, np.array([1, 2])), None, "dtype int64",
         "x.astype(float)"),
    Case("input-str", grad_of(B.scalar, "a"), None, "a str", "differentiates floats"),
    Case("input-none", grad_of(B.scalar, None), None, "a NoneType", "differentiates floats"),
    Case("input-complex", grad_of(B.scalar, 1j), None, "a complex", "differentiates floats"),
    Case("input-object", grad_of(B.scalar, object()), None, "a object", "differentiates floats"),
    Case("input-list-with-int", grad_of(B.scalar, [1.0, 2]), None, "argument 0[1]", "pass 2.0"),
    Case("input-dict-with-int", grad_of(B.scalar, {"a": 1}), None, "argument 0['a']",
         "pass 1.0"),
    Case("input-tensor", grad_of(B.scalar, tg.tensor(1.0)), None, "a Tensor",
         "differentiates floats"),
    Case("input-vjp-int", lambda: tg.vjp(B.scalar, 3), None, "the integer 3", "pass 3.0"),

    # outputs tg.grad cannot differentiate
    Case("output-vector", grad_of(B.vector_output, X3), B.vector_output, "shape (3,)",
         "use tg.vjp", tg.TransformError),
    Case("output-vector-value_and_grad", lambda: tg.value_and_grad(B.vector_output)(X3),
         B.vector_output, "shape (3,)", "use tg.vjp", tg.TransformError),
    Case("output-tuple", grad_of(B.returns_tuple, 0.5), B.returns_tuple, "returns a tuple",
         "has_aux=True", tg.TransformError),
    Case("output-dict", grad_of(B.returns_dict, 0.5), B.returns_dict, "returns a dict",
         "has_aux=True", tg.TransformError),
    Case("output-none", grad_of(B.returns_none, 0.5), B.returns_none, "returns None",
         "return the value to differentiate", tg.TransformError),
    Case("output-string", grad_of(B.returns_string, 0.5), B.returns_string, "a string",
         "return the value to differentiate", tg.TransformError),
    Case("output-has-aux-not-a-pair", grad_of(B.scalar, 0.5, has_aux=True), (
        inspect.getsourcefile(B.scalar), inspect.getsourcelines(B.scalar)[1] + 1),
        "return a pair (output, aux)", "drop has_aux=True", tg.TransformError),

    # argnums
    Case("argnums-too-large", lambda: tg.grad(B.two_args, argnums=2), None, "argnums=2",
         "takes 2 positional arguments"),
    Case("argnums-too-negative", lambda: tg.grad(B.two_args, argnums=-3), None, "argnums=-3",
         "takes 2 positional arguments"),
    Case("argnums-twice", lambda: tg.grad(B.two_args, argnums=(0, 0)), None, "argnums=(0, 0)",
         "names an argument twice"),
    Case("argnums-empty", lambda: tg.grad(B.two_args, argnums=()), None, "argnums is empty",
         "say which arguments"),
    Case("argnums-string", lambda: tg.grad(B.two_args, argnums="0"), None, "'0'",
         "an int or a tuple of ints"),
    Case("argnums-float", lambda: tg.grad(B.two_args, argnums=1.0), None, "1.0",
         "an int or a tuple of ints"),
    Case("argnums-bool", lambda: tg.grad(B.two_args, argnums=True), None, "True",
         "an int or a tuple of ints"),
    Case("argnums-keyword-only", lambda: tg.grad(B.keyword_only, argnums=1), None, "argnums=1",
         "takes 1 positional argument"),
    Case("argnums-not-passed", grad_of(B.two_args, 0.5, argnums=1), None, "argument 1",
         "only 1 positional argument(s) were given"),
    Case("call-too-many-arguments", grad_of(B.scalar, 0.5, 0.6), None, "scalar",
         "too many positional arguments"),
    Case("call-unknown-keyword", lambda: tg.grad(B.scalar)(0.5, z=1.0), None, "'z'",
         "unexpected keyword argument"),

    # gradients / cotangents of the wrong shape
    Case("vjp-cotangent-shape", vjp_wrong_shape, None, "shape (4,)",
         "pass a cotangent shaped like the output", tg.GradientError),
    Case("vjp-cotangent-structure", vjp_wrong_structure, None, "shape (2, 3)",
         "pass a cotangent shaped like the output", tg.GradientError),
    Case("backward-gradient-shape", backward_wrong_shape, None, "tg.Size([3])",
         "output[0] has a shape of tg.Size([2])", tg.GradientError),
    Case("autograd-grad-outputs-shape", autograd_grad_wrong_shape, None, "tg.Size([3])",
         "output[0] has a shape of tg.Size([2])", tg.GradientError),

    # shapes that do not match inside compiled code: reported at the user's line
    Case("compiled-broadcast-mismatch", lambda: tg.grad(B.shape_mismatch)(X3, np.ones(4)),
         B.shape_mismatch, "shapes (3,) (4,)", "print tg.source", tg.GradientError),
    Case("compiled-matmul-mismatch",
         lambda: tg.grad(B.matmul_mismatch)(np.ones((2, 3)), np.ones((2, 3))),
         B.matmul_mismatch, "c = a @ b", "print tg.source", tg.GradientError),
    Case("compiled-index-out-of-range", grad_of(B.index_out_of_range, X3),
         B.index_out_of_range, "index 5 is out of bounds", "print tg.source", tg.GradientError),
    Case("compiled-mismatch-in-callee", grad_of(B.callee_shape_mismatch, X3), B.shape_mismatch,
         "shapes (3,) (4,)", "print tg.source", tg.GradientError),
    Case("compiled-vjp-mismatch", lambda: tg.vjp(B.shape_mismatch, X3, np.ones(4)),
         B.shape_mismatch, "shapes (3,) (4,)", "print tg.source", tg.GradientError),

    # other runtime failures of compiled code
    Case("compiled-assert", grad_of(B.assert_fails, 0.5), B.assert_fails, "x must be negative",
         "print tg.source", tg.GradientError),
    Case("compiled-endless-recursion", grad_of(B.recursion_without_end, 0.5),
         B.recursion_without_end, "RecursionError", "print tg.source", tg.GradientError),
    Case("compiled-undefined-name", grad_of(B.uses_undefined_name, 0.5), B.uses_undefined_name,
         "'NOT_DEFINED_ANYWHERE'", "is not defined", tg.TransformError),
    Case("compiled-unbound-local", grad_of(B.unbound_local, 0.5), B.unbound_local, "'y'",
         "print tg.source", tg.GradientError),
    Case("compiled-write-through-alias", grad_of(B.writes_through_alias, X3),
         B.writes_through_alias, "'y' and 'x' name the same object", "make a copy first",
         tg.TransformError),
    Case("compiled-augmented-through-alias", grad_of(B.augmented_through_alias, X3),
         B.augmented_through_alias, "`y += ...` changes the object 'y' in place",
         "copy first (y = x.copy())", tg.TransformError),
    Case("compiled-augmented-in-loop-through-alias", grad_of(B.augmented_in_loop_through_alias, X3),
         B.augmented_in_loop_through_alias, "'h' names the same object",
         "write g = g + ...", tg.TransformError),
    Case("compiled-sort-in-place", grad_of(B.sorts_in_place, X3), B.sorts_in_place, ".sort()",
         ".append() is supported", tg.TransformError),

    # the eager tape: freed graphs, in-place changes, bad requests (PyTorch's messages)
    Case("eager-backward-twice", backward_twice, None, "backward through the graph a second time",
         "retain_graph=True", tg.GradientError),
    Case("eager-autograd-grad-twice", autograd_grad_twice, None,
         "backward through the graph a second time", "retain_graph=True", tg.GradientError),
    Case("eager-freed-intermediate", backward_through_freed_intermediate, None,
         "backward through the graph a second time", "retain_graph=True", tg.GradientError),
    Case("eager-non-scalar-backward", backward_non_scalar, None, "scalar outputs",
         "implicitly created only", tg.GradientError),
    Case("eager-no-grad-backward", backward_without_grad, None, "does not require grad",
         "does not have a grad_fn", tg.GradientError),
    Case("eager-integer-requires-grad", integer_tensor_requires_grad, None,
         "floating point and complex dtype", "Only Tensors", tg.GradientError),
    Case("eager-saved-modified-in-place", saved_value_modified_in_place, None,
         "modified by an inplace operation", "enable anomaly detection", tg.GradientError),
    Case("eager-leaf-in-place", leaf_modified_in_place, None, "leaf Variable",
         "in-place operation", tg.GradientError),
    Case("eager-unused-input", unused_input, None, "not have been used in the graph",
         "allow_unused=True", tg.GradientError),
    Case("eager-shape-mismatch", eager_shape_mismatch, None, "size of tensor a (2)",
         "non-singleton dimension 0", tg.ShapeError),
]


@pytest.fixture(autouse=True)
def watchdog():
    """No case may hang: abort with tracebacks after 60 s."""
    faulthandler.dump_traceback_later(60, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def location_of(case):
    if case.where is None:
        return None
    if isinstance(case.where, tuple):
        return case.where
    return marked(case.where)


def check(case):
    """Run the case; return (the error, whether it is located). Fails on any defect."""
    with pytest.raises(BaseException) as info:
        case.run()
    err = info.value
    assert isinstance(err, tg.TransgradError), (
        f"{case.name}: {type(err).__module__}.{type(err).__name__} leaked: {err}")
    assert isinstance(err, case.error), f"{case.name}: {type(err).__name__}: {err}"
    text = str(err)
    assert case.quote in text, f"{case.name}: {case.quote!r} not quoted in:\n{text}"
    assert case.hint in text, f"{case.name}: no hint {case.hint!r} in:\n{text}"
    where = location_of(case)
    if where is not None:
        filename, line = where
        assert f'File "{filename}", line {line}' in text, (
            f"{case.name}: {filename}:{line} not named in:\n{text}")
    return err, where is not None


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input(case):
    check(case)


def test_corpus_is_large_and_names_are_unique():
    assert len(CASES) >= 50
    assert len({c.name for c in CASES}) == len(CASES)


def test_summary(capsys):
    """Count the cases and those that produce a located transgrad error (compiled code)."""
    tried = located = transgrad_errors = 0
    for case in CASES:
        tried += 1
        try:
            case.run()
        except tg.TransgradError as err:
            transgrad_errors += 1
            where = location_of(case)
            if where is not None and f'File "{where[0]}", line {where[1]}' in str(err):
                located += 1
        except Exception:  # noqa: BLE001 - counted as a failure to raise our error
            pass
    with capsys.disabled():
        print(f"\nbad-input corpus: {tried} tried, {transgrad_errors} raise a transgrad error, "
              f"{located} produce a located transgrad error "
              f"({sum(c.where is not None for c in CASES)} of them are in compiled code)")
    assert transgrad_errors >= tried - sum(1 for c in CASES if c.xfail)
