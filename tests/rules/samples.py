"""One table of samples per primitive: it drives every gradient test of the rules.

A `Sample` gives the primitive's inputs (shapes, drawn at random from `domain`, or fixed
values), its static parameters, and which inputs are differentiable. A registered
differentiable primitive with no samples fails `test_every_primitive_has_samples`.
"""
import numpy as np


class Sample:
    """Inputs for one call of a primitive.

    args:    per input, a shape tuple (random float64 values from `domain`) or a fixed value
             (arrays, Python scalars, index tuples, lists of arrays for sequence inputs).
    statics: the static parameters, by name.
    domain:  (low, high) for random values; keep away from kinks and poles.
    wrt:     indices of the inputs to check (default: every input drawn at random).
    second_order: whether the second-order check applies (false at kinks).
    """

    def __init__(self, *args, domain=(-2.0, 2.0), wrt=None, second_order=True, **statics):
        self.args = args
        self.statics = statics
        self.domain = domain
        self.wrt = wrt
        self.second_order = second_order

    def draw(self, rng):
        """The concrete float64 inputs of this sample."""
        values = []
        for a in self.args:
            if isinstance(a, tuple) and all(isinstance(n, int) for n in a):
                values.append(rng.uniform(*self.domain, size=a) if a else float(rng.uniform(*self.domain)))
            else:
                values.append(a)
        return values

    def checked_inputs(self):
        if self.wrt is not None:
            return self.wrt
        return [i for i, a in enumerate(self.args)
                if isinstance(a, tuple) and all(isinstance(n, int) for n in a)]

    def __repr__(self):
        parts = [repr(a) if not isinstance(a, np.ndarray) else f"array{a.shape}" for a in self.args]
        parts += [f"{k}={v!r}" for k, v in self.statics.items()]
        return f"({', '.join(parts)})"


S = Sample

SAMPLES = {
    "add": [S((3,), (3,)), S((3, 1), (4,)), S((), (2, 3)), S((2, 3), 2.5)],
    "multiply": [S((3,), (3,)), S((3, 1), (4,)), S((), (2, 3)), S((2, 3), 3.0)],
    "sin": [S((4,)), S(()), S((2, 3))],
    "exp": [S((4,)), S(()), S((2, 3))],
    "sum": [S((3, 4)), S((3, 4), axis=0), S((3, 4), axis=1, keepdims=True), S((2, 3, 4), axis=(0, 2)),
            S((), )],
    "mean": [S((3, 4)), S((3, 4), axis=-1), S((2, 3, 4), axis=(0, 1), keepdims=True)],
    "logsumexp": [S((5,)), S((3, 4), axis=1), S((3, 4), axis=0, keepdims=True)],
    "matmul": [S((3, 4), (4, 2)), S((4,), (4, 2)), S((3, 4), (4,)), S((4,), (4,)),
               S((2, 3, 4), (4, 5)), S((2, 1, 3, 4), (5, 4, 2))],
}
