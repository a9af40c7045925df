"""gradcheck / gradgradcheck: compare the engine's Jacobian with central finite differences.

Slow mode as in PyTorch: the numerical Jacobian one input element at a time, the analytical one
one output element at a time (a backward each), compared with `allclose(analytical, numerical,
rtol, atol)`. `fast_mode=True` is accepted and runs the same full check.
"""
import warnings

import numpy as np

from ..errors import GradientError
from ..eager.dispatch import wrap
from ..eager.grad_mode import enable_grad
from ..eager.tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(GradientError):
    """The analytical and numerical Jacobians differ (a RuntimeError, as in PyTorch)."""


def _as_tuple(v):
    return (v,) if isinstance(v, Tensor) else tuple(v)


def _outputs(func, inputs):
    out = func(*inputs)
    return _as_tuple(out) if isinstance(out, (Tensor, tuple, list)) else (out,)


def _numerical(func, inputs, i, eps, n_outs):
    x = inputs[i]
    data = x._data
    flat = data.reshape(-1)
    cols = [[] for _ in range(n_outs)]
    with enable_grad():
        for k in range(flat.size):
            orig = flat[k].item()
            flat[k] = orig + eps
            plus = [o._data.astype(np.float64).reshape(-1).copy() for o in _outputs(func, inputs)]
            flat[k] = orig - eps
            minus = [o._data.astype(np.float64).reshape(-1).copy() for o in _outputs(func, inputs)]
            flat[k] = orig
            for j in range(n_outs):
                cols[j].append((plus[j] - minus[j]) / (2 * eps))
    # rows: input elements, columns: output elements (PyTorch's layout)
    return [np.array(c).reshape(flat.size, -1) for c in cols]


def _analytical(outs, inputs, i):
    from . import grad
    x = inputs[i]
    result = []
    for o in outs:
        n_out = o._data.size
        jac = np.zeros((x._data.size, n_out))
        if o._rg:
            for k in range(n_out):
                seed = np.zeros(n_out, dtype=o._data.dtype)
                seed[k] = 1
                g, = grad(o, x, wrap(seed.reshape(o._data.shape)), retain_graph=True,
                          allow_unused=True)
                if g is not None:
                    jac[:, k] = g._data.reshape(-1)
        result.append(jac)
    return result


def _fmt(a, dtype):
    return repr(wrap(a.astype(dtype)))


def gradcheck(func, inputs, *, eps=1e-06, atol=1e-05, rtol=0.001, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False, check_forward_ad=False,
              check_backward_ad=True, fast_mode=False, masked=None):
    """True when `func`'s gradients match finite differences at `inputs` (float64 advised)."""
    inputs = _as_tuple(inputs)
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x._rg and x._data.dtype not in (np.float64, np.complex128):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ", UserWarning,
                          stacklevel=2)
    with enable_grad():
        outs = _outputs(func, inputs)
        for i, x in enumerate(inputs):
            if not (isinstance(x, Tensor) and x._rg):
                continue
            analytical = _analytical(outs, inputs, i)
            numerical = _numerical(func, inputs, i, eps, len(outs))
            for j, (a, n) in enumerate(zip(analytical, numerical)):
                if not np.allclose(a, n, rtol=rtol, atol=atol):
                    if not raise_exception:
                        return False
                    dt = x._data.dtype
                    raise GradcheckError(
                        f"Jacobian mismatch for output {j} with respect to input {i},\n"
                        f"numerical:{_fmt(n, dt)}\nanalytical:{_fmt(a, dt)}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-06, atol=1e-05, rtol=0.001,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck of the function (inputs, grad_outputs) -> vector-Jacobian products."""
    from . import grad
    inputs = _as_tuple(inputs)
    with enable_grad():
        outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(wrap(rng.standard_normal(o._data.shape).astype(o._data.dtype))
                             .requires_grad_() for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._rg]

    def vjp_fn(*args):
        xs, vs = args[:n_in], args[n_in:]
        o = _outputs(func, xs)
        gs = grad(o, [xs[i] for i in diff], vs, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else wrap(np.zeros_like(xs[i]._data))
                     for g, i in zip(gs, diff))

    return gradcheck(vjp_fn, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
