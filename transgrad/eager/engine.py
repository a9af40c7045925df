"""The backward engine: walk the graph of nodes from the roots and run the reverse rules.

`run_backward` is shared by `Tensor.backward`, `tg.autograd.backward` and `tg.autograd.grad`:

1. the order: in the common walk (no targets, no create_graph, no anomaly mode) nodes run
   newest first by sequence number (`Node._seq`), PyTorch's order, which needs no pass over
   the graph beforehand; otherwise (and for a graph holding a node without a number)
   dependencies are counted over the reachable graph (an explicit stack: no recursion limit);
   with `targets` (autograd.grad, `backward(inputs=...)`) only nodes from which a target is
   reachable run, and only the needed edges are computed;
2. execution in topological order: a node runs once every gradient flowing into it has been
   summed (in place into arrays only the engine holds; in the newest-first walk, a broadcast
   leaf's contributions are summed at the broadcast shape and reduced once, when the leaf's
   node runs: `dispatch.Unreduced`); tensor hooks (and `retain_grad`) run on the summed
   gradient first;
3. a node's saved values are checked against the version counters of the Tensors they came
   from (PyTorch's in-place error) and, unless `keep_graph`, freed after it ran; running a freed
   node that had saved values raises PyTorch's "backward through the graph a second time";
4. leaves accumulate into `.grad` (in place, keeping the object) after their hooks ran; a
   first `.grad` is the engine's own gradient array when nothing else references it (as
   PyTorch's AccumulateGrad steals it), else a copy.

Without `create_graph` gradients are plain arrays all the way (rules get `(g, *node._args)`);
with it, gradients are Tensors, saved values are rebuilt as Tensors and the rules run with grad
mode on, so NumPy's dispatch records them and the result is differentiable again.
"""
import warnings
from heapq import heapify, heappop, heappush
from sys import getrefcount as _getrefcount

import numpy as np

from .. import registry
from ..errors import GradientError
from . import dispatch
from .dispatch import wrap, acc_node, records
from .grad_mode import STATE
from .node import AccumulateGrad, PLAIN_CLASSES, node_class, node_name, op_name, seq_of, set_class

__all__ = ["run_backward", "SECOND_TIME"]

SECOND_TIME = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward.")

_ndarray = np.ndarray
_asarray = np.asarray
Tensor = None   # set by tensor.py


def _shape_text(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _version_error(node, slot, t, vc, ver):
    from . import dtypes
    if slot <= 0:
        data = node._args[0]
        if isinstance(data, list):
            data = data[[r[2] for r in records(node._saved) if r[0] == -2].index(vc)]
        where = f", which is output 0 of {op_name(node)}"
    else:
        data = t._data
        f = t._grad_fn
        where = "" if f is None else f", which is output {t._nr} of {op_name(f)}"
    kind = dtypes.from_numpy_dtype(data.dtype)._tensor_name
    from ..autograd import anomaly_mode
    if anomaly_mode.is_anomaly_enabled():
        hint = ("Hint: the backtrace further above shows the operation that failed to compute "
                "its gradient. The variable in question was changed in there or anywhere later. "
                "Good luck!")
    else:
        hint = ("Hint: enable anomaly detection to find the operation that failed to compute its "
                "gradient, with tg.autograd.set_detect_anomaly(True, check_nan=False).")
    return GradientError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [tg.{kind} {_shape_text(data.shape)}]{where}, is at version {vc[0]}; "
        f"expected version {ver} instead. {hint}")


# -- create_graph: rules run on Tensors ----------------------------------------------------------

def graph_fn(fn):
    """The rule function used under create_graph: the lowered rule itself (its NumPy calls and
    helpers dispatch to the engine on Tensors; the registry routes helpers NumPy cannot
    dispatch, like `unindex`, through their primitives)."""
    return fn


def _as_tensor(v):
    if isinstance(v, Tensor):
        return v
    return wrap(_asarray(v))


