"""transgrad's exceptions: every error a user can meet is one of these, and says where and what to do.

Errors that PyTorch raises as `RuntimeError`/`TypeError`/`ValueError` are raised here as
subclasses of both `TransgradError` and that built-in type, so code ported from PyTorch that
catches the built-in keeps working and `except tg.TransgradError` catches everything of ours.
"""

__all__ = [
    "TransgradError",
    "TemplateError",
    "TransformError",
    "UnknownFunctionError",
    "GradientError",
    "ShapeError",
    "TensorTypeError",
    "TensorValueError",
    "TensorIndexError",
    "NotSupportedError",
    "UnsupportedFunctionError",
    "SourceLocation",
]


class TransgradError(Exception):
    """Base class of every exception transgrad raises on purpose."""


class TemplateError(TransgradError):
    """A primitive's rule template is malformed; raised when the defining module is imported."""


class SourceLocation:
    """Where in the user's source a construct stands: file, line, column and the line's text."""

    __slots__ = ("filename", "lineno", "col", "line")

    def __init__(self, filename, lineno, col=0, line=None):
        self.filename = filename
        self.lineno = lineno
        self.col = col or 0
        self.line = line

    def render(self):
        text = f'  File "{self.filename}", line {self.lineno}, column {self.col + 1}'
        if self.line is not None:
            stripped = self.line.rstrip("\n")
            indent = len(stripped) - len(stripped.lstrip())
            caret_col = max(self.col - indent, 0)
            text += f"\n    {stripped.strip()}\n    {' ' * caret_col}^"
        return text


class TransformError(TransgradError):
    """The compiler cannot transform a construct of the user's function.

    `str(err)` names the file, line and column, quotes the line with a caret under the
    construct, and says what to do instead."""

    def __init__(self, message, location=None, hint=None):
        self.message = message
        self.location = location
        self.hint = hint
        parts = [message]
        if location is not None:
            parts.append(location.render())
        if hint:
            parts.append(hint)
        super().__init__("\n".join(parts))

    @property
    def filename(self):
        return self.location.filename if self.location else None

    @property
    def lineno(self):
        return self.location.lineno if self.location else None

    @property
    def col(self):
        return self.location.col if self.location else None


class UnknownFunctionError(TransformError):
    """A call to a function that is neither a primitive nor a user function with source."""


class GradientError(TransgradError, RuntimeError):
    """A gradient cannot be computed for these values (wrong shape, freed graph, ...)."""


class ShapeError(TransgradError, RuntimeError):
    """Operands whose shapes do not broadcast (PyTorch's RuntimeError, with its message)."""


class TensorTypeError(TransgradError, TypeError):
    """A Tensor operation got an argument of the wrong kind (where PyTorch raises TypeError)."""


class TensorValueError(TransgradError, ValueError):
    """A Tensor has the wrong value for the operation (where PyTorch raises ValueError)."""


class TensorIndexError(TransgradError, IndexError):
    """A dimension or index is out of range (where PyTorch raises IndexError)."""


class NotSupportedError(TransgradError, NotImplementedError):
    """A feature PyTorch has that transgrad does not (or a method the user must implement)."""


class UnsupportedFunctionError(TransgradError, TypeError):
    """A NumPy function was called on a Tensor and no primitive implements it: converting
    silently would drop the gradient, so transgrad refuses and names the function."""
