"""Seed: the one-layer network of "pytorch-微分" (PyTorch differentiation; seeds/000, CSDN,
blog.csdn.net/pylittlebrat/article/details/121731114).

z = x w + b with a binary cross-entropy loss on the logits; loss.backward() fills w.grad and
b.grad. x is all ones, so every row of w.grad equals b.grad.

The article draws w and b with torch.randn; here they hold fixed values (those of
torch.manual_seed(0), to 4 decimals) so that the printed gradients can be checked.
"""
import torch

x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.tensor([
    [1.5410, -0.2934, -2.1788],
    [0.5684, -1.0845, -1.3986],
    [0.4033, 0.8380, -0.7193],
    [-0.4033, -0.5966, 0.1820],
    [-0.8567, 1.1006, -1.0712],
], requires_grad=True)
b = torch.tensor([0.1227, -0.5663, 0.3731], requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

print('Gradient function for z =', z.grad_fn)
print('Gradient function for loss =', loss.grad_fn)

loss.backward()
print(w.grad)
print(b.grad)
