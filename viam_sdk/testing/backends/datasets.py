"""Datasets: named sets of binary data (or of sequences) within an organization, and their exports.

Tables ``datasets``, ``dataset_members`` (binary data), ``dataset_sequences``
(sequences) and ``sequence_exports``.  Names are unique within an
organization and spelt with letters, digits, ``-`` and ``_``; a sequence
dataset export is a JSON manifest taken at once and kept for
``EXPORT_LIFETIME`` (see ``services/dataset.py``).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from viam_api.app.dataset.v1 import DatasetType

from ..context import EmulatorContext
from ..errors import AlreadyExists, InvalidArgument
from ..stored import from_micros, micros_to_iso, to_micros
from ._sql import marks, typed
from .sequences import sequence_binary_rows, sequences_in_dataset

__all__ = ["EXPORT_LIFETIME", "SCHEMA", "DatasetRow", "DatasetsBackend", "SequenceExport", "check_name"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    name TEXT NOT NULL,
    time_created INTEGER NOT NULL,
    type INTEGER NOT NULL DEFAULT 0,
    UNIQUE (organization_id, name)
);
CREATE TABLE IF NOT EXISTS dataset_members (
    dataset_id TEXT NOT NULL,
    binary_id TEXT NOT NULL,
    PRIMARY KEY (dataset_id, binary_id)
);
CREATE INDEX IF NOT EXISTS dataset_members_by_binary ON dataset_members(binary_id);
CREATE TABLE IF NOT EXISTS dataset_sequences (
    dataset_id TEXT NOT NULL,
    sequence_id TEXT NOT NULL,
    PRIMARY KEY (dataset_id, sequence_id)
);
CREATE INDEX IF NOT EXISTS dataset_sequences_by_sequence ON dataset_sequences(sequence_id);
CREATE TABLE IF NOT EXISTS sequence_exports (
    job_id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    dataset_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    completed_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    manifest TEXT NOT NULL
);
"""

EXPORT_LIFETIME = timedelta(hours=24)

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def check_name(name: str) -> str:
    """``name`` when it is a valid dataset name; INVALID_ARGUMENT otherwise."""
    if not _NAME.match(name):
        raise InvalidArgument(f"dataset name {name!r} is not valid: use 1 to 100 letters, digits, '-' or '_'")
    return name


@dataclass(frozen=True)
class DatasetRow:
    """One dataset."""

    id: str
    organization_id: str
    name: str
    time_created: datetime | None
    type: DatasetType

    @property
    def holds_sequences(self) -> bool:
        return self.type == DatasetType.DATASET_TYPE_SEQUENCE_DATA


@dataclass(frozen=True)
class SequenceExport:
    """A finished sequence dataset export: its manifest (JSON) and how long it may be downloaded."""

    job_id: str
    organization_id: str
    dataset_id: str
    created_at: datetime | None
    completed_at: datetime | None
    expires_at: datetime | None
    manifest: str

    def downloadable(self, now: datetime) -> bool:
        """Whether the manifest may still be downloaded at ``now``."""
        return self.expires_at is not None and to_micros(now) < to_micros(self.expires_at)


def _dataset(row: sqlite3.Row) -> DatasetRow:
    return typed(
        DatasetRow, row, time_created=from_micros(row["time_created"]), type=DatasetType(row["type"])
    )


