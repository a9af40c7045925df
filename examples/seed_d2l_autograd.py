"""Seed: "動手學深度學習 2.2 autograd" (Dive into Deep Learning, automatic differentiation;
seeds/001), the notebook as one program.

Leaves and grad_fn, requires_grad_(), backward on a scalar, gradients accumulating across
backward calls and x.grad.data.zero_(), z.backward(v) for a non-scalar z, stopping tracking
with no_grad inside an expression, and changing a value through .data without autograd
noticing.

Ported from the PyTorch program tests/eager/seed_originals/seed_d2l_autograd.py by changing the
import (`import transgrad as tg`, `tg.` for `torch.`); examples/expected/seed_d2l_autograd.txt
holds what PyTorch 2.13 prints for it, and tests/test_examples.py checks that this program
prints the same.

Run: python examples/seed_d2l_autograd.py
"""
import transgrad as tg

# requires_grad=True: every operation on x is tracked
x = tg.ones(2, 2, requires_grad=True)
print(x)
print(x.grad_fn)  # x was created by the user: no grad_fn

y = x + 2
print(y)
print(y.grad_fn)
print(x.is_leaf, y.is_leaf)  # tensors created directly are leaves

z = y * y * 3
out = z.mean()
print(z, out)

# requires_grad_() changes the flag in place
a = tg.randn(2, 2)  # requires_grad=False by default
a = ((a * 3) / (a - 1))
print(a.requires_grad)
a.requires_grad_(True)
print(a.requires_grad)
b = (a * a).sum()
print(b.grad_fn)

# out is a scalar, so backward() needs no argument
out.backward()  # the same as out.backward(tg.tensor(1.))
print(x.grad)

# backward again: gradients accumulate
out2 = x.sum()
out2.backward()
print(x.grad)

out3 = x.sum()
x.grad.data.zero_()
out3.backward()
print(x.grad)

# z.backward(v) differentiates sum(z * v), not z itself
x = tg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
y = 2 * x
z = y.view(2, 2)
print(z)

v = tg.tensor([[1.0, 0.1], [0.01, 0.001]], dtype=tg.float)
z.backward(v)
print(x.grad)

# stopping gradient tracking: only y1's part flows back
x = tg.tensor(1.0, requires_grad=True)
y1 = x ** 2
with tg.no_grad():
    y2 = x ** 3
y3 = y1 + y2

print(x, x.requires_grad)
print(y1, y1.requires_grad)
print(y2, y2.requires_grad)  # False: y2.backward() would fail
print(y3, y3.requires_grad)

y3.backward()
print(x.grad)

# changing a value through .data is not recorded by autograd
x = tg.ones(1, requires_grad=True)
print(x.data)  # still a tensor
print(x.data.requires_grad)  # but outside the graph

y = 2 * x
x.data *= 100  # changes x's value only
y.backward()
print(x)  # the change is visible
print(x.grad)
