"""Seed: the is_leaf session of "自动求导浅理解" (a first look at automatic differentiation,
based on PyTorch 1.7.0; seeds/004, in Chinese), written as a program.

A tensor is a leaf when it was created directly (torch.tensor, torch.randn), when it was
computed only from tensors that do not require grad, or when it came from detach(); a result
of an operation on a tensor that requires grad is not.

Ported from the PyTorch program tests/eager/seed_originals/seed_is_leaf.py by changing the
import (`import transgrad as tg`, `tg.` for `torch.`); examples/expected/seed_is_leaf.txt holds
what PyTorch 2.13 prints for it, and tests/test_examples.py checks that this program prints the
same.

Run: python examples/seed_is_leaf.py
"""
import transgrad as tg

a = tg.tensor(1.0)
print(a.is_leaf)
b = tg.randn(1, 1)
print(b.is_leaf)
c = a + b
print(c.is_leaf)
d = tg.tensor(1.0, requires_grad=True)
e = a + d
print(e.is_leaf)  # d requires grad, so e is not a leaf
f = e.detach()
print(f.is_leaf)
