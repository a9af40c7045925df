"""Section 4 of pytorch-semantics.md: Grad modes: no_grad / enable_grad / set_grad_enabled / .data.

See __init__.py for the format.
"""
# Changed (see each snippet's `changes`): 4.6, 4.7.
from . import Snippet

# Snippets of this section left out: they need surface outside API.md section 1.
LEFT_OUT = {
    '4.4': (
        'inference_mode: `torch.inference_mode`, `Tensor.is_inference` and '
        '`torch.is_inference_mode_enabled` are not in API.md.'
    ),
}

SNIPPETS = [
    Snippet(
        id='4.1',
        title='no_grad context',
        torch='''\
x = torch.ones(2, requires_grad=True)
print(torch.is_grad_enabled())
with torch.no_grad():
    print(torch.is_grad_enabled())
    y = x * 2
    print(y, y.requires_grad, y.grad_fn, y.is_leaf)
    w = torch.ones(2, requires_grad=True)
    print(w.requires_grad)
    with torch.enable_grad():
        z = x * 2
        print(z)
print(torch.is_grad_enabled())
''',
        expected='''\
True
False
tensor([2., 2.]) False None True
True
tensor([2., 2.], grad_fn=<MulBackward0>)
True
''',
    ),
    Snippet(
        id='4.2',
        title='set_grad_enabled',
        torch='''\
x = torch.ones(2, requires_grad=True)
with torch.set_grad_enabled(False):
    y = x * 2
print(y.requires_grad)
torch.set_grad_enabled(False)
y2 = x * 2
print(y2.requires_grad, torch.is_grad_enabled())
torch.set_grad_enabled(True)
y3 = x * 2
print(y3.requires_grad, torch.is_grad_enabled())
is_train = False
with torch.set_grad_enabled(is_train):
    print((x * 2).requires_grad)
''',
        expected='''\
False
False False
True True
False
''',
    ),
    Snippet(
        id='4.3',
        title='decorator forms',
        torch='''\
x = torch.ones(2, requires_grad=True)

@torch.no_grad()
def f(t):
    return t * 2

@torch.no_grad
def g(t):
    return t * 2

@torch.enable_grad()
def h(t):
    return t * 2

print(f(x).requires_grad, g(x).requires_grad)
with torch.no_grad():
    print(h(x).requires_grad)
print(f.__name__)
''',
        expected='''\
False False
True
f
''',
    ),
    Snippet(
        id='4.5',
        title='.data mutation is not tracked (seed example)',
        torch='''\
x = torch.ones(1, requires_grad=True)
y = 2 * x
x.data *= 100
y.backward()
print(x, x.grad)
''',
        expected='''\
tensor([100.], requires_grad=True) tensor([2.])
''',
    ),
    Snippet(
        id='4.6',
        title='.data vs detach(): version counter',
        changes='dropped `_version` (not in API.md)',
        torch='''\
x = torch.ones(2, requires_grad=True)
y = x.exp()           # ExpBackward0 saves its OUTPUT y
y.data.mul_(2)        # not tracked: version unchanged
y.sum().backward()
print(x.grad)          # uses the mutated y silently

x2 = torch.ones(2, requires_grad=True)
y2 = x2.exp()
y2.detach().mul_(2)   # shares version counter -> error at backward
with raises():
    y2.sum().backward()
d = x2.data
print(d, d.requires_grad, d.is_leaf, x2.data is x2.data)
''',
        expected='''\
tensor([5.4366, 5.4366])
EXC builtins.RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [2]], which is output 0 of Exp, is at version 1; expected version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).
tensor([1., 1.]) False True False
''',
    ),
    Snippet(
        id='4.7',
        title='in-place on leaf under no_grad is allowed (SGD step pattern)',
        changes='dropped `_version` (not in API.md)',
        torch='''\
w = torch.tensor([1.0, 2.0], requires_grad=True)
loss = (w * w).sum()
loss.backward()
with torch.no_grad():
    w -= 0.1 * w.grad
print(w, w.is_leaf, w.grad_fn)
w.grad.zero_()
print(w.grad)
''',
        expected='''\
tensor([0.8000, 1.6000], requires_grad=True) True None
tensor([0., 0.])
''',
    ),
]
