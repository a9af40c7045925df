"""The eager engine's second round of speed paths (issue 7) keeps PyTorch's behaviour.

- Tensor and Node define no `__getattr__` (CPython 3.11 specialises no attribute read of a class
  that has one): the registry's methods and their in-place twins are installed on the class,
  unknown attributes still raise AttributeError, nodes made without a sequence number still
  fall back to the counted walk;
- a broadcast leaf (a bias) sums its contributions before reducing them once (`Unreduced`):
  same gradients as PyTorch, hooks see the reduced gradient, mixed contributions agree;
- `helpers.unreduce` builds a full reduction's seed view directly: equal to np.broadcast_to;
- matmul's grad_fn name is cached by the inputs' ndim; matmul's 2-D rules use np.dot;
- `x[t]` of a constant tensor is a view sharing the version counter with the root base.
"""
import numpy as np
import pytest

import transgrad as tg
from transgrad import registry
from transgrad.eager import dispatch, engine
from transgrad.eager.node import Node, PLAIN_CLASSES, PlainNode, node_class, node_name, seq_of
from transgrad.helpers import unreduce

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)


def leaf(a):
    return tg.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


# -- no __getattr__ -----------------------------------------------------------------------------

def test_tensor_and_node_classes_have_no_getattr_hook():
    assert "__getattr__" not in vars(tg.Tensor)
    assert "__getattr__" not in vars(Node)


def test_every_registry_method_and_its_in_place_twin_is_a_tensor_method():
    for prim in registry.all_primitives(user=True):
        for spelling in prim.spellings:
            if spelling.startswith(".") and spelling.endswith("()"):
                name = spelling[1:-2]
                assert callable(getattr(tg.Tensor, name)), name
                if prim.differentiable and not name.startswith("_") \
                        and registry.lookup_method(name + "_") is None:
                    assert callable(getattr(tg.Tensor, name + "_")), name + "_"


def test_registry_methods_compute_and_record_like_torch():
    a = RNG.standard_normal((3, 4))
    x, xt = leaf(a), torch.tensor(a, requires_grad=True)
    y, yt = x.sinh().cumsum(0), xt.sinh().cumsum(0)
    assert type(y.grad_fn).__name__ == type(yt.grad_fn).__name__ == "CumsumBackward0"
    y.sum().backward()
    yt.sum().backward()
    assert np.allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-13, atol=0)


def test_in_place_twin_changes_the_tensor_and_bumps_its_version():
    a = RNG.standard_normal(5)
    t = tg.tensor(a.copy())
    before = t._version
    assert t.sinh_() is t
    assert np.allclose(t.numpy(), np.sinh(a))
    assert t._version == before + 1


def test_unknown_attributes_still_raise_attribute_error():
    t = tg.tensor([1.0, 2.0])
    with pytest.raises(AttributeError, match="'Tensor' object has no attribute 'no_such_thing'"):
        t.no_such_thing
    assert not hasattr(t, "no_such_thing_")
    node = (leaf([1.0]) * 2).grad_fn
    with pytest.raises(AttributeError, match="no_such_slot"):
        node.no_such_slot


def test_a_node_without_a_number_reads_as_none_and_plain_classes_are_node_classes():
    node = (leaf([1.0, 2.0]) * 3).grad_fn
    assert seq_of(node) == node._seq
    del node._seq
    assert seq_of(node) is None
    assert node_class("MulBackward0") in PLAIN_CLASSES
    assert type(node) in PLAIN_CLASSES


