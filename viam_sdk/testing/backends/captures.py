"""Captured data: tabular uploads and their readings, binary captures and files, their bytes and boxes.

Tables (storage layout in ``services/_data_common.py``): ``data_uploads`` (the
capture metadata of one tabular upload) with ``data_tabular`` (its readings),
``data_binary`` (one row per binary capture or file) with ``data_blobs`` (its
bytes, in pieces) and ``data_bboxes`` (its bounding boxes), and
``data_db_users`` (the digest of each organization's database password).
Times are integers, microseconds since the Unix epoch, UTC.

What a caller may see is the handler's to decide; the queries here take a
:class:`~.capture_filter.Scope` (or rows the handler already checked).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from viam_api.app.data.v1 import DeleteTabularFilter, Filter

from ..context import EmulatorContext
from ..errors import NotFound
from ..store import Store
from ..stored import json_list
from ._sql import marks, number, typed
from .capture_filter import Scope, Where, equals, filter_sql, tags_clause

__all__ = [
    "INTERNAL_PREFIX",
    "SCHEMA",
    "BinaryRow",
    "Box",
    "CaptureSource",
    "CapturesBackend",
    "ReadingRow",
    "UploadRow",
    "binary_row",
    "stored_bytes",
    "sweep_orphan_blobs",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS data_uploads (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    location_id TEXT NOT NULL,
    robot_id TEXT NOT NULL,
    robot_name TEXT NOT NULL,
    part_id TEXT NOT NULL,
    part_name TEXT NOT NULL,
    component_type TEXT NOT NULL,
    component_name TEXT NOT NULL,
    method_name TEXT NOT NULL,
    method_parameters TEXT NOT NULL DEFAULT '{}',
    tags TEXT NOT NULL DEFAULT '[]',
    mime_type TEXT NOT NULL DEFAULT '',
    internal INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS data_uploads_by_org ON data_uploads(organization_id);
CREATE TABLE IF NOT EXISTS data_tabular (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    upload_id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    time_requested INTEGER,
    time_received INTEGER NOT NULL,
    data TEXT NOT NULL,
    size_bytes INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS data_tabular_by_org_time ON data_tabular(organization_id, time_received, seq);
CREATE INDEX IF NOT EXISTS data_tabular_by_upload ON data_tabular(upload_id);
CREATE TABLE IF NOT EXISTS data_binary (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    file_id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    location_id TEXT NOT NULL,
    robot_id TEXT NOT NULL,
    robot_name TEXT NOT NULL,
    part_id TEXT NOT NULL,
    part_name TEXT NOT NULL,
    component_type TEXT NOT NULL,
    component_name TEXT NOT NULL,
    method_name TEXT NOT NULL,
    method_parameters TEXT NOT NULL DEFAULT '{}',
    tags TEXT NOT NULL DEFAULT '[]',
    mime_type TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL DEFAULT '',
    file_ext TEXT NOT NULL DEFAULT '',
    time_requested INTEGER,
    time_received INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL DEFAULT 0,
    blob_key TEXT NOT NULL,
    internal INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS data_binary_by_org_time ON data_binary(organization_id, time_received, seq);
CREATE TABLE IF NOT EXISTS data_blobs (
    blob_key TEXT NOT NULL,
    idx INTEGER NOT NULL,
    chunk BLOB NOT NULL,
    PRIMARY KEY (blob_key, idx)
);
CREATE TABLE IF NOT EXISTS data_bboxes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    binary_id TEXT NOT NULL,
    label TEXT NOT NULL,
    x_min REAL NOT NULL,
    y_min REAL NOT NULL,
    x_max REAL NOT NULL,
    y_max REAL NOT NULL,
    confidence REAL
);
CREATE INDEX IF NOT EXISTS data_bboxes_by_binary ON data_bboxes(binary_id);
CREATE TABLE IF NOT EXISTS data_db_users (
    organization_id TEXT PRIMARY KEY,
    salt BLOB NOT NULL,
    digest BLOB NOT NULL,
    updated_at TEXT NOT NULL
);
"""

#: A capture whose component type starts so is internal: hidden unless asked for.
INTERNAL_PREFIX = "viam-internal"
#: How many ids one ``IN (...)`` list takes at most.
_ID_BATCH = 500
_BINARY_FROM = "FROM data_binary b"
_TABULAR_FROM = "FROM data_tabular t JOIN data_uploads m ON m.id = t.upload_id"


