"""tg.compile keeps eager semantics: each behaviour is run on the same function eagerly and
compiled, side by side, and the two must agree (values, `.grad`, errors, graph structure)."""
import gc
import weakref

import numpy as np
import pytest

import transgrad as tg
from transgrad.eager.engine import SECOND_TIME


def _leaf(values, requires_grad=True, dtype=np.float64):
    return tg.from_numpy(np.array(values, dtype=dtype)).requires_grad_(requires_grad)


def both(fn):
    """(eager fn, compiled fn)"""
    return fn, tg.compile(fn)


# -- functions used below --------------------------------------------------------------------------

def loss(x, w):
    y = x * w + 1.0
    return (y * y).sum()


def shift_sum(x):
    return (x + 2).sum()


def cube(x):
    return (x * x * x).sum()


def exp_all(x):
    return x.exp()


def pair(x, y):
    return (x * y).sum(), x.exp() * 2


def with_mask(x):
    return (x * x).sum(), x > 0


def keywords(x, y, scale=2.0, *, offset=0.5):
    return ((x * scale + y) ** 2 + offset).sum()


def mixed(x, a, c):
    return (x * a + c).pow(2).sum()


def ignores_second(x, y):
    return (x * 3).sum() + y.shape[0]


def inner_square(v):
    return (v * v).sum()


@tg.compile
def inner_compiled(v, w):
    return (v * w).exp()


def outer(x, w):
    h = inner_compiled(x, w)
    return inner_square(h) + h.sum()


def per_branch(x, y):
    if x.sum() > 0:
        return (x * 2).sum()
    return (y * 2).sum()


# -- the node -------------------------------------------------------------------------------------

def test_one_node_named_after_the_function_leads_to_the_inputs_nodes():
    c = tg.compile(loss)
    x = _leaf([1.0, 2.0])
    w0 = _leaf([0.5, -1.0])
    w = w0 * 2                        # a non-leaf input: its grad_fn is the next function
    out = c(x, w)
    node = out.grad_fn
    assert type(node).__name__ == "LossBackward" and node.name() == "LossBackward"
    assert repr(node).startswith("<LossBackward object at 0x")
    assert "grad_fn=<LossBackward>" in repr(out)
    (n0, nr0), (n1, nr1) = node.next_functions
    assert type(n0).__name__ == "AccumulateGrad" and n0.variable is x and nr0 == 0
    assert n1 is w.grad_fn and nr1 == 0
    assert not out.is_leaf and out.requires_grad


def test_node_class_names_follow_the_function_name():
    from transgrad.compiler.compiled import node_class_name
    assert node_class_name("loss") == "LossBackward"
    assert node_class_name("my_loss") == "MyLossBackward"
    assert node_class_name("_private_fn") == "PrivateFnBackward"


def test_accumulates_into_leaves_like_eager():
    grads = []
    for f in both(loss):
        x, w = _leaf([1.0, 2.0, 3.0]), _leaf([0.5, -1.0, 2.0])
        f(x, w).backward()
        f(x, w).backward()            # a second graph: .grad accumulates
        (f(x, w) * 3).backward()      # compiled output flowing into an eager op
        grads.append((x.grad.numpy().copy(), w.grad.numpy().copy()))
    (ex, ew), (cx, cw) = grads
    np.testing.assert_allclose(cx, ex, rtol=1e-14)
    np.testing.assert_allclose(cw, ew, rtol=1e-14)
    np.testing.assert_allclose(ex, 5 * 2 * (np.array([1.0, 2, 3]) * [0.5, -1, 2] + 1) * [0.5, -1, 2])


def test_input_used_twice_sums_both_edges():
    for f in both(loss):
        x = _leaf([1.0, 2.0])
        f(x, x).backward()
        np.testing.assert_allclose(x.grad.numpy(), 4 * (np.array([1.0, 2.0]) ** 2 + 1) * [1.0, 2.0])


# -- retain_graph and freed values -----------------------------------------------------------

def test_second_backward_raises_pytorchs_error_when_something_was_saved():
    messages = []
    for f in both(cube):
        x = _leaf([1.0, 2.0])
        out = f(x)
        out.backward()
        with pytest.raises(RuntimeError) as err:
            out.backward()
        messages.append(str(err.value))
    assert messages[0] == messages[1] == SECOND_TIME


