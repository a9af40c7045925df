"""Shared pieces of the benchmark tests: cached inputs and reference gradients, and skips.

In the normal suite (`--benchmark-disable`) every benchmark runs its target once, so these
files are a smoke test that also checks every gradient; `pytest tests/benchmarks
--benchmark-enable` times them. The one-process, interleaved comparison with ratios and floors
is `benchmarks/compare.py`.
"""
import functools

import pytest

from . import checks
from .columns import Unavailable, prepare
from .workloads import WORKLOADS

PEER_MODULES = {"torch": "torch", "jax": "jax", "autograd": "autograd"}
TRANSGRAD_FEATURES = {"compiled": "grad", "eager": "Tensor"}


@functools.lru_cache(maxsize=None)
def inputs(name):
    """The workload's inputs, made once per session (callers must not modify them)."""
    return WORKLOADS[name].make_inputs()


@functools.lru_cache(maxsize=None)
def finite_differences(name):
    return checks.finite_differences(WORKLOADS[name], inputs(name))


@functools.lru_cache(maxsize=None)
def peer_gradients(name):
    """(label, gradients) of autograd, the cheapest peer to import, or (None, None)."""
    try:
        runner = prepare("autograd", WORKLOADS[name], inputs(name))
    except Unavailable:
        return None, None
    return "autograd", runner.gradients(runner.call())


def require(column):
    """Skip unless the column's peer is installed or its transgrad feature exists."""
    if column in PEER_MODULES:
        pytest.importorskip(PEER_MODULES[column])
    elif column in TRANSGRAD_FEATURES:
        tg = pytest.importorskip("transgrad")
        feature = TRANSGRAD_FEATURES[column]
        if not hasattr(tg, feature):
            pytest.skip(f"tg.{feature} is not implemented yet")


def transgrad_with(feature):
    """transgrad, or a skip when it lacks `feature`."""
    tg = pytest.importorskip("transgrad")
    if not hasattr(tg, feature):
        pytest.skip(f"tg.{feature} is not implemented yet")
    return tg
