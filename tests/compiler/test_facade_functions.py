"""PyTorch-style `tg.` functions in differentiated code (`tg.max(x)`, `tg.flatten(x)`,
`tg.squeeze(x)`, `tg.var`, `tg.norm(x, 2, 1)`, ...): tg.grad, tg.jvp and tg.compile give
PyTorch's gradients (`tg.max(x)`, `tg.flatten(x)` and `tg.squeeze(x)` with no other
argument were refused before)."""
import numpy as np
import pytest

import transgrad as tg

torch = pytest.importorskip("torch")

X = np.array([[3.0, -4.0, 1.0], [1.0, 2.5, -2.0]])


def f_var(x):
    return tg.var(x)


def f_std(x):
    return tg.std(x, 1).sum()


def f_norm(x):
    return tg.norm(x, 2, 1).sum()


def f_dot(x):
    return tg.dot(x[0], x[1])


def f_flatten(x):
    return (tg.flatten(x)[1:] ** 2).sum()


def f_squeeze(x):
    return (tg.squeeze(x[:1]) ** 3).sum()


def f_max(x):
    return tg.max(x) * 2.0


def f_min(x):
    return tg.min(x * x)


def f_max_dim(x):
    return tg.max(x, 1)[0].sum()


TORCH = {
    "f_var": lambda t: torch.var(t), "f_std": lambda t: torch.std(t, 1).sum(),
    "f_norm": lambda t: torch.norm(t, 2, 1).sum(), "f_dot": lambda t: torch.dot(t[0], t[1]),
    "f_flatten": lambda t: (torch.flatten(t)[1:] ** 2).sum(),
    "f_squeeze": lambda t: (torch.squeeze(t[:1]) ** 3).sum(),
    "f_max": lambda t: torch.max(t) * 2.0, "f_min": lambda t: torch.min(t * t),
    "f_max_dim": lambda t: torch.max(t, 1)[0].sum(),
}
FUNCTIONS = [f_var, f_std, f_norm, f_dot, f_flatten, f_squeeze, f_max, f_min, f_max_dim]


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_grad_jvp_and_compile_agree_with_torch(fn):
    t = torch.tensor(X, requires_grad=True)
    TORCH[fn.__name__](t).backward()
    expected = t.grad.numpy()
    np.testing.assert_allclose(tg.grad(fn)(X), expected, rtol=1e-12)
    v = np.random.default_rng(0).normal(size=X.shape)
    _, tangent = tg.jvp(fn, (X,), (v,))
    np.testing.assert_allclose(tangent, np.sum(expected * v), rtol=1e-12)
    x = tg.tensor(X, dtype=tg.float64, requires_grad=True)
    tg.compile(fn)(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)
