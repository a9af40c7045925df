"""Every primitive's rules run on a batch of seeds (compiler/batching.py) give, seed by seed,
what they give on each seed alone; the rules a batch cannot go through say so.

This is what `tg.jacobian` and `tg.hessian` rely on: generated derivative code is made of
these rules, so a batch of seeds that passes through each rule correctly passes through the
code correctly. The few rules without batching facts are listed (`UNBATCHED`): there, the
Jacobian falls back to one pass per seed, and this test fails if one of them starts to
batch (update the list) or another stops.
"""
import numpy as np
import pytest

from transgrad.compiler.batching import Batch, NotBatchable

from .test_gradients import CASES, _from_leaves, _leaves, _outputs, _seed, _setup

K = 3   # seeds per batch

# (primitive, "jvp"/"vjp", input): rules whose code has no batching fact
UNBATCHED = set()      # none, at present


def _batched(values_per_seed):
    """A batch from K values (arrays or floats) of one shape."""
    return Batch(np.stack([np.asarray(v, dtype=float) for v in values_per_seed]))


def _split(result, k):
    """Seed k's part of a result: a Batch's row, else the value itself (the same for all)."""
    if isinstance(result, Batch):
        return result.data[k]
    if isinstance(result, (list, tuple)):
        return type(result)(_split(r, k) for r in result)
    return result


def _assert_same(got, want, what):
    got = [np.asarray(g, dtype=float) for g in got]
    want = [np.asarray(w, dtype=float) for w in want]
    assert len(got) == len(want), what
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.broadcast_to(g, w.shape), w, rtol=1e-12, atol=1e-12,
                                   err_msg=what)
        assert g.shape == w.shape, f"{what}: shape {g.shape}, one seed alone gives {w.shape}"


def _run(prim, kind, i, rule, seeds, args):
    try:
        if kind == "jvp":
            tangent = _from_leaves(prim, i, [_batched(s) for s in zip(*seeds)])
            return rule.fn(tangent, *args)
        cotangent = [_batched(s) for s in zip(*seeds)]
        return rule.fn(_seed(prim, cotangent), *args)
    except NotBatchable:
        return NotBatchable


@pytest.mark.parametrize("prim,sample", CASES)
@pytest.mark.parametrize("kind", ["jvp", "vjp"])
def test_rules_on_a_batch_of_seeds(prim, sample, kind):
    rng, values, statics, out, args = _setup(prim, sample, 3)
    outs = _outputs(prim, out)
    for i in sample.checked_inputs():
        rule = (prim.jvps if kind == "jvp" else prim.vjps)[i]
        leaves = _leaves(prim, i, values[i])
        shapes = [np.shape(x) for x in leaves] if kind == "jvp" else [o.shape for o in outs]
        seeds = [[rng.standard_normal(s) for s in shapes] for _ in range(K)]
        batched = _run(prim, kind, i, rule, seeds, args)
        key = (prim.name, kind, prim.inputs[i])
        if batched is NotBatchable:
            assert key in UNBATCHED, f"{key} cannot take a batch of seeds"
            continue
        assert key not in UNBATCHED, f"{key} now takes a batch: remove it from UNBATCHED"
        for k in range(K):
            if kind == "jvp":
                alone = rule.fn(_from_leaves(prim, i, seeds[k]), *args)
                _assert_same(_outputs_of(prim, _split(batched, k)), _outputs_of(prim, alone),
                             f"{key}, seed {k}")
            else:
                alone = rule.fn(_seed(prim, seeds[k]), *args)
                _assert_same(_leaves(prim, i, _split(batched, k)), _leaves(prim, i, alone),
                             f"{key}, seed {k}")


def _outputs_of(prim, value):
    return list(value) if prim.multiple_outputs else [value]