def _graph_args(node):
    """The node's saved arguments with Tensors in place of arrays where they carry a graph."""
    args = list(node._args)
    for slot, t, vc, ver in records(node._saved):
        if slot == 0:
            z = dispatch._wrap_result(args[0], node)
            z._vc = vc
            args[0] = z
        elif slot > 0 and t is not None and t._rg:
            args[slot] = t
        elif slot == -2:
            outs = args[0] if isinstance(args[0], list) else list(args[0])
            k = [r[2] for r in records(node._saved) if r[0] == -2].index(vc)
            if not isinstance(outs[k], Tensor):
                z = dispatch._wrap_result(outs[k], node)
                z._vc = vc
                z._nr = k
                outs[k] = z
            args[0] = outs
    layout = node._layout
    if layout is not None:
        flat = node._inputs_ref
        k = 0
        for i, count in enumerate(layout):
            if count is None:
                k += 1
                continue
            if args[i + 1] is not None:
                args[i + 1] = [e if isinstance(e, Tensor) and e._rg else a
                               for e, a in zip(flat[k:k + count], args[i + 1])]
            k += count
    return args


def _run_node_graph(node, g, wanted):
    args = _graph_args(node)
    fns = node._fns
    prev = STATE.grad
    STATE.grad = True
    try:
        if getattr(node, "_layout", None) is not None:
            gfns = tuple(None if f is None else graph_fn(f) for f in fns)
            grads = dispatch.seq_grads(node, gfns, g, args, True)
        else:
            grads = [None if (f is None or (wanted is not None and not wanted[i]))
                     else graph_fn(f)(g, *args) for i, f in enumerate(fns)]
    finally:
        STATE.grad = prev
    return [None if r is None else _as_tensor(r) for r in grads]


def _cast_graph(gi, dt):
    if gi._data.dtype == dt:
        return gi
    from . import tensor as _tensor_module
    return _tensor_module.Tensor.to(gi, dt)


# -- hooks ------------------------------------------------------------------------------------

def _check_hook_result(fn, old, new):
    if np.shape(new) != np.shape(old):
        raise GradientError(f"hook '{getattr(fn, '__name__', repr(fn))}' has changed the size of value")


def _run_tensor_hooks(hooks, g, graph):
    """Tensor hooks in registration order; each sees the previous one's result."""
    gt = g if graph else wrap(_asarray(g))
    changed = False
    for fn in list(hooks.values()):
        r = fn(gt)
        if r is not None:
            _check_hook_result(fn, gt, r)
            gt = r if isinstance(r, Tensor) else wrap(_asarray(r))
            changed = True
    if graph:
        return gt
    return gt._data if changed else g


def _run_node_hooks(node, nr, g, graph):
    hooks = node._pre_hooks
    retains = []
    node_hooks = []
    gt = None
    for key, (hnr, fn, kind) in list(hooks.items()):
        if kind == "retain":
            retains.append(fn)
        elif kind == "node":
            node_hooks.append(fn)
        elif hnr == nr:
            if gt is None:
                gt = g if graph else wrap(_asarray(g))
            r = fn(gt)
            if r is not None:
                _check_hook_result(fn, gt, r)
                gt = r if isinstance(r, Tensor) else wrap(_asarray(r))
    if gt is not None:
        g = gt if graph else gt._data
    for ref in retains:
        t = ref()
        if t is not None and t._nr == nr and t._grad_fn is node:
            value = g if graph else wrap(np.array(g, dtype=t._data.dtype))
            if graph:
                value = _as_tensor(value)
            if t._grad is None:
                t._grad = value if not graph else value
            else:
                t._grad = t._grad + value if graph else wrap(t._grad._data + value._data)
    for fn in node_hooks:
        r = fn((g if graph else wrap(_asarray(g)),))
        if r is not None:
            r0 = r[0]
            g = r0 if graph else _asarray(r0._data if isinstance(r0, Tensor) else r0)
    return g


