"""Seed: the vector-Jacobian product of "pytorch-微分" (PyTorch differentiation; seeds/000,
CSDN, blog.csdn.net/pylittlebrat/article/details/121731114).

out = (inp + 1)^2 is not a scalar, so backward takes a vector v and computes v^T J. Calling it
twice (retain_graph=True keeps the graph) accumulates into inp.grad; zeroing inp.grad starts
over.

Ported from the PyTorch program tests/eager/seed_originals/seed_jacobian_product.py by changing
the import (`import transgrad as tg`, `tg.` for `torch.`);
examples/expected/seed_jacobian_product.txt holds what PyTorch 2.13 prints for it, and
tests/test_examples.py checks that this program prints the same.

Run: python examples/seed_jacobian_product.py
"""
import transgrad as tg

inp = tg.eye(5, requires_grad=True)
out = (inp+1).pow(2)
out.backward(tg.ones_like(inp), retain_graph=True)
print("First call\n", inp.grad)
out.backward(tg.ones_like(inp), retain_graph=True)
print("\nSecond call\n", inp.grad)
inp.grad.zero_()
out.backward(tg.ones_like(inp), retain_graph=True)
print("\nCall after zeroing gradients\n", inp.grad)
