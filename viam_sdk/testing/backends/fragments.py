"""Fragments: reusable config blocks with revisions, tags and an edit history
(tables ``fragments``, ``fragment_revisions``, ``fragment_history``, ``fragment_tags``).

The handlers are ``services/app_fragments.py`` (what callers see, who may
read or change a fragment, resolving nested references).  Rules kept here:
revisions count from 1 and every update stores the previous state and bumps
the revision; an update that names a ``last_known_update`` other than the
stored one is ABORTED; a version is a tag or a revision number; a tag never
reads as a number; a fragment still used by a machine part is not deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..context import EmulatorContext, parse_iso
from ..errors import Aborted, FailedPrecondition, InvalidArgument, NotFound
from ._sql import typed

__all__ = [
    "MAX_NESTING",
    "SCHEMA",
    "FragmentRow",
    "FragmentUser",
    "FragmentsBackend",
    "HistoryRow",
    "OwnerNames",
    "RevisionRow",
    "TagRow",
    "fragment_refs",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS fragments (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    name TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    visibility INTEGER NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    last_updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fragment_revisions (
    fragment_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    config TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (fragment_id, revision)
);
CREATE TABLE IF NOT EXISTS fragment_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    fragment_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    edited_at TEXT NOT NULL,
    old BLOB NOT NULL,
    config TEXT NOT NULL,
    edited_by_type INTEGER NOT NULL,
    edited_by_value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fragment_tags (
    fragment_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    revision INTEGER NOT NULL,
    PRIMARY KEY (fragment_id, tag)
);
"""

MAX_NESTING = 5


def fragment_refs(config: Any) -> list[tuple[str, str | None]]:
    """(fragment id, version) pairs listed under a config's ``fragments`` key."""
    refs: list[tuple[str, str | None]] = []
    items = config.get("fragments", []) if isinstance(config, dict) else []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            refs.append((item, None))
        elif isinstance(item, dict) and isinstance(item.get("id"), str):
            version = item.get("version")
            refs.append((item["id"], str(version) if version is not None else None))
    return refs


# Parts whose config lists fragment ? (as "id" or {"id": "id"}).
_USERS_SQL = """
SELECT p.id AS part_id, l.organization_id AS org_id FROM robot_parts p
JOIN robots r ON r.id = p.robot_id JOIN locations l ON l.id = r.location_id
WHERE json_valid(p.robot_config) AND EXISTS (
    SELECT 1 FROM json_each(p.robot_config, '$.fragments') j
    WHERE (CASE WHEN j.type = 'object' THEN json_extract(j.value, '$.id') ELSE j.value END) = ?
)
"""


@dataclass(frozen=True)
class FragmentRow:
    """One fragment as stored: ``config`` is JSON text, ``visibility`` a ``FragmentVisibility`` number."""

    id: str
    organization_id: str
    name: str
    config: str
    visibility: int
    revision: int
    created_at: str
    last_updated: str


@dataclass(frozen=True)
class FragmentUser:
    """A machine part whose config lists a fragment, and the organization that owns it."""

    part_id: str
    org_id: str


@dataclass(frozen=True)
class OwnerNames:
    name: str
    public_namespace: str


@dataclass(frozen=True)
class RevisionRow:
    revision: int
    created_at: str


@dataclass(frozen=True)
class TagRow:
    tag: str
    revision: int


@dataclass(frozen=True)
class HistoryRow:
    """One past state: ``old`` is the serialized ``Fragment`` message as it was before the edit."""

    fragment_id: str
    revision: int
    edited_at: str
    old: bytes
    config: str
    edited_by_type: int
    edited_by_value: str


