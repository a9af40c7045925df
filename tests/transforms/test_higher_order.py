"""Higher order by transforming generated code again: gradient functions and tg.jvp called
inside transformed functions, generated code inside the supported subset, clear errors."""
import numpy as np
import pytest

import transgrad as tg

from . import functions as F


def _fd(fn, x, eps=1e-6):
    return (fn(x + eps) - fn(x - eps)) / (2 * eps)


def test_reverse_over_forward_matches_finite_differences():
    x, y = 0.7, 1.3
    gx, gy = tg.grad(F.through_jvp, (0, 1))(x, y)
    np.testing.assert_allclose(gx, _fd(lambda a: F.through_jvp(a, y), x), rtol=1e-7)
    np.testing.assert_allclose(gy, _fd(lambda b: F.through_jvp(x, b), y), rtol=1e-7)


def test_forward_over_forward_gives_second_derivative():
    def first(x):
        return tg.jvp(F.elementwise_poly, (x,), (1.0,))[1]
    x = 0.4
    _, second = tg.jvp(F.elementwise_poly, (x,), (1.0,))
    np.testing.assert_allclose(second, _fd(F.elementwise_poly, x), rtol=1e-8)
    np.testing.assert_allclose(_fd(first, x), 6 * x - 2 * (2 * np.cos(x) - x * np.sin(x)), rtol=1e-6)


def test_gradient_function_called_inside_a_transformed_function():
    x = 0.9
    got = tg.grad(F.uses_gradient)(x)
    np.testing.assert_allclose(got, _fd(F.uses_gradient, x), rtol=1e-7)


def test_third_derivative_by_grad_of_grad_of_grad():
    x = 0.6
    third = tg.grad(tg.grad(tg.grad(F.elementwise_poly)))(x)
    # d3/dx3 [x^3 - 2 x sin x] = 6 - 2 (-3 sin x - x cos x)
    np.testing.assert_allclose(third, 6 + 6 * np.sin(x) + 2 * x * np.cos(x), rtol=1e-10)


def test_hessian_vector_product_by_forward_over_reverse_source_is_readable():
    x = np.array([0.3, -1.2, 0.8])
    df = tg.grad(F.rosenbrock)
    g, hv = tg.jvp(df, (x,), (np.array([1.0, 0.0, 0.0]),))
    np.testing.assert_allclose(hv, tg.hessian(F.rosenbrock)(x)[:, 0], rtol=1e-12)
    source = tg.source(df, mode="forward")
    assert "def grad_rosenbrock_jvp(x, *, dx):" in source
    assert "dsaved.append(" in source and "dsaved.pop()" in source


def test_forward_source_names_tangents_after_variables():
    source = tg.source(F.inner, mode="forward")
    assert "def inner_jvp(x, y, *, dx, dy):" in source
    assert "return plus, dplus" in source or "dplus" in source
    assert tg.source(F.inner, mode="forward", argnums=1).count("*, dy)") == 1


def test_generated_gradient_code_passes_the_fence():
    from transgrad.compiler import quoting
    from transgrad.compiler.validate import validate_function
    df = tg.grad(F.rosenbrock)
    df(np.array([0.1, 0.2, 0.3]))
    fn = df.__transgrad_specialise__((np.array([0.1, 0.2, 0.3]),), {})
    fdef, _, filename, _ = quoting.parse_function(fn)
    import linecache
    validate_function(fdef, filename, linecache.getlines(filename))


def test_jvp_inside_transformed_code_needs_tuple_displays():
    with pytest.raises(tg.TransformError, match="tuple displays") as info:
        tg.grad(F.bad_jvp_call)(0.5, (0.5, 1.0))
    assert "functions.py" in str(info.value)


def test_jvp_checks_its_arguments():
    with pytest.raises(tg.TransgradError, match="tuples"):
        tg.jvp(F.inner, 0.5, 1.0)
    with pytest.raises(tg.TransgradError, match="2 primals but 1 tangents"):
        tg.jvp(F.inner, (0.5, 1.0), (1.0,))
    with pytest.raises(tg.TransgradError, match="shape"):
        tg.jvp(F.elementwise_poly, (np.ones(3),), (np.ones(2),))


def test_jvp_of_integer_argument_treats_it_as_constant():
    def_args = (np.array([1.0, 2.0]), 3)
    out, t = tg.jvp(F.two_args, (def_args[0], np.array([0.5, 0.25])), (np.ones(2), np.zeros(2)))
    g = tg.grad(F.two_args)(def_args[0], np.array([0.5, 0.25]))
    np.testing.assert_allclose(t, np.sum(g), rtol=1e-12)
