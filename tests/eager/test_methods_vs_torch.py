"""Tensor methods PyTorch users call, run through PyTorch and transgrad on the same float64
inputs: values, gradients and grad_fn names agree (a port must not change a number silently).
Methods transgrad cannot match yet raise a transgrad error instead of answering differently."""
import numpy as np
import pytest

import transgrad as tg
from transgrad.errors import NotSupportedError, TransgradError

torch = pytest.importorskip("torch")


def _inputs(shapes, positive):
    rng = np.random.default_rng(7)
    arrays = []
    for shape in shapes:
        a = rng.permutation(np.linspace(-1.7, 1.9, int(np.prod(shape)))).reshape(shape)
        arrays.append(np.abs(a) + 0.5 if positive else a)
    return arrays


def _leaves(lib, arrays):
    if lib is torch:
        return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    return [tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in arrays]


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def _name(t):
    f = getattr(t, "grad_fn", None)
    return None if f is None else type(f).__name__


# (id, input shapes, program(lib, *inputs), positive inputs?)
CASES = [
    # variance and standard deviation: unbiased by default
    ("var", [(3, 4)], lambda lib, x: x.var(), False),
    ("var_dim", [(3, 4)], lambda lib, x: x.var(1), False),
    ("var_dim_kw_keepdim", [(3, 4)], lambda lib, x: x.var(dim=0, keepdim=True), False),
    ("var_unbiased_false", [(3, 4)], lambda lib, x: x.var(unbiased=False), False),
    ("var_positional_bool", [(3, 4)], lambda lib, x: x.var(False), False),
    ("var_dim_unbiased", [(3, 4)], lambda lib, x: x.var(1, False, True), False),
    ("var_correction0", [(3, 4)], lambda lib, x: x.var(dim=1, correction=0), False),
    ("var_correction2", [(3, 4)], lambda lib, x: x.var(correction=2), False),
    ("var_dims_list", [(2, 3, 4)], lambda lib, x: x.var([0, 2]), False),
    ("var_axis_alias", [(3, 4)], lambda lib, x: x.var(axis=0), False),
    ("std", [(3, 4)], lambda lib, x: x.std(), False),
    ("std_dim", [(3, 4)], lambda lib, x: x.std(dim=1, keepdim=True), False),
    ("std_correction0", [(3, 4)], lambda lib, x: x.std(0, correction=0), False),
    ("tg_var", [(3, 4)], lambda lib, x: lib.var(x), False),
    ("tg_var_dim", [(3, 4)], lambda lib, x: lib.var(x, 1, keepdim=True), False),
    ("tg_std_unbiased_false", [(3, 4)], lambda lib, x: lib.std(x, 0, False), False),
    # norms: p first
    ("norm", [(3, 4)], lambda lib, x: x.norm(), False),
    ("norm_p2", [(3, 4)], lambda lib, x: x.norm(2), False),
    ("norm_fro", [(3, 4)], lambda lib, x: x.norm("fro"), False),
    ("norm_p_dim", [(3, 4)], lambda lib, x: x.norm(p=2, dim=1), False),
    ("norm_positional", [(3, 4)], lambda lib, x: x.norm(2, 0, True), False),
    ("norm_dim_only", [(3, 4)], lambda lib, x: x.norm(dim=1), False),
    ("norm_dims_list", [(2, 3, 4)], lambda lib, x: x.norm(2, [0, 2]), False),
    ("tg_norm", [(3, 4)], lambda lib, x: lib.norm(x, 2, 1), False),
    # argmax / argmin
    ("argmax", [(3, 4)], lambda lib, x: x.argmax(), False),
    ("argmax_dim", [(3, 4)], lambda lib, x: x.argmax(dim=1), False),
    ("argmax_keepdim", [(3, 4)], lambda lib, x: x.argmax(0, keepdim=True), False),
    ("argmin_dim", [(3, 4)], lambda lib, x: x.argmin(1), False),
    ("argmin_keepdim_all", [(3, 4)], lambda lib, x: x.argmin(keepdim=True), False),
    ("tg_argmax", [(3, 4)], lambda lib, x: lib.argmax(x, dim=0), False),
    # repeat / tile
    ("repeat", [(3, 4)], lambda lib, x: x.repeat(2, 1), False),
    ("repeat_more_dims", [(3, 4)], lambda lib, x: x.repeat(2, 1, 3), False),
    ("repeat_tuple", [(3,)], lambda lib, x: x.repeat((2, 2)), False),
    ("tile_fewer_dims", [(3, 4)], lambda lib, x: x.tile((2,)), False),
    ("tg_tile", [(2, 3)], lambda lib, x: lib.tile(x, (2, 1, 2)), False),
    # max / min
    ("max", [(3, 4)], lambda lib, x: x.max(), False),
    ("max_dim", [(3, 4)], lambda lib, x: x.max(1), False),
    ("max_dim_keepdim", [(3, 4)], lambda lib, x: x.max(dim=0, keepdim=True), False),
    ("max_values", [(3, 4)], lambda lib, x: x.max(1).values, False),
    ("min_dim_index", [(3, 4)], lambda lib, x: x.min(0)[0], False),
    ("max_other", [(3, 4), (3, 4)], lambda lib, x, y: x.max(y), False),
    ("amax", [(3, 4)], lambda lib, x: x.amax(1), False),
    ("amin_keepdim", [(3, 4)], lambda lib, x: x.amin(dim=0, keepdim=True), False),
    # sum / mean / prod
    ("sum", [(3, 4)], lambda lib, x: x.sum(), False),
    ("sum_dim", [(3, 4)], lambda lib, x: x.sum(1), False),
    ("sum_dims_tuple", [(2, 3, 4)], lambda lib, x: x.sum(dim=(0, 2)), False),
    ("sum_dims_list", [(2, 3, 4)], lambda lib, x: x.sum([0, 1]), False),
    ("sum_keepdim", [(3, 4)], lambda lib, x: x.sum(0, keepdim=True), False),
    ("sum_axis_alias", [(3, 4)], lambda lib, x: x.sum(axis=1, keepdims=True), False),
    ("mean", [(3, 4)], lambda lib, x: x.mean(), False),
    ("mean_dim", [(3, 4)], lambda lib, x: x.mean(dim=1, keepdim=True), False),
    ("prod", [(3, 4)], lambda lib, x: x.prod(), False),
    ("prod_dim", [(3, 4)], lambda lib, x: x.prod(1), False),
    ("prod_keepdim", [(3, 4)], lambda lib, x: x.prod(0, keepdim=True), False),
    ("logsumexp", [(3, 4)], lambda lib, x: x.logsumexp(1), False),
    ("cumsum", [(3, 4)], lambda lib, x: x.cumsum(1), False),
    ("cumsum_kw", [(3, 4)], lambda lib, x: x.cumsum(dim=0), False),
    # shapes
    ("squeeze_noop", [(3, 4)], lambda lib, x: x.squeeze(0), False),
    ("squeeze_dim", [(3, 1, 4)], lambda lib, x: x.squeeze(1), False),
    ("squeeze_all", [(3, 1, 4)], lambda lib, x: x.squeeze(), False),
    ("squeeze_tuple", [(1, 3, 1)], lambda lib, x: x.squeeze((0, 1)), False),
    ("unsqueeze", [(3, 4)], lambda lib, x: x.unsqueeze(-1), False),
    ("flatten", [(2, 3, 4)], lambda lib, x: x.flatten(), False),
    ("flatten_start", [(2, 3, 4)], lambda lib, x: x.flatten(1), False),
    ("flatten_range", [(2, 3, 4)], lambda lib, x: x.flatten(0, 1), False),
    ("transpose", [(2, 3, 4)], lambda lib, x: x.transpose(0, 2), False),
    ("transpose_neg", [(3, 4)], lambda lib, x: x.transpose(-1, -2), False),
    ("t", [(3, 4)], lambda lib, x: x.t(), False),
    ("T", [(3, 4)], lambda lib, x: x.T, False),
    ("mT", [(2, 3, 4)], lambda lib, x: x.mT, False),
    ("permute", [(2, 3, 4)], lambda lib, x: x.permute(2, 0, 1), False),
    ("permute_tuple", [(2, 3, 4)], lambda lib, x: x.permute((1, 2, 0)), False),
    ("expand", [(3, 1)], lambda lib, x: x.expand(-1, 4), False),
    ("expand_new_dims", [(3, 1)], lambda lib, x: x.expand(2, 3, 4), False),
    ("view", [(3, 4)], lambda lib, x: x.view(-1), False),
    ("view_shape", [(3, 4)], lambda lib, x: x.view(2, -1), False),
    ("reshape", [(3, 4)], lambda lib, x: x.reshape(4, 3), False),
    ("split_int", [(5, 4)], lambda lib, x: x.split(2), False),
    ("split_list", [(3, 4)], lambda lib, x: x.split([1, 3], dim=1), False),
    ("split_dim", [(3, 4)], lambda lib, x: x.split(3, 1), False),
    ("chunk", [(5, 4)], lambda lib, x: x.chunk(2), False),
    ("chunk_dim", [(3, 4)], lambda lib, x: x.chunk(4, dim=1), False),
    ("narrow", [(3, 4)], lambda lib, x: x.narrow(1, 1, 2), False),
    ("flip", [(3, 4)], lambda lib, x: x.flip(0), False),
    ("index", [(3, 4)], lambda lib, x: x[1:, ::2], False),
    ("clone", [(3, 4)], lambda lib, x: x.clone(), False),
    # elementwise
    ("clamp_min_kw", [(3, 4)], lambda lib, x: x.clamp(min=0), False),
    ("clamp_max_kw", [(3, 4)], lambda lib, x: x.clamp(max=0.5), False),
    ("clamp_both", [(3, 4)], lambda lib, x: x.clamp(-0.5, 0.5), False),
    ("clamp_min", [(3, 4)], lambda lib, x: x.clamp_min(0.2), False),
    ("clamp_max", [(3, 4)], lambda lib, x: x.clamp_max(0.2), False),
    ("pow", [(3, 4)], lambda lib, x: x.pow(2), False),
    ("pow_fraction", [(3, 4)], lambda lib, x: x.pow(0.5), True),
    ("pow_tensor", [(3, 4), (3, 4)], lambda lib, x, y: x.pow(y), True),
    ("rpow", [(3, 4)], lambda lib, x: 2 ** x, False),
    ("sqrt", [(3, 4)], lambda lib, x: x.sqrt(), True),
    ("abs", [(3, 4)], lambda lib, x: x.abs(), False),
    ("exp", [(3, 4)], lambda lib, x: x.exp(), False),
    ("log", [(3, 4)], lambda lib, x: x.log(), True),
    ("tanh", [(3, 4)], lambda lib, x: x.tanh(), False),
    ("sigmoid", [(3, 4)], lambda lib, x: x.sigmoid(), False),
    ("relu", [(3, 4)], lambda lib, x: x.relu(), False),
    ("neg", [(3, 4)], lambda lib, x: x.neg(), False),
    ("square", [(3, 4)], lambda lib, x: x.square(), False),
    ("reciprocal", [(3, 4)], lambda lib, x: x.reciprocal(), True),
    ("add_alpha", [(3, 4), (3, 4)], lambda lib, x, y: x.add(y, alpha=2), False),
    ("mul", [(3, 4), (4,)], lambda lib, x, y: x.mul(y), False),
    ("div", [(3, 4), (3, 4)], lambda lib, x, y: x.div(y), True),
    ("sub", [(3, 4), (3, 4)], lambda lib, x, y: x.sub(y), False),
    ("maximum", [(3, 4), (3, 4)], lambda lib, x, y: x.maximum(y), False),
    ("where", [(3, 4)], lambda lib, x: x.where(x > 0, 0.0), False),
    ("masked_fill", [(3, 4)], lambda lib, x: x.masked_fill(x > 0.3, 0.0), False),
    ("masked_fill_broadcast", [(3, 4)],
     lambda lib, x: x.masked_fill(lib.tensor([True, False, True, False]), -1.0), False),
    # products and softmax
    ("matmul", [(3, 4), (4, 2)], lambda lib, x, y: x.matmul(y), False),
    ("mm", [(3, 4), (4, 2)], lambda lib, x, y: x.mm(y), False),
    ("matmul_op", [(2, 3, 4), (4, 2)], lambda lib, x, y: x @ y, False),
    ("mv", [(3, 4), (4,)], lambda lib, x, y: x.mv(y), False),
    ("dot", [(4,), (4,)], lambda lib, x, y: x.dot(y), False),
    ("softmax", [(3, 4)], lambda lib, x: x.softmax(1), False),
    ("softmax_kw", [(3, 4)], lambda lib, x: x.softmax(dim=0), False),
    ("log_softmax", [(3, 4)], lambda lib, x: x.log_softmax(-1), False),
    # sizes
    ("size", [(3, 4)], lambda lib, x: (tuple(x.size()), x.size(1), x.size(-2), x.dim(), x.numel()),
     False),
]


