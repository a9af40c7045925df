"""Anomaly detection (minimal): remember where each node was created, name it when its backward
fails, and optionally check every backward result for NaN."""
import traceback
import warnings

from ..eager import dispatch

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "check_nan_enabled"]

_CHECK_NAN = [True]


def is_anomaly_enabled():
    return dispatch.STATE_ANOMALY[0]


def check_nan_enabled():
    return _CHECK_NAN[0]


def record_trace(node):
    """Store the forward traceback on `node` (shown if its backward fails)."""
    stack = traceback.format_stack()[:-3]
    node._trace = "".join(stack).rstrip("\n")


class _AnomalyMode:
    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)(*self._args):
                return fn(*args, **kwargs)
        return wrapper

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        dispatch.STATE_ANOMALY[0], _CHECK_NAN[0] = self._prev
        return False


class detect_anomaly(_AnomalyMode):
    """Context manager/decorator: record forward tracebacks and fail on NaN gradients."""

    def __init__(self, check_nan=True):
        self._args = (check_nan,)
        self._prev = None
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        self._prev = (dispatch.STATE_ANOMALY[0], _CHECK_NAN[0])
        dispatch.STATE_ANOMALY[0] = True
        _CHECK_NAN[0] = self._args[0]
        return self


class set_detect_anomaly(_AnomalyMode):
    """`set_detect_anomaly(mode, check_nan=True)`: on at once; a `with` block restores."""

    def __init__(self, mode, check_nan=True):
        self._args = (mode, check_nan)
        self._prev = (dispatch.STATE_ANOMALY[0], _CHECK_NAN[0])
        dispatch.STATE_ANOMALY[0] = bool(mode)
        _CHECK_NAN[0] = bool(check_nan)