# -- leaves -----------------------------------------------------------------------------------

_CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter "
    "and its gradient which can cause a memory leak. We recommend using autograd.grad when "
    "creating the graph to avoid this. If you have to use this function, make sure to reset the "
    ".grad fields of your parameters to None after use to break the cycle and avoid the leak.")


def _copy_backwards(g):
    """The first `.grad` of a leaf under create_graph: a copy whose node is `CopyBackwards`."""
    if not g._rg:
        return wrap(np.array(g._data))
    clone = registry.get("clone") if "clone" in {p.name for p in registry.all_primitives()} else None
    if clone is None:
        out = g + 0
    else:
        out = dispatch.apply(clone, (g,), ())
    node = out._grad_fn
    set_class(node, node_class("CopyBackwards"))
    return out


def _accumulate(t, g, graph, owned=False):
    """Add gradient `g` into leaf `t`'s `.grad`. `owned`: nothing else references the array
    `g` (the engine made it and holds its only reference), so a first `.grad` can be that very
    array instead of a copy (the copy would double the peak memory of a large gradient)."""
    dt = t._data.dtype
    if graph:
        if g._data.dtype != dt:
            g = _cast_graph(g, dt)
        if t._grad is None:
            t._grad = _copy_backwards(g)
        else:
            t._grad = t._grad + g
    else:
        if getattr(g, "dtype", None) != dt:
            g = _asarray(g, dtype=dt)
        cur = t._grad
        if cur is None:
            data = t._data
            if owned and type(g) is _ndarray and g.dtype == dt and g.shape == data.shape \
                    and g.base is None and g.flags.writeable:
                t._grad = wrap(g)
            else:
                t._grad = wrap(np.array(g, dtype=dt, copy=True).reshape(data.shape))
        elif cur._rg or not cur._data.flags.writeable:
            t._grad = wrap(cur._data + g)
        else:
            cur._data += g
    extra = t._extra
    if extra is not None:
        post = extra.get("post_hooks")
        if post:
            for fn in list(post.values()):
                fn(t)


# -- the walk ------------------------------------------------------------------------------------

def _reachability(roots, target_nodes):
    """For every node reachable from `roots`: can a target be reached from it?"""
    reach = {}
    stack = [(r, False) for r in roots]
    while stack:
        n, expanded = stack.pop()
        if expanded:
            r = n in target_nodes
            if not r:
                for c in n._next:
                    if c is not None and reach.get(c):
                        r = True
                        break
            reach[n] = r
            continue
        if n in reach:
            continue
        reach[n] = False
        stack.append((n, True))
        for c in n._next:
            if c is not None and c not in reach:
                stack.append((c, False))
    return reach


def run_backward(roots, seeds, keep_graph, graph, targets=None, accumulate=True):
    """Backpropagate `seeds` (arrays, or Tensors when `graph`) from `roots` (Tensors).

    targets: None, or a list of Tensors whose gradients are captured and returned (in order);
    accumulate: whether leaves (all of them, or only the targets) accumulate into `.grad`.
    The rules run with NumPy's floating-point errors ignored (PyTorch computes nan silently)."""
    with np.errstate(all="ignore"):
        return _run_backward(roots, seeds, keep_graph, graph, targets, accumulate)


