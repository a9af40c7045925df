"""The primitive set, one module per family. Importing this package registers every primitive."""
from . import elementwise, reductions, linalg  # noqa: F401
