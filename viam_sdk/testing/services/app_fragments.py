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
from functools import cached_property

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
from ..backends.fragments import MAX_NESTING, SCHEMA, FragmentRow, FragmentsBackend, fragment_refs
from ..context import parse_iso
from ..errors import InvalidArgument
from ..structs import dict_to_struct, struct_to_dict
from ._app_common import AppPart, page_offset, require_name
from .app_robots import authenticator

__all__ = ["MAX_NESTING", "SCHEMA", "FragmentsPart", "fragment_refs"]  # robot.py reads the first and last

PUBLIC_KINDS = (
    FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC,
    FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED,
)
DEFAULT_HISTORY_PAGE = 10


class FragmentsPart(AppPart):
    @cached_property
    def fragments(self) -> FragmentsBackend:
        return FragmentsBackend(self.ctx)

    def _fragment_readable(self, ident: Identity, fragment_id: str) -> FragmentRow:
        row = self.fragments.get(fragment_id)
        if FragmentVisibility(row.visibility) in PUBLIC_KINDS:
            return row
        require_org(self.ctx, ident, row.organization_id)
        return row

    def _fragment_writable(self, ident: Identity, fragment_id: str) -> FragmentRow:
        row = self.fragments.get(fragment_id)
        require_org(self.ctx, ident, row.organization_id, write=True)
        return row

    def _usage(self, fragment_id: str, current_org: str = "") -> FragmentUsage:
        users = self.fragments.users(fragment_id)
        return FragmentUsage(
            fragment_id=fragment_id,
            organizations=len({u.org_id for u in users}),
            machines=len(users),
            machines_in_current_org=sum(1 for u in users if u.org_id == current_org),
        )

    def _message(self, row: FragmentRow, *, config_text: str | None = None, revision: int | None = None) -> Fragment:
        org = self.fragments.owner_names(row.organization_id)
        users = self.fragments.users(row.id)
        orgs = {u.org_id for u in users}
        config = json.loads(config_text if config_text is not None else row.config)
        visibility = FragmentVisibility(row.visibility)
        return Fragment(
            id=row.id,
            name=row.name,
            fragment=dict_to_struct(config),
            organization_owner=row.organization_id,
            public=visibility == FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC,
            created_on=parse_iso(row.created_at),
            organization_name=org.name if org else "",
            robot_part_count=len(users),
            organization_count=len(orgs),
            only_used_by_owner=orgs <= {row.organization_id},
            visibility=visibility,
            last_updated=parse_iso(row.last_updated),
            revision=str(revision if revision is not None else row.revision),
            public_namespace=(org.public_namespace or None) if org else None,
            fragment_config_json=json.dumps(config, sort_keys=True),
        )

    async def list_fragments(self, request: ListFragmentsRequest) -> ListFragmentsResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id)
        kinds = set(request.fragment_visibility)
        rows = [r for r in self.fragments.of_org(org_id) if not kinds or FragmentVisibility(r.visibility) in kinds]
        if request.show_public:
            rows += self.fragments.visible_to_all_but(org_id, int(FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC))
        return ListFragmentsResponse(
            fragments=[self._message(r) for r in rows],
            fragment_usages=[self._usage(r.id, org_id) for r in rows],
        )

    def _tags(self, fragment_id: str) -> list[FragmentTag]:
        return [FragmentTag(tag=t.tag, revision=str(t.revision)) for t in self.fragments.tags(fragment_id)]

    async def get_fragment(self, request: GetFragmentRequest) -> GetFragmentResponse:
        ident = caller(self.ctx)
        row = self._fragment_readable(ident, request.id)
        if request.version:
            revision = self.fragments.revision_of(request.id, request.version)
            stored = self.fragments.revision_config(request.id, revision)
            fragment = self._message(row, config_text=stored, revision=revision)
        else:
            fragment = self._message(row)
        revisions = self.fragments.revisions(request.id)
        current_org = request.current_organization_id or row.organization_id
        return GetFragmentResponse(
            fragment=fragment,
            fragment_usage=self._usage(request.id, current_org),
            revisions=[
                FragmentRevision(revision=str(r.revision), created_at=parse_iso(r.created_at)) for r in revisions
            ],
            tags=self._tags(request.id),
        )

    async def create_fragment(self, request: CreateFragmentRequest) -> CreateFragmentResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        name = require_name(request.name, "fragment name")
        visibility = request.visibility or FragmentVisibility.FRAGMENT_VISIBILITY_PRIVATE
        config = json.dumps(struct_to_dict(request.config), sort_keys=True)
        fragment_id = self.fragments.create(request.organization_id, name, config, int(visibility))
        return CreateFragmentResponse(fragment=self._message(self.fragments.get(fragment_id)))

    async def update_fragment(self, request: UpdateFragmentRequest) -> UpdateFragmentResponse:
        ident = caller(self.ctx)
        row = self._fragment_writable(ident, request.id)
        name = require_name(request.name, "fragment name")
        if request.fragment_config_json:
            try:
                parsed = json.loads(request.fragment_config_json)
            except ValueError as exc:
                raise InvalidArgument(f"fragment_config_json is not valid JSON: {exc}") from None
            if not isinstance(parsed, dict):
                raise InvalidArgument("fragment_config_json must hold a JSON object")
            config = json.dumps(parsed, sort_keys=True)
        elif request.config is not None:
            config = json.dumps(struct_to_dict(request.config), sort_keys=True)
        else:
            config = row.config
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
            visibility = row.visibility
        by = authenticator(ident)
        self.fragments.update(
            row,
            name=name,
            config=config,
            visibility=visibility,
            last_known_update=request.last_known_update,
            old=bytes(self._message(row)),
            edited_by=(int(by.type), by.value),
        )
        return UpdateFragmentResponse(fragment=self._message(self.fragments.get(request.id)))

    async def delete_fragment(self, request: DeleteFragmentRequest) -> DeleteFragmentResponse:
        ident = caller(self.ctx)
        self._fragment_writable(ident, request.id)
        self.fragments.delete(request.id)
        return DeleteFragmentResponse()

    async def get_fragment_history(self, request: GetFragmentHistoryRequest) -> GetFragmentHistoryResponse:
        ident = caller(self.ctx)
        self._fragment_readable(ident, request.id)
        offset = page_offset(request.page_token)
        limit = request.page_limit or DEFAULT_HISTORY_PAGE
        if limit < 0:
            raise InvalidArgument(f"page_limit must be positive (got {limit})")
        rows = self.fragments.history(request.id, limit=limit + 1, offset=offset)
        more = len(rows) > limit
        history = [
            FragmentHistoryEntry(
                fragment=r.fragment_id,
                edited_on=parse_iso(r.edited_at),
                old=Fragment.parse(r.old),
                edited_by=AuthenticatorInfo(
                    type=AuthenticationType(r.edited_by_type),
                    value=r.edited_by_value,
                    is_deactivated=False,
                ),
                revision=str(r.revision),
                config=dict_to_struct(json.loads(r.config)),
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
            request.fragment_id, current[0] if len(current) == 1 else row.organization_id
        )
        return GetFragmentUsageResponse(version_usages=[usage])

    async def set_fragment_tag(self, request: SetFragmentTagRequest) -> SetFragmentTagResponse:
        ident = caller(self.ctx)
        self._fragment_writable(ident, request.fragment_id)
        tag = require_name(request.tag, "tag")
        self.fragments.set_tag(request.fragment_id, tag, request.revision)
        return SetFragmentTagResponse(tags=self._tags(request.fragment_id))

    async def delete_fragment_tag(self, request: DeleteFragmentTagRequest) -> DeleteFragmentTagResponse:
        ident = caller(self.ctx)
        self._fragment_writable(ident, request.fragment_id)
        self.fragments.delete_tag(request.fragment_id, request.tag)
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
            revision = row.revision
            config_text = row.config
            if version:
                try:
                    revision = self.fragments.revision_of(fragment_id, version)
                except GRPCError as exc:
                    error(
                        fragment_id, FragmentErrorType.FRAGMENT_ERROR_TYPE_CHILD_ID_INVALID, str(exc.message)
                    )
                    return
                config_text = self.fragments.revision_config(fragment_id, revision) or config_text
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
            roots += fragment_refs(json.loads(row.config))
        roots += self._extra(request.additional_fragments)
        fragments, resolved = self._resolve(ident, roots)
        return ListNestedFragmentsResponse(fragments=fragments, resolved_fragments=resolved)

    async def list_machine_fragments(
        self, request: ListMachineFragmentsRequest
    ) -> ListMachineFragmentsResponse:
        ident = caller(self.ctx)
        require_robot(self.ctx, ident, request.machine_id)
        roots: list[tuple[str, str | None]] = []
        for config in self.fragments.machine_configs(request.machine_id):
            roots += fragment_refs(config)
        roots += [(f, None) for f in request.additional_fragment_ids]
        roots += self._extra(request.additional_fragments)
        fragments, resolved = self._resolve(ident, roots)
        return ListMachineFragmentsResponse(fragments=fragments, resolved_fragments=resolved)
