"""Section 7 of pytorch-semantics.md: torch.autograd.grad options.

See __init__.py for the format.
"""
# Changed (see each snippet's `changes`): 7.2, 7.5.
from . import Snippet

LEFT_OUT = {}

SNIPPETS = [
    Snippet(
        id='7.1',
        title='basic: returns tuple, does not touch .grad',
        torch='''\
x = torch.tensor([1.0, 2.0], requires_grad=True)
w = torch.tensor([3.0, 4.0], requires_grad=True)
y = (x * w).sum()
r = torch.autograd.grad(y, [x, w])
print(type(r), r)
print(x.grad, w.grad)
r1 = torch.autograd.grad((x * w).sum(), x)
print(r1)
''',
        expected='''\
<class 'tuple'> (tensor([3., 4.]), tensor([1., 2.]))
None None
(tensor([3., 4.]),)
''',
    ),
    Snippet(
        id='7.2',
        title='unused input: allow_unused / materialize_grads',
        changes="dropped `materialize_grads=` (not in API.md's signature)",
        torch='''\
x = torch.tensor(1.0, requires_grad=True)
u = torch.tensor(1.0, requires_grad=True)
with raises():
    torch.autograd.grad(x * 2, [x, u])
print(torch.autograd.grad(x * 2, [x, u], allow_unused=True))
''',
        expected='''\
EXC builtins.RuntimeError: The differentiated Tensor at index 1 appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.
(tensor(2.), None)
''',
    ),
    Snippet(
        id='7.3',
        title='input that does not require grad / output that does not require grad',
        torch='''\
x = torch.tensor(1.0, requires_grad=True)
c = torch.tensor(1.0)
with raises():
    torch.autograd.grad(x * c, [c])
with raises():
    torch.autograd.grad(c * 2, [x])
''',
        expected='''\
EXC builtins.RuntimeError: One of the differentiated Tensors does not require grad
EXC builtins.RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
''',
    ),
    Snippet(
        id='7.4',
        title='grad_outputs for non-scalar outputs',
        torch='''\
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2
print(torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y)))
y = x ** 2
print(torch.autograd.grad(y, x, grad_outputs=torch.tensor([1.0, 0.0, 0.5])))
y = x ** 2
with raises():
    torch.autograd.grad(y, x, grad_outputs=torch.ones(2))
y1, y2 = x.sum(), (x * x).sum()
print(torch.autograd.grad([y1, y2], x))          # outputs are summed (grad_outputs default to ones)
y1, y2 = x.sum(), (x * x).sum()
print(torch.autograd.grad([y1, y2], x, grad_outputs=[torch.tensor(1.0), torch.tensor(2.0)]))
y1, y2 = x.sum(), (x * x).sum()
print(torch.autograd.grad([y1, y2], x, grad_outputs=[torch.tensor(1.0), None]))
''',
        expected='''\
(tensor([2., 4., 6.]),)
(tensor([2., 0., 3.]),)
EXC builtins.RuntimeError: Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of torch.Size([3]).
(tensor([3., 5., 7.]),)
(tensor([ 5.,  9., 13.]),)
(tensor([3., 5., 7.]),)
''',
    ),
    Snippet(
        id='7.5',
        title='retain_graph default (= create_graph) -> second call fails',
        changes=(
            "dropped the printed signatures (PyTorch's full signatures are not the contract; "
            "API.md's are)"
        ),
        torch='''\
x = torch.tensor(2.0, requires_grad=True)
y = x * x
print(torch.autograd.grad(y, x))
with raises():
    torch.autograd.grad(y, x)
y = x * x
print(torch.autograd.grad(y, x, retain_graph=True))
print(torch.autograd.grad(y, x))
y = x * x
print(torch.autograd.grad(y, x, create_graph=True))
print(torch.autograd.grad(y, x))   # create_graph=True implied retain_graph=True
''',
        expected='''\
(tensor(4.),)
EXC builtins.RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.
(tensor(4.),)
(tensor(4.),)
(tensor(4., grad_fn=<AddBackward0>),)
(tensor(4.),)
''',
    ),
    Snippet(
        id='7.6',
        title='grad w.r.t. an intermediate (non-leaf)',
        torch='''\
x = torch.tensor(2.0, requires_grad=True)
y = x * 3
z = y * y
print(torch.autograd.grad(z, y))
''',
        expected='''\
(tensor(12.),)
''',
    ),
]
