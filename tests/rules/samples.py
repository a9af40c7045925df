"""One table of samples per primitive: it drives every gradient test of the rules.

A `Sample` gives the primitive's inputs (shapes, drawn at random from a domain, or fixed
values), its static parameters, and which inputs are differentiable. A registered
differentiable primitive with no samples fails `test_every_primitive_has_samples`.

Input specifications:
- a tuple of ints: a random float64 array of that shape from the sample's `domain`
  (a Python float for `()`), checked;
- `In(shape, low, high)`: the same from its own domain, checked;
- `Seq(spec, ...)`: a list of such arrays (a `sequence` input), checked element by element;
- `Val(array)`: a given array, checked (to place points such as zeros on purpose);
- `Fixed(value)`: a given value, not checked (a shape tuple, say); anything else (ints, slices,
  index tuples, integer or boolean arrays, None) is a fixed value too.
"""
import numpy as np


class In:
    """A random input of `shape` drawn uniformly from [low, high)."""

    def __init__(self, shape, low, high):
        self.shape, self.low, self.high = shape, low, high

    def __repr__(self):
        return f"{self.shape}@[{self.low},{self.high})"


class Seq:
    """A sequence input: a list of random arrays."""

    def __init__(self, *specs):
        self.specs = specs

    def __repr__(self):
        return f"[{', '.join(map(repr, self.specs))}]"


class Val:
    """A given value that is checked like a random one."""

    def __init__(self, value):
        self.value = np.asarray(value, dtype=np.float64)

    def __repr__(self):
        return f"Val{self.value.tolist()}"


class Fixed:
    """A given value that is not differentiated (a shape, a class target, a mask)."""

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"Fixed({_short(self.value)})"


def _is_shape(a):
    return isinstance(a, tuple) and all(isinstance(n, int) for n in a)


def _short(a):
    if isinstance(a, np.ndarray):
        return f"array{a.shape}{'bool' if a.dtype == bool else ''}"
    if isinstance(a, tuple):
        return "(" + ", ".join(_short(e) for e in a) + ")"
    return repr(a)


class Sample:
    """Inputs for one call of a primitive.

    args:    per input, a specification (see the module docstring).
    statics: the static parameters, by name.
    domain:  (low, high) for random values given as bare shapes; keep away from kinks and poles.
    second_order: whether second derivatives exist at these points (the second-order check).
    """

    def __init__(self, *args, domain=(-2.0, 2.0), second_order=True, **statics):
        self.args = args
        self.statics = statics
        self.domain = domain
        self.second_order = second_order

    def draw(self, rng):
        """The concrete float64 inputs of this sample."""
        return [self._draw(a, rng) for a in self.args]

    def _draw(self, a, rng):
        if _is_shape(a):
            return self._random(a, *self.domain, rng)
        if isinstance(a, In):
            return self._random(a.shape, a.low, a.high, rng)
        if isinstance(a, Seq):
            return [self._draw(s, rng) for s in a.specs]
        if isinstance(a, (Val, Fixed)):
            return a.value.copy() if isinstance(a.value, np.ndarray) else a.value
        return a

    @staticmethod
    def _random(shape, low, high, rng):
        return rng.uniform(low, high, size=shape) if shape else float(rng.uniform(low, high))

    def checked_inputs(self):
        """Indices of the inputs whose rules are checked."""
        return [i for i, a in enumerate(self.args) if _is_shape(a) or isinstance(a, (In, Seq, Val))]

    def __repr__(self):
        parts = [repr(a) if isinstance(a, (In, Seq, Val, Fixed)) or _is_shape(a) else _short(a)
                 for a in self.args]
        parts += [f"{k}={v!r}" for k, v in self.statics.items()]
        return f"({', '.join(parts)})"


S = Sample
POS = (0.5, 2.0)      # logs, square roots, divisors
UNIT = (-0.8, 0.8)    # arcsin, arccos, arctanh

MASK_4 = np.array([True, False, True, True])
COND_3 = np.array([True, False, True])
COND_31 = np.array([[True], [False], [True]])
MASK_43 = np.array([[True, False, True], [False, False, True], [True, True, False], [False, True, False]])

_BINARY = [S((3,), (3,)), S((3, 1), (4,)), S((), (2, 3)), S((2, 3), ()), S((), ())]
_UNARY = [S((4,)), S(()), S((2, 3))]
_REDUCE = [S((3, 4)), S((3, 4), axis=1), S((3, 4), axis=0, keepdims=True), S((2, 3, 4), axis=(0, 2)),
           S((2, 3, 4), axis=-1, keepdims=True), S(())]


