"""Seed: the is_leaf session of "自动求导浅理解" (a first look at automatic differentiation,
based on PyTorch 1.7.0; seeds/004, in Chinese), written as a program.

A tensor is a leaf when it was created directly (torch.tensor, torch.randn), when it was
computed only from tensors that do not require grad, or when it came from detach(); a result
of an operation on a tensor that requires grad is not.
"""
import torch

a = torch.tensor(1.0)
print(a.is_leaf)
b = torch.randn(1, 1)
print(b.is_leaf)
c = a + b
print(c.is_leaf)
d = torch.tensor(1.0, requires_grad=True)
e = a + d
print(e.is_leaf)  # d requires grad, so e is not a leaf
f = e.detach()
print(f.is_leaf)
