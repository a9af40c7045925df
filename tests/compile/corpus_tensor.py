"""Tensor-style functions, each written once, run three ways by tests/compile/test_corpus.py:
eagerly on transgrad Tensors, compiled with `tg.compile`, and (the oracle) eagerly on PyTorch
tensors, from this same source text with the two namespace imports below replaced by
`import torch as tg` / `import torch.nn.functional as F` (see `torch_namespace`).

So the bodies use only what both libraries spell the same way: `tg.` functions, Tensor
methods (`x.exp()`, `x.sum(dim=0)`, `x.pow(2)`), operators, indexing, `F.` losses, and
Python control flow. `CASES` lists each function with its inputs: `D(shape)` a float64 input
(the tests try every pattern of requires_grad over these), `P(shape)` the same, positive;
`C(array)` a constant Tensor that never requires grad (labels, targets).
"""
import transgrad as tg                      # NAMESPACE (torch in the oracle run)
import transgrad.nn.functional as F         # NAMESPACE (torch.nn.functional in the oracle run)


# -- the seed and simple expressions -------------------------------------------------------------

def intro_loss(x):
    y = x + 2
    z = y * y * 3
    return z.mean()


def exp_times(x, y):
    return (x.exp() * y).sum()


def sum_dim_pow(x):
    return x.sum(dim=0).pow(2).sum()


def centred_variance(x):
    return (x - x.mean(dim=1, keepdim=True)).pow(2).mean()


def sigmoid_tanh(x, w):
    h = x @ w
    return (tg.sigmoid(h) * tg.tanh(h)).sum()


def quotients(x, y):
    return (x / (1 + y * y)).sum() + (1 / (x * x + 1)).mean()


def abs_sqrt_log(x):
    return (x.abs().sqrt() + x.log()).sum()


def power_of_tensor(x, y):
    return x.pow(y).sum() + (x ** 0.5).mean()


def trig_chain(x):
    return (tg.sin(x) * tg.cos(x) + tg.exp(-x * x)).sum()


# -- nn.functional ---------------------------------------------------------------------------------

def relu_mlp(x, w1, w2):
    h = F.relu(x @ w1)
    return (h @ w2).pow(2).mean()


def linear_mse(x, w, b, t):
    return F.mse_loss(F.linear(x, w, b), t)


def logistic(x, w, t):
    # weight=/pos_weight= spelled out (left out in optional_arguments below)
    return F.binary_cross_entropy_with_logits(x @ w, t, weight=None, pos_weight=None)


def bce_sigmoid(x, t):
    return F.binary_cross_entropy(tg.sigmoid(x), t, weight=None)


def classifier(x, w, labels):
    # F.cross_entropy is F.nll_loss of F.log_softmax (F.cross_entropy itself: optional_arguments)
    return F.nll_loss(F.log_softmax(x @ w, dim=1), labels, weight=None)


def nll_of_log_softmax(x, labels):
    return F.nll_loss(F.log_softmax(x, dim=1), labels, weight=None, reduction="sum")


def softmax_weighted(x, y):
    return (F.softmax(x, dim=1) * y).sum()


def softplus_mean(x):
    return F.softplus(x).mean()


def mse_sum(x, y):
    return F.mse_loss(x, y, reduction="sum")


# -- shapes, indexing, joins ----------------------------------------------------------------------

def where_select(x, y):
    # a mask product (tg.where itself: where_cat)
    return ((x > 0) * x + (x <= 0) * y * y).sum()


def max_min(x, y):
    return tg.maximum(x, y).sum() + tg.minimum(x, y).mean()


def clamped(x):
    return x.clamp(-0.5, 0.5).pow(2).sum()


def joined(x, y):
    return tg.concatenate([x, y], dim=0).pow(2).sum() + tg.stack([x, y]).sum(dim=0).exp().sum()


def transposed(x, y):
    return (x.T @ y).sum() + (x.permute(1, 0) * y.T).mean() + (x.transpose(1, 0) @ y).mean()


def reshaped(x, y):
    return (x.reshape(6).unsqueeze(1) * y.reshape(6, 1)).sum() + x.reshape(3, 2).pow(2).sum()


def rows(x):
    return (x[0] * x[1]).sum() + x[:, 1].pow(2).sum()


