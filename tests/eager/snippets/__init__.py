"""The snippets of pytorch-semantics.md sections 1-12, as test data for the Tensor facade.

One module per spec section, `section_NN.py`, each holding `SNIPPETS`, a list of `Snippet`s in
the spec's order, and `LEFT_OUT`, the spec's snippets not replayed, each with the reason (they
need surface outside API.md section 1). A snippet carries

- `torch`: the PyTorch source: the spec's, verbatim, or changed as `changes` says (only to
  leave out surface that API.md section 1 does not promise, or to make random values fixed);
- `tg` (derived, not stored): the same program for transgrad, `harness.port(torch)`: only the
  library's name differs;
- `expected`: PyTorch 2.13's output: the spec's, verbatim, when `changes` is empty, otherwise
  what PyTorch 2.13.0 printed for the changed source (the tests re-check it against the live
  PyTorch when it is installed).

Each snippet runs after the prelude of `harness.py`, in a fresh process, as in the spec.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

SECTIONS = tuple(range(1, 13))


@dataclass(frozen=True)
class Snippet:
    id: str          # the spec's heading number, "3.4"
    title: str       # the spec's heading text
    torch: str
    expected: str
    changes: str = ""

    @property
    def tg(self) -> str:
        """The transgrad version: the PyTorch source with the library's name changed."""
        from .harness import port
        return port(self.torch)

    @property
    def section(self) -> int:
        return int(self.id.split(".")[0])


def section_snippets(section: int) -> list[Snippet]:
    return list(importlib.import_module(f"{__name__}.section_{section:02d}").SNIPPETS)


def all_snippets() -> list[Snippet]:
    return [s for n in SECTIONS for s in section_snippets(n)]


def left_out() -> dict[str, str]:
    """Spec snippet id -> why it is not replayed."""
    out = {}
    for n in SECTIONS:
        out.update(importlib.import_module(f"{__name__}.section_{n:02d}").LEFT_OUT)
    return out