def _run_backward(roots, seeds, keep_graph, graph, targets, accumulate):
    root_nodes = []
    buf = {}
    for t, s in zip(roots, seeds):
        n = t._grad_fn
        if n is None:
            n = acc_node(t)
        _add_to_buffer(buf, n, t._nr, s)
        if n not in root_nodes:
            root_nodes.append(n)

    reach = None
    capture_leaf = {}
    capture_node = {}
    captured = None
    if targets is not None:
        captured = [None] * len(targets)
        target_nodes = set()
        for k, t in enumerate(targets):
            f = t._grad_fn
            if f is None:
                ref = t._acc
                a = ref() if ref is not None else None
                if a is None:
                    continue
                capture_leaf.setdefault(a, []).append(k)
                target_nodes.add(a)
            else:
                capture_node.setdefault(f, []).append((t._nr, k))
                target_nodes.add(f)
        reach = _reachability(root_nodes, target_nodes)

    # 1. dependencies
    deps = {}
    rootset = set(root_nodes)
    stack = list(root_nodes)
    if reach is None and not graph and not dispatch.STATE_ANOMALY[0]:
        _execute_newest_first(root_nodes, buf, keep_graph, accumulate)
        return None
    while stack:
        n = stack.pop()
        if reach is not None and not _live(n, reach):
            continue
        for c in n._next:
            if c is None or (reach is not None and not reach.get(c)):
                continue
            d = deps.get(c)
            if d is None:
                deps[c] = 1
                if c not in rootset:
                    stack.append(c)
            else:
                deps[c] = d + 1

    # 2. execution
    ready = [n for n in root_nodes if not deps.get(n)]
    anomaly = dispatch.STATE_ANOMALY[0]
    if reach is None and not graph and not anomaly:
        _execute_plain(ready, buf, deps, keep_graph, accumulate)
        return None
    while ready:
        n = ready.pop()
        g = buf.pop(n, None)
        if n.__class__ is AccumulateGrad:
            if g is None:
                continue
            t = n.variable
            extra = t._extra
            if extra is not None:
                hooks = extra.get("hooks")
                if hooks:
                    g = _run_tensor_hooks(hooks, g, graph)
            if targets is not None:
                ks = capture_leaf.get(n)
                if ks is not None:
                    for k in ks:
                        captured[k] = g
                    if accumulate:
                        _accumulate(t, g, graph)
            elif accumulate:
                _accumulate(t, g, graph)
            continue

        if g is not None and n._pre_hooks:
            g = _run_node_hooks(n, 0, g, graph) if n._nout == 1 else \
                [None if gi is None else _run_node_hooks(n, i, gi, graph) for i, gi in enumerate(g)]
        if targets is not None:
            caps = capture_node.get(n)
            if caps is not None:
                for nr, k in caps:
                    captured[k] = g if n._nout == 1 else g[nr]
            if not _live(n, reach):
                continue
            wanted = tuple(c is not None and reach.get(c, False) for c in n._next)
        else:
            wanted = None
        grads = None if g is None else _run_node(n, g, graph, keep_graph, wanted, anomaly)
        nrs = n._nrs
        for i, c in enumerate(n._next):
            if c is None or (reach is not None and not reach.get(c)):
                continue
            if grads is not None:
                gi = grads[i]
                if gi is not None:
                    _add_to_buffer(buf, c, nrs[i] if nrs else 0, gi)
            d = deps[c] - 1
            deps[c] = d
            if not d:
                ready.append(c)
    return captured


def _run_node(n, g, graph, keep_graph, wanted, anomaly):
    """The gradients a node sends to each of its edges (None where nothing flows)."""
    if n._fns is None:
        return n._backward(g, graph, keep_graph)
    args = n._args
    if args is None:
        raise GradientError(SECOND_TIME)
    saved = n._saved
    if saved:
        for slot, t, vc, ver in records(saved):
            if vc[0] != ver:
                if anomaly:
                    _anomaly_report(n)
                raise _version_error(n, slot, t, vc, ver)
    if n._nout != 1:
        g = _fill_outputs(n, g, graph)
    if graph:
        grads = _run_node_graph(n, g, wanted)
    elif n._layout is not None:
        grads = dispatch.seq_grads(n, n._fns, g, args, False)
    elif wanted is None:
        grads = [None if f is None else f(g, *args) for f in n._fns]
    else:
        grads = [None if (f is None or not wanted[i]) else f(g, *args)
                 for i, f in enumerate(n._fns)]
    if not keep_graph and saved is not None:
        n._args = n._saved = None     # the saved Tensors are released with the arguments
    dts = n._dtypes
    if dts is not None:
        for i, dt in enumerate(dts):
            gi = grads[i]
            if dt is not None and gi is not None:
                grads[i] = _cast_graph(gi, dt) if graph else _asarray(gi).astype(dt)
    if anomaly:
        _anomaly_check(n, grads, graph)
    return grads


