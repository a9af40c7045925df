"""The rules against PyTorch as an oracle: values and gradients at ties, kinks, zeros and domain
edges (where finite differences say nothing), and the `grad_fn` names of the backward nodes."""
import numpy as np
import pytest

from transgrad import registry

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _ours(name, inputs, statics, wrt):
    prim = registry.get(name)
    st = tuple(statics.get(s, prim.statics[s]) for s in prim.static_names)
    with np.errstate(all="ignore"):
        out = prim.run(*inputs, *st)
        args = prim.rule_args(out, inputs, st)
        seed = np.arange(1.0, np.size(out) + 1).reshape(np.shape(out)) if np.ndim(out) else 1.0
        grads = [prim.vjps[i].fn(seed, *args) for i in wrt]
    return out, grads, seed


def _theirs(fn, inputs, wrt, seed):
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=i in wrt)
          if isinstance(v, (np.ndarray, float)) and i in wrt or (isinstance(v, np.ndarray) and v.dtype == np.float64)
          else (torch.tensor(v) if isinstance(v, np.ndarray) else v) for i, v in enumerate(inputs)]
    y = fn(*ts)
    y.backward(torch.as_tensor(seed, dtype=torch.float64))
    return y.detach().numpy(), [ts[i].grad.numpy() for i in wrt]


