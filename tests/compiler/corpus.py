"""A corpus of user functions the compiler must differentiate, each with its inputs.

Every entry of `CASES` is a `Case`: the function, a factory of its arguments (fresh values on
every call: functions may not see arrays another test changed), the arguments differentiated
(`argnums`) and tags naming the language features it exercises. `test_corpus.py` checks every
case against central finite differences in float64, against JAX when installed, and against
the eager tape when `transgrad.Tensor` exists.

The functions are ordinary module-level code: the compiler reads their source from this file.
"""
import numpy as np

import transgrad as tg

SCALE = 0.5
OFFSETS = np.array([0.1, -0.2, 0.3])
WEIGHTS = [np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.25, -0.5])]


class Case:
    """fn and its arguments. `reference(*args)`, when given, returns the NumPy function whose
    finite differences the gradient must match at `args` (for functions NumPy cannot run,
    like Tensor-style methods, and for stop_gradient/no_grad, whose blocked values are
    constants of the reference)."""

    def __init__(self, fn, make_args, argnums=0, tags=(), rtol=1e-5, atol=1e-7, has_aux=False,
                 reference=None):
        self.fn, self.make_args, self.argnums, self.tags = fn, make_args, argnums, tuple(tags)
        self.rtol, self.atol, self.has_aux = rtol, atol, has_aux
        self.reference = reference

    def numpy_function(self, *args):
        """The function finite differences evaluate around `args`."""
        return self.fn if self.reference is None else self.reference(*args)

    @property
    def name(self):
        return self.fn.__name__

    def __repr__(self):
        return f"Case({self.name})"


def _rng(seed):
    return np.random.default_rng(seed)


def vec(n=3, seed=0, low=-1.0, high=1.0):
    return lambda: (_rng(seed).uniform(low, high, n),)


CASES = []


def case(make_args, argnums=0, tags=(), **kw):
    """Register the function a call of the result receives (the compiler accepts no foreign
    decorators on the functions it transforms, so registration follows each definition)."""
    def register(fn):
        CASES.append(Case(fn, make_args, argnums, tags, **kw))
        return fn
    return register


# ---------------------------------------------------------------- straight-line code

def scalar_arith(a, b):
    return a * b + a / b - b ** 2 + 3.0 * a - -b


case(lambda: (0.7, 1.3), argnums=(0, 1), tags=("scalar", "arith"))(scalar_arith)


def vector_numpy(x):
    y = np.sin(x) * np.exp(x) + np.log(x * x + 1.0)
    return np.sum(y * y)


case(vec(4, 1), tags=("vector", "numpy"))(vector_numpy)


def matrix_product(a, b):
    c = a @ b
    return np.sum(np.tanh(c)) + np.mean(c ** 2)


case(lambda: (_rng(2).normal(size=(3, 4)), _rng(3).normal(size=(4, 2))), argnums=(0, 1),
      tags=("matrix", "matmul"))(matrix_product)


def array_methods(x):
    y = x.reshape(5, 1) * x.reshape(1, 5)
    return y.sum() + y.T.mean() + (x ** 2).max()


case(vec(5, 4), tags=("vector", "methods"))(array_methods)


def tensor_style(x):
    y = x.exp().pow(2).sum(dim=0)
    z = x.sqrt().mul(x).log()
    return y + z.mean()


case(vec(4, 5, 0.5, 2.0), tags=("vector", "tensor-style"),
     reference=lambda x0: lambda x: np.sum(np.exp(x) ** 2, axis=0) + np.mean(np.log(np.sqrt(x) * x)))(
    tensor_style)


def tg_functions(x):
    p = tg.softmax(x, axis=1)
    return tg.sum(p * tg.log(p + 1.0)) + tg.logsumexp(x)


case(lambda: (_rng(6).normal(size=(2, 3)),), tags=("matrix", "tg"))(tg_functions)


def broadcasting(m, v):
    return np.sum((m + v) * v - m / (1.0 + v ** 2))