def block(x):
    return x[1:, :2].exp().sum()


def extremes(x):
    return x.amax(dim=0).sum() + x.max() - x.amin(dim=1).mean()


def products(x):
    return x.prod(dim=1).sum()


def log_sum_exp(x):
    return tg.logsumexp(x, dim=1).sum()


# -- spellings whose NumPy and PyTorch meanings differ (compiler/methods.py) ---------------------

def torch_transpose(x, y):
    return (x.transpose(0, 1) @ y).sum() + x.t().mm(y).mean() + (x.mT @ y).pow(2).mean()


def optional_arguments(x, w, t, labels):
    # F. losses with their optional arguments left out; F.cross_entropy (a composite)
    h = x @ w
    return (F.binary_cross_entropy_with_logits(h[:, 0], t) + F.binary_cross_entropy(
        tg.sigmoid(h[:, 1]), t) + F.nll_loss(F.log_softmax(h, dim=1), labels)
        + F.cross_entropy(h, labels))


def where_cat(x, y):
    return tg.where(x > 0, x, y * y).sum() + tg.cat([x, y], dim=0).pow(2).sum()


def clamp_keywords(x):
    return x.clamp(min=-0.5, max=0.5).pow(2).sum() + x.clamp(max=0.2).sum() + tg.clamp(x, min=0).sum()


def torch_dims(x):
    # flatten(1), squeeze(dim) of a dim that is not 1 (a no-op), size(d)
    return (x.flatten(1).pow(2).sum() + x.squeeze(1).exp().sum() + x[:, :1].squeeze(1).sum()
            + x.unsqueeze(0).squeeze(0).mean() * x.size(1) + tg.flatten(x, 0, 1).sum(dim=0).pow(2).sum())


def max_along_dim(x):
    values, indices = x.max(1)
    return values.pow(2).sum() + x.min(dim=0).values.sum() + tg.max(x, 1)[0].exp().sum()


def expand_split(x, y):
    a, b = y.split(2)
    c, d, e = y.split([1, 2, 1])
    return (x.expand(4, -1) * y).sum() + (a * b).sum() + (c * e).sum() + d.pow(2).mean()


# -- control flow and calls -------------------------------------------------------------------------

def branch(x):
    if x.sum() > 0:
        return (x * x).sum()
    return x.exp().sum()


def elif_chain(x, y):
    s = (x * y).sum()
    if s > 1.0:
        z = x * 2 + y
    elif s > -1.0:
        z = x * y
    else:
        z = y.exp() * x
    return z.pow(2).sum()


def for_loop(x, y):
    z = x
    for i in range(3):
        z = tg.sin(z) * y
    return z.sum()


def while_loop(x, y):
    z = x
    n = 0
    while n < 4:
        z = z * 0.5 + y
        n = n + 1
    return z.pow(2).sum()


def loop_break(x):
    z = x
    for i in range(10):
        z = z * 1.1 + 0.1
        if i >= 3:
            break
    return z.sum()


def early_return(x, y):
    for i in range(5):
        if (x * i).sum() > 3.0:
            return (x * y).sum() * i
    return y.sum()


def reassigned_in_branches(h, w):
    pre = h * w
    if pre.sum() > 0:
        h = tg.tanh(pre)
    else:
        h = pre * 0.5
    return (h * h).sum()


def recurrence(h, w, u):
    for t in range(6):
        pre = h * w + u * t
        if pre.sum() > 0:
            h = tg.tanh(pre)
        else:
            h = pre * 0.5
    return (h * h).sum()


def _square_norm(v):
    return (v * v).sum()


def calls_helper(x, y):
    return _square_norm(x - y) + _square_norm(x) * 0.5


def list_parts(x, y):
    parts = []
    for i in range(3):
        parts.append(x * (i + 1) + y)
    return tg.stack(parts).pow(2).sum()


def augmented(x, y):
    z = x * 1.0
    z = z + y
    z = z * x
    z = z - 0.5
    return z.sum()


def scaled(x, y, scale=2.0):
    return (x * scale + y).pow(2).sum()


# -- several and non-scalar outputs ---------------------------------------------------------------

