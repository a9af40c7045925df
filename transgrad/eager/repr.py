"""Text form of tensors, matching PyTorch 2.13's ``repr(tensor)`` character for character.

Contract
--------
``format_tensor(data, requires_grad=False, grad_fn_name=None, prefix="tensor")`` takes a NumPy
array (0-d included; bool, signed and unsigned ints, float16/32/64, complex64/128) and returns
what PyTorch prints for a CPU tensor holding the same values with the same autograd flags. The
only difference is that dtype suffixes say ``tg.`` where PyTorch says ``torch.``::

    >>> format_tensor(np.array([1.0, 2.0]), requires_grad=True)
    'tensor([1., 2.], dtype=tg.float64, requires_grad=True)'

``set_printoptions`` / ``get_printoptions`` / ``printoptions`` keep the module-wide options that
PyTorch keeps in ``torch._tensor_str.PRINT_OPTS``; ``format_tensor`` reads them on every call.

How a tensor is laid out (the same steps PyTorch takes)
-------------------------------------------------------
1. *Summarise*: when the tensor has more than ``threshold`` elements, every dimension longer
   than ``2 * edgeitems`` shows only its first and last ``edgeitems`` entries, with ``...``
   in between.
2. *Choose one element style* from the values that will be shown, so that columns line up:
   whole-valued floats print as ``3.``; fixed point with ``precision`` decimals otherwise;
   scientific notation when the finite non-zero magnitudes span a ratio above 1000, exceed
   1e8 or fall below 1e-4. Every element is right-aligned to the widest shown element.
   Floats are formatted from their exact value (float32 ``123456.789`` prints ``123456.7891``).
3. *Nest brackets*: rows wrap at ``linewidth``, continuation lines are indented under the
   opening bracket, and blocks of a k-D tensor are separated by k-2 blank lines.
4. *Append suffixes* (``size=``, ``dtype=``, ``grad_fn=``/``requires_grad=True``), moving one
   to a new line when it would overflow ``linewidth``. A dtype suffix is measured as PyTorch
   spells it (``dtype=torch.float64``), so lines break exactly where PyTorch breaks them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["format_tensor", "set_printoptions", "get_printoptions", "printoptions"]


# --------------------------------------------------------------------------- print options


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}

_options = _PrintOptions()


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    sci_mode=None,
    profile=None,
) -> None:
    """Change how tensors print, like ``torch.set_printoptions``.

    A ``profile`` ("default", "short", "full") is applied first and the other arguments
    override it. As in PyTorch, ``sci_mode`` is always assigned, so any call without it goes
    back to choosing scientific notation automatically.
    """
    for name, value in _PROFILES.get(profile, {}).items():  # PyTorch ignores unknown profiles
        setattr(_options, name, value)
    given = dict(precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth)
    for name, value in given.items():
        if value is not None:
            setattr(_options, name, value)
    _options.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current options, as keyword arguments that ``set_printoptions`` accepts."""
    return dataclasses.asdict(_options)


@contextlib.contextmanager
def printoptions(**kwargs) -> Iterator[None]:
    """Apply ``set_printoptions(**kwargs)`` inside a ``with`` block, then restore the old ones."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# --------------------------------------------------------------------------- suffixes and dtypes


@dataclasses.dataclass(frozen=True)
class _Suffix:
    """A trailing ``key=value`` and the width PyTorch's line-breaking counts for it."""

    text: str
    width: int

    @classmethod
    def plain(cls, text: str) -> _Suffix:
        return cls(text, len(text))


# Dtypes PyTorch leaves unstated in a non-empty tensor's repr: the default float dtype, its
# complex partner, int64 and bool. An empty tensor states every dtype but float32, because
# there are no elements to show whether it holds ints.
_UNSTATED_DTYPES = frozenset(np.dtype(name) for name in ("float32", "complex64", "int64", "bool"))

_SUPPORTED_DTYPES = frozenset(
    np.dtype(name)
    for name in (
        "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
        "float16", "float32", "float64", "complex64", "complex128",
    )
)


def _dtype_suffix(dtype: np.dtype) -> _Suffix:
    """``dtype=tg.float64``: NumPy and PyTorch share the names of every supported dtype.

    It is measured as PyTorch's ``dtype=torch.float64`` so that line breaks fall exactly
    where PyTorch puts them.
    """
    return _Suffix(f"dtype=tg.{dtype.name}", len(f"dtype=torch.{dtype.name}"))


