"""`tg.nn`: neural-network functions (`tg.nn.functional`, imported as `F` by convention)."""
from . import functional  # noqa: F401

__all__ = ["functional"]
