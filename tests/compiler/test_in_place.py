"""In-place accumulation and preallocated save lists in code generated for plain calls.

`tg.grad` code called on NumPy values accumulates into its own float64 buffers in place
(`bx += g`) and saves a `for k in range(n)` loop's values into `saved_k = [None] * n`
(reverse.plain_values, optimize.accumulate_in_place). These tests pin where that happens and,
above all, where it must not: a buffer that escapes (aliasing the caller's arrays, another
gradient, a later call's result), float32, values of unknown kind, code re-run on Tensors with
create_graph, and code transformed again (higher order).
"""
import inspect

import numpy as np
import pytest

import transgrad as tg
from transgrad.compiler import optimize, reverse
from transgrad.compiler.quoting import gast


# -- functions -------------------------------------------------------------------------------

def tiny_ops(x, c):
    y = x
    for k in range(len(c)):
        y = np.exp(np.tanh(np.sin(y) * c[k] + x))
    return np.sum(y)


def two_params(x, w):
    s = 0.0
    h = x
    for i in range(4):
        h = np.tanh(h * w + x)
        s = s + np.sum(h * w)
    return s


def counted(x, n):
    y = x
    for i in range(n):
        y = np.sin(y) * x
    return np.sum(y)


def nested(x):
    y = x
    for i in range(3):
        for j in range(2):
            y = np.cos(y) * x + 0.1 * j
    return np.sum(y * y)


def loop_in_branch(x, flag):
    y = x
    if flag > 0.0:
        for i in range(3):
            y = np.sin(y) + x
    else:
        y = y * 2.0
    return np.sum(y * x)


def mixed_dtype(x, w32):
    y = x
    for i in range(3):
        y = np.tanh(y * w32 + x)
    return np.sum(y)


