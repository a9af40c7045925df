"""The Hessian of a logistic-regression loss, by forward mode over reverse mode.

tg.hessian(loss) transforms the generated gradient code of `loss` again, into forward-mode
code, and runs it once on a batch of all 100 basis vectors: every Hessian-vector product in
one pass. The result is checked against the closed form X.T diag(p(1-p)) X / n + lam I.

Run: python examples/transforms_hessian.py
"""
import time

import numpy as np

import transgrad as tg


def loss(w, X, y, lam):
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    ll = y * np.log(p) + (1.0 - y) * np.log(1.0 - p)
    return -np.mean(ll) + 0.5 * lam * np.sum(w * w)


def main():
    rng = np.random.default_rng(0)
    n, d, lam = 200, 100, 0.1
    X = rng.normal(size=(n, d))
    y = (rng.uniform(size=n) < 0.5).astype(float)
    w = rng.normal(size=d) * 0.1

    hess = tg.hessian(loss)
    start = time.perf_counter()
    H = hess(w, X, y, lam)                    # first call: generates and compiles the code
    first = time.perf_counter() - start
    start = time.perf_counter()
    H = hess(w, X, y, lam)                    # later calls: only run it
    again = time.perf_counter() - start

    p = 1.0 / (1.0 + np.exp(-X @ w))
    closed_form = X.T @ np.diag(p * (1.0 - p)) @ X / n + lam * np.eye(d)
    print(f"Hessian shape: {H.shape}")
    print(f"max |H - closed form|: {np.max(np.abs(H - closed_form)):.1e}")
    print(f"first call {first * 1e3:.0f} ms (generate + run), later calls {again * 1e3:.1f} ms")
    print(f"all seeds in one batched pass: {hess.batched}")

    # one Hessian-vector product, and the code that computes it
    v = np.zeros(d)
    v[0] = 1.0
    grad_value, hvp = tg.jvp(tg.grad(loss), (w, X, y, lam), (v, np.zeros_like(X), np.zeros(n), 0.0))
    print(f"H[:, 0] by one jvp of the gradient: {np.allclose(hvp, closed_form[:, 0])}")
    print(tg.source(tg.grad(loss), mode="forward", argnums=0))


if __name__ == "__main__":
    main()
