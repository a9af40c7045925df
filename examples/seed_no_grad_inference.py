"""Seed: inference without a graph, from "自动求导浅理解" (a first look at automatic
differentiation, based on PyTorch 1.7.0; seeds/004, in Chinese).

At test time `with torch.no_grad():` avoids building the graph, so inference is faster: the
same product requires grad outside the block and not inside it.

Ported from the PyTorch program tests/eager/seed_originals/seed_no_grad_inference.py by
changing the import (`import transgrad as tg`, `tg.` for `torch.`);
examples/expected/seed_no_grad_inference.txt holds what PyTorch 2.13 prints for it, and
tests/test_examples.py checks that this program prints the same.

Run: python examples/seed_no_grad_inference.py
"""
import transgrad as tg
# Creating the graph
x = tg.tensor(1.0, requires_grad = True)
# Check if tracking is enabled
print(x.requires_grad) #True
y = x * 2
print(y.requires_grad) #True

with tg.no_grad():
    # Check if tracking is enabled
    y = x * 2
    print(y.requires_grad) #False
