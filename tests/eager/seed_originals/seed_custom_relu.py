"""Seed: "Customising gradient computation" (Настройка вычисления градиента), from an article
on PyTorch's autograd methods (seeds/003, in Russian).

A custom autograd Function: forward saves its input and clamps at 0; backward passes the
incoming gradient where the input was not negative.
"""
import torch

class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input

x = torch.tensor([-1.0, 2.0, -3.0], requires_grad=True)
relu = MyReLU.apply
y = relu(x)
y.backward(torch.ones_like(x))
print(x.grad)  # Output: tensor([0., 1., 0.])