class DatasetsBackend:
    """The datasets of every organization, over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    # -- datasets ----------------------------------------------------------------------

    def find(self, dataset_id: str) -> DatasetRow | None:
        row = self.store.one("SELECT * FROM datasets WHERE id = ?", (dataset_id,))
        return None if row is None else _dataset(row)

    def in_organization(self, dataset_id: str, org_id: str) -> bool:
        """Whether ``dataset_id`` is a dataset of ``org_id``."""
        found = self.store.one(
            "SELECT 1 FROM datasets WHERE id = ? AND organization_id = ?", (dataset_id, org_id)
        )
        return found is not None

    def has_members(self, dataset_id: str) -> bool:
        """Whether the dataset holds any binary data."""
        return (
            self.store.one("SELECT 1 FROM dataset_members WHERE dataset_id = ? LIMIT 1", (dataset_id,))
            is not None
        )

    def of_organization(self, org_id: str, kind: DatasetType | None = None) -> list[DatasetRow]:
        """The organization's datasets (of ``kind``, when given), oldest first."""
        params: list[object] = [org_id]
        extra = ""
        if kind is not None:
            extra = " AND type = ?"
            params.append(int(kind))
        rows = self.store.all(
            f"SELECT * FROM datasets WHERE organization_id = ?{extra} ORDER BY time_created, id", params
        )
        return [_dataset(r) for r in rows]

    def create(self, org_id: str, name: str, kind: DatasetType) -> str:
        """Add a dataset and return its id; INVALID_ARGUMENT for a bad name, ALREADY_EXISTS for a taken one."""
        check_name(name)
        dataset_id = self.ctx.new_id()
        try:
            with self.store.transaction() as db:
                db.execute(
                    "INSERT INTO datasets(id, organization_id, name, time_created, type) VALUES (?,?,?,?,?)",
                    (dataset_id, org_id, name, to_micros(self.ctx.now()), int(kind)),
                )
        except sqlite3.IntegrityError:
            raise AlreadyExists(f"organization {org_id!r} already has a dataset named {name!r}") from None
        return dataset_id

    def rename(self, dataset: DatasetRow, name: str) -> None:
        check_name(name)
        try:
            with self.store.transaction() as db:
                db.execute("UPDATE datasets SET name = ? WHERE id = ?", (name, dataset.id))
        except sqlite3.IntegrityError:
            raise AlreadyExists(
                f"organization {dataset.organization_id!r} already has a dataset named {name!r}",
            ) from None

    def delete(self, dataset_id: str) -> None:
        """Delete the dataset and its memberships (the data itself stays)."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM dataset_members WHERE dataset_id = ?", (dataset_id,))
            db.execute("DELETE FROM dataset_sequences WHERE dataset_id = ?", (dataset_id,))
            db.execute("DELETE FROM datasets WHERE id = ?", (dataset_id,))

    def merge(self, org_id: str, name: str, dataset_ids: Sequence[str]) -> str:
        """A new binary dataset holding every member of ``dataset_ids``; its id."""
        with self.store.transaction() as db:
            new_id = self.create(org_id, name, DatasetType.DATASET_TYPE_BINARY_DATA)
            db.execute(
                "INSERT OR IGNORE INTO dataset_members(dataset_id, binary_id) "
                f"SELECT DISTINCT ?, binary_id FROM dataset_members WHERE dataset_id IN ({marks(len(dataset_ids))})",
                (new_id, *dataset_ids),
            )
        return new_id

    # -- members ------------------------------------------------------------------------

    def add_binaries(self, dataset_id: str, binary_ids: Sequence[str]) -> None:
        with self.store.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO dataset_members(dataset_id, binary_id) VALUES (?, ?)",
                [(dataset_id, b) for b in binary_ids],
            )

    def remove_binaries(self, dataset_id: str, binary_ids: Sequence[str]) -> None:
        with self.store.transaction() as db:
            db.executemany(
                "DELETE FROM dataset_members WHERE dataset_id = ? AND binary_id = ?",
                [(dataset_id, b) for b in binary_ids],
            )

    def add_sequences(self, dataset_id: str, sequence_ids: Sequence[str]) -> None:
        with self.store.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO dataset_sequences(dataset_id, sequence_id) VALUES (?, ?)",
                [(dataset_id, s) for s in sequence_ids],
            )

    def remove_sequences(self, dataset_id: str, sequence_ids: Sequence[str]) -> None:
        with self.store.transaction() as db:
            db.executemany(
                "DELETE FROM dataset_sequences WHERE dataset_id = ? AND sequence_id = ?",
                [(dataset_id, s) for s in sequence_ids],
            )

    def datasets_of_sequence(self, sequence_id: str) -> list[str]:
        """The ids of the datasets holding the sequence, sorted."""
        rows = self.store.all(
            "SELECT dataset_id FROM dataset_sequences WHERE sequence_id = ? ORDER BY dataset_id",
            (sequence_id,),
        )
        return [str(r["dataset_id"]) for r in rows]

    # -- sequence exports -----------------------------------------------------------------

    def start_export(self, dataset: DatasetRow) -> str:
        """Take the manifest of a sequence dataset now and store it as a finished export; its job id."""
        job_id = self.ctx.new_id()
        now = to_micros(self.ctx.now())
        manifest = self._manifest(job_id, dataset, now)
        expires = now + int(EXPORT_LIFETIME.total_seconds()) * 1_000_000
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO sequence_exports(job_id, organization_id, dataset_id, created_at, completed_at, "
                "expires_at, manifest) VALUES (?,?,?,?,?,?,?)",
                (job_id, dataset.organization_id, dataset.id, now, now, expires, manifest),
            )
        return job_id

    def export(self, job_id: str) -> SequenceExport | None:
        row = self.store.one("SELECT * FROM sequence_exports WHERE job_id = ?", (job_id,))
        if row is None:
            return None
        return typed(
            SequenceExport,
            row,
            created_at=from_micros(row["created_at"]),
            completed_at=from_micros(row["completed_at"]),
            expires_at=from_micros(row["expires_at"]),
        )

    def _manifest(self, job_id: str, dataset: DatasetRow, created: int) -> str:
        sequences = [
            {
                "id": r.id,
                "part_id": r.part_id,
                "resources": [{"resource_name": n, "method_name": m} for n, m in r.resources],
                "sequence_tags": list(r.tags),
                "start_time": micros_to_iso(r.start_time),
                "end_time": micros_to_iso(r.end_time),
                "binary_data_ids": [b.id for b in sequence_binary_rows(self.store, r)],
            }
            for r in sequences_in_dataset(self.store, dataset.id)
        ]
        return json.dumps(
            {
                "job_id": job_id,
                "dataset_id": dataset.id,
                "dataset_name": dataset.name,
                "organization_id": dataset.organization_id,
                "created_at": micros_to_iso(created),
                "sequences": sequences,
            },
            sort_keys=True,
        )
