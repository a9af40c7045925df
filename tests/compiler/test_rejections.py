"""The syntax fence (`transgrad.compiler.validate`): what it rejects, where it says so, and
that everything in the supported subset passes.

Each rejected function below is real code in this file; the line holding the offending
construct carries the marker comment `# <- rejected`, from which the tests compute the line
the error must name. The `token` of each case is the text the caret must stand under.
"""
import inspect
import linecache
import os
import sys
import textwrap
import types

import pytest

import transgrad as tg
from transgrad.compiler import quoting
from transgrad.compiler.validate import SUPPORTED, validate_function

MARKER = "# <- rejected"
COUNTER = 0


class Holder:
    value = 0.0
    total = 0.0


holder = Holder()


def validate(fn):
    """Run the fence on `fn` the way the compiler does: parsed by quoting, lines of its file."""
    fdef, _source, filename, _first = quoting.parse_function(fn)
    validate_function(fdef, filename, linecache.getlines(filename))


def validate_text(text, filename="<generated>"):
    """Run the fence on the first function of `text` (for syntax a plain def cannot compile)."""
    fdef = quoting.gast.parse(text).body[0]
    validate_function(fdef, filename, text.splitlines(True))


def marked_line(fn):
    """(file line number, text) of the line of `fn` that carries the marker comment."""
    lines, first = inspect.getsourcelines(fn)
    hits = [i for i, text in enumerate(lines) if MARKER in text]
    assert len(hits) == 1, f"{fn.__name__} must mark exactly one line"
    return first + hits[0], lines[hits[0]].rstrip("\n")


def check_error(err, filename, lineno, text, token, words, hint):
    """The error names file, line, column and construct, quotes the line with a caret under
    `token`, and carries a hint."""
    assert isinstance(err, tg.TransformError)
    assert os.path.abspath(err.filename) == os.path.abspath(filename)
    assert err.lineno == lineno
    assert err.col == text.index(token)
    assert err.construct == words
    assert words in err.message
    assert hint in err.hint
    rendered = str(err)
    assert f"line {lineno}" in rendered
    assert os.path.basename(filename) in rendered
    shown = rendered.splitlines()
    quoted = shown.index("    " + text.strip())
    caret_line = shown[quoted + 1]
    assert caret_line.strip() == "^"
    caret = caret_line.index("^") - 4
    assert text.strip()[caret:].startswith(token)
    assert hint in rendered


# --------------------------------------------------------------------------- statements

def rejected_try(x):
    try:  # <- rejected
        y = x * 2
    except ValueError:
        y = x
    return y


def rejected_with_open(x, path):
    with open(path) as fh:  # <- rejected
        x = x + len(fh.read())
    return x


def rejected_with_no_grad_as(x):
    with tg.no_grad() as g:  # <- rejected
        y = x * 2
    return y


def rejected_with_two_items(x):
    with tg.no_grad(), tg.no_grad():  # <- rejected
        y = x * 2
    return y


def rejected_with_bare_no_grad(x):
    with no_grad():  # <- rejected  # noqa: F821
        y = x * 2
    return y


async def rejected_async_def(x):  # <- rejected
    return x * 2


def rejected_global(x):
    global COUNTER  # <- rejected
    COUNTER = COUNTER + 1
    return x * COUNTER


def make_rejected_nonlocal():
    scale = 1.0

    def rejected_nonlocal(x):
        nonlocal scale  # <- rejected
        scale = scale * 2
        return x * scale

    return rejected_nonlocal


rejected_nonlocal = make_rejected_nonlocal()


def rejected_class(x):
    class Box:  # <- rejected
        pass
    return x


def rejected_nested_def(x):
    def square(v):  # <- rejected
        return v * v
    return square(x)


def rejected_nested_async_def(x):
    async def square(v):  # <- rejected
        return v * v
    return x


def rejected_del(x):
    y = x * 2
    del y  # <- rejected
    return x


def rejected_import(x):
    import math  # <- rejected
    return math.sin(x)


def rejected_import_from(x):
    from math import sin  # <- rejected
    return sin(x)


def rejected_raise(x):
    if x < 0:
        raise ValueError("negative")  # <- rejected
    return x


def rejected_match(x):
    match x:  # <- rejected
        case 0:
            return 0.0
    return x


def rejected_attribute_assignment(x):
    holder.value = x  # <- rejected
    return x


