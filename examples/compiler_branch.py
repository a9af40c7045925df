"""tg.grad on data-dependent branches and an early return: the backward pass takes the same
branch as the forward pass. Run: python examples/compiler_branch.py"""
import numpy as np

import transgrad as tg


def huber(r, delta=1.0):
    a = np.abs(r)
    if a <= delta:
        return 0.5 * r * r
    return delta * (a - 0.5 * delta)


def loss(w, x, y):
    total = 0.0
    for i in range(len(y)):
        total = total + huber(np.dot(x[i], w) - y[i])
    return total / len(y)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=6) * 3.0
    w = np.array([0.5, -1.0, 0.25])
    dloss = tg.grad(loss)
    print("gradient:", dloss(w, x, y))
    print()
    print(tg.source(dloss))
