"""`tg.nn.functional` against PyTorch's values, and its functions' link to the primitives."""
import inspect

import numpy as np
import pytest

import transgrad.nn.functional as F
from transgrad import registry

torch = pytest.importorskip("torch")
TF = torch.nn.functional

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 5))
W = rng.standard_normal((3, 5))
B = rng.standard_normal(3)
Y = rng.uniform(0, 1, (4, 5))
CLASSES = np.array([0, 4, 2, 4])
WEIGHT = np.array([1.0, 2.0, 0.5, 1.5, 3.0])
PROBS = np.exp(Y) / np.exp(Y).sum(1, keepdims=True)


def T(a):
    return torch.tensor(a)


@pytest.mark.parametrize("ours,theirs", [
    (lambda: F.relu(X), lambda: TF.relu(T(X))),
    (lambda: F.sigmoid(X), lambda: torch.sigmoid(T(X))),
    (lambda: F.tanh(X), lambda: torch.tanh(T(X))),
    (lambda: F.softplus(X, beta=2.0, threshold=1.0), lambda: TF.softplus(T(X), beta=2.0, threshold=1.0)),
    (lambda: F.softmax(X, dim=1), lambda: TF.softmax(T(X), dim=1)),
    (lambda: F.log_softmax(X, 0), lambda: TF.log_softmax(T(X), 0)),
    (lambda: F.linear(X, W), lambda: TF.linear(T(X), T(W))),
    (lambda: F.linear(X, W, B), lambda: TF.linear(T(X), T(W), T(B))),
    (lambda: F.mse_loss(X, Y), lambda: TF.mse_loss(T(X), T(Y))),
    (lambda: F.mse_loss(X, Y, reduction="none"), lambda: TF.mse_loss(T(X), T(Y), reduction="none")),
    (lambda: F.binary_cross_entropy(Y, PROBS, reduction="sum"),
     lambda: TF.binary_cross_entropy(T(Y), T(PROBS), reduction="sum")),
    (lambda: F.binary_cross_entropy_with_logits(X, Y, pos_weight=WEIGHT),
     lambda: TF.binary_cross_entropy_with_logits(T(X), T(Y), pos_weight=T(WEIGHT))),
    (lambda: F.nll_loss(X, CLASSES, weight=WEIGHT), lambda: TF.nll_loss(T(X), T(CLASSES), weight=T(WEIGHT))),
    (lambda: F.cross_entropy(X, CLASSES), lambda: TF.cross_entropy(T(X), T(CLASSES))),
    (lambda: F.cross_entropy(X, CLASSES, ignore_index=4, reduction="sum"),
     lambda: TF.cross_entropy(T(X), T(CLASSES), ignore_index=4, reduction="sum")),
    (lambda: F.cross_entropy(X, PROBS), lambda: TF.cross_entropy(T(X), T(PROBS))),
    (lambda: F.cross_entropy(X, PROBS, weight=WEIGHT, reduction="none"),
     lambda: TF.cross_entropy(T(X), T(PROBS), weight=T(WEIGHT), reduction="none")),
    (lambda: F.cross_entropy(X[0], CLASSES[1]), lambda: TF.cross_entropy(T(X[0]), T(CLASSES[1]))),
])
def test_functional_values_match_pytorch(ours, theirs):
    np.testing.assert_allclose(ours(), theirs().numpy(), rtol=1e-10, atol=1e-12)


def test_wrappers_are_spellings_of_their_primitives():
    for fn, name in [(F.linear, "linear"), (F.nll_loss, "nll_loss"), (F.mse_loss, "mse_loss"),
                     (F.binary_cross_entropy, "binary_cross_entropy"), (F.softmax, "softmax"),
                     (F.binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits")]:
        assert registry.lookup(fn) is registry.get(name)


def test_cross_entropy_is_a_composite_with_source_named_like_pytorch():
    assert registry.lookup(F.cross_entropy) is None
    assert "nll_loss(log_p" in inspect.getsource(F.cross_entropy)
    prim = registry.get("nll_loss")
    assert prim.grad_fn_name((X, CLASSES, None), (-100, "mean")) == "NllLossBackward0"


def test_label_smoothing_is_refused_with_a_way_out():
    with pytest.raises(NotImplementedError, match="compose it from log_softmax and nll_loss"):
        F.cross_entropy(X, CLASSES, label_smoothing=0.1)
