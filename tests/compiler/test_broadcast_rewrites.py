"""The optimiser drops broadcasts the consuming operation does anyway (compiler/broadcasts.py,
compiler/facts.py), and only where static shapes and dtypes prove the result is the same;
in code for plain calls it spells reductions of NumPy arrays as methods (reductions.py).

Each rewrite is checked three ways: the generated source shows it (or, where shapes or
dtypes could differ, shows that it did not fire), the gradient is bitwise equal to the one
the same compiler generates with the rewrites switched off, and it agrees with central
finite differences (float64)."""
import contextlib

import numpy as np
import pytest

import transgrad as tg
from transgrad.compiler import api, broadcasts, facts as F, reductions
from transgrad.compiler.avals import AVal
from transgrad.compiler.optimize import _fold_expr
from transgrad.compiler.quoting import parse_expr, parse_stmts, to_source


# -- functions differentiated -------------------------------------------------------------

def softmax_xent(W, b, X, Y):
    z = np.tanh(X @ W + b)
    m = np.max(z, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return np.mean(np.sum(Y * (lse - z), axis=1))


def mean_of_row_sums(x):
    return np.mean(np.sum(x * x, axis=1))


def mean_over_two_axes(x):
    return np.sum(np.sin(np.mean(x, axis=(0, 2))))


def row_sums_times_vector(x, v):
    # the spread of the row sums' cotangent is (4, 3), and v's shape only (3,): the multiply
    # alone would give the right shape here, but not in general, so the spread stays
    u = x * v
    s = np.sum(u, axis=1, keepdims=True)
    return np.sum(np.exp(s))


def mixed_precision(x32, s64):
    # the seed is float64; sin(x32) is float32: `1.0 * sin(x32)` would be float32
    return np.sum(np.sin(x32) * s64)


def weighted(x, w):
    return np.sum(x * w)


def reduced_without_keepdims(x, w):
    return np.sum(np.max(x, axis=1) * w)


def tuple_of_products(xs, w):
    a, b = xs
    return np.sum(a * w) + np.sum(b * w)


def branchy(x, w, c):
    if c > 0.0:
        y = np.sum(x * w)
    else:
        y = np.sum(x * x)
    return y


# -- tools --------------------------------------------------------------------------------

@contextlib.contextmanager
def rewrites_off():
    """Generate with the rewrites of broadcasts.py switched off (and a fresh cache)."""
    saved_rewrite, saved_cache = broadcasts.rewrite, dict(api._CACHE)
    saved_spell = reductions.spell_as_methods
    broadcasts.rewrite = lambda node, facts, parent=None: None
    reductions.spell_as_methods = lambda body, generated, facts: False
    api._CACHE.clear()
    try:
        yield
    finally:
        broadcasts.rewrite = saved_rewrite
        reductions.spell_as_methods = saved_spell
        api._CACHE.clear()
        api._CACHE.update(saved_cache)


def gradients(fn, argnums, args):
    """(gradient, source) with the rewrites, and the gradient without them."""
    api._CACHE.clear()
    df = tg.grad(fn, argnums=argnums)
    got = df(*args)
    with rewrites_off():
        plain = tg.grad(fn, argnums=argnums)
        want = plain(*args)
    return got, df.source, want


def assert_identical(got, want):
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want, strict=True):
        assert np.asarray(g).dtype == np.asarray(w).dtype
        assert np.shape(g) == np.shape(w)
        assert np.array_equal(g, w), (g, w)


def finite_differences(fn, args, k, eps=1e-6):
    x = np.array(args[k], dtype=np.float64)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        a = list(args)
        a[k] = up
        f_up = fn(*a)
        a[k] = down
        out[i] = (f_up - fn(*a)) / (2 * eps)
    return out


def mlp_inputs(dtype, rng):
    W = (0.5 * rng.standard_normal((6, 5))).astype(dtype)
    b = (0.1 * rng.standard_normal(5)).astype(dtype)
    X = rng.standard_normal((4, 6)).astype(dtype)
    Y = np.eye(5, dtype=dtype)[[0, 3, 1, 3]]
    return W, b, X, Y