def rejected_attribute_augmented(x):
    holder.total += x  # <- rejected
    return x


def rejected_attribute_in_tuple(x):
    a, holder.value = x, x  # <- rejected
    return a


def rejected_attribute_for_target(xs):
    for holder.value in xs:  # <- rejected
        pass
    return xs


def rejected_starred_target(x):
    first, *rest = x  # <- rejected
    return first


def rejected_annotation_without_value(x):
    y: float  # <- rejected
    y = x
    return y


def rejected_annotated_attribute(x):
    holder.value: float = x  # <- rejected
    return x


def rejected_for_else(xs):
    total = 0.0
    for v in xs:
        total = total + v
    else:  # <- rejected
        total = -total
    return total


def rejected_while_else(x):
    while x > 1:
        x = x / 2
    else:  # <- rejected
        x = -x
    return x


# --------------------------------------------------------------------------- the signature

def rejected_varargs(x, *args):  # <- rejected
    return x


def rejected_kwargs(x, **kwargs):  # <- rejected
    return x


def traced(fn):
    """A user's decorator (returns the function itself, so `inspect` finds its source)."""
    return fn


def register(name):
    return traced


@traced  # <- rejected
def rejected_decorator(x):
    return x


@register("loss")  # <- rejected
def rejected_decorator_call(x):
    return x


def rejected_generator(xs):
    for v in xs:
        yield v * 2  # <- rejected


def rejected_yield_from(xs):
    yield from xs  # <- rejected


rejected_lambda_function = lambda x: x * 2  # <- rejected  # noqa: E731


# --------------------------------------------------------------------------- expressions

def rejected_lambda(x):
    g = lambda v: v * x  # <- rejected  # noqa: E731
    return g(x)


def rejected_walrus(x):
    if (y := x * 2) > 1:  # <- rejected
        return y
    return x


def rejected_generator_expression(xs):
    return sum(v * v for v in xs)  # <- rejected


def rejected_set_comprehension(xs):
    return len({v * v for v in xs})  # <- rejected


def rejected_dict_comprehension(xs):
    return {i: v for i, v in enumerate(xs)}  # <- rejected


def rejected_set_literal(x):
    return len({x, 1.0})  # <- rejected


def rejected_starred_in_list(x):
    return [*x, 1.0]  # <- rejected


def rejected_star_args_in_call(f, x):
    return f(*x)  # <- rejected


def rejected_kwargs_in_call(np, x, options):
    return np.sum(x, **options)  # <- rejected


def rejected_dict_unpacking(x, base):
    d = {**base, "x": x}  # <- rejected
    return d


def rejected_fstring(x):
    label = f"{x}"  # <- rejected
    return x, label


def rejected_fstring_in_other_call(np, x):
    return np.float64(len(f"{x}"))  # <- rejected


def rejected_fstring_in_assert_test(x):
    assert f"{x}" != "", "x must print"  # <- rejected
    return x


def rejected_lambda_inside_print(x):
    print("x", lambda: x)  # <- rejected
    return x


