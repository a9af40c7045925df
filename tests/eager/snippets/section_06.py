"""Section 6 of pytorch-semantics.md: Higher-order gradients.

See __init__.py for the format.
"""
from . import Snippet

LEFT_OUT = {}

SNIPPETS = [
    Snippet(
        id='6.1',
        title='autograd.grad with create_graph for y = x**3',
        torch='''\
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
g, = torch.autograd.grad(y, x, create_graph=True)
print(g)
g2, = torch.autograd.grad(g, x)
print(g2)
g3 = torch.autograd.grad(y, x, create_graph=True)
print(g3)
x3 = torch.tensor(2.0, requires_grad=True)
gg = torch.autograd.grad(x3 ** 3, x3, create_graph=True)[0]
ggg = torch.autograd.grad(gg, x3, create_graph=True)[0]
gggg = torch.autograd.grad(ggg, x3, create_graph=True)[0]
print(gg, ggg, gggg)
''',
        expected='''\
tensor(12., grad_fn=<MulBackward0>)
tensor(12.)
(tensor(12., grad_fn=<MulBackward0>),)
tensor(12., grad_fn=<MulBackward0>) tensor(12., grad_fn=<MulBackward0>) tensor(6., grad_fn=<MulBackward0>)
''',
    ),
    Snippet(
        id='6.2',
        title='seed: y=x**2; z=sin(y); y.backward(retain_graph=True); zero; z.backward()',
        torch='''\
x = torch.tensor(2.0, requires_grad=True)
y = x ** 2
z = torch.sin(y)
y.backward(retain_graph=True)
print(x.grad)
x.grad.zero_()
z.backward()
print(x.grad)
import math
print(4 * math.cos(4.0))
''',
        expected='''\
tensor(4.)
tensor(-2.6146)
-2.6145744834544478
''',
    ),
    Snippet(
        id='6.3',
        title='backward(create_graph=True) -> x.grad has grad_fn',
        torch='''\
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
y.backward(create_graph=True)
print(x.grad)
g = x.grad
x.grad = None
g.backward()
print(x.grad)
''',
        expected='''\
WARNING UserWarning: Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid this. If you have to use this function, make sure to reset the .grad fields of your parameters to None after use to break the cycle and avoid the leak. (Triggered internally at /__w/pytorch/pytorch/torch/csrc/autograd/engine.cpp:1307.)
tensor(12., grad_fn=<CopyBackwards>)
tensor(12.)
''',
    ),
    Snippet(
        id='6.4',
        title='grad of grad without create_graph',
        torch='''\
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
g, = torch.autograd.grad(y, x)
print(g, g.requires_grad)
with raises():
    torch.autograd.grad(g, x)
''',
        expected='''\
tensor(12.) False
EXC builtins.RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
''',
    ),
    Snippet(
        id='6.5',
        title='Hessian-vector via double backward on vector input',
        torch='''\
x = torch.tensor([1.0, 2.0], requires_grad=True)
f = (x ** 3).sum() + x[0] * x[1]
g, = torch.autograd.grad(f, x, create_graph=True)
print(g)
v = torch.tensor([1.0, 0.0])
hv, = torch.autograd.grad(g, x, grad_outputs=v)
print(hv)
''',
        expected='''\
tensor([ 5., 13.], grad_fn=<AddBackward0>)
tensor([6., 1.])
''',
    ),
]
