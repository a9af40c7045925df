"""Tests for transgrad.eager.repr: tensors must print exactly as PyTorch 2.13 prints them.

Three layers:
1. every tensor repr quoted in /work/shared/pytorch-semantics.md sections 0.1, 1.1-1.8 and
   12.a-e, copied verbatim (with ``torch.`` as PyTorch wrote it, renamed to ``tg.`` here);
2. PyTorch itself as an oracle, when installed, over a fixed varied set of arrays, over
   random arrays (hypothesis), under other print options, and with autograd suffixes;
3. the print-option API.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from transgrad.eager.repr import format_tensor, get_printoptions, printoptions, set_printoptions

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # hypothesis is an optional test dependency
    given = None

f32, f64, i32, i64 = np.float32, np.float64, np.int32, np.int64

DEFAULTS = dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)


def as_tg(pytorch_text: str) -> str:
    """PyTorch's output with the one intended difference: dtype names say ``tg.``."""
    return pytorch_text.replace("torch.", "tg.")


def arr(values, dtype=f32) -> np.ndarray:
    return np.array(values, dtype=dtype)


def show(values, dtype=f32, **flags) -> str:
    return format_tensor(arr(values, dtype), **flags)


@pytest.fixture(autouse=True)
def default_print_options():
    """Every test starts and ends with PyTorch's default options (also in torch, if loaded)."""
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")
    torch = _torch_if_loaded()
    if torch is not None:
        torch.set_printoptions(profile="default")


def _torch_if_loaded():
    return sys.modules.get("torch")


# =============================================================================== 1. the spec

ONES = np.ones((2, 2), f32)
X17 = arr([[1.0, -2.0], [3.0, 4.0]])


def _cross_entropy(logits: np.ndarray, targets: list[int]) -> np.float32:
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return np.float32(-log_probs[np.arange(len(targets)), targets].mean())


