"""Is a column's gradient right? Against central finite differences and against a peer.

Finite differences run the NumPy workload in float64 (float32 inputs are promoted), on a few
coordinates of each differentiated argument chosen with a fixed seed. Tolerances depend on the
workload's dtype: float32 gradients are compared at float32 accuracy, relative to the largest
entry of the gradient they belong to (so a tiny entry is not held to a relative bound that
float32 summation cannot meet).

`problems(...)` returns human-readable lines, empty when everything agrees; the benchmark
script prints them loudly and the tests assert they are empty.
"""
import numpy as np

from .columns import LABELS, as_float64

FD_COORDINATES = 3
FD_STEP = 1e-4

# (finite differences tolerance, peer comparison tolerance), relative to the gradient's scale
TOLERANCES = {"float64": (1e-6, 1e-9), "float32": (5e-4, 5e-5)}


def finite_differences(workload, args, coordinates=FD_COORDINATES, seed=0):
    """[(argument position, index, derivative)] for a few coordinates of each differentiated
    argument, by central differences in float64. `index` is () for a Python float."""
    rng = np.random.default_rng(seed)
    args64 = [as_float64(a) if isinstance(a, np.ndarray) else a for a in args]
    found = []
    for position in workload.argnums:
        value = args64[position]
        if np.ndim(value) == 0:
            indices = [()]
        else:
            flat = rng.choice(np.size(value), size=min(coordinates, np.size(value)), replace=False)
            indices = [np.unravel_index(i, np.shape(value)) for i in flat]
        for index in indices:
            found.append((position, index, _central_difference(workload.fn, args64, position, index)))
    return found


def _central_difference(fn, args, position, index):
    base = args[position]
    step = FD_STEP * max(1.0, abs(float(base[index] if index != () else base)))

    def moved(delta):
        shifted = list(args)
        if index == ():
            shifted[position] = base + delta
        else:
            copy = np.array(base, dtype=np.float64)
            copy[index] += delta
            shifted[position] = copy
        return float(fn(*shifted))

    return (moved(step) - moved(-step)) / (2 * step)


def problems(workload, label, gradients, args, fd=None, reference=None, reference_label=None):
    """What is wrong with `gradients` (a tuple of float64 arrays, one per differentiated
    argument of `args`), compared with finite differences `fd` and/or a `reference` peer's."""
    fd_tol, peer_tol = TOLERANCES[workload.dtype]
    if len(gradients) != len(workload.argnums):
        return [f"{workload.name} {label}: {len(gradients)} gradients for "
                f"{len(workload.argnums)} differentiated arguments"]
    found = []
    for position, g in zip(workload.argnums, gradients):
        if np.shape(g) != np.shape(args[position]):
            found.append(f"{workload.name} {label}: the gradient of argument {position} has shape "
                         f"{np.shape(g)}, the argument {np.shape(args[position])}")
        elif not np.all(np.isfinite(g)):
            found.append(f"{workload.name} {label}: the gradient of argument {position} is not finite")
    if found:
        return found
    slot = {position: k for k, position in enumerate(workload.argnums)}
    for position, index, derivative in fd or ():
        got = float(gradients[slot[position]][index])
        scale = max(_fd_scale(fd, position), 1e-12)
        if abs(got - derivative) > fd_tol * scale:
            found.append(f"{workload.name} {label}: d/d(arg {position}){list(map(int, index))} = "
                         f"{got:.9g}, finite differences give {derivative:.9g}")
    for position, g, r in zip(workload.argnums, gradients, reference or ()):
        scale = max(float(np.max(np.abs(r))), 1e-12)
        error = float(np.max(np.abs(g - r)))
        if error > peer_tol * scale:
            found.append(f"{workload.name} {label}: the gradient of argument {position} differs "
                         f"from {reference_label}'s by {error:.3g} (scale {scale:.3g})")
    return found


def _fd_scale(fd, position):
    return max(abs(d) for p, _, d in fd if p == position)


def check_all(workload, args, gradients_by_column, fd):
    """Every column against finite differences and against the first available peer
    (torch, then autograd, then jax); returns the problem lines."""
    reference_column = next((c for c in ("torch", "autograd", "jax") if c in gradients_by_column), None)
    reference = gradients_by_column.get(reference_column)
    found = []
    for column, gradients in gradients_by_column.items():
        other = reference if column != reference_column else None
        found += problems(workload, LABELS[column], gradients, args, fd,
                          other, LABELS.get(reference_column))
    return found