def test_second_backward_is_fine_when_nothing_was_saved():
    for f in both(shift_sum):
        x = _leaf([1.0, 2.0])
        out = f(x)
        out.backward()
        out.backward()
        np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_retain_graph_allows_a_second_backward():
    grads = []
    for f in both(cube):
        x = _leaf([1.0, 2.0])
        out = f(x)
        out.backward(retain_graph=True)
        out.backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0])
    np.testing.assert_allclose(grads[0], 2 * 3 * np.array([1.0, 4.0]))


def _exp_sin(x):
    y = x.exp()
    z = y.sin()
    return z.sum()


@pytest.mark.parametrize("retain", [False, True])
def test_saved_intermediates_are_released_after_backward_unless_retained(retain):
    c = tg.compile(_exp_sin)
    x = _leaf(np.linspace(0, 1, 5))
    out = c(x)
    refs = [weakref.ref(a) for a in out.grad_fn._tape if isinstance(a, np.ndarray)
            and not np.shares_memory(a, x._data)]
    assert refs, "the tape holds intermediates (exp(x))"
    out.backward(retain_graph=retain)
    gc.collect()
    if retain:
        assert all(r() is not None for r in refs)
        out.backward()
        v = x.detach().numpy()
        np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(np.exp(v)) * np.exp(v))
    else:
        assert out.grad_fn._tape is None
        assert all(r() is None for r in refs)


def test_eager_frees_its_saved_values_too():
    x = _leaf(np.linspace(0, 1, 5))
    out = _exp_sin(x)
    out.backward()
    with pytest.raises(RuntimeError, match="a second time"):
        out.backward()


# -- in-place changes of saved values ------------------------------------------------------------

def test_modifying_a_saved_input_in_place_raises_the_eager_error():
    messages = []
    for f in both(cube):
        x0 = _leaf([1.0, 2.0])
        x = x0 * 1.0
        out = f(x)
        with tg.no_grad():
            x.mul_(2.0)
        with pytest.raises(RuntimeError) as err:
            out.backward()
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert "modified by an inplace operation" in messages[0]


def test_modifying_a_saved_output_in_place_raises():
    c = tg.compile(exp_all)
    x = _leaf([1.0, 2.0])
    out = c(x)
    with tg.no_grad():
        out.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


# -- create_graph ------------------------------------------------------------------------------------

def test_create_graph_makes_gradients_differentiable():
    results = []
    for f in both(cube):
        x = _leaf([1.0, -2.0, 0.5])
        g, = tg.autograd.grad(f(x), x, create_graph=True)
        assert g.requires_grad and g.grad_fn is not None
        g2, = tg.autograd.grad(g.sum(), x)
        results.append((g.detach().numpy(), g2.numpy()))
    (eg, eg2), (cg, cg2) = results
    np.testing.assert_allclose(cg, eg)
    np.testing.assert_allclose(cg2, eg2)
    np.testing.assert_allclose(eg2, 6 * np.array([1.0, -2.0, 0.5]))


def test_create_graph_through_a_non_leaf_input_and_two_outputs():
    results = []
    for f in both(pair):
        a = _leaf([0.3, -0.7])
        b = _leaf([1.2, 0.4])
        x = a * b                     # non-leaf input
        s, e = f(x, b)
        total = s + (e * e).sum()
        ga, gb = tg.autograd.grad(total, (a, b), create_graph=True)
        h = tg.autograd.grad((ga * ga).sum() + gb.sum(), (a, b))
        results.append([t.detach().numpy() for t in (ga, gb) + h])
    for e, c in zip(*results):
        np.testing.assert_allclose(c, e, rtol=1e-12)


# -- hooks ----------------------------------------------------------------------------------------

def test_hooks_on_inputs_and_outputs_see_and_change_the_gradients():
    records = []
    for f in both(pair):
        seen = []
        x, y = _leaf([1.0, 2.0]), _leaf([3.0, -1.0])
        x.register_hook(lambda g: seen.append(("x", g.numpy().copy())))
        y.register_hook(lambda g: g * 10)
        s, e = f(x, y)
        e.register_hook(lambda g: seen.append(("e", g.numpy().copy())) or g * 2)
        e.retain_grad()
        (s + e.sum()).backward()
        records.append((seen, x.grad.numpy(), y.grad.numpy(), e.grad.numpy()))
    (es, ex, ey, ee), (cs, cx, cy, ce) = records
    assert [k for k, _ in es] == [k for k, _ in cs] == ["e", "x"]
    for (_, a), (_, b) in zip(es, cs):
        np.testing.assert_allclose(b, a)
    np.testing.assert_allclose(cx, ex)
    np.testing.assert_allclose(cy, ey)
    np.testing.assert_allclose(ce, ee)
    np.testing.assert_allclose(ey, 10 * np.array([1.0, 2.0]))


