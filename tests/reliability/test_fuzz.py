"""Differential fuzzing: random programs, four ways to differentiate them, one answer.

A bounded, deterministic run (hypothesis derandomised, no example database) is part of the
normal suite. For a long run:

    TRANSGRAD_FUZZ_EXAMPLES=5000 python -m pytest tests/reliability/test_fuzz.py -q -s

(`TRANSGRAD_FUZZ_RANDOM=1` also draws a fresh random stream instead of the fixed one.)
A failure is shrunk by hypothesis to a minimal program, printed in the assertion message;
keep it as a plain test in `test_fuzz_regressions.py`.
"""
import os

import pytest
from hypothesis import HealthCheck, given, settings

from . import fuzz_programs as F

EXAMPLES = int(os.environ.get("TRANSGRAD_FUZZ_EXAMPLES", "200"))
RANDOM = os.environ.get("TRANSGRAD_FUZZ_RANDOM") == "1"

STATS = {"programs": 0, "columns": 0}


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    return str(tmp_path_factory.mktemp("fuzz_programs"))


@settings(max_examples=EXAMPLES, derandomize=not RANDOM, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
@given(program=F.programs())
def test_random_programs_agree(program, directory):
    STATS["columns"] = max(STATS["columns"], F.check(program, directory))
    STATS["programs"] += 1


def test_fuzz_report():
    """How many programs ran (after the run above, in the same session)."""
    if STATS["programs"]:
        print(f"\nfuzzing: {STATS['programs']} programs agreed in {STATS['columns']} columns")
    if F.SECOND_ORDER_REFUSED:
        print(f"second order refused (loudly, batched or not): {F.SECOND_ORDER_REFUSED}")
