"""Forward mode against reverse mode on the compiler's whole corpus: for random tangents t
of the differentiated arguments, tg.jvp's tangent output is <grad f, t>."""
import numpy as np
import pytest

import transgrad as tg

from ..compiler.corpus import CASES
from .helpers import inner, positions, tangents_for


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_jvp_matches_reverse_gradient(case):
    args = case.make_args()
    tangents = tangents_for(case, args, seed=0)
    grads = tg.grad(case.fn, case.argnums, has_aux=case.has_aux)(*case.make_args())
    if case.has_aux:
        grads = grads[0]
    grads = grads if isinstance(case.argnums, tuple) else (grads,)
    expected = sum(inner(g, tangents[p]) for g, p in zip(grads, positions(case)))
    out, tangent_out = tg.jvp(case.fn, args, tangents)
    if case.has_aux:
        out, tangent_out = out[0], tangent_out[0]
    value = case.numpy_function(*case.make_args())(*case.make_args())
    value = value[0] if case.has_aux else value
    np.testing.assert_allclose(out, value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tangent_out, expected, rtol=1e-8, atol=1e-9)