def _run(lib, shapes, program, positive):
    leaves = _leaves(lib, _inputs(shapes, positive))
    out = program(lib, *leaves)
    flat = _flat(out)
    values = [t.detach().numpy().copy() if hasattr(t, "detach") else t for t in flat]
    names = [_name(t) for t in flat]
    total = None
    for k, t in enumerate(flat):
        if getattr(t, "requires_grad", False):
            weight = np.linspace(0.5, 1.5, max(t.numel(), 1)).reshape(tuple(t.shape))
            term = (t * lib.tensor(weight, dtype=lib.float64)).sum() * (k + 1)
            total = term if total is None else total + term
    grads = []
    if total is not None:
        total.backward()
        grads = [None if x.grad is None else x.grad.numpy().copy() for x in leaves]
    return values, names, grads, type(out).__name__


@pytest.mark.parametrize("case_id, shapes, program, positive", CASES, ids=[c[0] for c in CASES])
def test_method_matches_torch(case_id, shapes, program, positive):
    t_values, t_names, t_grads, t_kind = _run(torch, shapes, program, positive)
    g_values, g_names, g_grads, g_kind = _run(tg, shapes, program, positive)
    assert len(g_values) == len(t_values)
    for g, t in zip(g_values, t_values):
        if isinstance(t, np.ndarray):
            assert g.shape == t.shape
            assert g.dtype.kind == t.dtype.kind
            np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-12)
        else:
            assert g == t
    assert g_names == t_names
    assert len(g_grads) == len(t_grads)
    for g, t in zip(g_grads, t_grads):
        assert (g is None) == (t is None)
        if t is not None:
            np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-12)
    if t_kind in ("tuple", "list"):
        assert g_kind == "tuple"