def _count_plain(stack, deps, rootset):
    """Step 1 without targets: how many edges of the reachable graph lead to each node."""
    pop = stack.pop
    push = stack.append
    get = deps.get
    while stack:
        for c in pop()._next:
            if c is not None:
                d = get(c)
                if d is None:
                    deps[c] = 1
                    if c not in rootset:
                        push(c)
                else:
                    deps[c] = d + 1


def _check_versions(n, saved):
    """PyTorch's in-place error for a saved Tensor changed since it was saved (`saved` holds
    four entries per Tensor: its slot, the Tensor, its version cell and the version when
    saved). `_execute_newest_first` unrolls this for one and two Tensors."""
    for k in range(2, len(saved), 4):
        if saved[k][0] != saved[k + 1]:
            raise _version_error(n, *saved[k - 2:k + 2])


def _leaf_gradient(t, g):
    """What reaches leaf `t`'s `.grad` from the gradient `g` its node received (array walks):
    an `Unreduced` sum reduced to `t`'s shape, then `t`'s hooks. The caller rebinds its `g`
    to the result, so that the result's reference count says whether the engine owns it."""
    if type(g) is dispatch.Unreduced:
        g = g.finish()
    extra = t._extra
    if extra is not None:
        hooks = extra.get("hooks")
        if hooks:
            g = _run_tensor_hooks(hooks, g, False)
    return g


