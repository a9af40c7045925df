"""A differentiated list argument the function resizes in place (`xs.pop()`,
`xs.append(v)`): its gradient has the length the list was given (it came back one element
short, silently, before), and in a called function the construct is refused with its
location."""
import numpy as np
import pytest

import transgrad as tg


def pops(xs):
    return xs.pop() * 2.0 + xs[0]


def appends(xs):
    xs.append(xs[0] * 3.0)
    return xs[-1] + xs[1]


def pops_in_a_loop(xs):
    total = 0.0
    while len(xs) > 1:
        total = total + xs.pop() * len(xs)
    return total + xs[0]


def calls_a_popper(a):
    return pops([a, a * 2.0, a * 3.0])


@pytest.mark.parametrize("fn,expected", [
    (pops, [1.0, 0.0, 2.0]),                    # d/dxs (2 xs[2] + xs[0])
    (appends, [3.0, 1.0, 0.0]),                 # d/dxs (3 xs[0] + xs[1])
    (pops_in_a_loop, [1.0, 1.0, 2.0, 3.0]),     # 3 xs[3] + 2 xs[2] + xs[1] + xs[0]
])
def test_gradient_has_the_length_the_list_was_given(fn, expected):
    xs = [1.0, 2.0, 3.0, 4.0][:len(expected)]
    grad = tg.grad(fn)(list(xs))
    assert len(grad) == len(expected)
    np.testing.assert_allclose(np.asarray(grad, dtype=float), expected)
    value, grad = tg.value_and_grad(fn)(list(xs))
    assert value == fn(list(xs))
    np.testing.assert_allclose(np.asarray(grad, dtype=float), expected)


def test_a_called_function_resizing_its_list_argument_is_refused_with_its_location():
    with pytest.raises(tg.TransformError, match=r"changes the length of its list argument 'xs'") as info:
        tg.grad(calls_a_popper)(1.5)
    text = str(info.value)
    assert "test_resized_list_arguments.py" in text and "xs = list(xs)" in text


def rnn_like(x, w):
    h = 0.0
    for k in range(4):
        h = np.tanh(h * w + x[k])
    return h


def test_a_vjp_pullback_can_be_called_again():
    """The backward pass pops its tape's stacks; each call of the pullback gets a copy."""
    x = np.array([0.1, -0.4, 0.3, 0.7])
    out, pullback = tg.vjp(rnn_like, x, 0.8)
    first = pullback(1.0)
    second = pullback(2.0)
    np.testing.assert_allclose(second[0], 2.0 * first[0], rtol=1e-14)
    np.testing.assert_allclose(second[1], 2.0 * first[1], rtol=1e-14)
    np.testing.assert_allclose(first[1], tg.grad(rnn_like, 1)(x, 0.8), rtol=1e-14)
