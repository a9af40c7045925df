"""Generated source does not depend on the interpreter's hash seed: the same function gives
the same code in every process (users diff it, export it and read it)."""
import os
import subprocess
import sys
import textwrap

_PROGRAM = textwrap.dedent('''
    import numpy as np
    import transgrad as tg

    def pairs(x, y):
        s = 0.0
        for i in range(3):
            for j in range(3):
                s = s + x[i] * y[j] * np.sin(x[j] - y[i]) + np.cos(x[i] * y[i])
        return s

    def mixed(a, b, c):
        u = a * b
        v = np.tanh(u + c) * a
        w = np.exp(-v * b) + u * c
        return np.sum(w * v * u)

    x = np.linspace(0.1, 0.9, 3)
    y = np.linspace(-0.5, 0.5, 3)
    g = tg.grad(pairs, argnums=(0, 1))
    g(x, y)
    h = tg.grad(mixed, argnums=(0, 1, 2))
    h(x, y, x * y)
    print(g.source)
    print(h.source)
''')


def _source(seed, tmp_path):
    path = tmp_path / "reproducible_program.py"
    path.write_text(_PROGRAM)
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_generated_source_is_the_same_under_every_hash_seed(tmp_path):
    sources = {seed: _source(seed, tmp_path) for seed in (0, 1, 2, 3, 4, 5)}
    assert "def grad_pairs" in sources[0]
    first = sources[0]
    for seed, source in sources.items():
        assert source == first, f"PYTHONHASHSEED={seed} generated different code"