class FragmentsBackend:
    """Fragments of every organization over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def get(self, fragment_id: str) -> FragmentRow:
        """The fragment ``fragment_id``; INVALID_ARGUMENT for no id, NOT_FOUND for an unknown one."""
        if not fragment_id:
            raise InvalidArgument("a fragment id is required")
        row = self.store.one("SELECT * FROM fragments WHERE id = ?", (fragment_id,))
        if row is None:
            raise NotFound(f"fragment {fragment_id!r} not found")
        return typed(FragmentRow, row)

    def config(self, fragment_id: str) -> Any:
        """The fragment's current config as a JSON value, None for an unknown fragment."""
        row = self.store.one("SELECT config FROM fragments WHERE id = ?", (fragment_id,))
        return None if row is None else json.loads(row["config"])

    def of_org(self, org_id: str) -> list[FragmentRow]:
        rows = self.store.all("SELECT * FROM fragments WHERE organization_id = ? ORDER BY name, id", (org_id,))
        return [typed(FragmentRow, r) for r in rows]

    def visible_to_all_but(self, org_id: str, visibility: int) -> list[FragmentRow]:
        """Fragments of other organizations with ``visibility``, by name then id."""
        rows = self.store.all(
            "SELECT * FROM fragments WHERE organization_id != ? AND visibility = ? ORDER BY name, id",
            (org_id, visibility),
        )
        return [typed(FragmentRow, r) for r in rows]

    def users(self, fragment_id: str) -> list[FragmentUser]:
        """The machine parts whose config lists the fragment."""
        return [typed(FragmentUser, r) for r in self.store.all(_USERS_SQL, (fragment_id,))]

    def owner_names(self, org_id: str) -> OwnerNames | None:
        row = self.store.one("SELECT name, public_namespace FROM organizations WHERE id = ?", (org_id,))
        return None if row is None else typed(OwnerNames, row)

    def revision_of(self, fragment_id: str, version: str) -> int:
        """The revision a tag or revision number names; NOT_FOUND when it names none."""
        tag = self.store.one(
            "SELECT revision FROM fragment_tags WHERE fragment_id = ? AND tag = ?", (fragment_id, version)
        )
        if tag is not None:
            return int(tag["revision"])
        if version.isdigit() and self.store.one(
            "SELECT 1 FROM fragment_revisions WHERE fragment_id = ? AND revision = ?", (fragment_id, int(version))
        ):
            return int(version)
        raise NotFound(f"fragment {fragment_id!r} has no revision or tag {version!r}")

    def revision_config(self, fragment_id: str, revision: int) -> str | None:
        """The config (JSON text) of a stored revision, None when there is none."""
        row = self.store.one(
            "SELECT config FROM fragment_revisions WHERE fragment_id = ? AND revision = ?", (fragment_id, revision)
        )
        return None if row is None else str(row["config"])

    def revisions(self, fragment_id: str) -> list[RevisionRow]:
        rows = self.store.all(
            "SELECT revision, created_at FROM fragment_revisions WHERE fragment_id = ? ORDER BY revision",
            (fragment_id,),
        )
        return [typed(RevisionRow, r) for r in rows]

    def tags(self, fragment_id: str) -> list[TagRow]:
        rows = self.store.all(
            "SELECT tag, revision FROM fragment_tags WHERE fragment_id = ? ORDER BY tag", (fragment_id,)
        )
        return [typed(TagRow, r) for r in rows]

    def create(self, org_id: str, name: str, config: str, visibility: int) -> str:
        """A new fragment at revision 1; returns its id."""
        fragment_id, now = self.ctx.new_id(), self.ctx.now_iso()
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO fragments(id, organization_id, name, config, visibility, revision, created_at, last_updated)"
                " VALUES (?,?,?,?,?,1,?,?)",
                (fragment_id, org_id, name, config, visibility, now, now),
            )
            db.execute(
                "INSERT INTO fragment_revisions(fragment_id, revision, config, created_at) VALUES (?,1,?,?)",
                (fragment_id, config, now),
            )
        return fragment_id

    def update(
        self,
        current: FragmentRow,
        *,
        name: str,
        config: str,
        visibility: int,
        last_known_update: datetime | None,
        old: bytes,
        edited_by: tuple[int, str],
    ) -> None:
        """Store a new revision, keeping ``old`` (the fragment's message before) in the history.

        ABORTED when ``last_known_update`` is given and is not when the fragment last changed.
        """
        last = parse_iso(current.last_updated)
        if last_known_update is not None and last is not None:
            if abs((last - last_known_update).total_seconds()) > 1e-6:
                raise Aborted(f"fragment {current.id!r} changed since {last_known_update.isoformat()}")
        now, revision = self.ctx.now_iso(), current.revision + 1
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO fragment_history(fragment_id, revision, edited_at, old, config, edited_by_type,"
                " edited_by_value) VALUES (?,?,?,?,?,?,?)",
                (current.id, current.revision, now, old, current.config, edited_by[0], edited_by[1]),
            )
            db.execute(
                "UPDATE fragments SET name = ?, config = ?, visibility = ?, revision = ?, last_updated = ? WHERE id = ?",
                (name, config, visibility, revision, now, current.id),
            )
            db.execute(
                "INSERT INTO fragment_revisions(fragment_id, revision, config, created_at) VALUES (?,?,?,?)",
                (current.id, revision, config, now),
            )

    def delete(self, fragment_id: str) -> None:
        """Remove the fragment; FAILED_PRECONDITION while a machine part's config lists it."""
        users = self.users(fragment_id)
        if users:
            raise FailedPrecondition(
                f"fragment {fragment_id!r} is used by {len(users)} machine part(s): remove it from their configs first"
            )
        with self.store.transaction() as db:
            for table in ("fragment_revisions", "fragment_history", "fragment_tags"):
                db.execute(f"DELETE FROM {table} WHERE fragment_id = ?", (fragment_id,))
            db.execute("DELETE FROM fragments WHERE id = ?", (fragment_id,))

    def history(self, fragment_id: str, *, limit: int, offset: int) -> list[HistoryRow]:
        """Up to ``limit`` past states from ``offset``, newest first."""
        rows = self.store.all(
            "SELECT * FROM fragment_history WHERE fragment_id = ? ORDER BY seq DESC LIMIT ? OFFSET ?",
            (fragment_id, limit, offset),
        )
        return [typed(HistoryRow, r, old=bytes(r["old"])) for r in rows]

    def set_tag(self, fragment_id: str, tag: str, version: str) -> None:
        """Point ``tag`` at the revision ``version`` names; INVALID_ARGUMENT for a tag that reads as a number."""
        if tag.isdigit():
            raise InvalidArgument(f"tag {tag!r} would read as a revision number")
        revision = self.revision_of(fragment_id, version)
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO fragment_tags(fragment_id, tag, revision) VALUES (?,?,?) "
                "ON CONFLICT(fragment_id, tag) DO UPDATE SET revision = excluded.revision",
                (fragment_id, tag, revision),
            )

    def delete_tag(self, fragment_id: str, tag: str) -> None:
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM fragment_tags WHERE fragment_id = ? AND tag = ?", (fragment_id, tag)
            ).rowcount
            if not gone:
                raise NotFound(f"fragment {fragment_id!r} has no tag {tag!r}")

    def machine_configs(self, robot_id: str) -> list[Any]:
        """The configs of a machine's parts (main part first), as JSON values."""
        rows = self.store.all(
            "SELECT robot_config FROM robot_parts WHERE robot_id = ? ORDER BY main_part DESC, name, id", (robot_id,)
        )
        return [json.loads(r["robot_config"]) for r in rows]
