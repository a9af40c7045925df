"""`tg.custom_vjp` (JAX's interface): eager (one node calling the user's bwd; create_graph
differentiates through a recomputed fwd), compiled reverse mode (the generated code calls fwd
and bwd by name; residuals are the tape), forward mode refused; all against finite
differences or hand-derived values."""
import re

import numpy as np
import pytest

import transgrad as tg
from transgrad.errors import GradientError, TransformError, TransgradError

from . import defs as D
from .test_primitive import fd_grad

RNG = np.random.default_rng(11)
X = RNG.normal(size=5)
W = RNG.uniform(0.5, 2.0, size=5)


def lse_ref(x, scale=1.0):
    m = np.max(x)
    return m + np.log(np.sum(np.exp((x - m) * scale))) / scale


# -- plain calls ------------------------------------------------------------------------------

def test_on_arrays_it_calls_the_function():
    np.testing.assert_allclose(D.lse(X), lse_ref(X))
    np.testing.assert_allclose(D.lse(X, scale=2.0), lse_ref(X, 2.0))
    assert D.lse.__name__ == "lse" and D.lse.__wrapped__ is not None


def test_without_defvjp_a_call_says_what_to_do():
    with pytest.raises(TransgradError, match=r"no_rule_yet.defvjp\(fwd, bwd\)"):
        D.no_rule_yet(X)


def test_keyword_only_parameters_are_refused():
    def f(x, *, scale):
        return x * scale
    with pytest.raises(TransgradError, match="keyword-only"):
        tg.custom_vjp(f)


# -- eager -------------------------------------------------------------------------------------

def test_eager_node_and_gradient_against_finite_differences():
    x = tg.tensor(X, requires_grad=True)
    y = D.lse(x * tg.tensor(W))
    assert y.grad_fn.name() == "LseBackward"
    assert "LseBackward object at" in repr(y.grad_fn)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), fd_grad(lambda v: lse_ref(v * W), X), rtol=1e-6)


def test_eager_gradient_of_a_non_tensor_argument_is_not_asked():
    """`scale` passed as a float gets no cotangent (bwd's second value is dropped)."""
    x = tg.tensor(X, requires_grad=True)
    D.lse(x, 3.0).backward()
    np.testing.assert_allclose(x.grad.numpy(), fd_grad(lambda v: lse_ref(v, 3.0), X), rtol=1e-6)


def test_eager_gradient_with_respect_to_every_tensor_argument():
    x = tg.tensor(X, requires_grad=True)
    s = tg.tensor(np.array(1.7), requires_grad=True)
    D.lse(x, s).backward()
    expected = (lse_ref(X, 1.7 + 1e-6) - lse_ref(X, 1.7 - 1e-6)) / 2e-6
    np.testing.assert_allclose(s.grad.numpy(), expected, rtol=1e-6)


def test_eager_the_user_rule_is_used_not_the_function():
    """clip_gradient is the identity whose gradient is clipped: only the rule knows that."""
    x = tg.tensor(np.array([0.2, -0.3, 0.05]), requires_grad=True)
    D.clip_gradient(x * 10.0, -1.0, 1.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [10.0, 10.0, 10.0])   # g = 1 clipped to 1, times 10
    x.grad = None
    (D.clip_gradient(x, -1.0, 1.0) * 5.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0, 1.0])      # g = 5 clipped to 1


