"""@tg.compile over a loop with a data-dependent branch: a tiny recurrent cell.

Eagerly, a loop of 50 steps records about 300 nodes; compiled, the output has ONE node,
`UnrollBackward`, whose backward is generated code that runs the loop backwards over a tape
saved by the forward pass (print `unroll.source` to read it). Second derivatives work too:
with create_graph=True the generated code runs again on Tensors.

Run:  python examples/compile_recurrence.py
Show: python -m transgrad show examples/compile_recurrence.py:unroll
"""
import numpy as np

import transgrad as tg


@tg.compile
def unroll(h, w, u, inputs):
    for t in range(inputs.shape[0]):
        pre = h * w + inputs[t] * u
        if pre.sum() > 0:
            h = tg.tanh(pre)
        else:
            h = pre * 0.5
    return (h * h).sum()


def count_nodes(t):
    seen, stack = set(), [t.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(n for n, _ in node.next_functions)
    return len(seen)


def main():
    rng = np.random.default_rng(1)
    inputs = tg.from_numpy(rng.normal(size=(50, 4)))
    results = []
    for f in (unroll.fn, unroll):          # eager, then compiled
        h = tg.from_numpy(np.full(4, 0.1)).requires_grad_()
        w = tg.from_numpy(np.array([0.9, -0.5, 0.3, 1.1])).requires_grad_()
        u = tg.from_numpy(np.array([0.2, 0.4, -0.6, 0.8])).requires_grad_()
        out = f(h, w, u, inputs)
        gw, = tg.autograd.grad(out, w, create_graph=True)
        gww, = tg.autograd.grad(gw.sum(), w)
        results.append((out.item(), gw.detach().numpy(), gww.numpy()))
        print(f"{'compiled' if f is unroll else 'eager':8s} value {out.item():.6f}  "
              f"nodes in the graph {count_nodes(out):3d}  d/dw {np.round(gw.detach().numpy(), 4)}")
    (ev, eg, eh), (cv, cg, ch) = results
    print("gradients agree:", np.allclose(eg, cg, rtol=1e-12),
          " second derivatives agree:", np.allclose(eh, ch, rtol=1e-10))


if __name__ == "__main__":
    main()