# --------------------------------------------------------------------------- element styles


class _PlainFormatter:
    """Ints and bools: ``str(value)`` right-aligned to the widest shown value."""

    def __init__(self, values: np.ndarray):
        self.width = max((len(str(v)) for v in values.ravel().tolist()), default=1)

    def format(self, value) -> str:
        return str(value).rjust(self.width)


class _FloatFormatter:
    """Real floats, printed in one style per tensor so that columns line up.

    The style comes from the finite non-zero values only: zeros, nan and inf fit any style,
    and a tensor with nothing else prints in the whole-number style (``0.``, ``nan``).
    """

    def __init__(self, values: np.ndarray, precision: int, sci_mode: bool | None):
        self.precision = precision
        self.whole = True
        self.sci = False
        self.width = 1
        informative = values[np.isfinite(values) & (values != 0)].tolist()
        if not informative:
            return
        self.whole = all(v == math.ceil(v) for v in informative)
        self.sci = _spans_too_widely(informative) if sci_mode is None else bool(sci_mode)
        self.width = max(self._measure(v) for v in informative)

    def _measure(self, value: float) -> int:
        if self.whole and not self.sci:
            return len(f"{value:.0f}") + 1  # room for the trailing "." that marks a float
        return len(self._text(value))

    def _text(self, value: float) -> str:
        if self.sci:
            return f"{value:.{self.precision}e}"
        if self.whole:
            # nan and inf get no "."; -0.0 prints as "-0."
            dot = "" if math.isinf(value) or math.isnan(value) else "."
            return f"{value:.0f}{dot}"
        return f"{value:.{self.precision}f}"

    def format(self, value: float) -> str:
        return self._text(value).rjust(self.width)


def _spans_too_widely(values: list[float]) -> bool:
    """PyTorch's test for switching to scientific notation, on finite non-zero values."""
    magnitudes = [abs(v) for v in values]
    largest, smallest = max(magnitudes), min(magnitudes)
    return largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4


class _ComplexFormatter:
    """Complex numbers: real and imaginary parts each get their own float style and width."""

    def __init__(self, values: np.ndarray, precision: int, sci_mode: bool | None):
        self.real = _FloatFormatter(values.real, precision, sci_mode)
        self.imag = _FloatFormatter(values.imag, precision, sci_mode)
        # Row wrapping counts both parts and the "j" but not the "+", as PyTorch does.
        self.width = self.real.width + self.imag.width + 1

    def format(self, value: complex) -> str:
        real = self.real.format(value.real)
        imag = (self.imag.format(value.imag) + "j").lstrip()
        return real + imag if imag[0] in "+-" else real + "+" + imag


def _make_formatter(shown: np.ndarray, options: _PrintOptions):
    kind = shown.dtype.kind
    if kind == "f":
        return _FloatFormatter(shown, options.precision, options.sci_mode)
    if kind == "c":
        return _ComplexFormatter(shown, options.precision, options.sci_mode)
    return _PlainFormatter(shown)


# --------------------------------------------------------------------------- summarising


def _shown_positions(length: int, summarize: bool, edgeitems: int) -> list[int | None]:
    """Indices shown along one dimension; ``None`` marks where the ellipsis goes."""
    if summarize and length > 2 * edgeitems:
        return [*range(edgeitems), None, *range(length - edgeitems, length)]
    return list(range(length))


def _shown_values(array: np.ndarray, summarize: bool, edgeitems: int) -> np.ndarray:
    """The elements that will be printed: the element style must ignore hidden ones."""
    if not summarize or array.ndim == 0:
        return array
    kept = [
        np.array([i for i in _shown_positions(n, True, edgeitems) if i is not None], dtype=np.intp)
        for n in array.shape
    ]
    return array[np.ix_(*kept)]


# --------------------------------------------------------------------------- layout


@dataclasses.dataclass(frozen=True)
class _Layout:
    formatter: Any
    summarize: bool
    edgeitems: int
    linewidth: int


