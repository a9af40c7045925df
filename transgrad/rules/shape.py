"""Shape primitives: reshape, transposes, squeeze/unsqueeze, broadcast, tile, join and split, flip,
copy.

All are linear: each states its reverse rule and the forward rule applies the primitive to the
tangent. `concatenate`/`stack` take a sequence of arrays (their cotangent is a list, one per
array); `split` returns several arrays (its cotangent seed is a list, one per output).
"""
import numpy as np

from ..registry import primitive
from .naming import choosing


@choosing("ViewBackward0", "UnsafeViewBackward0")
def _reshape_name(x, shape=-1):
    """PyTorch views a contiguous tensor (ViewBackward0) and copies a strided one first."""
    flags = getattr(x, "flags", None)
    return "ViewBackward0" if flags is None or flags.c_contiguous else "UnsafeViewBackward0"


@primitive(np.reshape, linear=True, grad_fn=_reshape_name, aliases=("reshape", "view"),
           methods=("reshape", "view"))
def reshape(y, x, shape=-1):
    """y = x viewed with another shape"""
    d[x] = np.reshape(d[y], np.shape(x))


@primitive(np.ravel, linear=True, grad_fn="ViewBackward0", aliases=("ravel", "flatten"),
           methods=("ravel", "flatten"))
def ravel(y, x):
    """y = x flattened"""
    d[x] = np.reshape(d[y], np.shape(x))


@primitive(np.transpose, linear=True, grad_fn="PermuteBackward0", aliases=("permute", "permute_dims"),
           methods=("transpose", "permute"), name="permute")
def permute(y, x, axes=None):
    """y = x with its axes reordered (reversed when axes is None)"""
    d[x] = np.transpose(d[y], invert_permutation(axes))


def _t(x):
    """The transpose of a matrix; vectors and scalars unchanged (`torch.t`)."""
    if np.ndim(x) > 2:
        raise ValueError(f"t() expects a tensor with <= 2 dimensions, but self is {np.ndim(x)}D")
    return np.transpose(x)


@primitive(_t, linear=True, grad_fn="TBackward0", methods=("t",))
def t(y, x):
    """y = x.T for at most two dimensions"""
    d[x] = np.transpose(d[y])


@primitive(np.swapaxes, linear=True, grad_fn="TransposeBackward0",
           aliases=("swapaxes", "transpose", "swapdims"), methods=("swapaxes", "swapdims"))
def swapaxes(y, x, axis1=0, axis2=1):
    """y = x with axes axis1 and axis2 exchanged (`torch.transpose`)"""
    d[x] = np.swapaxes(d[y], axis1, axis2)


@primitive(np.moveaxis, linear=True, grad_fn="PermuteBackward0", aliases=("moveaxis", "movedim"),
           methods=("moveaxis", "movedim"))
def moveaxis(y, x, source=0, destination=0):
    """y = x with axis `source` moved to position `destination`"""
    d[x] = np.moveaxis(d[y], destination, source)


@choosing("SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2")
def _squeeze_name(x, axis=None):
    if axis is None:
        return "SqueezeBackward0"
    return "SqueezeBackward2" if isinstance(axis, (tuple, list)) else "SqueezeBackward1"


@primitive(np.squeeze, linear=True, grad_fn=_squeeze_name, methods=("squeeze",))
def squeeze(y, x, axis=None):
    """y = x without its axes of length one (those in axis)"""
    d[x] = np.reshape(d[y], np.shape(x))


@primitive(np.expand_dims, linear=True, grad_fn="UnsqueezeBackward0", aliases=("expand_dims", "unsqueeze"),
           methods=("unsqueeze", "expand_dims"))
def expand_dims(y, x, axis=0):
    """y = x with a new axis of length one at axis"""
    d[x] = np.reshape(d[y], np.shape(x))


@primitive(np.broadcast_to, linear=True, grad_fn="ExpandBackward0", aliases=("broadcast_to", "expand"),
           methods=("expand", "broadcast_to"))
def broadcast_to(y, x, shape=()):
    """y = x broadcast to shape"""
    d[x] = unbroadcast(d[y], np.shape(x))


@primitive(np.tile, linear=True, grad_fn="RepeatBackward0", aliases=("tile",), methods=("tile",))
def tile(y, x, reps=1):
    """y = x repeated reps[k] times along each axis k (`torch.tile`, `Tensor.repeat`)"""
    d[x] = untile(d[y], np.shape(x), reps)


@primitive(np.concatenate, linear=True, grad_fn="CatBackward0", sequence=("xs",),
           aliases=("concatenate", "cat", "concat"))
def concatenate(z, xs, axis=0):
    """z = the arrays xs joined along axis"""
    d[xs] = unconcatenate(d[z], shapes(xs), axis)


@primitive(np.stack, linear=True, grad_fn="StackBackward0", sequence=("xs",))
def stack(z, xs, axis=0):
    """z = the arrays xs stacked along a new axis"""
    d[xs] = unstack(d[z], axis)


@choosing("SplitBackward0", "SplitWithSizesBackward0")
def _split_name(x, indices_or_sections=2, axis=0):
    """Equal sections are torch.chunk/split(size) (SplitBackward0); indices give sizes."""
    return "SplitBackward0" if isinstance(indices_or_sections, (int, np.integer)) else "SplitWithSizesBackward0"


@primitive(np.split, linear=True, multiple_outputs=True, methods=("split",), grad_fn=_split_name)
def split(zs, x, indices_or_sections=2, axis=0):
    """zs = x cut along axis into equal sections, or at the given indices"""
    d[x] = np.concatenate(d[zs], axis=axis)


@primitive(np.flip, linear=True, grad_fn="FlipBackward0", methods=("flip",))
def flip(y, x, axis=None):
    """y = x with the order of its elements along axis (all axes when None) reversed"""
    d[x] = np.flip(d[y], axis)


@primitive(np.copy, linear=True, grad_fn="CloneBackward0", aliases=("copy", "clone"),
           methods=("copy", "clone"))
def copy(y, x):
    """y = a copy of x"""
    d[x] = d[y]
