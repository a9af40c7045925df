"""Table-driven checks of every primitive's rules, straight from the registry, in float64.

For each sample of `samples.SAMPLES`: each reverse rule against central finite differences,
each forward rule against finite differences, and the two against each other
(<v, J u> computed both ways).
"""
import numpy as np
import pytest

from transgrad import registry

from .samples import SAMPLES

EPS = 1e-6
RTOL = 1e-6
ATOL = 1e-7


def _cases():
    for prim in registry.all_primitives():
        if not prim.differentiable:
            continue
        for k, sample in enumerate(SAMPLES.get(prim.name, ())):
            yield pytest.param(prim, sample, id=f"{prim.name}-{k}{sample!r}")


CASES = list(_cases())


def _call(prim, values, sample):
    statics = tuple(sample.statics.get(s, prim.statics[s]) for s in prim.static_names)
    return prim.run(*values, *statics), statics


def _rule_args(prim, out, values, statics):
    shapes = (np.shape(out), *[np.shape(v) for v in values])
    return (out, *values, *shapes, *statics)


def _perturbed(prim, values, sample, i, delta):
    moved = list(values)
    moved[i] = values[i] + delta
    return np.asarray(_call(prim, moved, sample)[0], dtype=np.float64)


def _directional_fd(prim, values, sample, i, u):
    return (_perturbed(prim, values, sample, i, EPS * u) - _perturbed(prim, values, sample, i, -EPS * u)) / (2 * EPS)


@pytest.mark.parametrize("prim,sample", CASES)
def test_vjp_matches_finite_differences(prim, sample):
    rng = np.random.default_rng(0)
    values = sample.draw(rng)
    out, statics = _call(prim, values, sample)
    v = rng.standard_normal(np.shape(out))
    for i in sample.checked_inputs():
        rule = prim.vjps[i]
        assert rule is not None, f"{prim.name} has no reverse rule for input {prim.inputs[i]}"
        got = np.asarray(rule.fn(v, *_rule_args(prim, out, values, statics)))
        assert got.shape == np.shape(values[i]), f"d[{prim.inputs[i]}] has shape {got.shape}"
        expected = np.zeros(np.shape(values[i]))
        for k in np.ndindex(expected.shape):
            e = np.zeros(np.shape(values[i]))
            e[k] = 1.0
            expected[k] = np.sum(v * _directional_fd(prim, values, sample, i, e if e.ndim else 1.0))
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("prim,sample", CASES)
def test_jvp_matches_finite_differences(prim, sample):
    rng = np.random.default_rng(1)
    values = sample.draw(rng)
    out, statics = _call(prim, values, sample)
    for i in sample.checked_inputs():
        rule = prim.jvps[i]
        assert rule is not None, f"{prim.name} has no forward rule for input {prim.inputs[i]}"
        u = rng.standard_normal(np.shape(values[i]))
        got = np.asarray(rule.fn(u, *_rule_args(prim, out, values, statics)))
        expected = _directional_fd(prim, values, sample, i, u)
        assert got.shape == np.shape(out), f"t[{prim.output}] from t[{prim.inputs[i]}] has shape {got.shape}"
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("prim,sample", CASES)
def test_vjp_and_jvp_agree(prim, sample):
    rng = np.random.default_rng(2)
    values = sample.draw(rng)
    out, statics = _call(prim, values, sample)
    args = _rule_args(prim, out, values, statics)
    v = rng.standard_normal(np.shape(out))
    for i in sample.checked_inputs():
        u = rng.standard_normal(np.shape(values[i]))
        forward = np.sum(v * prim.jvps[i].fn(u, *args))
        reverse = np.sum(prim.vjps[i].fn(v, *args) * u)
        np.testing.assert_allclose(forward, reverse, rtol=1e-10, atol=1e-12)


def test_every_primitive_has_samples():
    missing = [p.name for p in registry.all_primitives() if p.differentiable and not SAMPLES.get(p.name)]
    assert not missing, f"primitives without samples in tests/rules/samples.py: {missing}"
