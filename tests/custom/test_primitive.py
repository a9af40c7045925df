"""`tg.primitive`: a user-declared operation in all three paths (eager Tensor tape, compiled
reverse mode, compiled forward mode), checked against central finite differences in float64;
its template checked like the shipped ones, with the template module's names allowed."""
import importlib
import inspect
import sys
import textwrap

import numpy as np
import pytest

import transgrad as tg
from transgrad import registry
from transgrad.errors import GradientError, TemplateError

from . import defs as D

EPS = 1e-6


def fd_grad(f, x, eps=EPS):
    """Central differences of the scalar f at the array x."""
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def fd_dir(f, args, tangents, eps=EPS):
    """Directional derivative of f (any output) along the tangents."""
    plus = f(*[a + eps * t for a, t in zip(args, tangents)])
    minus = f(*[a - eps * t for a, t in zip(args, tangents)])
    return (np.asarray(plus) - np.asarray(minus)) / (2 * eps)


RNG = np.random.default_rng(7)
X = RNG.normal(size=(3, 4))
Y = RNG.uniform(0.5, 1.5, size=(3, 4))


# -- eager -------------------------------------------------------------------------------------

def test_on_arrays_it_computes_the_implementation():
    np.testing.assert_allclose(D.softclip(X), np.tanh(X))
    np.testing.assert_allclose(D.softclip(X, limit=2.0), 2.0 * np.tanh(X / 2.0))
    np.testing.assert_allclose(D.softclip(X, 3.0), 3.0 * np.tanh(X / 3.0))


def test_the_callable_carries_the_template_name_signature_and_docstring():
    assert D.softclip.__name__ == "softclip"
    assert D.softclip.__module__ == D.__name__
    assert str(inspect.signature(D.softclip)) == "(x, limit=1.0)"
    assert D.softclip.__doc__ == "z = limit * tanh(x / limit)"
    assert D.softclip.primitive.user and registry.lookup(D.softclip) is D.softclip.primitive


@pytest.mark.parametrize("fn,node", [(D.softclip, "SoftclipBackward"),
                                     (D.smooth_abs, "SmoothAbsBackward"),
                                     (D.cumsum_last, "CumsumLastBackward"),
                                     (D.normalize, "NormalizeBackward")])
def test_on_tensors_one_node_named_after_the_primitive(fn, node):
    x = tg.tensor(X, requires_grad=True)
    y = fn(x)
    assert type(y.grad_fn).__name__ == node
    assert y.grad_fn.name() == node
    assert f"grad_fn=<{node}>" in repr(y)
    assert y.grad_fn.next_functions[0][0].name().endswith("AccumulateGrad")


def test_no_node_without_grad():
    y = D.softclip(tg.tensor(X))
    assert y.grad_fn is None and not y.requires_grad
    with tg.no_grad():
        assert D.softclip(tg.tensor(X, requires_grad=True)).grad_fn is None


@pytest.mark.parametrize("fn,kwargs", [(D.softclip, {"limit": 2.0}), (D.smooth_abs, {"eps": 0.3}),
                                       (D.cumsum_last, {}), (D.normalize, {})])
def test_eager_gradient_matches_finite_differences(fn, kwargs):
    w = RNG.normal(size=X.shape)
    x = tg.tensor(X, requires_grad=True)
    (fn(x, **kwargs) * tg.tensor(w)).sum().backward()
    expected = fd_grad(lambda a: np.sum(fn(a, **kwargs) * w), X)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6, atol=1e-8)


def test_eager_two_inputs_broadcasting_and_bilinear():
    a, b = RNG.normal(size=(3, 1)), RNG.normal(size=(4,))
    at, bt = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
    D.smooth_max(at, bt).sum().backward()
    np.testing.assert_allclose(at.grad.numpy(), fd_grad(lambda v: np.sum(np.logaddexp(v, b)), a),
                               rtol=1e-6)
    np.testing.assert_allclose(bt.grad.numpy(), fd_grad(lambda v: np.sum(np.logaddexp(a, v)), b),
                               rtol=1e-6)
    xt, yt = tg.tensor(X, requires_grad=True), tg.tensor(Y, requires_grad=True)
    (D.rowdot(xt, yt) ** 2).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), fd_grad(lambda v: np.sum(D.rowdot(v, Y) ** 2), X),
                               rtol=1e-6)
    np.testing.assert_allclose(yt.grad.numpy(), fd_grad(lambda v: np.sum(D.rowdot(X, v) ** 2), Y),
                               rtol=1e-6)


