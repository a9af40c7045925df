"""tg.grad through a helper function called twice: the helper becomes a forward/backward pair
in the generated module. Run: python examples/compiler_helper.py"""
import numpy as np

import transgrad as tg


def layer(x, w, b):
    return np.tanh(x @ w + b)


def network(params, x):
    w1, b1, w2, b2 = params
    h = layer(x, w1, b1)
    out = layer(h, w2, b2)
    return np.mean(out ** 2)


if __name__ == "__main__":
    rng = np.random.default_rng(1)
    params = (rng.normal(size=(4, 8)) * 0.5, np.zeros(8), rng.normal(size=(8, 2)) * 0.5, np.zeros(2))
    x = rng.normal(size=(5, 4))
    dnet = tg.grad(network)
    grads = dnet(params, x)
    print("gradient shapes:", [g.shape for g in grads])
    print()
    print(tg.source(dnet))