# (function, token the caret stands under, words naming the construct, fragment of the hint)
REJECTED = [
    (rejected_try, "try", "try statement", "move the try/except outside the function"),
    (rejected_with_open, "with", "with statement (other than `with tg.no_grad():`)",
     "only `with tg.no_grad():` blocks"),
    (rejected_with_no_grad_as, "g:", "with ... as ... target", "without `as`"),
    (rejected_with_two_items, "with", "with statement (other than `with tg.no_grad():`)",
     "only `with tg.no_grad():` blocks"),
    (rejected_with_bare_no_grad, "with", "with statement (other than `with tg.no_grad():`)",
     "spell it as an attribute of the module"),
    (rejected_async_def, "async", "async def", "plain def"),
    (rejected_global, "global", "global statement",
     "pass the value as an argument or read the global without assigning it"),
    (rejected_nonlocal, "nonlocal", "nonlocal statement", "pass the value as an argument"),
    (rejected_class, "class", "class definition", "define the class at module level"),
    (rejected_nested_def, "def", "nested function definition",
     "define the function at module level"),
    (rejected_nested_async_def, "async", "nested async function definition", "plain def"),
    (rejected_del, "del", "del statement", "rebind the name"),
    (rejected_import, "import", "import statement", "import at module level"),
    (rejected_import_from, "from", "import statement", "import at module level"),
    (rejected_raise, "raise", "raise statement",
     "move validation out of the differentiated function, or use assert"),
    (rejected_match, "match", "match statement", "use if/elif/else"),
    (rejected_attribute_assignment, "holder", "attribute assignment (obj.attr = v)",
     "keep the value in a local variable"),
    (rejected_attribute_augmented, "holder", "attribute assignment (obj.attr = v)",
     "keep the value in a local variable"),
    (rejected_attribute_in_tuple, "holder", "attribute assignment (obj.attr = v)",
     "keep the value in a local variable"),
    (rejected_attribute_for_target, "holder", "attribute assignment (obj.attr = v)",
     "keep the value in a local variable"),
    (rejected_starred_target, "*rest", "starred assignment target (*rest)",
     "first, rest = x[0], x[1:]"),
    (rejected_annotation_without_value, "y", "annotation without a value (x: T)",
     "assign a value"),
    (rejected_annotated_attribute, "holder",
     "annotated assignment to something other than a name", "annotate a plain name"),
    (rejected_for_else, "else", "for ... else", "set a flag before `break`"),
    (rejected_while_else, "else", "while ... else", "set a flag before `break`"),
    (rejected_varargs, "*args", "*args parameter", "name each parameter"),
    (rejected_kwargs, "**kwargs", "**kwargs parameter", "name each keyword parameter"),
    (rejected_decorator, "@traced", "decorator @traced", "only transgrad's own decorators"),
    (rejected_decorator_call, "@register", "decorator @register('loss')",
     "only transgrad's own decorators"),
    (rejected_generator, "yield", "yield expression (generator function)",
     "cannot differentiate generators"),
    (rejected_yield_from, "yield", "yield from expression (generator function)",
     "cannot differentiate generators"),
    (rejected_lambda_function, "lambda x", "lambda", "define a named function at module level"),
    (rejected_lambda, "lambda", "lambda", "define a named function at module level"),
    (rejected_walrus, "y :=", "walrus operator (:=)", "in a statement of its own"),
    (rejected_generator_expression, "(v * v", "generator expression", "list comprehension"),
    (rejected_set_comprehension, "{v * v", "set comprehension", "list comprehension"),
    (rejected_dict_comprehension, "{i: v", "dict comprehension", "with a for loop"),
    (rejected_set_literal, "{x, 1.0}", "set literal", "a list or a tuple"),
    (rejected_starred_in_list, "*x", "starred expression (*x)", "list(a) + [b]"),
    (rejected_star_args_in_call, "*x", "*args in a call (argument unpacking)",
     "pass the arguments one by one"),
    (rejected_kwargs_in_call, "**options", "**kwargs in a call (keyword unpacking)",
     "pass each keyword argument by name"),
    (rejected_dict_unpacking, "**base", "dict unpacking (**mapping)", "dict(mapping)"),
    (rejected_fstring, 'f"', "f-string in a differentiated expression",
     "only inside print(...) arguments or an assert message"),
    (rejected_fstring_in_other_call, 'f"', "f-string in a differentiated expression",
     "only inside print(...) arguments or an assert message"),
    (rejected_fstring_in_assert_test, 'f"', "f-string in a differentiated expression",
     "only inside print(...) arguments or an assert message"),
    (rejected_lambda_inside_print, "lambda", "lambda", "define a named function at module level"),
]


@pytest.mark.parametrize("fn, token, words, hint", REJECTED,
                         ids=[case[0].__name__.replace("<lambda>", "lambda_function")
                              for case in REJECTED])
def test_rejected_construct(fn, token, words, hint):
    lineno, text = marked_line(fn)
    with pytest.raises(tg.TransformError) as info:
        validate(fn)
    check_error(info.value, __file__, lineno, text, token, words, hint)


# Syntax that a plain `def` cannot compile (so this file could not hold it) but `ast` parses.
GENERATED = [
    ("async_for", """
def f(xs):
    async for v in xs:  # <- rejected
        pass
    return xs
""", "async", "async for loop", "plain def"),
    ("async_with", """
def f(x, lock):
    async with lock:  # <- rejected
        x = x * 2
    return x
""", "async", "async with statement", "plain def"),
    ("await", """
def f(x, job):
    y = await job  # <- rejected
    return x * y
""", "await", "await expression", "plain def"),
    ("async_comprehension", """
def f(xs):
    return [v async for v in xs]  # <- rejected
""", "[v", "async comprehension", "plain def"),
]
if sys.version_info >= (3, 11):
    GENERATED.append(("try_star", """
def f(x):
    try:  # <- rejected
        x = x * 2
    except* ValueError:
        pass
    return x
""", "try", "try/except* statement", "move the try/except outside the function"))


