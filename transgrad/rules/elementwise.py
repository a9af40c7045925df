"""Elementwise primitives: arithmetic, powers, exponentials, trigonometry and activations.

Their Jacobians are diagonal, so each states its reverse rule and the forward rule is derived.
"""
import numpy as np

from ..registry import primitive


@primitive(np.add, elementwise=True, grad_fn="AddBackward0", operators=("Add",), methods=("add",))
def add(z, x, y):
    """z = x + y"""
    d[x] = d[z]
    d[y] = d[z]


@primitive(np.multiply, elementwise=True, grad_fn="MulBackward0", operators=("Mult",),
           aliases=("multiply", "mul"), methods=("mul", "multiply"))
def multiply(z, x, y):
    """z = x * y"""
    d[x] = d[z] * y
    d[y] = d[z] * x


@primitive(np.sin, elementwise=True, grad_fn="SinBackward0", methods=("sin",))
def sin(z, x):
    """z = sin(x)"""
    d[x] = d[z] * np.cos(x)


@primitive(np.exp, elementwise=True, grad_fn="ExpBackward0", methods=("exp",))
def exp(z, x):
    """z = exp(x)"""
    d[x] = d[z] * z
