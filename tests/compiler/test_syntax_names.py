"""`syntax.names_loaded_and_stored`: the names a generated function reads and binds, in one
walk (the module header imports what a function reads and does not bind itself)."""
from transgrad.compiler import syntax as S
from transgrad.compiler.quoting import parse_stmts


def test_one_walk_finds_what_the_two_single_walks_find():
    body = parse_stmts("""
        a, b = np.sin(x), y[i]
        for k in range(n):
            total = total + w[k] * a
            if total > limit:
                out[k] = helper(total, scale=b)
        return total, out
    """)
    loaded, stored = S.names_loaded_and_stored(body)
    assert loaded == S.names_loaded(body)
    assert stored == S.names_stored(body)
    assert loaded == {"np", "x", "y", "i", "range", "n", "total", "w", "k", "a", "limit",
                      "helper", "b", "out"}
    assert stored == {"a", "b", "k", "total"}


def test_a_single_node_is_walked_like_a_list():
    (stmt,) = parse_stmts("z = f(z)")
    assert S.names_loaded_and_stored(stmt) == ({"f", "z"}, {"z"})
