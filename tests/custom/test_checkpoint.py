"""`tg.checkpoint`: compiled (the forward sweep keeps only the call's inputs; the backward
sweep recomputes the call's forward right before its backward) and eager
(`CheckpointFunctionBackward`). Same gradients as without it; smaller tapes, measured."""
import sys
from pathlib import Path

import numpy as np
import pytest

import transgrad as tg
from transgrad.errors import TransformError

from . import defs as D
from .test_primitive import fd_grad

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))
import checkpoint_rnn as R  # noqa: E402

COMMENT = "# checkpointed: recomputed in the backward pass"
ARGNUMS = (0, 1, 2)


@pytest.fixture(scope="module")
def rnn():
    return R.problem()


@pytest.fixture(scope="module")
def reference(rnn):
    return tg.grad(R.rnn_loss, argnums=ARGNUMS)(*rnn)


# -- the 50-step RNN of examples/checkpoint_rnn.py ------------------------------------------------

@pytest.mark.parametrize("loss", [R.rnn_loss_checkpointed, R.rnn_loss_blocks])
def test_checkpointed_rnn_gradient_equals_the_plain_one(rnn, reference, loss):
    got = tg.grad(loss, argnums=ARGNUMS)(*rnn)
    assert R.T == 50 and rnn[3].shape == (50, 16, 32) and rnn[1].shape == (64, 64)
    for g, r in zip(got, reference):
        np.testing.assert_allclose(g, r, rtol=0, atol=1e-12)


def test_plain_rnn_gradient_matches_finite_differences_on_the_bias(rnn, reference):
    Wx, Wh, b, x, h0 = rnn
    expected = fd_grad(lambda v: R.rnn_loss(Wx, Wh, v, x, h0), b)
    np.testing.assert_allclose(reference[2], expected, rtol=1e-5, atol=1e-7)


def test_checkpointing_each_step_keeps_only_the_hidden_states(rnn):
    plain = R.tape_bytes(R.rnn_loss, rnn)
    per_step = R.tape_bytes(R.rnn_loss_checkpointed, rnn)
    state = R.BATCH * R.HIDDEN * 8
    # the plain tape holds several intermediates per step, the checkpointed one the states
    assert plain >= 2.5 * R.T * state
    assert (R.T - 1) * state <= per_step <= (R.T + 2) * state
    assert per_step <= 0.4 * plain


def test_checkpointing_blocks_keeps_one_state_per_block(rnn):
    plain = R.tape_bytes(R.rnn_loss, rnn)
    blocks = R.tape_bytes(R.rnn_loss_blocks, rnn)
    state = R.BATCH * R.HIDDEN * 8
    assert blocks <= (R.T // R.BLOCK + 2) * state
    assert blocks <= 0.1 * plain


def test_checkpointing_lowers_the_peak_memory_of_the_gradient_call(rnn):
    plain = R.peak_bytes(tg.grad(R.rnn_loss, argnums=ARGNUMS), rnn)
    per_step = R.peak_bytes(tg.grad(R.rnn_loss_checkpointed, argnums=ARGNUMS), rnn)
    blocks = R.peak_bytes(tg.grad(R.rnn_loss_blocks, argnums=ARGNUMS), rnn)
    assert per_step < 0.75 * plain and blocks < 0.75 * plain


def test_the_generated_source_shows_the_recomputation(rnn):
    df = tg.grad(R.rnn_loss_checkpointed, argnums=ARGNUMS)
    df(*rnn)
    source = df.source
    forward, backward = source.split("bh = ", 1)
    assert COMMENT in forward and COMMENT in backward
    assert "step_h = step(h, x_t, Wx, Wh, b)" in forward        # plain call: no tape
    assert "step_forward" not in forward
    assert "saved_t[t] = h\n" in forward                          # the call's input, and only it
    assert "step_h_again, step_tape = step_forward(h, x_t, Wx, Wh, b)" in backward
    assert "= step_backward(step_tape, bh)" in backward
    assert backward.index("step_forward(") < backward.index("step_backward(")
    assert "from checkpoint_rnn import step" in source


# -- the three spellings, nesting, forward mode ---------------------------------------------------

def small():
    rng = np.random.default_rng(3)
    return (rng.normal(size=(3, 4)) * 0.5, rng.normal(size=(4, 4)) * 0.5,
            rng.normal(size=(6, 2, 3)), rng.normal(size=(2, 4)) * 0.1)


@pytest.mark.parametrize("fn", [D.run_call_of_call, D.run_three_args, D.run_wrapper, D.run_nested])
def test_every_spelling_gives_the_plain_gradient(fn):
    args = small()
    expected = tg.grad(D.run_plain, argnums=(0, 1, 3))(*args)
    got = tg.grad(fn, argnums=(0, 1, 3))(*args)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)
    W, U, xs, h = args
    np.testing.assert_allclose(got[0], fd_grad(lambda v: D.run_plain(v, U, xs, h), W), rtol=1e-6)