# -- typed rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CaptureSource:
    """The machine part an upload comes from, with the names the capture metadata records."""

    org_id: str
    location_id: str
    robot_id: str
    robot_name: str
    part_id: str
    part_name: str


@dataclass(frozen=True)
class _Capture:
    """The capture metadata columns an upload and a binary capture share."""

    organization_id: str
    location_id: str
    robot_id: str
    robot_name: str
    part_id: str
    part_name: str
    component_type: str
    component_name: str
    method_name: str
    method_parameters: str
    tags: tuple[str, ...]
    mime_type: str


@dataclass(frozen=True)
class UploadRow(_Capture):
    """One tabular upload (its readings are :class:`ReadingRow`)."""

    id: str


@dataclass(frozen=True)
class BinaryRow(_Capture):
    """One binary capture or file; ``captured`` is set by the sequence queries only."""

    seq: int
    id: str
    file_id: str
    file_name: str
    file_ext: str
    time_requested: int | None
    time_received: int
    size_bytes: int
    blob_key: str
    internal: int
    captured: int | None = None


@dataclass(frozen=True)
class ReadingRow:
    """One tabular reading; ``upload`` is its upload's metadata when the query joined it."""

    seq: int
    upload_id: str
    time_requested: int | None
    time_received: int
    data: str
    size_bytes: int
    upload: UploadRow | None = None

    @property
    def time_captured(self) -> int:
        return self.time_requested or self.time_received


@dataclass(frozen=True)
class Box:
    """One bounding box on an image (coordinates normalised to [0, 1])."""

    id: str
    binary_id: str
    label: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float
    confidence: float | None


def binary_row(row: sqlite3.Row) -> BinaryRow:
    """The typed form of a ``data_binary`` row (with ``captured`` when the query selected it)."""
    return typed(BinaryRow, row, tags=tuple(json_list(row["tags"])))


def _upload(row: sqlite3.Row) -> UploadRow:
    return typed(UploadRow, row, tags=tuple(json_list(row["tags"])))


