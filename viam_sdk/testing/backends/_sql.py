"""Small helpers every backend shares: whether a table is there, and one-column answers.

A backend may read a table another area owns only when that area's service
module is loaded (``Emulator(service_modules=...)`` can leave it out), so it
asks :func:`table_exists` first.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence
from typing import Any, TypeVar

from ..store import Store

__all__ = ["marks", "number", "table_exists", "typed"]

T = TypeVar("T")


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


def typed(cls: type[T], row: sqlite3.Row, **decoded: Any) -> T:
    """The dataclass ``cls`` filled from the columns of ``row`` that bear its fields' names.

    ``decoded`` gives the fields whose stored form needs converting (JSON,
    timestamps, enums); every other field takes its column as SQLite returns it
    (a field with a default may be missing from the row).
    """
    columns = set(row.keys())
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in decoded:
            values[f.name] = decoded[f.name]
        elif f.name in columns or f.default is dataclasses.MISSING:
            values[f.name] = row[f.name]
    return cls(**values)
