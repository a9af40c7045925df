"""Per-operation overhead of the eager Tensor engine on tiny tensors (issue 3, item 7).

Two programs, each timed forward + backward:
- a 1000-step scalar loop `x = sin(x) * a + b` (3000 nodes, 0-d tensors);
- a chain of 200 elementwise operations on length-16 vectors.
With `--benchmark-disable` (the normal suite) each runs once, as a smoke test that also checks
the gradients; `pytest tests/benchmarks/test_eager_bench.py --benchmark-enable` times them, and
with PyTorch installed times PyTorch's eager mode on the same programs for comparison.
No timing is asserted here.
"""
import math

import numpy as np
import pytest

import transgrad as tg

STEPS = 1000
CHAIN = 200


def scalar_loop(lib, steps=STEPS):
    a = lib.tensor(0.9, requires_grad=True)
    b = lib.tensor(0.1, requires_grad=True)
    x = lib.tensor(0.5)
    for _ in range(steps):
        x = lib.sin(x) * a + b
    x.backward()
    return x, a.grad, b.grad


def vector_chain(lib, ops=CHAIN):
    v = lib.ones(16, requires_grad=True)
    x = v
    for _ in range(ops // 4):
        x = x + lib.sin(x) * 0.1 - 0.05
    x.sum().backward()
    return x, v.grad


def _loop_reference(steps=STEPS):
    """The same loop and its adjoint in float64 Python floats."""
    a, b, x = 0.9, 0.1, 0.5
    xs = []
    for _ in range(steps):
        xs.append(x)
        x = math.sin(x) * a + b
    ga = gb = 0.0
    gx = 1.0
    for x in reversed(xs):
        ga += gx * math.sin(x)
        gb += gx
        gx = gx * a * math.cos(x)
    return ga, gb


def _chain_reference(ops=CHAIN):
    x = np.ones(16)
    tape = []
    for _ in range(ops // 4):
        tape.append(x)
        x = x + np.sin(x) * 0.1 - 0.05
    g = np.ones(16)
    for x0 in reversed(tape):
        g = g * (1 + 0.1 * np.cos(x0))
    return g


def test_scalar_loop(benchmark):
    x, ga, gb = benchmark(scalar_loop, tg)
    ref_a, ref_b = _loop_reference()
    assert ga.dtype is tg.float32
    np.testing.assert_allclose([ga.item(), gb.item()], [ref_a, ref_b], rtol=1e-4)


def test_vector_chain(benchmark):
    x, g = benchmark(vector_chain, tg)
    np.testing.assert_allclose(g.numpy(), _chain_reference(), rtol=1e-4)


@pytest.mark.parametrize("program", [scalar_loop, vector_chain], ids=lambda p: p.__name__)
def test_torch_eager_same_programs(benchmark, program):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    ours = program(tg)
    theirs = benchmark(program, torch)
    for o, t in zip(ours[1:], theirs[1:]):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-5)
