"""Section 8 of pytorch-semantics.md: Custom torch.autograd.Function.

See __init__.py for the format.
"""
# Changed (see each snippet's `changes`): 8.1, 8.5, 8.6, 8.8.
from . import Snippet

LEFT_OUT = {}

SNIPPETS = [
    Snippet(
        id='8.1',
        title='MyReLU with save_for_backward / saved_tensors / needs_input_grad',
        changes="dropped the node class's `__mro__` (PyTorch's internal classes)",
        torch='''\
class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        print("forward needs_input_grad:", ctx.needs_input_grad)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        print("backward needs_input_grad:", ctx.needs_input_grad)
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input

x = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)
y = MyReLU.apply(x)
print(y)
print(y.grad_fn)
print(type(y.grad_fn), type(y.grad_fn).__name__, y.grad_fn.name())
y.sum().backward()
print(x.grad)
z = MyReLU.apply(torch.tensor([1.0, -1.0]))
print(z, z.requires_grad, z.grad_fn)
''',
        expected='''\
forward needs_input_grad: (True,)
tensor([0.0000, 0.5000, 2.0000], grad_fn=<MyReLUBackward>)
<torch.autograd.function.MyReLUBackward object at 0x7fecef768c00>
<class 'torch.autograd.function.MyReLUBackward'> MyReLUBackward MyReLUBackward
backward needs_input_grad: (True,)
tensor([0., 1., 1.])
forward needs_input_grad: (False,)
tensor([1., 0.]) False None
''',
    ),
    Snippet(
        id='8.2',
        title='multiple inputs, needs_input_grad, returning None for non-differentiable',
        torch='''\
class MulAdd(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b, k):
        ctx.save_for_backward(a, b)
        ctx.k = k
        return a * b + k

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        print("needs_input_grad", ctx.needs_input_grad)
        ga = g * b if ctx.needs_input_grad[0] else None
        gb = g * a if ctx.needs_input_grad[1] else None
        return ga, gb, None

a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([3.0, 4.0])
out = MulAdd.apply(a, b, 5.0)
print(out)
out.sum().backward()
print(a.grad, b.grad)
''',
        expected='''\
tensor([ 8., 13.], grad_fn=<MulAddBackward>)
needs_input_grad (True, False, False)
tensor([3., 4.]) None
''',
    ),
    Snippet(
        id='8.3',
        title='returning the wrong number of gradients',
        torch='''\
class Bad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2
    @staticmethod
    def backward(ctx, g):
        return g, g

x = torch.ones(2, requires_grad=True)
with raises():
    Bad.apply(x).sum().backward()

class Bad2(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, y):
        return x * y
    @staticmethod
    def backward(ctx, g):
        return g

with raises():
    Bad2.apply(x, torch.ones(2, requires_grad=True)).sum().backward()
''',
        expected='''\
EXC builtins.RuntimeError: function BadBackward returned an incorrect number of gradients (expected 1, got 2)
EXC builtins.RuntimeError: function Bad2Backward returned an incorrect number of gradients (expected 2, got 1)
''',
    ),
    Snippet(
        id='8.4',
        title='returning a gradient of the wrong shape / for non-tensor input',
        torch='''\
class BadShape(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2
    @staticmethod
    def backward(ctx, g):
        return torch.ones(3)

x = torch.ones(2, 2, requires_grad=True)
with raises():
    BadShape.apply(x).sum().backward()

class GradForNonTensor(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        return x * k
    @staticmethod
    def backward(ctx, g):
        return g * 2, torch.ones(1)

x = torch.ones(2, requires_grad=True)
with raises():
    GradForNonTensor.apply(x, 3.0).sum().backward()
print(x.grad)
''',
        expected='''\
EXC builtins.RuntimeError: Function BadShapeBackward returned an invalid gradient at index 0 - got [3] but expected shape compatible with [2, 2]
EXC builtins.RuntimeError: function GradForNonTensorBackward returned a gradient different than None at position 2, but the corresponding forward input was not a Variable
None
''',
    ),
    Snippet(
        id='8.5',
        title='mark_non_differentiable',
        changes=(
            "rewritten: the spec's version needs `torch.sort` and `index_add_` (not in API.md); "
            'this one marks a float output non-differentiable with the same API'
        ),
        torch='''\
class Stats(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        total = x.sum()
        count = torch.ones_like(x).sum()
        ctx.mark_non_differentiable(count)
        ctx.save_for_backward(x)
        return total, count

    @staticmethod
    def backward(ctx, g_total, g_count):
        x, = ctx.saved_tensors
        print("g_count:", g_count)
        return g_total * torch.ones_like(x)

x = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
total, count = Stats.apply(x)
print(total, count, count.requires_grad, count.grad_fn)
(total * 10 + count).backward()
print(x.grad)
''',
        expected='''\
tensor(6., grad_fn=<StatsBackward>) tensor(3.) False None
g_count: tensor(0.)
tensor([10., 10., 10.])
''',
    ),
    Snippet(
        id='8.6',
        title='setup_context style + saved_tensors twice after backward + once_differentiable',
        changes=(
            'rewritten without `setup_context` and `once_differentiable` (not in API.md): double '
            'backward through a custom Function, and its saved tensors freed after backward'
        ),
        torch='''\
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 3 * x ** 2

x = torch.tensor(2.0, requires_grad=True)
y = Cube.apply(x)
print(y, y.grad_fn)
g, = torch.autograd.grad(y, x, create_graph=True)
print(g)
print(torch.autograd.grad(g, x))

class Sq(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x
    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return 2 * x * g

x = torch.tensor(3.0, requires_grad=True)
y2 = Sq.apply(x)
y2.backward()
with raises():
    y2.backward()
''',
        expected='''\
tensor(8., grad_fn=<CubeBackward>) <torch.autograd.function.CubeBackward object at 0x7fecef768c00>
tensor(12., grad_fn=<MulBackward0>)
(tensor(12.),)
EXC builtins.RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.
''',
    ),
    Snippet(
        id='8.7',
        title='calling forward/backward directly, non-static legacy, no backward defined',
        torch='''\
class NoBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

x = torch.ones(2, requires_grad=True)
with raises():
    NoBackward.apply(x).sum().backward()

class Legacy(torch.autograd.Function):
    def forward(self, x):
        return x * 2
    def backward(self, g):
        return g * 2

with raises():
    Legacy()(x)
with raises():
    Legacy.apply(x)
''',
        expected='''\
EXC builtins.NotImplementedError: You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.
WARNING DeprecationWarning: <class '__main__.Legacy'> should not be instantiated. Methods on autograd functions are all static, so you should invoke them on the class itself. Instantiating an autograd function will raise an error in a future version of PyTorch.
EXC builtins.RuntimeError: Legacy autograd function with non-static forward method is deprecated. Please use new-style autograd function with static forward method. (Example: https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)
(no exception)
''',
    ),
    Snippet(
        id='8.8',
        title='ctx.save_for_backward with non-tensor / modifying input in-place (mark_dirty)',
        changes='dropped the second half (`ctx.mark_dirty`, not in API.md)',
        torch='''\
class SaveNonTensor(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x, 3)
        return x * 2
    @staticmethod
    def backward(ctx, g):
        return g * 2

x = torch.ones(2, requires_grad=True)
with raises():
    SaveNonTensor.apply(x)
''',
        expected='''\
EXC builtins.TypeError: save_for_backward can only save variables, but argument 1 is of type int
''',
    ),
]