def test_eager_second_derivative_through_the_rule():
    """create_graph: the lowered rule runs on Tensors, so the gradient is differentiable."""
    x0 = np.array([0.3, -1.1, 2.0])
    x = tg.tensor(x0, requires_grad=True)
    (g,) = tg.autograd.grad(D.softclip(x, 2.0).sum(), x, create_graph=True)
    (h,) = tg.autograd.grad(g.sum(), x)
    first = lambda v: np.sum(1 - np.tanh(v / 2.0) ** 2)          # noqa: E731
    np.testing.assert_allclose(h.numpy(), fd_grad(first, x0), rtol=1e-6)


# -- compiled reverse mode -----------------------------------------------------------------------

def test_grad_matches_finite_differences_and_the_eager_tape():
    df = tg.grad(D.uses_softclip)
    np.testing.assert_allclose(df(X), fd_grad(D.uses_softclip, X), rtol=1e-6)
    x = tg.tensor(X, requires_grad=True)
    (D.softclip(x, limit=2.0) ** 2).sum().backward()
    np.testing.assert_allclose(df(X), x.grad.numpy(), rtol=1e-12)


def test_grad_source_calls_the_primitive_by_name_and_inlines_its_rule():
    df = tg.grad(D.uses_softclip)
    df(X)
    source = df.source
    assert f"from {D.__name__} import softclip" in source
    assert "softclip(x, limit=2.0)" in source
    assert "(1.0 - (softclip_x / 2.0) ** 2)" in source    # the template's rule, inlined
    assert "tg.softclip" not in source


def test_grad_of_every_kind_of_user_primitive():
    dfx, dfy = tg.grad(D.uses_all, argnums=(0, 1))(X, Y)
    np.testing.assert_allclose(dfx, fd_grad(lambda v: D.uses_all(v, Y), X), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dfy, fd_grad(lambda v: D.uses_all(X, v), Y), rtol=1e-6, atol=1e-8)


def test_helpers_of_the_template_module_are_imported_into_generated_code(tmp_path):
    df = tg.grad(D.uses_all, argnums=(0, 1))
    expected = df(X, Y)
    source = df.source
    for name in ("ratio", "reverse_cumsum", "smooth_abs", "cumsum_last", "rowdot", "normalize",
                 "smooth_max", "softclip"):
        assert f"from {D.__name__} import {name}" in source, name
    assert "cannot be imported" not in source
    path = tmp_path / "pasted_uses_all.py"
    path.write_text(source)
    namespace = {}
    exec(compile(source, str(path), "exec"), namespace)       # self-contained: runs pasted
    for got, want in zip(namespace["grad_uses_all"](X, Y), expected):
        np.testing.assert_array_equal(got, want)


def test_a_primitive_called_through_its_module_is_given_to_the_generated_module():
    import tests.custom.defs as defs_module                       # noqa: F401

    source_text = textwrap.dedent("""
        import numpy as np
        import tests.custom.defs as ops

        def f(x):
            return np.sum(ops.smooth_abs(x, eps=0.5) * 3.0)
    """)
    module = _module_from_source("custom_prim_caller", source_text)
    df = tg.grad(module.f)
    np.testing.assert_allclose(df(X), fd_grad(module.f, X), rtol=1e-6)
    source = df.source
    assert "smooth_abs(x, eps=0.5)" in source and "ratio(" in source
    assert f"from {D.__name__} import smooth_abs" in source


def test_a_rule_helper_hidden_by_a_global_of_the_caller_gets_an_alias():
    source_text = textwrap.dedent("""
        import numpy as np
        from tests.custom.defs import smooth_abs

        ratio = 1000.0          # the caller's own `ratio`, not the rule's helper

        def f(x):
            return np.sum(smooth_abs(x) * ratio)
    """)
    module = _module_from_source("custom_prim_shadow", source_text)
    df = tg.grad(module.f)
    np.testing.assert_allclose(df(X), fd_grad(module.f, X), rtol=1e-6)
    assert "ratio_rule(" in df.source


def test_vjp_of_a_user_primitive():
    out, vjp_fn = tg.vjp(lambda_free_normalize, X[0])
    np.testing.assert_allclose(out, D.normalize(X[0]))
    w = RNG.normal(size=4)
    (g,) = vjp_fn(w)
    np.testing.assert_allclose(g, fd_grad(lambda v: np.sum(D.normalize(v) * w), X[0]), rtol=1e-6)


