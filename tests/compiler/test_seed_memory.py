"""The seed of a full reduction is materialised (`np.ones`) only while small: a large one
stays a broadcast view, so a gradient's peak memory does not grow by the input's size."""
import numpy as np

import transgrad as tg


def total(x):
    return np.sum(np.sin(x) * x)


def test_a_small_seed_is_an_array_and_a_large_one_a_view():
    small, large = tg.grad(total), tg.grad(total)
    np.testing.assert_allclose(small(np.linspace(0, 1, 16)),
                               np.cos(np.linspace(0, 1, 16)) * np.linspace(0, 1, 16)
                               + np.sin(np.linspace(0, 1, 16)), rtol=1e-14)
    assert "np.ones((16,))" in small.source
    x = np.linspace(0, 1, 1 << 20)
    np.testing.assert_allclose(large(x), np.cos(x) * x + np.sin(x), rtol=1e-14)
    assert "np.ones(" not in large.source and "unreduce(1.0, (1048576,)" in large.source
