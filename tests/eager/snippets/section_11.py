"""Section 11 of pytorch-semantics.md: Broadcasting gradients (sum-to-shape).

See __init__.py for the format.
"""
from . import Snippet

LEFT_OUT = {}

SNIPPETS = [
    Snippet(
        id='11.1',
        title='(3,1) + (4,)',
        torch='''\
x = torch.ones(3, 1, requires_grad=True)
y = torch.ones(4, requires_grad=True)
z = x + y
print(z.shape)
z.sum().backward()
print(x.grad)
print(y.grad)
''',
        expected='''\
torch.Size([3, 4])
tensor([[4.],
        [4.],
        [4.]])
tensor([3., 3., 3., 3.])
''',
    ),
    Snippet(
        id='11.2',
        title='(3,1) * (4,) with values, and 0-dim * matrix',
        torch='''\
x = torch.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
y = torch.tensor([1.0, 10.0, 100.0, 1000.0], requires_grad=True)
(x * y).sum().backward()
print(x.grad)
print(y.grad)
s = torch.tensor(2.0, requires_grad=True)
m = torch.arange(6.0).reshape(2, 3).requires_grad_()
(s * m).sum().backward()
print(s.grad, s.grad.shape)
print(m.grad)
b = torch.ones(3, requires_grad=True)
(m + b).mean().backward()
print(b.grad)
''',
        expected='''\
tensor([[1111.],
        [1111.],
        [1111.]])
tensor([6., 6., 6., 6.])
tensor(15.) torch.Size([])
tensor([[2., 2., 2.],
        [2., 2., 2.]])
tensor([0.3333, 0.3333, 0.3333])
''',
    ),
    Snippet(
        id='11.3',
        title='broadcasting in-place into smaller shape is an error',
        torch='''\
a = torch.ones(3)
with raises():
    a.add_(torch.ones(2, 3))
''',
        expected='''\
EXC builtins.RuntimeError: output with shape [3] doesn't match the broadcast shape [2, 3]
''',
    ),
]
