"""`grad_fn` choosers: PyTorch names some backward nodes by their inputs (`1 - x` is
RsubBackward1, `x - 1` SubBackward0). A chooser is a function `(*raw_inputs, **statics) -> name`;
`choosing` records the names it can return, for the primitive table in docs/primitives.md."""
import numpy as np


def choosing(*names):
    """Mark a grad_fn chooser with the names it may return."""
    def mark(fn):
        fn.names = names
        return fn
    return mark


def number(v):
    """A Python or NumPy scalar, not an array: PyTorch names some nodes by it."""
    return isinstance(v, (int, float, complex, np.generic))
