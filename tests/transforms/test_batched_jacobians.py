"""`tg.jacobian` and `tg.hessian` push every seed through generated code in one batch
(compiler/batching.py). On the compiler's whole corpus the batched matrices equal the
one-seed-at-a-time ones (`vectorize=False`) and no case falls back; where code cannot take
a batch, the fallback gives the same matrix and says why."""
import numpy as np
import pytest

import transgrad as tg

from ..compiler.corpus import CASES
from . import batched_cases as B
from .helpers import positions


def _differentiable_position(case):
    args = case.make_args()
    for p in positions(case):
        x = args[p]
        if isinstance(x, float) or (isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.inexact)):
            return p
    return None


MATRIX_CASES = [c for c in CASES if not c.has_aux and _differentiable_position(c) is not None]


def _both(make, args):
    batched, looped = make(True), make(False)
    got, want = batched(*args), looped(*args)
    assert batched.batched, f"fell back to one seed at a time: {batched.fallback_reason}"
    assert looped.batched is False
    scale = 1.0 + float(np.max(np.abs(want), initial=0.0))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * scale)
    return got


@pytest.mark.parametrize("case", MATRIX_CASES, ids=lambda c: c.name)
def test_hessian_in_one_batched_pass(case):
    """Forward over reverse: the gradient code's tangents, one batch of basis vectors."""
    p = _differentiable_position(case)
    _both(lambda v: tg.hessian(case.fn, p, vectorize=v), case.make_args())


@pytest.mark.parametrize("case", MATRIX_CASES, ids=lambda c: c.name)
def test_reverse_jacobian_of_the_gradient_in_one_batched_pass(case):
    """Reverse over reverse: the second backward pass takes the batch of cotangents."""
    p = _differentiable_position(case)
    _both(lambda v: tg.jacobian(tg.grad(case.fn, p), p, mode="reverse", vectorize=v),
          case.make_args())


def test_forward_and_reverse_jacobians_of_a_vector_function_agree_batched():
    rng = np.random.default_rng(0)
    x, W = rng.normal(size=5), rng.normal(size=(4, 5))
    for p in (0, 1):
        fwd = _both(lambda v: tg.jacobian(_layer, p, mode="forward", vectorize=v), (x, W))
        rev = _both(lambda v: tg.jacobian(_layer, p, mode="reverse", vectorize=v), (x, W))
        np.testing.assert_allclose(fwd, rev, rtol=1e-12, atol=1e-12)
        assert fwd.shape == (3,) + np.shape((x, W)[p])


def _layer(x, W):
    h = np.tanh(W @ x)
    return h[1:] * np.sum(x) + np.concatenate([h[:1], x[:0]])


def test_code_a_batch_cannot_go_through_falls_back_and_says_why():
    x = np.random.default_rng(1).normal(size=4)
    J = tg.jacobian(B.uses_clipped_norm, mode="reverse")
    got = J(x)
    assert J.batched is False and "conversion to a Python value" in J.fallback_reason
    n = np.sqrt(np.sum(x * x))           # d/dx tanh(x) * |x|, by hand
    want = np.diag(1 - np.tanh(x) ** 2) * n + np.outer(np.tanh(x), x / n)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