@pytest.mark.parametrize("fn", [D.run_call_of_call, D.run_three_args, D.run_wrapper, D.run_nested])
def test_every_spelling_shows_the_comment(fn):
    df = tg.grad(fn, argnums=(0, 1, 3))
    df(*small())
    assert COMMENT in df.source


def test_vjp_through_a_checkpoint():
    args = small()
    out, vjp_fn = tg.vjp(D.run_three_args, *args)
    out2, vjp_plain = tg.vjp(D.run_plain, *args)
    np.testing.assert_allclose(out, out2)
    for g, e in zip(vjp_fn(1.0), vjp_plain(1.0)):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)


def test_forward_mode_through_a_checkpoint():
    if not hasattr(tg, "jvp"):
        pytest.skip("tg.jvp (compiled forward mode) is not in this build yet")
    args = small()
    tangents = tuple(np.random.default_rng(5).normal(size=np.shape(a)) for a in args)
    _, t1 = tg.jvp(D.run_call_of_call, args, tangents)
    _, t2 = tg.jvp(D.run_plain, args, tangents)
    np.testing.assert_allclose(t1, t2, rtol=1e-12)


# -- refused, with the user's line ----------------------------------------------------------------

def test_checkpointing_a_primitive_is_refused():
    with pytest.raises(TransformError, match=r"np.sin is a primitive, which keeps no "
                                             r"intermediates to recompute"):
        tg.grad(D.run_checkpoint_primitive)(np.ones(3))


def test_keyword_arguments_to_a_checkpointed_call_are_refused():
    with pytest.raises(TransformError, match="passes its arguments positionally"):
        tg.grad(D.run_checkpoint_keywords)(*small())


def test_calling_another_call_result_is_refused():
    with pytest.raises(TransformError) as err:
        tg.grad(D.run_call_of_other_call)(*small())
    assert "supported only as tg.checkpoint(fn)(...)" in str(err.value)
    assert D.__file__ in str(err.value)


# -- eager ----------------------------------------------------------------------------------------

def _eager_rnn(checkpoint):
    Wx, Wh, b, x, h0 = R.problem(seed=4)
    params = [tg.tensor(a, requires_grad=True) for a in (Wx, Wh, b)]
    h = tg.tensor(h0)
    for t in range(10):
        xt = tg.tensor(x[t])
        if checkpoint:
            h = tg.checkpoint(R.step)(h, xt, *params)
        else:
            h = R.step(h, xt, *params)
    (h ** 2).sum().backward()
    return h, [p.grad.numpy() for p in params]


def test_eager_checkpoint_gives_the_plain_gradient_with_one_node_per_call():
    h, got = _eager_rnn(True)
    assert h.grad_fn.name() == "CheckpointFunctionBackward"
    assert "CheckpointFunctionBackward object at" in repr(h.grad_fn)
    _, expected = _eager_rnn(False)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)


def test_eager_checkpoint_records_no_intermediate_nodes():
    x = tg.tensor(np.array([0.5, -1.0]), requires_grad=True)
    y = tg.checkpoint(lambda_free_chain, x)
    node = y.grad_fn
    assert node.name() == "CheckpointFunctionBackward"
    assert [n.name().endswith("AccumulateGrad") for n, _ in node.next_functions if n] == [True]


def lambda_free_chain(v):
    return (v.sin() * v).exp()


def test_eager_checkpoint_second_derivative():
    x0 = np.array([0.5, -1.0, 0.25])
    x = tg.tensor(x0, requires_grad=True)
    y = tg.checkpoint(lambda_free_chain, x).sum()
    (g,) = tg.autograd.grad(y, x, create_graph=True)
    (h,) = tg.autograd.grad(g.sum(), x)

    def first(v):
        u = np.sin(v) * v
        return np.sum(np.exp(u) * (np.cos(v) * v + np.sin(v)))
    np.testing.assert_allclose(h.numpy(), fd_grad(first, x0), rtol=1e-6)


def test_eager_checkpoint_without_grad_or_on_arrays_just_calls():
    assert tg.checkpoint(lambda_free_chain, tg.tensor([0.5])).grad_fn is None
    np.testing.assert_allclose(tg.checkpoint(np.sin)(np.array([0.5])), np.sin([0.5]))
    with tg.no_grad():
        x = tg.tensor([0.5], requires_grad=True)
        assert tg.checkpoint(lambda_free_chain, x).grad_fn is None
