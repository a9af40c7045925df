"""Seed: "Detaching tensors from the computation graph" (Отключение тензоров от вычислительного
графа), from an article on PyTorch's autograd methods (seeds/003, in Russian).

detach() returns the same values outside the graph: no gradient flows through z. (The
article's `y = x 2` lost its `**` in publishing.)
"""
import torch

x = torch.tensor(2.0, requires_grad=True)
y = x ** 2
z = y.detach()
print(z.requires_grad)  # Output: False
