"""Acceptance: the seed programs in examples/ print what PyTorch 2.13 prints.

Each `examples/seed_<topic>.py` is a program from one of the tutorial articles our users learn
from (/work/shared/seeds), ported to transgrad by changing the import. Beside it:
- `tests/eager/seed_originals/seed_<topic>.py`: the PyTorch program (test data);
- `examples/expected/seed_<topic>.txt`: its stdout under PyTorch 2.13, normalised as
  tests/eager/snippets/harness.py documents (object addresses read `0x…`; `torch.` reads `tg.`;
  PyTorch's "(Triggered internally at ...)" suffixes dropped).

Tests, one per program:
- `test_example_prints_expected`: the example's stdout (addresses normalised) equals the
  expected file. Only stdout is compared; stderr is shown when it fails.
- `test_example_matches_live_torch` (PyTorch installed): the example's stdout equals the live
  PyTorch original's, normalised the same way.
- `test_expected_is_what_torch_prints` (PyTorch 2.13 installed): the stored file is still what
  the original prints (guards the data).
- `test_example_is_a_port_of_its_original`: apart from the module docstrings, the example is
  `port(original)`: the import and `torch.` -> `tg.`, nothing else.

Random values: no program prints a value that depends on the random generator. Where an
article prints such values (its randn weights, its randn input), the program (both versions)
holds fixed values instead and says so in its docstring; `torch.randn` / `tg.randn` remain only
where nothing printed depends on the draw (`a = randn(2, 2)` whose requires_grad is printed).

All programs of one library run in one runner process, each in a forked child, as if started
with `python examples/seed_<topic>.py` (tests/eager/snippets/runner.py).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.eager.snippets import harness

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
EXPECTED = EXAMPLES / "expected"
ORIGINALS = ROOT / "tests" / "eager" / "seed_originals"
PROGRAMS = sorted(p.stem for p in EXAMPLES.glob("seed_*.py"))

_outputs: dict[str, dict[str, dict]] = {}


def _run(library: str) -> dict[str, dict]:
    """Every example (transgrad) or every original (torch), once per session."""
    if library not in _outputs:
        folder = EXAMPLES if library == "transgrad" else ORIGINALS
        jobs = [harness.script_job(name, folder / f"{name}.py") for name in PROGRAMS]
        _outputs[library] = harness.run_jobs(library, jobs, timeout=60)
    return _outputs[library]


def _explain(name, result, expected, actual, labels):
    return "\n".join([
        f"examples/{name}.py (status: {result['status']})", "--- diff (stdout) ---",
        harness.diff(expected, actual, labels) or "(only in trailing whitespace/newlines)",
        "--- stderr ---", result["stderr"].rstrip() or "(empty)"])


def _code(path: Path) -> str:
    """The file without its module docstring."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    first = tree.body[0]
    assert isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant), \
        f"{path} has no module docstring"
    return "".join(source.splitlines(True)[first.end_lineno:])


def test_there_are_seed_programs_with_their_data():
    assert len(PROGRAMS) >= 14
    for name in PROGRAMS:
        assert (EXPECTED / f"{name}.txt").is_file(), f"examples/expected/{name}.txt missing"
        assert (ORIGINALS / f"{name}.py").is_file(), f"seed_originals/{name}.py missing"
    assert sorted(p.stem for p in ORIGINALS.glob("seed_*.py")) == PROGRAMS


@pytest.mark.parametrize("name", PROGRAMS)
def test_example_prints_expected(name):
    result = _run("transgrad")[name]
    expected = (EXPECTED / f"{name}.txt").read_text(encoding="utf-8")
    actual = harness.normalise(result["stdout"], "transgrad")
    assert actual == expected, _explain(name, result, expected, actual,
                                        (f"expected/{name}.txt", f"{name}.py"))


@pytest.mark.parametrize("name", PROGRAMS)
def test_example_matches_live_torch(name):
    pytest.importorskip("torch")
    torch_result = _run("torch")[name]
    assert torch_result["status"] == "ok", torch_result["stdout"] + torch_result["stderr"]
    result = _run("transgrad")[name]
    expected = harness.normalise(torch_result["stdout"], "torch")
    actual = harness.normalise(result["stdout"], "transgrad")
    assert actual == expected, _explain(name, result, expected, actual,
                                        ("PyTorch (live)", "transgrad"))


@pytest.mark.parametrize("name", PROGRAMS)
def test_expected_is_what_torch_prints(name):
    torch = pytest.importorskip("torch")
    if not torch.__version__.startswith("2.13."):
        pytest.skip(f"expected files are PyTorch 2.13's; installed: {torch.__version__}")
    result = _run("torch")[name]
    expected = (EXPECTED / f"{name}.txt").read_text(encoding="utf-8")
    actual = harness.normalise(result["stdout"], "torch")
    assert actual == expected, harness.diff(expected, actual, ("stored", "PyTorch (live)"))


@pytest.mark.parametrize("name", PROGRAMS)
def test_example_is_a_port_of_its_original(name):
    example = _code(EXAMPLES / f"{name}.py")
    assert example == harness.port(_code(ORIGINALS / f"{name}.py"))
    assert "torch" not in example
