"""Elementwise primitives: arithmetic, powers, exponentials, trigonometry and activations.

Their Jacobians are diagonal, so each states its reverse rule and the forward rule is derived;
inputs that broadcast are unbroadcast centrally. Values at kinks and ties follow PyTorch:
`abs`/`relu` pass 0 at 0, `maximum`/`minimum` split a tie in halves, `clip` passes the gradient
at its bounds, `x ** 0` has derivative 0 in x (also at x = 0).
"""
import numpy as np

from ..registry import primitive
from .naming import choosing, number


@choosing("SubBackward0", "RsubBackward1")
def _sub_name(x, y):
    return "RsubBackward1" if number(x) else "SubBackward0"


@choosing("DivBackward0", "MulBackward0")
def _div_name(x, y):
    return "MulBackward0" if number(x) else "DivBackward0"


@choosing("PowBackward0", "PowBackward1", "PowBackward2")
def _pow_name(x, y):
    if number(y):
        return "PowBackward0"
    return "PowBackward2" if number(x) else "PowBackward1"


# -- arithmetic ----------------------------------------------------------------------------

@primitive(np.add, elementwise=True, grad_fn="AddBackward0", operators=("Add",), methods=("add",))
def add(z, x, y):
    """z = x + y"""
    d[x] = d[z]
    d[y] = d[z]


@primitive(np.subtract, elementwise=True, operators=("Sub",), aliases=("subtract", "sub"),
           methods=("sub", "subtract"),
           grad_fn=_sub_name)
def subtract(z, x, y):
    """z = x - y"""
    d[x] = d[z]
    d[y] = -d[z]


@primitive(np.multiply, elementwise=True, grad_fn="MulBackward0", operators=("Mult",),
           aliases=("multiply", "mul"), methods=("mul", "multiply"))
def multiply(z, x, y):
    """z = x * y"""
    d[x] = d[z] * y
    d[y] = d[z] * x


@primitive(np.divide, elementwise=True, operators=("Div",), aliases=("divide", "div", "true_divide"),
           methods=("div", "divide", "true_divide"),
           grad_fn=_div_name)
def divide(z, x, y):
    """z = x / y"""
    d[x] = d[z] / y
    d[y] = -d[z] * z / y


@primitive(np.negative, elementwise=True, linear=True, grad_fn="NegBackward0", operators=("USub",),
           aliases=("negative", "neg"), methods=("neg", "negative"))
def negative(z, x):
    """z = -x"""
    d[x] = -d[z]


@primitive(np.power, elementwise=True, grad_fn=_pow_name, operators=("Pow",), aliases=("power", "pow"),
           methods=("pow",))
def power(z, x, y):
    """z = x ** y  (derivative 0 in x where y == 0, and 0 in y where x == 0 <= y, as PyTorch)"""
    d[x] = d[z] * np.where(y == 0, 0.0, y * x ** (y - 1))
    d[y] = d[z] * np.where((x == 0) & (y >= 0), 0.0, z * np.log(x))


@primitive(np.remainder, elementwise=True, grad_fn="RemainderBackward0", operators=("Mod",),
           aliases=("remainder",), methods=("remainder",))
def remainder(z, x, y):
    """z = x - floor(x / y) * y"""
    d[x] = d[z]
    d[y] = -d[z] * np.floor(x / y)


@primitive(np.square, elementwise=True, grad_fn="PowBackward0", methods=("square",))
def square(z, x):
    """z = x ** 2"""
    d[x] = d[z] * 2 * x


@primitive(np.reciprocal, elementwise=True, grad_fn="ReciprocalBackward0", methods=("reciprocal",))
def reciprocal(z, x):
    """z = 1 / x"""
    d[x] = -d[z] * z * z


@primitive(np.abs, elementwise=True, grad_fn="AbsBackward0", aliases=("abs", "absolute"),
           methods=("abs", "absolute"))
def abs_(z, x):
    """z = |x|  (derivative 0 at 0)"""
    d[x] = d[z] * np.sign(x)


