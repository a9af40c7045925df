"""The eager Tensor engine: Tensor, backward nodes, the engine, grad modes, custom Functions."""
__all__ = []