def test_eager_second_derivative_recomputes_the_residuals_on_tensors():
    x0 = np.array([0.3, -0.4, 1.2])
    x = tg.tensor(x0, requires_grad=True)
    (g,) = tg.autograd.grad(D.lse(x, 2.0), x, create_graph=True)
    assert g.requires_grad
    (h,) = tg.autograd.grad((g * tg.tensor([1.0, 2.0, 3.0])).sum(), x)

    def first(v):
        e = np.exp(2.0 * (v - v.max()))
        return np.sum(e / e.sum() * np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(h.numpy(), fd_grad(first, x0), rtol=1e-5, atol=1e-8)


def test_eager_a_backward_rule_returning_the_wrong_count_is_named():
    x = tg.tensor(X, requires_grad=True)
    y = tg.tensor(W, requires_grad=True)
    out = D.wrong_count(x, y).sum()
    with pytest.raises(GradientError, match=r"backward rule .* of the custom_vjp function "
                                            r"'wrong_count' returned 1 values; it must return "
                                            r"a tuple with one cotangent per positional "
                                            r"argument \(2\)"):
        out.backward()


def test_eager_without_grad_calls_the_function():
    y = D.lse(tg.tensor(X))
    assert y.grad_fn is None
    np.testing.assert_allclose(y.numpy(), lse_ref(X))


# -- compiled reverse mode ------------------------------------------------------------------------

def test_grad_matches_finite_differences():
    dx, dw = tg.grad(D.uses_lse, argnums=(0, 1))(X, W)
    np.testing.assert_allclose(dx, fd_grad(lambda v: D.uses_lse(v, W), X), rtol=1e-6)
    np.testing.assert_allclose(dw, fd_grad(lambda v: D.uses_lse(X, v), W), rtol=1e-6)


def test_grad_through_a_differentiated_default_like_argument():
    ds = tg.grad(D.uses_lse_scale, argnums=1)(X, 1.5)
    expected = (D.uses_lse_scale(X, 1.5 + 1e-6) - D.uses_lse_scale(X, 1.5 - 1e-6)) / 2e-6
    np.testing.assert_allclose(ds, expected, rtol=1e-6)


def test_grad_calls_fwd_and_bwd_by_name_and_keeps_the_residuals():
    df = tg.grad(D.uses_lse, argnums=(0, 1))
    df(X, W)
    source = df.source
    assert f"from {D.__name__} import lse_fwd" in source
    assert f"from {D.__name__} import lse_bwd" in source
    assert "lse_y, lse_residuals = lse_fwd(y, 1.0)" in source       # the default, filled in
    assert "lse_fwd(y, 3.0)" in source
    assert "lse_bwd(lse_residuals, " in source
    assert "def lse_forward" not in source      # the function itself is not transformed


def test_grad_in_a_loop_saves_the_residuals_per_iteration():
    df = tg.grad(D.uses_lse_in_loop, argnums=(0, 1))
    dx, dw = df(X, W)
    np.testing.assert_allclose(dx, fd_grad(lambda v: D.uses_lse_in_loop(v, W), X), rtol=1e-6)
    np.testing.assert_allclose(dw, fd_grad(lambda v: D.uses_lse_in_loop(X, v), W), rtol=1e-6)
    # one slot per iteration holds the residuals
    assert re.search(r"saved_k\w*\[k\] = .*lse_residuals", df.source), df.source


def test_grad_agrees_with_the_eager_tape():
    x = tg.tensor(X, requires_grad=True)
    w = tg.tensor(W, requires_grad=True)
    y = x * w
    (D.lse(y) * 2.0 + D.lse(y, 3.0) + y.sum()).backward()
    dx, dw = tg.grad(D.uses_lse, argnums=(0, 1))(X, W)
    np.testing.assert_allclose(dx, x.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(dw, w.grad.numpy(), rtol=1e-12)


def test_grad_uses_the_rule_not_the_function():
    x = np.array([0.2, -0.3, 0.05])
    np.testing.assert_allclose(tg.grad(D.uses_clip)(x), [10.0, 10.0, 10.0])


def test_vjp_of_a_custom_vjp_function():
    out, vjp_fn = tg.vjp(D.uses_lse, X, W)
    np.testing.assert_allclose(out, D.uses_lse(X, W))
    dx, dw = vjp_fn(1.0)
    np.testing.assert_allclose(dx, fd_grad(lambda v: D.uses_lse(v, W), X), rtol=1e-6)


def test_grad_with_the_wrong_count_fails_at_the_user_line():
    with pytest.raises(GradientError, match="uses_wrong_count"):
        tg.grad(D.uses_wrong_count, argnums=(0, 1))(X, W)


def test_grad_without_defvjp_says_what_to_do():
    with pytest.raises(TransformError, match=r"no_rule_yet.defvjp\(fwd, bwd\)"):
        tg.grad(D.uses_no_rule)(X)


# -- forward mode ---------------------------------------------------------------------------------

def test_forward_mode_refuses_a_custom_vjp_function():
    if not hasattr(tg, "jvp"):
        pytest.skip("tg.jvp (compiled forward mode) is not in this build yet")
    with pytest.raises(TransformError) as err:
        tg.jvp(D.lse_in_jvp, (X,), (W,))
    message = str(err.value)
    assert "custom_vjp functions have no forward rule: declare it with tg.primitive" in message
    assert "'lse'" in message and D.__file__ in message