def fd_grad(f, x, *rest, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        g.flat[i] = (f(x + e, *rest) - f(x - e, *rest)) / (2 * h)
    return g


def _inputs(n=6, rounds=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n), [0.3 * rng.standard_normal(n) for _ in range(rounds)]


def _functional(gradient, *args):
    """The twin of a specialisation generated for higher order (no in-place, no slots)."""
    return gradient.__transgrad_specialise__(args, {})


# -- what plain code looks like ----------------------------------------------------------------

def test_plain_code_accumulates_in_place_and_saves_into_slots():
    x, c = _inputs()
    g = tg.grad(tiny_ops)
    got = g(x, c)
    src = g.source
    assert "bx += " in src
    assert "bx = bx +" not in src
    assert "saved_k = [None] *" in src
    assert "saved_k[k] = " in src and "= saved_k[k]" in src
    assert ".append(" not in src and ".pop()" not in src
    np.testing.assert_allclose(got, fd_grad(tiny_ops, x, c), rtol=1e-7, atol=1e-9)


def test_plain_and_functional_twins_agree_to_the_last_bit():
    x, c = _inputs(seed=1)
    g = tg.grad(tiny_ops)
    plain = g(x, c)
    twin = _functional(g, x, c)
    src = inspect.getsource(twin)
    assert "+=" not in src and "[None]" not in src
    assert "bx = bx + " in src
    np.testing.assert_array_equal(plain, twin(x, c))


def test_integer_literals_next_to_floats_are_written_as_floats():
    x, c = _inputs()
    g = tg.grad(tiny_ops)
    g(x, c)
    assert "(1.0 - tanh_plus * tanh_plus)" in g.source


# -- the buffer never escapes -------------------------------------------------------------------

def test_inputs_are_never_changed():
    x, c = _inputs(seed=2)
    x0, c0 = x.copy(), [v.copy() for v in c]
    tg.grad(tiny_ops)(x, c)
    np.testing.assert_array_equal(x, x0)
    for v, v0 in zip(c, c0):
        np.testing.assert_array_equal(v, v0)


def test_two_calls_do_not_share_a_buffer():
    g = tg.grad(tiny_ops)
    x1, c = _inputs(seed=3)
    x2 = x1 + 0.5
    r1 = g(x1, c)
    kept = r1.copy()
    r2 = g(x2, c)
    assert not np.shares_memory(r1, r2)
    np.testing.assert_array_equal(r1, kept)
    np.testing.assert_allclose(r2, fd_grad(tiny_ops, x2, c), rtol=1e-7, atol=1e-9)


def test_gradients_of_two_parameters_share_nothing_with_each_other_or_the_inputs():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal(5), rng.standard_normal(5)
    x0, w0 = x.copy(), w.copy()
    g = tg.grad(two_params, (0, 1))
    gx, gw = g(x, w)
    assert "+=" in g.source         # the accumulation this test is about does happen
    for a in (gx, gw):
        for b in (x, w):
            assert not np.shares_memory(a, b)
    assert not np.shares_memory(gx, gw)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_allclose(gx, fd_grad(lambda a: two_params(a, w), x), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(gw, fd_grad(lambda b: two_params(x, b), w), rtol=1e-7, atol=1e-9)


def test_value_and_grad_returns_a_private_gradient():
    x, c = _inputs(seed=5)
    vg = tg.value_and_grad(tiny_ops)
    v, g1 = vg(x, c)
    kept = g1.copy()
    vg(x * 0.5, c)
    np.testing.assert_array_equal(g1, kept)
    assert v == pytest.approx(tiny_ops(x, c), rel=1e-14)


# -- where in-place must not happen --------------------------------------------------------------

def test_float32_accumulates_functionally_and_keeps_its_dtype():
    x, c = _inputs(seed=6)
    x32, c32 = x.astype(np.float32), [v.astype(np.float32) for v in c]
    g = tg.grad(tiny_ops)
    got = g(x32, c32)
    assert "+=" not in g.source
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, fd_grad(tiny_ops, x, c), rtol=2e-3, atol=2e-4)


def test_float64_buffer_with_float32_operands_is_float64_either_way():
    rng = np.random.default_rng(7)
    x, w32 = rng.standard_normal(4), rng.standard_normal(4).astype(np.float32)
    g = tg.grad(mixed_dtype)
    got = g(x, w32)
    twin = _functional(g, x, w32)(x, w32)
    assert got.dtype == twin.dtype == np.float64
    np.testing.assert_array_equal(got, twin)


def test_values_of_unknown_kind_turn_in_place_off():
    x, c = _inputs(n=4, rounds=3, seed=8)
    tensors = [tg.tensor(v) for v in c]
    g = tg.grad(tiny_ops)
    got = g(x, tensors)
    assert "+=" not in g.source
    np.testing.assert_allclose(np.asarray(got.detach().numpy() if hasattr(got, "detach") else got),
                               fd_grad(tiny_ops, x, c), rtol=1e-7, atol=1e-9)


def test_tg_compile_code_is_never_in_place_and_create_graph_flows_through_it():
    def loop_loss(x, w):
        s = (x * w).sum()
        h = x
        for i in range(3):
            h = (h * w + x).tanh()
            s = s + (h * h).sum()
        return s

    rng = np.random.default_rng(9)
    xv, wv = rng.standard_normal(5), rng.standard_normal(5)
    results = []
    for fn in (loop_loss, tg.compile(loop_loss)):
        x = tg.from_numpy(xv.copy()).requires_grad_(True)
        w = tg.from_numpy(wv.copy()).requires_grad_(True)
        gx, = tg.autograd.grad(fn(x, w), x, create_graph=True)
        hx, hw = tg.autograd.grad((gx * gx).sum(), (x, w))
        results.append([t.detach().numpy() for t in (gx, hx, hw)])
    compiled = tg.compile(loop_loss)
    src = tg.source(compiled)
    assert "+=" not in src and "[None]" not in src
    for eager, comp in zip(*results):
        np.testing.assert_allclose(comp, eager, rtol=1e-12, atol=1e-14)


def test_second_order_transforms_functional_code():
    def f(x):
        s = 0.0
        y = x
        for i in range(3):
            y = np.sin(y) * x
            s = s + np.sum(y * y)
        return s

    x = np.array([0.3, -0.8, 1.1])
    g = tg.grad(f)
    g(x)
    assert "+=" in g.source
    h = tg.hessian(f)(x)
    fd = np.stack([fd_grad(lambda a: g(a)[i], x) for i in range(3)])
    np.testing.assert_allclose(h, fd, rtol=1e-6, atol=1e-8)
    gg = tg.grad(lambda_free_sum_of_grad)(x)
    fd2 = fd_grad(lambda_free_sum_of_grad, x)
    np.testing.assert_allclose(gg, fd2, rtol=1e-6, atol=1e-8)


def _inner(x):
    s = 0.0
    y = x
    for i in range(3):
        y = np.sin(y) * x
        s = s + np.sum(y * y)
    return s


_grad_inner = tg.grad(_inner)


def lambda_free_sum_of_grad(x):
    return np.sum(_grad_inner(x) * x)


# -- preallocated save lists ---------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 4])
def test_slots_sized_by_an_argument(n):
    x = np.array([0.4, -0.2, 0.9])
    g = tg.grad(counted)
    got = g(x, n)
    assert "saved_i = [None] * n" in g.source
    np.testing.assert_allclose(got, fd_grad(counted, x, n), rtol=1e-7, atol=1e-9)


def test_nested_loops_use_slots_outside_and_the_stack_inside():
    x = np.array([0.4, -0.2, 0.9])
    g = tg.grad(nested)
    got = g(x)
    np.testing.assert_allclose(got, fd_grad(nested, x), rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(got, _functional(g, x)(x))


@pytest.mark.parametrize("flag", [1.0, -1.0])
def test_a_loop_inside_a_branch(flag):
    x = np.array([0.4, -0.2, 0.9])
    g = tg.grad(loop_in_branch)
    got = g(x, flag)
    np.testing.assert_allclose(got, fd_grad(loop_in_branch, x, flag), rtol=1e-7, atol=1e-9)


# -- the pass itself, on hand-written code --------------------------------------------------------

def _body(text, marked):
    """Statements of `text` (a function body), the assignments on the lines in `marked`
    carrying the reverse pass's accumulation mark."""
    src = "def f():\n" + "".join(f"    {line}\n" for line in text.strip().splitlines())
    fdef = gast.parse(src).body[0]
    for s in _statements(fdef.body):
        if isinstance(s, gast.Assign) and s.lineno - 1 in marked:
            setattr(s, reverse.ACCUMULATE, True)
    return fdef.body


def _statements(block):
    for s in block:
        yield s
        for field in ("body", "orelse"):
            yield from _statements(getattr(s, field, []) or [])


def _in_place_lines(body):
    optimize.accumulate_in_place(body)
    return sorted(s.lineno - 1 for s in _statements(body) if isinstance(s, gast.AugAssign))


@pytest.mark.parametrize("text, marked, expected", [
    # a private buffer, accumulated twice
    ("b = np.zeros((3,))\nb = b + g1\nb = b + g2\nreturn b", {2, 3}, [2, 3]),
    # read in between: another name may now hold the array
    ("b = np.zeros((3,))\nb = b + g1\nc = b\nb = b + g2\nreturn b, c", {2, 4}, [2]),
    # not a buffer the code made
    ("b = seed\nb = b + g\nreturn b", {2}, []),
    # not marked by the reverse pass
    ("b = np.zeros((3,))\nb = b + g\nreturn b", set(), []),
    # float32 zeros, or a shape not known when compiling
    ("b = np.zeros((3,), dtype=np.float32)\nb = b + g\nreturn b", {2}, []),
    ("b = np.zeros(n)\nb = b + g\nreturn b", {2}, []),
    # the contribution reads the accumulator
    ("b = np.zeros((3,))\nb = b + b * g\nreturn b", {2}, []),
    # private on one branch only
    ("b = np.zeros((3,))\nif c:\n    b = seed\nb = b + g\nreturn b", {4}, []),
    # private on both branches
    ("if c:\n    b = np.zeros((3,))\nelse:\n    b = np.zeros((3,))\nb = b + g\nreturn b", {5}, [5]),
    # a loop that only accumulates
    ("b = np.zeros((3,))\nfor k in range(4):\n    b = b + g[k]\nreturn b", {3}, [3]),
    # a loop that also reads the buffer: the next iteration's array may be shared
    ("b = np.zeros((3,))\nfor k in range(4):\n    b = b + g[k]\n    t = b\nreturn b, t", {3}, []),
    # ...or rebinds it to something else
    ("b = np.zeros((3,))\nfor k in range(4):\n    b = b + g[k]\n    b = b * 2.0\nreturn b", {3}, []),
    # the loop makes a new buffer each iteration: private again
    ("for k in range(4):\n    b = np.zeros((3,))\n    b = b + g[k]\n    out.append(b)\nreturn out",
     {3}, [3]),
    # a while loop reading it in its test
    ("b = np.zeros((3,))\nwhile b[0] < 1.0:\n    b = b + g\nreturn b", {3}, []),
])
def test_accumulate_in_place_only_into_private_buffers(text, marked, expected):
    assert _in_place_lines(_body(text, marked)) == expected


def _run(module):
    import ast
    namespace = {"np": np}
    tree = ast.fix_missing_locations(gast.gast_to_ast(module))
    exec(compile(tree, "<in-place test>", "exec"), namespace)
    return namespace["f"]


def test_in_place_code_computes_what_the_functional_code_computes():
    src = ("def f(g):\n    b = np.zeros((3,))\n    for k in range(4):\n"
           "        b = b + g[k] * 2.0\n    return b\n")
    module = gast.parse(src)
    functional = _run(module)
    body = module.body[0].body
    setattr(body[1].body[0], reverse.ACCUMULATE, True)
    optimize.accumulate_in_place(body)
    assert isinstance(body[1].body[0], gast.AugAssign)
    in_place = _run(module)
    g = [np.arange(3.0) * k for k in range(4)]
    np.testing.assert_array_equal(in_place(g), functional(g))


def shared_adjoints(x, y):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.sin(x * (i + 1.0)))   # accumulates into the adjoint of x
    z = x + y       # first in the backward pass: x's and y's adjoints start as z's
    return s + np.sum(z * z)


def test_adjoints_that_start_shared_are_not_accumulated_in_place():
    rng = np.random.default_rng(10)
    x, y = rng.standard_normal(4), rng.standard_normal(4)
    g = tg.grad(shared_adjoints, (0, 1))
    gx, gy = g(x, y)
    assert not np.shares_memory(gx, gy)
    np.testing.assert_allclose(gx, fd_grad(lambda a: shared_adjoints(a, y), x), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(gy, fd_grad(lambda b: shared_adjoints(x, b), y), rtol=1e-7, atol=1e-9)
    twin = _functional(g, x, y)(x, y)
    np.testing.assert_array_equal(gx, twin[0])
    np.testing.assert_array_equal(gy, twin[1])


# -- the whole corpus: plain code computes exactly what the functional twin computes ----------

def _flat(value):
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _flat(v)]
    if isinstance(value, dict):
        return [leaf for k in sorted(value, key=repr) for leaf in _flat(value[k])]
    return [value]


def _corpus():
    from .corpus import CASES
    return CASES


@pytest.mark.parametrize("case", _corpus(), ids=lambda c: c.name)
def test_corpus_plain_code_equals_its_functional_twin(case):
    import copy
    g = tg.grad(case.fn, case.argnums, has_aux=case.has_aux)
    args = case.make_args()
    before = copy.deepcopy(args)
    first = g(*args)
    first_leaves = [np.array(v, copy=True) if isinstance(v, np.ndarray) else v
                    for v in _flat(first)]
    for a, b in zip(_flat(args), _flat(before)):          # the inputs are left alone
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
    twin = _functional(g, *case.make_args())(*case.make_args())
    for p, q in zip(_flat(first), _flat(twin)):
        np.testing.assert_array_equal(np.asarray(p), np.asarray(q))
    g(*case.make_args())                                  # a second call changes nothing
    for p, q in zip(_flat(first), first_leaves):
        np.testing.assert_array_equal(np.asarray(p), np.asarray(q))
