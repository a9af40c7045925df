"""Seed: "Turning gradient tracking off" (Отключение отслеживания градиента), from an article on
PyTorch's autograd methods (seeds/003, in Russian).

Inside torch.no_grad() nothing is recorded: y does not require grad although x does. (The
article's `y = x 2` lost its `**` in publishing.)
"""
import torch

x = torch.tensor(2.0, requires_grad=True)
with torch.no_grad():
    y = x ** 2
print(y.requires_grad)  # Output: False
