"""Seed: "Computing gradients with autograd" (Вычисление градиентов с помощью autograd), the
first program of an article on PyTorch's autograd methods (seeds/003, in Russian).

y = x^2 at x = 2: y.backward() puts dy/dx = 2x = 4 in x.grad. (The article's `y = x 2` lost its
`**` in publishing.)
"""
import torch

x = torch.tensor(2.0, requires_grad=True)
y = x ** 2
y.backward()
print(x.grad)
