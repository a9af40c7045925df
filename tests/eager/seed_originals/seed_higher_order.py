"""Seed: "Higher-order gradients" (Вычисление градиентов более высокого порядка), from an
article on PyTorch's autograd methods (seeds/003, in Russian).

y = x^2, z = sin(y) at x = 2. y.backward(retain_graph=True) keeps the graph, x.grad is zeroed,
then z.backward() gives dz/dx = cos(x^2) * 2x = 4 cos 4 = -2.6146. (The article says
tensor(0.9333); real PyTorch prints tensor(-2.6146). Its `y = x 2` lost its `**` in
publishing.)
"""
import torch

x = torch.tensor(2.0, requires_grad=True)
y = x ** 2
z = torch.sin(y)
y.backward(retain_graph=True)
x.grad.zero_()
z.backward()
print(x.grad)  # Output: tensor(-2.6146)
