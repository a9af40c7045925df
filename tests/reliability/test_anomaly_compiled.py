"""Anomaly detection for generated code (issue 8 item 5, compiler/anomaly.py): under
`tg.autograd.detect_anomaly()` a NaN produced in a backward pass of generated code raises a
GradientError naming the operation (PyTorch's node name) and the user's file and line; with
anomaly mode off the generated code holds no check and results are unchanged."""
import inspect
import re
import warnings

import numpy as np
import pytest

import transgrad as tg
from transgrad.errors import GradientError, TransgradError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning")


def line_of(fn, marker):
    """The file line number of the line of `fn` containing `marker`."""
    lines, start = inspect.getsourcelines(fn)
    hits = [start + k for k, text in enumerate(lines) if marker in text]
    assert len(hits) == 1, hits
    return hits[0]


def anomaly():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tg.autograd.detect_anomaly()


def sqrt_times_zero(x):
    y = np.sqrt(x) * 0.0      # SQRT
    return y + x


def loop_later(x):
    s = 0.0
    for i in range(4):
        u = (x - i / 2.0) ** 2           # POW
        s = s + np.sqrt(u) * 0.0 + u     # SQRT
    return s


def sqrt_of_square(x):
    u = x ** 2                  # POW
    v = np.sqrt(u)              # SQRT
    return v


def calls_helper(x):
    return 3.0 * sqrt_times_zero(x)


def _check_message(err, node, fn, marker, spelling):
    text = str(err)
    assert text.startswith(f"Function '{node}' returned nan values in its 0th output.")
    assert f'File "{__file__}", line {line_of(fn, marker)}\n' in text
    assert spelling in text
    assert isinstance(err, GradientError) and isinstance(err, RuntimeError)
    assert isinstance(err, TransgradError)


# -- tg.grad, value_and_grad, vjp -------------------------------------------------------------

def test_grad_nan_raises_with_op_and_line():
    df = tg.grad(sqrt_times_zero)
    assert np.isnan(df(0.0))                         # off: NaN, no error
    with anomaly():
        with pytest.raises(GradientError) as info:
            df(0.0)
    _check_message(info.value, "SqrtBackward0", sqrt_times_zero, "# SQRT", "np.sqrt")
    assert "'sqrt_times_zero'" in str(info.value)


def test_value_and_grad_and_arrays():
    vg = tg.value_and_grad(lambda_free_sum)
    with anomaly():
        with pytest.raises(GradientError) as info:
            vg(np.array([4.0, 0.0, 1.0]))
    _check_message(info.value, "SqrtBackward0", lambda_free_sum, "# SQRT", "np.sqrt")


def lambda_free_sum(x):
    y = np.sqrt(x) * 0.0      # SQRT
    return np.sum(y * x)


def test_vjp_backward_half_checks():
    with anomaly():
        out, back = tg.vjp(sqrt_times_zero, np.array([0.0, 2.0]))
        with pytest.raises(GradientError) as info:
            back(np.ones(2))
    _check_message(info.value, "SqrtBackward0", sqrt_times_zero, "# SQRT", "np.sqrt")
    # made with anomaly mode off, the backward half computes NaN silently
    out, back = tg.vjp(sqrt_times_zero, np.array([0.0, 2.0]))
    g, = back(np.ones(2))
    assert np.isnan(g[0]) and g[1] == pytest.approx(1.0)


def test_callee_names_its_own_line():
    with anomaly():
        with pytest.raises(GradientError) as info:
            tg.grad(calls_helper)(0.0)
    _check_message(info.value, "SqrtBackward0", sqrt_times_zero, "# SQRT", "np.sqrt")
    assert "'sqrt_times_zero'" in str(info.value)


def test_loop_nan_at_a_later_iteration_names_its_line():
    df = tg.grad(loop_later)
    # finite away from the bad iteration: d/dx sum (x - i/2)^2 = sum 2 (x - i/2)
    x = 0.3
    assert df(x) == pytest.approx(sum(2 * (x - i / 2.0) for i in range(4)))
    with anomaly():
        assert df(x) == pytest.approx(sum(2 * (x - i / 2.0) for i in range(4)))
        with pytest.raises(GradientError) as info:
            df(1.0)                  # u = 0 at i == 2 only: sqrt's adjoint is 0 / 0
    _check_message(info.value, "SqrtBackward0", loop_later, "# SQRT", "np.sqrt")


