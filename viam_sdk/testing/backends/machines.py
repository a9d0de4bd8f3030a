"""Machines and their parts as other fleet areas need them: where a machine stands,
a part's secrets, and what goes with a part, a machine or a location when it is removed.

The robots handlers (``services/app_robots.py``, ``robot.py``) still run their
own SQL; this module is where their backend grows.  Billing counts machines and
data sync names parts through it.  The removals here are the
one cascade every fleet deletion shares (a part, its machine, its location, its
organization), so deleting an organization and deleting a location drop the
same rows.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..context import EmulatorContext, iso
from ..errors import AlreadyExists, FailedPrecondition, NotFound
from ..store import Store
from ._sql import number, typed
from .credentials import forget_location_credentials, forget_part_credentials

__all__ = [
    "CORE_SCHEMA",
    "ROBOTS_SCHEMA",
    "Favorite",
    "PartEdit",
    "PartHistoryRow",
    "PartNames",
    "PartRow",
    "RobotRow",
    "RobotsBackend",
    "delete_location_rows",
    "delete_part_rows",
    "delete_robot_rows",
    "dns_label",
    "machine_count",
    "machine_location",
    "part_names",
]


@dataclass(frozen=True)
class PartNames:
    """The names a capture's metadata records for a machine part."""

    part_name: str
    robot_name: str


def machine_count(store: Store, org_id: str) -> int:
    """How many machines stand in the organization's own locations."""
    return int(
        number(
            store,
            "SELECT COUNT(*) FROM robots r JOIN locations l ON l.id = r.location_id WHERE l.organization_id = ?",
            (org_id,),
        )
    )


def part_names(store: Store, part_id: str) -> PartNames | None:
    """The part's name and its machine's name, or None for an unknown part."""
    row = store.one(
        "SELECT p.name AS part_name, r.name AS robot_name FROM robot_parts p JOIN robots r ON r.id = p.robot_id "
        "WHERE p.id = ?",
        (part_id,),
    )
    return None if row is None else typed(PartNames, row)


def machine_location(store: Store, robot_id: str) -> str | None:
    """The location the machine ``robot_id`` stands in (None for an unknown machine)."""
    row = store.one("SELECT location_id FROM robots WHERE id = ?", (robot_id,))
    return None if row is None else str(row["location_id"])


def delete_part_rows(db: sqlite3.Connection, part_id: str) -> None:
    """Drop a part with its secrets, logs, history and tokens (inside the caller's transaction)."""
    forget_part_credentials(db, part_id)
    for sql in (
        "DELETE FROM robot_part_logs WHERE part_id = ?",
        "DELETE FROM robot_part_history WHERE part_id = ?",
        "DELETE FROM robot_parts WHERE id = ?",
    ):
        db.execute(sql, (part_id,))


def delete_robot_rows(db: sqlite3.Connection, robot_id: str) -> None:
    """Drop a machine with its parts and the roles granted on it."""
    for row in db.execute("SELECT id FROM robot_parts WHERE robot_id = ?", (robot_id,)).fetchall():
        delete_part_rows(db, str(row["id"]))
    db.execute(
        "DELETE FROM api_key_authorizations WHERE resource_type = 'robot' AND resource_id = ?", (robot_id,)
    )
    db.execute(
        "DELETE FROM user_authorizations WHERE resource_type = 'robot' AND resource_id = ?", (robot_id,)
    )
    db.execute("DELETE FROM robots WHERE id = ?", (robot_id,))


def delete_location_rows(db: sqlite3.Connection, location_id: str) -> None:
    """Drop a location with its machines, secrets, shares, tokens and the roles granted on it."""
    for row in db.execute("SELECT id FROM robots WHERE location_id = ?", (location_id,)).fetchall():
        delete_robot_rows(db, str(row["id"]))
    forget_location_credentials(db, location_id)
    for sql in (
        "DELETE FROM location_shares WHERE location_id = ?",
        "DELETE FROM api_key_authorizations WHERE resource_type = 'location' AND resource_id = ?",
        "DELETE FROM user_authorizations WHERE resource_type = 'location' AND resource_id = ?",
        "DELETE FROM locations WHERE id = ?",
    ):
        db.execute(sql, (location_id,))


# -- machines and parts ------------------------------------------------------------------


@dataclass(frozen=True)
class RobotRow:
    """One machine as stored."""

    id: str
    location_id: str
    name: str
    created_at: str
    last_access: str | None


@dataclass(frozen=True)
class PartRow:
    """One machine part as stored; ``robot_config`` and ``user_supplied_info`` are JSON text."""

    id: str
    robot_id: str
    name: str
    main_part: bool
    fqdn: str
    local_fqdn: str
    dns_name: str
    robot_config: str
    user_supplied_info: str
    needs_restart: bool
    created_at: str
    last_updated: str
    last_access: str | None


