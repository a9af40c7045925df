"""Seed: "Higher-order gradients" (Вычисление градиентов более высокого порядка), from an
article on PyTorch's autograd methods (seeds/003, in Russian).

y = x^2, z = sin(y) at x = 2. y.backward(retain_graph=True) keeps the graph, x.grad is zeroed,
then z.backward() gives dz/dx = cos(x^2) * 2x = 4 cos 4 = -2.6146. (The article says
tensor(0.9333); real PyTorch prints tensor(-2.6146). Its `y = x 2` lost its `**` in
publishing.)

Ported from the PyTorch program tests/eager/seed_originals/seed_higher_order.py by changing the
import (`import transgrad as tg`, `tg.` for `torch.`); examples/expected/seed_higher_order.txt
holds what PyTorch 2.13 prints for it, and tests/test_examples.py checks that this program
prints the same.

Run: python examples/seed_higher_order.py
"""
import transgrad as tg

x = tg.tensor(2.0, requires_grad=True)
y = x ** 2
z = tg.sin(y)
y.backward(retain_graph=True)
x.grad.zero_()
z.backward()
print(x.grad)  # Output: tensor(-2.6146)