# -- grad modes ---------------------------------------------------------------------------------

def test_no_grad_runs_the_primal_and_records_nothing():
    for f in both(loss):
        x, w = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
        with tg.no_grad():
            out = f(x, w)
        assert not out.requires_grad and out.grad_fn is None
        assert out.item() == pytest.approx(((np.array([1.0, 2]) * [3, 4] + 1) ** 2).sum())
    c = tg.compile(loss)
    with tg.no_grad():
        c(_leaf([1.0]), _leaf([2.0]))
    assert all(not entry.live for entry in c._entries.values())


def test_inputs_not_requiring_grad_get_no_adjoint_work():
    c = tg.compile(loss)
    x, w = _leaf([1.0, 2.0]), _leaf([3.0, 4.0], requires_grad=False)
    out = c(x, w)
    out.backward()
    assert w.grad is None and x.grad is not None
    (n0, _), (n1, _) = out.grad_fn.next_functions
    assert type(n0).__name__ == "AccumulateGrad" and n1 is None
    assert "cotangents of x." in c.source and "bw" not in c.source.split("def loss_backward")[1]
    c(_leaf([1.0, 2.0], requires_grad=False), _leaf([3.0, 4.0]))
    assert len({entry.live for entry in c._entries.values()}) == 2   # one per pattern


def test_no_tensor_requiring_grad_gives_plain_tensors():
    for f in both(loss):
        out = f(_leaf([1.0], False), _leaf([2.0], False))
        assert isinstance(out, tg.Tensor) and not out.requires_grad and out.grad_fn is None


