"""Minimal anomaly detection (sections 5.6, 5.7)."""
import warnings

import pytest

import transgrad as tg


def test_nan_in_backward_is_reported():  # 5.7
    x = tg.tensor([0.0], requires_grad=True)
    with pytest.warns(UserWarning, match="^Anomaly Detection has been enabled"):
        mode = tg.autograd.detect_anomaly()
    with mode:
        y = tg.sqrt(x) * 0.0
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(RuntimeError, match="^Function 'SqrtBackward0' returned nan values in its 0th "
                                                   "output.$"):
                y.sum().backward()
        assert any("Error detected in SqrtBackward0" in str(w.message) for w in caught)
    x2 = tg.tensor([0.0], requires_grad=True)
    (tg.sqrt(x2) * 0.0).sum().backward()
    assert x2.grad.isnan().all().item()


def test_inplace_error_hint_under_anomaly_mode():  # 5.6
    x = tg.ones(2, 2, requires_grad=True)
    with tg.autograd.set_detect_anomaly(True):
        a = x * 1
        b = a ** 2
        a.add_(1)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(RuntimeError, match="which is output 0 of Add, is at version 1; expected version 0 "
                                                   "instead. Hint: the backtrace further above shows the operation "
                                                   "that failed to compute its gradient. The variable in question "
                                                   "was changed in there or anywhere later. Good luck!$"):
                b.sum().backward()
        assert any("Error detected in PowBackward0" in str(w.message) for w in caught)
    assert not tg.autograd.anomaly_mode.is_anomaly_enabled()
