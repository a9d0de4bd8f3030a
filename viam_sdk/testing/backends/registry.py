"""The registry: items (modules, ML models, training scripts, ...), module uploads and
deprecations (tables ``registry_items``, ``module_files``, ``module_file_chunks``,
``registry_version_deprecations``).

The handlers are ``services/app_registry.py`` (who may see or change an item,
the answers).  Rules kept here: an item's id is ``<public namespace>:<name>``,
or ``<organization id>:<name>`` while the organization has no namespace; names
are 1-200 letters, digits, ``-`` or ``_`` and unique per organization; a
renamed or transferred item keeps its uploads and deprecations; an upload's
version is semantic, it names a platform, it is not empty and a
version/platform pair is uploaded once.  An item's ``module`` column holds the
module's metadata as JSON (models, entrypoint, first run, apps).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from typing import IO, Any

from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import Visibility

from ..context import EmulatorContext
from ..errors import AlreadyExists, InvalidArgument, NotFound
from ..store import Store
from ._sql import typed

__all__ = [
    "CHUNK",
    "SCHEMA",
    "ItemRow",
    "RegistryBackend",
    "RegistryItemRef",
    "UploadRow",
    "VersionDeprecation",
    "check_item_name",
    "registry_item",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS registry_items (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    name TEXT NOT NULL,
    type INTEGER NOT NULL,
    visibility INTEGER NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    markdown TEXT,
    module TEXT NOT NULL DEFAULT '{}',
    deprecated_at TEXT,
    deprecation_message TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS module_files (
    module_id TEXT NOT NULL,
    version TEXT NOT NULL,
    platform TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    PRIMARY KEY (module_id, version, platform)
);
CREATE TABLE IF NOT EXISTS registry_version_deprecations (
    item_id TEXT NOT NULL,
    version TEXT NOT NULL,
    message TEXT NOT NULL,
    deprecated_at TEXT NOT NULL,
    PRIMARY KEY (item_id, version)
);
CREATE TABLE IF NOT EXISTS module_file_chunks (
    module_id TEXT NOT NULL,
    version TEXT NOT NULL,
    platform TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (module_id, version, platform, seq)
);
"""

ITEM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,199}$")
SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")
#: Bytes per stored chunk of an uploaded module file.
CHUNK = 1 << 20
_UPLOADED = "SELECT 1 FROM module_files WHERE module_id = ? AND version = ? AND platform = ?"


def check_item_name(name: str) -> str:
    if not ITEM_NAME.match(name):
        raise InvalidArgument(f"registry item name {name!r} is not valid: use 1-200 letters, digits, '-' or '_'")
    return name


@dataclass(frozen=True)
class ItemRow:
    """One registry item as stored; ``type`` is a ``PackageType`` and ``visibility`` a ``Visibility`` number,
    ``module`` the decoded module metadata."""

    id: str
    organization_id: str
    name: str
    type: int
    visibility: int
    url: str
    description: str
    markdown: str | None
    module: dict[str, Any]
    deprecated_at: str | None
    deprecation_message: str
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class UploadRow:
    """One uploaded file of a module version."""

    version: str
    platform: str
    uploaded_at: str


@dataclass(frozen=True)
class VersionDeprecation:
    message: str
    deprecated_at: str


@dataclass(frozen=True)
class RegistryItemRef:
    """Who owns a registry item, what it is and who may see it (the stored numbers)."""

    organization_id: str
    type: int
    visibility: int


def registry_item(store: Store, item_id: str) -> RegistryItemRef | None:
    """The registry item ``item_id``, or None when there is no such item (training checks its scripts here)."""
    row = store.one("SELECT organization_id, type, visibility FROM registry_items WHERE id = ?", (item_id,))
    return None if row is None else typed(RegistryItemRef, row)


def _item(row: sqlite3.Row) -> ItemRow:
    return typed(ItemRow, row, module=json.loads(row["module"]))


