"""transgrad: differentiate Python/NumPy code by source transformation, with a PyTorch-style
Tensor facade. See README.md and docs/design.md."""
from . import rules as _rules  # noqa: F401  (registers the primitive set)
from . import registry
from .errors import (TransgradError, TransformError, TemplateError, GradientError, UnknownFunctionError,
                     ShapeError)

# `tg.sin`, `tg.sum`, ...: one function per primitive, from the registry.
globals().update(registry.public_functions())
from . import nn  # noqa: E402  (tg.nn.functional)

from .eager import *  # noqa: E402,F401,F403  (Tensor, tensor, no_grad, ...; may wrap the above)
from .compiler.api import *  # noqa: E402,F401,F403  (grad, value_and_grad, vjp, source, ...)
from .custom import primitive, custom_vjp, checkpoint  # noqa: E402  (user-declared rules)

__version__ = "0.1.0"
