"""transgrad: differentiate Python/NumPy code by source transformation, with a PyTorch-style
Tensor facade. See README.md and docs/design.md."""
from . import rules as _rules  # noqa: F401  (registers the primitive set)
from . import registry
from .errors import TransgradError, TransformError, TemplateError, GradientError

globals().update(registry.public_functions())

__version__ = "0.1.0"
