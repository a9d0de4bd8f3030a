"""Sequences: stored queries over one machine part's binary captures (table ``data_sequences``).

A sequence names a part, resource filters (resource name, optionally a capture
method) and a closed time window; its binary data is worked out on every read:
the part's non-internal captures whose component matches a filter and whose
capture time lies in the window, oldest first (see ``services/data_sequences.py``
for the RPCs).  Which datasets hold which sequences is the datasets backend's
(``dataset_sequences``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..context import EmulatorContext
from ..store import Store
from ..stored import json_list, to_micros
from ._sql import typed
from .captures import BinaryRow, binary_row

__all__ = [
    "CAPTURED",
    "SCHEMA",
    "SequenceRow",
    "SequencesBackend",
    "sequence_binary_rows",
    "sequences_in_dataset",
]

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


@dataclass(frozen=True)
class SequenceRow:
    """One sequence; times in microseconds since the epoch, resources as (name, method) pairs."""

    seq: int
    id: str
    organization_id: str
    part_id: str
    resources: tuple[tuple[str, str], ...]
    tags: tuple[str, ...]
    start_time: int
    end_time: int
    created_at: int
    updated_at: int


def _sequence(row: sqlite3.Row) -> SequenceRow:
    return typed(
        SequenceRow,
        row,
        resources=tuple((str(name), str(method)) for name, method in json.loads(row["resources"])),
        tags=tuple(json_list(row["tags"])),
    )


def sequences_in_dataset(
    store: Store, dataset_id: str, *, after: int = 0, limit: int | None = None
) -> list[SequenceRow]:
    """The sequences a dataset holds, oldest first (``after``: a ``seq`` to resume past)."""
    sql = (
        "SELECT s.* FROM data_sequences s JOIN dataset_sequences m ON m.sequence_id = s.id "
        "WHERE m.dataset_id = ? AND s.seq > ? ORDER BY s.seq"
    )
    params: list[Any] = [dataset_id, after]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [_sequence(r) for r in store.all(sql, params)]


def sequence_binary_rows(
    store: Store, row: SequenceRow, *, after: tuple[int, int] | None = None, limit: int | None = None
) -> list[BinaryRow]:
    """The binary captures of the sequence, oldest capture first (``after``: a (time, seq) to resume past).

    Each row's ``captured`` holds its capture time.
    """
    matches: list[str] = []
    params: list[Any] = [row.organization_id, row.part_id, row.start_time, row.end_time]
    for name, method in row.resources:
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
    return [binary_row(r) for r in store.all(sql, params)]


class SequencesBackend:
    """The sequences of every organization, over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def find(self, sequence_id: str) -> SequenceRow | None:
        row = self.store.one("SELECT * FROM data_sequences WHERE id = ?", (sequence_id,))
        return None if row is None else _sequence(row)

    def of_organization(self, org_id: str, *, after: int, limit: int) -> list[SequenceRow]:
        """The organization's sequences, oldest first, past ``seq`` ``after``."""
        rows = self.store.all(
            "SELECT * FROM data_sequences WHERE organization_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (org_id, after, limit),
        )
        return [_sequence(r) for r in rows]

    def in_dataset(self, dataset_id: str, *, after: int, limit: int) -> list[SequenceRow]:
        return sequences_in_dataset(self.store, dataset_id, after=after, limit=limit)

    def count_in_dataset(self, dataset_id: str) -> int:
        row = self.store.one(
            "SELECT COUNT(*) AS n FROM dataset_sequences WHERE dataset_id = ?", (dataset_id,)
        )
        return int(row["n"]) if row is not None else 0

    def binary_rows(
        self, row: SequenceRow, *, after: tuple[int, int] | None = None, limit: int | None = None
    ) -> list[BinaryRow]:
        return sequence_binary_rows(self.store, row, after=after, limit=limit)

    def create(
        self,
        org_id: str,
        part_id: str,
        resources: Sequence[Sequence[str]],
        tags: Sequence[str],
        start: int,
        end: int,
    ) -> str:
        sequence_id = self.ctx.new_id()
        now = self._now()
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO data_sequences(id, organization_id, part_id, resources, tags, start_time, end_time, "
                "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    sequence_id,
                    org_id,
                    part_id,
                    json.dumps([list(r) for r in resources]),
                    json.dumps(list(tags)),
                    start,
                    end,
                    now,
                    now,
                ),
            )
        return sequence_id

    def update(
        self, sequence_id: str, resources: Sequence[Sequence[str]], tags: Sequence[str], start: int, end: int
    ) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE data_sequences SET resources = ?, tags = ?, start_time = ?, end_time = ?, updated_at = ? "
                "WHERE id = ?",
                (
                    json.dumps([list(r) for r in resources]),
                    json.dumps(list(tags)),
                    start,
                    end,
                    self._now(),
                    sequence_id,
                ),
            )

    def delete(self, sequence_id: str) -> None:
        """Delete the sequence and its dataset memberships (the captures stay)."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM dataset_sequences WHERE sequence_id = ?", (sequence_id,))
            db.execute("DELETE FROM data_sequences WHERE id = ?", (sequence_id,))

    def _now(self) -> int:
        return to_micros(self.ctx.now())