def _execute_newest_first(root_nodes, buf, keep_graph, accumulate):
    """The common walk (arrays, no targets, no anomaly mode), kept tight: nodes run newest
    first (highest `_seq`): every gradient flowing into a node comes from a newer one, so once
    it is the newest node holding a gradient, its gradient is complete. No dependency count is
    needed; a node whose gradient goes straight to an only child that is then the newest runs
    that child next without the heap or the buffer. A node of a class made by `node_class`
    (one output, rules in `_fns`: `PLAIN_CLASSES`) runs inline (its version checks unrolled
    for one or two saved Tensors), and gradients flowing into a node are summed in place when
    the engine owns the sum (`_sum`). Meeting a node without a sequence number, it hands the
    pending nodes to `_execute_counted`."""
    heap = []
    for r in root_nodes:
        s = seq_of(r)
        if s is None:
            return _execute_counted(buf, keep_graph, accumulate)
        heap.append((-s, r))
    heapify(heap)
    hpop = heappop
    hpush = heappush
    bpop = buf.pop
    bget = buf.get
    identity = dispatch.identity_rule
    plain = PLAIN_CLASSES
    acc_cls = AccumulateGrad
    summed = dispatch.SUMMED_RULES
    Unreduced = dispatch.Unreduced
    n = g = None        # the node to run next when known without the heap, and its gradient
    while True:
        if n is None:
            if not heap:
                return None
            n = hpop(heap)[1]
            g = bpop(n)
        cls = type(n)
        if cls is acc_cls:
            t = n.variable
            n = None
            g = _leaf_gradient(t, g)
            if accumulate:
                # owned: referenced only by `g` here and getrefcount's argument (the buffer
                # gave it up; `grads`/`gi` were cleared after the previous node); counted
                # before the call, whose own arguments would hold `g` too
                owned = _getrefcount(g) <= 2
                _accumulate(t, g, False, owned)
            g = None
            continue
        nxt = n._next
        if n._pre_hooks:
            g = _run_node_hooks(n, 0, g, False) if n._nout == 1 else \
                [None if gi is None else _run_node_hooks(n, i, gi, False)
                 for i, gi in enumerate(g)]
        if cls not in plain or n._dtypes is not None:
            grads = _run_node(n, g, False, keep_graph, None, False)
        else:
            fns = n._fns
            args = n._args
            if args is None:
                raise GradientError(SECOND_TIME)
            saved = n._saved
            if saved is not None:
                size = len(saved)
                if size == 4:
                    if saved[2][0] != saved[3]:
                        raise _version_error(n, *saved)
                elif size == 8:
                    if saved[2][0] != saved[3]:
                        raise _version_error(n, *saved[:4])
                    if saved[6][0] != saved[7]:
                        raise _version_error(n, *saved[4:])
                else:
                    for k in range(2, size, 4):
                        if saved[k][0] != saved[k + 1]:
                            raise _version_error(n, *saved[k - 2:k + 2])
                if not keep_graph:
                    n._args = n._saved = None
            nf = len(fns)
            # one edge carrying a gradient (one input, or two of which one needs none: `t * c`,
            # `x[t] @ W`, or whose other goes to a broadcast leaf): no tuple of gradients, no
            # loop over edges
            if nf == 1:
                f = fns[0]
                c = nxt[0]
            elif nf == 2:
                f0, f1 = fns
                if f1 in summed and type(nxt[1]) is acc_cls:
                    k = 1
                elif f0 in summed and type(nxt[0]) is acc_cls:
                    k = 0
                else:
                    k = -1
                if k >= 0:
                    # a broadcast leaf (a bias): its contributions are summed before they are
                    # reduced to its shape, once, when its node runs (`Unreduced`); added here,
                    # in place into the pending sum when the engine owns it
                    core, slot = summed[f1 if k else f0]
                    u = g if core is identity else core(g, *args)
                    leaf = nxt[k]
                    prev = bget(leaf)
                    if prev is None:
                        buf[leaf] = Unreduced(u, args[slot])
                        hpush(heap, (-leaf._seq, leaf))
                    elif type(prev) is Unreduced:
                        buf[leaf] = prev.add(u, args[slot])
                    else:
                        buf[leaf] = _sum(prev, Unreduced(u, args[slot]))
                    prev = u = None
                    if k:
                        f = f0
                        c = nxt[0]
                    else:
                        f = f1
                        c = nxt[1]
                    if f is None:
                        n = g = None
                        continue
                elif f0 is None:
                    f = f1
                    c = nxt[1]
                elif f1 is None:
                    f = f0
                    c = nxt[0]
                else:
                    f = None
            else:
                f = None
            if f is not None:
                gi = g if f is identity else f(g, *args)
                g = None
                if c is None or gi is None:
                    n = gi = None
                    continue
                ccls = type(c)
                if ccls in plain or ccls is acc_cls or c._nout == 1:
                    n = None
                    prev = bget(c)
                    if prev is not None:
                        # `_sum` inlined: in place into an array only the buffer holds
                        # (references: the buffer, `prev`, getrefcount's argument)
                        if type(prev) is _ndarray and type(gi) is _ndarray \
                                and _getrefcount(prev) <= 3 and prev.base is None \
                                and ((pd := prev.dtype) is gi.dtype or pd == gi.dtype) \
                                and prev.shape == gi.shape:
                            try:
                                prev += gi
                            except ValueError:      # read-only (a hook's array)
                                buf[c] = prev + gi
                        else:
                            buf[c] = prev + gi
                        gi = prev = None
                        continue
                    try:
                        s = c._seq
                    except AttributeError:      # a node made without a number
                        s = None
                    if s is None:
                        buf[c] = gi
                        gi = None
                        return _execute_counted(buf, keep_graph, accumulate)
                    if heap and -heap[0][0] > s:
                        buf[c] = gi
                        hpush(heap, (-s, c))
                        gi = None
                    else:
                        n = c
                        g = gi
                        gi = None
                    continue
                grads = (gi,) if nf == 1 else (gi, None) if c is nxt[0] else (None, gi)
            elif nf == 2:
                grads = (None if f0 is None else g if f0 is identity else f0(g, *args),
                         None if f1 is None else g if f1 is identity else f1(g, *args))
            else:
                grads = [None if f is None else f(g, *args) for f in fns]
        nrs = n._nrs
        n = g = None
        if grads is None:       # a node's own backward (custom Function, compiled) sent nothing
            continue
        best = None
        best_s = 0
        unnumbered = False
        i = -1
        for c in nxt:
            i += 1
            if c is None:
                continue
            gi = grads[i]
            if gi is None:
                continue
            ccls = type(c)
            if ccls in plain or ccls is acc_cls or c._nout == 1:
                prev = bget(c)
                if prev is not None:
                    buf[c] = _sum(prev, gi)
                    continue
                buf[c] = gi
            else:
                pending = c in buf
                _add_to_buffer(buf, c, nrs[i] if nrs else 0, gi)
                if pending:
                    continue
            try:
                s = c._seq
            except AttributeError:
                s = None
            if s is None:
                unnumbered = True
            elif best is None:
                best = c
                best_s = s
            elif s > best_s:
                hpush(heap, (-best_s, best))
                best = c
                best_s = s
            else:
                hpush(heap, (-s, c))
        grads = gi = prev = None   # the buffer holds the gradients now (see `owned` above)
        if unnumbered:
            return _execute_counted(buf, keep_graph, accumulate)
        if best is not None:
            if heap and -heap[0][0] > best_s:
                hpush(heap, (-best_s, best))
            else:
                n = best
                g = bpop(best)


