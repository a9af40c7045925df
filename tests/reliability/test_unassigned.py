"""Reads of variables that may be unassigned: generated code raises where Python would.

A read the gradient does not need (`return y * 1.0`: the derivative does not depend on `y`)
would be optimised away, giving a gradient where Python raises `UnboundLocalError`.
`compiler/assigned.py` keeps such reads (`defined(y)`); variables assigned on every path
get no check, so their generated code is unchanged.
"""
import inspect

import numpy as np
import pytest

import transgrad as tg


def branch_only(x):
    if x > 100.0:
        y = x * 2.0
    return y * 1.0  # <- read


def loop_only(x, n):
    for i in range(n):
        y = x * 2.0
    return y * 1.0  # <- read


def items_loop_only(x, items):
    for v in items:
        y = x * v
    return y * 1.0  # <- read


def all_branches(x):
    if x > 0.0:
        y = x * 2.0
    else:
        y = x * 3.0
    return y * 1.0


def loop_carried(x, n):
    y = x
    for i in range(n):
        y = np.sin(y)
    return y


def break_only(x, n):
    for i in range(n):
        if i > 2:
            y = x * 2.0
            break
    return y * 1.0  # <- read


def while_only(x):
    while x < 1.0:
        x = x * 2.0
        y = x
    return y * x  # <- read


def conditional_read(x, c):
    if c:
        y = 3.0
    z = x * 2.0 if not c else x * y
    return z


def early_return(x):
    if x > 0.0:
        return x * 2.0
    y = x * 3.0
    return y


def defined(v):       # the user's own `defined`: the check must not call it
    raise AssertionError("the user's defined() must not be called")


def shadows_helper(x):
    if x > 100.0:
        y = x * 2.0
    return y * 1.0  # <- read


def line_of(fn):
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, text in enumerate(lines) if "# <- read" in text)


def assert_unbound(call, fn, name="y"):
    with pytest.raises(tg.GradientError) as info:
        call()
    text = str(info.value)
    assert "UnboundLocalError" in text and f"'{name}'" in text, text
    assert f'File "{__file__}", line {line_of(fn)}' in text, text
    assert "print tg.source" in text
    assert isinstance(info.value.__cause__, UnboundLocalError)


def checks_in(gradient_fn):
    return gradient_fn.source.count("defined(")


def test_branch_not_taken_raises_at_the_read():
    assert_unbound(lambda: tg.grad(branch_only)(1.0), branch_only)


def test_branch_taken_gives_the_gradient():
    df = tg.grad(branch_only)
    assert df(200.0) == 2.0
    assert checks_in(df) == 1


def test_value_and_grad_and_vjp_raise_too():
    assert_unbound(lambda: tg.value_and_grad(branch_only)(1.0), branch_only)
    assert_unbound(lambda: tg.vjp(branch_only, 1.0)[1](1.0), branch_only)
    value, grad = tg.value_and_grad(branch_only)(200.0)
    assert (value, grad) == (400.0, 2.0)


def test_forward_mode_raises_too():
    assert_unbound(lambda: tg.jvp(loop_only, (1.0, 0), (1.0, 0)), loop_only)
    assert tg.jvp(loop_only, (1.5, 2), (1.0, 0)) == (3.0, 2.0)


def test_second_order_raises_too():
    with pytest.raises(tg.GradientError) as info:
        tg.grad(tg.grad(branch_only))(1.0)
    assert "UnboundLocalError" in str(info.value) and "'y'" in str(info.value)
    assert tg.grad(tg.grad(branch_only))(200.0) == 0.0


def test_loop_that_runs_zero_times():
    assert_unbound(lambda: tg.grad(loop_only)(1.0, 0), loop_only)
    assert tg.grad(loop_only)(1.0, 3) == 2.0


def test_loop_over_an_empty_list():
    assert_unbound(lambda: tg.grad(items_loop_only)(1.0, []), items_loop_only)
    assert tg.grad(items_loop_only)(1.0, [0.5, 4.0]) == 4.0


def test_loop_left_by_break_before_assigning():
    assert_unbound(lambda: tg.grad(break_only)(1.0, 2), break_only)
    assert tg.grad(break_only)(1.0, 6) == 2.0


def test_while_loop_that_runs_zero_times():
    assert_unbound(lambda: tg.grad(while_only)(2.0), while_only)
    # x = 0.5 -> 1.0 in one step; y = x = 2 x0; y * x = 4 x0^2: derivative 8 x0
    assert tg.grad(while_only)(0.5) == pytest.approx(4.0)


def test_assigned_in_all_branches_gets_no_check():
    df = tg.grad(all_branches)
    assert df(1.0) == 2.0 and df(-1.0) == 3.0
    assert checks_in(df) == 0


def test_loop_carried_variable_assigned_before_the_loop_gets_no_check():
    df = tg.grad(loop_carried)
    x, n = 0.7, 3
    expected, y = 1.0, x
    for _ in range(n):
        expected *= np.cos(y)
        y = np.sin(y)
    assert df(x, n) == pytest.approx(expected, rel=1e-12)
    assert df(x, 0) == 1.0
    assert checks_in(df) == 0


def test_early_return_gets_no_check():
    df = tg.grad(early_return)
    assert df(1.0) == 2.0 and df(-1.0) == 3.0
    assert checks_in(df) == 0


def test_read_in_a_branch_not_evaluated_does_not_raise():
    df = tg.grad(conditional_read)
    assert df(1.0, False) == 2.0
    assert df(1.0, True) == 3.0


def test_a_user_function_named_defined_is_never_called():
    df = tg.grad(shadows_helper)
    assert_unbound(lambda: df(1.0), shadows_helper)
    assert df(200.0) == 2.0


def test_python_itself_raises_for_every_case_checked_here():
    """The oracle: the user functions raise exactly where the gradients above do."""
    for call in (lambda: branch_only(1.0), lambda: loop_only(1.0, 0),
                 lambda: items_loop_only(1.0, []), lambda: break_only(1.0, 2),
                 lambda: while_only(2.0), lambda: shadows_helper(1.0)):
        with pytest.raises(UnboundLocalError):
            call()
    assert conditional_read(1.0, False) == 2.0


def loop_index_after(x, n):
    for i in range(n):
        x = x * 1.5
    return x * i


def test_loop_target_read_after_a_loop_with_a_dead_body():
    # d/dx (x * 1.5**2 * i) with i = 1 at n = 2
    assert tg.grad(loop_index_after)(1.0, 2) == pytest.approx(2.25)