# -- the rewrites, in generated code ------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_loses_every_spread(dtype):
    args = mlp_inputs(dtype, np.random.default_rng(0))
    got, source, want = gradients(softmax_xent, (0, 1), args)
    assert_identical(got, want)
    assert got[0].dtype == dtype
    # the mean's seed over the rows, spread again over the columns: one number times Y
    seed = "np.float32(1.0)" if dtype == np.float32 else "1.0"
    assert f"{seed} / 4 * Y" in source
    assert "unreduce(" not in source and "reduced_count(" not in source
    # the max's cotangent: a sum of negations is a negated sum, subtracted
    assert "np.sum(-" not in source and "+ -" not in source
    if dtype == np.float64:
        for k in (0, 1):
            np.testing.assert_allclose(got[k], finite_differences(softmax_xent, args, k),
                                       rtol=1e-6, atol=1e-8)


def test_the_mean_seed_over_row_sums_is_one_number():
    x = np.random.default_rng(1).standard_normal((4, 3))
    got, source, want = gradients(mean_of_row_sums, 0, (x,))
    assert_identical(got, want)
    assert "unreduce(" not in source and "np.ones(" not in source
    np.testing.assert_allclose(got, finite_differences(mean_of_row_sums, (x,), 0), rtol=1e-7)


def test_reduced_count_of_literal_shape_and_axes_is_folded():
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    got, source, want = gradients(mean_over_two_axes, 0, (x,))
    assert_identical(got, want)
    assert "reduced_count(" not in source and "/ 8" in source
    np.testing.assert_allclose(got, finite_differences(mean_over_two_axes, (x,), 0), rtol=1e-7)


# -- where shapes or dtypes could differ, nothing fires -----------------------------------

def test_a_spread_larger_than_the_other_operand_stays():
    rng = np.random.default_rng(3)
    x, v = rng.standard_normal((4, 3)), rng.standard_normal(3)
    got, source, want = gradients(row_sums_times_vector, (0, 1), (x, v))
    assert_identical(got, want)
    assert "unreduce(" in source
    for k in (0, 1):
        np.testing.assert_allclose(got[k], finite_differences(row_sums_times_vector, (x, v), k),
                                   rtol=1e-7)


def test_a_spread_of_another_dtype_stays():
    rng = np.random.default_rng(4)
    x32, s64 = rng.standard_normal(3).astype(np.float32), rng.standard_normal(3)
    got, source, want = gradients(mixed_precision, (0, 1), (x32, s64))
    assert_identical(got, want)
    assert got[1].dtype == np.float64
    assert "np.ones((3,))" in source and " * np.sin(x32)" in source


def test_a_cotangent_without_its_reduced_axes_keeps_its_unreduce():
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal(4)
    got, source, want = gradients(reduced_without_keepdims, (0, 1), (x, w))
    assert_identical(got, want)
    assert "unreduce(" in source        # bmax of shape (4,) against x of (4, 3): axis 1 to put back
    np.testing.assert_allclose(got[0], finite_differences(reduced_without_keepdims, (x, w), 0),
                               rtol=1e-6, atol=1e-9)


def test_a_gradient_never_shares_the_array_of_an_argument():
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal(3), rng.standard_normal(3)
    got, source, want = gradients(weighted, 0, (x, w))
    assert_identical(got, want)
    assert got is not w and not np.shares_memory(got, w)
    xs = (rng.standard_normal(3), rng.standard_normal(3))
    gx = tg.grad(tuple_of_products)(xs, w)
    for g in gx:
        np.testing.assert_array_equal(g, w)
        assert not np.shares_memory(g, w)
    g = tg.grad(branchy)(x, w, 1.0)
    np.testing.assert_array_equal(g, w)
    assert not np.shares_memory(g, w)


def code_lines(source):
    return [line for line in source.splitlines() if not line.strip().startswith("#")]


def test_plain_code_spells_reductions_of_arrays_as_methods():
    args = mlp_inputs(np.float32, np.random.default_rng(9))
    got, source, want = gradients(softmax_xent, (0, 1, 2), args)
    assert_identical(got, want)
    code = "\n".join(code_lines(source))
    assert ".max(axis=1, keepdims=True)" in code and ".sum(axis=1, keepdims=True)" in code
    assert ".sum(axis=0)" in code
    assert "np.sum(" not in code and "np.max(" not in code