def test_numpy_var_on_a_tensor_keeps_numpy_ddof():
    x = tg.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]], dtype=tg.float64, requires_grad=True)
    a = x.detach().numpy()
    assert np.var(x).item() == pytest.approx(np.var(a))
    assert np.std(x, axis=1).detach().numpy() == pytest.approx(np.std(a, axis=1))
    assert x.var().item() == pytest.approx(np.var(a, ddof=1))
    assert tg.var(a) == pytest.approx(np.var(a, ddof=1))           # tg.var on arrays: torch's


@pytest.mark.parametrize("p", [1, 3, float("inf"), 0, "nuc"])
def test_norm_orders_without_a_primitive_raise(p):
    x = tg.tensor([[3.0, -4.0], [1.0, 2.0]], requires_grad=True)
    with pytest.raises(NotSupportedError, match="2-norm"):
        x.norm(p)
    with pytest.raises(NotSupportedError, match="2-norm"):
        tg.norm(x, p, 1)


def test_repeat_with_fewer_sizes_than_dims_raises_like_torch():
    for lib in (torch, tg):
        x = lib.ones(2, 3)
        with pytest.raises(RuntimeError, match="can not be smaller than number of dimensions"):
            x.repeat(2)


def test_var_with_unbiased_and_correction_raises():
    x = tg.ones(3, 4)
    with pytest.raises(TransgradError):
        x.var(unbiased=False, correction=0)
    with pytest.raises(TypeError):
        torch.ones(3, 4).var(unbiased=False, correction=0)