def lambda_free_normalize(x):
    return D.normalize(x)


# -- compiled forward mode and the registry's forward rules ---------------------------------------

@pytest.mark.parametrize("fn,args,statics", [
    (D.softclip, (X,), (2.0,)), (D.smooth_abs, (X,), (0.3,)), (D.cumsum_last, (X,), ()),
    (D.normalize, (X[0],), ()), (D.rowdot, (X, Y), ()), (D.smooth_max, (X[:, :1], Y[0]), ())])
def test_registry_forward_rules_match_finite_differences(fn, args, statics):
    """`prim.jvps`: declared (normalize), derived from elementwise (softclip, smooth_abs,
    smooth_max with broadcasting), linear (cumsum_last) or bilinear (rowdot)."""
    prim = fn.primitive
    tangents = [RNG.normal(size=np.shape(a)) for a in args]
    out = fn(*args, *statics)
    total = 0.0
    for i, rule in enumerate(prim.jvps):
        assert rule is not None
        total = total + rule.fn(tangents[i], *prim.rule_args(out, args, statics))
    expected = fd_dir(lambda *a: fn(*a, *statics), args, tangents)
    np.testing.assert_allclose(total, expected, rtol=1e-6, atol=1e-8)


def test_jvp_matches_finite_differences():
    if not hasattr(tg, "jvp"):
        pytest.skip("tg.jvp (compiled forward mode) is not in this build yet")
    tx, ty = RNG.normal(size=X.shape), RNG.normal(size=Y.shape)
    out, tangent = tg.jvp(D.uses_all, (X, Y), (tx, ty))
    np.testing.assert_allclose(out, D.uses_all(X, Y))
    np.testing.assert_allclose(tangent, fd_dir(D.uses_all, (X, Y), (tx, ty)), rtol=1e-6)


def test_jvp_source_calls_the_primitive_and_its_helpers_by_name():
    if not hasattr(tg, "jvp"):
        pytest.skip("tg.jvp (compiled forward mode) is not in this build yet")
    tg.jvp(D.uses_all, (X, Y), (X, Y))
    source = tg.source(D.uses_all, argnums=(0, 1), mode="forward")
    assert "cumsum_last(" in source and "ratio(" in source
    assert f"from {D.__name__} import ratio" in source


# -- templates: checked, located ------------------------------------------------------------------

def _module_from_source(name, text):
    """A real module (file on sys.path), so that inspect can read its source."""
    import tempfile
    from pathlib import Path
    folder = Path(tempfile.mkdtemp(prefix="tg_custom_"))
    (folder / f"{name}.py").write_text(text)
    sys.path.insert(0, str(folder))
    try:
        sys.modules.pop(name, None)
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(folder))


def test_an_unknown_name_in_a_template_is_refused_at_its_line():
    text = textwrap.dedent("""
        import numpy as np
        import transgrad as tg

        def _f(x):
            return x

        @tg.primitive(_f, elementwise=True)
        def f_unknown(z, x):
            d[x] = d[z] * helper_defined_later(x)

        def helper_defined_later(x):
            return x
    """)
    with pytest.raises(TemplateError) as err:
        _module_from_source("custom_bad_unknown", text)
    message = str(err.value)
    assert "custom_bad_unknown.py:10:" in message
    assert "unknown name 'helper_defined_later'" in message
    assert "defines before the primitive is declared" in message


def test_a_non_elementwise_numpy_call_in_an_elementwise_rule_is_refused():
    text = textwrap.dedent("""
        import numpy as np
        import transgrad as tg

        def _f(x):
            return x

        @tg.primitive(_f, elementwise=True)
        def f_not_elementwise(z, x):
            d[x] = d[z] * np.sum(x)
    """)
    with pytest.raises(TemplateError, match=r"custom_bad_elementwise.py:10: .*np.sum, which is "
                                            r"not elementwise"):
        _module_from_source("custom_bad_elementwise", text)


def test_a_primitive_needing_a_forward_rule_says_so():
    text = textwrap.dedent("""
        import numpy as np
        import transgrad as tg

        def _f(x):
            return np.sum(x)

        @tg.primitive(_f)
        def f_no_forward(z, x):
            d[x] = d[z] * np.ones_like(x)
    """)
    with pytest.raises(TemplateError, match="state the forward rule"):
        _module_from_source("custom_bad_forward", text)


