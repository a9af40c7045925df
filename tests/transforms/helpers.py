"""Shared by the transform tests: random tangents shaped like arguments, inner products."""
import numpy as np


def positions(case):
    return case.argnums if isinstance(case.argnums, tuple) else (case.argnums,)


def random_like(value, rng):
    """A random tangent with `value`'s structure (floats and float arrays only)."""
    if isinstance(value, (list, tuple)):
        items = [random_like(v, rng) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: random_like(v, rng) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return rng.normal(size=value.shape)
    return float(rng.normal())


def tangents_for(case, args, seed):
    """Random tangents for the differentiated arguments of a corpus case, zeros elsewhere."""
    rng = np.random.default_rng(seed)
    wrt = positions(case)
    return tuple(random_like(a, rng) if i in wrt else zeros_like(a) for i, a in enumerate(args))


def zeros_like(value):
    if isinstance(value, (list, tuple)):
        items = [zeros_like(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: zeros_like(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return np.zeros(value.shape, dtype=float) if np.issubdtype(value.dtype, np.inexact) else value
    if isinstance(value, float):
        return 0.0
    return value


def inner(a, b):
    """<a, b> summed over every leaf of two values of the same structure."""
    if isinstance(a, (list, tuple)):
        return sum(inner(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return sum(inner(a[k], b[k]) for k in a)
    return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))
