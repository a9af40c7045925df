"""The seed of a full reduction is materialised (`np.ones`) only while small: a large one
stays a broadcast view, so a gradient's peak memory does not grow by the input's size.
Where the seed only meets an array of its own shape and dtype elementwise, it is not made at
all (broadcasts.py)."""
import numpy as np

import transgrad as tg


def total(x):
    return np.sum(np.sin(x) * x)


def running(x):
    return np.sum(np.cumsum(x))


def test_a_small_seed_is_an_array_and_a_large_one_a_view():
    small, large = tg.grad(running), tg.grad(running)
    x = np.linspace(0, 1, 16)
    np.testing.assert_array_equal(small(x), np.arange(16.0, 0.0, -1.0))
    assert "np.ones((16,))" in small.source
    x = np.linspace(0, 1, 1 << 20)
    np.testing.assert_array_equal(large(x), np.arange(float(1 << 20), 0.0, -1.0))
    assert "np.ones(" not in large.source and "unreduce(1.0, (1048576,)" in large.source


def test_a_seed_only_multiplied_into_arrays_of_its_shape_is_not_made():
    for n in (16, 1 << 20):
        df = tg.grad(total)
        x = np.linspace(0, 1, n)
        np.testing.assert_allclose(df(x), np.cos(x) * x + np.sin(x), rtol=1e-14)
        assert "np.ones(" not in df.source and "unreduce(" not in df.source
