"""docs/primitives.md shows the registry's table as it is (regenerate it with
`python -m transgrad.rules.table --write`)."""
import os

from transgrad.rules import table

DOC = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "docs", "primitives.md")


def test_primitive_table_in_docs_is_current():
    with open(DOC) as f:
        text = f.read()
    assert table.current_table(text) == table.markdown(), (
        "docs/primitives.md is stale: run `python -m transgrad.rules.table --write`")


def test_table_lists_every_primitive_with_its_grad_fn():
    text = table.markdown()
    for name, grad_fn in [("add", "AddBackward0"), ("getitem", "SelectBackward0"),
                          ("binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogitsBackward0")]:
        assert f"| `{name}` |" in text and grad_fn in text
    assert "| `argmax` |" in text
