"""Seed: "Turning gradient tracking off" (Отключение отслеживания градиента), from an article on
PyTorch's autograd methods (seeds/003, in Russian).

Inside torch.no_grad() nothing is recorded: y does not require grad although x does. (The
article's `y = x 2` lost its `**` in publishing.)

Ported from the PyTorch program tests/eager/seed_originals/seed_no_grad_context.py by changing
the import (`import transgrad as tg`, `tg.` for `torch.`);
examples/expected/seed_no_grad_context.txt holds what PyTorch 2.13 prints for it, and
tests/test_examples.py checks that this program prints the same.

Run: python examples/seed_no_grad_context.py
"""
import transgrad as tg

x = tg.tensor(2.0, requires_grad=True)
with tg.no_grad():
    y = x ** 2
print(y.requires_grad)  # Output: False
