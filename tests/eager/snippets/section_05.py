"""Section 5 of pytorch-semantics.md: In-place ops and version counter.

See __init__.py for the format.
"""
# Changed (see each snippet's `changes`): 5.3, 5.5.
from . import Snippet

# Snippets of this section left out: they need surface outside API.md section 1.
LEFT_OUT = {
    '5.6': (
        'in-place with anomaly mode hint: `torch.autograd.set_detect_anomaly` (anomaly mode) is '
        'not in API.md; its output also quotes file names and line numbers of the forward call.'
    ),
    '5.7': (
        'nan in backward under detect_anomaly: `torch.autograd.detect_anomaly` (anomaly mode) is '
        'not in API.md; its output also quotes file names and line numbers of the forward call.'
    ),
}

SNIPPETS = [
    Snippet(
        id='5.1',
        title='in-place on leaf requiring grad',
        torch='''\
x = torch.ones(2, requires_grad=True)
with raises():
    x.add_(1)
with raises():
    x += 1
with raises():
    x.mul_(2)
with raises():
    x[0] = 5.0
with raises():
    x.zero_()
with raises():
    x.data.add_(1)
print(x)
''',
        expected='''\
EXC builtins.RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.
EXC builtins.RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.
EXC builtins.RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.
EXC builtins.RuntimeError: a view of a leaf Variable that requires grad is being used in an in-place operation.
EXC builtins.RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.
(no exception)
tensor([2., 2.], requires_grad=True)
''',
    ),
    Snippet(
        id='5.2',
        title='in-place on view of leaf',
        torch='''\
x = torch.ones(2, 2, requires_grad=True)
v = x[0]
with raises():
    v.add_(1)
with raises():
    x.view(4).mul_(2)
''',
        expected='''\
EXC builtins.RuntimeError: a view of a leaf Variable that requires grad is being used in an in-place operation.
EXC builtins.RuntimeError: a view of a leaf Variable that requires grad is being used in an in-place operation.
''',
    ),
    Snippet(
        id='5.3',
        title='modify a tensor saved for backward, then backward',
        changes='dropped `_version` (not in API.md)',
        torch='''\
x = torch.ones(2, 2, requires_grad=True)
a = x * 1
b = a ** 2            # PowBackward0 saves a
a.add_(1)
with raises():
    b.sum().backward()
''',
        expected='''\
EXC builtins.RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [2, 2]], which is output 0 of Add, is at version 1; expected version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).
''',
    ),
    Snippet(
        id='5.4',
        title='modify saved output (sigmoid saves result)',
        torch='''\
x = torch.randn(3, requires_grad=True)
y = torch.sigmoid(x)
y.mul_(2)
with raises():
    y.sum().backward()
x2 = torch.randn(3, requires_grad=True)
y2 = x2.exp()
y2 += 1
with raises():
    y2.sum().backward()
''',
        expected='''\
EXC builtins.RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of Sigmoid, is at version 1; expected version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).
EXC builtins.RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of Exp, is at version 1; expected version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).
''',
    ),
    Snippet(
        id='5.5',
        title='in-place on non-leaf that is not saved is fine; grad_fn changes',
        changes='dropped `_version` (not in API.md)',
        torch='''\
x = torch.ones(2, requires_grad=True)
y = x * 2
print(y.grad_fn)
y.add_(1)
print(y)
y.mul_(3)
print(y)
y.sum().backward()
print(x.grad)
z = x * 2
z[0] = 10.0
print(z)
z.sum().backward()
print(x.grad)
''',
        expected='''\
<MulBackward0 object at 0x7fecef7815a0>
tensor([3., 3.], grad_fn=<AddBackward0>)
tensor([9., 9.], grad_fn=<MulBackward0>)
tensor([6., 6.])
tensor([10.,  2.], grad_fn=<CopySlices>)
tensor([6., 8.])
''',
    ),
]