def _unary(domain=(-2.0, 2.0)):
    return [S((4,), domain=domain), S((), domain=domain), S((2, 3), domain=domain)]


SAMPLES = {
    # -- elementwise ----------------------------------------------------------------------
    "add": _BINARY + [S((2, 3), 2.5), S(1.5, (3,))],
    "subtract": _BINARY + [S((2, 3), 1.0), S(1.0, (2, 3))],
    "multiply": _BINARY + [S((2, 3), 3.0), S(2.0, (3,))],
    "divide": [S((3,), In((3,), *POS)), S((3, 1), In((4,), *POS)), S((), In((2, 3), *POS)),
               S((2, 3), 2.0), S(2.0, In((3,), *POS)), S((), In((), *POS))],
    "negative": _UNARY,
    "power": [S(In((3,), *POS), (3,)), S(In((3, 1), *POS), (4,)), S(In((), *POS), (2, 3)),
              S((2, 3), 2), S((2, 3), 3.0), S(In((3,), *POS), -1.5), S(2.0, (3,)), S(In((), *POS), ())],
    "remainder": [S((3,), In((3,), *POS)), S((2, 3), 0.7), S((3, 1), In((4,), *POS))],
    "square": _UNARY,
    "reciprocal": _unary(POS),
    "abs": _UNARY,
    "maximum": _BINARY + [S((2, 3), 0.0)],
    "minimum": _BINARY + [S((2, 3), 0.0)],
    "clip": [S((6,), a_min=-1.0, a_max=1.0), S((2, 3), a_min=0.0), S((2, 3), a_max=0.5),
             S((), a_min=-1.0, a_max=1.0), S((2, 3), a_min=np.array([-1.0, 0.0, 1.0]), a_max=1.5)],
    "where": [S(COND_3, (3,), (3,)), S(COND_31, (3, 1), (4,)), S(COND_3, (2, 3), 0.0),
              S(COND_31, 1.0, (3, 4)), S(True, (), ())],
    "exp": _UNARY,
    "exp2": _UNARY,
    "expm1": _UNARY,
    "log": _unary(POS),
    "log2": _unary(POS),
    "log10": _unary(POS),
    "log1p": _unary((-0.5, 2.0)),
    "sqrt": _unary(POS),
    "logaddexp": _BINARY,
    "hypot": _BINARY,
    "sin": _UNARY,
    "cos": _UNARY,
    "tan": _unary((-1.0, 1.0)),
    "arcsin": _unary(UNIT),
    "arccos": _unary(UNIT),
    "arctan": _UNARY,
    "arctan2": [S((3,), In((3,), *POS)), S((3, 1), (4,)), S((), (2, 3))],
    "sinh": _UNARY,
    "cosh": _UNARY,
    "tanh": _UNARY,
    "arcsinh": _UNARY,
    "arccosh": _unary((1.2, 3.0)),
    "arctanh": _unary(UNIT),
    "sigmoid": _UNARY + [S(In((3,), -40.0, 40.0))],
    "relu": _UNARY,
    # -- reductions -----------------------------------------------------------------------
    "sum": _REDUCE,
    "mean": _REDUCE,
    "prod": _REDUCE + [S(Val([[0.0, 2.0, 3.0], [1.5, 0.0, 0.0], [1.0, 2.0, -1.0]]), axis=1),
                       S(Val([0.0, 2.0, 3.0])), S(Val([[0.0, 2.0], [0.0, 3.0]]), axis=0, keepdims=True)],
    "max": _REDUCE,
    "min": _REDUCE,
    "amax": _REDUCE,
    "amin": _REDUCE,
    "var": [S((3, 4)), S((3, 4), axis=0), S((3, 4), axis=1, ddof=1, keepdims=True),
            S((2, 3, 4), axis=(0, 2)), S((5,), ddof=1)],
    "std": [S((3, 4)), S((3, 4), axis=0), S((3, 4), axis=1, ddof=1, keepdims=True),
            S((2, 3, 4), axis=(0, 2)), S((5,), ddof=1)],
    "logsumexp": _REDUCE + [S(In((4,), 500.0, 510.0))],
    "norm": _REDUCE,
    "cumsum": [S((3, 4)), S((3, 4), axis=0), S((3, 4), axis=-1), S((5,), axis=0), S(())],
    # -- products -------------------------------------------------------------------------
    "matmul": [S((3, 4), (4, 2)), S((4,), (4, 2)), S((3, 4), (4,)), S((4,), (4,)),
               S((2, 3, 4), (4, 5)), S((2, 1, 3, 4), (5, 4, 2)), S((4,), (2, 4, 3))],
    "tensordot": [S((2, 3, 4), (3, 4, 5)), S((2, 3), (3, 4), axes=1), S((2, 3, 4), (4, 2), axes=([0], [1])),
                  S((3,), (4,), axes=0), S((2, 3, 4), (4, 3, 2), axes=([1, 2], [1, 0]))],
    "dot": [S((3,), (3,)), S((2, 3), (3, 4)), S((2, 3), (3,)), S((3,), (3, 2)), S((), (3,)),
            S((2, 3, 4), (5, 4, 2)), S((2, 3), ())],
    "outer": [S((3,), (4,)), S((2, 2), (3,)), S((), (2,))],
    # -- shapes ---------------------------------------------------------------------------
    "reshape": [S((3, 4), shape=(4, 3)), S((3, 4), shape=(-1,)), S((), shape=(1, 1)),
                S((2, 3, 4), shape=(6, -1))],
    "ravel": [S((3, 4)), S(()), S((2, 3, 4))],
    "permute": [S((3, 4)), S((2, 3, 4), axes=(1, 2, 0)), S((2, 3, 4), axes=(-1, 0, 1)), S(())],
    "t": [S((3, 4)), S((4,)), S(())],
    "swapaxes": [S((3, 4)), S((2, 3, 4), axis1=0, axis2=2), S((2, 3, 4), axis1=-1, axis2=1)],
    "moveaxis": [S((2, 3, 4), source=0, destination=2), S((2, 3, 4), source=-1, destination=0)],
    "squeeze": [S((1, 3, 1)), S((1, 3, 1), axis=0), S((1, 3, 1), axis=(0, 2)), S((1,))],
    "expand_dims": [S((3, 4), axis=0), S((3, 4), axis=-1), S((), axis=0), S((3, 4), axis=(0, 2))],
    "broadcast_to": [S((3,), shape=(2, 3)), S((3, 1), shape=(2, 3, 4)), S((), shape=(2, 2)),
                     S((2, 3), shape=(2, 3))],
    "tile": [S((3,), reps=2), S((2, 3), reps=(2, 1)), S((2, 3), reps=(2, 1, 3)), S((), reps=(2, 3)),
             S((2, 3), reps=3)],
    "concatenate": [S(Seq((2, 3), (1, 3))), S(Seq((2, 3), (2, 1), (2, 2)), axis=1),
                    S(Seq((3,), (2,)), axis=-1), S(Seq((2, 3)))],
    "stack": [S(Seq((2, 3), (2, 3))), S(Seq((3,), (3,), (3,)), axis=1), S(Seq((), ())),
              S(Seq((2, 3), (2, 3)), axis=-1)],
    "split": [S((6, 4), indices_or_sections=3), S((3, 4), indices_or_sections=[1, 3], axis=1),
              S((4,), indices_or_sections=2), S((2, 6), indices_or_sections=2, axis=-1)],
    "flip": [S((3, 4)), S((3, 4), axis=0), S((2, 3, 4), axis=(0, 2)), S(())],
    "copy": [S((3,)), S(()), S((2, 3))],
    # -- indexing -------------------------------------------------------------------------
    "getitem": [S((4, 3), 1), S((4, 3), -1), S((4, 3), slice(0, 2)), S((4, 3), (Ellipsis, 1)),
                S((4, 3), (None, slice(None), 0)), S((5,), np.array([0, 2, 2, 4])),
                S((4, 3), MASK_4), S((4, 3), Fixed((0, 1))), S((4, 3), (slice(None), [0, 2])),
                S((4, 3), (np.array([0, 1, 1]), np.array([2, 0, 0]))), S((4, 3), MASK_43),
                S((4, 3), slice(None, None, -2)), S(Val(1.5), Fixed(()))],
    "index_update": [S((4, 3), 1, (3,)), S((4, 3), slice(0, 2), (2, 3)), S((4, 3), np.array([0, 2]), (3,)),
                     S((4, 3), MASK_4, (1, 3)), S((4,), Fixed((np.array([1, 3]),)), ()),
                     S((4, 3), (Ellipsis, 0), (4,)), S((4, 3), 2, 0.5)],
    # -- nn -------------------------------------------------------------------------------
    "softmax": [S((3, 4)), S((3, 4), axis=0), S((5,)), S((2, 3, 4), axis=1)],
    "log_softmax": [S((3, 4)), S((3, 4), axis=0), S((5,)), S((2, 3, 4), axis=1)],
    "softplus": [S((5,)), S((2, 3), beta=2.0), S(In((4,), 21.0, 25.0)), S((6,), beta=0.5, threshold=0.5),
                 S(())],
    "linear": [S((3, 4), (2, 4), (2,)), S((4,), (2, 4), (2,)), S((2, 3, 4), (2, 4), (2,)),
               S((3, 4), (2, 4), None), S((3, 4), (2, 4), ())],
    "mse_loss": [S((3, 4), (3, 4)), S((3, 4), (3, 4), reduction="sum"), S((3, 4), (3, 4), reduction="none"),
                 S((3, 1), (4,), reduction="none"), S((), ()), S((3, 4), Fixed(np.zeros((3, 4))))],
    "binary_cross_entropy_with_logits": [
        S((3, 4), In((3, 4), 0.0, 1.0), None, None),
        S((3, 4), In((3, 4), 0.0, 1.0), None, None, reduction="sum"),
        S((3, 4), In((3, 4), 0.0, 1.0), None, None, reduction="none"),
        S((3, 4), In((3, 4), 0.0, 1.0), Fixed(np.array([0.5, 1.0, 2.0, 1.5])), None),
        S((3, 4), In((3, 4), 0.0, 1.0), None, Fixed(np.array([1.0, 2.0, 3.0, 0.5]))),
        S((), In((), 0.0, 1.0), None, None)],
    "binary_cross_entropy": [
        S(In((3, 4), 0.05, 0.95), In((3, 4), 0.0, 1.0), None),
        S(In((3, 4), 0.05, 0.95), In((3, 4), 0.0, 1.0), None, reduction="sum"),
        S(In((3, 4), 0.05, 0.95), In((3, 4), 0.0, 1.0), None, reduction="none"),
        S(In((3, 4), 0.05, 0.95), In((3, 4), 0.0, 1.0), Fixed(np.array([0.5, 1.0, 2.0, 1.5]))),
        S(In((), 0.05, 0.95), In((), 0.0, 1.0), None)],
    "nll_loss": [
        S((3, 4), np.array([0, 3, 1]), None), S((3, 4), np.array([0, 3, 1]), None, reduction="sum"),
        S((3, 4), np.array([0, 3, 1]), None, reduction="none"),
        S((3, 4), np.array([0, 3, 1]), Fixed(np.array([1.0, 2.0, 0.5, 3.0]))),
        S((3, 4), np.array([0, -100, 1]), Fixed(np.array([1.0, 2.0, 0.5, 3.0])), ignore_index=-100),
        S((2, 3, 4), np.array([[0, 1, 2, 0], [2, 2, 1, 0]]), None), S((4,), 2, None)],
    # -- the helpers that transform cotangents -------------------------------------------------
    "unbroadcast": [S((2, 3), Fixed((3,))), S((2, 3), Fixed((2, 1))), S((2, 3), Fixed(())),
                    S((3,), Fixed((3,)))],
    "rebroadcast": [S((3,), Fixed((2, 3))), S((), Fixed((2,))), S((2, 1), Fixed((2, 3))), S((3,), Fixed((3,)))],
    "unreduce": [S((3,), Fixed((4, 3)), axis=0), S((4,), Fixed((4, 3)), axis=1),
                 S((1, 3), Fixed((4, 3)), axis=0, keepdims=True), S((), Fixed((2, 3))),
                 S((2,), Fixed((2, 3, 4)), axis=(1, 2))],
    "unindex": [S((2, 3), Fixed((4, 3)), np.array([0, 2])), S((3,), Fixed((4, 3)), 1),
                S((4,), Fixed((5,)), np.array([0, 2, 2, 4])), S((3, 3), Fixed((4, 3)), MASK_4)],
    "matmul_vjp_left": [S((3, 2), Fixed((3, 4)), (4, 2)), S((2,), Fixed((4,)), (4, 2)),
                        S((), Fixed((4,)), (4,)), S((3,), Fixed((3, 4)), (4,)),
                        S((2, 3, 5), Fixed((3, 4)), (2, 4, 5))],
    "matmul_vjp_right": [S((3, 2), (3, 4), Fixed((4, 2))), S((2,), (4,), Fixed((4, 2))),
                         S((), (4,), Fixed((4,))), S((3,), (3, 4), Fixed((4,))),
                         S((2, 3, 5), (3, 4), Fixed((2, 4, 5)))],
    "unconcatenate": [S((3, 3), Fixed(((2, 3), (1, 3)))), S((2, 5), Fixed(((2, 3), (2, 2))), axis=1),
                      S((5,), Fixed(((2,), (3,))), axis=-1)],
    "unstack": [S((2, 3)), S((3, 4), axis=1), S((3,))],
}
