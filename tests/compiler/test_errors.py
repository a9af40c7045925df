"""What the compiler refuses, and how it says so: located, clear, never a wrong gradient."""
import linecache

import numpy as np
import pytest

import transgrad as tg
from transgrad.errors import GradientError, TransformError, TransgradError, UnknownFunctionError

from . import error_functions as E


def marked_line(fn):
    import inspect
    lines, start = inspect.getsourcelines(fn)
    for k, text in enumerate(lines):
        if "# <- here" in text:
            return start + k
    raise AssertionError("no marker")


def test_unknown_function_reached_by_a_gradient_is_named_with_its_line():
    with pytest.raises(UnknownFunctionError) as info:
        tg.grad(E.unknown_function)(0.3)
    err = info.value
    text = str(err)
    assert "math.sin" in text and "tg.primitive" in text
    assert err.filename == E.__file__ and err.lineno == marked_line(E.unknown_function)
    assert "return math.sin(y)" in text and "^" in text


def test_unknown_function_of_constants_is_fine():
    assert tg.grad(E.unknown_function_inactive)(0.3) == pytest.approx(np.sqrt(2.0))


def test_unknown_method_reached_by_a_gradient():
    with pytest.raises(TransformError) as info:
        tg.grad(E.unknown_method)(np.array([0.1, 0.2]))
    assert ".cumprod()" in str(info.value) and info.value.lineno == marked_line(E.unknown_method)


def test_operator_without_rule():
    with pytest.raises(TransformError) as info:
        tg.grad(E.floor_division)(0.7)
    assert "//" in str(info.value) or "floor" in str(info.value).lower()
    assert info.value.lineno == marked_line(E.floor_division)


def test_non_scalar_output_of_grad():
    with pytest.raises(TransformError) as info:
        tg.grad(E.vector_output)(np.array([1.0, 2.0]))
    assert "scalar" in str(info.value) and "(2,)" in str(info.value) and "tg.vjp" in str(info.value)


def test_tuple_output_without_has_aux():
    with pytest.raises(TransformError) as info:
        tg.grad(E.returns_tuple)(1.0)
    assert "has_aux" in str(info.value)


def test_integer_argument():
    with pytest.raises(TransgradError) as info:
        tg.grad(E.vector_output)(3)
    assert "integer" in str(info.value) and "3.0" in str(info.value)


def test_integer_array_argument():
    with pytest.raises(TransgradError) as info:
        tg.grad(E.unknown_function_inactive)(np.array([1, 2]))
    assert "int64" in str(info.value)


@pytest.mark.parametrize("argnums,words", [(3, "out of range"), ((0, 0), "twice"),
                                           ("0", "int"), ((), "empty")])
def test_bad_argnums(argnums, words):
    with pytest.raises(TransgradError) as info:
        tg.grad(E.unknown_function_inactive, argnums)
    assert words in str(info.value)


def test_error_inside_generated_code_names_the_users_line():
    with pytest.raises(GradientError) as info:
        tg.grad(E.index_out_of_range)(np.array([0.1, 0.2, 0.3]))
    err = info.value
    assert isinstance(err.__cause__, IndexError)
    assert f'line {marked_line(E.index_out_of_range)}' in str(err) and "y[5]" in str(err)
    assert E.__file__ in str(err)


def test_generated_code_is_in_linecache():
    df = tg.grad(E.unknown_function_inactive)
    df(0.5)
    compiled = df._last
    assert linecache.getline(compiled.filename, 1) == df.source.splitlines(True)[0]


def test_write_through_an_alias_is_refused():
    with pytest.raises(TransformError) as info:
        tg.grad(E.writes_through_alias)(np.array([0.1, 0.2]))
    assert "copy" in str(info.value) and info.value.lineno == marked_line(E.writes_through_alias)


def test_in_place_method_is_refused():
    with pytest.raises(TransformError) as info:
        tg.grad(E.sorts_in_place)(np.array([0.1, 0.2]))
    assert ".sort()" in str(info.value) and info.value.lineno == marked_line(E.sorts_in_place)


def test_fence_runs_before_anything():
    with pytest.raises(TransformError) as info:
        tg.grad(E.with_try)(1.0)
    assert "try" in str(info.value) and info.value.lineno == marked_line(E.with_try)


def test_value_and_grad_and_has_aux():
    def f(x):
        return np.sum(x * x), {"n": 2}
    value_and_grads = tg.value_and_grad(f, has_aux=True)
    (value, aux), g = value_and_grads(np.array([1.0, 2.0]))
    assert value == pytest.approx(5.0) and aux == {"n": 2}
    np.testing.assert_allclose(g, [2.0, 4.0])
    g2, aux2 = tg.grad(f, has_aux=True)(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g2, [2.0, 4.0])
    assert aux2 == {"n": 2}


def test_vjp_against_the_jacobian():
    def f(x, y):
        return np.sin(x) * y
    x, y = np.array([0.1, 0.5, 0.9]), np.array([1.0, -2.0, 3.0])
    out, vjp_fn = tg.vjp(f, x, y)
    np.testing.assert_allclose(out, np.sin(x) * y)
    ct = np.array([1.0, 0.5, -1.0])
    gx, gy = vjp_fn(ct)
    np.testing.assert_allclose(gx, ct * np.cos(x) * y)
    np.testing.assert_allclose(gy, ct * np.sin(x))
    assert "def f_backward(" in vjp_fn.source


def test_source_of_a_plain_function_is_generic():
    text = tg.source(E.unknown_function_inactive)
    assert text.startswith("import numpy as np") and "def grad_unknown_function_inactive(x):" in text


def test_stop_gradient_on_arrays_is_the_identity():
    x = np.array([1.0, 2.0])
    assert tg.stop_gradient(x) is x