case(lambda: (_rng(7).normal(size=(3, 2)), _rng(8).normal(size=2)), argnums=(0, 1),
      tags=("matrix", "broadcast"))(broadcasting)


def reassign_same_name(x):
    x = np.exp(x)
    x = x * x
    x = np.sin(x) + x
    return x


case(lambda: (0.3,), tags=("scalar", "reassign"))(reassign_same_name)


def tuple_unpacking(a, b):
    a, b = b, a * b
    c, d = np.sin(a), np.cos(b)
    return c * d + a


case(lambda: (0.4, 0.9), argnums=(0, 1), tags=("scalar", "unpack", "tuple"))(tuple_unpacking)


def augmented(x):
    y = x
    y += x * 2.0
    y *= x
    y -= 0.5
    y /= 1.0 + x
    y **= 2
    return y


case(lambda: (0.5,), tags=("scalar", "augassign"))(augmented)


def globals_read(x):
    return np.sum((x * SCALE + OFFSETS) ** 2)


case(vec(3, 9), tags=("vector", "constant-global"))(globals_read)


def reductions_axis(x):
    m = np.outer(x, x)
    return np.sum(np.mean(m, axis=0) * np.max(m, axis=1)) + np.prod(x + 2.0)


case(vec(3, 10), tags=("vector", "reductions"))(reductions_axis)


def shape_ops(x):
    y = np.concatenate([x, x * 2.0], axis=0)
    z = np.stack([x, np.sin(x)])
    return np.sum(y ** 2) + np.sum(np.transpose(z) * 3.0) + np.sum(x.ravel()[1:4])


case(lambda: (_rng(11).normal(size=(2, 3)),), tags=("matrix", "shape"))(shape_ops)


def stop_gradient_call(x):
    c = tg.stop_gradient(x * 2.0)
    return np.sum(c * x)


def detach_method(x):
    y = x * 3.0
    return np.sum(y.detach() * y)


case(vec(3, 60), tags=("vector", "detach"),
     reference=lambda x0: lambda x: np.sum(x0 * 3.0 * x * 3.0))(detach_method)


case(vec(4, 12), tags=("vector", "stop-gradient"),
     reference=lambda x0: lambda x: np.sum(x0 * 2.0 * x))(stop_gradient_call)


def no_grad_block(x):
    with tg.no_grad():
        scale = np.max(np.abs(x)) + 1.0
    return np.sum(x / scale)


case(vec(4, 13), tags=("vector", "no-grad"),
     reference=lambda x0: lambda x: np.sum(x / (np.max(np.abs(x0)) + 1.0)))(no_grad_block)


def print_and_assert(x):
    y = x * 2.0
    assert y.shape == (3,), f"unexpected shape {y.shape}"
    print("norm of y:", np.sum(y * y))
    return np.sum(y * x)


case(vec(3, 14), tags=("vector", "print", "assert"))(print_and_assert)


def conditional_expression(x):
    y = x * x if x > 0.5 else x * 3.0
    return y + (np.sin(y) if y < 10.0 else y)


case(lambda: (0.6,), tags=("scalar", "ifexp"))(conditional_expression)


def where_maximum(x):
    return np.sum(np.where(x > 0.0, x * x, -x) + np.maximum(x, 0.2))


case(vec(3, 15), tags=("vector", "where"))(where_maximum)


# ---------------------------------------------------------------- branches

def branch_if(x):
    if x > 0.5:
        y = x * x
    else:
        y = np.sin(x)
    return y * 3.0


case(lambda: (0.8,), tags=("scalar", "if"))(branch_if)


def branch_else_taken(x):
    if x > 0.5:
        y = x * x
    else:
        y = np.sin(x)
    return y * 3.0


case(lambda: (-0.8,), tags=("scalar", "if"))(branch_else_taken)


def branch_elif(x, y):
    if x > 1.0:
        z = x * y
    elif x > 0.0:
        z = np.exp(x) + y * y
    else:
        z = y
    return z * x


