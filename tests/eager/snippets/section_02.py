"""Section 2 of pytorch-semantics.md: is_leaf, requires_grad, .grad on non-leaf, retain_grad.

See __init__.py for the format.
"""
# Changed (see each snippet's `changes`): 2.1, 2.2, 2.5, 2.7.
from . import Snippet

LEFT_OUT = {}

SNIPPETS = [
    Snippet(
        id='2.1',
        title='is_leaf rules (from torch docs list)',
        changes='dropped case b, which uses `.double()` (not in API.md)',
        torch='''\
a = torch.rand(10, requires_grad=True)
print("a", a.is_leaf, a.requires_grad)
c = torch.rand(10) + 2
print("c (op on non-rg)", c.is_leaf, c.requires_grad, c.grad_fn)
d = torch.rand(10).requires_grad_()
print("d (requires_grad_())", d.is_leaf, d.requires_grad)
e = torch.rand(10, requires_grad=True).detach()
print("e (detach)", e.is_leaf, e.requires_grad, e.grad_fn)
f = torch.rand(10, dtype=torch.float64, requires_grad=True)
print("f", f.is_leaf, f.requires_grad)
g = torch.rand(10, requires_grad=True) * 2
print("g (op on rg)", g.is_leaf, g.requires_grad)
with torch.no_grad():
    h = a * 2
print("h (op under no_grad)", h.is_leaf, h.requires_grad, h.grad_fn)
''',
        expected='''\
a True True
c (op on non-rg) True False None
d (requires_grad_()) True True
e (detach) True False None
f True True
g (op on rg) False True
h (op under no_grad) True False None
''',
    ),
    Snippet(
        id='2.2',
        title='requires_grad propagation',
        changes='dropped `t.argmax()` (not in API.md)',
        torch='''\
x = torch.ones(2)
w = torch.ones(2, requires_grad=True)
print((x + 1).requires_grad, (x + w).requires_grad, (x * w).grad_fn)
print((w.detach() + x).requires_grad)
y = torch.ones(2, requires_grad=False)
print(y.requires_grad, y.grad_fn, y.is_leaf)
z = torch.zeros(2)
z.requires_grad = True
print(z, z.is_leaf)
t = torch.tensor([1.0, 2.0], requires_grad=True)
print(t.sum().requires_grad, (t > 1).requires_grad)
''',
        expected='''\
False True <MulBackward0 object at 0x7fecef7815a0>
False
False None True
tensor([0., 0.], requires_grad=True) True
True False
''',
    ),
    Snippet(
        id='2.3',
        title='requires_grad_() / requires_grad= on non-leaf',
        torch='''\
x = torch.ones(2, requires_grad=True)
y = x * 2
with raises():
    y.requires_grad_(False)
with raises():
    y.requires_grad = False
with raises():
    y.requires_grad_(True)   # already requires grad -> ?
print(y.requires_grad)
with raises():
    x.requires_grad_(False)   # leaf: allowed
print(x.requires_grad)
''',
        expected='''\
EXC builtins.RuntimeError: you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().
EXC builtins.RuntimeError: you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().
(no exception)
True
(no exception)
False
''',
    ),
    Snippet(
        id='2.4',
        title='.grad on non-leaf warning',
        torch='''\
x = torch.ones(2, requires_grad=True)
y = x * 2
z = y.sum()
z.backward()
print(x.grad)
print(y.grad)
''',
        expected='''\
tensor([2., 2.])
WARNING UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information. (Triggered internally at /__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)
None
''',
    ),
    Snippet(
        id='2.5',
        title='retain_grad()',
        changes=(
            'dropped the `retains_grad` attribute (not in API.md); `x.retain_grad()` on a leaf is'
            ' still called'
        ),
        torch='''\
x = torch.ones(2, requires_grad=True)
y = x * 2
y.retain_grad()
z = (y * y).sum()
z.backward()
print(y.grad)
print(x.grad)
x.retain_grad()   # no-op on leaf
''',
        expected='''\
tensor([4., 4.])
tensor([8., 8.])
''',
    ),
    Snippet(
        id='2.6',
        title='setting .grad manually',
        torch='''\
x = torch.ones(2, requires_grad=True)
x.grad = torch.tensor([5.0, 6.0])
print(x.grad)
with raises():
    x.grad = torch.ones(3)
with raises():
    x.grad = torch.ones(2, dtype=torch.float64)
x.grad = None
print(x.grad)
''',
        expected='''\
tensor([5., 6.])
EXC builtins.RuntimeError: attempting to assign a gradient of size '[3]' to a tensor of size '[2]'. Please ensure that the gradient and the tensor are the same size
EXC builtins.RuntimeError: attempting to assign a gradient with dtype 'double' to a tensor with grad_dtype 'Float'. The gradient must match the tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may break downstream systems that assume they match.
None
''',
    ),
    Snippet(
        id='2.7',
        title='detach() shares storage; detach_(); requires_grad_() return value',
        changes='dropped `data_ptr()` and `_version` (not in API.md)',
        torch='''\
x = torch.ones(3, requires_grad=True)
d = x.detach()
d[0] = 5.0
print(x, d)
y = x * 2
r = y.detach_()
print(r is y, y, y.is_leaf, y.requires_grad, y.grad_fn)
t = torch.zeros(2)
print(t.requires_grad_() is t, t)
print(x.grad_fn, x.is_leaf, x.grad)
''',
        expected='''\
tensor([5., 1., 1.], requires_grad=True) tensor([5., 1., 1.])
True tensor([10.,  2.,  2.]) True False None
True tensor([0., 0.], requires_grad=True)
None True None
''',
    ),
]
