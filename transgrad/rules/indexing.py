"""Indexing: `x[index]` and its functional update, for every kind of NumPy index.

`index` is an input without a derivative: an int, slice, Ellipsis, None, an integer array or
list, a boolean mask, or a tuple of these. The reverse rule of `getitem` scatters with
`unindex` (repeated integer indices accumulate); `index_update` is `x[index] = v` without
mutation, which the Tensor facade uses for `t[idx] = v` and the compiler for `x[i] = v`.
"""
import operator

import numpy as np

from .. import helpers
from ..registry import primitive, route_helper
from .naming import choosing


def _advanced(part):
    """Whether an index component makes NumPy (and PyTorch) use advanced indexing."""
    if isinstance(part, (list, bool, np.bool_)):
        return True
    if hasattr(part, "ndim") and hasattr(part, "dtype"):
        return part.ndim > 0 or part.dtype == bool
    return False


@choosing("SelectBackward0", "SliceBackward0", "IndexBackward0", "UnsqueezeBackward0", "AliasBackward0")
def _index_name(x, index):
    """PyTorch's node for `x[index]`: the last view it applies (select, slice, unsqueeze),
    IndexBackward0 for advanced indices, AliasBackward0 when nothing is applied."""
    parts = index if isinstance(index, tuple) else (index,)
    if any(_advanced(p) for p in parts):
        return "IndexBackward0"
    if isinstance(index, slice):
        return "SliceBackward0"
    last = "AliasBackward0"
    for part in parts:
        if part is None:
            last = "UnsqueezeBackward0"
        elif isinstance(part, slice):
            if part != slice(None):
                last = "SliceBackward0"
        elif part is not Ellipsis:
            last = "SelectBackward0"
    return last


@primitive(operator.getitem, linear=True, grad_fn=_index_name, operators=("Subscript",),
           methods=("__getitem__",))
def getitem(z, x, index):
    """z = x[index]"""
    d[x] = unindex(d[z], np.shape(x), index)
    t[z] = t[x][index]


@primitive(helpers.index_update, grad_fn="CopySlices")
def index_update(z, x, index, v):
    """z = x with z[index] = v"""
    d[x] = index_update(d[z], index, 0.0)
    d[v] = unbroadcast(d[z][index], np.shape(v))
    t[z] = index_update(t[x], index, 0.0) + index_update(zeros_like_shape(t[v], np.shape(x)), index, t[v])


route_helper(index_update)
