"""Second derivatives of programs the fuzzer (tests/reliability/fuzz_programs.py) found
refused, minimised by hand. Each was a loud GradientError from generated code transformed
again; each is now checked against central differences of the (first-order) gradient, by
forward over reverse (`tg.hessian`, batched and one seed at a time, `tg.jvp(tg.grad(f))`)
and reverse over reverse (`tg.jacobian(tg.grad(f), mode="reverse")`, and `tg.grad` of a
function calling the gradient function).

Causes, for the record:
- `early_return_then_dict`, `early_return_then_list`: abstract values were propagated over
  the statements in a scrambled order, so `bv6 = zeros_like(v6)` was seen before `v6` was
  known, became "unknown" for good, and its subscripts were taken for array reads
  (`index_update(bv6, 'w', ...)`, `bv8.pop()` on an array);
- `early_return_in_helper`: the backward function of `helper` pops the stacks of the tape
  it is given; transformed again, the zero adjoint of that tape (made after the pops)
  held empty stacks (`pop from empty list`);
- `loop_in_helper`: in forward mode, a parameter with no tangent (`br` of the backward
  function) that becomes varied inside a loop had no zero tangent before the loop
  (`UnboundLocalError: dbr`);
- `shared_loop_names` (as the fuzzer drew it: no line can go without losing the failure):
  the optimiser dropped `bsin_row = bvalues[1]` as only read to update itself, but kept
  the update `bsin_row = add_grads(bsin_row, ...)` (a call it does not know to be pure),
  which then read an unassigned name (`UnboundLocalError: bsin_row`).
"""
import numpy as np
import pytest

import transgrad as tg

EPS = 1e-6


# -- the programs ---------------------------------------------------------------------------

def early_return_then_dict(a):
    v4 = a * 1.0
    for i in range(3):
        v4 = np.cos(v4) * a
        if np.sum(v4) > 1.2:
            return np.sum(v4 * v4)
    v6 = {"u": a, "w": np.cos(a)}
    v7 = v6["u"] * v6["w"]
    return np.sum(v7)


def early_return_then_list(b):
    v2 = b * 1.0
    for i in range(3):
        v2 = np.cos(v2) * b
        if np.sum(v2) > 1.2:
            return np.sum(v2 * v2)
    v8 = []
    for i in range(2):
        v8.append(v2 * i + np.tanh(b))
    v9 = v8[0] * v8[-1]
    return np.sum(v9)


def _helper_early(p, q):
    r = p * q
    for i in range(3):
        if np.sum(r) > 1.0:
            return r * 0.5
        r = r + np.cos(q)
    return r


def early_return_in_helper(b):
    v9 = _helper_early(b, b)
    return np.sum(v9)


def _helper_loop(p, q):
    r = p
    for i in range(2):
        r = np.tanh(r * q + 0.5)
    return r


def loop_in_helper(b):
    v3 = b * 2.0
    v9 = _helper_loop(b, v3)
    return np.sum(v9)


def shared_loop_names(a, b):
    v1 = 0.0
    for k, row in enumerate(b):
        v1 = v1 + np.sin(row) * b * k
    v2 = b * 1.0
    for i in range(4):
        v2 = np.tanh(v2 + v1) * 1.5
    v3 = b * 1.0
    for i in range(3):
        v3 = np.cos(v3) * v2
        if np.sum(v3) > 1.2:
            return np.sum(v3 * v3)
    v4 = b
    for i in range(3):
        v4 = v4 + np.sin(v3) * i
    v5 = 0.0
    for row in v4:
        v5 = v5 + row * np.cos(v1)
    v6 = 0.0
    for k, row in enumerate(a):
        v6 = v6 + np.sin(row) * a * k
    return np.sum(v6)


# (function, arguments): differentiated in the first; arguments on both sides of each
# data-dependent branch, away from its edge
CASES = [
    (early_return_then_dict, (np.array([0.3, -0.7, 0.2]),)),       # no early return
    (early_return_then_dict, (np.array([0.9, 1.1, 0.8]),)),        # returns in the loop
    (early_return_then_list, (np.array([0.3, -0.7, 0.2]),)),
    (early_return_then_list, (np.array([0.9, 1.1, 0.8]),)),
    (early_return_in_helper, (np.array([0.3, -0.7, 0.2]),)),       # the helper's loop ends
    (early_return_in_helper, (np.array([0.9, 0.8, 0.1]),)),        # it returns at once
    (early_return_in_helper, (np.array([0.5, 0.6, -0.2]),)),       # it returns later
    (loop_in_helper, (np.array([0.3, -0.7, 0.2]),)),
    (loop_in_helper, (np.array([[0.5, -1.2], [0.1, 0.8]]),)),
    (shared_loop_names, (np.array([1.2054, -0.2, 1.371]), np.array([0.842, 1.4851, 0.1367]))),
    (shared_loop_names, (np.array([0.32, 0.69, 0.13]), np.array([1.31, 0.95, -1.49]))),
]
IDS = [f"{fn.__name__}-{k}" for k, (fn, _) in enumerate(CASES)]


def fd_hessian(fn, args):
    """Central differences of the compiled gradient (first order, checked elsewhere)."""
    grad = tg.grad(fn)
    x, rest = args[0], args[1:]
    out = np.zeros(x.shape + x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[idx] = EPS
        out[(Ellipsis,) + idx] = (grad(x + e, *rest) - grad(x - e, *rest)) / (2 * EPS)
    return out


def _assert_close(got, want):
    scale = 1.0 + np.max(np.abs(want))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6 * scale)


def _same_branches_nearby(fn, args):
    """f is smooth around the point (no branch changes within the differences' reach)."""
    x, rest = args[0], args[1:]
    for idx in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[idx] = 1e-4
        up, mid, down = fn(x + e, *rest), fn(x, *rest), fn(x - e, *rest)
        assert np.isclose(up - mid, mid - down, rtol=1e-2, atol=1e-6)


@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_hessian_forward_over_reverse(fn, args):
    _same_branches_nearby(fn, args)
    want = fd_hessian(fn, args)
    batched = tg.hessian(fn)
    _assert_close(batched(*args), want)
    assert batched.batched, batched.fallback_reason
    _assert_close(tg.hessian(fn, vectorize=False)(*args), want)


@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_jacobian_of_gradient_reverse_over_reverse(fn, args):
    want = fd_hessian(fn, args)
    _assert_close(tg.jacobian(tg.grad(fn), mode="reverse")(*args), want)
    _assert_close(tg.jacobian(tg.grad(fn), mode="reverse", vectorize=False)(*args), want)


@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_hessian_vector_products(fn, args):
    """H v by tg.jvp of the gradient, and by tg.grad of <grad f(x), v> (the gradient
    function called inside a transformed function)."""
    x = args[0]
    v = np.random.default_rng(3).normal(size=x.shape)
    want = np.tensordot(fd_hessian(fn, args), v, axes=x.ndim)
    tangents = (v,) + tuple(np.zeros_like(a) for a in args[1:])
    _, hv = tg.jvp(tg.grad(fn), args, tangents)
    _assert_close(hv, want)
    global _df, _v
    _df, _v = tg.grad(fn), v
    directional = directional_1 if len(args) == 1 else directional_2
    _assert_close(tg.grad(directional)(*args), want)


_df = _v = None


def directional_1(x):
    return np.sum(_df(x) * _v)


def directional_2(x, y):
    return np.sum(_df(x, y) * _v)
