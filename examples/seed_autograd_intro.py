"""Seed: the opening program of "pytorch-微分" (PyTorch differentiation; seeds/000, CSDN,
blog.csdn.net/pylittlebrat/article/details/121731114).

A 2x2 leaf that requires grad, y = x + 2, z = 3 y^2, out = mean(z): the printed tensors show
their grad_fn. A tensor made without requires_grad is switched on in place with
requires_grad_(True). out is a scalar, so out.backward() needs no argument; d(out)/dx =
6 (x + 2) / 4 = 4.5 in every entry.

Ported from the PyTorch program tests/eager/seed_originals/seed_autograd_intro.py by changing
the import (`import transgrad as tg`, `tg.` for `torch.`);
examples/expected/seed_autograd_intro.txt holds what PyTorch 2.13 prints for it, and
tests/test_examples.py checks that this program prints the same.

Run: python examples/seed_autograd_intro.py
"""
import transgrad as tg

x = tg.ones(2, 2, requires_grad=True)
print(x)
y = x + 2
print(y)  # y was made by an operation: grad_fn is set
z = y * y * 3
out = z.mean()
print(z, out)

# requires_grad_(...) changes the flag in place; it is False unless asked for
a = tg.randn(2, 2)
a = ((a * 3) / (a - 1))
print(a.requires_grad)
a.requires_grad_(True)
print(a.requires_grad)
b = (a * a).sum()
print(b.grad_fn)

# out holds a single value: out.backward() is out.backward(tg.tensor(1.))
out.backward()
print(x.grad)
