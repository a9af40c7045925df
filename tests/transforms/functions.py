"""Functions the transform tests differentiate (module-level: the compiler reads their source)."""
import numpy as np

import transgrad as tg


def logistic_loss(w, X, y, lam):
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    ll = y * np.log(p) + (1.0 - y) * np.log(1.0 - p)
    return -np.mean(ll) + 0.5 * lam * np.sum(w * w)


def softmax_layer(x, W):
    z = W @ np.tanh(x)
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def elementwise_poly(x):
    return x ** 3 - 2.0 * x * np.sin(x)


def matrix_out(A):
    B = A @ A.T
    return np.log(1.0 + B * B)


def scalar_in_vector_out(t):
    return np.stack([np.cos(t), np.sin(t), t * t])


def loop_map(x):
    y = x
    for i in range(3):
        y = np.tanh(y * 1.5 + 0.1 * i)
    return y


def rosenbrock(x):
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def two_args(x, y):
    return np.sum(np.sin(x) * y ** 2) + np.sum(x * x) * np.sum(y)


def inner(x, y):
    return np.sin(x) * y + x * x * y


def through_jvp(x, y):
    out, t = tg.jvp(inner, (x, y), (1.0, 0.0))
    return t * t + out


def bad_jvp_call(x, pair):
    out, t = tg.jvp(inner, pair, (1.0, 0.0))
    return t


D_SCALAR = tg.grad(elementwise_poly)


def uses_gradient(x):
    return D_SCALAR(x) * x
