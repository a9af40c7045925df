"""Functions whose generated gradient source `test_golden.py` pins down, text for text.

Their line numbers appear in the generated comments: edit this file only by appending.
"""
import numpy as np


def scalar_loop(a, b):
    x = 0.5
    for i in range(1000):
        x = np.sin(x) * a + b
    return x


def branch(x, y):
    if x > 0.0:
        z = x * y
    else:
        z = np.exp(x)
    return z * z


def helper(v):
    return np.tanh(v) * v


def uses_helper(x):
    return np.sum(helper(x) + helper(x * 2.0))


def logistic(w, b, X, y):
    z = X @ w + b
    return np.mean(np.logaddexp(0, z) - y * z)


def while_loop(x):
    y = x
    while y < 10.0:
        y = y * y + 1.0
    return y
