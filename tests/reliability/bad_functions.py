"""User functions transgrad must refuse with a located, clear error (for `test_bad_inputs.py`).

The line each error must name carries the marker comment `# <- here`. Functions are real code
of this file, so the errors name this file; a few are made at import time without a file of
their own (exec, a pseudo-REPL) on purpose.
"""
import math
import functools

import numpy as np

import transgrad as tg

SCALE = 2.0


class Box:
    weight = 1.5

    def scale(self, x):
        return x * self.weight


box = Box()


def try_except(x):
    try:  # <- here
        return x * 2.0
    except ValueError:
        return x


def try_finally(x):
    y = x * 2.0
    try:  # <- here
        y = y + 1.0
    finally:
        y = y * 1.0
    return y


def with_open(x):
    with open(__file__) as handle:  # <- here
        handle.read()
    return x * 2.0


def generator(x):
    yield x * 2.0  # <- here


def yield_from(x):
    yield from [x]  # <- here


async def coroutine(x):  # <- here
    return x * 2.0


def uses_global(x):
    global SCALE  # <- here
    SCALE = 3.0
    return x * SCALE


def make_nonlocal():
    k = 2.0

    def inner(x):
        nonlocal k  # <- here
        k = k + 1.0
        return x * k
    return inner


uses_nonlocal = make_nonlocal()


def class_body(x):
    class Local:  # <- here
        factor = 2.0
    return x * Local.factor


def nested_def(x):
    def helper(y):  # <- here
        return y * 2.0
    return helper(x)


def uses_lambda(x):
    double = lambda y: y * 2.0  # <- here  # noqa: E731
    return double(x)


def star_args(*xs):  # <- here
    return xs[0] * 2.0


def star_kwargs(x, **options):  # <- here
    return x * 2.0


def _two(a, b):
    return a * b


def star_call(x):
    pair = [x, x]
    return _two(*pair)  # <- here


def double_star_call(x):
    named = {"a": x, "b": x}
    return _two(**named)  # <- here


def starred_target(x):
    first, *rest = [x, x, x]  # <- here
    return first * 2.0


def walrus(x):
    if (y := x * 2.0) > 0:  # <- here
        return y
    return x


def match_statement(x):
    match 1:  # <- here
        case 1:
            return x * 2.0
    return x


def fstring_in_expression(x):
    label = f"value {x}"  # <- here
    return x * float(len(label))


def deletes(x):
    y = x * 2.0
    del y  # <- here
    return x


def imports(x):
    import math as m  # <- here
    return x * m.pi


def raises(x):
    if x < 0:
        raise ValueError("negative")  # <- here
    return x * 2.0


def for_else(x):
    for i in range(3):
        x = x * 2.0
    else:  # <- here
        x = x + 1.0
    return x


def while_else(x):
    while x < 10.0:
        x = x * 2.0
    else:  # <- here
        x = x + 1.0
    return x


def set_literal(x):
    values = {1.0, 2.0}  # <- here
    return x * len(values)


def set_comprehension(x):
    values = {i for i in range(3)}  # <- here
    return x * len(values)


def dict_comprehension(x):
    values = {i: x for i in range(3)}  # <- here
    return values[0]


def generator_expression(x):
    return sum(x * i for i in range(3))  # <- here


def attribute_assignment(x):
    box.weight = 3.0  # <- here
    return x * box.weight


def register(fn):
    """A decorator that returns the function itself (registering it somewhere)."""
    return fn


@register  # <- here
def registered(x):
    return x * 2.0


@functools.lru_cache(maxsize=None)  # <- here
def decorated(x):
    return x * 2.0


def unknown_function(x):
    y = x * 2.0
    return math.sin(y)  # <- here


def unknown_method(x):
    y = x * 2.0
    return np.sum(y.cumprod())  # <- here


def unknown_numpy_function(x):
    y = x * 2.0
    return np.sum(np.fft.fft(y).real)  # <- here


def unknown_user_object(x):
    y = x * 2.0
    return box.scale(y)  # <- here


def builtin_sorted(x):
    y = x * 2.0
    return sorted([y, x])[0]  # <- here


def floor_division(x):
    return x // 2.0  # <- here


def vector_output(x):
    return x * 2.0  # <- here


def returns_tuple(x):
    return x * 2.0, x  # <- here


def returns_dict(x):
    return {"y": x * 2.0}  # <- here


def returns_none(x):  # <- here
    x * 2.0


def returns_string(x):
    return "done"  # <- here


def shape_mismatch(x, y):
    z = x * 2.0
    return np.sum(z + y)  # <- here


def matmul_mismatch(a, b):
    c = a @ b  # <- here
    return np.sum(c)


def index_out_of_range(x):
    y = np.sin(x)
    return y[5] * 2.0  # <- here


def writes_through_alias(x):
    y = x
    y[0] = 1.0  # <- here
    return np.sum(y * x)


def sorts_in_place(x):
    y = x * 1.0
    y.sort()  # <- here
    return np.sum(y)


def recursion_without_end(x):
    return recursion_without_end(x * 0.5) + x  # <- here


def keyword_only(x, *, y=1.0):
    return x * y


def two_args(x, y):
    return x * y


def scalar(x):
    return x * x


def loop_sum(x):
    total = 0.0
    for i in range(3):
        total = total + x * i
    return total


def assert_fails(x):
    assert x < 0.0, "x must be negative"  # <- here
    return x * 2.0


def unbound_local(x):
    if x > 100.0:
        y = x * 2.0
    return y * 1.0  # <- here


def uses_undefined_name(x):
    return x * NOT_DEFINED_ANYWHERE  # <- here  # noqa: F821


def takes_string(x, mode):
    return x * float(len(mode))


exec_namespace = {"np": np}
exec(compile("def exec_made(x):\n    return x * 2.0\n", "<exec>", "exec"), exec_namespace)
exec_made = exec_namespace["exec_made"]

repl_namespace = {}
exec(compile("def repl_made(x):\n    return x * 3.0\n", "<stdin>", "exec"), repl_namespace)
repl_made = repl_namespace["repl_made"]

partial_function = functools.partial(two_args, y=2.0)


def calls_try(x):
    return try_except(x * 2.0)


def calls_exec_made(x):
    y = x * 2.0
    return exec_made(y)  # <- here


def callee_shape_mismatch(x):
    return shape_mismatch(x, np.ones(4))


lambda_function = lambda x: x * 2.0  # <- here  # noqa: E731


def augmented_through_alias(x):
    y = x
    y += 1.0  # <- here
    return np.sum(x * y)


def augmented_in_loop_through_alias(x):
    h = x * 1.0
    g = h
    for i in range(2):
        g += np.sin(h)  # <- here
    return np.sum(g * h)
