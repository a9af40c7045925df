"""Section 12 of pytorch-semantics.md: Seed programs (a)-(e).

See __init__.py for the format.
"""
# Changed (see each snippet's `changes`): 12.d.
from . import Snippet

LEFT_OUT = {}

SNIPPETS = [
    Snippet(
        id='12.a',
        title='ones(2,2) -> y=x+2 -> z=y*y*3 -> mean; then x.sum(); then zero + out3',
        torch='''\
x = torch.ones(2, 2, requires_grad=True)
print(x)
y = x + 2
print(y)
print(y.grad_fn)
z = y * y * 3
out = z.mean()
print(z, out)
out.backward()
print(x.grad)
out2 = x.sum()
out2.backward()
print(x.grad)
out3 = x.sum()
x.grad.data.zero_()
out3.backward()
print(x.grad)
''',
        expected='''\
tensor([[1., 1.],
        [1., 1.]], requires_grad=True)
tensor([[3., 3.],
        [3., 3.]], grad_fn=<AddBackward0>)
<AddBackward0 object at 0x7f0d36e04910>
tensor([[27., 27.],
        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., grad_fn=<MeanBackward0>)
tensor([[4.5000, 4.5000],
        [4.5000, 4.5000]])
tensor([[5.5000, 5.5000],
        [5.5000, 5.5000]])
tensor([[1., 1.],
        [1., 1.]])
''',
    ),
    Snippet(
        id='12.b',
        title='vector-Jacobian product via z.backward(v)',
        torch='''\
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
y = 2 * x
z = y.view(2, 2)
print(z)
v = torch.tensor([[1.0, 0.1], [0.01, 0.001]], dtype=torch.float)
z.backward(v)
print(x.grad)
''',
        expected='''\
tensor([[2., 4.],
        [6., 8.]], grad_fn=<ViewBackward0>)
tensor([2.0000, 0.2000, 0.0200, 0.0020])
''',
    ),
    Snippet(
        id='12.c',
        title='eye(5) -> (inp+1).pow(2) -> backward(ones) twice, zero, once more',
        torch=(
            r'''inp = torch.eye(5, requires_grad=True)
out = (inp + 1).pow(2)
print(out)
out.backward(torch.ones_like(inp), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(inp), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(inp), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")
'''
        ),
        expected='''\
tensor([[4., 1., 1., 1., 1.],
        [1., 4., 1., 1., 1.],
        [1., 1., 4., 1., 1.],
        [1., 1., 1., 4., 1.],
        [1., 1., 1., 1., 4.]], grad_fn=<PowBackward0>)
First call
tensor([[4., 2., 2., 2., 2.],
        [2., 4., 2., 2., 2.],
        [2., 2., 4., 2., 2.],
        [2., 2., 2., 4., 2.],
        [2., 2., 2., 2., 4.]])

Second call
tensor([[8., 4., 4., 4., 4.],
        [4., 8., 4., 4., 4.],
        [4., 4., 8., 4., 4.],
        [4., 4., 4., 8., 4.],
        [4., 4., 4., 4., 8.]])

Call after zeroing gradients
tensor([[4., 2., 2., 2., 2.],
        [2., 4., 2., 2., 2.],
        [2., 2., 4., 2., 2.],
        [2., 2., 2., 4., 2.],
        [2., 2., 2., 2., 4.]])
''',
    ),
    Snippet(
        id='12.d',
        title='one-layer logistic regression (w.grad rows == b.grad)',
        changes=(
            'w and b hold the values `torch.manual_seed(0); torch.randn(5, 3); torch.randn(3)` '
            "gives, to 4 decimals (transgrad's generator cannot reproduce PyTorch's stream); "
            '`torch.equal` and `torch.allclose` (not in API.md) written with `==`, `abs`, `<` and'
            ' `all()`'
        ),
        torch='''\
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
print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")
loss.backward()
print(w.grad)
print(b.grad)
print(bool((w.grad == b.grad.expand(5, 3)).all()))
print(bool(((b.grad - torch.sigmoid(z.detach()) / 3).abs() < 1e-6).all()))
z = torch.matmul(x, w) + b
print(z.requires_grad)
with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)
z = torch.matmul(x, w) + b
z_det = z.detach()
print(z_det.requires_grad)
''',
        expected='''\
Gradient function for z = <AddBackward0 object at 0x7fecef7b0820>
Gradient function for loss = <BinaryCrossEntropyWithLogitsBackward0 object at 0x7fecef7b0850>
tensor([[0.2661, 0.1179, 0.0027],
        [0.2661, 0.1179, 0.0027],
        [0.2661, 0.1179, 0.0027],
        [0.2661, 0.1179, 0.0027],
        [0.2661, 0.1179, 0.0027]])
tensor([0.2661, 0.1179, 0.0027])
True
True
True
False
False
''',
    ),
    Snippet(
        id='12.e',
        title='partial no_grad inside an expression',
        torch='''\
x = torch.tensor(1.0, requires_grad=True)
y1 = x ** 2
with torch.no_grad():
    y2 = x ** 3
y3 = y1 + y2
print(y1, y2, y3)
y3.backward()
print(x.grad)
''',
        expected='''\
tensor(1., grad_fn=<PowBackward0>) tensor(1.) tensor(2., grad_fn=<AddBackward0>)
tensor(2.)
''',
    ),
]