class CapturesBackend:
    """Captured data of every organization, over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    # -- writing ----------------------------------------------------------------------------

    def add_tabular(
        self,
        source: CaptureSource,
        *,
        component_type: str,
        component_name: str,
        method_name: str,
        method_parameters: str,
        tags: Sequence[str],
        mime_type: str,
        readings: Sequence[tuple[int | None, int, str]],
    ) -> str:
        """Store a tabular upload: its metadata and its readings as (requested, received, JSON); its id."""
        upload_id = self.ctx.new_id()
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO data_uploads(id, organization_id, location_id, robot_id, robot_name, part_id, part_name, "
                "component_type, component_name, method_name, method_parameters, tags, mime_type, internal) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    upload_id,
                    source.org_id,
                    source.location_id,
                    source.robot_id,
                    source.robot_name,
                    source.part_id,
                    source.part_name,
                    component_type,
                    component_name,
                    method_name,
                    method_parameters,
                    json.dumps(list(dict.fromkeys(tags))),
                    mime_type,
                    int(component_type.startswith(INTERNAL_PREFIX)),
                ),
            )
            db.executemany(
                "INSERT INTO data_tabular(upload_id, organization_id, time_requested, time_received, data, size_bytes) "
                "VALUES (?,?,?,?,?,?)",
                [(upload_id, source.org_id, req, rec, text, len(text)) for req, rec, text in readings],
            )
        return upload_id

    def add_binary(
        self,
        source: CaptureSource,
        *,
        binary_id: str,
        file_id: str,
        blob_key: str,
        pieces: Sequence[bytes],
        size: int,
        component_type: str,
        component_name: str,
        method_name: str,
        method_parameters: str,
        tags: Sequence[str],
        mime_type: str,
        file_name: str,
        file_ext: str,
        time_requested: int | None,
        time_received: int,
        dataset_ids: Sequence[str],
    ) -> None:
        """Record a binary capture or file, in one transaction: the record is what makes it visible.

        ``pieces`` are bytes not yet stored (appended after any already staged
        under ``blob_key``); the capture joins ``dataset_ids``.
        """
        with self.store.transaction() as db:
            start = db.execute("SELECT COUNT(*) FROM data_blobs WHERE blob_key = ?", (blob_key,)).fetchone()[
                0
            ]
            db.executemany(
                "INSERT INTO data_blobs(blob_key, idx, chunk) VALUES (?,?,?)",
                [(blob_key, start + i, piece) for i, piece in enumerate(pieces) if piece],
            )
            db.execute(
                "INSERT INTO data_binary(id, file_id, organization_id, location_id, robot_id, robot_name, part_id, "
                "part_name, component_type, component_name, method_name, method_parameters, tags, mime_type, "
                "file_name, file_ext, time_requested, time_received, size_bytes, blob_key, internal) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    binary_id,
                    file_id,
                    source.org_id,
                    source.location_id,
                    source.robot_id,
                    source.robot_name,
                    source.part_id,
                    source.part_name,
                    component_type,
                    component_name,
                    method_name,
                    method_parameters,
                    json.dumps(list(dict.fromkeys(tags))),
                    mime_type,
                    file_name,
                    file_ext,
                    time_requested,
                    time_received,
                    size,
                    blob_key,
                    int(component_type.startswith(INTERNAL_PREFIX)),
                ),
            )
            db.executemany(
                "INSERT OR IGNORE INTO dataset_members(dataset_id, binary_id) VALUES (?, ?)",
                [(d, binary_id) for d in dataset_ids],
            )

    def stage_piece(self, blob_key: str, index: int, piece: bytes) -> None:
        """Store one piece of an upload still streaming in (not visible until :meth:`add_binary`)."""
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO data_blobs(blob_key, idx, chunk) VALUES (?,?,?)", (blob_key, index, piece)
            )

    def discard(self, blob_key: str) -> None:
        """Drop the staged pieces of an upload that did not finish."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM data_blobs WHERE blob_key = ?", (blob_key,))

    # -- what a binary capture carries ----------------------------------------------------------

    def blob(self, blob_key: str) -> bytes:
        """The whole bytes stored under ``blob_key``."""
        rows = self.store.all("SELECT chunk FROM data_blobs WHERE blob_key = ? ORDER BY idx", (blob_key,))
        return b"".join(bytes(r[0]) for r in rows)

    def boxes(self, binary_id: str) -> list[Box]:
        """The image's bounding boxes, oldest first."""
        rows = self.store.all(
            "SELECT id, binary_id, label, x_min, y_min, x_max, y_max, confidence FROM data_bboxes "
            "WHERE binary_id = ? ORDER BY seq",
            (binary_id,),
        )
        return [typed(Box, r) for r in rows]

    def datasets_of(self, binary_id: str) -> list[str]:
        """The ids of the datasets holding the capture, sorted."""
        rows = self.store.all(
            "SELECT dataset_id FROM dataset_members WHERE binary_id = ? ORDER BY dataset_id", (binary_id,)
        )
        return [str(r[0]) for r in rows]

    # -- binary queries ---------------------------------------------------------------------------

    def binaries(self, ids: Sequence[str]) -> list[BinaryRow]:
        """The binary captures among ``ids`` that exist (in no particular order)."""
        rows: list[BinaryRow] = []
        for start in range(0, len(ids), _ID_BATCH):
            batch = list(ids[start : start + _ID_BATCH])
            found = self.store.all(f"SELECT * FROM data_binary WHERE id IN ({marks(len(batch))})", batch)
            rows.extend(binary_row(r) for r in found)
        return rows

    def binary(self, binary_id: str) -> BinaryRow | None:
        row = self.store.one("SELECT * FROM data_binary WHERE id = ?", (binary_id,))
        return None if row is None else binary_row(row)

    def binary_where(self, scope: Scope, flt: Filter | None, *, include_internal: bool = True) -> Where:
        return filter_sql(scope, flt, meta="b", times="b", binary=True, include_internal=include_internal)

    def binaries_by_filter(
        self, scope: Scope, flt: Filter | None, *, include_internal: bool = True
    ) -> list[BinaryRow]:
        """Every binary capture ``flt`` names within ``scope``, oldest record first."""
        where = self.binary_where(scope, flt, include_internal=include_internal)
        rows = self.store.all(f"SELECT * FROM data_binary b WHERE {where.sql} ORDER BY b.seq", where.params)
        return [binary_row(r) for r in rows]

    def binary_count(self, where: Where) -> tuple[int, int]:
        """(how many, total bytes) of the binary captures ``where`` selects."""
        return self._count(_BINARY_FROM, "b", where)

    def binary_page(
        self, where: Where, *, descending: bool, after: tuple[int, int] | None, limit: int
    ) -> list[BinaryRow]:
        """One page of binary captures by receive time, resuming past ``after`` (time, seq)."""
        rows = self._page("*", _BINARY_FROM, "b", where, descending, after, limit)
        return [binary_row(r) for r in rows]

    def delete_binaries(self, rows: Sequence[BinaryRow]) -> int:
        """Delete binary captures with their bytes, boxes and dataset memberships; how many."""
        with self.store.transaction() as db:
            for row in rows:
                db.execute("DELETE FROM data_blobs WHERE blob_key = ?", (row.blob_key,))
                db.execute("DELETE FROM data_bboxes WHERE binary_id = ?", (row.id,))
                db.execute("DELETE FROM dataset_members WHERE binary_id = ?", (row.id,))
                db.execute("DELETE FROM data_binary WHERE seq = ?", (row.seq,))
        return len(rows)

    def add_tags(self, rows: Sequence[BinaryRow], tags: list[str]) -> None:
        """Add ``tags`` to each capture that lacks them (order kept, no duplicates)."""
        with self.store.transaction() as db:
            for row in rows:
                current = list(row.tags)
                merged = current + [t for t in tags if t not in current]
                if merged != current:
                    db.execute("UPDATE data_binary SET tags = ? WHERE seq = ?", (json.dumps(merged), row.seq))

    def remove_tags(self, rows: Sequence[BinaryRow], tags: list[str]) -> int:
        """Remove ``tags`` from each capture; how many tags were removed in all."""
        removed = 0
        with self.store.transaction() as db:
            for row in rows:
                current = list(row.tags)
                kept = [t for t in current if t not in tags]
                if len(kept) != len(current):
                    removed += len(current) - len(kept)
                    db.execute("UPDATE data_binary SET tags = ? WHERE seq = ?", (json.dumps(kept), row.seq))
        return removed

    def tags(self, scope: Scope, flt: Filter | None) -> list[str]:
        """Every tag of the binary captures and tabular uploads ``flt`` names within ``scope``, sorted."""
        bw = filter_sql(scope, flt, meta="b", times="b", binary=True)
        tw = filter_sql(scope, flt, meta="m", times="t", binary=False)
        rows = self.store.all(
            f"SELECT DISTINCT j.value FROM data_binary b, json_each(b.tags) j WHERE {bw.sql} "
            "UNION SELECT DISTINCT j.value FROM data_uploads m, json_each(m.tags) j WHERE EXISTS "
            f"(SELECT 1 FROM data_tabular t WHERE t.upload_id = m.id AND {tw.sql}) ORDER BY 1",
            [*bw.params, *tw.params],
        )
        return [str(r[0]) for r in rows]

    # -- bounding boxes ------------------------------------------------------------------------

    def add_box(
        self, binary_id: str, label: str, coords: tuple[float, float, float, float], confidence: float | None
    ) -> str:
        box_id = self.ctx.new_id()
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO data_bboxes(id, binary_id, label, x_min, y_min, x_max, y_max, confidence) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (box_id, binary_id, label, *coords, confidence),
            )
        return box_id

    def box(self, binary_id: str, box_id: str) -> Box:
        """The box ``box_id`` of the image; NOT_FOUND when the image has no such box."""
        row = self.store.one("SELECT * FROM data_bboxes WHERE id = ? AND binary_id = ?", (box_id, binary_id))
        if row is None:
            raise NotFound(f"bounding box {box_id!r} not found on {binary_id!r}")
        return typed(Box, row)

    def update_box(self, box_id: str, label: str, coords: Sequence[float], confidence: float | None) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE data_bboxes SET label = ?, x_min = ?, y_min = ?, x_max = ?, y_max = ?, confidence = ? "
                "WHERE id = ?",
                (label, *coords, confidence, box_id),
            )

    def remove_box(self, binary_id: str, box_id: str) -> None:
        """Remove the box; NOT_FOUND when the image has no such box."""
        with self.store.transaction() as db:
            cursor = db.execute("DELETE FROM data_bboxes WHERE id = ? AND binary_id = ?", (box_id, binary_id))
            if cursor.rowcount == 0:
                raise NotFound(f"bounding box {box_id!r} not found on {binary_id!r}")

    def box_labels(self, scope: Scope, flt: Filter | None) -> list[str]:
        """The labels of the boxes on the images ``flt`` names within ``scope``, sorted."""
        where = self.binary_where(scope, flt)
        rows = self.store.all(
            f"SELECT DISTINCT x.label FROM data_bboxes x JOIN data_binary b ON b.id = x.binary_id "
            f"WHERE {where.sql} ORDER BY x.label",
            where.params,
        )
        return [str(r[0]) for r in rows]

    # -- tabular queries ---------------------------------------------------------------------------

    def tabular_where(self, scope: Scope, flt: Filter | None, *, include_internal: bool = True) -> Where:
        where = filter_sql(scope, flt, meta="m", times="t", binary=False, include_internal=include_internal)
        if not scope.org_ids:
            return where
        # The readings' own organization too: SQLite then walks data_tabular_by_org_time in page
        # order and stops at the page's end, instead of sorting every match for every page.
        orgs = list(scope.org_ids)
        return Where(f"t.organization_id IN ({marks(len(orgs))}) AND {where.sql}", [*orgs, *where.params])

    def tabular_count(self, where: Where) -> tuple[int, int]:
        """(how many, total bytes) of the readings ``where`` selects."""
        return self._count(_TABULAR_FROM, "t", where)

    def tabular_page(
        self, where: Where, *, descending: bool, after: tuple[int, int] | None, limit: int
    ) -> list[ReadingRow]:
        """One page of readings by receive time, resuming past ``after`` (time, seq)."""
        columns = "t.seq, t.upload_id, t.time_requested, t.time_received, t.data, t.size_bytes"
        rows = self._page(columns, _TABULAR_FROM, "t", where, descending, after, limit)
        return [typed(ReadingRow, r) for r in rows]

    def _count(self, source: str, alias: str, where: Where) -> tuple[int, int]:
        row = self.store.one(
            f"SELECT COUNT(*), COALESCE(SUM({alias}.size_bytes), 0) {source} WHERE {where.sql}", where.params
        )
        assert row is not None
        return int(row[0]), int(row[1])

    def _page(
        self,
        columns: str,
        source: str,
        alias: str,
        where: Where,
        descending: bool,
        after: tuple[int, int] | None,
        limit: int,
    ) -> list[sqlite3.Row]:
        page_sql, page_params = "", []
        if after is not None:
            page_sql = f" AND ({alias}.time_received, {alias}.seq) {'<' if descending else '>'} (?, ?)"
            page_params = list(after)
        direction = "DESC" if descending else "ASC"
        return self.store.all(
            f"SELECT {columns} {source} WHERE {where.sql}{page_sql} "
            f"ORDER BY {alias}.time_received {direction}, {alias}.seq {direction} LIMIT ?",
            [*where.params, *page_params, limit],
        )

    def uploads(self, upload_ids: Sequence[str]) -> dict[str, UploadRow]:
        """The uploads among ``upload_ids``, by id."""
        found: dict[str, UploadRow] = {}
        for start in range(0, len(upload_ids), _ID_BATCH):
            batch = list(upload_ids[start : start + _ID_BATCH])
            for row in self.store.all(f"SELECT * FROM data_uploads WHERE id IN ({marks(len(batch))})", batch):
                found[str(row["id"])] = _upload(row)
        return found

    def latest_reading(
        self, part_id: str, resource_name: str, method_name: str, subtype: str
    ) -> ReadingRow | None:
        """The newest reading of one resource's method on a part (``subtype`` "" for any)."""
        row = self.store.one(
            "SELECT t.* FROM data_tabular t "
            "JOIN data_uploads m ON m.id = t.upload_id WHERE m.part_id = ? AND m.component_name = ? "
            "AND m.method_name = ? AND (? = '' OR m.component_type = ?) "
            "ORDER BY t.time_received DESC, t.seq DESC LIMIT 1",
            (part_id, resource_name, method_name, subtype, subtype),
        )
        return None if row is None else typed(ReadingRow, row)

    def readings_of(
        self,
        part_id: str,
        resource_name: str,
        method_name: str,
        subtype: str,
        start: int | None,
        end: int | None,
    ) -> list[ReadingRow]:
        """Every reading of one resource's method on a part received in [start, end], oldest first.

        Each comes with its upload's metadata.
        """
        clauses = ["m.part_id = ?", "m.component_name = ?", "m.method_name = ?"]
        params: list[Any] = [part_id, resource_name, method_name]
        if subtype:
            clauses.append("m.component_type = ?")
            params.append(subtype)
        if start is not None:
            clauses.append("t.time_received >= ?")
            params.append(start)
        if end is not None:
            clauses.append("t.time_received <= ?")
            params.append(end)
        rows = self.store.all(
            "SELECT t.seq AS t_seq, t.upload_id, t.time_requested, t.time_received, t.data, t.size_bytes, m.* "
            f"FROM data_tabular t JOIN data_uploads m ON m.id = t.upload_id WHERE {' AND '.join(clauses)} "
            "ORDER BY t.time_received, t.seq",
            params,
        )
        return [typed(ReadingRow, r, seq=r["t_seq"], upload=_upload(r)) for r in rows]

    def delete_tabular(self, org_id: str, *, older_than: int | None, flt: DeleteTabularFilter | None) -> int:
        """Delete the organization's readings received before ``older_than`` that ``flt`` names; how many.

        Uploads left without readings go too.
        """
        clauses = ["t.organization_id = ?"]
        params: list[Any] = [org_id]
        if older_than is not None:
            clauses.append("t.time_received < ?")
            params.append(older_than)
        if flt is not None:
            if flt.location_ids:
                clauses.append(f"m.location_id IN ({marks(len(flt.location_ids))})")
                params.extend(flt.location_ids)
            columns = (
                ("robot_id", flt.robot_id),
                ("part_id", flt.part_id),
                ("component_type", flt.component_type),
                ("component_name", flt.component_name),
                ("method_name", flt.method),
            )
            equals("m", columns, clauses, params)
            tags = tags_clause("m", flt.tags_filter, params)
            if tags:
                clauses.append(tags)
        with self.store.transaction() as db:
            cursor = db.execute(
                "DELETE FROM data_tabular WHERE seq IN (SELECT t.seq FROM data_tabular t "
                f"JOIN data_uploads m ON m.id = t.upload_id WHERE {' AND '.join(clauses)})",
                params,
            )
            deleted = cursor.rowcount
            db.execute(
                "DELETE FROM data_uploads WHERE organization_id = ? AND NOT EXISTS "
                "(SELECT 1 FROM data_tabular t WHERE t.upload_id = data_uploads.id)",
                (org_id,),
            )
        return int(deleted)

    # -- the database user ---------------------------------------------------------------------

    def has_db_user(self, org_id: str) -> bool:
        return self.store.one("SELECT 1 FROM data_db_users WHERE organization_id = ?", (org_id,)) is not None

    def set_db_user(self, org_id: str, salt: bytes, digest: bytes) -> None:
        """Keep the salted digest of the organization's database password (never the password)."""
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO data_db_users(organization_id, salt, digest, updated_at) VALUES (?,?,?,?) "
                "ON CONFLICT(organization_id) DO UPDATE SET salt = excluded.salt, digest = excluded.digest, "
                "updated_at = excluded.updated_at",
                (org_id, salt, digest, self.ctx.now_iso()),
            )


def sweep_orphan_blobs(store: Store) -> tuple[int, int]:
    """Remove stored bytes no binary record references; (pieces, bytes) removed."""
    with store.transaction() as db:
        orphans = "SELECT blob_key FROM data_blobs EXCEPT SELECT blob_key FROM data_binary"
        pieces, size = db.execute(
            f"SELECT COUNT(*), COALESCE(SUM(length(chunk)), 0) FROM data_blobs WHERE blob_key IN ({orphans})"
        ).fetchone()
        if pieces:
            db.execute(f"DELETE FROM data_blobs WHERE blob_key IN ({orphans})")
    return int(pieces), int(size)


def stored_bytes(store: Store, org_id: str) -> tuple[float, float]:
    """(binary, tabular) bytes the organization keeps stored."""
    binary = number(store, "SELECT SUM(size_bytes) FROM data_binary WHERE organization_id = ?", (org_id,))
    tabular = number(store, "SELECT SUM(size_bytes) FROM data_tabular WHERE organization_id = ?", (org_id,))
    return binary, tabular
