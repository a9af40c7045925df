"""Seed: "【NLP】深入了解PyTorch:autograd" (a closer look at autograd; seeds/002, Tencent
Cloud developer community).

A tensor made by the user has no grad_fn; one made by an operation on a tensor that requires
grad has one. requires_grad_() switches tracking on in place; no_grad() switches it off for a
block; detach() gives a tensor with the same values outside the graph.

The article draws a with torch.randn(2, 2) and prints a value computed from it; here a holds
fixed values (those of torch.manual_seed(0), to 4 decimals) so that the output can be checked.

Ported from the PyTorch program tests/eager/seed_originals/seed_nlp_autograd.py by changing the
import (`import transgrad as tg`, `tg.` for `torch.`); examples/expected/seed_nlp_autograd.txt
holds what PyTorch 2.13 prints for it, and tests/test_examples.py checks that this program
prints the same.

Run: python examples/seed_nlp_autograd.py
"""
import transgrad as tg

x = tg.ones(3,3)
print(x)
y = tg.ones(2,2,requires_grad=True)
print(y)

# an operation on a tensor that requires grad
z = y + 2
print(z)

print(x.grad_fn)
print(y.grad_fn)

k = z * z * 2
out = k.mean()
print(k,out)

# requires_grad_() changes the flag in place; False by default
a = tg.tensor([[1.5410, -0.2934], [-2.1788, 0.5684]])
a = ((a * 3) / (a - 1))
print(a.requires_grad)
a.requires_grad_(True)
print(a.requires_grad)
b = (a * a).sum()
print(b)
print(b.grad_fn)

# no_grad() stops tracking inside the block
print(y.requires_grad)
print((y ** 3).requires_grad)
with tg.no_grad():
    print((x ** 3).requires_grad)

# detach(): same content, no gradient
print(y.requires_grad)
z = y.detach()
print(z.requires_grad)
print(y.eq(z).all())