@pytest.mark.parametrize("name, text, token, words, hint", GENERATED,
                         ids=[case[0] for case in GENERATED])
def test_rejected_generated_construct(name, text, token, words, hint):
    lines = text.splitlines()
    lineno = next(i for i, line in enumerate(lines, 1) if MARKER in line)
    with pytest.raises(tg.TransformError) as info:
        validate_text(text, filename="generated_module.py")
    check_error(info.value, "generated_module.py", lineno, lines[lineno - 1], token, words, hint)


def test_every_case_is_distinct_and_there_are_enough():
    # One case per construct the brief lists, at the least.
    assert len(REJECTED) + len(GENERATED) >= 45
    assert len({case[0] for case in REJECTED}) == len(REJECTED)


# --------------------------------------------------------------------------- positions

def first_of_two(x):
    y = {x} if (n := x) else 0  # <- rejected
    try:
        pass
    finally:
        pass
    return y, n


def test_first_offence_in_source_order_wins():
    # The walrus is the IfExp's test (its first field) but stands after the set literal.
    lineno, text = marked_line(first_of_two)
    with pytest.raises(tg.TransformError) as info:
        validate(first_of_two)
    check_error(info.value, __file__, lineno, text, "{x}", "set literal", "a list or a tuple")


def test_column_counts_characters_after_non_ascii_text():
    def résumé(x):
        é = ("é", lambda: x)  # <- rejected
        return é

    lineno, text = marked_line(résumé)
    with pytest.raises(tg.TransformError) as info:
        validate(résumé)
    # The ast column counts bytes (`é` is two); the caret and `.col` count characters.
    check_error(info.value, __file__, lineno, text, "lambda", "lambda",
                "define a named function at module level")


class Model:
    def method_with_lambda(self, x):
        scale = [lambda v: v][0]  # <- rejected
        return scale(x)


def test_methods_report_file_columns_not_dedented_columns():
    fn = Model.method_with_lambda
    lineno, text = marked_line(fn)
    with pytest.raises(tg.TransformError) as info:
        validate(fn)
    assert info.value.col == text.index("lambda") == 17
    check_error(info.value, __file__, lineno, text, "lambda", "lambda",
                "define a named function at module level")


# --------------------------------------------------------------------------- the subset passes

def supported_everything(x, y=2.0, /, z=3.0, *, scale=1.0, flag: bool = False) -> float:
    """Every supported statement and expression, once at least."""
    np = tg
    a = x * y + z - scale / 2 // 1 % 3 ** 2
    b, c = a, -a
    [d, e] = (b, +c)
    (f, (g, h)) = (d, (e, a))
    arr = np.zeros(3)
    arr[0] = a
    arr[1:3] = [b, c]
    arr[0], arr[1] = arr[1], arr[0]
    m = n = 1.0
    a += 1
    arr[2] *= 2
    t: float = a ** 2
    w = ~int(a) | 1 ^ 2 & 3 << 1 >> 1
    v = np.ones(2) @ np.ones(2)
    if a > 0 and not flag:
        b = a if c < 0 else c
    elif a < -1 or b is None or c in [1, 2] or d is not e or f not in (g, h):
        b = 0
    else:
        pass
    for i in range(3):
        if i == 1:
            continue
        if i == 2:
            break
    for i, (p, q) in enumerate(zip(arr, arr)):
        a = a + p * q
    for row in arr:
        a = a - row
    while a > 10:
        a = a / 2
    with tg.no_grad():
        s = np.sum(arr, dim=0, keepdim=True)
    with transgrad.no_grad():  # noqa: F821 (only the spelling matters here)
        s = s + 1
    print(f"a = {a:.3f}", f"{b!r:>{m}}", s, sep=f"{','}", end=str(f"{n}"))
    assert a == a, f"a is {a}"
    assert a is not None
    lst = [i * j for i in range(3) if i for j in range(i) if j > 0 if j < 5]
    nested = [[u * k for u in lst] for k in range(2)]
    dct = {"a": a, "b": [b, (c,)], 1: None}
    sl = arr[::2], arr[..., 0:1], arr[-1], arr[x.shape[0] - 1:], dct["a"]
    np.sum(arr, axis=0)
    x.sum().item()
    "a string statement"
    return a, lst, nested, sl, t, w, v, s


