"""transgrad in one screen: the same loss eagerly (PyTorch's autograd), compiled with
`@tg.compile` (its backward is generated source you can read), and `tg.grad` on a NumPy loop.

Run: python examples/demo.py
"""
import numpy as np

import transgrad as tg


def rule(title):
    print(f"\n== {title} " + "=" * max(0, 72 - len(title)))


# 1. Eager: the opening example of the autograd tutorials (examples/seed_autograd_intro.py).
rule("1. eager, as in PyTorch")
x = tg.ones(2, 2, requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()
out.backward()
print("out    =", out)
print("x.grad =", x.grad)


# 2. The same computation as a function, compiled: one node, generated backward.
@tg.compile
def loss(x):
    y = x + 2
    z = y * y * 3
    return z.mean()


rule("2. the same loss, @tg.compile")
x2 = tg.ones(2, 2, requires_grad=True)
out2 = loss(x2)
out2.backward()
print("out    =", out2)
print("x.grad =", x2.grad)
print("agree:", bool(tg.equal(x.grad, x2.grad)) and out.item() == out2.item())
print("\nthe code LossBackward runs (print(loss.source)):\n")
print(loss.source)


# 3. tg.grad on plain NumPy code with a loop: the loop is differentiated, not unrolled.
def f(a, b):
    x = 0.5
    for i in range(1000):
        x = np.sin(x) * a + b
    return x


rule("3. tg.grad of a NumPy loop")
df = tg.grad(f, argnums=(0, 1))
da, db = df(0.8, 0.3)
eps = 1e-6
fd_a = (f(0.8 + eps, 0.3) - f(0.8 - eps, 0.3)) / (2 * eps)
print(f"df/da = {da:.6f} (finite differences: {fd_a:.6f}), df/db = {db:.6f}")
print("\nthe generated gradient (print(tg.source(df))):\n")
print(tg.source(df))
