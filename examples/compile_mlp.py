"""@tg.compile in a training loop: a two-layer network fitted to sin(x) by gradient descent.

The loss is compiled: each call runs the generated forward on the Tensors' arrays and returns
a Tensor whose grad_fn (`LossBackward`) runs the generated backward, so `loss.backward()`,
`.grad` and `no_grad()` work exactly as with eager code. The script also checks the gradients
against the eager run of the same function.

Run:  python examples/compile_mlp.py
Show: python -m transgrad show examples/compile_mlp.py:loss --argnums 1,2,3,4
"""
import numpy as np

import transgrad as tg
import transgrad.nn.functional as F


@tg.compile
def loss(x, w1, b1, w2, b2, target):
    hidden = tg.tanh(x @ w1 + b1)
    prediction = hidden @ w2 + b2
    return F.mse_loss(prediction, target)


def main():
    rng = np.random.default_rng(0)
    x = tg.from_numpy(np.linspace(-3, 3, 64).reshape(64, 1))
    target = tg.from_numpy(np.sin(x.numpy()))
    params = [tg.from_numpy(a).requires_grad_() for a in (
        rng.normal(0, 1.0, (1, 16)), np.zeros(16), rng.normal(0, 0.3, (16, 1)), np.zeros(1))]

    # the compiled gradients are the eager ones
    loss(x, *params, target).backward()
    compiled = [p.grad.numpy().copy() for p in params]
    for p in params:
        p.grad = None
    loss.fn(x, *params, target).backward()          # loss.fn: the undecorated function
    agree = all(np.allclose(c, p.grad.numpy(), rtol=1e-12, atol=1e-15)
                for c, p in zip(compiled, params))
    print(f"compiled and eager gradients agree: {agree}")

    for step in range(301):
        for p in params:
            p.grad = None
        value = loss(x, *params, target)
        value.backward()
        with tg.no_grad():
            for p in params:
                p -= 0.1 * p.grad
        if step % 100 == 0:
            print(f"step {step:3d}  loss {value.item():.5f}  ({value.grad_fn.name()})")


if __name__ == "__main__":
    main()
