"""`tg.compile` runs the generated code on Tensors: user primitives, custom_vjp functions and
checkpointed calls inside it give the gradients `tg.grad` gives."""
import numpy as np
import pytest

import transgrad as tg

from . import defs as D
from .test_checkpoint import small

pytestmark = pytest.mark.skipif(not hasattr(tg, "compile"), reason="tg.compile not in this build")


@pytest.mark.parametrize("fn,args", [
    (D.uses_all, (np.full((3, 4), 0.3), np.full((3, 4), 0.7))),
    (D.uses_lse, (np.arange(3.0) / 3, np.ones(3))),
    (D.run_call_of_call, small()),
])
def test_compiled_tensors_get_the_compiled_gradient(fn, args):
    tensors = [tg.tensor(a, requires_grad=True) for a in args]
    tg.compile(fn)(*tensors).backward()
    expected = tg.grad(fn, argnums=tuple(range(len(args))))(*args)
    for t, e in zip(tensors, expected):
        np.testing.assert_allclose(t.grad.numpy(), e, rtol=1e-12, atol=1e-14)