@dataclass(frozen=True)
class PartEdit:
    """Who changed a part, and the part as it was (its message, secrets stripped, serialized)."""

    old: bytes
    edited_by_type: int
    edited_by_value: str


@dataclass(frozen=True)
class PartHistoryRow:
    seq: int
    part_id: str
    robot_id: str
    edited_at: str
    old: bytes
    edited_by_type: int
    edited_by_value: str


@dataclass(frozen=True)
class Favorite:
    robot: RobotRow
    organization_id: str
    favored_at: str


def _part(row: sqlite3.Row) -> PartRow:
    return typed(PartRow, row, main_part=bool(row["main_part"]), needs_restart=bool(row["needs_restart"]))


def dns_label(name: str) -> str:
    """A name made safe for a DNS label (lowercase letters, digits, dashes)."""
    label = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return label or "part"


#: Tables every area joins on (made at start by ``backends.create_core_tables``).
CORE_SCHEMA = """
CREATE TABLE IF NOT EXISTS robots (
    id TEXT PRIMARY KEY,
    location_id TEXT NOT NULL,
    name TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    last_access TEXT
);
CREATE INDEX IF NOT EXISTS robots_by_location ON robots(location_id);
CREATE TABLE IF NOT EXISTS robot_parts (
    id TEXT PRIMARY KEY,
    robot_id TEXT NOT NULL,
    name TEXT NOT NULL,
    main_part INTEGER NOT NULL DEFAULT 0,
    fqdn TEXT NOT NULL DEFAULT '',
    local_fqdn TEXT NOT NULL DEFAULT '',
    dns_name TEXT NOT NULL DEFAULT '',
    robot_config TEXT NOT NULL DEFAULT '{}',
    user_supplied_info TEXT NOT NULL DEFAULT '{}',
    metadata TEXT NOT NULL DEFAULT '{}',
    needs_restart INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    last_access TEXT
);
CREATE INDEX IF NOT EXISTS parts_by_robot ON robot_parts(robot_id);
"""

ROBOTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS favorite_machines (
    identity TEXT NOT NULL,
    robot_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (identity, robot_id)
);
CREATE TABLE IF NOT EXISTS robot_part_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    part_id TEXT NOT NULL,
    robot_id TEXT NOT NULL,
    edited_at TEXT NOT NULL,
    old BLOB NOT NULL,
    edited_by_type INTEGER NOT NULL,
    edited_by_value TEXT NOT NULL
);
"""


class RobotsBackend:
    """Machines and their parts over the emulator's store.

    Rules kept here: machine names are unique within a location and part names
    within a machine (ALREADY_EXISTS); a machine's first part is its main part
    and the main part is not deleted (FAILED_PRECONDITION); every change of a
    part's name or config records the part as it was.  A part's secrets are
    ``credentials.py``'s, which the handler calls in the same transaction.
    """

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    # -- machines ----------------------------------------------------------------------

    def robot(self, robot_id: str) -> RobotRow:
        row = self.store.one("SELECT * FROM robots WHERE id = ?", (robot_id,))
        if row is None:
            raise NotFound(f"machine (robot) {robot_id!r} not found")
        return typed(RobotRow, row)

    def in_location(self, location_id: str) -> list[RobotRow]:
        rows = self.store.all("SELECT * FROM robots WHERE location_id = ? ORDER BY name, id", (location_id,))
        return [typed(RobotRow, r) for r in rows]

    def of_org(self, org_id: str) -> list[RobotRow]:
        """Machines in the organization's own locations, by name then id."""
        rows = self.store.all(
            "SELECT r.* FROM robots r JOIN locations l ON l.id = r.location_id WHERE l.organization_id = ? "
            "ORDER BY r.name, r.id",
            (org_id,),
        )
        return [typed(RobotRow, r) for r in rows]

    def robot_metadata(self, robot_id: str) -> str | None:
        row = self.store.one("SELECT metadata FROM robots WHERE id = ?", (robot_id,))
        return None if row is None else str(row["metadata"])

    def set_robot_metadata(self, robot_id: str, metadata_json: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE robots SET metadata = ? WHERE id = ?", (metadata_json, robot_id))

    def create_robot(self, location_id: str, name: str) -> tuple[str, str]:
        """A machine and its main part ``<name>-main``; returns (robot id, part id)."""
        with self.store.transaction() as db:
            if db.execute("SELECT 1 FROM robots WHERE location_id = ? AND name = ?", (location_id, name)).fetchone():
                raise AlreadyExists(f"location {location_id!r} already has a machine named {name!r}")
            robot_id, now = self.ctx.new_id(), self.ctx.now_iso()
            db.execute(
                "INSERT INTO robots(id, location_id, name, created_at) VALUES (?,?,?,?)",
                (robot_id, location_id, name, now),
            )
            part_id = self.add_part(robot_id, location_id, f"{name}-main", main=True)
        return robot_id, part_id

    def update_robot(self, robot_id: str, name: str, location_id: str) -> None:
        with self.store.transaction() as db:
            clash = db.execute(
                "SELECT 1 FROM robots WHERE location_id = ? AND name = ? AND id != ?", (location_id, name, robot_id)
            ).fetchone()
            if clash:
                raise AlreadyExists(f"location {location_id!r} already has a machine named {name!r}")
            db.execute("UPDATE robots SET name = ?, location_id = ? WHERE id = ?", (name, location_id, robot_id))

    def delete_robot(self, robot_id: str) -> None:
        with self.store.transaction() as db:
            delete_robot_rows(db, robot_id)

    # -- parts -------------------------------------------------------------------------

    def part(self, part_id: str) -> PartRow:
        row = self.store.one("SELECT * FROM robot_parts WHERE id = ?", (part_id,))
        if row is None:
            raise NotFound(f"machine part {part_id!r} not found")
        return _part(row)

    def parts(self, robot_id: str) -> list[PartRow]:
        """The machine's parts, main part first, then by name."""
        rows = self.store.all(
            "SELECT * FROM robot_parts WHERE robot_id = ? ORDER BY main_part DESC, name, id", (robot_id,)
        )
        return [_part(r) for r in rows]

    def part_config(self, part_id: str) -> Any:
        """The part's config as a JSON value ({} for an unknown part)."""
        row = self.store.one("SELECT robot_config FROM robot_parts WHERE id = ?", (part_id,))
        return json.loads(row["robot_config"]) if row else {}

    def part_named(self, location_id: str, name: str) -> PartRow:
        """The oldest part called ``name`` in the location; NOT_FOUND when there is none."""
        row = self.store.one(
            "SELECT p.* FROM robot_parts p JOIN robots r ON r.id = p.robot_id "
            "WHERE r.location_id = ? AND p.name = ? ORDER BY p.created_at, p.id LIMIT 1",
            (location_id, name),
        )
        if row is None:
            raise NotFound(f"no part named {name!r} in location {location_id!r}")
        return _part(row)

    def add_part(self, robot_id: str, location_id: str, name: str, *, main: bool | None = None) -> str:
        """A new part (the main part when ``main`` is None and the machine has none); returns its id."""
        with self.store.transaction() as db:
            if main is None:
                main = not db.execute(
                    "SELECT 1 FROM robot_parts WHERE robot_id = ? AND main_part = 1", (robot_id,)
                ).fetchone()
            if db.execute("SELECT 1 FROM robot_parts WHERE robot_id = ? AND name = ?", (robot_id, name)).fetchone():
                raise AlreadyExists(f"machine {robot_id!r} already has a part named {name!r}")
            part_id, now = self.ctx.new_id(), self.ctx.now_iso()
            label = dns_label(name)
            db.execute(
                "INSERT INTO robot_parts(id, robot_id, name, main_part, fqdn, local_fqdn, dns_name, created_at,"
                " last_updated) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    part_id,
                    robot_id,
                    name,
                    int(main),
                    f"{label}.{location_id}.viam.cloud",
                    f"{label}.{location_id}.local.viam.cloud",
                    label,
                    now,
                    now,
                ),
            )
        return part_id

    def _record(self, db: sqlite3.Connection, part: PartRow, edit: PartEdit) -> None:
        db.execute(
            "INSERT INTO robot_part_history(part_id, robot_id, edited_at, old, edited_by_type, edited_by_value)"
            " VALUES (?,?,?,?,?,?)",
            (part.id, part.robot_id, self.ctx.now_iso(), edit.old, edit.edited_by_type, edit.edited_by_value),
        )

    def update_part(
        self, part: PartRow, name: str, config: dict[str, Any] | None, edit: PartEdit
    ) -> None:
        """Rename the part and (when given) replace its config, recording ``edit`` in its history."""
        with self.store.transaction() as db:
            clash = db.execute(
                "SELECT 1 FROM robot_parts WHERE robot_id = ? AND name = ? AND id != ?", (part.robot_id, name, part.id)
            ).fetchone()
            if clash:
                raise AlreadyExists(f"machine {part.robot_id!r} already has a part named {name!r}")
            self._record(db, part, edit)
            db.execute(
                "UPDATE robot_parts SET name = ?, last_updated = ? WHERE id = ?", (name, self.ctx.now_iso(), part.id)
            )
            if config is not None:
                db.execute(
                    "UPDATE robot_parts SET robot_config = ? WHERE id = ?", (json.dumps(config, sort_keys=True), part.id)
                )

    def set_config(self, part: PartRow, config: dict[str, Any], edit: PartEdit) -> None:
        """Replace the part's config, recording ``edit`` in its history."""
        with self.store.transaction() as db:
            self._record(db, part, edit)
            db.execute(
                "UPDATE robot_parts SET robot_config = ?, last_updated = ? WHERE id = ?",
                (json.dumps(config, sort_keys=True), self.ctx.now_iso(), part.id),
            )

    def delete_part(self, part_id: str) -> None:
        """Remove a part; FAILED_PRECONDITION for its machine's main part."""
        with self.store.transaction() as db:
            row = db.execute("SELECT main_part FROM robot_parts WHERE id = ?", (part_id,)).fetchone()
            if row is not None and row["main_part"]:
                raise FailedPrecondition(
                    f"part {part_id!r} is its machine's main part: mark another part as main first"
                )
            delete_part_rows(db, part_id)

    def part_metadata(self, part_id: str) -> str | None:
        row = self.store.one("SELECT metadata FROM robot_parts WHERE id = ?", (part_id,))
        return None if row is None else str(row["metadata"])

    def set_part_metadata(self, part_id: str, metadata_json: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE robot_parts SET metadata = ? WHERE id = ?", (metadata_json, part_id))

    def mark_main(self, robot_id: str, part_id: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE robot_parts SET main_part = 0 WHERE robot_id = ?", (robot_id,))
            db.execute("UPDATE robot_parts SET main_part = 1 WHERE id = ?", (part_id,))

    def mark_for_restart(self, part_id: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE robot_parts SET needs_restart = 1 WHERE id = ?", (part_id,))

    def take_restart(self, part_id: str) -> bool:
        """Whether the part was marked for restart; the mark is cleared."""
        with self.store.transaction() as db:
            row = db.execute("SELECT needs_restart FROM robot_parts WHERE id = ?", (part_id,)).fetchone()
            db.execute("UPDATE robot_parts SET needs_restart = 0 WHERE id = ?", (part_id,))
        return bool(row["needs_restart"]) if row is not None else False

    def checked_in(self, part_id: str) -> None:
        """The part was heard from now: it and its machine show as online."""
        seen = self.ctx.now_iso()
        with self.store.transaction() as db:
            db.execute("UPDATE robot_parts SET last_access = ? WHERE id = ?", (seen, part_id))
            db.execute(
                "UPDATE robots SET last_access = ? WHERE id = (SELECT robot_id FROM robot_parts WHERE id = ?)",
                (seen, part_id),
            )

    def history(
        self, part_id: str, *, limit: int, before: int = 0, start: datetime | None = None, end: datetime | None = None
    ) -> list[PartHistoryRow]:
        """Up to ``limit`` past states, newest first; ``before`` a seq (keyset paging), 0 for the newest."""
        where: list[str] = ["part_id = ?"]
        params: list[object] = [part_id]
        if before:
            where.append("seq < ?")
            params.append(before)
        if start is not None:
            where.append("edited_at >= ?")
            params.append(iso(start))
        if end is not None:
            where.append("edited_at < ?")
            params.append(iso(end))
        rows = self.store.all(
            f"SELECT * FROM robot_part_history WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
            (*params, limit),
        )
        return [typed(PartHistoryRow, r, old=bytes(r["old"])) for r in rows]

    # -- favourites --------------------------------------------------------------------

    def add_favorite(self, identity: str, robot_id: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO favorite_machines(identity, robot_id, created_at) VALUES (?,?,?)",
                (identity, robot_id, self.ctx.now_iso()),
            )

    def remove_favorite(self, identity: str, robot_id: str) -> None:
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM favorite_machines WHERE identity = ? AND robot_id = ?", (identity, robot_id)
            ).rowcount
            if not gone:
                raise NotFound(f"machine {robot_id!r} is not among the caller's favourites")

    def favorites(self, identity: str) -> list[Favorite]:
        rows = self.store.all(
            "SELECT r.*, f.created_at AS favored_at, l.organization_id FROM favorite_machines f "
            "JOIN robots r ON r.id = f.robot_id JOIN locations l ON l.id = r.location_id "
            "WHERE f.identity = ? ORDER BY r.name, r.id",
            (identity,),
        )
        return [
            Favorite(typed(RobotRow, r), str(r["organization_id"]), str(r["favored_at"])) for r in rows
        ]