def test_recorded_nodes_share_one_class_until_user_code_sees_them():
    # one class for the engine's and the recorder's slot reads and writes (CPython specialises
    # them per class); the PyTorch class as soon as a node is visible
    x = leaf([1.0, 2.0])
    y = (x * 3 + 1).sin()
    inner = y._grad_fn
    assert type(inner) is PlainNode and inner._cls is node_class("SinBackward0")
    assert type(inner._next[0]) is PlainNode
    assert "grad_fn=<SinBackward0>" in repr(y) and type(inner) is PlainNode
    assert node_name(inner) == inner.name() == "SinBackward0"
    assert repr(inner).startswith("<SinBackward0 object at ")
    seen = y.grad_fn
    assert seen is inner and type(seen) is node_class("SinBackward0")
    (add, _), = seen.next_functions
    assert type(add).__name__ == "AddBackward0"
    (mul, _), (none, _) = add.next_functions
    assert type(mul).__name__ == "MulBackward0" and none is None
    assert type(y.grad_fn) is type((x + 0).sin().grad_fn)
    y.backward(tg.ones(2))
    assert np.allclose(x.grad.numpy(), 3 * np.cos(3 * np.array([1.0, 2.0]) + 1))


def test_renaming_an_unseen_node_keeps_its_name_for_later():
    # `_cast` and `_renamed` rename nodes the user has not seen yet: `_cls` changes
    x = tg.tensor([1.0, 2.0], dtype=tg.float32, requires_grad=True)
    for t, name in ((x.double(), "ToCopyBackward0"),
                    (x.masked_fill(tg.tensor([True, False]), 0.0), "MaskedFillBackward0")):
        assert type(t._grad_fn) is PlainNode and node_name(t._grad_fn) == name
        assert f"grad_fn=<{name}>" in repr(t)
        assert type(t.grad_fn).__name__ == name and type(t._grad_fn) is not PlainNode
        t.sum().backward()
    assert x.grad.tolist() == [1.0, 2.0]


# -- broadcast leaves: one reduction --------------------------------------------------------------

def _rnn(lib, x, Wh, b, steps=6):
    h = x[0] * 0.0
    for t in range(steps):
        h = lib.tanh(x[t] + h @ Wh + b)
    return (h ** 2).sum()


@pytest.mark.parametrize("bias_first", [False, True])
@pytest.mark.parametrize("other", ["needs grad", "constant"])
def test_bias_contributions_sum_in_place_in_either_operand_order(bias_first, other):
    # the engine adds each step's contribution into the pending sum itself; the bias may be
    # either operand, and the other operand may need no gradient
    x0, b0, w0 = RNG.standard_normal((3, 5, 4)), RNG.standard_normal(4), RNG.standard_normal((5, 4))
    b = leaf(b0)
    w = leaf(w0) if other == "needs grad" else tg.tensor(w0)
    seen = []
    b.register_hook(lambda g: seen.append(g.numpy().copy()))
    total = 0.0
    for t in range(3):
        u = w * tg.tensor(x0[t])
        s = (b + u) if bias_first else (u + b)
        total = total + (s * s).sum()
    total.backward()
    # d/db sum_t sum((w x_t + b)^2) = sum_t sum over rows of 2 (w x_t + b)
    expected = sum(2 * (w0 * x0[t] + b0) for t in range(3)).sum(axis=0)
    assert np.allclose(b.grad.numpy(), expected, rtol=1e-13, atol=1e-13)
    assert len(seen) == 1 and np.allclose(seen[0], expected, rtol=1e-13, atol=1e-13)
    if other == "needs grad":
        assert np.allclose(w.grad.numpy(), sum(2 * (w0 * x0[t] + b0) * x0[t] for t in range(3)),
                           rtol=1e-13, atol=1e-13)


