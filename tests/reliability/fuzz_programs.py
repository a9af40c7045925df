"""Random programs over the primitive set, and the differential check that runs them.

`programs()` is a hypothesis strategy drawing a module of Python/NumPy source: a function
`f(a, b[, c])` of arrays (shapes that broadcast together) or Python floats, made of
straight-line statements, `if`/`else` on data, `for` and `while` loops carrying values, calls
of helper functions (with branches, loops, keyword arguments), indexing, reductions and
matrix products, returning a scalar. Operations keep to safe domains (log and sqrt of values
>= 1, divisions by 1 + x*x); a program whose values overflow anyway is rejected with
`assume`.

`check(program, directory)` writes the module to a file (transgrad reads source from files),
imports it and compares, in float64:
- the compiled reverse mode (`tg.value_and_grad`), value and gradient,
- the eager tape (the same function run on `tg.tensor(..., requires_grad=True)`),
- central finite differences of the plain NumPy function,
- `tg.vjp` with cotangent 1, and `tg.compile` on Tensors (when transgrad has it),
- compiled forward mode (`tg.jvp`) along a random direction, when transgrad has it,
and raises AssertionError quoting the program when any two disagree.
"""
import hashlib
import importlib.util
import os
import sys

import numpy as np
from hypothesis import assume, strategies as st

import transgrad as tg

SHAPES = [(), (3,), (2, 3), (1, 3), (2, 1)]

# name -> template over operands {0}, {1}; all smooth on the reals (kinks only at measure-zero
# points a random input does not hit)
UNARY = [
    "np.sin({0})", "np.cos({0})", "np.tanh({0})", "np.exp({0})", "np.arctan({0})",
    "tg.sigmoid({0})", "np.square({0})", "{0} ** 2", "{0} ** 3", "-{0}", "np.log1p({0} * {0})",
    "np.log({0} * {0} + 1.0)", "np.sqrt({0} * {0} + 1.0)", "1.0 / (1.0 + {0} * {0})",
    "np.abs({0})", "tg.relu({0})", "{0} * 0.5", "2.0 - {0}", "np.sinh({0})", "np.expm1({0})",
    "np.clip({0}, -0.7, 0.9)", "tg.softplus({0})",
]
BINARY = [
    "{0} + {1}", "{0} - {1}", "{0} * {1}", "{0} / (1.0 + {1} * {1})", "np.maximum({0}, {1})",
    "np.minimum({0}, {1})", "np.where({0} > {1}, {0}, {1} * 2.0)", "np.logaddexp({0}, {1})",
    "{0} ** 2 * {1}", "np.multiply({0}, np.cos({1}))", "np.add({0}, {1}) * {0}",
    "np.hypot({0}, {1} + 2.0)", "np.arctan2({0}, {1} * {1} + 1.0)",
]

HELPERS = '''
SCALE = 0.75


def helper_plain(p, q):
    return np.sin(p) * q + p


def helper_branch(p, q):
    if np.sum(p) > 0.0:
        return p * q
    return p - q * SCALE


def helper_loop(p, q):
    r = p
    for i in range(2):
        r = np.tanh(r * q + 0.5)
    return r


def helper_keyword(p, q, scale=2.0):
    s = p * scale
    return s + np.cos(q)


def helper_nested(p, q):
    t = helper_plain(p, q)
    return helper_branch(t, p)


def helper_pair(p, q):
    return p * q, np.sin(p) - q


def helper_early(p, q):
    r = p * q
    for i in range(3):
        if np.sum(r) > 1.0:
            return r * 0.5
        r = r + np.cos(q)
    return r


def helper_recursive(p, q, n=2):
    if n == 0:
        return p
    return helper_recursive(np.sin(p) * q, q, n - 1)
'''