A = np.array
CASES = [
    # name, inputs, statics, torch function, differentiated inputs
    ("maximum", [A([1.0, 2.0, 3.0]), A([1.0, 1.0, 4.0])], {}, torch.maximum, (0, 1)),
    ("minimum", [A([1.0, 2.0, 3.0]), A([1.0, 1.0, 4.0])], {}, torch.minimum, (0, 1)),
    ("abs", [A([0.0, 1.5, -2.0])], {}, torch.abs, (0,)),
    ("relu", [A([0.0, 1.5, -2.0])], {}, torch.relu, (0,)),
    ("clip", [A([-1.0, 1.0, 0.0, 2.0, -2.0])], {"a_min": -1.0, "a_max": 1.0}, lambda x: x.clamp(-1, 1), (0,)),
    ("clip", [A([0.0, 1.0, -1.0])], {"a_min": 0.0}, lambda x: x.clamp(min=0), (0,)),
    ("sqrt", [A([0.0, 1.0, 4.0])], {}, torch.sqrt, (0,)),
    ("log", [A([0.0, 0.5, 2.0])], {}, torch.log, (0,)),
    ("power", [A([0.0, -1.0, 0.0, 0.0, 2.0]), A([2.0, 2.0, 0.0, -1.0, 0.5])], {}, torch.pow, (0, 1)),
    ("power", [A([0.0, 1.0, -2.0]), 0.0], {}, lambda x, y: x ** y, (0,)),
    ("power", [0.0, A([1.0, 0.0, -1.0])], {}, lambda x, y: x ** y, (1,)),
    ("power", [2.0, A([1.0, 0.0, -1.0])], {}, lambda x, y: x ** y, (1,)),
    ("divide", [A([1.0, -2.0]), A([4.0, 0.5])], {}, torch.div, (0, 1)),
    ("sigmoid", [A([-800.0, 0.0, 3.0, 800.0])], {}, torch.sigmoid, (0,)),
    ("softplus", [A([-30.0, 0.0, 9.9, 10.1, 30.0])], {"beta": 2.0}, lambda x: F.softplus(x, beta=2.0), (0,)),
    ("max", [A([1.0, 3.0, 3.0])], {}, torch.max, (0,)),
    ("max", [A([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])], {"axis": 1}, lambda x: x.max(dim=1).values, (0,)),
    ("min", [A([[1.0, 3.0], [1.0, 2.0]])], {"axis": 0}, lambda x: x.min(dim=0).values, (0,)),
    ("min", [A([1.0, 1.0, 3.0])], {}, torch.min, (0,)),
    ("amax", [A([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])], {"axis": 1}, lambda x: x.amax(dim=1), (0,)),
    ("amax", [A([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])], {}, lambda x: x.amax(), (0,)),
    ("amin", [A([[1.0, 1.0, 3.0], [2.0, 0.0, 0.0]])], {"axis": 1, "keepdims": True},
     lambda x: x.amin(dim=1, keepdim=True), (0,)),
    ("prod", [A([0.0, 2.0, 3.0])], {}, torch.prod, (0,)),
    ("prod", [A([0.0, 0.0, 3.0])], {}, torch.prod, (0,)),
    ("prod", [A([[0.0, 2.0], [3.0, 4.0]])], {"axis": 0}, lambda x: x.prod(0), (0,)),
    ("std", [A([1.0, 1.0, 1.0])], {"ddof": 1}, torch.std, (0,)),
    ("std", [A([[1.0, 2.0], [3.0, 5.0]])], {"axis": 1, "ddof": 1}, lambda x: x.std(1), (0,)),
    ("var", [A([[1.0, 2.0], [3.0, 5.0]])], {"axis": 0, "ddof": 0}, lambda x: x.var(0, correction=0), (0,)),
    ("norm", [A([0.0, 0.0])], {}, torch.norm, (0,)),
    ("norm", [A([[3.0, 4.0], [0.0, 0.0]])], {"axis": 1}, lambda x: x.norm(dim=1), (0,)),
    ("logsumexp", [A([[1000.0, 1000.0], [-1000.0, 0.0]])], {"axis": 1}, lambda x: torch.logsumexp(x, 1), (0,)),
    ("cumsum", [A([[1.0, 2.0], [3.0, 4.0]])], {"axis": 1}, lambda x: x.cumsum(1), (0,)),
    ("softmax", [A([[1.0, 2.0, 3.0], [0.0, 0.0, 1000.0]])], {"axis": 1}, lambda x: F.softmax(x, 1), (0,)),
    ("log_softmax", [A([[1.0, 2.0, 3.0], [0.0, 0.0, 1000.0]])], {"axis": 1}, lambda x: F.log_softmax(x, 1), (0,)),
    ("binary_cross_entropy", [A([0.0, 1.0, 0.5, 0.2]), A([0.0, 1.0, 1.0, 0.3]), None], {"reduction": "sum"},
     lambda p, t, w: F.binary_cross_entropy(p, t, reduction="sum"), (0, 1)),
    ("binary_cross_entropy", [A([0.0, 1.0]), A([1.0, 0.0]), None], {"reduction": "mean"},
     lambda p, t, w: F.binary_cross_entropy(p, t), (0,)),
    ("binary_cross_entropy_with_logits",
     [A([[0.5, -1.0], [2.0, 40.0]]), A([[1.0, 0.0], [0.3, 1.0]]), A([2.0, 0.5]), A([1.5, 3.0])], {},
     lambda x, t, w, pw: F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw), (0, 1)),
    ("nll_loss", [A([[0.1, 0.2, 0.3, 0.4], [1.0, 2.0, 3.0, 4.0], [0.5, 0.5, 0.5, 0.5]]), A([0, -100, 3]),
                  A([1.0, 2.0, 3.0, 4.0])], {},
     lambda x, t, w: F.nll_loss(x, t, weight=w), (0,)),
    ("nll_loss", [np.linspace(-1, 1, 24).reshape(2, 3, 4), A([[0, 1, 2, 0], [2, 2, 1, 0]]), None],
     {"reduction": "sum"}, lambda x, t, w: F.nll_loss(x, t, reduction="sum"), (0,)),
    ("mse_loss", [A([[1.0, 2.0], [3.0, 4.0]]), A([0.5, 0.0])], {"reduction": "none"},
     lambda x, t: F.mse_loss(x, t.expand(2, 2), reduction="none"), (0,)),
    ("linear", [A([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), A([[1.0, -1.0], [0.5, 2.0]]), A([0.1, 0.2])], {},
     F.linear, (0, 1, 2)),
    ("getitem", [A([1.0, 2.0, 3.0, 4.0]), A([0, 2, 2])], {}, lambda x, i: x[i], (0,)),
    ("where", [A([True, False, True]), A([1.0, 2.0, 3.0]), A([4.0, 5.0, 6.0])], {}, torch.where, (1, 2)),
    ("logaddexp", [A([0.0, 1000.0]), A([0.0, -1000.0])], {}, torch.logaddexp, (0, 1)),
]


@pytest.mark.parametrize("name,inputs,statics,fn,wrt", CASES,
                         ids=[f"{c[0]}-{k}" for k, c in enumerate(CASES)])
def test_values_and_gradients_match_pytorch(name, inputs, statics, fn, wrt):
    out, grads, seed = _ours(name, inputs, statics, wrt)
    t_out, t_grads = _theirs(fn, inputs, wrt, seed)
    np.testing.assert_allclose(np.asarray(out, dtype=np.float64), t_out, rtol=1e-7, atol=1e-7)
    for i, g, tg in zip(wrt, grads, t_grads):
        np.testing.assert_allclose(np.asarray(g, dtype=np.float64), tg, rtol=1e-7, atol=1e-7,
                                   err_msg=f"d[{registry.get(name).inputs[i]}]")


X = np.arange(1.0, 13.0).reshape(3, 4)
V = np.arange(1.0, 5.0)
MASK = X > 6