def test_bias_gradient_of_a_loop_matches_torch_and_reduces_once(monkeypatch):
    x0, W0, b0 = RNG.standard_normal((6, 5, 4)), 0.5 * RNG.standard_normal((4, 4)), RNG.standard_normal(4)
    x, W, b = tg.tensor(x0), leaf(W0), leaf(b0)
    finishes = []
    original = dispatch.Unreduced.finish
    monkeypatch.setattr(dispatch.Unreduced, "finish", lambda self: finishes.append(1) or original(self))
    _rnn(np, x, W, b).backward()
    xt, Wt, bt = torch.tensor(x0), torch.tensor(W0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    _rnn(torch, xt, Wt, bt).backward()
    assert np.allclose(b.grad.numpy(), bt.grad.numpy(), rtol=1e-12, atol=1e-14)
    assert np.allclose(W.grad.numpy(), Wt.grad.numpy(), rtol=1e-12, atol=1e-14)
    assert finishes == [1]


def test_bias_hook_sees_the_reduced_total_once():
    x0, W0, b0 = RNG.standard_normal((6, 5, 4)), 0.5 * RNG.standard_normal((4, 4)), RNG.standard_normal(4)
    b = leaf(b0)
    seen = []
    b.register_hook(lambda g: seen.append(g.numpy().copy()))
    _rnn(np, tg.tensor(x0), leaf(W0), b).backward()
    bt = torch.tensor(b0, requires_grad=True)
    _rnn(torch, torch.tensor(x0), torch.tensor(W0, requires_grad=True), bt).backward()
    assert len(seen) == 1 and seen[0].shape == (4,)
    assert np.allclose(seen[0], bt.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("order", ["broadcast_first", "direct_first"])
def test_a_leaf_used_broadcast_and_directly_gets_both_contributions(order):
    m0, b0 = RNG.standard_normal((3, 4)), RNG.standard_normal(4)

    def f(lib, m, b):
        if order == "broadcast_first":
            return ((m + b) ** 2).sum() + (b * b).sum() + ((m * 2.0 + b) ** 3).sum()
        return (b * b).sum() + ((m + b) ** 2).sum() + ((m * 2.0 + b) ** 3).sum()

    m, b = leaf(m0), leaf(b0)
    f(np, m, b).backward()
    mt, bt = torch.tensor(m0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    f(torch, mt, bt).backward()
    assert np.allclose(b.grad.numpy(), bt.grad.numpy(), rtol=1e-12, atol=1e-13)
    assert np.allclose(m.grad.numpy(), mt.grad.numpy(), rtol=1e-12, atol=1e-13)


def test_bias_contributions_survive_a_hand_over_to_the_counted_walk():
    x0, W0, b0 = RNG.standard_normal((6, 5, 4)), 0.5 * RNG.standard_normal((4, 4)), RNG.standard_normal(4)
    b = leaf(b0)
    loss = _rnn(np, tg.tensor(x0), leaf(W0), b)
    # the oldest tanh node loses its number: the walk hands its pending nodes (b's unreduced
    # sum among them) to the counted walk
    n = loss.grad_fn
    tanhs = []
    stack, seen = [n], set()
    while stack:
        c = stack.pop()
        if c is None or id(c) in seen or not hasattr(c, "_fns"):
            continue
        seen.add(id(c))
        if node_name(c) == "TanhBackward0":
            tanhs.append(c)
        stack.extend(c._next)
    del min(tanhs, key=lambda c: c._seq)._seq
    loss.backward()
    bt = torch.tensor(b0, requires_grad=True)
    _rnn(torch, torch.tensor(x0), torch.tensor(W0, requires_grad=True), bt).backward()
    assert np.allclose(b.grad.numpy(), bt.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_unreduced_arithmetic_never_writes_into_a_shared_gradient():
    shared = np.ones((2, 3))
    u = dispatch.Unreduced(shared, (3,))
    u = u + dispatch.Unreduced(np.full((2, 3), 2.0), (3,))
    u = u + dispatch.Unreduced(np.full((2, 3), 4.0), (3,))
    assert np.array_equal(shared, np.ones((2, 3)))
    assert np.array_equal(u.finish(), np.full(3, 14.0))
    assert np.array_equal(np.ones(3) + dispatch.Unreduced(np.ones((2, 3)), (3,)), np.full(3, 3.0))
    assert np.array_equal(dispatch.Unreduced(np.ones((2, 3)), (3,)) + np.ones(3), np.full(3, 3.0))


# -- seeds, names, views ----------------------------------------------------------------------------

@pytest.mark.parametrize("g", [np.array(1.5), np.float32(2.0), np.array(1 + 2j), np.float64(-3.0)])
@pytest.mark.parametrize("shape, axis", [((16,), None), ((3, 4), None), ((3, 4), (0, 1)), ((2,), 0)])
def test_unreduce_of_one_value_is_np_broadcast_to(g, shape, axis):
    got, want = unreduce(g, shape, axis, False), np.broadcast_to(g, shape)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert np.array_equal(got, want)
    assert not got.flags.writeable
    with pytest.raises(ValueError):
        got[...] = 0


def test_matmul_names_by_ndim_match_torch_in_any_order():
    shapes = [((2, 3), (3, 4)), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 2, 3), (3, 4)),
              ((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,))]
    for sa, sb in shapes:
        a, b = RNG.standard_normal(sa), RNG.standard_normal(sb)
        got = type((leaf(a) @ leaf(b)).grad_fn).__name__
        want = type((torch.tensor(a, requires_grad=True) @ torch.tensor(b, requires_grad=True)).grad_fn).__name__
        assert got == want, (sa, sb)


def test_matmul_second_derivative_through_np_dot_rules_matches_torch():
    a0, b0 = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))
    a, b = leaf(a0), leaf(b0)
    (ga,) = tg.autograd.grad(np.tanh(a @ b).sum(), a, create_graph=True)
    (gb,) = tg.autograd.grad((ga * ga).sum(), b)
    at, bt = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    (gat,) = torch.autograd.grad(torch.tanh(at @ bt).sum(), at, create_graph=True)
    (gbt,) = torch.autograd.grad((gat * gat).sum(), bt)
    assert np.allclose(ga.detach().numpy(), gat.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert np.allclose(gb.numpy(), gbt.numpy(), rtol=1e-12, atol=1e-14)


def test_row_of_a_constant_is_a_view_of_the_root_base():
    x = tg.tensor(RNG.standard_normal((3, 4, 5)))
    v = x[1]
    w = v[2]
    assert np.shares_memory(w.numpy(), x.numpy())
    x.add_(1.0)
    assert v._version == w._version == x._version == 1
    W = leaf(RNG.standard_normal((5, 2)))
    y = (x[0] @ W).sum()
    x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


# -- rules lowered for the tape write int literals as floats where they meet floating values --

def test_lowered_rules_write_float_literals_beside_floating_values():
    from transgrad import registry
    assert "1.0 - z * z" in registry.get("tanh").vjps[0].source
    assert "(1.0 - z)" in registry.get("sigmoid").vjps[0].source


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_literals_keep_the_gradient_dtype(dtype):
    x = np.linspace(-0.9, 0.9, 5).astype(dtype)
    t = tg.tensor(x, requires_grad=True)
    (np.tanh(t) + tg.sigmoid(t)).sum().backward()
    assert t.grad.numpy().dtype == dtype
    s = 1 / (1 + np.exp(-x.astype(np.float64)))
    np.testing.assert_allclose(t.grad.numpy(), 1 - np.tanh(x.astype(np.float64)) ** 2
                               + s * (1 - s), rtol=1e-6)


# -- grad modes: the dispatcher's fast test of MODES_CHANGED ---------------------------------------

def test_modes_changed_counts_threads_away_from_the_defaults():
    import threading
    from transgrad.eager.grad_mode import MODES_CHANGED
    assert MODES_CHANGED[0] == 0
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with tg.no_grad():
        assert MODES_CHANGED[0] == 1
        assert not (x * 2).requires_grad
        with tg.enable_grad():
            assert MODES_CHANGED[0] == 0
            assert (x * 2).requires_grad
        with tg.inference_mode():
            assert MODES_CHANGED[0] == 1
            assert (x * 2).is_inference()
    assert MODES_CHANGED[0] == 0
    seen = []
    inside, release = threading.Event(), threading.Event()

    def other():
        with tg.no_grad():
            inside.set()
            release.wait(5)

    th = threading.Thread(target=other)
    th.start()
    inside.wait(5)
    try:
        # another thread's no_grad: this one still records, and reads its own flags
        seen.append(MODES_CHANGED[0])
        seen.append((x * 2).requires_grad)
    finally:
        release.set()
        th.join()
    assert seen == [1, True]
    assert MODES_CHANGED[0] == 0
    assert (x * 2).requires_grad
