"""Section 1 of pytorch-semantics.md: Creation, repr, grad_fn.

See __init__.py for the format.
"""
# Changed (see each snippet's `changes`): 1.6, 1.7, 1.9.
from . import Snippet

LEFT_OUT = {}

SNIPPETS = [
    Snippet(
        id='1.1',
        title='leaf repr',
        torch='''\
x = torch.ones(2, 2, requires_grad=True)
print(x)
print(repr(x))
print(str(x) == repr(x))
print(x.is_leaf, x.requires_grad, x.grad_fn, x.grad, x.dtype, x.shape, x.size())
''',
        expected='''\
tensor([[1., 1.],
        [1., 1.]], requires_grad=True)
tensor([[1., 1.],
        [1., 1.]], requires_grad=True)
True
True True None None torch.float32 torch.Size([2, 2]) torch.Size([2, 2])
''',
    ),
    Snippet(
        id='1.2',
        title='y = x + 2 repr',
        torch='''\
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
print(y)
print(y.grad_fn)
print(type(y.grad_fn).__name__, y.grad_fn.name())
print(y.is_leaf, y.requires_grad)
''',
        expected='''\
tensor([[3., 3.],
        [3., 3.]], grad_fn=<AddBackward0>)
<AddBackward0 object at 0x7f795964c610>
AddBackward0 AddBackward0
False True
''',
    ),
    Snippet(
        id='1.3',
        title='z = y*y*3, out = z.mean()',
        torch='''\
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()
print(z, out)
print(z.grad_fn, out.grad_fn)
''',
        expected='''\
tensor([[27., 27.],
        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., grad_fn=<MeanBackward0>)
<MulBackward0 object at 0x7f8cb9499990> <MeanBackward0 object at 0x7f8cb949a860>
''',
    ),
    Snippet(
        id='1.4',
        title='scalar (0-dim) tensor reprs',
        torch='''\
print(torch.tensor(3.0))
print(torch.tensor(3.0, requires_grad=True))
print(torch.tensor(3.0, requires_grad=True) * 2)
print(torch.tensor(1))
print(torch.tensor(2.5, dtype=torch.float64))
print(torch.tensor(2.5, dtype=torch.float64, requires_grad=True))
print(torch.tensor(True))
print(torch.tensor(1e-8), torch.tensor(123456.789), torch.tensor(float("nan")), torch.tensor(float("inf")))
a = torch.tensor(3.0, requires_grad=True) * 2
print(a.item(), type(a.item()), a.shape, a.dim(), a.numel())
print(torch.tensor([1.5, 2.0]), torch.tensor([1.0, 2.0]), torch.tensor([1, 2]))
print(torch.tensor([[1.0, 0.1], [0.01, 0.001]]))
print(torch.tensor([1.0, 2.0], dtype=torch.float64))
print(torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True) * 2)
print(torch.tensor([1, 2], dtype=torch.int32))
print(torch.zeros(0), torch.zeros(2, 0))
''',
        expected='''\
tensor(3.)
tensor(3., requires_grad=True)
tensor(6., grad_fn=<MulBackward0>)
tensor(1)
tensor(2.5000, dtype=torch.float64)
tensor(2.5000, dtype=torch.float64, requires_grad=True)
tensor(True)
tensor(1.0000e-08) tensor(123456.7891) tensor(nan) tensor(inf)
6.0 <class 'float'> torch.Size([]) 0 1
tensor([1.5000, 2.0000]) tensor([1., 2.]) tensor([1, 2])
tensor([[1.0000, 0.1000],
        [0.0100, 0.0010]])
tensor([1., 2.], dtype=torch.float64)
tensor([2., 4.], dtype=torch.float64, grad_fn=<MulBackward0>)
tensor([1, 2], dtype=torch.int32)
tensor([]) tensor([], size=(2, 0))
''',
    ),
    Snippet(
        id='1.5',
        title='print(b.grad_fn) for SumBackward0, next_functions',
        torch='''\
x = torch.ones(2, 2, requires_grad=True)
b = x.sum()
print(b)
print(b.grad_fn)
print(repr(b.grad_fn))
print(type(b.grad_fn), type(b.grad_fn).__name__, b.grad_fn.name())
print(b.grad_fn.next_functions)
print(b.grad_fn.next_functions[0][0].variable is x)
c = (x * 2 + 1).sum()
print(c.grad_fn.next_functions)
print(c.grad_fn.next_functions[0][0].next_functions)
''',
        expected='''\
tensor(4., grad_fn=<SumBackward0>)
<SumBackward0 object at 0x7f34a74048b0>
<SumBackward0 object at 0x7f34a74048b0>
<class 'SumBackward0'> SumBackward0 SumBackward0
((<AccumulateGrad object at 0x7f34c87bb790>, 0),)
True
((<AddBackward0 object at 0x7f34a74046a0>, 0),)
((<MulBackward0 object at 0x7f34a74048e0>, 0), (None, 0))
''',
    ),
    Snippet(
        id='1.6',
        title='grad_fn type for many ops',
        changes=(
            'x holds fixed values (it was `torch.randn(3, 4)`: values under `log`, `sqrt` and '
            '`**` decide whether NumPy would warn); dropped the cases outside API.md: `x.neg()`, '
            '`torch.softmax`, `torch.mm`, `x.flatten()`, `x.cumsum(0)`, `x.norm()`, `x.double()`,'
            ' `x.to(torch.float64)`; the labels lost their `torch.` prefix (printed padded to 45 '
            'columns, a renamed prefix would shift the columns)'
        ),
        torch='''\
x = torch.tensor([
    [1.5410, -0.2934, -2.1788, 0.5684],
    [-1.0845, -1.3986, 0.4033, 0.8380],
    [-0.7193, -0.4033, -0.5966, 0.1820],
], requires_grad=True)
v = torch.randn(4, requires_grad=True)
m = torch.randn(4, 2, requires_grad=True)
bx = torch.randn(2, 3, 4, requires_grad=True)
tgt = torch.tensor([0, 2, 1])
cases = {
 "x + 2": lambda: x + 2,
 "2 + x": lambda: 2 + x,
 "x + x": lambda: x + x,
 "x - 1": lambda: x - 1,
 "1 - x": lambda: 1 - x,
 "x - x": lambda: x - x,
 "x * 3": lambda: x * 3,
 "x * x": lambda: x * x,
 "x / 2": lambda: x / 2,
 "2 / x": lambda: 2 / x,
 "x / x": lambda: x / x,
 "-x": lambda: -x,
 "x ** 2": lambda: x ** 2,
 "x.pow(2)": lambda: x.pow(2),
 "x ** x": lambda: x ** x,
 "2 ** x": lambda: 2 ** x,
 "sqrt(x)": lambda: torch.sqrt(x),
 "sin(x)": lambda: torch.sin(x),
 "cos(x)": lambda: torch.cos(x),
 "exp(x)": lambda: torch.exp(x),
 "log(x)": lambda: torch.log(x),
 "x.abs()": lambda: x.abs(),
 "x.clamp(min=0)": lambda: x.clamp(min=0),
 "x.clamp(-1, 1)": lambda: x.clamp(-1, 1),
 "relu(x)": lambda: torch.relu(x),
 "F.relu(x)": lambda: F.relu(x),
 "sigmoid(x)": lambda: torch.sigmoid(x),
 "tanh(x)": lambda: torch.tanh(x),
 "F.softmax(x, dim=1)": lambda: F.softmax(x, dim=1),
 "F.log_softmax(x, dim=1)": lambda: F.log_softmax(x, dim=1),
 "F.cross_entropy(x, tgt)": lambda: F.cross_entropy(x, tgt),
 "F.mse_loss(x, x.detach()*0)": lambda: F.mse_loss(x, x.detach() * 0),
 "F.binary_cross_entropy_with_logits(x, zeros)": lambda: F.binary_cross_entropy_with_logits(x, torch.zeros(3, 4)),
 "matmul(x, m) 2Dx2D": lambda: torch.matmul(x, m),
 "x @ m": lambda: x @ m,
 "matmul(x, v) 2Dx1D": lambda: torch.matmul(x, v),
 "matmul(v, v) 1Dx1D": lambda: torch.matmul(v, v),
 "matmul(v, m) 1Dx2D": lambda: torch.matmul(v, m),
 "matmul(bx, m) 3Dx2D": lambda: torch.matmul(bx, m),
 "x.view(12)": lambda: x.view(12),
 "x.view(-1, 2)": lambda: x.view(-1, 2),
 "x.reshape(12)": lambda: x.reshape(12),
 "x.t().reshape(12) (non-contig)": lambda: x.t().reshape(12),
 "x.transpose(0, 1)": lambda: x.transpose(0, 1),
 "x.t()": lambda: x.t(),
 "x.T": lambda: x.T,
 "x.permute(1, 0)": lambda: x.permute(1, 0),
 "x.unsqueeze(0)": lambda: x.unsqueeze(0),
 "x.unsqueeze(0).squeeze(0)": lambda: x.unsqueeze(0).squeeze(0),
 "x.expand(2,3,4)": lambda: x.expand(2, 3, 4),
 "x[0]": lambda: x[0],
 "x[:, 1]": lambda: x[:, 1],
 "x[0:2]": lambda: x[0:2],
 "x[0, 1]": lambda: x[0, 1],
 "x[[0, 2]]": lambda: x[[0, 2]],
 "x[x > 0]": lambda: x[x > 0],
 "x.sum()": lambda: x.sum(),
 "x.sum(dim=1)": lambda: x.sum(dim=1),
 "x.sum(1, keepdim=True)": lambda: x.sum(1, keepdim=True),
 "x.mean()": lambda: x.mean(),
 "x.mean(dim=0)": lambda: x.mean(dim=0),
 "x.max()": lambda: x.max(),
 "x.max(dim=1).values": lambda: x.max(dim=1).values,
 "max(x, x*2)": lambda: torch.max(x, x * 2),
 "maximum(x, x*2)": lambda: torch.maximum(x, x * 2),
 "x.min()": lambda: x.min(),
 "x.prod()": lambda: x.prod(),
 "cat([x, x])": lambda: torch.cat([x, x]),
 "stack([x, x])": lambda: torch.stack([x, x]),
 "where(x > 0, x, 0.)": lambda: torch.where(x > 0, x, 0.),
 "where(x > 0, x, x*2)": lambda: torch.where(x > 0, x, x * 2),
 "x.clone()": lambda: x.clone(),
 "x.detach()": lambda: x.detach(),
 "F.linear(x, m.t())": lambda: F.linear(x, m.t()),
}
for k, f in cases.items():
    r = f()
    print(f"{k:45s} -> {type(r.grad_fn).__name__ if r.grad_fn is not None else None}   print: {r.grad_fn}")
''',
        expected='''\
x + 2                                         -> AddBackward0   print: <AddBackward0 object at 0x7fecef7bc070>
2 + x                                         -> AddBackward0   print: <AddBackward0 object at 0x7fecef7bc070>
x + x                                         -> AddBackward0   print: <AddBackward0 object at 0x7fecef7bc070>
x - 1                                         -> SubBackward0   print: <SubBackward0 object at 0x7fecef7bc070>
1 - x                                         -> RsubBackward1   print: <RsubBackward1 object at 0x7fecef7bc070>
x - x                                         -> SubBackward0   print: <SubBackward0 object at 0x7fecef7bc070>
x * 3                                         -> MulBackward0   print: <MulBackward0 object at 0x7fecef7bc070>
x * x                                         -> MulBackward0   print: <MulBackward0 object at 0x7fecef7bc070>
x / 2                                         -> DivBackward0   print: <DivBackward0 object at 0x7fecef7bc070>
2 / x                                         -> MulBackward0   print: <MulBackward0 object at 0x7fecef7bc070>
x / x                                         -> DivBackward0   print: <DivBackward0 object at 0x7fecef7bc070>
-x                                            -> NegBackward0   print: <NegBackward0 object at 0x7fecef7bc070>
x ** 2                                        -> PowBackward0   print: <PowBackward0 object at 0x7fecef7bc070>
x.pow(2)                                      -> PowBackward0   print: <PowBackward0 object at 0x7fecef7bc070>
x ** x                                        -> PowBackward1   print: <PowBackward1 object at 0x7fecef7bc070>
2 ** x                                        -> PowBackward2   print: <PowBackward2 object at 0x7fecef7bc070>
sqrt(x)                                       -> SqrtBackward0   print: <SqrtBackward0 object at 0x7fecef7bc070>
sin(x)                                        -> SinBackward0   print: <SinBackward0 object at 0x7fecef7bc070>
cos(x)                                        -> CosBackward0   print: <CosBackward0 object at 0x7fecef7bc070>
exp(x)                                        -> ExpBackward0   print: <ExpBackward0 object at 0x7fecef7bc070>
log(x)                                        -> LogBackward0   print: <LogBackward0 object at 0x7fecef7bc070>
x.abs()                                       -> AbsBackward0   print: <AbsBackward0 object at 0x7fecef7bc070>
x.clamp(min=0)                                -> ClampBackward1   print: <ClampBackward1 object at 0x7fecef7bc070>
x.clamp(-1, 1)                                -> ClampBackward1   print: <ClampBackward1 object at 0x7fecef7bc070>
relu(x)                                       -> ReluBackward0   print: <ReluBackward0 object at 0x7fecef7bc070>
F.relu(x)                                     -> ReluBackward0   print: <ReluBackward0 object at 0x7fecef7bc070>
sigmoid(x)                                    -> SigmoidBackward0   print: <SigmoidBackward0 object at 0x7fecef7bc070>
tanh(x)                                       -> TanhBackward0   print: <TanhBackward0 object at 0x7fecef7bc070>
F.softmax(x, dim=1)                           -> SoftmaxBackward0   print: <SoftmaxBackward0 object at 0x7fecef7bc070>
F.log_softmax(x, dim=1)                       -> LogSoftmaxBackward0   print: <LogSoftmaxBackward0 object at 0x7fecef7bc070>
F.cross_entropy(x, tgt)                       -> NllLossBackward0   print: <NllLossBackward0 object at 0x7fecef7bc070>
F.mse_loss(x, x.detach()*0)                   -> MseLossBackward0   print: <MseLossBackward0 object at 0x7fecef7bc070>
F.binary_cross_entropy_with_logits(x, zeros)  -> BinaryCrossEntropyWithLogitsBackward0   print: <BinaryCrossEntropyWithLogitsBackward0 object at 0x7fecef7bc070>
matmul(x, m) 2Dx2D                            -> MmBackward0   print: <MmBackward0 object at 0x7fecef7bc070>
x @ m                                         -> MmBackward0   print: <MmBackward0 object at 0x7fecef7bc070>
matmul(x, v) 2Dx1D                            -> MvBackward0   print: <MvBackward0 object at 0x7fecef7bc070>
matmul(v, v) 1Dx1D                            -> DotBackward0   print: <DotBackward0 object at 0x7fecef7bc070>
matmul(v, m) 1Dx2D                            -> SqueezeBackward4   print: <SqueezeBackward4 object at 0x7fecef7bc070>
matmul(bx, m) 3Dx2D                           -> UnsafeViewBackward0   print: <UnsafeViewBackward0 object at 0x7fecef7bc070>
x.view(12)                                    -> ViewBackward0   print: <ViewBackward0 object at 0x7fecef7bc070>
x.view(-1, 2)                                 -> ViewBackward0   print: <ViewBackward0 object at 0x7fecef7bc070>
x.reshape(12)                                 -> ViewBackward0   print: <ViewBackward0 object at 0x7fecef7bc070>
x.t().reshape(12) (non-contig)                -> UnsafeViewBackward0   print: <UnsafeViewBackward0 object at 0x7fecef7bc070>
x.transpose(0, 1)                             -> TransposeBackward0   print: <TransposeBackward0 object at 0x7fecef7bc070>
x.t()                                         -> TBackward0   print: <TBackward0 object at 0x7fecef7bc070>
x.T                                           -> PermuteBackward0   print: <PermuteBackward0 object at 0x7fecef7bc070>
x.permute(1, 0)                               -> PermuteBackward0   print: <PermuteBackward0 object at 0x7fecef7bc070>
x.unsqueeze(0)                                -> UnsqueezeBackward0   print: <UnsqueezeBackward0 object at 0x7fecef7bc070>
x.unsqueeze(0).squeeze(0)                     -> SqueezeBackward1   print: <SqueezeBackward1 object at 0x7fecef7bc070>
x.expand(2,3,4)                               -> ExpandBackward0   print: <ExpandBackward0 object at 0x7fecef7bc070>
x[0]                                          -> SelectBackward0   print: <SelectBackward0 object at 0x7fecef7bc070>
x[:, 1]                                       -> SelectBackward0   print: <SelectBackward0 object at 0x7fecef7bc070>
x[0:2]                                        -> SliceBackward0   print: <SliceBackward0 object at 0x7fecef7bc070>
x[0, 1]                                       -> SelectBackward0   print: <SelectBackward0 object at 0x7fecef7bc070>
x[[0, 2]]                                     -> IndexBackward0   print: <IndexBackward0 object at 0x7fecef7bc070>
x[x > 0]                                      -> IndexBackward0   print: <IndexBackward0 object at 0x7fecef7bc070>
x.sum()                                       -> SumBackward0   print: <SumBackward0 object at 0x7fecef7bc070>
x.sum(dim=1)                                  -> SumBackward1   print: <SumBackward1 object at 0x7fecef7bc070>
x.sum(1, keepdim=True)                        -> SumBackward1   print: <SumBackward1 object at 0x7fecef7bc070>
x.mean()                                      -> MeanBackward0   print: <MeanBackward0 object at 0x7fecef7bc070>
x.mean(dim=0)                                 -> MeanBackward1   print: <MeanBackward1 object at 0x7fecef7bc070>
x.max()                                       -> MaxBackward1   print: <MaxBackward1 object at 0x7fecef7bc070>
x.max(dim=1).values                           -> MaxBackward0   print: <MaxBackward0 object at 0x7fecef7bc070>
max(x, x*2)                                   -> MaximumBackward0   print: <MaximumBackward0 object at 0x7fecef7bc070>
maximum(x, x*2)                               -> MaximumBackward0   print: <MaximumBackward0 object at 0x7fecef7bc070>
x.min()                                       -> MinBackward1   print: <MinBackward1 object at 0x7fecef7bc070>
x.prod()                                      -> ProdBackward0   print: <ProdBackward0 object at 0x7fecef7bc070>
cat([x, x])                                   -> CatBackward0   print: <CatBackward0 object at 0x7fecef7bc070>
stack([x, x])                                 -> StackBackward0   print: <StackBackward0 object at 0x7fecef7bc070>
where(x > 0, x, 0.)                           -> WhereBackward0   print: <WhereBackward0 object at 0x7fecef7bc070>
where(x > 0, x, x*2)                          -> WhereBackward0   print: <WhereBackward0 object at 0x7fecef7bc070>
x.clone()                                     -> CloneBackward0   print: <CloneBackward0 object at 0x7fecef7bc070>
x.detach()                                    -> None   print: None
F.linear(x, m.t())                            -> MmBackward0   print: <MmBackward0 object at 0x7fecef7bc070>
''',
    ),
    Snippet(
        id='1.7',
        title='repr of results of several ops (with grad_fn suffix)',
        changes='dropped `x.double()` (not in API.md)',
        torch='''\
x = torch.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
print(x ** 2)
print(torch.sin(x))
print(x.sum(dim=1))
print(x.mean())
print(x[0])
print(x[:, 1])
print(x.T)
print(x.view(4))
print(x.max())
print(torch.relu(x))
print(torch.cat([x, x]))
print(torch.where(x > 0, x, torch.zeros_like(x)))
print(F.cross_entropy(x, torch.tensor([0, 1])))
print(F.mse_loss(x, torch.zeros(2, 2)))
print(x.detach())
''',
        expected='''\
tensor([[ 1.,  4.],
        [ 9., 16.]], grad_fn=<PowBackward0>)
tensor([[ 0.8415, -0.9093],
        [ 0.1411, -0.7568]], grad_fn=<SinBackward0>)
tensor([-1.,  7.], grad_fn=<SumBackward1>)
tensor(1.5000, grad_fn=<MeanBackward0>)
tensor([ 1., -2.], grad_fn=<SelectBackward0>)
tensor([-2.,  4.], grad_fn=<SelectBackward0>)
tensor([[ 1.,  3.],
        [-2.,  4.]], grad_fn=<PermuteBackward0>)
tensor([ 1., -2.,  3.,  4.], grad_fn=<ViewBackward0>)
tensor(4., grad_fn=<MaxBackward1>)
tensor([[1., 0.],
        [3., 4.]], grad_fn=<ReluBackward0>)
tensor([[ 1., -2.],
        [ 3.,  4.],
        [ 1., -2.],
        [ 3.,  4.]], grad_fn=<CatBackward0>)
tensor([[1., 0.],
        [3., 4.]], grad_fn=<WhereBackward0>)
tensor(0.1809, grad_fn=<NllLossBackward0>)
tensor(7.5000, grad_fn=<MseLossBackward0>)
tensor([[ 1., -2.],
        [ 3.,  4.]])
''',
    ),
    Snippet(
        id='1.8',
        title='repr number formatting (what a facade must reproduce)',
        torch='''\
print(torch.tensor([1.0, 2.5, -3.0]))
print(torch.tensor([0.1, 0.25]))
print(torch.tensor([1e-5, 1.0]))
print(torch.tensor([1e5, 1.0]))
print(torch.tensor([1e10, 1.0]))
print(torch.tensor([123.456, -0.5]))
print(torch.tensor([-1.0, -2.0]))
print(torch.tensor([[1.0, -2.0], [30.0, 4.5]]))
print(torch.tensor([1.0, float("nan"), float("inf"), -float("inf")]))
print(torch.arange(12.0).reshape(2, 2, 3))
print(torch.arange(1001.0))
print(torch.tensor([1.23456789], dtype=torch.float64))
print(torch.tensor([1, -20, 300]))
print(torch.tensor([True, False]))
print(torch.zeros(2, 3, requires_grad=True))
print(torch.ones(3, dtype=torch.float64, requires_grad=True).sum())
print(torch.tensor([0.0, -0.0]))
torch.set_printoptions(precision=2)
print(torch.tensor([1.23456, 2.0]))
''',
        expected='''\
tensor([ 1.0000,  2.5000, -3.0000])
tensor([0.1000, 0.2500])
tensor([1.0000e-05, 1.0000e+00])
tensor([1.0000e+05, 1.0000e+00])
tensor([1.0000e+10, 1.0000e+00])
tensor([123.4560,  -0.5000])
tensor([-1., -2.])
tensor([[ 1.0000, -2.0000],
        [30.0000,  4.5000]])
tensor([1., nan, inf, -inf])
tensor([[[ 0.,  1.,  2.],
         [ 3.,  4.,  5.]],

        [[ 6.,  7.,  8.],
         [ 9., 10., 11.]]])
tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])
tensor([1.2346], dtype=torch.float64)
tensor([  1, -20, 300])
tensor([ True, False])
tensor([[0., 0., 0.],
        [0., 0., 0.]], requires_grad=True)
tensor(3., dtype=torch.float64, grad_fn=<SumBackward0>)
tensor([0., -0.])
tensor([1.23, 2.00])
''',
    ),
    Snippet(
        id='1.9',
        title='linear layers: grad_fn with and without bias',
        changes='dropped `torch.nn.Linear` and `torch.addmm` (not in API.md)',
        torch='''\
x = torch.randn(3, 4, requires_grad=True)
W = torch.randn(2, 4, requires_grad=True)
b = torch.randn(2, requires_grad=True)
print(type(F.linear(x, W).grad_fn).__name__)
print(type(F.linear(x, W, b).grad_fn).__name__)
print(type((x @ W.t() + b).grad_fn).__name__)
''',
        expected='''\
MmBackward0
AddmmBackward0
AddBackward0
''',
    ),
]
