"""The benchmark workloads of issue 7, each written once as a plain NumPy function.

A workload is the NumPy function transgrad differentiates (`tg.grad` transforms its source;
the eager engine runs it on Tensors through NumPy's dispatch protocols), the positions of the
arguments it is differentiated with respect to, its inputs drawn with a fixed seed, and the
floors issue 7 sets for it. The PyTorch twin of each function lives in `torch_twins.py` under
the same name, line for line; JAX and HIPS autograd run this very source with `np` bound to
`jax.numpy` / `autograd.numpy` (`columns.rebind_numpy`), so no second copy can drift.

Rules for the functions below: they read no global but `np` and call no other user function,
so that `rebind_numpy` and `fresh_sources.fresh_copy` can re-host them unchanged.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

SEED = 20240607

# Issue 7's floors that do not belong to one workload.
COMPILE_FLOOR_S = 0.050          # first tg.grad call of each workload W1-W6
COMPILE_1000_FLOOR_S = 2.0       # the generated 1,000-statement function
COMPILE_1000_OVER_100_FLOOR = 12.0
STRAIGHT_LINE_SIZES = (10, 100, 1000)


@dataclass(frozen=True)
class Workload:
    name: str                    # "W1" ... "W6"
    title: str
    fn: Callable                 # the NumPy function, returning a scalar loss
    argnums: tuple               # positions of the differentiated arguments
    make_inputs: Callable        # () -> tuple of arguments, deterministic
    dtype: str                   # "float64" or "float32": the dtype of the differentiated inputs
    compiled_floor: float        # compiled time / primal time must not exceed this
    eager_floor: float | None = None  # eager time / PyTorch eager time, where the issue sets one

    @property
    def argnum(self):
        """`argnums` as `tg.grad`/`jax.grad` spell it: an int when there is one."""
        return self.argnums[0] if len(self.argnums) == 1 else self.argnums


# W1: a scalar loop of Python floats: per-operation overhead, nothing else.
def scalar_loop(a, b):
    x = 0.5
    for i in range(1000):
        x = np.sin(x) * a + b
    return x


def _scalar_loop_inputs():
    return (0.8, 0.3)


# W2: many tiny vector operations: dispatch overhead on small arrays.
def tiny_ops(x, c):
    y = x
    for k in range(40):
        y = np.exp(np.tanh(np.sin(y) * c[k] + x))
    return np.sum(y)


def _tiny_ops_inputs():
    rng = np.random.default_rng(SEED + 2)
    x = rng.standard_normal(16)
    c = [0.3 * rng.standard_normal(16) for _ in range(40)]
    return (x, c)


# W3: logistic regression, mean binary cross-entropy with logits.
def logistic_regression(w, b, X, y):
    z = X @ w + b
    return np.mean(np.logaddexp(0, z) - y * z)


def _logistic_regression_inputs():
    rng = np.random.default_rng(SEED + 3)
    X = rng.standard_normal((512, 64))
    w = 0.1 * rng.standard_normal(64)
    y = (rng.random(512) < 0.5).astype(np.float64)
    return (w, 0.1, X, y)


# W4: a float32 MLP 784 -> 256 (tanh) -> 10 with softmax cross-entropy.
def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    m = np.max(z, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return np.mean(np.sum(Y * (lse - z), axis=1))


def _mlp_inputs():
    rng = np.random.default_rng(SEED + 4)
    f32 = np.float32
    X = rng.standard_normal((64, 784)).astype(f32)
    W1 = (rng.standard_normal((784, 256)) / np.sqrt(784)).astype(f32)
    b1 = (0.1 * rng.standard_normal(256)).astype(f32)
    W2 = (rng.standard_normal((256, 10)) / np.sqrt(256)).astype(f32)
    b2 = (0.1 * rng.standard_normal(10)).astype(f32)
    Y = np.eye(10, dtype=f32)[rng.integers(0, 10, 64)]
    return (W1, b1, W2, b2, X, Y)


# W5: a tanh RNN unrolled over 50 steps.
def rnn(Wx, Wh, b, x):
    h = np.zeros((x.shape[1], Wh.shape[0]))
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ Wx + h @ Wh + b)
    return np.sum(h ** 2)


def _rnn_inputs():
    rng = np.random.default_rng(SEED + 5)
    x = rng.standard_normal((50, 16, 32))
    Wx = rng.standard_normal((32, 64)) / np.sqrt(32)
    Wh = rng.standard_normal((64, 64)) / np.sqrt(64)
    b = 0.1 * rng.standard_normal(64)
    return (Wx, Wh, b, x)


# W6: one large elementwise expression: memory traffic, nothing else.
def large_elementwise(x):
    return np.sum(np.logaddexp(0, x) * np.cos(x))


def _large_elementwise_inputs():
    rng = np.random.default_rng(SEED + 6)
    return (rng.standard_normal(1_000_000),)


WORKLOADS = {
    w.name: w
    for w in (
        Workload("W1", "scalar loop, 1000 steps", scalar_loop, (0, 1), _scalar_loop_inputs,
                 "float64", compiled_floor=3.0, eager_floor=0.7),
        Workload("W2", "tiny ops, 40 rounds on 16", tiny_ops, (0,), _tiny_ops_inputs,
                 "float64", compiled_floor=3.0, eager_floor=0.7),
        Workload("W3", "logistic regression 512x64", logistic_regression, (0, 1),
                 _logistic_regression_inputs, "float64", compiled_floor=3.0),
        Workload("W4", "MLP 784-256-10 float32", mlp, (0, 1, 2, 3), _mlp_inputs,
                 "float32", compiled_floor=2.2),
        Workload("W5", "RNN 50 steps, 16x32->64", rnn, (0, 1, 2), _rnn_inputs,
                 "float64", compiled_floor=3.0, eager_floor=0.7),
        Workload("W6", "large elementwise 1e6", large_elementwise, (0,),
                 _large_elementwise_inputs, "float64", compiled_floor=1.6),
    )
}
