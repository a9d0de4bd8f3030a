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

import sqlite3
from dataclasses import dataclass

from ..store import Store
from ._sql import number, typed

__all__ = [
    "PartNames",
    "SecretRow",
    "delete_location_rows",
    "delete_part_rows",
    "delete_robot_rows",
    "machine_count",
    "machine_location",
    "part_names",
    "part_secret_rows",
]


@dataclass(frozen=True)
class SecretRow:
    """One secret of a location or a part, as stored (the secret in clear)."""

    id: str
    secret: str
    created_at: str


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


def part_secret_rows(store: Store, part_id: str) -> list[SecretRow]:
    """The part's secrets, oldest first."""
    rows = store.all(
        "SELECT id, secret, created_at FROM part_secrets WHERE part_id = ? ORDER BY created_at, rowid", (part_id,)
    )
    return [typed(SecretRow, r) for r in rows]


def delete_part_rows(db: sqlite3.Connection, part_id: str) -> None:
    """Drop a part with its secrets, logs, history and tokens (inside the caller's transaction)."""
    for sql in (
        "DELETE FROM part_secrets WHERE part_id = ?",
        "DELETE FROM robot_part_logs WHERE part_id = ?",
        "DELETE FROM robot_part_history WHERE part_id = ?",
        "DELETE FROM access_tokens WHERE kind = 'robot-secret' AND subject = ?",
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
    for sql in (
        "DELETE FROM location_secrets WHERE location_id = ?",
        "DELETE FROM location_shares WHERE location_id = ?",
        "DELETE FROM access_tokens WHERE kind = 'robot-location-secret' AND subject = ?",
        "DELETE FROM api_key_authorizations WHERE resource_type = 'location' AND resource_id = ?",
        "DELETE FROM user_authorizations WHERE resource_type = 'location' AND resource_id = ?",
        "DELETE FROM locations WHERE id = ?",
    ):
        db.execute(sql, (location_id,))
