"""Functions for tests/transforms/test_batched_jacobians.py (their source must be readable)."""
import numpy as np

import transgrad as tg


@tg.custom_vjp
def clipped_norm(x):
    return np.sqrt(np.sum(x * x))


def _clipped_norm_fwd(x):
    n = np.sqrt(np.sum(x * x))
    return n, (x, n)


def _clipped_norm_bwd(residuals, g):
    x, n = residuals
    return (float(g) * x / n,)        # float(): one cotangent at a time, not a batch


clipped_norm.defvjp(_clipped_norm_fwd, _clipped_norm_bwd)


def uses_clipped_norm(x):
    return np.tanh(x) * clipped_norm(x)