def two_outputs(x, y):
    return (x * y).sum(), x.exp()


def vector_output(x, y):
    return x.sin() * y


def constant_output(x, y):
    return (x * y).sum(), y.sum() * 2


# -- the table -----------------------------------------------------------------------------------

class D:
    """A float64 input (standard normal, seeded), which may require grad."""
    positive = False

    def __init__(self, *shape):
        self.shape = shape


class P(D):
    """A positive float64 input (in [0.5, 1.5))."""
    positive = True


class C:
    """A constant input: a Tensor that never requires grad."""

    def __init__(self, make):
        self.make = make


def _labels(rng):
    return rng.integers(0, 3, size=4)


def _probabilities(shape):
    return lambda rng: rng.uniform(0.05, 0.95, size=shape)


CASES = [
    (intro_loss, [D(2, 2)]),
    (exp_times, [D(3), D(3)]),
    (sum_dim_pow, [D(3, 4)]),
    (centred_variance, [D(3, 4)]),
    (sigmoid_tanh, [D(4, 3), D(3, 2)]),
    (quotients, [D(3), D(3)]),
    (abs_sqrt_log, [P(5)]),
    (power_of_tensor, [P(4), D(4)]),
    (trig_chain, [D(2, 3)]),
    (relu_mlp, [D(4, 3), D(3, 5), D(5, 2)]),
    (linear_mse, [D(4, 3), D(2, 3), D(2), C(lambda rng: rng.standard_normal((4, 2)))]),
    (logistic, [D(4, 3), D(3), C(_probabilities((4,)))]),
    (bce_sigmoid, [D(5), C(_probabilities((5,)))]),
    (classifier, [D(4, 3), D(3, 3), C(_labels)]),
    (nll_of_log_softmax, [D(4, 3), C(_labels)]),
    (softmax_weighted, [D(2, 4), D(2, 4)]),
    (softplus_mean, [D(6)]),
    (mse_sum, [D(3, 2), D(3, 2)]),
    (where_select, [D(6), D(6)]),
    (max_min, [D(5), D(5)]),
    (clamped, [D(8)]),
    (joined, [D(2, 3), D(2, 3)]),
    (transposed, [D(3, 2), D(3, 2)]),
    (reshaped, [D(2, 3), D(3, 2)]),
    (rows, [D(3, 3)]),
    (block, [D(3, 4)]),
    (extremes, [D(3, 4)]),
    (products, [D(3, 4)]),
    (log_sum_exp, [D(3, 4)]),
    (branch, [D(4)]),
    (elif_chain, [D(3), D(3)]),
    (for_loop, [D(3), D(3)]),
    (while_loop, [D(2, 2), D(2, 2)]),
    (loop_break, [D(4)]),
    (early_return, [P(3), D(3)]),
    (reassigned_in_branches, [D(4), D(4)]),
    (recurrence, [D(4), D(4), D(4)]),
    (calls_helper, [D(3), D(3)]),
    (list_parts, [D(2), D(2)]),
    (augmented, [D(3), D(3)]),
    (scaled, [D(3), D(3)]),
    (two_outputs, [D(3), D(3)]),
    (vector_output, [D(4), D(4)]),
    (constant_output, [D(3), D(3)]),
    (torch_transpose, [D(3, 2), D(3, 2)]),
    (optional_arguments, [D(4, 3), D(3, 3), C(_probabilities((4,))), C(_labels)]),
    (where_cat, [D(2, 3), D(2, 3)]),
    (clamp_keywords, [D(8)]),
    (torch_dims, [D(2, 3, 2)]),
    (max_along_dim, [D(3, 4)]),
    (expand_split, [D(1, 3), D(4, 3)]),
]


def torch_namespace():
    """This module's functions, from the same source text, with `tg`/`F` bound to PyTorch."""
    import inspect
    import sys
    source = inspect.getsource(sys.modules[__name__])
    source = source.replace("import transgrad as tg ", "import torch as tg ", 1)
    source = source.replace("import transgrad.nn.functional as F ",
                            "import torch.nn.functional as F ", 1)
    namespace = {"__name__": "corpus_tensor_torch"}
    exec(compile(source, __file__, "exec"), namespace)  # noqa: S102 - our own test source
    return namespace
