"""W1-W6: one gradient call per column, timed by pytest-benchmark and checked.

Every gradient is compared with central finite differences on a few coordinates and, for the
columns that are not autograd, with autograd's whole gradient: a wrong gradient always fails.
A column that cannot run a workload at all fails for a peer, and is an xfail naming the reason
for transgrad's columns while those features are being written (`pytest -rx` lists them);
a transgrad feature that does not exist yet is a skip.
"""
import numpy as np
import pytest

from . import checks
from .columns import LABELS, Unavailable, prepare
from .conftest import TRANSGRAD_FEATURES, finite_differences, inputs, peer_gradients, require
from .workloads import WORKLOADS

GRADIENT_COLUMNS = ("compiled", "eager", "torch", "jax", "autograd")
SLOW_JAX_COMPILES = {"W1": "~15 s", "W5": "~2 s"}


def _runner(column, workload):
    try:
        return prepare(column, workload, inputs(workload.name))
    except Unavailable as reason:
        message = f"{LABELS[column]} cannot run {workload.name}: {reason}"
        if column in TRANSGRAD_FEATURES:
            pytest.xfail(message)
        pytest.fail(message)


@pytest.mark.parametrize("name", WORKLOADS)
def test_primal(benchmark, name):
    """The NumPy function, the baseline of the compiled/primal ratio; its PyTorch twin must
    compute the same loss (so the two columns time the same maths)."""
    workload = WORKLOADS[name]
    args = inputs(name)
    value = benchmark(workload.fn, *args)
    torch = pytest.importorskip("torch")
    twin_loss = _torch_loss(torch, workload)
    tolerance = 1e-5 if workload.dtype == "float32" else 1e-12
    assert np.isfinite(value)
    assert float(value) == pytest.approx(twin_loss, rel=tolerance)


def _torch_loss(torch, workload):
    from . import torch_twins
    converted = []
    for value in inputs(workload.name):
        if isinstance(value, np.ndarray):
            converted.append(torch.from_numpy(value))
        elif isinstance(value, list):
            converted.append([torch.from_numpy(v) for v in value])
        else:
            converted.append(value)
    with torch.no_grad():
        return float(getattr(torch_twins, workload.fn.__name__)(*converted))


@pytest.mark.parametrize("column", GRADIENT_COLUMNS)
@pytest.mark.parametrize("name", WORKLOADS)
def test_gradient(benchmark, name, column):
    require(column)
    workload = WORKLOADS[name]
    if column == "jax" and name in SLOW_JAX_COMPILES and benchmark.disabled:
        pytest.skip(f"jax.jit unrolls {name}'s loop: {SLOW_JAX_COMPILES[name]} of compilation, too "
                    "slow for the smoke run (checked with --benchmark-enable and by benchmarks/compare.py)")
    runner = _runner(column, workload)
    result = benchmark(runner.call)
    reference_label, reference = peer_gradients(name) if column != "autograd" else (None, None)
    found = checks.problems(workload, LABELS[column], runner.gradients(result), inputs(name),
                            finite_differences(name), reference, reference_label)
    assert not found, "\n".join(found)
