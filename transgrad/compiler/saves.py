"""Where the forward pass saves the values the backward pass reads, and nothing else.

A block of n statements has n+1 *points* (point k is just before statement k). The backward
pass of statement k reads values as they are at point k+1; statements appended at the end of a
block's backward pass (zeros a loop needs) read them at point 0. A read of variable v at point
p needs a save when v is redefined later in the block, by a later iteration of an enclosing
loop, or after the block (`outer_kills`). The value is the same at every point from p up to
the next redefinition `hi`, so the save may stand anywhere in [p, hi]; the backward pass
restores it at the mirror of that point, before the read.

Choosing the fewest points that hit every interval is interval stabbing: sort the intervals
by their right ends and take a right end whenever the last point taken misses an interval.
In a loop body this typically gives one `saved.append((x, sin_x))` per iteration.
"""

import bisect

__all__ = ["place_saves"]


def place_saves(defs, reads, outer_kills, restored=frozenset()):
    """{point: sorted variable names} saved at each point.

    defs:        per statement of the block, the set of variables it defines (or mutates)
    reads:       iterable of (variable, point) the backward pass reads
    outer_kills: variables redefined after the block or by later iterations around it
    restored:    variables the backward pass restores by itself (a for loop's target)
    """
    n = len(defs)
    positions = {}
    for k, ds in enumerate(defs):
        for v in ds:
            positions.setdefault(v, []).append(k)
    intervals = []
    for var, p in sorted(set(reads), key=lambda r: (r[1], r[0])):
        if var in restored:
            continue
        hi = _next_def(positions.get(var, ()), p, n)
        if hi < n or var in outer_kills:
            intervals.append((hi, p, var))
    intervals.sort()
    points = {}
    last = None
    for hi, p, var in intervals:
        if last is None or last < p:
            last = hi
        points.setdefault(last, set()).add(var)
    return {q: sorted(vs) for q, vs in points.items()}


def _next_def(positions, p, n):
    """The first statement index >= p in `positions` (sorted), or n."""
    k = bisect.bisect_left(positions, p)
    return positions[k] if k < len(positions) else n
