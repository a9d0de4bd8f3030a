"""Small helpers every backend shares: whether a table is there, and one-column answers.

A backend may read a table another area owns only when that area's service
module is loaded (``Emulator(service_modules=...)`` can leave it out), so it
asks :func:`table_exists` first.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..store import Store

__all__ = ["marks", "number", "table_exists"]


def table_exists(store: Store, name: str) -> bool:
    """Whether the database holds a table called ``name``."""
    return store.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) is not None


def number(store: Store, sql: str, params: Sequence[object] = ()) -> float:
    """The first column of the first row of ``sql`` as a float (0.0 for none or NULL)."""
    row = store.one(sql, params)
    return float(row[0] or 0) if row is not None else 0.0


def marks(count: int) -> str:
    """``?,?,...`` for ``count`` parameters of an ``IN (...)`` list."""
    return ",".join("?" * count)
