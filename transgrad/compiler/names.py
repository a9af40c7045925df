"""Fresh names for generated code: readable (`sin_x`, `bx`), never clashing with a user name."""
import keyword
import re

__all__ = ["Namer"]

_MAX = 24


class Namer:
    """Hands out identifiers not yet taken in one generated module.

    `fresh("sin_x")` returns `sin_x` when free, else `sin_x_2`, `sin_x_3`, ...; `adjoint("x")`
    returns the name of x's adjoint (`bx`), the same one every time it is asked."""

    def __init__(self, taken=(), max_length=_MAX):
        self.max_length = max_length
        self.taken = set(taken)
        self.adjoints = {}
        self.counters = {}

    def reserve(self, names):
        self.taken.update(names)

    def fresh(self, base):
        base = _clean(base, self.max_length)
        if base not in self.taken:
            self.taken.add(base)
            return base
        k = self.counters.get(base, 1)
        while True:
            k += 1
            candidate = f"{base}_{k}"
            if candidate not in self.taken:
                self.counters[base] = k
                self.taken.add(candidate)
                return candidate

    def adjoint(self, var):
        name = self.adjoints.get(var)
        if name is None:
            name = self.fresh("b" + var.lstrip("_") if not var.startswith("b") or len(var) < 2
                              else "b" + var)
            self.adjoints[var] = name
        return name


def _clean(base, max_length=_MAX):
    base = re.sub(r"\W+", "_", str(base)).strip("_") or "t"
    if base[0].isdigit():
        base = "t" + base
    if len(base) > max_length:
        base = base[:max_length].rstrip("_")
    if keyword.iskeyword(base) or base in ("np", "tg"):
        base += "_"
    return base
