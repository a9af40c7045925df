"""Forward mode by source transformation: tg.jvp and the code it generates.

tg.jvp(f, primals, tangents) returns f(*primals) and the directional derivative J @ tangents,
computed in one pass by a generated function in which each statement of f is followed by the
statement computing its tangent (`dx` for `x`). The same code is then differentiated again:
the Jacobian column by column, and a gradient of code that calls tg.jvp.

Run: python examples/transforms_jvp.py
"""
import numpy as np

import transgrad as tg


def trajectory(x, k):
    y = x
    for i in range(3):
        if np.sum(y) > 0:
            y = np.tanh(k * y)
        else:
            y = y * y - 0.5
    return y


def speed_squared(x, k):
    y, dy = tg.jvp(trajectory, (x, k), (np.ones_like(x), 0.0))
    return np.sum(dy * dy)


def main():
    x = np.array([0.5, -0.2, 0.1])
    k = 1.5
    v = np.array([1.0, 0.0, 0.0])
    y, dy = tg.jvp(trajectory, (x, k), (v, 0.0))
    print("y  =", y)
    print("dy =", dy, "(the first column of the Jacobian)")
    print(tg.source(trajectory, mode="forward", argnums=(0, 1)))

    J = tg.jacobian(trajectory, mode="forward")(x, k)
    print("Jacobian, forward mode:\n", J)
    print("same by reverse mode:", np.allclose(J, tg.jacobian(trajectory, mode="reverse")(x, k)))

    # reverse over forward: the gradient of a function that calls tg.jvp
    print("grad of |J 1|^2 w.r.t. x:", tg.grad(speed_squared)(x, k))


if __name__ == "__main__":
    main()