def test_built_in_templates_keep_the_strict_whitelist():
    from transgrad.registry import primitive

    def impl(x):
        return x
    with pytest.raises(TemplateError, match="unknown name 'fd_grad'"):
        @primitive(impl, elementwise=True, name="strict_check")
        def strict_check(z, x):
            d[x] = d[z] * fd_grad(x)
    assert "strict_check" not in [p.name for p in registry.all_primitives(user=True)]


def test_a_rule_that_raises_is_reported_at_the_template_line_eagerly():
    x = tg.tensor(np.array([1.0, -2.0]), requires_grad=True)
    y = D.fragile(x).sum()
    with pytest.raises(GradientError) as err:
        y.backward()
    message = str(err.value)
    assert "reverse rule d[x] of the primitive 'fragile' raised ValueError" in message
    assert f'File "{D.__file__}", line {_line_of("FRAGILE-RULE")}' in message
    assert "d[x] = d[z] * explode_if_negative(x)" in message
    assert isinstance(err.value.__cause__, ValueError)


def test_a_rule_that_raises_in_generated_code_is_reported_at_the_user_line():
    df = tg.grad(D.uses_fragile)
    np.testing.assert_allclose(df(np.array([1.0, 2.0])), [2.0, 2.0])
    with pytest.raises(GradientError) as err:
        df(np.array([1.0, -2.0]))
    message = str(err.value)
    assert "ValueError: a negative value reached the rule" in message
    assert f'line {_line_of("FRAGILE-CALL")}' in message and D.__file__ in message


def _line_of(marker):
    lines = open(D.__file__).read().splitlines()
    return next(i for i, line in enumerate(lines, 1) if marker in line)


# -- names and re-declaration ---------------------------------------------------------------------

def test_user_primitives_are_not_in_the_shipped_set():
    shipped = [p.name for p in registry.all_primitives()]
    everything = [p.name for p in registry.all_primitives(user=True)]
    assert "softclip" not in shipped and "softclip" in everything


def test_declaring_the_same_template_again_replaces_it():
    text = textwrap.dedent("""
        import numpy as np
        import transgrad as tg

        SLOPE = 2.0

        def _twice(x):
            return 2.0 * x

        @tg.primitive(_twice, elementwise=True)
        def twice_redeclared(z, x):
            d[x] = d[z] * SLOPE
    """)
    first = _module_from_source("custom_redeclared", text)
    prim = first.twice_redeclared.primitive
    first.__spec__.loader.exec_module(first)      # what importlib.reload does
    second = first
    assert second.twice_redeclared.primitive is not prim
    assert registry.get("twice_redeclared") is second.twice_redeclared.primitive
    x = tg.tensor(np.array([1.0, 3.0]), requires_grad=True)
    second.twice_redeclared(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_a_name_taken_by_a_shipped_primitive_is_qualified():
    text = textwrap.dedent("""
        import numpy as np
        import transgrad as tg

        def _softplus(x):
            return np.logaddexp(0.0, x)

        @tg.primitive(_softplus, elementwise=True)
        def softplus(z, x):
            d[x] = d[z] * np.exp(x - z)

        def sum_softplus(x):
            return np.sum(softplus(x))
    """)
    module = _module_from_source("custom_clash", text)
    assert module.softplus.primitive.name == "softplus_custom_clash"
    assert registry.get("softplus") is not module.softplus.primitive      # the shipped one stays
    x = tg.tensor(np.array([0.5]), requires_grad=True)
    y = module.softplus(x)
    assert y.grad_fn.name() == "SoftplusBackward"
    df = tg.grad(module.sum_softplus)
    np.testing.assert_allclose(df(np.array([0.5, -1.0])), 1 / (1 + np.exp(-np.array([0.5, -1.0]))),
                               rtol=1e-12)


def test_an_explicit_name_that_is_taken_is_an_error():
    def impl(x):
        return x
    with pytest.raises(TemplateError, match="a primitive named 'sin' already exists"):
        @tg.primitive(impl, elementwise=True, name="sin")
        def my_sin(z, x):
            d[x] = d[z]


def test_the_implementation_must_be_a_function():
    with pytest.raises(tg.TransgradError, match="needs the function that computes"):
        tg.primitive("not a function")