def test_code_that_may_meet_tensors_or_batches_keeps_numpy_reductions():
    args = mlp_inputs(np.float64, np.random.default_rng(10))
    out, pullback = tg.vjp(softmax_xent, *args)
    pullback(1.0)
    compiled = tg.compile(softmax_xent)
    W = tg.tensor(args[0], requires_grad=True)
    compiled(W, *(tg.tensor(a) for a in args[1:])).backward()
    for source in (tg.source(pullback), compiled.source):
        code = "\n".join(code_lines(source))
        assert "np.sum(" in code and ".sum(axis" not in code and ".max(axis" not in code


def test_a_reduction_of_a_value_that_may_be_a_python_float_stays():
    facts = F.Facts([], lambda name: True, {"s": AVal("float", (), F64),
                                              "x": arr((3,))})
    body = parse_stmts("a = np.sum(s * 2.0)\nb = np.max(x, axis=0)\nc = np.sum(y)\n"
                       "return np.sum(x * s)")
    reductions.spell_as_methods(body, lambda name: True, facts)
    assert [to_source(st).strip() for st in body] == [
        "a = np.sum(s * 2.0)", "b = x.max(axis=0)", "c = np.sum(y)", "return (x * s).sum()"]


# -- batched and Tensor re-runs of the rewritten code -------------------------------------

def test_hessian_of_the_rewritten_code_matches_the_unrewritten():
    args = mlp_inputs(np.float64, np.random.default_rng(7))
    loss_of_b = lambda_free_loss      # noqa: E731 - a module-level function (source needed)
    api._CACHE.clear()
    got = tg.hessian(loss_of_b)(args[1], args[0], args[2], args[3])
    with rewrites_off():
        want = tg.hessian(loss_of_b)(args[1], args[0], args[2], args[3])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def lambda_free_loss(b, W, X, Y):
    return softmax_xent(W, b, X, Y)


def test_compiled_double_backward_matches_the_unrewritten():
    args = mlp_inputs(np.float64, np.random.default_rng(8))

    def second(compiled):
        W = tg.tensor(args[0], requires_grad=True)
        loss = compiled(W, tg.tensor(args[1]), tg.tensor(args[2]), tg.tensor(args[3]))
        (g,) = tg.autograd.grad(loss, W, create_graph=True)
        (h,) = tg.autograd.grad((g * g).sum(), W)
        return g.detach().numpy(), h.numpy()

    api._CACHE.clear()
    got = second(tg.compile(softmax_xent))
    with rewrites_off():
        want = second(tg.compile(softmax_xent))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-15)


# -- the facts and the rewrite, on expressions --------------------------------------------

def fold(text, avals):
    """`text` folded to a fixed point with the given abstract values."""
    facts = F.Facts([], lambda name: True, avals)
    expr = parse_expr(text)
    for _ in range(10):
        expr, did = _fold_expr(expr, facts)
        if not did:
            break
    return to_source(expr).strip()


F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)


def arr(shape, dtype=F64):
    return AVal("array", shape, np.dtype(dtype))


