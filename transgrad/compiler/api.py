"""The compiler's public entry points (`tg.grad`, `tg.value_and_grad`, `tg.vjp`, `tg.source`)."""
__all__ = []
