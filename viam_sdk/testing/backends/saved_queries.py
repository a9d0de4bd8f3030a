"""Saved MQL queries of an organization (table ``saved_queries``).

The handlers are in ``services/data_saved_queries.py``; ``TabularDataByMQL``
runs one by name (``query_prefix_name``) before the caller's stages.  Rules
kept here: a name is unique within its organization (ALREADY_EXISTS), a query
holds at least one stage (INVALID_ARGUMENT), and a list is ordered by name.
The stages are stored as the BSON bytes they came in, one after the other; the
handler has checked that each decodes and is a stage the MQL engine knows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..context import EmulatorContext, parse_iso
from ..errors import AlreadyExists, InvalidArgument, NotFound

__all__ = ["MAX_SAVED_QUERIES", "SCHEMA", "SavedQueriesBackend", "SavedQuery"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_queries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    name TEXT NOT NULL,
    stages BLOB NOT NULL,
    created_on TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (organization_id, name)
);
"""

#: How many saved queries one organization may keep (a cap, as every list the emulator stores has).
MAX_SAVED_QUERIES = 1000


@dataclass(frozen=True)
class SavedQuery:
    """One saved query; ``stages`` are BSON documents, in order."""

    id: str
    organization_id: str
    name: str
    stages: tuple[bytes, ...]
    created_on: datetime | None
    updated_at: datetime | None


def _split(packed: bytes) -> tuple[bytes, ...]:
    """The BSON documents stored one after the other (each starts with its own length)."""
    stages: list[bytes] = []
    at = 0
    while at < len(packed):
        size = int.from_bytes(packed[at : at + 4], "little")
        stages.append(packed[at : at + size])
        at += size
    return tuple(stages)


def _saved(row: sqlite3.Row) -> SavedQuery:
    return SavedQuery(
        id=str(row["id"]),
        organization_id=str(row["organization_id"]),
        name=str(row["name"]),
        stages=_split(bytes(row["stages"])),
        created_on=parse_iso(row["created_on"]),
        updated_at=parse_iso(row["updated_at"]),
    )


def _pack(name: str, stages: Sequence[bytes]) -> bytes:
    if not name.strip():
        raise InvalidArgument("a saved query needs a name")
    if not stages:
        raise InvalidArgument(f"saved query {name!r} has no stages: give at least one")
    for position, stage in enumerate(stages):
        if len(stage) < 5 or int.from_bytes(stage[:4], "little") != len(stage):
            raise InvalidArgument(f"stage {position} of saved query {name!r} is not one BSON document")
    return b"".join(stages)


class SavedQueriesBackend:
    """Saved queries of every organization, over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def create(self, org_id: str, name: str, stages: Sequence[bytes]) -> str:
        """Store a new saved query and return its id (tests seed through this too)."""
        packed = _pack(name, stages)
        query_id, now = self.ctx.new_id(), self.ctx.now_iso()
        with self.store.transaction() as db:
            count = db.execute("SELECT COUNT(*) FROM saved_queries WHERE organization_id = ?", (org_id,)).fetchone()
            if count[0] >= MAX_SAVED_QUERIES:
                raise InvalidArgument(
                    f"organization {org_id!r} has {MAX_SAVED_QUERIES} saved queries, the most it may keep; "
                    "delete one first"
                )
            self._check_free(db, org_id, name, "")
            db.execute(
                "INSERT INTO saved_queries(id, organization_id, name, stages, created_on, updated_at)"
                " VALUES (?,?,?,?,?,?)",
                (query_id, org_id, name, packed, now, now),
            )
        return query_id

    @staticmethod
    def _check_free(db: sqlite3.Connection, org_id: str, name: str, query_id: str) -> None:
        taken = db.execute(
            "SELECT id FROM saved_queries WHERE organization_id = ? AND name = ? AND id != ?",
            (org_id, name, query_id),
        ).fetchone()
        if taken is not None:
            raise AlreadyExists(f"organization {org_id!r} already has a saved query named {name!r}")

    def get(self, query_id: str) -> SavedQuery:
        """The saved query ``query_id``; NOT_FOUND when there is none."""
        if not query_id:
            raise InvalidArgument("a saved query id is required")
        row = self.store.one("SELECT * FROM saved_queries WHERE id = ?", (query_id,))
        if row is None:
            raise NotFound(f"saved query {query_id!r} not found")
        return _saved(row)

    def named(self, org_id: str, name: str) -> SavedQuery:
        """The organization's saved query called ``name``; NOT_FOUND when it has none."""
        row = self.store.one("SELECT * FROM saved_queries WHERE organization_id = ? AND name = ?", (org_id, name))
        if row is None:
            raise NotFound(f"organization {org_id!r} has no saved query named {name!r}")
        return _saved(row)

    def update(self, query: SavedQuery, name: str, stages: Sequence[bytes]) -> None:
        packed = _pack(name, stages)
        with self.store.transaction() as db:
            self._check_free(db, query.organization_id, name, query.id)
            db.execute(
                "UPDATE saved_queries SET name = ?, stages = ?, updated_at = ? WHERE id = ?",
                (name, packed, self.ctx.now_iso(), query.id),
            )

    def delete(self, query: SavedQuery) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM saved_queries WHERE id = ?", (query.id,))

    def of_org(self, org_id: str, limit: int = 0) -> list[SavedQuery]:
        """The organization's saved queries by name (then id); ``limit`` > 0 keeps that many."""
        if limit < 0:
            raise InvalidArgument(f"limit must not be negative (got {limit})")
        rows = self.store.all(
            "SELECT * FROM saved_queries WHERE organization_id = ? ORDER BY name, id LIMIT ?",
            (org_id, limit or -1),
        )
        return [_saved(r) for r in rows]

    def forget_organization(self, org_id: str) -> None:
        """Drop the organization's saved queries (called inside the transaction removing it)."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM saved_queries WHERE organization_id = ?", (org_id,))
