"""Seed: "Detaching tensors from the computation graph" (Отключение тензоров от вычислительного
графа), from an article on PyTorch's autograd methods (seeds/003, in Russian).

detach() returns the same values outside the graph: no gradient flows through z. (The
article's `y = x 2` lost its `**` in publishing.)

Ported from the PyTorch program tests/eager/seed_originals/seed_detach.py by changing the
import (`import transgrad as tg`, `tg.` for `torch.`); examples/expected/seed_detach.txt holds
what PyTorch 2.13 prints for it, and tests/test_examples.py checks that this program prints the
same.

Run: python examples/seed_detach.py
"""
import transgrad as tg

x = tg.tensor(2.0, requires_grad=True)
y = x ** 2
z = y.detach()
print(z.requires_grad)  # Output: False