@primitive(np.maximum, elementwise=True, grad_fn="MaximumBackward0", methods=("maximum",))
def maximum(z, x, y):
    """z = max(x, y)  (a tie splits the gradient in halves)"""
    d[x] = d[z] * np.where(x == y, 0.5, x > y)
    d[y] = d[z] * np.where(x == y, 0.5, y > x)


@primitive(np.minimum, elementwise=True, grad_fn="MinimumBackward0", methods=("minimum",))
def minimum(z, x, y):
    """z = min(x, y)  (a tie splits the gradient in halves)"""
    d[x] = d[z] * np.where(x == y, 0.5, x < y)
    d[y] = d[z] * np.where(x == y, 0.5, y < x)


@primitive(np.clip, elementwise=True, grad_fn="ClampBackward1", aliases=("clip", "clamp"),
           methods=("clip", "clamp"))
def clip(z, x, a_min=None, a_max=None):
    """z = min(max(x, a_min), a_max)  (the gradient passes at the bounds, as PyTorch's clamp)"""
    inside = within(x, a_min, a_max)
    d[x] = np.where(inside, d[z], 0.0)


@primitive(np.where, elementwise=True, grad_fn="WhereBackward0")
def where(z, condition, x, y):
    """z = x where condition else y"""
    d[x] = np.where(condition, d[z], 0.0)
    d[y] = np.where(condition, 0.0, d[z])


# -- exponentials and logarithms -----------------------------------------------------------

@primitive(np.exp, elementwise=True, grad_fn="ExpBackward0", methods=("exp",))
def exp(z, x):
    """z = exp(x)"""
    d[x] = d[z] * z


@primitive(np.exp2, elementwise=True, grad_fn="Exp2Backward0", methods=("exp2",))
def exp2(z, x):
    """z = 2 ** x"""
    d[x] = d[z] * z * np.log(2.0)


@primitive(np.expm1, elementwise=True, grad_fn="Expm1Backward0", methods=("expm1",))
def expm1(z, x):
    """z = exp(x) - 1"""
    d[x] = d[z] * (z + 1)


@primitive(np.log, elementwise=True, grad_fn="LogBackward0", methods=("log",))
def log(z, x):
    """z = log(x)"""
    d[x] = d[z] / x


@primitive(np.log2, elementwise=True, grad_fn="Log2Backward0", methods=("log2",))
def log2(z, x):
    """z = log2(x)"""
    d[x] = d[z] / (x * np.log(2.0))


@primitive(np.log10, elementwise=True, grad_fn="Log10Backward0", methods=("log10",))
def log10(z, x):
    """z = log10(x)"""
    d[x] = d[z] / (x * np.log(10.0))


@primitive(np.log1p, elementwise=True, grad_fn="Log1PBackward0", methods=("log1p",))
def log1p(z, x):
    """z = log(1 + x)"""
    d[x] = d[z] / (1 + x)


@primitive(np.sqrt, elementwise=True, grad_fn="SqrtBackward0", methods=("sqrt",))
def sqrt(z, x):
    """z = sqrt(x)"""
    d[x] = d[z] / (2 * z)


@primitive(np.logaddexp, elementwise=True, grad_fn="LogaddexpBackward0", methods=("logaddexp",))
def logaddexp(z, x, y):
    """z = log(exp(x) + exp(y))"""
    d[x] = d[z] * np.exp(x - z)
    d[y] = d[z] * np.exp(y - z)


@primitive(np.hypot, elementwise=True, grad_fn="HypotBackward0", methods=("hypot",))
def hypot(z, x, y):
    """z = sqrt(x ** 2 + y ** 2)"""
    d[x] = d[z] * x / z
    d[y] = d[z] * y / z


# -- trigonometric and hyperbolic ----------------------------------------------------------

@primitive(np.sin, elementwise=True, grad_fn="SinBackward0", methods=("sin",))
def sin(z, x):
    """z = sin(x)"""
    d[x] = d[z] * np.cos(x)


