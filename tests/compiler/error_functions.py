"""Functions the compiler must refuse or report on, for `test_errors.py`.

Lines marked `# <- here` are where the error must point.
"""
import math

import numpy as np


def unknown_function(x):
    y = x * 2.0
    return math.sin(y)  # <- here


def unknown_function_inactive(x):
    return math.sqrt(2.0) * x


def unknown_method(x):
    y = x * 2.0
    return np.sum(y.cumprod())  # <- here


def vector_output(x):
    return x * 2.0


def index_out_of_range(x):
    y = np.sin(x)
    return y[5] * 2.0  # <- here


def writes_through_alias(x):
    y = x
    y[0] = 1.0  # <- here
    return np.sum(y * x)


def sorts_in_place(x):
    y = x * 1.0
    y.sort()  # <- here
    return np.sum(y)


def with_try(x):
    try:  # <- here
        return x * 2.0
    except ValueError:
        return x


def returns_tuple(x):
    return x * 2.0, x


def floor_division(x):
    return x // 2.0  # <- here
