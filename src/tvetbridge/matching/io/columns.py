"""Columns of a query as NumPy arrays, fast on PostgreSQL, plain elsewhere.

On PostgreSQL each column is read as packed binary values straight into NumPy (a few big values
instead of a message per row), and a big query can run on a second connection meanwhile; on other
databases a plain cursor fetch. Queries are raw SQL built by the caller from model table names.
"""

from __future__ import annotations

import numpy as np
from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


_SEND = {"i": ("int8send", ">i8", np.int64), "f": ("float8send", ">f8", np.float64)}


def binary_cursor():
    """A psycopg cursor on Django's connection (same transaction) that can fetch binary results —
    Django's own cursors bind client-side, which rules binary out."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def columns(sql: str, kinds: str) -> list[np.ndarray]:
    """The columns of a query whose values are all non-null, ``kinds`` one letter per column:
    ``i`` int8 or ``f`` float8 → one NumPy array per column, rows in the query's order only where
    the query is not aggregated on PostgreSQL (callers sort by key).

    On PostgreSQL each column comes back as one ``bytea``: the server packs the values with
    ``int8send``/``float8send`` and ``string_agg``, so the client reads a few big values (viewed as
    NumPy arrays) instead of a message per row — a column may hold up to ~10⁸ values (1 GiB).
    Elsewhere a plain fetch."""
    if is_postgres():
        names = ", ".join(f"c{i}" for i in range(len(kinds)))
        aggs = ", ".join(f"string_agg({_SEND[kind][0]}(x.c{i}), ''::bytea)" for i, kind in enumerate(kinds))
        with binary_cursor() as cur:
            cur.execute(f"SELECT {aggs} FROM ({sql}) AS x({names})", binary=True)
            row = cur.fetchone()
        return [np.frombuffer(b or b"", dtype=_SEND[kind][1]).astype(_SEND[kind][2])
                for b, kind in zip(row, kinds, strict=True)]
    with connection.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall()
    return [np.array([r[i] for r in rows], dtype=np.int64 if kind == "i" else np.float64)
            for i, kind in enumerate(kinds)]


def ids_by_key(sql: str) -> dict:
    """A query of (key, int8 id) rows → {key: ids}; on PostgreSQL one packed ``bytea`` per key."""
    if is_postgres():
        with binary_cursor() as cur:
            cur.execute(f"SELECT x.k, string_agg(int8send(x.i), ''::bytea) FROM ({sql}) AS x(k, i) GROUP BY x.k",
                        binary=True)
            return {key: np.frombuffer(b, dtype=">i8").astype(np.int64) for key, b in cur.fetchall()}
    with connection.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall()
    out: dict = {}
    for key, i in rows:
        out.setdefault(key, []).append(i)
    return {key: np.array(ids, dtype=np.int64) for key, ids in out.items()}


def meanwhile(fn, *args):
    """Start ``fn(*args)`` and return a function giving its result. On PostgreSQL outside a
    transaction the call runs in a thread on a connection of its own, so the server answers two
    queries at once (a second connection sees the same committed rows; inside a transaction it would
    not see the uncommitted ones, so there the call runs at once, on this connection)."""
    if not is_postgres() or connection.in_atomic_block:
        result = fn(*args)
        return lambda: result
    from concurrent.futures import ThreadPoolExecutor

    def run():
        try:
            return fn(*args)
        finally:
            connection.close()  # the thread's own connection: Django keeps one per thread

    pool = ThreadPoolExecutor(1)
    future = pool.submit(run)
    pool.shutdown(wait=False)
    return future.result


def sorted_by_first(cols: list[np.ndarray]) -> list[np.ndarray]:
    order = np.argsort(cols[0], kind="stable")
    return [c[order] for c in cols]



def int8(expr: str) -> str:
    return f"({expr})::int8" if is_postgres() else expr


def float8(expr: str) -> str:
    return f"({expr})::float8" if is_postgres() else expr
