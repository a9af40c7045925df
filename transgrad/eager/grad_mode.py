"""Grad modes: whether operations on Tensors are recorded, per thread.

`no_grad`, `enable_grad`, `set_grad_enabled(flag)` and `inference_mode(mode=True)` work as
context managers and as decorators (`@tg.no_grad()` and `@tg.no_grad`), like PyTorch's;
`set_grad_enabled(False)` also works as a plain call. The flags live in one thread-local
object, `STATE`. Reading a thread-local attribute costs several times a plain one, so the
dispatcher reads `STATE` only when `MODES_CHANGED[0]` (how many threads have a flag away from its
default: grad on, inference off) is not zero; in a program that never leaves the defaults, an
operation reads one list item instead.
"""
import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled"]


# [number of threads whose flags are not the defaults]: the dispatcher's fast test
MODES_CHANGED = [0]
_COUNT_LOCK = threading.Lock()


class _State(threading.local):
    """Per-thread flags: `grad` (record operations), `inference` (inference mode). Every write
    keeps `MODES_CHANGED` up to date (writes are rare: entering and leaving a mode)."""

    def __init__(self):
        threading.local.__setattr__(self, "grad", True)
        threading.local.__setattr__(self, "inference", False)

    def __setattr__(self, name, value):
        was_default = self.grad and not self.inference
        threading.local.__setattr__(self, name, value)
        now_default = self.grad and not self.inference
        if was_default != now_default:
            with _COUNT_LOCK:
                MODES_CHANGED[0] += -1 if now_default else 1


STATE = _State()


def is_grad_enabled():
    """True when operations on Tensors that require grad are being recorded."""
    return STATE.grad


def is_inference_mode_enabled():
    """True inside `tg.inference_mode()`."""
    return STATE.inference


class _Mode:
    """Base: a context manager that also decorates functions (with or without parentheses)."""

    def __new__(cls, *args, **kwargs):
        # `@tg.no_grad` without parentheses: called with the function itself.
        if cls is not set_grad_enabled and len(args) == 1 and callable(args[0]) and not kwargs:
            return cls()(args[0])
        return super().__new__(cls)

    def __call__(self, fn):
        mode = self

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with mode.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_Mode):
    """Do not record operations (results do not require grad)."""

    def __enter__(self):
        self._prev = STATE.grad
        STATE.grad = False

    def __exit__(self, *exc):
        STATE.grad = self._prev
        return False


class enable_grad(_Mode):
    """Record operations again inside a `no_grad` block."""

    def __enter__(self):
        self._prev = STATE.grad
        STATE.grad = True

    def __exit__(self, *exc):
        STATE.grad = self._prev
        return False


class set_grad_enabled(_Mode):
    """`set_grad_enabled(flag)`: takes effect at once (as a plain call) and is undone at the end
    of a `with` block."""

    def __init__(self, mode):
        self._prev = STATE.grad
        self.mode = bool(mode)
        STATE.grad = self.mode

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        STATE.grad = self._prev
        return False

    def clone(self):
        return _SetGradEnabledLater(self.mode)


class _SetGradEnabledLater:
    """What `@set_grad_enabled(flag)` enters on each call of the decorated function."""

    def __init__(self, mode):
        self.mode = mode

    def __enter__(self):
        self._prev = STATE.grad
        STATE.grad = self.mode

    def __exit__(self, *exc):
        STATE.grad = self._prev
        return False


class inference_mode(_Mode):
    """Like `no_grad`, and results are inference tensors (see `Tensor.is_inference`)."""

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __enter__(self):
        self._prev = (STATE.grad, STATE.inference)
        if self.mode:
            STATE.grad = False
            STATE.inference = True

    def __exit__(self, *exc):
        STATE.grad, STATE.inference = self._prev
        return False

    def clone(self):
        return inference_mode(self.mode)