# (spec section, what format_tensor printed, what PyTorch printed). Lines on which PyTorch
# printed several tensors are rebuilt the same way, joined by a space.
SPEC_CASES = [
    # ---- 0.1 quick reference
    ("0.1 ones requires_grad", format_tensor(ONES, requires_grad=True),
     "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)"),
    ("0.1 x + 2", format_tensor(ONES + 2, grad_fn_name="AddBackward0", requires_grad=True),
     "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)"),
    ("0.1 0-dim 3.", show(3.0), "tensor(3.)"),
    ("0.1 0-dim requires_grad", show(3.0, requires_grad=True), "tensor(3., requires_grad=True)"),
    ("0.1 0-dim MulBackward0", show(6.0, grad_fn_name="MulBackward0"), "tensor(6., grad_fn=<MulBackward0>)"),
    ("0.1 0-dim MeanBackward0", show(27.0, grad_fn_name="MeanBackward0"), "tensor(27., grad_fn=<MeanBackward0>)"),
    ("0.1 0-dim int", show(1, i64), "tensor(1)"),
    ("0.1 0-dim float64", show(2.5, f64), "tensor(2.5000, dtype=torch.float64)"),
    ("0.1 0-dim bool", show(True, bool), "tensor(True)"),
    ("0.1 float64 grad_fn", show([2.0, 4.0], f64, requires_grad=True, grad_fn_name="MulBackward0"),
     "tensor([2., 4.], dtype=torch.float64, grad_fn=<MulBackward0>)"),
    ("0.1 float64 0-dim grad_fn", show(3.0, f64, grad_fn_name="SumBackward0"),
     "tensor(3., dtype=torch.float64, grad_fn=<SumBackward0>)"),
    ("0.1 custom Function", show([0.0, 0.5, 2.0], grad_fn_name="MyReLUBackward"),
     "tensor([0.0000, 0.5000, 2.0000], grad_fn=<MyReLUBackward>)"),
    ("0.1 create_graph grad", show(12.0, grad_fn_name="CopyBackwards"), "tensor(12., grad_fn=<CopyBackwards>)"),
    ("0.1 CopySlices", show([10.0, 2.0], grad_fn_name="CopySlices"), "tensor([10.,  2.], grad_fn=<CopySlices>)"),
    ("0.1 numbers mixed", show([1.0, 2.5, -3.0]), "tensor([ 1.0000,  2.5000, -3.0000])"),
    ("0.1 numbers negative whole", show([-1.0, -2.0]), "tensor([-1., -2.])"),
    ("0.1 numbers sci", show([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    ("0.1 numbers summarised", format_tensor(np.arange(1001.0, dtype=f32)),
     "tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])"),
    # ---- 1.1 leaf repr (print and repr agree)
    ("1.1 leaf", format_tensor(ONES, requires_grad=True),
     "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)"),
    # ---- 1.2 y = x + 2
    ("1.2 add", format_tensor(ONES + 2, grad_fn_name="AddBackward0"),
     "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)"),
    # ---- 1.3 print(z, out)
    ("1.3 z and out",
     format_tensor(np.full((2, 2), 27, f32), grad_fn_name="MulBackward0") + " "
     + show(27.0, grad_fn_name="MeanBackward0"),
     "tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., grad_fn=<MeanBackward0>)"),
    # ---- 1.4 scalar and small reprs
    ("1.4 3.", show(3.0), "tensor(3.)"),
    ("1.4 3. rg", show(3.0, requires_grad=True), "tensor(3., requires_grad=True)"),
    ("1.4 6. grad_fn", show(6.0, requires_grad=True, grad_fn_name="MulBackward0"), "tensor(6., grad_fn=<MulBackward0>)"),
    ("1.4 int", show(1, i64), "tensor(1)"),
    ("1.4 float64", show(2.5, f64), "tensor(2.5000, dtype=torch.float64)"),
    ("1.4 float64 rg", show(2.5, f64, requires_grad=True), "tensor(2.5000, dtype=torch.float64, requires_grad=True)"),
    ("1.4 bool", show(True, bool), "tensor(True)"),
    ("1.4 tiny, big, nan, inf",
     " ".join(show(v) for v in (1e-8, 123456.789, float("nan"), float("inf"))),
     "tensor(1.0000e-08) tensor(123456.7891) tensor(nan) tensor(inf)"),
    ("1.4 vectors", " ".join([show([1.5, 2.0]), show([1.0, 2.0]), show([1, 2], i64)]),
     "tensor([1.5000, 2.0000]) tensor([1., 2.]) tensor([1, 2])"),
    ("1.4 matrix of decades", show([[1.0, 0.1], [0.01, 0.001]]),
     "tensor([[1.0000, 0.1000],\n        [0.0100, 0.0010]])"),
    ("1.4 float64 vector", show([1.0, 2.0], f64), "tensor([1., 2.], dtype=torch.float64)"),
    ("1.4 float64 vector grad_fn", show([2.0, 4.0], f64, grad_fn_name="MulBackward0"),
     "tensor([2., 4.], dtype=torch.float64, grad_fn=<MulBackward0>)"),
    ("1.4 int32", show([1, 2], i32), "tensor([1, 2], dtype=torch.int32)"),
    ("1.4 empty", format_tensor(np.zeros(0, f32)) + " " + format_tensor(np.zeros((2, 0), f32)),
     "tensor([]) tensor([], size=(2, 0))"),
    # ---- 1.5
    ("1.5 sum", show(4.0, grad_fn_name="SumBackward0"), "tensor(4., grad_fn=<SumBackward0>)"),
    # ---- 1.7 results of several ops
    ("1.7 pow", format_tensor(X17**2, grad_fn_name="PowBackward0"),
     "tensor([[ 1.,  4.],\n        [ 9., 16.]], grad_fn=<PowBackward0>)"),
    ("1.7 sin", format_tensor(np.sin(X17), grad_fn_name="SinBackward0"),
     "tensor([[ 0.8415, -0.9093],\n        [ 0.1411, -0.7568]], grad_fn=<SinBackward0>)"),
    ("1.7 sum dim", format_tensor(X17.sum(axis=1), grad_fn_name="SumBackward1"),
     "tensor([-1.,  7.], grad_fn=<SumBackward1>)"),
    ("1.7 mean", format_tensor(X17.mean(), grad_fn_name="MeanBackward0"), "tensor(1.5000, grad_fn=<MeanBackward0>)"),
    ("1.7 row", format_tensor(X17[0], grad_fn_name="SelectBackward0"), "tensor([ 1., -2.], grad_fn=<SelectBackward0>)"),
    ("1.7 column", format_tensor(X17[:, 1], grad_fn_name="SelectBackward0"),
     "tensor([-2.,  4.], grad_fn=<SelectBackward0>)"),
    ("1.7 T", format_tensor(X17.T, grad_fn_name="PermuteBackward0"),
     "tensor([[ 1.,  3.],\n        [-2.,  4.]], grad_fn=<PermuteBackward0>)"),
    ("1.7 view", format_tensor(X17.reshape(4), grad_fn_name="ViewBackward0"),
     "tensor([ 1., -2.,  3.,  4.], grad_fn=<ViewBackward0>)"),
    ("1.7 max", format_tensor(X17.max(), grad_fn_name="MaxBackward1"), "tensor(4., grad_fn=<MaxBackward1>)"),
    ("1.7 relu", format_tensor(np.maximum(X17, 0), grad_fn_name="ReluBackward0"),
     "tensor([[1., 0.],\n        [3., 4.]], grad_fn=<ReluBackward0>)"),
    ("1.7 cat", format_tensor(np.concatenate([X17, X17]), grad_fn_name="CatBackward0"),
     "tensor([[ 1., -2.],\n        [ 3.,  4.],\n        [ 1., -2.],\n        [ 3.,  4.]], grad_fn=<CatBackward0>)"),
    ("1.7 where", format_tensor(np.where(X17 > 0, X17, f32(0)), grad_fn_name="WhereBackward0"),
     "tensor([[1., 0.],\n        [3., 4.]], grad_fn=<WhereBackward0>)"),
    ("1.7 cross_entropy", format_tensor(_cross_entropy(X17, [0, 1]), grad_fn_name="NllLossBackward0"),
     "tensor(0.1809, grad_fn=<NllLossBackward0>)"),
    ("1.7 mse_loss", format_tensor((X17**2).mean(), grad_fn_name="MseLossBackward0"),
     "tensor(7.5000, grad_fn=<MseLossBackward0>)"),
    ("1.7 detach", format_tensor(X17), "tensor([[ 1., -2.],\n        [ 3.,  4.]])"),
    ("1.7 double", format_tensor(X17.astype(f64), grad_fn_name="ToCopyBackward0"),
     "tensor([[ 1., -2.],\n        [ 3.,  4.]], dtype=torch.float64, grad_fn=<ToCopyBackward0>)"),
    # ---- 1.8 number formatting
    ("1.8 mixed", show([1.0, 2.5, -3.0]), "tensor([ 1.0000,  2.5000, -3.0000])"),
    ("1.8 fractions", show([0.1, 0.25]), "tensor([0.1000, 0.2500])"),
    ("1.8 small ratio sci", show([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    ("1.8 big ratio sci", show([1e5, 1.0]), "tensor([1.0000e+05, 1.0000e+00])"),
    ("1.8 huge sci", show([1e10, 1.0]), "tensor([1.0000e+10, 1.0000e+00])"),
    ("1.8 aligned fixed", show([123.456, -0.5]), "tensor([123.4560,  -0.5000])"),
    ("1.8 negative whole", show([-1.0, -2.0]), "tensor([-1., -2.])"),
    ("1.8 matrix", show([[1.0, -2.0], [30.0, 4.5]]), "tensor([[ 1.0000, -2.0000],\n        [30.0000,  4.5000]])"),
    ("1.8 nonfinite", show([1.0, float("nan"), float("inf"), -float("inf")]), "tensor([1., nan, inf, -inf])"),
    ("1.8 3-D", format_tensor(np.arange(12.0, dtype=f32).reshape(2, 2, 3)),
     "tensor([[[ 0.,  1.,  2.],\n         [ 3.,  4.,  5.]],\n\n        [[ 6.,  7.,  8.],\n         [ 9., 10., 11.]]])"),
    ("1.8 summarised", format_tensor(np.arange(1001.0, dtype=f32)),
     "tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])"),
    ("1.8 float64 rounding", show([1.23456789], f64), "tensor([1.2346], dtype=torch.float64)"),
    ("1.8 ints", show([1, -20, 300], i64), "tensor([  1, -20, 300])"),
    ("1.8 bools", show([True, False], bool), "tensor([ True, False])"),
    ("1.8 zeros rg", format_tensor(np.zeros((2, 3), f32), requires_grad=True),
     "tensor([[0., 0., 0.],\n        [0., 0., 0.]], requires_grad=True)"),
    ("1.8 float64 sum", format_tensor(np.ones(3, f64).sum(), requires_grad=True, grad_fn_name="SumBackward0"),
     "tensor(3., dtype=torch.float64, grad_fn=<SumBackward0>)"),
    ("1.8 negative zero", show([0.0, -0.0]), "tensor([0., -0.])"),
    # ---- 12.a
    ("12.a x", format_tensor(ONES, requires_grad=True), "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)"),
    ("12.a y", format_tensor(ONES + 2, grad_fn_name="AddBackward0"),
     "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)"),
    ("12.a z, out",
     format_tensor(3 * (ONES + 2) ** 2, grad_fn_name="MulBackward0") + " "
     + format_tensor(np.mean(3 * (ONES + 2) ** 2), grad_fn_name="MeanBackward0"),
     "tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., grad_fn=<MeanBackward0>)"),
    ("12.a grad 4.5", format_tensor(np.full((2, 2), 4.5, f32)), "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])"),
    ("12.a grad 5.5", format_tensor(np.full((2, 2), 5.5, f32)), "tensor([[5.5000, 5.5000],\n        [5.5000, 5.5000]])"),
    ("12.a grad 1", format_tensor(ONES), "tensor([[1., 1.],\n        [1., 1.]])"),
    # ---- 12.b
    ("12.b z", format_tensor(arr([[2.0, 4.0], [6.0, 8.0]]), grad_fn_name="ViewBackward0"),
     "tensor([[2., 4.],\n        [6., 8.]], grad_fn=<ViewBackward0>)"),
    ("12.b vjp", format_tensor(2 * arr([1.0, 0.1, 0.01, 0.001])), "tensor([2.0000, 0.2000, 0.0200, 0.0020])"),
    # ---- 12.c
    ("12.c out", format_tensor((np.eye(5, dtype=f32) + 1) ** 2, grad_fn_name="PowBackward0"),
     "tensor([[4., 1., 1., 1., 1.],\n        [1., 4., 1., 1., 1.],\n        [1., 1., 4., 1., 1.],\n"
     "        [1., 1., 1., 4., 1.],\n        [1., 1., 1., 1., 4.]], grad_fn=<PowBackward0>)"),
    ("12.c first call", format_tensor(2 * (np.eye(5, dtype=f32) + 1)),
     "tensor([[4., 2., 2., 2., 2.],\n        [2., 4., 2., 2., 2.],\n        [2., 2., 4., 2., 2.],\n"
     "        [2., 2., 2., 4., 2.],\n        [2., 2., 2., 2., 4.]])"),
    ("12.c second call", format_tensor(4 * (np.eye(5, dtype=f32) + 1)),
     "tensor([[8., 4., 4., 4., 4.],\n        [4., 8., 4., 4., 4.],\n        [4., 4., 8., 4., 4.],\n"
     "        [4., 4., 4., 8., 4.],\n        [4., 4., 4., 4., 8.]])"),
    # ---- 12.d
    ("12.d w.grad", format_tensor(np.tile(arr([0.2661, 0.1179, 0.0027]), (5, 1))),
     "tensor([[0.2661, 0.1179, 0.0027],\n        [0.2661, 0.1179, 0.0027],\n        [0.2661, 0.1179, 0.0027],\n"
     "        [0.2661, 0.1179, 0.0027],\n        [0.2661, 0.1179, 0.0027]])"),
    ("12.d b.grad", show([0.2661, 0.1179, 0.0027]), "tensor([0.2661, 0.1179, 0.0027])"),
    # ---- 12.e
    ("12.e y1 y2 y3",
     " ".join([show(1.0, grad_fn_name="PowBackward0"), show(1.0), show(2.0, grad_fn_name="AddBackward0")]),
     "tensor(1., grad_fn=<PowBackward0>) tensor(1.) tensor(2., grad_fn=<AddBackward0>)"),
    ("12.e x.grad", show(2.0), "tensor(2.)"),
]


@pytest.mark.parametrize("printed, pytorch_printed", [c[1:] for c in SPEC_CASES], ids=[c[0] for c in SPEC_CASES])
def test_spec_repr_verbatim(printed, pytorch_printed):
    assert printed == as_tg(pytorch_printed)


def test_spec_precision_2():
    """1.8: after ``set_printoptions(precision=2)``; the fixture restores the defaults."""
    set_printoptions(precision=2)
    assert show([1.23456, 2.0]) == "tensor([1.23, 2.00])"
    set_printoptions(profile="default")
    assert show([1.23456, 2.0]) == "tensor([1.2346, 2.0000])"


def test_str_and_repr_share_one_text_for_dtype_suffixes():
    assert show([1.0], f64) == "tensor([1.], dtype=tg.float64)"
    assert show([1], np.uint8) == "tensor([1], dtype=tg.uint8)"
    assert format_tensor(np.zeros(0, i64)) == "tensor([], dtype=tg.int64)"
    assert format_tensor(np.zeros((0, 2), bool)) == "tensor([], size=(0, 2), dtype=tg.bool)"


def test_grad_fn_wins_over_requires_grad():
    assert show([1.0], requires_grad=True, grad_fn_name="AddBackward0") == "tensor([1.], grad_fn=<AddBackward0>)"


def test_prefix_sets_indentation():
    assert format_tensor(ONES, prefix="Param") == "Param([[1., 1.],\n       [1., 1.]])"


def test_long_suffix_moves_to_its_own_line():
    row = np.full((2, 7), 1234.5678, f64)
    assert format_tensor(row, grad_fn_name="AddBackward0") == (
        "tensor([[1234.5678, 1234.5678, 1234.5678, 1234.5678, 1234.5678, 1234.5678,\n"
        "         1234.5678],\n"
        "        [1234.5678, 1234.5678, 1234.5678, 1234.5678, 1234.5678, 1234.5678,\n"
        "         1234.5678]], dtype=tg.float64, grad_fn=<AddBackward0>)"
    )
    wide_last_line = np.full((1, 6), 1234.5678, f64)
    assert format_tensor(wide_last_line, grad_fn_name="AddBackward0") == (
        "tensor([[1234.5678, 1234.5678, 1234.5678, 1234.5678, 1234.5678, 1234.5678]],\n"
        "       dtype=tg.float64, grad_fn=<AddBackward0>)"
    )


def test_unsupported_dtype_is_rejected():
    with pytest.raises(TypeError, match="cannot print a tensor of dtype"):
        format_tensor(np.array(["a"]))


# =============================================================================== 2. PyTorch oracle


def torch_repr(torch, array: np.ndarray, *, requires_grad=False, grad_fn=False) -> str:
    """PyTorch's text for ``array``; ``grad_fn`` makes a non-leaf (CloneBackward0)."""
    tensor = torch.from_numpy(np.array(array, order="C", copy=True))  # keeps 0-d arrays 0-d
    if requires_grad or grad_fn:
        tensor.requires_grad_()
    if grad_fn:
        tensor = tensor.clone()
    return as_tg(repr(tensor))


def _oracle_arrays() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(2024)
    cases: list[tuple[str, np.ndarray]] = []

    def add(name, values, dtype=None):
        array = np.asarray(values) if dtype is None else np.asarray(values).astype(dtype)
        cases.append((name, array))

    for exponent in (-12, -6, -5, -4, -3, -1, 0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 30):
        add(f"normal-1e{exponent}", rng.standard_normal((3, 4)) * 10.0**exponent, f32)
    add("lognormal-spread", rng.lognormal(0, 4, (4, 5)), f32)
    add("uniform-0-1", rng.random((5, 3)), f32)
    add("ratio-just-under-1000", [0.1, 99.9], f32)
    add("ratio-just-over-1000", [0.1, 100.1], f32)
    add("max-1e8", [1e8, 2.0], f64)
    add("just-over-1e8", [1e8 + 1, 1e8 + 2], f64)
    add("min-1e-4", [1e-4, 0.05], f64)
    add("whole-floats", np.round(rng.standard_normal((3, 5)) * 1000), f32)
    add("whole-floats-huge", [1e9, 3.0, -7.0], f32)
    add("float32-exact-digits", [123456.789, 0.1, 16777217.0], f32)
    for shape in [(), (1,), (7,), (2, 3), (4, 1, 3), (2, 3, 4), (1, 1, 1), (2, 2, 3, 2), (3, 1, 2, 4)]:
        add(f"shape-{shape}", rng.standard_normal(shape), f32)
    add("big-arange", np.arange(1001.0), f32)
    add("big-normal-1d", rng.standard_normal(1500), f32)
    add("big-2d", rng.standard_normal((40, 40)), f32)
    add("big-3d", rng.standard_normal((10, 10, 11)), f32)
    add("big-4d", rng.standard_normal((2, 3, 4, 50)) * 1e3, f32)
    add("big-wide-rows", rng.standard_normal((3, 400)), f64)
    add("big-hidden-outlier", np.concatenate([np.ones(3), np.full(2000, 1e-9), np.ones(3)]), f32)
    add("big-ints", rng.integers(-10**6, 10**6, 2000), i64)
    add("big-bools", rng.integers(0, 2, (30, 40)).astype(bool), None)
    add("wide-row", rng.standard_normal(30) * 1e4, f32)
    add("wide-matrix", rng.standard_normal((3, 40)) * 1e5, f32)
    add("wide-float64", rng.standard_normal((2, 25)), f64)
    add("wide-sci", rng.standard_normal((2, 20)) * 1e-7, f32)
    add("wide-3d", rng.standard_normal((2, 2, 30)), f32)
    add("nonfinite", [1.0, np.nan, np.inf, -np.inf], f32)
    add("nonfinite-fixed", [0.5, np.nan, -np.inf], f32)
    add("nonfinite-sci", [1e-7, np.nan, np.inf, 3.0], f32)
    add("only-nonfinite", [np.nan, np.inf, -np.inf], f64)
    add("negative-zeros", [0.0, -0.0, 5.0], f32)
    add("negative-zero-fixed", [-0.0, 0.25], f32)
    add("negative-zero-sci", [-0.0, 1e-9], f32)
    add("zeros", np.zeros((2, 2)), f32)
    add("scalar-nan", np.nan, f32)
    add("scalar-negative-zero", -0.0, f64)
    add("scalar-sci", 3e-12, f64)
    add("int64", rng.integers(-(2**62), 2**62, (3, 4)), i64)
    add("int64-extremes", [np.iinfo(i64).min, 0, np.iinfo(i64).max], i64)
    add("int32", rng.integers(-1000, 1000, (4, 4)), i32)
    add("int16", rng.integers(-300, 300, 9), np.int16)
    add("int8", rng.integers(-128, 127, (2, 3, 2)), np.int8)
    add("uint8", rng.integers(0, 255, 12), np.uint8)
    add("scalar-int", 42, i64)
    add("bools", rng.integers(0, 2, (3, 3)).astype(bool), None)
    add("scalar-false", False, bool)
    add("float64-mixed", rng.standard_normal((3, 3)) * 1e2, f64)
    add("float64-precise", [1 / 3, 2 / 3], f64)
    add("float16", rng.standard_normal((3, 4)) * 100, np.float16)
    add("float16-extremes", [65504.0, 6e-8, 1.0], np.float16)
    add("float16-whole", [1.0, -2.0, 2048.0], np.float16)
    add("complex64", rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3)), np.complex64)
    add("complex128-wide", rng.standard_normal(20) * 1e3 - 1j * rng.standard_normal(20), np.complex128)
    for shape in [(0,), (2, 0), (0, 3), (0, 3, 0), (1, 0, 2, 1)]:
        add(f"empty-float32-{shape}", np.zeros(shape), f32)
    add("empty-float64", np.zeros((3, 0)), f64)
    add("empty-int64", np.zeros(0), i64)
    add("empty-bool", np.zeros((0, 1)), bool)
    return cases


ORACLE_ARRAYS = _oracle_arrays()


@pytest.mark.parametrize("array", [a for _, a in ORACLE_ARRAYS], ids=[n for n, _ in ORACLE_ARRAYS])
def test_matches_pytorch(array):
    torch = pytest.importorskip("torch")
    assert format_tensor(array) == torch_repr(torch, array)


OPTION_SETS = [
    dict(precision=2),
    dict(precision=0),
    dict(precision=8),
    dict(threshold=10),
    dict(threshold=10, edgeitems=1),
    dict(threshold=5, edgeitems=0),
    dict(linewidth=40),
    dict(linewidth=120),
    dict(linewidth=5),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(profile="short"),
    dict(profile="full"),
    dict(profile="short", precision=6),
]


@pytest.mark.parametrize("options", OPTION_SETS, ids=[str(o) for o in OPTION_SETS])
def test_matches_pytorch_under_print_options(options):
    torch = pytest.importorskip("torch")
    set_printoptions(**options)
    torch.set_printoptions(**options)
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    for name, array in ORACLE_ARRAYS:
        assert format_tensor(array) == torch_repr(torch, array), name


FLOAT_ARRAYS = [(n, a) for n, a in ORACLE_ARRAYS if a.dtype.kind in "fc"]


@pytest.mark.parametrize("array", [a for _, a in FLOAT_ARRAYS], ids=[n for n, _ in FLOAT_ARRAYS])
def test_autograd_suffixes_match_pytorch(array):
    torch = pytest.importorskip("torch")
    assert format_tensor(array, requires_grad=True) == torch_repr(torch, array, requires_grad=True)
    assert format_tensor(array, requires_grad=True, grad_fn_name="CloneBackward0") == torch_repr(
        torch, array, grad_fn=True
    )


if given is not None:
    NUMERIC_DTYPES = st.sampled_from(["float32", "float64", "float16", "int64", "int32", "uint8", "bool"])

    def _random_arrays(max_side: int):
        return hnp.arrays(
            dtype=NUMERIC_DTYPES,
            shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=max_side),
        )

    @settings(max_examples=300, deadline=None)
    @given(array=_random_arrays(max_side=7))
    def test_random_arrays_match_pytorch(array):
        torch = pytest.importorskip("torch")
        assert format_tensor(array) == torch_repr(torch, array)

    @settings(max_examples=150, deadline=None)
    @given(
        array=_random_arrays(max_side=12),
        precision=st.integers(0, 8),
        threshold=st.sampled_from([0, 3, 50, 1000]),
        edgeitems=st.integers(0, 4),
        linewidth=st.sampled_from([1, 20, 80, 200]),
        sci_mode=st.sampled_from([None, True, False]),
    )
    def test_random_arrays_and_options_match_pytorch(array, precision, threshold, edgeitems, linewidth, sci_mode):
        torch = pytest.importorskip("torch")
        options = dict(precision=precision, threshold=threshold, edgeitems=edgeitems,
                       linewidth=linewidth, sci_mode=sci_mode)
        set_printoptions(**options)
        torch.set_printoptions(**options)
        try:
            assert format_tensor(array) == torch_repr(torch, array)
        finally:
            set_printoptions(profile="default")
            torch.set_printoptions(profile="default")


# =============================================================================== 3. options API


def test_default_options():
    assert get_printoptions() == DEFAULTS


def test_set_printoptions_overrides_profile_and_resets_sci_mode():
    set_printoptions(profile="short", linewidth=100, sci_mode=True)
    assert get_printoptions() == dict(precision=2, threshold=1000, edgeitems=2, linewidth=100, sci_mode=True)
    set_printoptions(precision=3)  # like PyTorch, a call without sci_mode clears it
    assert get_printoptions() == dict(precision=3, threshold=1000, edgeitems=2, linewidth=100, sci_mode=None)
    set_printoptions(profile="full")
    assert get_printoptions()["threshold"] == math.inf
    assert format_tensor(np.arange(1001, dtype=i64)).count(",") == 1000


def test_sci_mode_option_forces_notation():
    set_printoptions(sci_mode=True)
    assert show([1.0, 2.5]) == "tensor([1.0000e+00, 2.5000e+00])"
    set_printoptions(sci_mode=False)
    assert show([1e-5, 1.0]) == "tensor([0.0000, 1.0000])"


def test_summarising_with_small_threshold():
    set_printoptions(threshold=5, edgeitems=2)
    # Two spaces before "...": it is a cell " ..." after ", " (PyTorch 2.13 prints this,
    # although the set_printoptions docstring shows one space).
    assert format_tensor(np.arange(10, dtype=i64)) == "tensor([0, 1,  ..., 8, 9])"
    assert format_tensor(np.arange(36.0, dtype=f32).reshape(6, 6)) == (
        "tensor([[ 0.,  1.,  ...,  4.,  5.],\n"
        "        [ 6.,  7.,  ..., 10., 11.],\n"
        "        ...,\n"
        "        [24., 25.,  ..., 28., 29.],\n"
        "        [30., 31.,  ..., 34., 35.]])"
    )
    set_printoptions(threshold=5, edgeitems=0)
    assert format_tensor(np.arange(10, dtype=i64)) == "tensor([...], size=(10,))"


def test_printoptions_context_restores():
    set_printoptions(linewidth=60)
    with printoptions(precision=1):
        assert show([0.25, 1.0]) == "tensor([0.2, 1.0])"
        assert get_printoptions()["linewidth"] == 60
    assert get_printoptions() == dict(DEFAULTS, linewidth=60)


def test_unknown_profile_is_ignored_like_pytorch():
    set_printoptions(profile="tiny", precision=2)
    assert get_printoptions() == dict(DEFAULTS, precision=2)
