"""Seed: "Creating the graph", from "自动求导浅理解" (a first look at automatic
differentiation, based on PyTorch 1.7.0; seeds/004, in Chinese).

z = x * y where only x requires grad; prints each tensor's data, requires_grad, grad, grad_fn
and is_leaf. A 0-d tensor in an f-string formats like a Python number ("data: 1.0"). Reading
z.grad, z not being a leaf, also warns on stderr; only stdout is compared.

Ported from the PyTorch program tests/eager/seed_originals/seed_graph_attributes.py by changing
the import (`import transgrad as tg`, `tg.` for `torch.`);
examples/expected/seed_graph_attributes.txt holds what PyTorch 2.13 prints for it, and
tests/test_examples.py checks that this program prints the same.

Run: python examples/seed_graph_attributes.py
"""
import transgrad as tg

# Creating the graph
x = tg.tensor(1.0, requires_grad = True)
y = tg.tensor(2.0)
z = x * y

# Displaying
for i, name in zip([x, y, z], "xyz"):
    print(f"{name}\ndata: {i.data}\nrequires_grad: {i.requires_grad} \ngrad: {i.grad}\ngrad_fn: {i.grad_fn}\nis_leaf: {i.is_leaf}\n")
