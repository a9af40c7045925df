"""tg.grad on a loop: the generated code saves one tuple per iteration and runs the loop
backwards. Run: python examples/compiler_loop.py"""
import numpy as np

import transgrad as tg


def f(a, b):
    x = 0.5
    for i in range(1000):
        x = np.sin(x) * a + b
    return x


if __name__ == "__main__":
    df = tg.grad(f, argnums=(0, 1))
    da, db = df(0.8, 0.3)
    print(f"df/da = {da:.6f}, df/db = {db:.6f}")
    eps = 1e-6
    print(f"finite differences: {(f(0.8 + eps, 0.3) - f(0.8 - eps, 0.3)) / (2 * eps):.6f}, "
          f"{(f(0.8, 0.3 + eps) - f(0.8, 0.3 - eps)) / (2 * eps):.6f}")
    print()
    print(tg.source(df))