class RegistryBackend:
    """Registry items and module uploads of every organization over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    # -- items -------------------------------------------------------------------------

    def namespace_of(self, org_id: str) -> str:
        """The organization's public namespace ('' when it has none, or is unknown)."""
        row = self.store.one("SELECT public_namespace FROM organizations WHERE id = ?", (org_id,))
        return str(row["public_namespace"]) if row else ""

    def org_with_namespace(self, namespace: str) -> str | None:
        """The organization holding the public namespace, None when none does."""
        row = self.store.one("SELECT id FROM organizations WHERE public_namespace = ?", (namespace,))
        return None if row is None else str(row["id"])

    def get(self, item_id: str) -> ItemRow:
        """The item ``item_id``; INVALID_ARGUMENT for no id, NOT_FOUND for an unknown one."""
        if not item_id:
            raise InvalidArgument("a registry item id is required")
        row = self.store.one("SELECT * FROM registry_items WHERE id = ?", (item_id,))
        if row is None:
            raise NotFound(f"registry item {item_id!r} not found")
        return _item(row)

    def of_org(self, org_id: str, kind: PackageType | None = None) -> list[ItemRow]:
        """The organization's items (of ``kind`` only, when given), by name then id."""
        if kind is None:
            rows = self.store.all(
                "SELECT * FROM registry_items WHERE organization_id = ? ORDER BY name, id", (org_id,)
            )
        else:
            rows = self.store.all(
                "SELECT * FROM registry_items WHERE organization_id = ? AND type = ? ORDER BY name, id",
                (org_id, int(kind)),
            )
        return [_item(r) for r in rows]

    def public_elsewhere(self, org_id: str, kind: PackageType | None = None) -> list[ItemRow]:
        """Public items of every other organization (of ``kind`` only, when given), by name then id."""
        public = int(Visibility.VISIBILITY_PUBLIC)
        if kind is None:
            rows = self.store.all(
                "SELECT * FROM registry_items WHERE organization_id != ? AND visibility = ? ORDER BY name, id",
                (org_id, public),
            )
        else:
            rows = self.store.all(
                "SELECT * FROM registry_items WHERE organization_id != ? AND type = ? AND visibility = ? "
                "ORDER BY name, id",
                (org_id, int(kind), public),
            )
        return [_item(r) for r in rows]

    def create(self, org_id: str, name: str, kind: PackageType) -> str:
        """A new private item named ``name``; returns its id.  ALREADY_EXISTS when the name is taken."""
        namespace = self.namespace_of(org_id)
        item_id, now = f"{namespace or org_id}:{name}", self.ctx.now_iso()
        with self.store.transaction() as db:
            clash = db.execute(
                "SELECT 1 FROM registry_items WHERE id = ? OR (organization_id = ? AND name = ?)",
                (item_id, org_id, name),
            ).fetchone()
            if clash:
                raise AlreadyExists(f"organization {org_id!r} already has a registry item named {name!r}")
            db.execute(
                "INSERT INTO registry_items(id, organization_id, name, type, visibility, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?)",
                (item_id, org_id, name, int(kind), int(Visibility.VISIBILITY_PRIVATE), now, now),
            )
        return item_id

    def update(
        self,
        item_id: str,
        *,
        description: str,
        visibility: int,
        url: str | None,
        markdown: str | None,
        module: dict[str, Any] | None = None,
    ) -> None:
        """Change an item's description and visibility, and its URL, markdown and module metadata when given."""
        with self.store.transaction() as db:
            db.execute(
                "UPDATE registry_items SET description = ?, visibility = ?, url = COALESCE(?, url), "
                "markdown = COALESCE(?, markdown), updated_at = ? WHERE id = ?",
                (description, visibility, url, markdown, self.ctx.now_iso(), item_id),
            )
            if module is not None:
                db.execute("UPDATE registry_items SET module = ? WHERE id = ?", (json.dumps(module), item_id))

    def update_module(
        self, module_id: str, *, visibility: int, url: str, description: str, module: dict[str, Any], markdown: str | None
    ) -> None:
        """Replace a module's metadata (its markdown only when given)."""
        with self.store.transaction() as db:
            db.execute(
                "UPDATE registry_items SET visibility = ?, url = ?, description = ?, module = ?, "
                "markdown = COALESCE(?, markdown), updated_at = ? WHERE id = ?",
                (
                    visibility,
                    url,
                    description,
                    json.dumps(module, sort_keys=True),
                    markdown,
                    self.ctx.now_iso(),
                    module_id,
                ),
            )

    def delete(self, item_id: str) -> None:
        """Remove an item with its uploads and deprecations."""
        with self.store.transaction() as db:
            for table in ("module_file_chunks", "module_files"):
                db.execute(f"DELETE FROM {table} WHERE module_id = ?", (item_id,))
            db.execute("DELETE FROM registry_version_deprecations WHERE item_id = ?", (item_id,))
            db.execute("DELETE FROM registry_items WHERE id = ?", (item_id,))

    def _rekey(self, old_id: str, new_id: str, **columns: str) -> None:
        with self.store.transaction() as db:
            if db.execute("SELECT 1 FROM registry_items WHERE id = ?", (new_id,)).fetchone():
                raise AlreadyExists(f"registry item {new_id!r} already exists")
            sets = "".join(f", {name} = ?" for name in columns)
            db.execute(
                f"UPDATE registry_items SET id = ?, updated_at = ?{sets} WHERE id = ?",
                (new_id, self.ctx.now_iso(), *columns.values(), old_id),
            )
            for table in ("module_files", "module_file_chunks"):
                db.execute(f"UPDATE {table} SET module_id = ? WHERE module_id = ?", (new_id, old_id))
            db.execute("UPDATE registry_version_deprecations SET item_id = ? WHERE item_id = ?", (new_id, old_id))

    def rename(self, item: ItemRow, name: str) -> str:
        """Give the item a new name (and so a new id under the same prefix); returns the new id."""
        new_id = f"{item.id.rsplit(':', 1)[0]}:{check_item_name(name)}"
        self._rekey(item.id, new_id, name=name)
        return new_id

    def transfer(self, item: ItemRow, org_id: str, namespace: str) -> str:
        """Move the item to the organization ``org_id`` holding ``namespace``; returns the new id."""
        new_id = f"{namespace}:{item.name}"
        self._rekey(item.id, new_id, organization_id=org_id)
        return new_id

    def set_deprecated(self, item_id: str, message: str | None) -> None:
        """Deprecate the item with ``message``, or lift its deprecation (None)."""
        with self.store.transaction() as db:
            if message is None:
                db.execute(
                    "UPDATE registry_items SET deprecated_at = NULL, deprecation_message = '' WHERE id = ?", (item_id,)
                )
            else:
                db.execute(
                    "UPDATE registry_items SET deprecated_at = ?, deprecation_message = ? WHERE id = ?",
                    (self.ctx.now_iso(), message, item_id),
                )

    # -- versions and uploads ----------------------------------------------------------

    def versions(self, module_id: str) -> dict[str, list[UploadRow]]:
        """The module's uploads by version, in upload order."""
        rows = self.store.all(
            "SELECT version, platform, uploaded_at FROM module_files WHERE module_id = ? "
            "ORDER BY uploaded_at, version, platform",
            (module_id,),
        )
        versions: dict[str, list[UploadRow]] = {}
        for r in rows:
            versions.setdefault(str(r["version"]), []).append(typed(UploadRow, r))
        return versions

    def version_deprecation(self, item_id: str, version: str) -> VersionDeprecation | None:
        row = self.store.one(
            "SELECT message, deprecated_at FROM registry_version_deprecations WHERE item_id = ? AND version = ?",
            (item_id, version),
        )
        return None if row is None else typed(VersionDeprecation, row)

    def check_version(self, item_id: str, version: str) -> None:
        """NOT_FOUND unless some file of ``version`` was uploaded."""
        if not self.store.one("SELECT 1 FROM module_files WHERE module_id = ? AND version = ?", (item_id, version)):
            raise NotFound(f"registry item {item_id!r} has no version {version!r}")

    def deprecate_version(self, item_id: str, version: str, message: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO registry_version_deprecations(item_id, version, message, deprecated_at) VALUES (?,?,?,?) "
                "ON CONFLICT(item_id, version) DO UPDATE SET message = excluded.message",
                (item_id, version, message, self.ctx.now_iso()),
            )

    def undeprecate_version(self, item_id: str, version: str) -> None:
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM registry_version_deprecations WHERE item_id = ? AND version = ?", (item_id, version)
            ).rowcount
            if not gone:
                raise NotFound(f"version {version!r} of {item_id!r} is not deprecated")

    @staticmethod
    def _repeat(key: tuple[str, str, str]) -> AlreadyExists:
        module_id, version, platform = key
        return AlreadyExists(f"module {module_id!r} already has version {version} for {platform}")

    def check_upload(self, module_id: str, version: str, platform: str) -> None:
        """INVALID_ARGUMENT for a version that is not semantic or no platform; ALREADY_EXISTS for a repeat."""
        if not SEMVER.match(version):
            raise InvalidArgument(f"version {version!r} is not a semantic version like 1.2.3")
        if not platform:
            raise InvalidArgument("a platform (for example linux/amd64 or any) is required")
        key = (module_id, version, platform)
        if self.store.one(_UPLOADED, key):
            raise self._repeat(key)

    def store_upload(
        self, module_id: str, version: str, platform: str, spool: IO[bytes], *, size: int, sha256: str
    ) -> None:
        """Keep the file read from ``spool`` (in chunks) with its size and digest, in one transaction."""
        if size == 0:
            raise InvalidArgument("the uploaded file is empty")
        key = (module_id, version, platform)
        with self.store.transaction() as db:
            if db.execute(_UPLOADED, key).fetchone():
                raise self._repeat(key)
            for seq, piece in enumerate(iter(lambda: spool.read(CHUNK), b"")):
                db.execute(
                    "INSERT INTO module_file_chunks(module_id, version, platform, seq, data) VALUES (?,?,?,?,?)",
                    (*key, seq, piece),
                )
            db.execute(
                "INSERT INTO module_files(module_id, version, platform, size, sha256, uploaded_at)"
                " VALUES (?,?,?,?,?,?)",
                (*key, size, sha256, self.ctx.now_iso()),
            )