case(lambda: (0.2, 1.5), argnums=(0, 1), tags=("scalar", "elif"))(branch_elif)


def branch_on_data(x):
    s = np.sum(x)
    if s > 0.0:
        x = x * 2.0
    return np.sum(x ** 3)


case(vec(3, 16), tags=("vector", "if", "data-dependent"))(branch_on_data)


def branch_assigns_only_one(a, b):
    c = a
    if b > 0.5:
        c = c * b
        d = np.exp(b)
        c = c + d
    return c * a


case(lambda: (0.3, 0.7), argnums=(0, 1), tags=("scalar", "if", "one-branch-variable"))(branch_assigns_only_one)


def nested_branches(x):
    y = x
    if x > 0.0:
        if x > 1.0:
            y = y * x
        else:
            y = y + x
        y = y * 2.0
    return y * y


case(lambda: (1.2,), tags=("scalar", "if", "nested"))(nested_branches)


# ---------------------------------------------------------------- loops

def scalar_loop(a, b):
    x = 0.5
    for i in range(50):
        x = np.sin(x) * a + b
    return x


case(lambda: (0.8, 0.3), argnums=(0, 1), tags=("scalar", "for-range", "W1"))(scalar_loop)


def loop_accumulate(x):
    total = 0.0
    for i in range(4):
        total = total + np.sum(x ** (i + 1))
    return total


case(vec(3, 17), tags=("vector", "for-range"))(loop_accumulate)


def loop_over_array(x):
    s = 0.0
    for v in x:
        s = s + v * v * 0.5 + np.sin(v)
    return s


case(vec(4, 18), tags=("vector", "for-array"))(loop_over_array)


def loop_over_list(x):
    s = 0.0
    for w in WEIGHTS:
        s = s + np.sum(w * x) ** 2
    return s


case(vec(3, 19), tags=("vector", "for-list", "global-list"))(loop_over_list)