def supported_minimal(x):
    return x


def supported_keyword_only_without_default(x, *, scale):
    return x * scale


def test_supported_constructs_pass():
    assert validate(supported_everything) is None
    assert validate(supported_minimal) is None
    assert validate(supported_keyword_only_without_default) is None


def test_transgrad_decorators_pass():
    identity = lambda fn: fn  # noqa: E731
    tg = types.SimpleNamespace(compile=identity, grad=identity,
                               set_grad_enabled=lambda flag: identity)
    transgrad = tg

    @tg.compile
    @transgrad.grad
    @tg.set_grad_enabled(False)
    def decorated(x, *, k=1.0):
        return x * k

    assert validate(decorated) is None


def test_methods_and_nested_functions_pass():
    def nested(x, ys=(1.0, 2.0)):
        total = 0.0
        for y in ys:
            total += x * y
        return total

    assert validate(nested) is None
    assert validate(Layer.forward) is None


class Layer:
    def forward(self, x, weight=1.0):
        with tg.no_grad():
            shift = x.mean()
        return [v * weight - shift for v in x]


def test_rejection_also_holds_deep_inside_supported_blocks():
    def deep(x):
        for i in range(3):
            while x > 0:
                if i:
                    with tg.no_grad():
                        x = [v for v in [lambda: x]]  # <- rejected
        return x

    lineno, text = marked_line(deep)
    with pytest.raises(tg.TransformError) as info:
        validate(deep)
    check_error(info.value, __file__, lineno, text, "lambda", "lambda",
                "define a named function at module level")


# --------------------------------------------------------------------------- scale

def load_generated_function(tmp_path, body_lines, name="generated"):
    """Write `def name(x): <body>` to a real module file, import it, return the function."""
    source = f"def {name}(x):\n" + textwrap.indent("\n".join(body_lines), "    ") + "\n"
    path = tmp_path / f"{name}_module.py"
    path.write_text(source)
    namespace = {}
    exec(compile(source, str(path), "exec"), namespace)
    linecache.checkcache(str(path))
    return namespace[name], str(path)


def test_thousand_statement_function_validates(tmp_path):
    body = []
    for i in range(1000):
        kind = i % 4
        if kind == 0:
            body.append(f"x = x * {i % 7 + 1} + 1")
        elif kind == 1:
            body.append(f"if x > {i}:\n    x = x - 1\nelse:\n    x = x + 1")
        elif kind == 2:
            body.append(f"for i in range(2):\n    x = x + i * {i}")
        else:
            body.append("y = [x * k for k in range(3)]")
    body.append("return x")
    fn, _path = load_generated_function(tmp_path, body)
    assert validate(fn) is None


def test_thousand_statement_function_reports_its_last_statement(tmp_path):
    body = [f"x = x + {i}" for i in range(999)] + ["g = lambda v: v", "return x"]
    fn, path = load_generated_function(tmp_path, body, name="late_lambda")
    with pytest.raises(tg.TransformError) as info:
        validate(fn)
    assert info.value.lineno == 1 + 1000  # the def line, then 999 statements before it
    assert info.value.col == 8
    assert info.value.filename == path


def frame_depth():
    frame, depth = sys._getframe(1), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def test_deep_expression_validates_without_recursion(tmp_path):
    # A 150-term sum is a left-leaning tree 150 BinOps deep; a walker recursing per node
    # needs more frames than the limit set below leaves it.
    body = ["return " + " + ".join(["x"] * 150)]
    fn, _path = load_generated_function(tmp_path, body, name="deep_sum")
    fdef, _source, filename, _first = quoting.parse_function(fn)
    lines = linecache.getlines(filename)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(frame_depth() + 60)
    try:
        assert validate_function(fdef, filename, lines) is None
    finally:
        sys.setrecursionlimit(limit)


def test_supported_text_names_the_subset():
    for words in ("with tg.no_grad():", "list", "f-strings only inside `print(...)`",
                  "keyword-only", "Not supported", "`try`", "`lambda`"):
        assert words in SUPPORTED
