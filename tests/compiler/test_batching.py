"""The batching facts of compiler/batching.py, one by one: each NumPy call on a Batch gives,
seed by seed, what the call gives on each seed alone; what has no fact raises NotBatchable
(never a value computed with the batch axis mistaken for a data axis)."""
import numpy as np
import pytest

from transgrad.compiler.batching import Batch, NotBatchable, unbatch

RNG = np.random.default_rng(0)
K = 4


def _batch(shape):
    return Batch(RNG.standard_normal((K,) + shape))


def _check(fn, *args):
    """fn on the batch(es) among args == fn on each seed's values."""
    got = fn(*args)
    for k in range(K):
        alone = fn(*(a.data[k] if isinstance(a, Batch) else a for a in args))
        g = got.data[k] if isinstance(got, Batch) else got
        np.testing.assert_allclose(np.broadcast_to(g, np.shape(alone)), alone, rtol=1e-12, atol=1e-12)
        assert np.shape(g) == np.shape(alone)


@pytest.mark.parametrize("ashape", [(3,), (2, 3), (4, 2, 3)])
@pytest.mark.parametrize("bshape", [(3,), (3, 2), (4, 3, 2)])
@pytest.mark.parametrize("side", ["left", "right", "both"])
def test_matmul_with_a_batch_on_either_side(ashape, bshape, side):
    a = _batch(ashape) if side in ("left", "both") else RNG.standard_normal(ashape)
    b = _batch(bshape) if side in ("right", "both") else RNG.standard_normal(bshape)
    if side == "both" and (len(ashape) < 2 or len(bshape) < 2):
        with pytest.raises(NotBatchable):
            np.matmul(a, b)
        return
    _check(lambda x, y: x @ y, a, b)
    _check(np.matmul, a, b)


@pytest.mark.parametrize("ashape,bshape", [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                                           ((4, 2, 3), (5, 3, 2)), ((3,), (5, 3, 2)), (( ), (2,))])
def test_dot_either_side(ashape, bshape):
    _check(np.dot, _batch(ashape), RNG.standard_normal(bshape))
    _check(np.dot, RNG.standard_normal(ashape), _batch(bshape))


@pytest.mark.parametrize("axes", [1, 2, ([0], [1]), ([2, 0], [0, 1]), ([-1], [0])])
def test_tensordot_either_side(axes):
    a, b = (3, 4, 2), (4, 2, 5) if axes in (1, 2) else (2, 3, 5)
    if axes == ([2, 0], [0, 1]):
        b = (2, 3, 5)
    if axes == 1:
        b = (2, 5)
    if axes == ([-1], [0]):
        b = (2, 5)
    _check(lambda x, y: np.tensordot(x, y, axes=axes), _batch(a), RNG.standard_normal(b))
    _check(lambda x, y: np.tensordot(x, y, axes=axes), RNG.standard_normal(a), _batch(b))


@pytest.mark.parametrize("fn", [np.sum, np.mean, np.prod, np.max, np.min, np.var, np.std])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_keep_the_batch_axis(fn, axis, keepdims):
    _check(lambda x: fn(x, axis=axis, keepdims=keepdims), _batch((2, 3, 4)))


@pytest.mark.parametrize("call", [
    lambda x: np.cumsum(x), lambda x: np.cumsum(x, axis=-1), lambda x: np.reshape(x, (6, 4)),
    lambda x: np.reshape(x, -1), lambda x: x.reshape(4, -1), lambda x: np.ravel(x),
    lambda x: np.transpose(x), lambda x: x.T, lambda x: np.transpose(x, (1, 2, 0)),
    lambda x: np.swapaxes(x, 0, -1), lambda x: np.moveaxis(x, 0, 2),
    lambda x: np.squeeze(x[:, :1]), lambda x: np.squeeze(x[:1], 0),
    lambda x: np.expand_dims(x, -1), lambda x: np.expand_dims(x, (0, 2)),
    lambda x: np.broadcast_to(x[0], (5, 3, 4)), lambda x: np.tile(x, 2),
    lambda x: np.tile(x[0], (2, 1, 1)), lambda x: np.flip(x), lambda x: np.flip(x, 1),
    lambda x: np.copy(x), lambda x: np.split(x, 3, axis=1)[1], lambda x: np.array_split(x, 2, -1)[0],
    lambda x: np.outer(x[0, 0], x[1, 1]), lambda x: np.where(x > 0, x, 0.0),
    lambda x: np.clip(x, -0.5, 0.5), lambda x: np.zeros_like(x) + x, lambda x: x.sum(axis=1),
    lambda x: x[1], lambda x: x[:, 1:, ::2], lambda x: x[..., 0], lambda x: x[None],
    lambda x: x[[0, 1, 1]], lambda x: x[:, [2, 0]], lambda x: x[0, [2, 0]],
    lambda x: x[np.array([True, False])], lambda x: x[:, [0, 1], [1, 2]],
    lambda x: np.exp(x) * 2.0 - x / 3.0, lambda x: np.maximum(x, 0.1),
    lambda x: np.concatenate([x, np.ones((2, 3, 4))], axis=-1),
    lambda x: np.concatenate([x, x], axis=None), lambda x: np.stack([x, np.ones((2, 3, 4))], 1),
])
def test_shape_functions_and_indexing(call):
    _check(call, _batch((2, 3, 4)))


def test_broadcasting_never_pairs_the_batch_axis_with_a_data_axis():
    x = _batch((3,))                      # K == 4 seeds of shape (3,)
    _check(lambda a, b: a * b, x, RNG.standard_normal((4, 3)))     # (4, 3): not (K, 3)
    _check(lambda a, b: a + b, _batch(()), RNG.standard_normal((4,)))
    _check(lambda a, b: np.where(b > 0, a, 0.0), x, RNG.standard_normal((2, 4, 3)))


def test_index_assignment_and_scatter_add_into_a_batch():
    def assign(x, v):
        out = np.zeros_like(x, shape=(5, 3))
        out[1:3] = v
        out[4, [0, 2]] = 1.0
        np.add.at(out, [0, 0], v[0])
        return out
    _check(assign, _batch((5, 3)), _batch((2, 3)))
    _check(assign, _batch((5, 3)), RNG.standard_normal((2, 3)))


@pytest.mark.parametrize("refused", [
    lambda x: np.asarray(x), lambda x: float(x[0, 0, 0]), lambda x: bool(x[0, 0, 0] > 0),
    lambda x: np.linalg.inv(x[0]), lambda x: np.einsum("ijk->j", x), lambda x: x.item(),
    lambda x: np.sum(x, out=np.zeros(())), lambda x: x[[0, 1], :, [0, 1]],
    lambda x: np.add(x, 1.0, out=np.zeros((2, 3, 2))), lambda x: np.add.reduce(x),
    lambda x: np.zeros((2, 3, 2)).__setitem__(0, x[0]),
    lambda x: np.add.at(np.zeros((2, 3, 2)), 0, x[0]),
])
def test_what_has_no_fact_raises_not_batchable(refused):
    with pytest.raises(NotBatchable):
        refused(_batch((2, 3, 2)))


def test_shape_questions_answer_for_one_seed():
    x = _batch((2, 3))
    assert x.shape == (2, 3) and np.shape(x) == (2, 3) and np.ndim(x) == 2 and x.ndim == 2
    assert x.size == 6 and np.size(x) == 6 and len(x) == 2 and x.dtype == np.float64
    assert [r.shape for r in x] == [(3,), (3,)]
    assert unbatch(x, K).shape == (K, 2, 3)
    assert unbatch(0.0, K).shape == (K,)