def test_calling_on_arrays_runs_the_primal():
    c = tg.compile(pair)
    s, e = c(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    assert isinstance(e, np.ndarray) and not isinstance(s, tg.Tensor)
    assert s == pytest.approx(11.0)
    np.testing.assert_allclose(e, 2 * np.exp([1.0, 2.0]))
    assert tg.compile(cube)(2.0) == pytest.approx(8.0)


# -- outputs -----------------------------------------------------------------------------------------

def test_non_floating_outputs_have_no_grad_fn():
    for f in both(with_mask):
        x = _leaf([1.0, -2.0])
        s, mask = f(x)
        assert s.requires_grad and s.grad_fn is not None
        assert mask.dtype == tg.bool and not mask.requires_grad and mask.grad_fn is None
        assert mask.tolist() == [True, False]


def test_several_outputs_share_the_node_with_their_output_index():
    c = tg.compile(pair)
    x, y = _leaf([1.0, 2.0]), _leaf([0.5, 0.25])
    s, e = c(x, y)
    assert s.grad_fn is e.grad_fn and type(s.grad_fn).__name__ == "PairBackward"
    assert (s._nr, e._nr) == (0, 1)
    results = []
    for f in both(pair):
        for which in (0, 1, None):
            x, y = _leaf([1.0, 2.0]), _leaf([0.5, 0.25])
            s, e = f(x, y)
            if which == 0:
                s.backward()           # only the first output: the second's cotangent is zero
            elif which == 1:
                e.backward(tg.tensor([1.0, -1.0], dtype=tg.float64))
            else:
                tg.autograd.backward([s, e], [tg.tensor(2.0, dtype=tg.float64),
                                              tg.tensor([1.0, 3.0], dtype=tg.float64)])
            results.append((f is pair, which, x.grad.numpy(), None if y.grad is None
                            else y.grad.numpy()))
    eager = [r for r in results if r[0]]
    compiled = [r for r in results if not r[0]]
    for (_, w, ex, ey), (_, _, cx, cy) in zip(eager, compiled):
        np.testing.assert_allclose(cx, ex, err_msg=f"output {w}")
        assert (ey is None) == (cy is None)
        if ey is not None:
            np.testing.assert_allclose(cy, ey)


def test_an_output_no_differentiated_input_reaches_does_not_require_grad():
    def f(x, y):
        return (x * 2).sum(), y * 3
    for g in both(f):
        a, b = g(_leaf([1.0]), _leaf([2.0], requires_grad=False))
        assert a.requires_grad and not b.requires_grad and b.grad_fn is None


def test_an_input_the_output_ignores_gets_no_gradient():
    for f in both(ignores_second):
        x, y = _leaf([1.0, 2.0]), _leaf([3.0])
        out = f(x, y)
        out.backward()
        assert y.grad is None
        np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


# -- arguments ----------------------------------------------------------------------------------------

def test_keyword_arguments_and_defaults():
    results = []
    for f in both(keywords):
        grads = []
        for call in (lambda x, y: f(x, y), lambda x, y: f(x, y=y, scale=3.0),
                     lambda x, y: f(y=y, x=x, offset=1.5), lambda x, y: f(x, y, 0.5, offset=0.0)):
            x, y = _leaf([1.0, 2.0]), _leaf([0.5, -0.5])
            out = call(x, y)
            out.backward()
            grads.append((out.item(), x.grad.numpy(), y.grad.numpy()))
        results.append(grads)
    for (ev, ex, ey), (cv, cx, cy) in zip(*results):
        assert cv == pytest.approx(ev)
        np.testing.assert_allclose(cx, ex)
        np.testing.assert_allclose(cy, ey)


def test_keyword_tensor_argument_requiring_grad():
    results = []
    for f in both(keywords):
        x, y = _leaf([1.0, 2.0], requires_grad=False), _leaf([0.5, -0.5])
        f(x, y=y).backward()
        results.append(y.grad.numpy())
    np.testing.assert_allclose(results[1], results[0])


def test_tensors_mixed_with_arrays_and_floats():
    results = []
    for f in both(mixed):
        x = _leaf([1.0, 2.0, 3.0])
        a = np.array([0.5, -1.0, 2.0])
        out = f(x, a, 0.25)
        out.backward()
        results.append((out.item(), x.grad.numpy()))
        if f is not mixed:
            assert len(out.grad_fn.next_functions) == 1     # one edge per Tensor argument
    (ev, eg), (cv, cg) = results
    assert cv == pytest.approx(ev)
    np.testing.assert_allclose(cg, eg)


def test_tensors_inside_a_list_argument():
    def f(xs, w):
        return (xs[0] * w + xs[1]).pow(2).sum()
    results = []
    for g in both(f):
        a, b, w = _leaf([1.0, 2.0]), _leaf([0.5, 0.5]), _leaf([3.0, -1.0])
        g([a, b], w).backward()
        results.append([t.grad.numpy() for t in (a, b, w)])
    for e, c in zip(*results):
        np.testing.assert_allclose(c, e)


def test_float32_inputs_get_float32_gradients():
    results = []
    for f in both(loss):
        x = _leaf([1.0, 2.0], dtype=np.float32)
        w = _leaf([0.5, 0.25], dtype=np.float32)
        out = f(x, w)
        out.backward()
        assert out.dtype == tg.float32 and x.grad.dtype == tg.float32
        results.append(x.grad.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6)


# -- compositions --------------------------------------------------------------------------------------

def test_compiled_functions_calling_compiled_functions():
    results = []
    outer_compiled = tg.compile(outer)
    for f in (outer, outer_compiled):
        x, w = _leaf([0.1, 0.2]), _leaf([1.5, -0.5])
        out = f(x, w)
        out.backward()
        results.append((out.item(), x.grad.numpy(), w.grad.numpy(), out.grad_fn))
    (ev, ex, ew, enode), (cv, cx, cw, cnode) = results
    assert type(cnode).__name__ == "OuterBackward"        # one node: the inner call is inlined
    assert type(enode).__name__ == "AddBackward0"
    assert cv == pytest.approx(ev)
    np.testing.assert_allclose(cx, ex)
    np.testing.assert_allclose(cw, ew)
    assert "inner_compiled_forward" in outer_compiled.source


def test_compiled_outputs_flow_into_eager_ops_and_back():
    c_loss, c_exp = tg.compile(loss), tg.compile(exp_all)

    def pipeline(first, second, x, w):
        h = first(x)                  # compiled or eager
        k = (h * 2).sin()             # eager ops on its output
        return second(k, w) + h.sum()
    results = []
    for first, second in ((exp_all, loss), (c_exp, c_loss)):
        x, w = _leaf([0.1, -0.4, 0.3]), _leaf([1.0, 0.5, -2.0])
        out = pipeline(first, second, x, w)
        out.backward()
        results.append((out.item(), x.grad.numpy(), w.grad.numpy()))
    for e, c in zip(*results):
        np.testing.assert_allclose(c, e, rtol=1e-13)


# -- differences that follow from compiling ahead of time -------------------------------------------

def test_requires_grad_is_decided_per_specialisation_not_per_branch_taken():
    """Eagerly, the output of the branch that does not read x does not require grad; compiled,
    whether an output requires grad is decided once for the code, so it does, with a zero
    gradient for x (documented in docs/compile.md)."""
    x, y = _leaf([-1.0, -2.0]), _leaf([1.0, 2.0], requires_grad=False)
    assert not per_branch(x, y).requires_grad
    out = tg.compile(per_branch)(x, y)
    assert out.requires_grad
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


# -- errors --------------------------------------------------------------------------------------------

def test_compile_rejects_what_is_not_a_function():
    with pytest.raises(tg.TransgradError, match="needs a Python function"):
        tg.compile(np.sin)
    with pytest.raises(tg.TransgradError, match="needs a Python function"):
        tg.compile(3)


def test_unsupported_syntax_is_reported_at_the_first_call():
    def f(x):
        try:
            return x.sum()
        except ValueError:
            return x
    c = tg.compile(f)
    with pytest.raises(tg.TransformError, match="try"):
        c(_leaf([1.0]))


def test_compile_twice_and_decorator_forms():
    assert tg.compile(tg.compile(loss)).fn is loss
    assert tg.compile()(loss).fn is loss
    import builtins
    assert builtins.compile is not tg.compile and tg.compile.__module__ == "transgrad.compiler.compiled"


# -- inspection ------------------------------------------------------------------------------------------

def test_source_of_a_compiled_function():
    c = tg.compile(loss)
    generic = c.source
    assert "def loss_forward(x, w):" in generic and "def loss_backward(" in generic
    assert "cotangents of x, w." in generic
    only_w = tg.source(c, argnums=1)
    assert "cotangents of w." in only_w
    c(_leaf([1.0, 2.0]), _leaf([1.0, 1.0], requires_grad=False))
    assert "cotangents of x." in c.source and tg.source(c) == c.source
    with pytest.raises(tg.TransgradError, match="mode="):
        tg.source(c, mode="sideways")
    ns = {}
    exec(compile(generic, "<pasted>", "exec"), ns)     # self-contained: pasted, it runs
    out, tape = ns["loss_forward"](np.array([1.0, 2.0]), np.array([0.5, 0.5]))
    gx, gw = ns["loss_backward"](tape, 1.0)
    np.testing.assert_allclose(gx, 2 * (np.array([1.0, 2.0]) * 0.5 + 1) * 0.5)


def test_forward_mode_source_is_reported_cleanly_until_it_exists():
    c = tg.compile(loss)
    try:
        text = tg.source(c, mode="forward")
    except tg.TransgradError as err:
        assert "forward" in str(err) or "reverse" in str(err)
    else:
        assert "def " in text


def test_tg_grad_and_vjp_of_a_compiled_function_transform_its_function():
    c = tg.compile(cube)
    np.testing.assert_allclose(tg.grad(c)(np.array([1.0, 2.0])), [3.0, 12.0])
    out, vjp_fn = tg.vjp(tg.compile(loss), np.array([1.0, 2.0]), np.array([0.5, 0.5]))
    gx, gw = vjp_fn(1.0)
    np.testing.assert_allclose(gx, 2 * (np.array([1.0, 2.0]) * 0.5 + 1) * 0.5)
    np.testing.assert_allclose(gw, 2 * (np.array([1.0, 2.0]) * 0.5 + 1) * [1.0, 2.0])


SCOPE_WEIGHT = tg.from_numpy(np.array([1.0, -2.0])).requires_grad_()


def reads_a_scope_tensor(x):
    return (x * SCOPE_WEIGHT).sum()


def test_a_tensor_requiring_grad_read_from_the_scope_is_refused():
    """Eagerly its gradient would flow; generated code cannot send it one: say so."""
    with pytest.raises(tg.TransgradError, match="Pass that Tensor as an argument"):
        tg.compile(reads_a_scope_tensor)(_leaf([1.0, 2.0]))