def _nested_text(array: np.ndarray, indent: int, layout: _Layout) -> str:
    """Brackets for ``array`` whose first line starts at column ``indent``."""
    if array.ndim == 0:
        return layout.formatter.format(array.item())
    if array.ndim == 1:
        return _row_text(array, indent, layout)
    blocks = [
        "..." if i is None else _nested_text(array[i], indent + 1, layout)
        for i in _shown_positions(array.shape[0], layout.summarize, layout.edgeitems)
    ]
    # Sub-blocks of a k-D tensor are separated by k-2 blank lines.
    separator = "," + "\n" * (array.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(blocks) + "]"


def _row_text(row: np.ndarray, indent: int, layout: _Layout) -> str:
    """One innermost row, wrapped so that as many whole cells fit per line as PyTorch fits."""
    # Between cells the ellipsis carries a leading space; alone (edgeitems=0) it does not.
    ellipsis = " ..." if layout.edgeitems else "..."
    cells = [
        ellipsis if i is None else layout.formatter.format(row[i].item())
        for i in _shown_positions(row.shape[0], layout.summarize, layout.edgeitems)
    ]
    cell_width = layout.formatter.width + 2  # each cell is followed by ", "
    per_line = max(1, math.floor((layout.linewidth - indent) / cell_width))
    lines = [", ".join(cells[start : start + per_line]) for start in range(0, len(cells), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _contents_and_shape_suffixes(array: np.ndarray, indent: int, options: _PrintOptions):
    """The bracketed values plus the ``size=``/``dtype=`` suffixes they call for."""
    suffixes: list[_Suffix] = []
    if array.size == 0:
        # Only the shape (0,) is implied by "[]"; every other empty shape is spelled out.
        if array.ndim != 1:
            suffixes.append(_Suffix.plain(f"size={tuple(array.shape)}"))
        if array.dtype != np.float32:
            suffixes.append(_dtype_suffix(array.dtype))
        return "[]", suffixes
    if not options.edgeitems:
        # With no edge items nothing but "..." is printed, so the shape is given instead.
        suffixes.append(_Suffix.plain(f"size={tuple(array.shape)}"))
    if array.dtype not in _UNSTATED_DTYPES:
        suffixes.append(_dtype_suffix(array.dtype))
    summarize = array.size > options.threshold
    shown = _shown_values(array, summarize, options.edgeitems)
    layout = _Layout(_make_formatter(shown, options), summarize, options.edgeitems, options.linewidth)
    return _nested_text(array, indent, layout), suffixes


def _join_suffixes(text: str, suffixes: list[_Suffix], indent: int, linewidth: int) -> str:
    """Append suffixes, starting a new line for any that would pass ``linewidth``.

    PyTorch's running measure of the current line starts two characters above its true
    length, and is reset to the true length after a break; kept here so breaks match.
    """
    line_length = len(text) - text.rfind("\n") + 1
    pieces = [text]
    for suffix in suffixes:
        if line_length + suffix.width + 2 > linewidth:
            pieces.append(",\n" + " " * indent + suffix.text)
            line_length = indent + suffix.width
        else:
            pieces.append(", " + suffix.text)
            line_length += suffix.width + 2
    pieces.append(")")
    return "".join(pieces)


# --------------------------------------------------------------------------- entry point


def format_tensor(
    data,
    *,
    requires_grad: bool = False,
    grad_fn_name: str | None = None,
    prefix: str = "tensor",
) -> str:
    """What PyTorch's ``repr``/``str`` prints for a tensor holding ``data``.

    ``grad_fn_name`` (e.g. ``"AddBackward0"``) is shown as ``grad_fn=<...>`` and takes the
    place of ``requires_grad=True``, as for PyTorch's non-leaf tensors.
    """
    array = np.asarray(data)
    if array.dtype not in _SUPPORTED_DTYPES:
        raise TypeError(f"cannot print a tensor of dtype {array.dtype}")
    opening = prefix + "("
    indent = len(opening)
    contents, suffixes = _contents_and_shape_suffixes(array, indent, _options)
    if grad_fn_name is not None:
        suffixes.append(_Suffix.plain(f"grad_fn=<{grad_fn_name}>"))
    elif requires_grad:
        suffixes.append(_Suffix.plain("requires_grad=True"))
    return _join_suffixes(opening + contents, suffixes, indent, _options.linewidth)
