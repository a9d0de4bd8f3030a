"""Sequences: stored queries over one machine part's binary captures (table ``data_sequences``).

A sequence names a part, resource filters (resource name, optionally a capture
method) and a closed time window; its binary data is worked out on every read
(see ``services/data_sequences.py`` for the rules the handlers serve).  Which
datasets hold which sequences is the datasets backend's (``dataset_sequences``).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..store import Store

__all__ = ["CAPTURED", "SCHEMA", "resources_of", "sequence_binary_rows", "sequences_in_dataset"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS data_sequences (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    part_id TEXT NOT NULL,
    resources TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    start_time INTEGER NOT NULL,
    end_time INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS data_sequences_by_org ON data_sequences(organization_id, seq);
"""

#: When a binary capture was taken: its request time, else its receive time.
CAPTURED = "COALESCE(b.time_requested, b.time_received)"


def resources_of(row: sqlite3.Row) -> list[tuple[str, str]]:
    """The sequence's resource filters as (resource name, method name) pairs."""
    return [(str(name), str(method)) for name, method in json.loads(row["resources"])]


def sequences_in_dataset(store: Store, dataset_id: str) -> list[sqlite3.Row]:
    """The sequences a dataset holds, oldest first."""
    return store.all(
        "SELECT s.* FROM data_sequences s JOIN dataset_sequences m ON m.sequence_id = s.id "
        "WHERE m.dataset_id = ? ORDER BY s.seq",
        (dataset_id,),
    )


def sequence_binary_rows(
    store: Store, row: sqlite3.Row, *, after: tuple[int, int] | None = None, limit: int | None = None
) -> list[sqlite3.Row]:
    """The binary data rows of the sequence, oldest capture first (``after``: a (time, seq) to resume past)."""
    matches: list[str] = []
    params: list[Any] = [row["organization_id"], row["part_id"], row["start_time"], row["end_time"]]
    for name, method in resources_of(row):
        clause = "(b.component_name = ? OR b.component_type || '/' || b.component_name = ?)"
        params += [name, name]
        if method:
            clause = f"({clause} AND b.method_name = ?)"
            params.append(method)
        matches.append(clause)
    sql = (
        f"SELECT b.*, {CAPTURED} AS captured FROM data_binary b WHERE b.organization_id = ? AND b.part_id = ? "
        f"AND b.internal = 0 AND {CAPTURED} BETWEEN ? AND ? AND ({' OR '.join(matches) or '0'})"
    )
    if after is not None:
        sql += f" AND ({CAPTURED}, b.seq) > (?, ?)"
        params += list(after)
    sql += f" ORDER BY {CAPTURED}, b.seq"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return store.all(sql, params)
