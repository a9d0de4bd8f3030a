"""AppService, fragments: reusable config blocks with revisions, tags, history and usage.

* Revisions count from "1"; every update stores the previous state in the
  history (newest first in GetFragmentHistory) and bumps the revision.
  GetFragment's ``version`` is a revision number or a tag.
* Visibility defaults to private.  Private fragments are visible only to their
  organization; public and unlisted ones to every caller, and public ones are
  listed by ListFragments when ``show_public`` is set.  Only the owning
  organization may change or delete a fragment.
* ListMachineFragments/ListNestedFragments follow ``fragments`` lists inside
  fragment configs too, up to 5 levels deep; unknown, unreachable or cyclic
  references come back as ``ResolvedFragment.error`` rather than failing the call.
* A machine part uses a fragment when its config's ``fragments`` list holds the
  fragment id (as a string or as ``{"id": ...}``).  A fragment in use cannot be
  deleted (FAILED_PRECONDITION).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.v1 import (
    AdditionalFragment,
    AuthenticationType,
    AuthenticatorInfo,
    CreateFragmentRequest,
    CreateFragmentResponse,
    DeleteFragmentRequest,
    DeleteFragmentResponse,
    DeleteFragmentTagRequest,
    DeleteFragmentTagResponse,
    Fragment,
    FragmentError,
    FragmentErrorType,
    FragmentHistoryEntry,
    FragmentRevision,
    FragmentTag,
    FragmentUsage,
    FragmentVisibility,
    GetFragmentHistoryRequest,
    GetFragmentHistoryResponse,
    GetFragmentRequest,
    GetFragmentResponse,
    GetFragmentUsageRequest,
    GetFragmentUsageResponse,
    ListFragmentsRequest,
    ListFragmentsResponse,
    ListMachineFragmentsRequest,
    ListMachineFragmentsResponse,
    ListNestedFragmentsRequest,
    ListNestedFragmentsResponse,
    ResolvedFragment,
    SetFragmentTagRequest,
    SetFragmentTagResponse,
    UpdateFragmentRequest,
    UpdateFragmentResponse,
)

from ..auth import Identity, caller, require_org, require_robot, visible_org_ids
from ..context import parse_iso
from ..structs import dict_to_struct, struct_to_dict
from ._app_common import AppPart, fail, page_offset, require_name
from .app_robots import authenticator

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

PUBLIC_KINDS = (
    FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC,
    FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED,
)
DEFAULT_HISTORY_PAGE = 10
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


class FragmentsPart(AppPart):
    def _fragment_row(self, fragment_id: str) -> sqlite3.Row:
        if not fragment_id:
            fail(Status.INVALID_ARGUMENT, "a fragment id is required")
        row = self.store.one("SELECT * FROM fragments WHERE id = ?", (fragment_id,))
        if row is None:
            fail(Status.NOT_FOUND, f"fragment {fragment_id!r} not found")
        return row

    def _fragment_readable(self, ident: Identity, fragment_id: str) -> sqlite3.Row:
        row = self._fragment_row(fragment_id)
        if FragmentVisibility(row["visibility"]) in PUBLIC_KINDS:
            return row
        require_org(self.ctx, ident, str(row["organization_id"]))
        return row

    def _fragment_writable(self, ident: Identity, fragment_id: str) -> sqlite3.Row:
        row = self._fragment_row(fragment_id)
        require_org(self.ctx, ident, str(row["organization_id"]), write=True)
        return row

    def _users(self, fragment_id: str) -> list[sqlite3.Row]:
        return self.store.all(_USERS_SQL, (fragment_id,))

    def _usage(self, fragment_id: str, current_org: str = "") -> FragmentUsage:
        users = self._users(fragment_id)
        return FragmentUsage(
            fragment_id=fragment_id,
            organizations=len({u["org_id"] for u in users}),
            machines=len(users),
            machines_in_current_org=sum(1 for u in users if u["org_id"] == current_org),
        )

    def _message(
        self, row: sqlite3.Row, *, config_text: str | None = None, revision: int | None = None
    ) -> Fragment:
        org = self.store.one(
            "SELECT name, public_namespace FROM organizations WHERE id = ?", (row["organization_id"],)
        )
        users = self._users(str(row["id"]))
        orgs = {u["org_id"] for u in users}
        config = json.loads(config_text if config_text is not None else row["config"])
        visibility = FragmentVisibility(row["visibility"])
        return Fragment(
            id=row["id"],
            name=row["name"],
            fragment=dict_to_struct(config),
            organization_owner=row["organization_id"],
            public=visibility == FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC,
            created_on=parse_iso(row["created_at"]),
            organization_name=str(org["name"]) if org else "",
            robot_part_count=len(users),
            organization_count=len(orgs),
            only_used_by_owner=orgs <= {row["organization_id"]},
            visibility=visibility,
            last_updated=parse_iso(row["last_updated"]),
            revision=str(revision if revision is not None else row["revision"]),
            public_namespace=(str(org["public_namespace"]) or None) if org else None,
            fragment_config_json=json.dumps(config, sort_keys=True),
        )

    async def list_fragments(self, request: ListFragmentsRequest) -> ListFragmentsResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id)
        kinds = set(request.fragment_visibility)
        rows = [
            r
            for r in self.store.all(
                "SELECT * FROM fragments WHERE organization_id = ? ORDER BY name, id", (org_id,)
            )
            if not kinds or FragmentVisibility(r["visibility"]) in kinds
        ]
        if request.show_public:
            rows += self.store.all(
                "SELECT * FROM fragments WHERE organization_id != ? AND visibility = ? ORDER BY name, id",
                (org_id, int(FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC)),
            )
        return ListFragmentsResponse(
            fragments=[self._message(r) for r in rows],
            fragment_usages=[self._usage(str(r["id"]), org_id) for r in rows],
        )

    def _revision_of(self, fragment_id: str, version: str) -> int:
        tag = self.store.one(
            "SELECT revision FROM fragment_tags WHERE fragment_id = ? AND tag = ?", (fragment_id, version)
        )
        if tag is not None:
            return int(tag["revision"])
        if version.isdigit() and self.store.one(
            "SELECT 1 FROM fragment_revisions WHERE fragment_id = ? AND revision = ?",
            (fragment_id, int(version)),
        ):
            return int(version)
        fail(Status.NOT_FOUND, f"fragment {fragment_id!r} has no revision or tag {version!r}")

    def _tags(self, fragment_id: str) -> list[FragmentTag]:
        rows = self.store.all(
            "SELECT tag, revision FROM fragment_tags WHERE fragment_id = ? ORDER BY tag", (fragment_id,)
        )
        return [FragmentTag(tag=r["tag"], revision=str(r["revision"])) for r in rows]

    async def get_fragment(self, request: GetFragmentRequest) -> GetFragmentResponse:
        ident = caller(self.ctx)
        row = self._fragment_readable(ident, request.id)
        if request.version:
            revision = self._revision_of(request.id, request.version)
            stored = self.store.one(
                "SELECT config FROM fragment_revisions WHERE fragment_id = ? AND revision = ?",
                (request.id, revision),
            )
            fragment = self._message(row, config_text=stored["config"] if stored else None, revision=revision)
        else:
            fragment = self._message(row)
        revisions = self.store.all(
            "SELECT revision, created_at FROM fragment_revisions WHERE fragment_id = ? ORDER BY revision",
            (request.id,),
        )
        current_org = request.current_organization_id or str(row["organization_id"])
        return GetFragmentResponse(
            fragment=fragment,
            fragment_usage=self._usage(request.id, current_org),
            revisions=[
                FragmentRevision(revision=str(r["revision"]), created_at=parse_iso(r["created_at"]))
                for r in revisions
            ],
            tags=self._tags(request.id),
        )

    async def create_fragment(self, request: CreateFragmentRequest) -> CreateFragmentResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        name = require_name(request.name, "fragment name")
        visibility = request.visibility or FragmentVisibility.FRAGMENT_VISIBILITY_PRIVATE
        config = json.dumps(struct_to_dict(request.config), sort_keys=True)
        fragment_id, now = self.ctx.new_id(), self.ctx.now_iso()
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO fragments(id, organization_id, name, config, visibility, revision, created_at, last_updated)"
                " VALUES (?,?,?,?,?,1,?,?)",
                (fragment_id, request.organization_id, name, config, int(visibility), now, now),
            )
            db.execute(
                "INSERT INTO fragment_revisions(fragment_id, revision, config, created_at) VALUES (?,1,?,?)",
                (fragment_id, config, now),
            )
        return CreateFragmentResponse(fragment=self._message(self._fragment_row(fragment_id)))

    async def update_fragment(self, request: UpdateFragmentRequest) -> UpdateFragmentResponse:
        ident = caller(self.ctx)
        row = self._fragment_writable(ident, request.id)
        name = require_name(request.name, "fragment name")
        if request.fragment_config_json:
            try:
                parsed = json.loads(request.fragment_config_json)
            except ValueError as exc:
                fail(Status.INVALID_ARGUMENT, f"fragment_config_json is not valid JSON: {exc}")
            if not isinstance(parsed, dict):
                fail(Status.INVALID_ARGUMENT, "fragment_config_json must hold a JSON object")
            config = json.dumps(parsed, sort_keys=True)
        elif request.config is not None:
            config = json.dumps(struct_to_dict(request.config), sort_keys=True)
        else:
            config = str(row["config"])
        if (
            request.visibility is not None
            and request.visibility != FragmentVisibility.FRAGMENT_VISIBILITY_UNSPECIFIED
        ):
            visibility = int(request.visibility)
        elif request.public is not None:
            visibility = int(
                FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC
                if request.public
                else FragmentVisibility.FRAGMENT_VISIBILITY_PRIVATE
            )
        else:
            visibility = int(row["visibility"])
        last = parse_iso(row["last_updated"])
        if request.last_known_update is not None and last is not None:
            if abs((last - request.last_known_update).total_seconds()) > 1e-6:
                fail(
                    Status.ABORTED,
                    f"fragment {request.id!r} changed since {request.last_known_update.isoformat()}",
                )
        old = self._message(row)
        by = authenticator(ident)
        now, revision = self.ctx.now_iso(), int(row["revision"]) + 1
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO fragment_history(fragment_id, revision, edited_at, old, config, edited_by_type,"
                " edited_by_value) VALUES (?,?,?,?,?,?,?)",
                (request.id, int(row["revision"]), now, bytes(old), row["config"], int(by.type), by.value),
            )
            db.execute(
                "UPDATE fragments SET name = ?, config = ?, visibility = ?, revision = ?, last_updated = ? WHERE id = ?",
                (name, config, visibility, revision, now, request.id),
            )
            db.execute(
                "INSERT INTO fragment_revisions(fragment_id, revision, config, created_at) VALUES (?,?,?,?)",
                (request.id, revision, config, now),
            )
        return UpdateFragmentResponse(fragment=self._message(self._fragment_row(request.id)))

    async def delete_fragment(self, request: DeleteFragmentRequest) -> DeleteFragmentResponse:
        ident = caller(self.ctx)
        self._fragment_writable(ident, request.id)
        users = self._users(request.id)
        if users:
            fail(
                Status.FAILED_PRECONDITION,
                f"fragment {request.id!r} is used by {len(users)} machine part(s): remove it from their configs first",
            )
        with self.store.transaction() as db:
            for table in ("fragment_revisions", "fragment_history", "fragment_tags"):
                db.execute(f"DELETE FROM {table} WHERE fragment_id = ?", (request.id,))
            db.execute("DELETE FROM fragments WHERE id = ?", (request.id,))
        return DeleteFragmentResponse()

    async def get_fragment_history(self, request: GetFragmentHistoryRequest) -> GetFragmentHistoryResponse:
        ident = caller(self.ctx)
        self._fragment_readable(ident, request.id)
        offset = page_offset(request.page_token)
        limit = request.page_limit or DEFAULT_HISTORY_PAGE
        if limit < 0:
            fail(Status.INVALID_ARGUMENT, f"page_limit must be positive (got {limit})")
        rows = self.store.all(
            "SELECT * FROM fragment_history WHERE fragment_id = ? ORDER BY seq DESC LIMIT ? OFFSET ?",
            (request.id, limit + 1, offset),
        )
        more = len(rows) > limit
        history = [
            FragmentHistoryEntry(
                fragment=r["fragment_id"],
                edited_on=parse_iso(r["edited_at"]),
                old=Fragment.parse(r["old"]),
                edited_by=AuthenticatorInfo(
                    type=AuthenticationType(r["edited_by_type"]),
                    value=r["edited_by_value"],
                    is_deactivated=False,
                ),
                revision=str(r["revision"]),
                config=dict_to_struct(json.loads(r["config"])),
            )
            for r in rows[:limit]
        ]
        return GetFragmentHistoryResponse(
            history=history, next_page_token=str(offset + limit) if more else ""
        )

    async def get_fragment_usage(self, request: GetFragmentUsageRequest) -> GetFragmentUsageResponse:
        ident = caller(self.ctx)
        row = self._fragment_readable(ident, request.fragment_id)
        current = sorted(visible_org_ids(self.ctx, ident))
        usage = self._usage(
            request.fragment_id, current[0] if len(current) == 1 else str(row["organization_id"])
        )
        return GetFragmentUsageResponse(version_usages=[usage])

    async def set_fragment_tag(self, request: SetFragmentTagRequest) -> SetFragmentTagResponse:
        ident = caller(self.ctx)
        self._fragment_writable(ident, request.fragment_id)
        tag = require_name(request.tag, "tag")
        if tag.isdigit():
            fail(Status.INVALID_ARGUMENT, f"tag {tag!r} would read as a revision number")
        revision = self._revision_of(request.fragment_id, request.revision)
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO fragment_tags(fragment_id, tag, revision) VALUES (?,?,?) "
                "ON CONFLICT(fragment_id, tag) DO UPDATE SET revision = excluded.revision",
                (request.fragment_id, tag, revision),
            )
        return SetFragmentTagResponse(tags=self._tags(request.fragment_id))

    async def delete_fragment_tag(self, request: DeleteFragmentTagRequest) -> DeleteFragmentTagResponse:
        ident = caller(self.ctx)
        self._fragment_writable(ident, request.fragment_id)
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM fragment_tags WHERE fragment_id = ? AND tag = ?",
                (request.fragment_id, request.tag),
            ).rowcount
            if not gone:
                fail(Status.NOT_FOUND, f"fragment {request.fragment_id!r} has no tag {request.tag!r}")
        return DeleteFragmentTagResponse(tags=self._tags(request.fragment_id))

    # -- resolving references ------------------------------------------------------------------

    def _resolve(
        self, ident: Identity, roots: list[tuple[str, str | None]]
    ) -> tuple[list[Fragment], list[ResolvedFragment]]:
        fragments: dict[str, Fragment] = {}
        resolved: list[ResolvedFragment] = []
        done: set[tuple[str, int]] = set()  # (fragment id, error type or 0 when resolved)

        def error(fragment_id: str, kind: FragmentErrorType, detail: str) -> None:
            if (fragment_id, int(kind)) not in done:
                done.add((fragment_id, int(kind)))
                resolved.append(
                    ResolvedFragment(
                        fragment_id=fragment_id,
                        error=FragmentError(error_type=kind, fragment_id=fragment_id, detail=detail),
                    )
                )

        def visit(fragment_id: str, version: str | None, path: tuple[str, ...]) -> None:
            if fragment_id in path:
                error(
                    fragment_id,
                    FragmentErrorType.FRAGMENT_ERROR_TYPE_CYCLE_DETECTED,
                    " -> ".join((*path, fragment_id)),
                )
                return
            if len(path) >= MAX_NESTING:
                error(
                    fragment_id,
                    FragmentErrorType.FRAGMENT_ERROR_TYPE_NESTING_LIMIT_EXCEEDED,
                    f"deeper than {MAX_NESTING}",
                )
                return
            if (fragment_id, 0) in done:
                return
            try:
                row = self._fragment_readable(ident, fragment_id)
            except GRPCError as exc:
                kind = (
                    FragmentErrorType.FRAGMENT_ERROR_TYPE_NO_ACCESS
                    if exc.status == Status.PERMISSION_DENIED
                    else FragmentErrorType.FRAGMENT_ERROR_TYPE_CHILD_ID_INVALID
                )
                error(fragment_id, kind, str(exc.message))
                return
            revision = int(row["revision"])
            config_text = str(row["config"])
            if version:
                try:
                    revision = self._revision_of(fragment_id, version)
                except GRPCError as exc:
                    error(
                        fragment_id, FragmentErrorType.FRAGMENT_ERROR_TYPE_CHILD_ID_INVALID, str(exc.message)
                    )
                    return
                stored = self.store.one(
                    "SELECT config FROM fragment_revisions WHERE fragment_id = ? AND revision = ?",
                    (fragment_id, revision),
                )
                config_text = str(stored["config"]) if stored else config_text
            config = json.loads(config_text)
            fragments[fragment_id] = self._message(row, config_text=config_text, revision=revision)
            done.add((fragment_id, 0))
            resolved.append(
                ResolvedFragment(
                    fragment_id=fragment_id, resolved_config=dict_to_struct(config), revision=str(revision)
                )
            )
            for child, child_version in fragment_refs(config):
                visit(child, child_version, (*path, fragment_id))

        for fragment_id, version in roots:
            visit(fragment_id, version, ())
        return list(fragments.values()), resolved

    @staticmethod
    def _extra(additional: list[AdditionalFragment]) -> list[tuple[str, str | None]]:
        return [(a.fragment_id, a.version) for a in additional]

    async def list_nested_fragments(self, request: ListNestedFragmentsRequest) -> ListNestedFragmentsResponse:
        ident = caller(self.ctx)
        roots: list[tuple[str, str | None]] = []
        if request.fragment_id:
            row = self._fragment_readable(ident, request.fragment_id)
            roots += fragment_refs(json.loads(row["config"]))
        roots += self._extra(request.additional_fragments)
        fragments, resolved = self._resolve(ident, roots)
        return ListNestedFragmentsResponse(fragments=fragments, resolved_fragments=resolved)

    async def list_machine_fragments(
        self, request: ListMachineFragmentsRequest
    ) -> ListMachineFragmentsResponse:
        ident = caller(self.ctx)
        require_robot(self.ctx, ident, request.machine_id)
        roots: list[tuple[str, str | None]] = []
        for part in self.store.all(
            "SELECT robot_config FROM robot_parts WHERE robot_id = ? ORDER BY main_part DESC, name, id",
            (request.machine_id,),
        ):
            roots += fragment_refs(json.loads(part["robot_config"]))
        roots += [(f, None) for f in request.additional_fragment_ids]
        roots += self._extra(request.additional_fragments)
        fragments, resolved = self._resolve(ident, roots)
        return ListMachineFragmentsResponse(fragments=fragments, resolved_fragments=resolved)
