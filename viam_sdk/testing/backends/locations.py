"""Locations: their nesting, metadata, sharing with other organizations and secrets
(tables ``locations`` and ``location_shares``: :data:`CORE_SCHEMA`).

The handlers are ``services/app_locations.py``.  Rules kept here: a parent
location belongs to the same organization and nesting never makes a cycle; a
location holding machines or child locations is not deleted; a location is
shared with an organization at most once and never with its owner.  Its
secrets are ``credentials.py``'s (the handler calls it in the same transaction).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from ..context import EmulatorContext
from ..errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from ..store import Store
from ._sql import marks, typed
from .credentials import CredentialsBackend, SecretRow
from .machines import delete_location_rows

__all__ = ["CORE_SCHEMA", "LocationRow", "LocationView", "LocationsBackend", "location_views"]

#: Tables every area joins on (made at start by ``backends.create_core_tables``).
CORE_SCHEMA = """
CREATE TABLE IF NOT EXISTS locations (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    parent_location_id TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS locations_by_org ON locations(organization_id);
-- Organizations a location is shared with (the owner is locations.organization_id).
CREATE TABLE IF NOT EXISTS location_shares (
    location_id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    PRIMARY KEY (location_id, organization_id)
);
"""


@dataclass(frozen=True)
class LocationRow:
    """One location as stored."""

    id: str
    organization_id: str
    name: str
    parent_location_id: str
    region: str
    created_at: str


@dataclass(frozen=True)
class LocationView:
    """A location with what its message shows besides its own columns.

    ``secrets`` is empty unless the caller was allowed to see them.
    """

    location: LocationRow
    shared_with: tuple[str, ...]
    robot_count: int
    secrets: tuple[SecretRow, ...]
    owner_name: str


def _grouped(store: Store, sql: str, ids: Sequence[str]) -> dict[str, list[sqlite3.Row]]:
    """Rows of ``sql`` (which selects ``key`` first, filtered by ``IN ({marks})``) by key."""
    found: dict[str, list[sqlite3.Row]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        for r in store.all(sql.format(marks=marks(len(chunk))), chunk):
            found.setdefault(str(r[0]), []).append(r)
    return found


def location_views(store: Store, rows: Sequence[LocationRow], *, reveal: set[str]) -> list[LocationView]:
    """Locations with their shares, machine counts, owner names and (for ids in ``reveal``) secrets.

    Read in a few queries whatever the number of locations, and kept until the
    database changes (:meth:`Store.memo`).
    """
    rows = tuple(rows)
    shown = frozenset(r.id for r in rows if r.id in reveal)
    return list(store.memo(("location_views", rows, shown), lambda: tuple(_views(store, rows, shown))))


def _views(store: Store, rows: Sequence[LocationRow], reveal: frozenset[str]) -> list[LocationView]:
    ids = [r.id for r in rows]
    shares = _grouped(
        store,
        "SELECT location_id, organization_id FROM location_shares WHERE location_id IN ({marks}) "
        "ORDER BY organization_id",
        ids,
    )
    counts = _grouped(
        store, "SELECT location_id, COUNT(*) AS n FROM robots WHERE location_id IN ({marks}) GROUP BY location_id", ids
    )
    secrets = CredentialsBackend(store).location_secrets([i for i in ids if i in reveal])
    owners = sorted({r.organization_id for r in rows})
    names = {
        k: str(v[0]["name"])
        for k, v in _grouped(store, "SELECT id, name FROM organizations WHERE id IN ({marks})", owners).items()
    }
    return [
        LocationView(
            location=row,
            shared_with=tuple(str(s["organization_id"]) for s in shares.get(row.id, [])),
            robot_count=int(counts[row.id][0]["n"]) if row.id in counts else 0,
            secrets=tuple(secrets.get(row.id, [])),
            owner_name=names.get(row.organization_id, ""),
        )
        for row in rows
    ]


class LocationsBackend:
    """Locations of every organization over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def get(self, location_id: str) -> LocationRow:
        """The location ``location_id``; NOT_FOUND when there is none."""
        row = self.store.one("SELECT * FROM locations WHERE id = ?", (location_id,))
        if row is None:
            raise NotFound(f"location {location_id!r} not found")
        return typed(LocationRow, row)

    def of_org(self, org_id: str) -> list[LocationRow]:
        """The organization's own locations and those shared with it, by name then id."""
        return list(self.store.memo(("LocationsBackend.of_org", org_id), lambda: self._of_org(org_id)))

    def _of_org(self, org_id: str) -> tuple[LocationRow, ...]:
        rows = self.store.all(
            "SELECT * FROM locations WHERE organization_id = ? OR id IN "
            "(SELECT location_id FROM location_shares WHERE organization_id = ?) ORDER BY name, id",
            (org_id, org_id),
        )
        return tuple(typed(LocationRow, r) for r in rows)

    def owned(self, org_id: str) -> list[LocationRow]:
        """The organization's own locations (not those shared with it), by name then id."""
        rows = self.store.all("SELECT * FROM locations WHERE organization_id = ? ORDER BY name, id", (org_id,))
        return [typed(LocationRow, r) for r in rows]

    def views(self, rows: Sequence[LocationRow], *, reveal: set[str]) -> list[LocationView]:
        return location_views(self.store, rows, reveal=reveal)

    def check_parent(self, org_id: str, parent_id: str, child_id: str | None = None) -> None:
        """``parent_id`` may hold ``child_id`` (a new location when None): same organization, no cycle."""
        row = self.store.one("SELECT organization_id FROM locations WHERE id = ?", (parent_id,))
        if row is None:
            raise NotFound(f"parent location {parent_id!r} not found")
        if row["organization_id"] != org_id:
            raise InvalidArgument(f"parent location {parent_id!r} belongs to another organization")
        # Walk up from the new parent: meeting the child would make a cycle.
        seen: set[str] = set()
        current = parent_id
        while current and current not in seen:
            if current == child_id:
                raise InvalidArgument(f"location {parent_id!r} is inside {child_id!r}: that would be a cycle")
            seen.add(current)
            up = self.store.one("SELECT parent_location_id FROM locations WHERE id = ?", (current,))
            current = str(up["parent_location_id"]) if up else ""

    def create(self, org_id: str, name: str, parent: str, *, location_id: str, created_at: str) -> None:
        """Store a new location (its first secret is the handler's, in the same transaction)."""
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO locations(id, organization_id, name, parent_location_id, created_at) VALUES (?,?,?,?,?)",
                (location_id, org_id, name, parent, created_at),
            )

    def update(
        self, location_id: str, *, name: str | None = None, parent: str | None = None, region: str | None = None
    ) -> None:
        """Change the fields given (None leaves one as it is)."""
        with self.store.transaction() as db:
            if name is not None:
                db.execute("UPDATE locations SET name = ? WHERE id = ?", (name, location_id))
            if parent is not None:
                db.execute("UPDATE locations SET parent_location_id = ? WHERE id = ?", (parent, location_id))
            if region is not None:
                db.execute("UPDATE locations SET region = ? WHERE id = ?", (region, location_id))

    def delete(self, location_id: str) -> None:
        """Remove an empty location; FAILED_PRECONDITION while it holds machines or child locations."""
        with self.store.transaction() as db:
            if db.execute("SELECT 1 FROM robots WHERE location_id = ?", (location_id,)).fetchone():
                raise FailedPrecondition(f"location {location_id!r} still holds machines: delete them first")
            if db.execute("SELECT 1 FROM locations WHERE parent_location_id = ?", (location_id,)).fetchone():
                raise FailedPrecondition(f"location {location_id!r} still has child locations")
            delete_location_rows(db, location_id)

    def metadata(self, location_id: str) -> str | None:
        """The location's metadata as stored JSON (None for an unknown location)."""
        row = self.store.one("SELECT metadata FROM locations WHERE id = ?", (location_id,))
        return None if row is None else str(row["metadata"])

    def set_metadata(self, location_id: str, metadata_json: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE locations SET metadata = ? WHERE id = ?", (metadata_json, location_id))

    def share(self, location_id: str, owner: str, target: str) -> None:
        """Share the location (owned by ``owner``) with the organization ``target``."""
        if not target:
            raise InvalidArgument("an organization id to share with is required")
        if self.store.one("SELECT 1 FROM organizations WHERE id = ?", (target,)) is None:
            raise NotFound(f"organization {target!r} not found")
        if target == owner:
            raise InvalidArgument(f"location {location_id!r} already belongs to {target!r}")
        with self.store.transaction() as db:
            if db.execute(
                "SELECT 1 FROM location_shares WHERE location_id = ? AND organization_id = ?", (location_id, target)
            ).fetchone():
                raise AlreadyExists(f"location {location_id!r} is already shared with {target!r}")
            db.execute(
                "INSERT INTO location_shares(location_id, organization_id) VALUES (?, ?)", (location_id, target)
            )

    def unshare(self, location_id: str, org_id: str) -> None:
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM location_shares WHERE location_id = ? AND organization_id = ?", (location_id, org_id)
            ).rowcount
            if not gone:
                raise NotFound(f"location {location_id!r} is not shared with organization {org_id!r}")
