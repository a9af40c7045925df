"""Backward nodes (`grad_fn`): one class per PyTorch name, holding what the reverse rules read.

A `Node` made by the dispatcher for a primitive holds
- `_fns`:   per input, the primitive's lowered reverse rule (`Rule.fn`), None where that input
            needs no gradient;
- `_args`:  the one tuple passed after the cotangent: `(z, *inputs, z_shape, *input_shapes,
            *statics)`, with values only for the names the needed rules read (None otherwise);
            it becomes None when the graph is freed, if it held any value;
- `_next`:  per input, the node its gradient flows to (a `Node`, an `AccumulateGrad` for a leaf
            that requires grad, or None), and `_nrs` their output numbers (None when all 0);
- `_saved`: `(slot, tensor, version_counter, version)` for every saved Tensor value, so that
            backward can detect in-place modification, and `create_graph` can rebuild Tensors;
- `_dtypes`: per input, the dtype its gradient is cast to (each input's own dtype);
- `_seq`:   the node's sequence number (`next_seq()`), taken once its edges exist: every node
            an edge leads to is older, so running nodes newest first is a topological order
            (the engine's order, as PyTorch's). A node without one (made elsewhere, e.g. by the
            compiler's runtime) has the slot unset (`seq_of` reads None) and the engine counts
            dependencies instead.

Every node the dispatcher records for a plain primitive is made as one class, `PlainNode`, its
PyTorch class kept in `_cls`: CPython specialises an attribute read or write for one class at a
time, and the engine and the recorder touch a dozen slots per node, on nodes of every name (ten
per cent of the instructions of a loop of small operations went to those misses). A node takes
its named class (`__class__ = _cls`, same layout) the moment user code can see it (`reveal`: the
Tensor's `grad_fn`, `next_functions`); `node_name` reads the name either way.

A node never references its own output Tensor (it keeps the output's array and version
counter), so a graph is freed by reference counting alone.
"""
import itertools
import re

__all__ = ["Node", "PlainNode", "AccumulateGrad", "RemovableHandle", "named_class", "node_class",
           "node_name", "op_name", "next_seq", "reveal", "set_class", "seq_of", "PLAIN_CLASSES"]

# sequence numbers of nodes, in order of creation (thread-safe: one C call under the GIL)
next_seq = itertools.count(1).__next__


class Node:
    """Base of every backward node. `name()`, `next_functions` and hooks as in PyTorch."""

    __slots__ = ("_fns", "_args", "_next", "_nrs", "_saved", "_dtypes", "_prim", "_pre_hooks",
                 "_trace", "_seq", "__weakref__")
    _nout = 1
    _layout = None      # set on nodes of primitives with a sequence input
    # No `__getattr__` here (nor on Tensor): with one, CPython 3.11 specialises no attribute
    # read of the class, and the engine reads a dozen per node. `_trace` is set only under
    # anomaly detection and `_seq` only by the engine's own recorders: read them with
    # `seq_of` / `getattr(node, "_trace", None)`, or catch AttributeError in a hot loop.

    def name(self):
        return node_name(self)

    def __repr__(self):
        return f"<{node_name(self)} object at {id(self):#x}>"

    @property
    def next_functions(self):
        nrs = self._nrs or (0,) * len(self._next)
        return tuple((reveal(n), nr) for n, nr in zip(self._next, nrs))

    @property
    def metadata(self):
        return {}

    def register_prehook(self, fn):
        """`fn(grad_outputs) -> grad_outputs or None` before this node runs."""
        return _add_hook(self, 0, fn, kind="node")


class PlainNode(Node):
    """The class of every recorded plain node until user code sees it (see the module's
    docstring); `_cls` is its PyTorch class, a subclass of this one with no slots of its own."""

    __slots__ = ("_cls",)


def named_class(node):
    """`node`'s PyTorch class (`AddBackward0`), revealed or not."""
    cls = type(node)
    return node._cls if cls is PlainNode else cls


def node_name(node):
    """The PyTorch name of `node`'s class, revealed or not."""
    return named_class(node).__name__


def reveal(node):
    """`node` with its named class, as user code must see it (`type(y.grad_fn)`)."""
    if type(node) is PlainNode:
        node.__class__ = node._cls
    return node


def set_class(node, cls):
    """Rename `node` to the plain class `cls` (`ToCopyBackward0`), revealed or not."""
    if type(node) is PlainNode:
        node._cls = cls
    else:
        node.__class__ = cls


def seq_of(node):
    """The node's sequence number, None for a node made without one (the compiler's)."""
    try:
        return node._seq
    except AttributeError:
        return None


def op_name(node):
    """What PyTorch 2.13 calls the operation of a node in the in-place error: `Add` for
    `AddBackward0`, `CopySlices` for `CopySlices`."""
    name = node_name(node)
    return re.sub(r"Backward\d*$", "", name) or name


_CLASSES = {}
# the classes `node_class` made: nodes of one output whose `_fns` are the rules (the engine runs
# them inline; other nodes, of several outputs or with a backward of their own, go the long way)
PLAIN_CLASSES = {PlainNode}


def node_class(name):
    """The node class named `name` (`AddBackward0`), made once and cached; the dispatcher makes
    its nodes as `PlainNode`s with this class in `_cls`."""
    cls = _CLASSES.get(name)
    if cls is None:
        cls = _CLASSES[name] = type(name, (PlainNode,), {"__slots__": ()})
        cls.__module__ = "builtins"   # so that `type(node)` prints `<class 'AddBackward0'>`
        PLAIN_CLASSES.add(cls)
    return cls


class AccumulateGrad:
    """The node that adds a leaf's gradient into its `.grad`; `.variable` is the leaf."""

    __slots__ = ("variable", "_seq", "__weakref__")
    _nout = 1
    _next = ()
    _nrs = None

    def __init__(self, variable):
        self.variable = variable
        self._seq = next_seq()    # older than every node that will have an edge to it

    def name(self):
        return "torch::autograd::AccumulateGrad"

    @property
    def next_functions(self):
        return ()

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


AccumulateGrad.__module__ = "builtins"


class RemovableHandle:
    """Returned by `register_hook`; `remove()` unregisters the hook."""

    __slots__ = ("_owner", "_key", "id")
    _next_id = [0]

    def __init__(self, owner, key):
        self._owner = owner
        self._key = key
        RemovableHandle._next_id[0] += 1
        self.id = RemovableHandle._next_id[0]

    def remove(self):
        hooks = self._owner
        if hooks is not None:
            hooks.pop(self._key, None)
            self._owner = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _add_hook(node, nr, fn, kind="tensor"):
    """Register a tensor hook for output `nr` of `node` (called with that output's gradient)."""
    hooks = node._pre_hooks
    if hooks is None:
        hooks = node._pre_hooks = {}
    key = object()
    hooks[key] = (nr, fn, kind)
    return RemovableHandle(hooks, key)