@pytest.mark.parametrize("text, avals, expected", [
    # keepdims: the multiply broadcasts g itself
    ("unreduce(g, (4, 3), 1, True) * p", {"g": arr((4, 1), F32), "p": arr((4, 3), F32)},
     "g * p"),
    ("p - unreduce(g, (4, 3), 1, True)", {"g": arr((4, 1), F32), "p": arr((4, 3), F32)},
     "p - g"),
    # a 0-d value spread, divided, spread again
    ("unreduce(unreduce(np.float32(1.0), (4,), None, False) / reduced_count((4,), None),"
     " (4, 3), 1, False) * p",
     {"p": arr((4, 3), F32)}, "np.float32(1.0) / 4 * p"),
    # the other operand's shape must contain the spread's
    ("unreduce(g, (4, 3), 1, True) * v", {"g": arr((4, 1)), "v": arr((3,))},
     "unreduce(g, (4, 3), 1, True) * v"),
    ("unreduce(g, (4, 3), 1, True) * p", {"g": arr((4, 1)), "p": arr((2, 4, 3))},
     "g * p"),
    # dtypes must agree: a float64 spread times float32 is float64
    ("unreduce(g, (4, 3), 1, True) * p", {"g": arr((4, 1)), "p": arr((4, 3), F32)},
     "unreduce(g, (4, 3), 1, True) * p"),
    # a Python float's spread is float64: against float32 it stays (materialised while
    # small), against float64 it goes
    ("unreduce(1.0, (3,), None, False) * p", {"p": arr((3,), F32)}, "np.ones((3,)) * p"),
    # a large seed stays a view; times an array of its own shape as a statement's whole
    # value it would be that array itself (shared), as an operand of arithmetic it goes
    ("unreduce(1.0, (1048576,), None, False) * p", {"p": arr((1048576,))},
     "unreduce(1.0, (1048576,), None, False) * p"),
    ("unreduce(1.0, (1048576,), None, False) * p * q",
     {"p": arr((1048576,)), "q": arr((1048576,))}, "p * q"),
    ("-(unreduce(1.0, (3,), None, False) * p)", {"p": arr((3,))}, "-p"),
    # a value that may be a Python float or np.float64 (kind float): unknown against float32
    ("unreduce(s, (3,), None, False) * p", {"s": AVal("float", (), F64), "p": arr((3,), F32)},
     "unreduce(s, (3,), None, False) * p"),
    # keepdims=False and a g that is not 0-d: the reduced axes must be put back
    ("unreduce(g, (4, 3), 1, False) * p", {"g": arr((4,)), "p": arr((4, 3))},
     "unreduce(g, (4, 3), 1, False) * p"),
    # unknown shapes: nothing
    ("unreduce(g, (4, 3), 1, True) * p", {"g": arr(None), "p": arr(None)},
     "unreduce(g, (4, 3), 1, True) * p"),
    # the sum of a negation, and adding a negation
    ("a + np.sum(-p, axis=1, keepdims=True)", {"p": arr((4, 3))},
     "a - np.sum(p, axis=1, keepdims=True)"),
    ("np.sum(-k, axis=0)", {"k": AVal("array", (4,), np.dtype(np.int64))}, "np.sum(-k, axis=0)"),
    ("a + -k", {"k": AVal("array", (4,), np.dtype(bool))}, "a + -k"),
    ("reduced_count((2, 3, 4), (0, 2)) * reduced_count((5,), None)", {}, "40"),
    ("reduced_count((2, 3), 5)", {}, "reduced_count((2, 3), 5)"),
])
def test_rewrite_of_expression(text, avals, expected):
    assert fold(text, avals) == expected


def test_facts_follow_numpy_promotion():
    facts = F.Facts([], lambda name: True, {"x": arr((4, 3), F32),
                                              "s": AVal("float", (), F64)})
    of = lambda text: facts.of(parse_expr(text))      # noqa: E731
    assert (of("x * 2.0").shape, of("x * 2.0").dtype) == ((4, 3), F32)
    assert of("1.0 / 64").weak is True and of("1.0 / 64").dtype == F64
    assert of("np.float32(1.0) / 64").weak is False and of("np.float32(1.0) / 64").dtype == F32
    assert of("x * np.float64(2.0)").dtype == F64
    assert of("x * s") is None          # float32 with a Python float, float64 with np.float64
    assert of("np.sum(x, axis=1, keepdims=True)").shape == (4, 1)
    assert of("np.max(x, axis=(0, 1))").shape == ()
    assert of("np.exp(x)").dtype == F32
    assert of("np.sum(x, axis=2)") is None
    assert of("x @ x") is None


def test_facts_of_variables_assigned_in_a_loop_that_reads_them():
    body = parse_stmts("""
bh = 2.0 * h
bz = np.zeros((3,))
v = np.zeros((3,))
for t in range(5):
    bplus = bh * d
    bh = np.dot(bplus, W.T)
    bz = bz + g
    v = v * np.ones((2, 3))
""")
    avals = {"h": arr((16, 64)), "d": arr((16, 64)),
             "W": arr((64, 64)), "g": arr((3,), F32)}
    facts = F.Facts(body, lambda name: name not in avals, avals)
    for name, shape, dtype in (("bplus", (16, 64), F64), ("bh", (16, 64), F64),
                               ("bz", (3,), F64)):
        fact = facts.name(name)
        assert (fact.shape, fact.dtype, fact.weak) == (shape, dtype, False)
    assert facts.name("v") is None          # (3,), then (2, 3): no one shape
    assert facts.name("t") is None          # a loop target
