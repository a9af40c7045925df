"""Seed: the vector-Jacobian product of "pytorch-微分" (PyTorch differentiation; seeds/000,
CSDN, blog.csdn.net/pylittlebrat/article/details/121731114).

out = (inp + 1)^2 is not a scalar, so backward takes a vector v and computes v^T J. Calling it
twice (retain_graph=True keeps the graph) accumulates into inp.grad; zeroing inp.grad starts
over.
"""
import torch

inp = torch.eye(5, requires_grad=True)
out = (inp+1).pow(2)
out.backward(torch.ones_like(inp), retain_graph=True)
print("First call\n", inp.grad)
out.backward(torch.ones_like(inp), retain_graph=True)
print("\nSecond call\n", inp.grad)
inp.grad.zero_()
out.backward(torch.ones_like(inp), retain_graph=True)
print("\nCall after zeroing gradients\n", inp.grad)
