"""Table-driven checks of every primitive's rules, straight from the registry, in float64.

For each sample of `samples.SAMPLES`: each reverse rule against central finite differences,
each forward rule against finite differences, and the two against each other
(<v, J u> computed both ways). Sequence inputs are checked element by element, several
outputs as one concatenated output.
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


def _statics(prim, sample):
    return tuple(sample.statics.get(s, prim.statics[s]) for s in prim.static_names)


def _outputs(prim, out):
    """The primal's outputs as a list of float64 arrays."""
    outs = list(out) if prim.multiple_outputs else [out]
    return [np.asarray(o, dtype=np.float64) for o in outs]


def _leaves(prim, i, value):
    """An input as a list of arrays: the elements of a sequence input, else the input itself."""
    return list(value) if prim.inputs[i] in prim.sequence else [value]


def _from_leaves(prim, i, leaves):
    return list(leaves) if prim.inputs[i] in prim.sequence else leaves[0]


def _call(prim, values, statics):
    return _outputs(prim, prim.run(*values, *statics))


def _moved(prim, values, i, j, delta):
    """`values` with element j of input i moved by delta."""
    leaves = _leaves(prim, i, values[i])
    leaves[j] = leaves[j] + delta
    moved = list(values)
    moved[i] = _from_leaves(prim, i, leaves)
    return moved


def _directional_fd(prim, values, statics, i, j, u):
    """d outputs / d (input i, element j) in direction u, by central differences."""
    plus = _call(prim, _moved(prim, values, i, j, EPS * u), statics)
    minus = _call(prim, _moved(prim, values, i, j, -EPS * u), statics)
    return [(p - m) / (2 * EPS) for p, m in zip(plus, minus)]


def _inner(a, b):
    return sum(float(np.sum(np.asarray(x) * np.asarray(y))) for x, y in zip(a, b))


def _seed(prim, cotangents):
    return cotangents if prim.multiple_outputs else cotangents[0]


def _setup(prim, sample, seed):
    rng = np.random.default_rng(seed)
    values = sample.draw(rng)
    statics = _statics(prim, sample)
    out = prim.run(*values, *statics)
    return rng, values, statics, out, prim.rule_args(out, values, statics)


@pytest.mark.parametrize("prim,sample", CASES)
def test_vjp_matches_finite_differences(prim, sample):
    rng, values, statics, out, args = _setup(prim, sample, 0)
    v = [rng.standard_normal(np.shape(o)) for o in _outputs(prim, out)]
    for i in sample.checked_inputs():
        rule = prim.vjps[i]
        assert rule is not None, f"{prim.name} has no reverse rule for input {prim.inputs[i]}"
        got = _leaves(prim, i, rule.fn(_seed(prim, v), *args))
        for j, x in enumerate(_leaves(prim, i, values[i])):
            g = np.asarray(got[j])
            assert g.shape == np.shape(x), f"d[{prim.inputs[i]}] has shape {g.shape}, not {np.shape(x)}"
            expected = np.zeros(np.shape(x))
            for k in np.ndindex(expected.shape):
                e = np.zeros(np.shape(x))
                e[k] = 1.0
                expected[k] = _inner(v, _directional_fd(prim, values, statics, i, j, e if e.ndim else 1.0))
            np.testing.assert_allclose(g, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("prim,sample", CASES)
def test_jvp_matches_finite_differences(prim, sample):
    rng, values, statics, out, args = _setup(prim, sample, 1)
    outs = _outputs(prim, out)
    for i in sample.checked_inputs():
        rule = prim.jvps[i]
        assert rule is not None, f"{prim.name} has no forward rule for input {prim.inputs[i]}"
        leaves = _leaves(prim, i, values[i])
        for j in range(len(leaves)):
            # One element of a sequence input moves at a time; the others' tangents are zero.
            u = [np.zeros(np.shape(x)) for x in leaves]
            u[j] = rng.standard_normal(np.shape(leaves[j]))
            got = _outputs(prim, rule.fn(_from_leaves(prim, i, u), *args))
            expected = _directional_fd(prim, values, statics, i, j, u[j] if u[j].ndim else float(u[j]))
            for g, e, o in zip(got, expected, outs):
                assert g.shape == o.shape, f"t[{prim.output}] from t[{prim.inputs[i]}] has shape {g.shape}"
                np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("prim,sample", CASES)
def test_vjp_and_jvp_agree(prim, sample):
    rng, values, statics, out, args = _setup(prim, sample, 2)
    v = [rng.standard_normal(np.shape(o)) for o in _outputs(prim, out)]
    for i in sample.checked_inputs():
        u = [rng.standard_normal(np.shape(x)) for x in _leaves(prim, i, values[i])]
        forward = _inner(v, _outputs(prim, prim.jvps[i].fn(_from_leaves(prim, i, u), *args)))
        reverse = _inner(_leaves(prim, i, prim.vjps[i].fn(_seed(prim, v), *args)), u)
        np.testing.assert_allclose(forward, reverse, rtol=1e-10, atol=1e-12)


def test_every_primitive_has_samples():
    missing = [p.name for p in registry.all_primitives() if p.differentiable and not SAMPLES.get(p.name)]
    assert not missing, f"primitives without samples in tests/rules/samples.py: {missing}"


def test_every_sample_names_a_primitive():
    names = {p.name for p in registry.all_primitives() if p.differentiable}
    assert not set(SAMPLES) - names, f"samples for unknown primitives: {sorted(set(SAMPLES) - names)}"


def test_at_least_55_primitives_are_differentiable():
    assert sum(p.differentiable for p in registry.all_primitives()) >= 55
