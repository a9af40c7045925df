"""Compiling leaves what it keeps alive in the oldest garbage-collector generation, and never
undoes a freeze the caller made (`transform.generate`)."""
import gc

import numpy as np

import transgrad as tg



def cubic_sum(x):
    y = np.sin(x) * x
    z = np.tanh(y) + y * y
    return np.sum(z * x)


def quartic_sum(x):
    y = np.cos(x) * x
    z = np.exp(-y * y) + y
    return np.sum(z * z)


def test_compiling_leaves_the_young_generation_nearly_empty():
    gc.collect()
    before = len(gc.get_objects(generation=0))
    tg.grad(cubic_sum)(np.linspace(-1.0, 1.0, 5))
    after = len(gc.get_objects(generation=0))
    # without the promotion, thousands of syntax-tree nodes the compiler caches wait there
    assert after - before < 200, (before, after)


def test_a_freeze_of_the_caller_is_kept():
    gc.collect()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        g = tg.grad(quartic_sum)(np.linspace(-1.0, 1.0, 4))
        # (a few frozen objects may die meanwhile; an unfreeze would leave none)
        assert gc.get_freeze_count() > frozen * 0.9, (gc.get_freeze_count(), frozen)
        x = np.linspace(-1.0, 1.0, 4)
        y = np.cos(x) * x
        z = np.exp(-y * y) + y
        dz = 2 * z
        dy = dz * (1 - 2 * y * np.exp(-y * y))
        np.testing.assert_allclose(g, dy * (np.cos(x) - x * np.sin(x)), rtol=1e-12)
    finally:
        gc.unfreeze()
