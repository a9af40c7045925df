"""Section 3 of pytorch-semantics.md: backward().

See __init__.py for the format.
"""
# Changed (see each snippet's `changes`): 3.10.
from . import Snippet

LEFT_OUT = {}

SNIPPETS = [
    Snippet(
        id='3.1',
        title='backward on scalar',
        torch='''\
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
print(x.grad)
out = (x ** 2).sum()
r = out.backward()
print(r)
print(x.grad)
''',
        expected='''\
None
None
tensor([2., 4., 6.])
''',
    ),
    Snippet(
        id='3.2',
        title='backward on non-scalar without gradient',
        torch='''\
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
with raises():
    y.backward()
with raises():
    torch.autograd.grad(y, x)
''',
        expected='''\
EXC builtins.RuntimeError: grad can be implicitly created only for scalar outputs
EXC builtins.RuntimeError: grad can be implicitly created only for scalar outputs
''',
    ),
    Snippet(
        id='3.3',
        title='backward on one-element non-0-dim tensors',
        torch='''\
x = torch.tensor([3.0], requires_grad=True)
y = x * 2
with raises():
    y.backward()
print(x.grad)
x2 = torch.ones(1, 1, requires_grad=True)
with raises():
    (x2 * 2).backward()
print(x2.grad)
''',
        expected='''\
(no exception)
tensor([2.])
(no exception)
tensor([[2.]])
''',
    ),
    Snippet(
        id='3.4',
        title='backward with gradient of wrong shape / dtype',
        torch='''\
x = torch.ones(2, 2, requires_grad=True)
y = x * 2
with raises():
    y.backward(torch.ones(3))
y = x * 2
with raises():
    y.backward(torch.ones(4))
y = x * 2
with raises():
    y.backward(torch.ones(1, 2, 2))
y = x * 2
with raises():
    y.backward(torch.ones(2))          # broadcastable?
y = x * 2
with raises():
    y.backward(torch.ones(2, 2, dtype=torch.float64))
print(x.grad)
y = x * 2
with raises():
    y.backward(torch.ones(2, 2, dtype=torch.int64))
s = x.sum()
with raises():
    s.backward(torch.tensor([1.0]))
print(x.grad)
''',
        expected='''\
EXC builtins.RuntimeError: Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a shape of torch.Size([2, 2]).
EXC builtins.RuntimeError: Mismatch in shape: grad_output[0] has a shape of torch.Size([4]) and output[0] has a shape of torch.Size([2, 2]).
EXC builtins.RuntimeError: Mismatch in shape: grad_output[0] has a shape of torch.Size([1, 2, 2]) and output[0] has a shape of torch.Size([2, 2]).
EXC builtins.RuntimeError: Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of torch.Size([2, 2]).
(no exception)
tensor([[2., 2.],
        [2., 2.]])
(no exception)
EXC builtins.RuntimeError: Mismatch in shape: grad_output[0] has a shape of torch.Size([1]) and output[0] has a shape of torch.Size([]).
tensor([[4., 4.],
        [4., 4.]])
''',
    ),
    Snippet(
        id='3.5',
        title='second backward without retain_graph',
        torch='''\
x = torch.ones(2, 2, requires_grad=True)
y = x * x            # MulBackward0 saves its inputs
out = y.sum()
out.backward()
with raises():
    out.backward()
print(x.grad)
''',
        expected='''\
EXC builtins.RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.
tensor([[2., 2.],
        [2., 2.]])
''',
    ),
    Snippet(
        id='3.6',
        title='second backward without retain_graph when NO tensors are saved',
        torch='''\
x = torch.ones(2, 2, requires_grad=True)
out = (x + 2).sum()   # AddBackward0 / SumBackward0 save no tensors
out.backward()
with raises():
    out.backward()
print(x.grad)
x2 = torch.ones(2, requires_grad=True)
out2 = (x2 * 3).sum()   # mul by python scalar saves no tensor
out2.backward()
with raises():
    out2.backward()
print(x2.grad)
''',
        expected='''\
(no exception)
tensor([[2., 2.],
        [2., 2.]])
EXC builtins.RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.
tensor([3., 3.])
''',
    ),
    Snippet(
        id='3.7',
        title='retain_graph=True accumulation; zero_(); grad.data.zero_(); grad=None',
        torch='''\
x = torch.ones(2, requires_grad=True)
y = (x * x).sum()
y.backward(retain_graph=True)
print(x.grad)
y.backward(retain_graph=True)
print(x.grad)
g = x.grad
x.grad.zero_()
print(x.grad, x.grad is g)
y.backward(retain_graph=True)
print(x.grad)
x.grad.data.zero_()
print(x.grad)
y.backward()
print(x.grad)
x.grad = None
print(x.grad)
with raises():
    y.backward()
''',
        expected='''\
tensor([2., 2.])
tensor([4., 4.])
tensor([0., 0.]) True
tensor([2., 2.])
tensor([0., 0.])
tensor([2., 2.])
None
EXC builtins.RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.
''',
    ),
    Snippet(
        id='3.8',
        title='backward on tensor that does not require grad',
        torch='''\
x = torch.ones(2)
y = (x * 2).sum()
with raises():
    y.backward()
with torch.no_grad():
    w = torch.ones(2, requires_grad=True)
    z = (w * 2).sum()
with raises():
    z.backward()
with raises():
    torch.tensor(1.0).backward()
''',
        expected='''\
EXC builtins.RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
EXC builtins.RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
EXC builtins.RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
''',
    ),
    Snippet(
        id='3.9',
        title='backward on a leaf directly, and with explicit gradient on a scalar',
        torch='''\
x = torch.tensor([1.0, 2.0], requires_grad=True)
x.backward(torch.tensor([3.0, 4.0]))
print(x.grad)
s = torch.tensor(2.0, requires_grad=True)
s.backward()
print(s.grad)
t = torch.tensor(2.0, requires_grad=True)
(t * t).backward(torch.tensor(10.0))
print(t.grad)
''',
        expected='''\
tensor([3., 4.])
tensor(1.)
tensor(40.)
''',
    ),
    Snippet(
        id='3.10',
        title='backward(inputs=...) and torch.autograd.backward',
        changes=(
            "dropped `backward(inputs=...)` (not in API.md's signature); kept "
            '`tg.autograd.backward`'
        ),
        torch='''\
a2 = torch.tensor(1.0, requires_grad=True)
b2 = torch.tensor(2.0, requires_grad=True)
torch.autograd.backward([a2 * b2, a2 + b2])
print(a2.grad, b2.grad)
''',
        expected='''\
tensor(3.) tensor(2.)
''',
    ),
    Snippet(
        id='3.11',
        title='accumulation across separate graphs',
        torch='''\
x = torch.tensor(3.0, requires_grad=True)
(x * x).backward()
print(x.grad)
(x * 10).backward()
print(x.grad)
''',
        expected='''\
tensor(6.)
tensor(16.)
''',
    ),
    Snippet(
        id='3.12',
        title='two roots sharing a subgraph: first backward frees it',
        torch='''\
x = torch.ones(2, requires_grad=True)
y = x * x
a = y.sum()
b = y.mean()
a.backward()
with raises():
    b.backward()
print(x.grad)
''',
        expected='''\
EXC builtins.RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.
tensor([2., 2.])
''',
    ),
    Snippet(
        id='3.13',
        title='intermediate used twice (fan-out accumulates inside one backward)',
        torch='''\
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
z = y + y * y
z.sum().backward()
print(x.grad)        # dz/dy = 1 + 2y = [5, 9]; * 2 = [10, 18]
w = torch.tensor(3.0, requires_grad=True)
(w * w * w).backward()
print(w.grad)
''',
        expected='''\
tensor([10., 18.])
tensor(27.)
''',
    ),
    Snippet(
        id='3.14',
        title='item() / scalar conversion errors',
        torch='''\
x = torch.ones(2, requires_grad=True)
with raises():
    x.item()
with raises():
    float(torch.ones(2))
with raises():
    bool(torch.ones(2))
print(torch.ones(1, requires_grad=True).item(), bool(torch.ones(1)))
''',
        expected='''\
EXC builtins.RuntimeError: a Tensor with 2 elements cannot be converted to Scalar
EXC builtins.ValueError: only one element tensors can be converted to Python scalars
EXC builtins.RuntimeError: Boolean value of Tensor with more than one value is ambiguous
1.0 True
''',
    ),
]