def _execute_counted(buf, keep_graph, accumulate):
    """The rest of a walk whose graph holds a node without a sequence number: dependencies
    counted from the pending nodes (those holding a gradient), then `_execute_plain`."""
    pending = list(buf)
    deps = {}
    _count_plain(list(pending), deps, set(pending))
    _execute_plain([p for p in pending if not deps.get(p)], buf, deps, keep_graph, accumulate)
    return None


def _execute_plain(ready, buf, deps, keep_graph, accumulate):
    """The common walk (arrays, no targets, no anomaly mode), kept tight: a node of one output
    with plain rules runs inline (its version checks unrolled for one or two saved Tensors),
    and gradients flowing into a node are summed in place when the engine owns the sum."""
    pop = ready.pop
    push = ready.append
    bpop = buf.pop
    bget = buf.get
    identity = dispatch.identity_rule
    while ready:
        n = pop()
        g = bpop(n, None)
        if n.__class__ is AccumulateGrad:
            if g is None:
                continue
            t = n.variable
            g = _leaf_gradient(t, g)
            if accumulate:
                # owned: as in `_execute_newest_first`
                owned = _getrefcount(g) <= 2
                _accumulate(t, g, False, owned)
            continue
        nxt = n._next
        if g is None:
            grads = None
        else:
            if n._pre_hooks:
                g = _run_node_hooks(n, 0, g, False) if n._nout == 1 else \
                    [None if gi is None else _run_node_hooks(n, i, gi, False)
                     for i, gi in enumerate(g)]
            fns = n._fns
            if fns is None or n._nout != 1 or n._layout is not None or n._dtypes is not None:
                grads = _run_node(n, g, False, keep_graph, None, False)
            else:
                args = n._args
                if args is None:
                    raise GradientError(SECOND_TIME)
                saved = n._saved
                if saved is not None:
                    _check_versions(n, saved)
                    if not keep_graph:
                        n._args = n._saved = None
                if len(fns) == 1:
                    # one input: no tuple of gradients, no loop over edges
                    c = nxt[0]
                    gi = fns[0](g, *args)
                    if c is not None:
                        if gi is not None:
                            if c._nout == 1:
                                prev = bget(c)
                                buf[c] = gi if prev is None else _sum(prev, gi)
                            else:
                                _add_to_buffer(buf, c, n._nrs[0] if n._nrs else 0, gi)
                        d = deps[c] - 1
                        deps[c] = d
                        if not d:
                            push(c)
                    gi = prev = None
                    continue
                if len(fns) == 2:
                    f0, f1 = fns
                    grads = (None if f0 is None else g if f0 is identity else f0(g, *args),
                             None if f1 is None else g if f1 is identity else f1(g, *args))
                else:
                    grads = [None if f is None else f(g, *args) for f in fns]
        nrs = n._nrs
        i = 0
        for c in nxt:
            if c is not None:
                if grads is not None:
                    gi = grads[i]
                    if gi is not None:
                        if c._nout == 1:
                            prev = bget(c)
                            buf[c] = gi if prev is None else _sum(prev, gi)
                        else:
                            _add_to_buffer(buf, c, nrs[i] if nrs else 0, gi)
                d = deps[c] - 1
                deps[c] = d
                if not d:
                    push(c)
            i += 1
        grads = gi = prev = None   # the buffer holds the gradients now (see `owned` above)