@primitive(np.cos, elementwise=True, grad_fn="CosBackward0", methods=("cos",))
def cos(z, x):
    """z = cos(x)"""
    d[x] = -d[z] * np.sin(x)


@primitive(np.tan, elementwise=True, grad_fn="TanBackward0", methods=("tan",))
def tan(z, x):
    """z = tan(x)"""
    d[x] = d[z] * (1 + z * z)


@primitive(np.arcsin, elementwise=True, grad_fn="AsinBackward0", aliases=("arcsin", "asin"),
           methods=("arcsin", "asin"))
def arcsin(z, x):
    """z = arcsin(x)"""
    d[x] = d[z] / np.sqrt(1 - x * x)


@primitive(np.arccos, elementwise=True, grad_fn="AcosBackward0", aliases=("arccos", "acos"),
           methods=("arccos", "acos"))
def arccos(z, x):
    """z = arccos(x)"""
    d[x] = -d[z] / np.sqrt(1 - x * x)


@primitive(np.arctan, elementwise=True, grad_fn="AtanBackward0", aliases=("arctan", "atan"),
           methods=("arctan", "atan"))
def arctan(z, x):
    """z = arctan(x)"""
    d[x] = d[z] / (1 + x * x)


@primitive(np.arctan2, elementwise=True, grad_fn="Atan2Backward0", aliases=("arctan2", "atan2"),
           methods=("arctan2", "atan2"))
def arctan2(z, y, x):
    """z = atan2(y, x), the angle of the point (x, y)"""
    d[y] = d[z] * x / (x * x + y * y)
    d[x] = -d[z] * y / (x * x + y * y)


@primitive(np.sinh, elementwise=True, grad_fn="SinhBackward0", methods=("sinh",))
def sinh(z, x):
    """z = sinh(x)"""
    d[x] = d[z] * np.cosh(x)


@primitive(np.cosh, elementwise=True, grad_fn="CoshBackward0", methods=("cosh",))
def cosh(z, x):
    """z = cosh(x)"""
    d[x] = d[z] * np.sinh(x)


@primitive(np.tanh, elementwise=True, grad_fn="TanhBackward0", methods=("tanh",))
def tanh(z, x):
    """z = tanh(x)"""
    d[x] = d[z] * (1 - z * z)


@primitive(np.arcsinh, elementwise=True, grad_fn="AsinhBackward0", aliases=("arcsinh", "asinh"),
           methods=("arcsinh", "asinh"))
def arcsinh(z, x):
    """z = arcsinh(x)"""
    d[x] = d[z] / np.sqrt(x * x + 1)


@primitive(np.arccosh, elementwise=True, grad_fn="AcoshBackward0", aliases=("arccosh", "acosh"),
           methods=("arccosh", "acosh"))
def arccosh(z, x):
    """z = arccosh(x)"""
    d[x] = d[z] / np.sqrt(x * x - 1)


@primitive(np.arctanh, elementwise=True, grad_fn="AtanhBackward0", aliases=("arctanh", "atanh"),
           methods=("arctanh", "atanh"))
def arctanh(z, x):
    """z = arctanh(x)"""
    d[x] = d[z] / (1 - x * x)


# -- activations ---------------------------------------------------------------------------

def _sigmoid(x):
    """1 / (1 + exp(-x)), without overflow for large |x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _relu(x):
    """max(x, 0)."""
    return np.maximum(x, 0)


@primitive(_sigmoid, elementwise=True, grad_fn="SigmoidBackward0", methods=("sigmoid",))
def sigmoid(z, x):
    """z = 1 / (1 + exp(-x))"""
    d[x] = d[z] * z * (1 - z)


@primitive(_relu, elementwise=True, grad_fn="ReluBackward0", methods=("relu",))
def relu(z, x):
    """z = max(x, 0)  (derivative 0 at 0)"""
    d[x] = np.where(z > 0, d[z], 0.0)
