"""The few helpers generated code calls besides NumPy, `tg.` and `transgrad.helpers`.

They are plain Python over NumPy (a list of zeros for a list, and so on), so generated code
that calls them can itself be read, pasted and transformed again.
"""
import numpy as np

from .anomaly import check_nan   # called by code generated under anomaly mode (anomaly.py)

__all__ = ["zeros_like", "add_grads", "structured", "check_nan", "defined"]


def zeros_like(value):
    """A zero adjoint shaped like `value`: 0.0 for a number, zeros for an array, a list of
    zeros for a list or tuple, a dict of zeros for a dict (None for what has no gradient)."""
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        return 0.0
    if isinstance(value, np.ndarray):
        if np.issubdtype(value.dtype, np.inexact):
            return np.zeros_like(value)
        return np.zeros(value.shape)
    if isinstance(value, np.generic):
        return value.dtype.type(0) if np.issubdtype(value.dtype, np.inexact) else 0.0
    if isinstance(value, (list, tuple)):
        return [zeros_like(v) for v in value]
    if isinstance(value, dict):
        return {k: zeros_like(v) for k, v in value.items()}
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return np.zeros_like(value)
    return None


def add_grads(a, b):
    """a + b for adjoints that may be lists, tuples or dicts of arrays (added leaf by leaf;
    None stands for zero)."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        _same_length(a, b)
        return [add_grads(x, y) for x, y in zip(a, b)]
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: add_grads(a[k], b[k]) if k in b else a[k] for k in a}
    return a + b


def structured(grad, like):
    """`grad` with the container types of `like` (adjoints of tuples are built as lists)."""
    if isinstance(like, tuple):
        _same_length(grad, like)
        return tuple(structured(g, x) for g, x in zip(grad, like))
    if isinstance(like, list):
        _same_length(grad, like)
        return [structured(g, x) for g, x in zip(grad, like)]
    if isinstance(like, dict):
        return {k: structured(grad[k], x) for k, x in like.items()}
    if grad is None:
        return zeros_like(like)
    return grad


def _same_length(a, b):
    """Adjoints of containers pair up element by element: never silently dropping the
    elements of the longer one (a list changed in size where the compiler did not follow)."""
    if len(a) != len(b):
        from ..errors import GradientError
        raise GradientError(f"internal error: the adjoint of a container of {len(b)} elements "
                            f"has {len(a)}; please report this function (transgrad does not "
                            f"follow the change in size of this list)")


def defined(value):
    """Nothing: the call keeps a read of a variable that may be unassigned where the user's
    code reads it (compiler/assigned.py), so Python raises UnboundLocalError there, as it
    would in the user's function, though the gradient does not need the value."""