def _sum(prev, gi):
    """`prev + gi` for gradients flowing into one node: in place into `prev` when only the
    buffer holds it (the engine made it: no hook, seed, saved value or view sees it) and the
    sum has its shape and dtype, saving an allocation per extra consumer."""
    # references to `prev`: the buffer, the caller's local, this parameter, getrefcount's.
    # (An array the engine owns is writeable unless a hook returned a read-only one: the
    # in-place add refuses that before writing, and the sum is made anew.)
    if type(prev) is _ndarray and type(gi) is _ndarray and _getrefcount(prev) <= 4 \
            and prev.base is None and ((pd := prev.dtype) is gi.dtype or pd == gi.dtype) \
            and prev.shape == gi.shape:
        try:
            prev += gi
        except ValueError:
            return prev + gi
        return prev
    return prev + gi


def _fill_outputs(node, g, graph):
    """The cotangent list of a multiple-output node, zeros where no gradient arrived."""
    shapes = node._args[len(node._fns) + 1]
    out = []
    for k, gk in enumerate(g):
        if gk is None:
            gk = np.zeros(shapes[k], node._out_dtypes[k])
            if graph:
                gk = wrap(gk)
        out.append(gk)
    return out


def _live(n, reach):
    if n.__class__ is AccumulateGrad:
        return False
    for c in n._next:
        if c is not None and reach.get(c):
            return True
    return False


def _add_to_buffer(buf, c, nr, gi):
    if c._nout == 1:
        prev = buf.get(c)
        buf[c] = gi if prev is None else prev + gi
    else:
        lst = buf.get(c)
        if lst is None:
            lst = buf[c] = [None] * c._nout
        prev = lst[nr]
        lst[nr] = gi if prev is None else prev + gi


def _anomaly_report(node):
    trace = getattr(node, "_trace", None)
    if trace:
        warnings.warn(f"Error detected in {node_name(node)}. Traceback of forward call that "
                      f"caused the error:\n{trace}", UserWarning, stacklevel=4)


def _anomaly_check(node, grads, graph):
    from ..autograd import anomaly_mode
    if not anomaly_mode.check_nan_enabled():
        return
    for i, gi in enumerate(grads or ()):
        if gi is None:
            continue
        data = gi._data if isinstance(gi, Tensor) else _asarray(gi)
        if data.dtype.kind in "fc" and np.isnan(data).any():
            _anomaly_report(node)
            raise GradientError(f"Function '{node_name(node)}' returned nan values in its "
                                f"{i}th output.")


def warn_create_graph():
    warnings.warn(_CREATE_GRAPH_WARNING, UserWarning, stacklevel=4)