def loop_enumerate(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + v * (i + 1.0)
    return s * s


case(vec(3, 20), tags=("vector", "enumerate"))(loop_enumerate)


def loop_zip(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * b * b
    return s


case(lambda: (_rng(21).normal(size=3), _rng(22).normal(size=3)), argnums=(0, 1), tags=("vector", "zip"))(loop_zip)


def while_data_dependent(x):
    y = x
    while y < 5.0:
        y = y * 1.7 + 0.1
    return y


case(lambda: (0.3,), tags=("scalar", "while"))(while_data_dependent)


def while_counter(x):
    i = 0
    y = x
    while i < 6:
        y = np.sin(y) + x
        i = i + 1
    return y


case(lambda: (0.9,), tags=("scalar", "while", "counter"))(while_counter)


def nested_loops(x):
    s = 0.0
    for i in range(3):
        for j in range(3):
            s = s + x[i] * x[j] * (i - j + 0.5)
    return s


case(vec(3, 23), tags=("vector", "nested-loops"))(nested_loops)


def branch_in_loop(x):
    y = x
    for i in range(8):
        if y > 1.0:
            y = y * 0.5
        else:
            y = y * y + 0.6
    return y


case(lambda: (0.7,), tags=("scalar", "loop", "if-in-loop"))(branch_in_loop)


def loop_break(x):
    y = x
    for i in range(20):
        y = y * 1.5 + 0.1
        if y > 3.0:
            break
    return y * y


case(lambda: (0.4,), tags=("scalar", "break"))(loop_break)


def loop_continue(x):
    y = x
    for i in range(6):
        if i % 2 == 0:
            continue
        y = y * x + 0.3
    return y


case(lambda: (0.4,), tags=("scalar", "continue"))(loop_continue)


def while_break(x):
    y = x
    n = 0
    while True:
        y = np.exp(y) * 0.5
        n = n + 1
        if n >= 4:
            break
    return y


case(lambda: (0.5,), tags=("scalar", "while", "break"))(while_break)


def break_continue_data(x):
    s = 0.0
    for v in x:
        if v < -0.5:
            continue
        s = s + v * v
        if s > 1.5:
            break
    return s + np.sum(x) * 0.1


case(vec(5, 24), tags=("vector", "break", "continue", "data-dependent"))(break_continue_data)


# ---------------------------------------------------------------- returns

def early_return(x):
    if x > 0.5:
        return x * x
    y = np.sin(x)
    return y * 2.0


case(lambda: (0.9,), tags=("scalar", "early-return"))(early_return)


def early_return_other_path(x):
    if x > 0.5:
        return x * x
    y = np.sin(x)
    return y * 2.0


case(lambda: (0.2,), tags=("scalar", "early-return"))(early_return_other_path)


def return_in_loop(x):
    y = x
    for i in range(10):
        y = y * 2.0
        if y > 2.0:
            return y * x
    return -y


case(lambda: (0.3,), tags=("scalar", "return-in-loop"))(return_in_loop)


def many_returns(a, b):
    if a < 0.0:
        return a
    elif b > 0.5:
        return a * b
    else:
        if a > 0.5:
            return np.exp(a) * b
        return a + b


case(lambda: (0.8, 0.1), argnums=(0, 1), tags=("scalar", "multiple-returns"))(many_returns)


def return_in_nested_loop(x):
    y = x
    for i in range(5):
        for j in range(5):
            y = y + x * 0.1
            if y > 1.0:
                return y * y
    return y


case(lambda: (0.3,), tags=("scalar", "return-in-nested-loop"))(return_in_nested_loop)


# ---------------------------------------------------------------- calls

def square_plus(v, c=1.0):
    return v * v + c


def poly(x, a, b=2.0, *, c=0.5):
    return a * x * x + b * x + c


def recursive_power(x, n):
    if n == 0:
        return 1.0
    return x * recursive_power(x, n - 1)


def fib_like(x, n):
    if n <= 1:
        return x
    return fib_like(x, n - 1) + 0.5 * fib_like(x * 0.9, n - 2)


def two_outputs(x):
    return np.sin(x), np.cos(x)


def normalise(v):
    return v / np.sqrt(np.sum(v * v) + 1e-3)


def calls_helper_twice(x):
    return square_plus(x) * square_plus(x * 2.0, c=0.5)


case(lambda: (0.7,), tags=("scalar", "call", "call-twice"))(calls_helper_twice)


def calls_with_keywords(x, a):
    return poly(x, a) + poly(a, x, b=0.5, c=x)


case(lambda: (0.6, 1.1), argnums=(0, 1), tags=("scalar", "call", "keywords", "defaults"))(calls_with_keywords)


def calls_recursive(x):
    return recursive_power(x, 4)


case(lambda: (1.3,), tags=("scalar", "call", "recursion"))(calls_recursive)


def calls_double_recursion(x):
    return fib_like(x, 5)


case(lambda: (0.9,), tags=("scalar", "call", "recursion", "double"))(calls_double_recursion)


def calls_tuple_return(x):
    s, c = two_outputs(x)
    return s * c + s


case(lambda: (0.4,), tags=("scalar", "call", "tuple-return"))(calls_tuple_return)


def calls_in_loop(x):
    y = x
    for i in range(3):
        y = normalise(y + x)
    return np.sum(y * x)


case(vec(4, 25), tags=("vector", "call", "in-loop"))(calls_in_loop)


def make_closure(k):
    def closed(x):
        return np.sum(np.sin(x * k))
    return closed


scaled_sin = make_closure(1.7)
CASES.append(Case(scaled_sin, vec(3, 26), 0, ("vector", "closure")))


def make_closure_array(w):
    def closed_array(x):
        return np.sum((x - w) ** 2)
    return closed_array


distance_to = make_closure_array(np.array([0.5, 0.25, -1.0]))
CASES.append(Case(distance_to, vec(3, 27), 0, ("vector", "closure", "closure-array")))


def defaults_used(x, y=2.0, z=3.0):
    return x * y + z * y * y


case(lambda: (0.4, 0.6), argnums=1, tags=("scalar", "default-args"))(defaults_used)


# ---------------------------------------------------------------- containers

def list_build_index(x):
    items = [x, x * 2.0, np.sin(x)]
    return np.sum(items[0] * items[2]) + np.sum(items[1])


case(vec(3, 28), tags=("vector", "list-build", "list-index"))(list_build_index)


def list_append(x):
    ys = []
    for i in range(4):
        ys.append(x * (i + 1.0))
    return np.sum(ys[-1] * ys[0]) + np.sum(ys[2])


case(vec(3, 29), tags=("vector", "list-append"))(list_append)


def list_history(x):
    hs = [x]
    for i in range(3):
        hs.append(np.tanh(hs[-1] * 1.5 + x))
    return np.sum(hs[-1]) + np.sum(hs[1] * hs[2])


case(vec(3, 30), tags=("vector", "list-append", "read-while-building"))(list_history)


def list_then_stack(x):
    rows = []
    for i in range(3):
        rows.append(x * x[i])
    m = np.stack(rows)
    return np.sum(m * m.T)


case(vec(3, 31), tags=("vector", "list-stack"))(list_then_stack)


def tuple_values(x):
    pair = (x, np.exp(x))
    a, b = pair
    return np.sum(a * b) + np.sum(pair[1])


case(vec(3, 32), tags=("vector", "tuple"))(tuple_values)


def dict_values(x):
    d = {"a": x * 2.0, "b": np.sin(x)}
    d["c"] = d["a"] * d["b"]
    return np.sum(d["c"]) + np.sum(d["a"])


case(vec(3, 33), tags=("vector", "dict"))(dict_values)


def list_argument(ws):
    return np.sum(ws[0] * ws[1]) + np.sum(ws[1] ** 2)


case(lambda: ([np.array([0.5, -0.2]), np.array([1.0, 0.3])],), tags=("list-argument",))(list_argument)


def dict_argument(params):
    return np.sum(params["w"] ** 2) * params["b"]


case(lambda: ({"w": np.array([0.5, -0.2]), "b": 0.3},), tags=("dict-argument",))(dict_argument)


def tuple_argument(pair):
    a, v = pair
    return a * np.sum(v * v)


case(lambda: ((0.5, np.array([1.0, 2.0])),), tags=("tuple-argument",))(tuple_argument)


def list_comprehension(x):
    ys = [np.sin(x * k) for k in range(3)]
    return np.sum(ys[0] + ys[1] * ys[2])


case(vec(4, 34), tags=("vector", "list-comprehension"))(list_comprehension)


def comprehension_filter(x):
    vals = [v * v for v in x if v > -0.5]
    return sum(vals) + 0.0


case(vec(3, 35), tags=("vector", "list-comprehension", "filter"))(comprehension_filter)


def builtin_sum(x):
    return sum([x[i] * x[i] for i in range(3)])


case(vec(3, 36), tags=("vector", "builtin-sum"))(builtin_sum)


def list_setitem(x):
    xs = [x, x, x]
    xs[1] = np.sin(x)
    xs[2] = xs[1] * xs[0]
    return np.sum(xs[0] + xs[1] + xs[2])


case(vec(3, 37), tags=("vector", "list-setitem"))(list_setitem)


# ---------------------------------------------------------------- subscripts

def index_reads(x):
    return x[0] * x[1] + np.sum(x[1:4] ** 2) + x[-1]


case(vec(5, 38), tags=("vector", "index-read"))(index_reads)


def matrix_slices(m):
    return np.sum(m[:, 1] * m[1, :3]) + np.sum(m[::2, ::-1] ** 2) + m[2, 3]


case(lambda: (_rng(39).normal(size=(3, 4)),), tags=("matrix", "index-read", "slices"))(matrix_slices)


def index_writes(x):
    y = x * 1.0
    y[0] = x[1] * x[2]
    y[2] = np.sin(x[3])
    return np.sum(y * y)


case(vec(4, 40), tags=("vector", "index-write"))(index_writes)


def index_overwrite(x):
    y = np.zeros(4)
    y[1] = x[0] * 3.0
    y[1] = y[1] * x[1]
    y[2:4] = x[2:4] ** 2
    return np.sum(y * x)


case(vec(4, 41), tags=("vector", "index-write", "overwrite"))(index_overwrite)


def index_write_loop(x):
    y = np.zeros(4)
    for i in range(4):
        y[i] = x[i] * x[(i + 1) % 4]
    return np.sum(y ** 2)


case(vec(4, 42), tags=("vector", "index-write", "loop"))(index_write_loop)


def row_updates(m):
    out = m.copy()
    for i in range(1, 3):
        out[i] = out[i - 1] * 0.5 + m[i]
    return np.sum(out ** 2)


case(lambda: (_rng(43).normal(size=(3, 3)),), tags=("matrix", "index-write", "rows"))(row_updates)


def fancy_index(x):
    idx = np.array([0, 2, 2, 3])
    return np.sum(x[idx] ** 2) + np.sum(x[x > 0.0])


case(vec(4, 44), tags=("vector", "fancy-index"))(fancy_index)


# ---------------------------------------------------------------- workload shapes

def tiny_ops(x, c):
    y = x
    for k in range(6):
        y = np.exp(np.tanh(np.sin(y) * c[k] + x))
    return np.sum(y)


case(lambda: (_rng(45).normal(size=8), [0.3 * _rng(46 + k).normal(size=8) for k in range(6)]),
      tags=("vector", "W2"))(tiny_ops)


def logistic_regression(w, b, X, y):
    z = X @ w + b
    return np.mean(np.logaddexp(0, z) - y * z)


case(lambda: (0.1 * _rng(47).normal(size=6), 0.1, _rng(48).normal(size=(10, 6)),
               (_rng(49).random(10) < 0.5).astype(np.float64)), argnums=(0, 1),
      tags=("matrix", "W3"))(logistic_regression)


def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    m = np.max(z, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return np.mean(np.sum(Y * (lse - z), axis=1))


case(lambda: (_rng(50).normal(size=(4, 5)) * 0.3, _rng(51).normal(size=5) * 0.1,
               _rng(52).normal(size=(5, 3)) * 0.3, _rng(53).normal(size=3) * 0.1,
               _rng(54).normal(size=(6, 4)), np.eye(3)[[0, 1, 2, 0, 1, 2]]),
      argnums=(0, 1, 2, 3), tags=("matrix", "W4"))(mlp)


def rnn(Wx, Wh, b, x):
    h = np.zeros((x.shape[1], Wh.shape[0]))
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ Wx + h @ Wh + b)
    return np.sum(h ** 2)


case(lambda: (_rng(55).normal(size=(3, 4)) * 0.5, _rng(56).normal(size=(4, 4)) * 0.5,
               _rng(57).normal(size=4) * 0.1, _rng(58).normal(size=(5, 2, 3))),
      argnums=(0, 1, 2), tags=("matrix", "W5"))(rnn)


def large_elementwise(x):
    return np.sum(np.logaddexp(0, x) * np.cos(x))


case(vec(50, 59, -3.0, 3.0), tags=("vector", "W6"))(large_elementwise)


def with_aux(x):
    y = np.sin(x) * x
    return y * y, {"y": y}


case(lambda: (0.7,), tags=("scalar", "has-aux"), has_aux=True)(with_aux)


# ---------------------------------------------------------------- more combinations

def print_in_loop(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(x * i)
        print("step", i, s)
    return s * s


case(vec(3, 61), tags=("vector", "print", "for-range"))(print_in_loop)


def while_vector_norm(x):
    y = x
    steps = 0
    while np.sum(y * y) < 4.0 and steps < 50:
        y = y * 1.3 + 0.05
        steps += 1
    return np.sum(y ** 3)


case(vec(3, 62), tags=("vector", "while", "data-dependent"))(while_vector_norm)


def descend(x, depth):
    if depth == 0 or x > 3.0:
        return x
    return descend(x * 1.5 + 0.1, depth - 1) * 0.9


def recursion_data_dependent(x):
    return descend(x, 6)


case(lambda: (0.4,), tags=("scalar", "call", "recursion", "data-dependent"))(recursion_data_dependent)


def inner_most(v):
    return np.tanh(v) * 2.0


def middle(v, w):
    return inner_most(v * w) + inner_most(w)


def call_chain(x, w):
    return np.sum(middle(x, w) * middle(w, x))


case(lambda: (_rng(63).normal(size=3), _rng(64).normal(size=3)), argnums=(0, 1),
     tags=("vector", "call", "nested-calls"))(call_chain)


def helper_in_branch(x):
    if np.sum(x) > 0.0:
        y = normalise(x)
    else:
        y = square_plus(x)
    return np.sum(y * x)


case(vec(3, 65), tags=("vector", "call", "if"))(helper_in_branch)


def mlp_params(params, X):
    h = X
    for W, b in params:
        h = np.tanh(h @ W + b)
    return np.mean(h ** 2)


case(lambda: ([(_rng(66).normal(size=(3, 4)) * 0.5, _rng(67).normal(size=4) * 0.1),
               (_rng(68).normal(size=(4, 2)) * 0.5, _rng(69).normal(size=2) * 0.1)],
              _rng(70).normal(size=(5, 3))), tags=("matrix", "list-argument", "for-list", "unpack"))(
    mlp_params)


def rows_of_matrix(m):
    s = 0.0
    for i, row in enumerate(m):
        s = s + np.sum(row * row) * (i + 1.0)
    return s


case(lambda: (_rng(71).normal(size=(3, 2)),), tags=("matrix", "for-array", "enumerate"))(rows_of_matrix)


def dict_in_loop(x):
    acc = {"sum": 0.0, "prod": 1.0}
    for v in x:
        acc["sum"] = acc["sum"] + v
        acc["prod"] = acc["prod"] * (1.0 + v)
    return acc["sum"] * acc["prod"]


case(vec(3, 72), tags=("vector", "dict", "for-array"))(dict_in_loop)


def slice_writes_in_loop(x):
    y = np.zeros(6)
    for i in range(3):
        y[2 * i:2 * i + 2] = x[i] * np.array([1.0, -1.0]) + y[2 * i:2 * i + 2]
        y[0] = y[0] + x[i]
    return np.sum(np.sin(y))


case(vec(3, 73), tags=("vector", "index-write", "overwrite", "slices"))(slice_writes_in_loop)


def continue_accumulate(x):
    out = np.zeros(3)
    for i in range(5):
        if i == 2:
            continue
        out = out + x ** (i % 3 + 1)
    return np.sum(out)


case(vec(3, 74), tags=("vector", "continue", "for-range"))(continue_accumulate)


def returns_list(x):
    return [x * 2.0, np.cos(x)]


def unpack_list_result(x):
    a, b = returns_list(x)
    return np.sum(a * b)


case(vec(3, 75), tags=("vector", "call", "unpack", "list-build"))(unpack_list_result)


def huber(r, delta=1.0):
    a = np.abs(r)
    if a <= delta:
        return 0.5 * r * r
    return delta * (a - 0.5 * delta)


def helper_with_branches_in_loop(w, x, y):
    total = 0.0
    for i in range(len(y)):
        total = total + huber(np.dot(x[i], w) - y[i])
    return total / len(y)


case(lambda: (np.array([0.5, -1.0, 0.25]), _rng(76).normal(size=(6, 3)), _rng(77).normal(size=6) * 3.0),
     tags=("vector", "call", "in-loop", "early-return", "if"))(helper_with_branches_in_loop)