NAMES = [
    # name, raw inputs, statics, the PyTorch expression on tensors x (3, 4), v (4,)
    ("add", [X, 2.0], {}, lambda x, v: x + 2),
    ("subtract", [X, 1.0], {}, lambda x, v: x - 1),
    ("subtract", [1.0, X], {}, lambda x, v: 1 - x),
    ("multiply", [X, 3.0], {}, lambda x, v: x * 3),
    ("divide", [X, 2.0], {}, lambda x, v: x / 2),
    ("divide", [2.0, X], {}, lambda x, v: 2 / x),
    ("negative", [X], {}, lambda x, v: -x),
    ("power", [X, 2.0], {}, lambda x, v: x ** 2),
    ("power", [X, X], {}, lambda x, v: x ** x),
    ("power", [2.0, X], {}, lambda x, v: 2 ** x),
    ("square", [X], {}, torch.square),
    ("remainder", [X, 2.0], {}, lambda x, v: x % 2),
    ("clip", [X], {"a_min": 0.0}, lambda x, v: x.clamp(min=0)),
    ("where", [MASK, X, 0.0], {}, lambda x, v: torch.where(x > 6, x, 0.0)),
    ("sum", [X], {}, lambda x, v: x.sum()),
    ("sum", [X], {"axis": 1}, lambda x, v: x.sum(dim=1)),
    ("mean", [X], {}, lambda x, v: x.mean()),
    ("mean", [X], {"axis": 0}, lambda x, v: x.mean(dim=0)),
    ("max", [X], {}, lambda x, v: x.max()),
    ("max", [X], {"axis": 1}, lambda x, v: x.max(dim=1).values),
    ("min", [X], {}, lambda x, v: x.min()),
    ("amax", [X], {"axis": 1}, lambda x, v: x.amax(1)),
    ("prod", [X], {}, lambda x, v: x.prod()),
    ("prod", [X], {"axis": 0}, lambda x, v: x.prod(0)),
    ("var", [X], {"ddof": 1}, lambda x, v: x.var()),
    ("std", [X], {"axis": 0, "ddof": 1}, lambda x, v: x.std(0)),
    ("logsumexp", [X], {"axis": 1}, lambda x, v: torch.logsumexp(x, 1)),
    ("norm", [X], {}, lambda x, v: x.norm()),
    ("cumsum", [X], {"axis": 0}, lambda x, v: x.cumsum(0)),
    ("matmul", [X, V], {}, lambda x, v: x @ v),
    ("matmul", [V, V], {}, lambda x, v: v @ v),
    ("matmul", [X, X.T], {}, lambda x, v: x @ x.T),
    ("matmul", [V, X.T], {}, lambda x, v: v @ x.T),
    ("matmul", [np.stack([X, X]), X.T], {}, lambda x, v: torch.stack([x, x]) @ x.T),
    ("dot", [V, V], {}, lambda x, v: torch.dot(v, v)),
    ("outer", [V, V], {}, lambda x, v: torch.outer(v, v)),
    ("tensordot", [X, X], {"axes": ([0], [0])}, lambda x, v: torch.tensordot(x, x, dims=([0], [0]))),
    ("reshape", [X], {"shape": (12,)}, lambda x, v: x.reshape(12)),
    ("reshape", [X.T], {"shape": (12,)}, lambda x, v: x.t().reshape(12)),
    ("ravel", [X], {}, lambda x, v: x.flatten()),
    ("permute", [X], {}, lambda x, v: x.T),
    ("permute", [X], {"axes": (1, 0)}, lambda x, v: x.permute(1, 0)),
    ("t", [X], {}, lambda x, v: x.t()),
    ("swapaxes", [X], {"axis1": 0, "axis2": 1}, lambda x, v: x.transpose(0, 1)),
    ("moveaxis", [X], {"source": 0, "destination": 1}, lambda x, v: x.movedim(0, 1)),
    ("squeeze", [X[None]], {}, lambda x, v: x[None].squeeze()),
    ("squeeze", [X[None]], {"axis": 0}, lambda x, v: x[None].squeeze(0)),
    ("squeeze", [X[None, :, None]], {"axis": (0, 2)}, lambda x, v: x[None, :, None].squeeze((0, 2))),
    ("expand_dims", [X], {"axis": 0}, lambda x, v: x.unsqueeze(0)),
    ("broadcast_to", [X], {"shape": (2, 3, 4)}, lambda x, v: x.expand(2, 3, 4)),
    ("concatenate", [[X, X]], {}, lambda x, v: torch.cat([x, x])),
    ("stack", [[X, X]], {}, lambda x, v: torch.stack([x, x])),
    ("split", [X], {"indices_or_sections": 3}, lambda x, v: torch.chunk(x, 3)[0]),
    ("split", [X], {"indices_or_sections": [1]}, lambda x, v: torch.split(x, [1, 2])[0]),
    ("flip", [X], {"axis": 0}, lambda x, v: x.flip(0)),
    ("copy", [X], {}, lambda x, v: x.clone()),
    ("getitem", [X, 0], {}, lambda x, v: x[0]),
    ("getitem", [X, (slice(None), 1)], {}, lambda x, v: x[:, 1]),
    ("getitem", [X, (0, 1)], {}, lambda x, v: x[0, 1]),
    ("getitem", [X, slice(0, 2)], {}, lambda x, v: x[0:2]),
    ("getitem", [X, slice(None)], {}, lambda x, v: x[:]),
    ("getitem", [X, (1, slice(0, 2))], {}, lambda x, v: x[1, 0:2]),
    ("getitem", [X, (slice(0, 2), 1)], {}, lambda x, v: x[0:2, 1]),
    ("getitem", [X, Ellipsis], {}, lambda x, v: x[...]),
    ("getitem", [X, (slice(None), slice(None))], {}, lambda x, v: x[:, :]),
    ("getitem", [X, None], {}, lambda x, v: x[None]),
    ("getitem", [X, (None, 0)], {}, lambda x, v: x[None, 0]),
    ("getitem", [X, (0, None)], {}, lambda x, v: x[0, None]),
    ("getitem", [X, [0, 2]], {}, lambda x, v: x[[0, 2]]),
    ("getitem", [X, MASK], {}, lambda x, v: x[x > 6]),
    ("getitem", [X, (0, [1, 2])], {}, lambda x, v: x[0, [1, 2]]),
    ("getitem", [X, np.array(1)], {}, lambda x, v: x[torch.tensor(1)]),
    ("softmax", [X], {"axis": 1}, lambda x, v: F.softmax(x, dim=1)),
    ("log_softmax", [X], {"axis": 1}, lambda x, v: F.log_softmax(x, dim=1)),
    ("softplus", [X], {}, lambda x, v: F.softplus(x)),
    ("mse_loss", [X, X * 0], {}, lambda x, v: F.mse_loss(x, x.detach() * 0)),
    ("binary_cross_entropy_with_logits", [X, X * 0, None, None], {},
     lambda x, v: F.binary_cross_entropy_with_logits(x, torch.zeros(3, 4, dtype=x.dtype))),
    ("binary_cross_entropy", [X / 13, X * 0, None], {},
     lambda x, v: F.binary_cross_entropy(x / 13, torch.zeros(3, 4, dtype=x.dtype))),
    ("nll_loss", [X, np.array([0, 2, 1]), None], {}, lambda x, v: F.nll_loss(x, torch.tensor([0, 2, 1]))),
    ("nll_loss", [np.stack([X, X]), np.zeros((2, 4), dtype=int), None], {},
     lambda x, v: F.nll_loss(torch.stack([x, x]), torch.zeros(2, 4, dtype=torch.long))),
    ("linear", [X, X, None], {}, lambda x, v: F.linear(x, x)),
    ("linear", [X, X, V[:3]], {}, lambda x, v: F.linear(x, x, v[:3])),
    ("linear", [np.stack([X, X]), X, V[:3]], {}, lambda x, v: F.linear(torch.stack([x, x]), x, v[:3])),
    ("sigmoid", [X], {}, torch.sigmoid),
    ("relu", [X], {}, torch.relu),
    ("tanh", [X], {}, torch.tanh),
    ("log1p", [X], {}, torch.log1p),
    ("arctan2", [X, X], {}, torch.atan2),
    ("logaddexp", [X, X], {}, torch.logaddexp),
    ("maximum", [X, X], {}, torch.maximum),
    ("abs", [X], {}, torch.abs),
]


BINARY = (torch.atan2, torch.logaddexp, torch.maximum)


def _torch_name(fn):
    x = torch.tensor(X, requires_grad=True)
    v = torch.tensor(V, requires_grad=True)
    code = getattr(fn, "__code__", None)
    out = fn(x, v) if code is not None and code.co_argcount == 2 else (fn(x, x) if code is None and
                                                                          fn in BINARY else fn(x))
    return type(out.grad_fn).__name__


@pytest.mark.parametrize("name,inputs,statics,fn", NAMES, ids=[f"{c[0]}-{k}" for k, c in enumerate(NAMES)])
def test_grad_fn_names_match_pytorch(name, inputs, statics, fn):
    prim = registry.get(name)
    st = tuple(statics.get(s, prim.statics[s]) for s in prim.static_names)
    assert prim.grad_fn_name(inputs, st) == _torch_name(fn)
