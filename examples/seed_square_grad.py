"""Seed: "Computing gradients with autograd" (Вычисление градиентов с помощью autograd), the
first program of an article on PyTorch's autograd methods (seeds/003, in Russian).

y = x^2 at x = 2: y.backward() puts dy/dx = 2x = 4 in x.grad. (The article's `y = x 2` lost its
`**` in publishing.)

Ported from the PyTorch program tests/eager/seed_originals/seed_square_grad.py by changing the
import (`import transgrad as tg`, `tg.` for `torch.`); examples/expected/seed_square_grad.txt
holds what PyTorch 2.13 prints for it, and tests/test_examples.py checks that this program
prints the same.

Run: python examples/seed_square_grad.py
"""
import transgrad as tg

x = tg.tensor(2.0, requires_grad=True)
y = x ** 2
y.backward()
print(x.grad)