def test_split_sizes_must_cover_the_dim():
    with pytest.raises(RuntimeError, match="split_with_sizes expects split_sizes to sum exactly"):
        tg.ones(3, 4).split([1, 1])
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0"):
        tg.ones(3, 4).chunk(0)


def test_masked_fill_needs_a_boolean_mask():
    with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
        tg.ones(2, 2).masked_fill(tg.ones(2, 2), 0.0)


def test_split_pieces_are_views_of_one_node():
    x = tg.tensor(np.arange(10.0).reshape(5, 2), requires_grad=True)
    a, b, c = x.split(2)
    assert a.grad_fn is b.grad_fn is c.grad_fn
    assert [p.output_nr for p in (a, b, c)] == [0, 1, 2]
    (a.sum() + 3 * c.sum()).backward()
    assert x.grad.tolist() == [[1, 1], [1, 1], [0, 0], [0, 0], [3, 3]]


def _tensor_style_loss(x):
    return x.var() + x.transpose(0, 1).std(dim=0).sum() + x.norm(2) + x.repeat(2, 1).max(1).values.sum()


def test_grad_of_a_compiled_function_reads_methods_as_torch():
    x = np.linspace(-1.0, 2.0, 12).reshape(3, 4) ** 2
    g = tg.grad(tg.compile(_tensor_style_loss))(x)
    xt = torch.tensor(x, requires_grad=True)
    _tensor_style_loss(xt).backward()
    np.testing.assert_allclose(g, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    value, g2 = tg.value_and_grad(tg.compile(_tensor_style_loss))(x)
    assert value == pytest.approx(_tensor_style_loss(xt).item())
    np.testing.assert_allclose(g2, g)
    # the plain function is NumPy code: the ambiguous transpose is refused, not guessed
    with pytest.raises(tg.TransformError, match="ambiguous"):
        tg.grad(_tensor_style_loss)(x)


@pytest.mark.parametrize("args,kwargs", [((), {}), ((2,), {}), ((2, 1), {}), ((2.0, 0, True), {}),
                                         ((), {"dim": (0, 1)}), ((), {"dim": 1, "keepdim": True})])
def test_vector_norm_takes_ord_first_like_torch(args, kwargs):
    """tg.vector_norm(x, 2, 1) is torch.linalg.vector_norm's (ord, dim): the 2 is never read
    as an axis, eagerly, on arrays, or in compiled code."""
    a = np.array([[3.0, -4.0, 1.0], [1.0, 2.0, -2.0]])
    t = torch.tensor(a, requires_grad=True)
    expected = torch.linalg.vector_norm(t, *args, **kwargs)
    expected.sum().backward()
    x = tg.tensor(a, dtype=tg.float64, requires_grad=True)
    got = tg.vector_norm(x, *args, **kwargs)
    got.sum().backward()
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(tg.vector_norm(a, *args, **kwargs), expected.detach().numpy(), rtol=1e-12)
    if not args and not kwargs:
        compiled = tg.grad(_vector_norm_default)(a)
    elif args == (2, 1):
        compiled = tg.grad(_vector_norm_ord_dim)(a)
    else:
        return
    np.testing.assert_allclose(compiled, t.grad.numpy(), rtol=1e-12)


def _vector_norm_default(x):
    return tg.vector_norm(x)


def _vector_norm_ord_dim(x):
    return np.sum(tg.vector_norm(x, 2, 1))


def _vector_norm_ord_1(x):
    return tg.vector_norm(x, 1)


def test_vector_norm_orders_without_a_primitive_raise():
    with pytest.raises(NotSupportedError, match="2-norm"):
        tg.vector_norm(tg.tensor([3.0, -4.0]), 1)
    with pytest.raises(tg.TransformError, match="2-norm") as info:
        tg.grad(_vector_norm_ord_1)(np.array([3.0, -4.0]))
    assert "test_methods_vs_torch.py" in str(info.value)