def test_nan_born_in_a_later_operation_names_that_operation():
    # sqrt's adjoint at 0 is inf (no NaN yet); the power's adjoint inf * 2 * 0 is the NaN
    with anomaly():
        with pytest.raises(GradientError) as info:
            tg.grad(sqrt_of_square)(0.0)
    _check_message(info.value, "PowBackward0", sqrt_of_square, "# POW", "power")


# -- tg.compile -------------------------------------------------------------------------------

@tg.compile
def compiled_loss(x):
    y = np.sqrt(x) * 0.0      # SQRT
    return (y + x).sum()


def test_compiled_backward_raises_with_op_and_line():
    x = tg.tensor([0.0, 1.0], requires_grad=True)
    with anomaly():
        loss = compiled_loss(x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(GradientError) as info:
                loss.backward()
    _check_message(info.value, "SqrtBackward0", compiled_loss.fn, "# SQRT", "np.sqrt")
    # off: NaN in .grad, as eager code computes it
    x2 = tg.tensor([0.0, 1.0], requires_grad=True)
    compiled_loss(x2).backward()
    g = x2.grad.numpy()
    assert np.isnan(g[0]) and g[1] == pytest.approx(1.0)


def test_compiled_finite_gradient_unchanged_under_anomaly_mode():
    x = tg.tensor([4.0, 1.0], requires_grad=True)
    compiled_loss(x).backward()
    plain = x.grad.numpy().copy()
    x.grad = None
    with anomaly():
        compiled_loss(x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), plain)
    np.testing.assert_allclose(plain, [1.0, 1.0])


# -- zero cost when off ----------------------------------------------------------------------

def test_normal_source_holds_no_checks_and_results_agree():
    df = tg.grad(loop_later)
    xs = [0.3, -1.7, 2.2]
    plain = [df(x) for x in xs]
    assert "check_nan" not in df.source
    with anomaly():
        checked = [df(x) for x in xs]
        assert df.source.count("check_nan(") >= 4    # the instrumented variant
        assert re.search(r"check_nan\(\w+, 'SqrtBackward0', 0, 'np.sqrt', 'loop_later', ",
                         df.source)
    assert checked == plain
    fresh = tg.grad(loop_later)
    assert fresh(0.3) == plain[0]
    assert "check_nan" not in fresh.source             # anomaly off again: the plain variant
    assert "check_nan" not in tg.source(sqrt_times_zero)
    compiled_loss(tg.tensor([1.0, 2.0], requires_grad=True))
    assert "check_nan" not in compiled_loss.source
    with anomaly():
        compiled_loss(tg.tensor([1.0, 2.0], requires_grad=True))
        assert "check_nan(" in compiled_loss.source


def test_check_nan_false_and_set_detect_anomaly():
    df = tg.grad(sqrt_times_zero)
    with tg.autograd.set_detect_anomaly(True, check_nan=False):
        assert np.isnan(df(0.0))
    with tg.autograd.set_detect_anomaly(True):
        with pytest.raises(GradientError, match="SqrtBackward0"):
            df(0.0)
    assert np.isnan(df(0.0))


def test_higher_order_under_anomaly_mode():
    # the inner gradient is transformed as plain code (checks only in the outer one)
    def f(x):
        return x ** 3

    ddf = tg.grad(tg.grad(f))
    plain = ddf(2.0)
    with anomaly():
        assert ddf(2.0) == pytest.approx(plain) == pytest.approx(12.0)


@tg.compile
def sqrt_times_x(x):
    return (np.sqrt(x) * x).sum()      # SQRT


def test_compiled_create_graph_checks_tensors():
    # d/dx 1.5 sqrt(x) = 0.75 / sqrt(x): the instrumented backward runs on Tensors too
    x = tg.tensor([4.0, 1.0], requires_grad=True)
    with anomaly():
        gx, = tg.autograd.grad(sqrt_times_x(x), x, create_graph=True)
        np.testing.assert_allclose(gx.detach().numpy(), [3.0, 1.5])
        gx.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [0.375, 0.75])
        x0 = tg.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(GradientError) as info:
                tg.autograd.grad(sqrt_times_x(x0) * 0.0, x0, create_graph=True)
    _check_message(info.value, "SqrtBackward0", sqrt_times_x.fn, "# SQRT", "np.sqrt")
