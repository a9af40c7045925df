"""Trading compute for memory: `tg.checkpoint` in a 50-step recurrent network.

A plain gradient keeps, for every step, the intermediates its backward pass reads (the tape).
Checkpointing a call keeps only the call's inputs; the backward pass runs the call's forward
again, right before its backward. Per step, that saves the hidden state instead of the
step's intermediates; per block of k steps, one hidden state per block, and the backward
pass holds one block's intermediates at a time. Same gradient, less memory, one more forward
pass. Run: python examples/checkpoint_rnn.py
"""
import time
import tracemalloc

import numpy as np

import transgrad as tg

T, BATCH, INPUT, HIDDEN = 50, 16, 32, 64
BLOCK = 5


def step(h, xt, Wx, Wh, b):
    return np.tanh(xt @ Wx + h @ Wh + b)


def rnn_loss(Wx, Wh, b, x, h0):
    h = h0
    for t in range(x.shape[0]):
        h = step(h, x[t], Wx, Wh, b)
    return np.sum(h ** 2)


def rnn_loss_checkpointed(Wx, Wh, b, x, h0):
    h = h0
    for t in range(x.shape[0]):
        h = tg.checkpoint(step)(h, x[t], Wx, Wh, b)     # keeps h only
    return np.sum(h ** 2)


def block(h, xs, Wx, Wh, b):
    for t in range(xs.shape[0]):
        h = step(h, xs[t], Wx, Wh, b)
    return h


def rnn_loss_blocks(Wx, Wh, b, x, h0):
    h = h0
    for start in range(0, x.shape[0], BLOCK):
        h = tg.checkpoint(block, h, x[start:start + BLOCK], Wx, Wh, b)   # one h per block
    return np.sum(h ** 2)


def problem(seed=0, dtype=np.float64):
    """(Wx, Wh, b, x, h0) of the sizes above."""
    rng = np.random.default_rng(seed)
    Wx = rng.normal(size=(INPUT, HIDDEN)) / np.sqrt(INPUT)
    Wh = rng.normal(size=(HIDDEN, HIDDEN)) / np.sqrt(HIDDEN)
    b = rng.normal(size=HIDDEN) * 0.1
    x = rng.normal(size=(T, BATCH, INPUT))
    h0 = np.zeros((BATCH, HIDDEN))
    return tuple(np.asarray(a, dtype=dtype) for a in (Wx, Wh, b, x, h0))


def tape_bytes(loss, args):
    """Bytes of the arrays the forward sweep leaves on its tape (`tg.vjp`'s forward returns
    exactly that tape): each buffer counted once, the arguments' own buffers not at all."""
    _, vjp_fn = tg.vjp(loss, *args)
    own = {id(_root(a)) for a in args}
    seen, total, stack = set(), 0, [vjp_fn._tape]
    while stack:
        value = stack.pop()
        if isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, np.ndarray):
            root = _root(value)
            if id(root) not in seen and id(root) not in own:
                seen.add(id(root))
                total += root.nbytes
    return total


def _root(a):
    while isinstance(a, np.ndarray) and a.base is not None:
        a = a.base
    return a


def peak_bytes(gradient, args):
    """Peak bytes allocated (tracemalloc) while `gradient(*args)` runs, once compiled."""
    gradient(*args)
    tracemalloc.start()
    try:
        gradient(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def seconds(gradient, args, repeat=20):
    """Best time of `repeat` calls of the compiled gradient."""
    gradient(*args)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        gradient(*args)
        best = min(best, time.perf_counter() - start)
    return best


if __name__ == "__main__":
    args = problem()
    losses = [("plain", rnn_loss), ("checkpoint per step", rnn_loss_checkpointed),
              (f"checkpoint per {BLOCK} steps", rnn_loss_blocks)]
    reference = tg.grad(rnn_loss, argnums=(0, 1, 2))(*args)
    print(f"RNN: {T} steps, batch {BATCH}, input {INPUT}, hidden {HIDDEN}, float64")
    print(f"{'':24}{'tape bytes':>12}{'peak bytes':>12}{'ms':>8}{'max |diff|':>12}")
    for label, loss in losses:
        gradient = tg.grad(loss, argnums=(0, 1, 2))
        diff = max(np.max(np.abs(g - r)) for g, r in zip(gradient(*args), reference))
        print(f"{label:24}{tape_bytes(loss, args):>12,}{peak_bytes(gradient, args):>12,}"
              f"{seconds(gradient, args) * 1e3:>8.2f}{diff:>12.1e}")
    print()
    print(tg.source(tg.grad(rnn_loss_checkpointed, argnums=(0, 1, 2))))
