"""Seed: "Dynamic computational graph", from "自动求导浅理解" (a first look at automatic
differentiation, based on PyTorch 1.7.0; seeds/004, in Chinese).

The graph is built as the code runs, so ordinary Python control flow can depend on tensor
values: `if t1 > t2` asks a 0-d tensor for its truth value.

Ported from the PyTorch program tests/eager/seed_originals/seed_dynamic_graph.py by changing
the import (`import transgrad as tg`, `tg.` for `torch.`);
examples/expected/seed_dynamic_graph.txt holds what PyTorch 2.13 prints for it, and
tests/test_examples.py checks that this program prints the same.

Run: python examples/seed_dynamic_graph.py
"""
import transgrad as tg

def abs(t1, t2):
    if t1 > t2:
        return t1 - t2
    else:
        return t2 - t1

a = tg.tensor(2.0)
b = tg.tensor(3.0)
print(abs(a, b))  # tensor(1.)
