"""Section 10 of pytorch-semantics.md: dtype behaviour.

See __init__.py for the format.
"""
# Changed (see each snippet's `changes`): 10.1, 10.2, 10.3.
from . import Snippet

LEFT_OUT = {}

SNIPPETS = [
    Snippet(
        id='10.1',
        title='integer / bool tensors cannot require grad',
        changes='dropped the complex tensor (complex dtypes are not in API.md)',
        torch='''\
with raises():
    torch.tensor([1, 2, 3], requires_grad=True)
with raises():
    torch.ones(2, dtype=torch.int64, requires_grad=True)
with raises():
    torch.tensor([1, 2]).requires_grad_()
with raises():
    t = torch.tensor([1, 2]); t.requires_grad = True
with raises():
    torch.tensor([True], requires_grad=True)
''',
        expected='''\
EXC builtins.RuntimeError: Only Tensors of floating point and complex dtype can require gradients
EXC builtins.RuntimeError: Only Tensors of floating point and complex dtype can require gradients
EXC builtins.RuntimeError: only Tensors of floating point dtype can require gradients
EXC builtins.RuntimeError: only Tensors of floating point and complex dtype can require gradients
EXC builtins.RuntimeError: Only Tensors of floating point and complex dtype can require gradients
''',
    ),
    Snippet(
        id='10.2',
        title='default dtypes',
        changes='dropped `torch.get_default_dtype()` (not in API.md)',
        torch='''\
print(torch.ones(2).dtype, torch.zeros(2).dtype, torch.rand(2).dtype, torch.randn(2).dtype, torch.eye(2).dtype)
print(torch.tensor(1).dtype, torch.tensor(1.0).dtype, torch.tensor(True).dtype, torch.tensor([1, 2.0]).dtype)
print(torch.arange(3).dtype, torch.arange(3.0).dtype, torch.full((2,), 1).dtype, torch.full((2,), 1.0).dtype)
import numpy as np
print(torch.tensor(np.ones(2)).dtype, torch.from_numpy(np.ones(2)).dtype, torch.tensor(np.float32(1)).dtype)
print(torch.ones(2).numpy().dtype)
''',
        expected='''\
torch.float32 torch.float32 torch.float32 torch.float32 torch.float32
torch.int64 torch.float32 torch.bool torch.float32
torch.int64 torch.float32 torch.int64 torch.float32
torch.float64 torch.float64 torch.float32
float32
''',
    ),
    Snippet(
        id='10.3',
        title='mixing dtypes (type promotion) and grads keep input dtype',
        changes='dropped `torch.result_type` / `torch.promote_types` (not in API.md)',
        torch='''\
a32 = torch.ones(2, requires_grad=True)
b64 = torch.ones(2, dtype=torch.float64, requires_grad=True)
c = a32 * b64
print(c, c.dtype)
c.sum().backward()
print(a32.grad, a32.grad.dtype, b64.grad.dtype)
print((torch.ones(2) + 1.5).dtype)                            # python float -> stays float32
print((torch.ones(2) + torch.tensor(1.5, dtype=torch.float64)).dtype)  # 0-dim f64 does not promote
print((torch.ones(2, dtype=torch.int64) + 1.5).dtype)         # int + python float -> default float
print((torch.ones(2, dtype=torch.int64) / 2).dtype)            # true division -> float
print((torch.ones(2, dtype=torch.int64) // 2).dtype)
print((torch.ones(2, dtype=torch.int64) * torch.ones(2)).dtype)
''',
        expected='''\
tensor([1., 1.], dtype=torch.float64, grad_fn=<MulBackward0>) torch.float64
tensor([1., 1.]) torch.float32 torch.float64
torch.float32
torch.float32
torch.float32
torch.float32
torch.int64
torch.float32
''',
    ),
    Snippet(
        id='10.4',
        title='.numpy() on tensor requiring grad; torch.tensor(t) copy warning',
        torch='''\
x = torch.ones(2, requires_grad=True)
with raises():
    x.numpy()
print(x.detach().numpy())
y = torch.tensor(x)
print(y, y.requires_grad)
with raises():
    float(x)
print(float(x.sum()), x.sum().item())
print(x.tolist())
''',
        expected='''\
EXC builtins.RuntimeError: Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.
[1. 1.]
WARNING UserWarning: To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).
tensor([1., 1.]) False
WARNING UserWarning: Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.
Consider using tensor.detach() first. (Triggered internally at /__w/pytorch/pytorch/torch/csrc/autograd/generated/python_variable_methods.cpp:822.)
EXC builtins.ValueError: only one element tensors can be converted to Python scalars
2.0 2.0
[1.0, 1.0]
''',
    ),
]