HELPER_CALLS = ["helper_plain({0}, {1})", "helper_branch({0}, {1})", "helper_loop({0}, {1})",
                "helper_keyword({0}, {1}, scale=0.5)", "helper_keyword({0}, {1})",
                "helper_nested({0}, {1})", "helper_early({0}, {1})",
                "helper_recursive({0}, {1})", "helper_pair({0}, {1})[1]"]


def _broadcast(*shapes):
    return tuple(np.broadcast_shapes(*shapes))


def _fits_into(small, shape):
    """Whether `small` broadcasts to exactly `shape`."""
    return _compatible(small, shape) and _broadcast(small, shape) == tuple(shape)


def _compatible(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


class Program:
    """The source of one random module and the inputs of its function `f`."""

    def __init__(self, source, shapes, seed):
        self.source, self.shapes, self.seed = source, shapes, seed

    def inputs(self):
        rng = np.random.default_rng(self.seed)
        out = []
        for shape in self.shapes:
            values = rng.uniform(-1.5, 1.5, size=shape)
            out.append(float(values) if shape == () else values)
        return out

    def __repr__(self):
        return f"Program(shapes={self.shapes}, seed={self.seed})\n{self.source}"


class _Writer:
    """Draws statements, tracking each variable's shape so every program is valid."""

    def __init__(self, draw, params):
        self.draw = draw
        self.vars = list(params)          # [(name, shape)]
        self.lines = []
        self.count = 0

    def pick(self, fits=lambda shape: True):
        choices = [v for v in self.vars if fits(v[1])]
        return self.draw(st.sampled_from(choices)) if choices else None

    def pick_fitting(self, shape):
        """A variable that broadcasts to exactly `shape` (a constant when none does)."""
        return self.pick(lambda s: _fits_into(s, shape)) or ("0.5", ())

    def pick_pair(self):
        """Two variables whose shapes broadcast together."""
        x = self.pick()
        y = self.pick(lambda shape: _compatible(x[1], shape))
        return x, y

    def fresh(self):
        self.count += 1
        return f"v{self.count}"

    def emit(self, text, indent=1):
        self.lines.append("    " * indent + text)

    # -- expressions: (text, shape) ----------------------------------------------------
    def expression(self, depth=0):
        kind = self.draw(st.sampled_from(["unary", "binary", "binary", "reduce", "call", "shape"]
                                         if depth == 0 else ["unary", "binary"]))
        if kind == "unary":
            name, shape = self.pick()
            template = self.draw(st.sampled_from(UNARY))
            return template.format(name), shape
        if kind == "binary":
            (x, sx), (y, sy) = self.pick_pair()
            template = self.draw(st.sampled_from(BINARY))
            return template.format(x, y), _broadcast(sx, sy)
        if kind == "call":
            (x, sx), (y, sy) = self.pick_pair()
            template = self.draw(st.sampled_from(HELPER_CALLS))
            return template.format(x, y), _broadcast(sx, sy)
        if kind == "reduce":
            x, sx = self.pick()
            options = ["np.sum({0})", "np.mean({0})", "tg.logsumexp({0})"]
            if len(sx) >= 1:    # (a Python float has no methods)
                options += ["np.sum({0}, axis=0)", "{0}.mean(axis=-1)", "{0}.sum()"]
            if int(np.prod(sx)) > 1:
                options += ["np.var({0})", "np.std({0})", "np.prod({0} * 0.5 + 1.0)",
                            "np.max({0})", "np.min({0})", "{0}.max()"]
            template = self.draw(st.sampled_from(options))
            text = template.format(x)
            if "axis=0" in template:
                return text, sx[1:]
            if "axis=-1" in template:
                return text, sx[:-1]
            return text, ()
        # shape operations
        picked = self.pick(lambda s: len(s) >= 1)
        if picked is None:
            return self.expression(depth + 1)
        x, sx = picked
        options = ["{0}[0]", "{0}.reshape(-1)", "{0}[::-1]"]
        if len(sx) == 2:
            options += ["{0}.T", "{0}[:, 0]", "{0} @ {0}.T", "np.concatenate([{0}, {0} * 2.0])"]
            if sx == (2, 3):
                options += ["{0} @ np.array([0.5, -1.0, 2.0])"]
        if sx[0] >= 2:
            options += ["{0}[1:]", "np.stack([{0}[0], {0}[1]])"]
        template = self.draw(st.sampled_from(options))
        text = template.format(x)
        shape = np.zeros(sx)
        result = eval(template.format("shape"), {"np": np, "shape": shape})  # shape only
        return text, tuple(np.shape(result))

    # -- statements ---------------------------------------------------------------------
    def statement(self):
        kind = self.draw(st.sampled_from(["assign", "assign", "assign", "if", "for", "while",
                                          "pair", "rows", "list", "comprehension", "setindex",
                                          "break", "augmented", "ifexp", "dict", "unpack",
                                          "nested", "early_return", "overwrite",
                                          "overwrite", "list_loop", "setindex_loop",
                                          "while_break", "loop_return", "int_arith"]))
        if kind in EXTRA:
            return EXTRA[kind](self)
        if kind == "assign":
            text, shape = self.expression()
            name = self.fresh()
            self.emit(f"{name} = {text}")
            self.vars.append((name, shape))
        elif kind == "if":
            (c, _) = self.pick()
            name = self.fresh()
            (x, sx), (y, sy) = self.pick_pair()
            shape = _broadcast(sx, sy)
            then = self.draw(st.sampled_from(BINARY)).format(x, y)
            other = self.draw(st.sampled_from(BINARY)).format(y, x)
            threshold = self.draw(st.sampled_from(["0.0", "0.5", "-0.25"]))
            self.emit(f"if np.sum({c}) > {threshold}:")
            self.emit(f"{name} = {then}", 2)
            self.emit("else:")
            self.emit(f"{name} = {other}", 2)
            self.vars.append((name, shape))
        elif kind == "for":
            name, shape = self.pick()
            w, _ = self.pick_fitting(shape)
            u, _ = self.pick_fitting(shape)
            acc = self.fresh()
            trips = self.draw(st.integers(0, 3))
            self.emit(f"{acc} = {name}")
            self.emit(f"for i in range({trips}):")
            body = self.draw(st.sampled_from([
                "{acc} = np.tanh({acc} * {w} + {u})", "{acc} = {acc} * 0.5 + np.sin({w}) * i",
                "{acc} = np.sin({acc}) + {u}"]))
            self.emit(body.format(acc=acc, w=w, u=u), 2)
            self.vars.append((acc, shape))
        elif kind == "while":
            name, shape = self.pick()
            w, _ = self.pick_fitting(shape)
            acc, counter = self.fresh(), self.fresh()
            limit = self.draw(st.integers(1, 3))
            data = self.draw(st.booleans())
            self.emit(f"{acc} = {name}")
            self.emit(f"{counter} = 0")
            test = f"{counter} < {limit}"
            if data:
                test += f" and np.sum({acc} * {acc}) < 50.0"
            self.emit(f"while {test}:")
            self.emit(f"{acc} = np.cos({acc}) * {w} + 0.25", 2)
            self.emit(f"{counter} = {counter} + 1", 2)
            self.vars.append((acc, shape))
        else:
            (x, sx), (y, sy) = self.pick_pair()
            pair, name = self.fresh(), self.fresh()
            self.emit(f"{pair} = ({x}, {y})")
            self.emit(f"{name} = {pair}[0] * {pair}[1]")
            self.vars.append((name, _broadcast(sx, sy)))


@st.composite
def programs(draw, max_statements=8):
    """A random module whose `f` returns a scalar (see the module docstring)."""
    n_inputs = draw(st.integers(1, 3))
    shapes = [draw(st.sampled_from(SHAPES)) for _ in range(n_inputs)]
    params = [("abc"[k], s) for k, s in enumerate(shapes)]
    writer = _Writer(draw, params)
    for _ in range(draw(st.integers(1, max_statements))):
        writer.statement()
    # the output mixes the last variable with a few others, so most statements matter
    last = writer.vars[-1][0]
    others = draw(st.lists(st.sampled_from([v for v, _ in writer.vars]), max_size=2))
    terms = [f"np.sum({last})"] + [f"np.mean({v} * {v})" for v in others]
    writer.emit("return " + " + ".join(terms))
    header = "import numpy as np\nimport transgrad as tg\n" + HELPERS
    source = header + f"\n\ndef f({', '.join(p for p, _ in params)}):\n" + "\n".join(
        writer.lines) + "\n"
    seed = draw(st.integers(0, 2 ** 16))
    return Program(source, shapes, seed)


# -- running --------------------------------------------------------------------------------

def load(source, directory):
    """Import `source` as a module from a file of its own (named by its hash)."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:16]
    name = f"fuzz_program_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    path = os.path.join(directory, f"{name}.py")
    with open(path, "w") as handle:
        handle.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def finite_differences(f, args, h=1e-6):
    grads = []
    for k, arg in enumerate(args):
        base = np.array(arg, dtype=float)
        g = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            plus, minus = base.copy(), base.copy()
            plus[idx] += h
            minus[idx] -= h
            up = list(args)
            down = list(args)
            up[k] = float(plus) if base.shape == () else plus
            down[k] = float(minus) if base.shape == () else minus
            g[idx] = (f(*up) - f(*down)) / (2 * h)
        grads.append(g)
    return grads


def _close(a, b, rtol, atol):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol)


def check(program, directory):
    """Compare every column on `program`; return the number of columns compared."""
    module = load(program.source, directory)
    f = module.f
    args = program.inputs()
    with np.errstate(all="ignore"):
        value = f(*args)
        fd = finite_differences(f, args)
    assume(np.isfinite(value) and abs(value) < 1e6)
    assume(all(np.all(np.isfinite(g)) and np.all(np.abs(g) < 1e6) for g in fd))
    scale = 1.0 + max(float(np.max(np.abs(g), initial=0.0)) for g in fd)
    where = f"\n--- program ---\n{program!r}"

    positions = tuple(range(len(args)))
    value_c, grads_c = tg.value_and_grad(f, argnums=positions)(*args)
    assert np.allclose(value_c, value, rtol=1e-12, atol=1e-12), (
        f"compiled value {value_c} != {value}{where}")
    for k in positions:
        assert np.shape(grads_c[k]) == np.shape(args[k]), (
            f"compiled gradient {k} has shape {np.shape(grads_c[k])}, input {np.shape(args[k])}"
            f"{where}")
        # central differences err by ~h^2 f''': trusted only where the function is not steep
        # (the exact columns are compared with each other whatever the scale)
        assert scale > 1e3 or _close(grads_c[k], fd[k], 1e-5, 1e-6 * scale), (
            f"compiled gradient {k} = {grads_c[k]!r} but finite differences give {fd[k]!r}{where}")

    tensors = [tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in args]
    out = f(*tensors)
    assert np.allclose(float(out.detach().numpy()), value, rtol=1e-12, atol=1e-12), (
        f"eager value {out} != {value}{where}")
    out.backward()
    for k, t in enumerate(tensors):
        eager = np.zeros(np.shape(args[k])) if t.grad is None else t.grad.numpy()
        assert _close(eager, grads_c[k], 1e-9, 1e-10 * scale), (
            f"eager gradient {k} = {eager!r} but compiled gives {grads_c[k]!r}{where}")
    columns = 3

    out_v, back = tg.vjp(f, *args)
    assert np.allclose(out_v, value, rtol=1e-12, atol=1e-12), f"vjp value {out_v} != {value}{where}"
    for k, g in enumerate(back(1.0)):
        assert _close(g, grads_c[k], 1e-12, 1e-12 * scale), (
            f"vjp gradient {k} = {g!r} but tg.grad gives {grads_c[k]!r}{where}")
    columns += 1

    if hasattr(tg, "compile"):
        compiled = tg.compile(f)
        tensors = [tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in args]
        out = compiled(*tensors)
        assert np.allclose(float(out.detach().numpy()), value, rtol=1e-12, atol=1e-12), (
            f"tg.compile value {out} != {value}{where}")
        out.backward()
        for k, t in enumerate(tensors):
            got = np.zeros(np.shape(args[k])) if t.grad is None else t.grad.numpy()
            assert _close(got, grads_c[k], 1e-12, 1e-12 * scale), (
                f"tg.compile gradient {k} = {got!r} but tg.grad gives {grads_c[k]!r}{where}")
        columns += 1

    if hasattr(tg, "jvp"):
        rng = np.random.default_rng(program.seed + 1)
        tangents = tuple(float(rng.normal()) if np.shape(a) == () else rng.normal(size=np.shape(a))
                         for a in args)
        out_f, tangent_out = tg.jvp(f, tuple(args), tangents)
        expected = sum(float(np.sum(np.asarray(g) * t)) for g, t in zip(grads_c, tangents))
        assert np.allclose(out_f, value, rtol=1e-12, atol=1e-12), (
            f"forward-mode value {out_f} != {value}{where}")
        assert np.allclose(tangent_out, expected, rtol=1e-8, atol=1e-9 * scale), (
            f"forward-mode tangent {tangent_out} but reverse gives {expected}{where}")
        columns += 1

    if hasattr(tg, "hessian"):
        columns += _check_batched(f, args, grads_c, scale, where)
    return columns


def _check_batched(f, args, grads_c, scale, where):
    """Derivative matrices computed with one batch of seeds (compiler/batching.py) equal
    those computed one seed at a time, and the batch was actually used: the Hessian (forward
    over reverse, batched tangents) and the Jacobian of the gradient in reverse mode
    (reverse over reverse, batched cotangents)."""
    p = max(range(len(args)), key=lambda k: np.size(args[k]))
    checks = [("hessian", lambda v: tg.hessian(f, p, vectorize=v)),
              ("reverse-mode Jacobian of the gradient",
               lambda v: tg.jacobian(tg.grad(f, p), p, mode="reverse", vectorize=v))]
    compared = 0
    for label, make in checks:
        batched, looped = make(True), make(False)
        try:
            want = looped(*args)
        except tg.TransgradError:
            # second order of this program is refused (loudly) one seed at a time too: a
            # limit of higher-order code, not of batching (counted in SECOND_ORDER_REFUSED)
            SECOND_ORDER_REFUSED[label] = SECOND_ORDER_REFUSED.get(label, 0) + 1
            continue
        got = batched(*args)
        assert batched.batched, f"the batched {label} fell back: {batched.fallback_reason}{where}"
        assert _close(got, want, 1e-12, 1e-12 * scale), (
            f"batched {label} = {got!r} but one seed at a time gives {want!r}{where}")
        compared += 1
    return compared


SECOND_ORDER_REFUSED = {}


# -- more statement kinds (each keeps the writer's shapes exact) -----------------------------

def _rows(w):
    """`for [k,] row in [enumerate(]X[)]: acc = acc + ...` over the rows of an array."""
    picked = w.pick(lambda s: len(s) >= 1)
    if picked is None:
        return _augmented(w)
    x, sx = picked
    (y, sy) = w.pick(lambda s: _compatible(s, sx[1:])) or ("0.5", ())
    acc = w.fresh()
    shape = _broadcast(sx[1:], sy)
    w.emit(f"{acc} = 0.0")
    if w.draw(st.booleans()):
        w.emit(f"for k, row in enumerate({x}):")
        w.emit(f"{acc} = {acc} + np.sin(row) * {y} * k", 2)
    else:
        w.emit(f"for row in {x}:")
        w.emit(f"{acc} = {acc} + row * np.cos({y})", 2)
    w.vars.append((acc, shape))


def _list(w):
    (x, sx), (y, sy) = w.pick_pair()
    items, name = w.fresh(), w.fresh()
    w.emit(f"{items} = []")
    w.emit(f"for i in range({w.draw(st.integers(1, 3))}):")
    w.emit(f"{items}.append({x} * i + np.tanh({y}))", 2)
    reduce = w.draw(st.sampled_from(["sum({0})", "{0}[0] * {0}[-1]", "{0}[-1]"]))
    w.emit(f"{name} = {reduce.format(items)}")
    w.vars.append((name, _broadcast(sx, sy)))


def _comprehension(w):
    (x, sx), (y, sy) = w.pick_pair()
    name = w.fresh()
    cond = w.draw(st.sampled_from(["", " if k != 1"]))
    w.emit(f"{name} = sum([np.sin({x} * k) * {y} for k in range(3){cond}])")
    w.vars.append((name, _broadcast(sx, sy)))


def _setindex(w):
    picked = w.pick(lambda s: len(s) >= 1)
    if picked is None:
        return _augmented(w)
    x, sx = picked
    (y, _) = w.pick_fitting(sx[1:])
    name = w.fresh()
    w.emit(f"{name} = {x} * 1.0")
    index = w.draw(st.sampled_from(["0", "-1"]))
    # (reading name[index] itself here would make the eager tape refuse, as PyTorch does:
    # the product saves a view that the assignment then changes)
    w.emit(f"{name}[{index}] = np.sin({y}) * {x}[{index}]")
    w.vars.append((name, sx))


def _break(w):
    name, shape = w.pick()
    (u, _) = w.pick_fitting(shape)
    acc = w.fresh()
    word = w.draw(st.sampled_from(["break", "continue"]))
    w.emit(f"{acc} = {name} * 1.0")
    w.emit("for i in range(4):")
    w.emit(f"if np.sum({acc}) > {w.draw(st.sampled_from(['0.5', '1.5', '-0.5']))}:", 2)
    w.emit(word, 3)
    w.emit(f"{acc} = np.tanh({acc} + {u}) * 1.5", 2)
    w.vars.append((acc, shape))


def _augmented(w):
    name, shape = w.pick()
    (u, _) = w.pick_fitting(shape)
    acc = w.fresh()
    w.emit(f"{acc} = {name} + 0.0")
    w.emit(f"{acc} {w.draw(st.sampled_from(['+=', '-=']))} np.sin({u})")
    w.vars.append((acc, shape))


def _ifexp(w):
    (x, sx), (y, sy) = w.pick_pair()
    (c, _) = w.pick()
    name = w.fresh()
    w.emit(f"{name} = {x} * {y} if np.sum({c}) > 0.0 else {x} - np.sin({y})")
    w.vars.append((name, _broadcast(sx, sy)))


def _dict(w):
    (x, sx), (y, sy) = w.pick_pair()
    table, name = w.fresh(), w.fresh()
    w.emit(f'{table} = {{"u": {x}, "w": np.cos({y})}}')
    w.emit(f'{name} = {table}["u"] * {table}["w"]')
    w.vars.append((name, _broadcast(sx, sy)))


def _unpack(w):
    (x, sx), (y, sy) = w.pick_pair()
    first, second = w.fresh(), w.fresh()
    w.emit(f"{first}, {second} = helper_pair({x}, {y})")
    shape = _broadcast(sx, sy)
    w.vars += [(first, shape), (second, shape)]


def _nested(w):
    name, shape = w.pick()
    (u, _) = w.pick_fitting(shape)
    acc = w.fresh()
    w.emit(f"{acc} = {name}")
    w.emit(f"for i in range({w.draw(st.integers(1, 3))}):")
    w.emit(f"if np.sum({acc}) > 0.0:", 2)
    w.emit(f"{acc} = {acc} * np.cos({u})", 3)
    w.emit("else:", 2)
    w.emit(f"{acc} = {acc} + np.sin({u}) * i", 3)
    w.vars.append((acc, shape))


def _early_return(w):
    (c, _) = w.pick()
    (x, _) = w.pick()
    w.emit(f"if np.sum({c}) > 1.0:")
    w.emit(f"return np.sum(np.sin({x})) * 2.0", 2)


def _overwrite(w):
    """Rebind an existing variable (parameters too): values a backward pass reads are
    overwritten, so the compiler must save them."""
    name, shape = w.pick()
    (u, _) = w.pick_fitting(shape)
    template = w.draw(st.sampled_from(["{v} = np.sin({v}) * {u}", "{v} = {v} * {v} + {u}",
                                       "{v} = np.tanh({v} - {u}) * {v}"]))
    w.emit(template.format(v=name, u=u))


def _list_loop(w):
    (x, sx), (y, sy) = w.pick_pair()
    items, acc = w.fresh(), w.fresh()
    w.emit(f"{items} = [{x}, np.sin({y}), {x} * {y}]")
    w.emit(f"{acc} = {items}[0] * 0.0")
    w.emit(f"for i in range(3):")
    w.emit(f"{acc} = {acc} + {items}[i] * {items}[2 - i]", 2)
    w.vars.append((acc, _broadcast(sx, sy)))


def _setindex_loop(w):
    picked = w.pick(lambda s: len(s) >= 1 and s[0] >= 2)
    if picked is None:
        return _overwrite(w)
    x, sx = picked
    (y, _) = w.pick_fitting(sx[1:])
    acc = w.fresh()
    w.emit(f"{acc} = {x} + 0.0")
    w.emit(f"for i in range({sx[0] - 1}):")
    # (a product with a view acc[...] would save that view, which the assignment changes:
    # the eager tape refuses, as PyTorch does; sums and scaling by constants save nothing)
    w.emit(f"{acc}[i + 1] = {acc}[i] * 0.5 + np.cos({y}) + {acc}[i + 1]", 2)
    w.vars.append((acc, sx))


def _while_break(w):
    name, shape = w.pick()
    (u, _) = w.pick_fitting(shape)
    acc, n = w.fresh(), w.fresh()
    w.emit(f"{acc} = {name} * 1.0")
    w.emit(f"{n} = 0")
    w.emit(f"while {n} < 4:")
    w.emit(f"{acc} = np.sin({acc}) + {u}", 2)
    w.emit(f"{n} = {n} + 1", 2)
    w.emit(f"if np.sum({acc} * {acc}) > 2.0:", 2)
    w.emit("break", 3)
    w.vars.append((acc, shape))


def _loop_return(w):
    name, shape = w.pick()
    (u, _) = w.pick_fitting(shape)
    acc = w.fresh()
    w.emit(f"{acc} = {name} * 1.0")
    w.emit("for i in range(3):")
    w.emit(f"{acc} = np.cos({acc}) * {u}", 2)
    w.emit(f"if np.sum({acc}) > 1.2:", 2)
    w.emit(f"return np.sum({acc} * {acc})", 3)
    w.vars.append((acc, shape))


def _int_arith(w):
    name, shape = w.pick()
    out = w.fresh()
    w.emit(f"{out} = {name} * 2 + 3 - {name} / 4 + {name} ** 2 % 5 * 0")
    w.vars.append((out, shape))


EXTRA = {"overwrite": _overwrite, "list_loop": _list_loop, "setindex_loop": _setindex_loop,
         "while_break": _while_break, "loop_return": _loop_return, "int_arith": _int_arith,
         "rows": _rows, "list": _list, "comprehension": _comprehension, "setindex": _setindex,
         "break": _break, "augmented": _augmented, "ifexp": _ifexp, "dict": _dict,
         "unpack": _unpack, "nested": _nested, "early_return": _early_return}
