"""Section 9 of pytorch-semantics.md: Hooks.

See __init__.py for the format.
"""
# Changed (see each snippet's `changes`): 9.5.
from . import Snippet

LEFT_OUT = {}

SNIPPETS = [
    Snippet(
        id='9.1',
        title='register_hook on intermediate tensor modifying gradient',
        torch='''\
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
h = y.register_hook(lambda g: g * 2)
print(type(h).__name__)
z = (y * y).sum()
z.backward()
print(x.grad)   # dz/dy = 2y = [6, 12] -> doubled [12, 24] -> *3 = [36, 72]
''',
        expected='''\
RemovableHandle
tensor([36., 72.])
''',
    ),
    Snippet(
        id='9.2',
        title='register_hook on a leaf (print and modify; hook sees grad before accumulation)',
        torch='''\
x = torch.tensor([1.0, 2.0], requires_grad=True)
def hook(g):
    print("hook got", g)
    return g + 100
x.register_hook(hook)
(x * 2).sum().backward()
print(x.grad)
(x * 2).sum().backward()
print(x.grad)
''',
        expected='''\
hook got tensor([2., 2.])
tensor([102., 102.])
hook got tensor([2., 2.])
tensor([204., 204.])
''',
    ),
    Snippet(
        id='9.3',
        title='hook returning None, removing a hook, multiple hooks order',
        torch='''\
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 1
h1 = y.register_hook(lambda g: print("h1", g))
h2 = y.register_hook(lambda g: g * 10)
h3 = y.register_hook(lambda g: print("h3", g))
y.sum().backward(retain_graph=True)
print(x.grad)
h2.remove()
x.grad = None
y.sum().backward()
print(x.grad)
''',
        expected='''\
h1 tensor([1., 1.])
h3 tensor([10., 10.])
tensor([10., 10.])
h1 tensor([1., 1.])
h3 tensor([1., 1.])
tensor([1., 1.])
''',
    ),
    Snippet(
        id='9.4',
        title='register_hook on tensor not requiring grad; retain_grad interplay',
        torch='''\
t = torch.ones(2)
with raises():
    t.register_hook(lambda g: g)
x = torch.ones(2, requires_grad=True)
y = x * 2
y.retain_grad()
y.register_hook(lambda g: g * 100)
y.sum().backward()
print(y.grad, x.grad)
''',
        expected='''\
EXC builtins.RuntimeError: cannot register a hook on a tensor that doesn't require gradient
tensor([100., 100.]) tensor([200., 200.])
''',
    ),
    Snippet(
        id='9.5',
        title='post-accumulate-grad hook; hook returning wrong shape',
        changes='dropped `register_post_accumulate_grad_hook` (not in API.md)',
        torch='''\
y = torch.ones(2, requires_grad=True)
z = y * 2
z.register_hook(lambda g: torch.ones(3))
with raises():
    z.sum().backward()
''',
        expected='''\
EXC builtins.RuntimeError: hook '<lambda>' has changed the size of value
''',
    ),
]
