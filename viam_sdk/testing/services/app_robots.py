"""AppService, machines (robots) and their parts: CRUD, configs, secrets, history, metadata.

* A new machine gets a main part named ``<machine>-main`` with one secret;
  ``fqdn``/``local_fqdn`` follow ``<part>.<location id>[.local].viam.cloud``.
* Machine names are unique within a location and part names within a machine
  (ALREADY_EXISTS).  The main part cannot be deleted (FAILED_PRECONDITION):
  mark another part as main first, or delete the whole machine.
* Every change of a part's name or config stores the previous state in the
  part's history (secrets stripped), newest first in GetRobotPartHistory.
* SetConfigProperty paths are dot-separated keys into the part's config
  (``components.0.attributes.pin``; a number indexes a list).  Missing objects
  along the way are created; each change reports success or its error, and the
  successful ones are applied together, recorded in the history.
* ListMachineSummaries reports parts as online when they pushed logs (or were
  otherwise seen) during the last minute, awaiting setup when never seen.
* Favourites belong to the calling identity (API key, location or part).
* Logs: see app_robot_logs.py.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from viam_api.app.v1 import (
    AddFavoriteMachineRequest,
    AddFavoriteMachineResponse,
    AuthenticationType,
    AuthenticatorInfo,
    ConfigPropertyChangeResult,
    CreateRobotPartSecretRequest,
    CreateRobotPartSecretResponse,
    DeleteRobotPartRequest,
    DeleteRobotPartResponse,
    DeleteRobotPartSecretRequest,
    DeleteRobotPartSecretResponse,
    DeleteRobotRequest,
    DeleteRobotResponse,
    FavoriteMachine,
    GetRobotMetadataRequest,
    GetRobotMetadataResponse,
    GetRobotPartByNameAndLocationRequest,
    GetRobotPartByNameAndLocationResponse,
    GetRobotPartHistoryRequest,
    GetRobotPartHistoryResponse,
    GetRobotPartMetadataRequest,
    GetRobotPartMetadataResponse,
    GetRobotPartRequest,
    GetRobotPartResponse,
    GetRobotPartsRequest,
    GetRobotPartsResponse,
    GetRobotRequest,
    GetRobotResponse,
    GetRoverRentalRobotsRequest,
    GetRoverRentalRobotsResponse,
    ListFavoriteMachinesRequest,
    ListFavoriteMachinesResponse,
    ListMachineSummariesRequest,
    ListMachineSummariesResponse,
    ListRobotsForLocationsRequest,
    ListRobotsForLocationsResponse,
    ListRobotsForOrgRequest,
    ListRobotsForOrgResponse,
    ListRobotsRequest,
    ListRobotsResponse,
    LocationSummary,
    MachineSummary,
    MarkPartAsMainRequest,
    MarkPartAsMainResponse,
    MarkPartForRestartRequest,
    MarkPartForRestartResponse,
    NewRobotPartRequest,
    NewRobotPartResponse,
    NewRobotRequest,
    NewRobotResponse,
    PartSummary,
    RemoveFavoriteMachineRequest,
    RemoveFavoriteMachineResponse,
    Robot,
    RobotPart,
    RobotPartHistoryEntry,
    SetConfigPropertyRequest,
    SetConfigPropertyResponse,
    UpdateRobotMetadataRequest,
    UpdateRobotMetadataResponse,
    UpdateRobotPartMetadataRequest,
    UpdateRobotPartMetadataResponse,
    UpdateRobotPartRequest,
    UpdateRobotPartResponse,
    UpdateRobotRequest,
    UpdateRobotResponse,
)

from ..auth import (
    API_KEY,
    LOCATION_SECRET,
    Identity,
    caller,
    require_location,
    require_org,
    require_part,
    require_robot,
)
from ..backends.locations import LocationsBackend
from ..backends.machines import ROBOTS_SCHEMA as SCHEMA
from ..backends.machines import PartEdit, PartRow, RobotsBackend
from ..context import parse_iso
from ..errors import Aborted, InvalidArgument
from ..structs import from_value, struct_to_dict
from ._app_common import (
    AppPart,
    metadata_json,
    metadata_struct,
    online_state,
    page_offset,
    part_message,
    require_name,
    robot_message,
    sees_part_secrets,
)

__all__ = ["SCHEMA", "RobotsPart", "authenticator", "set_path"]

DEFAULT_HISTORY_PAGE = 100


def set_path(config: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dot-separated ``path`` of ``config`` (ValueError when impossible)."""
    keys = path.split(".")
    if not path or any(not k for k in keys):
        raise ValueError(f"path {path!r} has an empty segment")
    node: Any = config
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise ValueError(f"{'.'.join(keys[: i + 1])!r}: no list item {key}")
            if last:
                node[int(key)] = value
            else:
                node = node[int(key)]
        elif isinstance(node, dict):
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
        else:
            raise ValueError(f"{'.'.join(keys[:i])!r} holds a value, not an object or list")


def authenticator(ident: Identity) -> AuthenticatorInfo:
    kinds = {
        API_KEY: AuthenticationType.AUTHENTICATION_TYPE_API_KEY,
        LOCATION_SECRET: AuthenticationType.AUTHENTICATION_TYPE_LOCATION_SECRET,
    }
    kind = kinds.get(ident.kind, AuthenticationType.AUTHENTICATION_TYPE_ROBOT_PART_SECRET)
    return AuthenticatorInfo(type=kind, value=ident.subject, is_deactivated=False)


class RobotsPart(AppPart):
    @cached_property
    def robots(self) -> RobotsBackend:
        return RobotsBackend(self.ctx)

    # -- machines ---------------------------------------------------------------------

    def _robot(self, robot_id: str) -> Robot:
        return robot_message(self.robots.robot(robot_id), self.ctx.now())

    def _part(self, part_id: str, ident: Identity | None = None) -> RobotPart:
        """A part as ``ident`` may see it (every secret when None: the caller may change it)."""
        return self._part_shown(self.robots.part(part_id), ident)

    def _part_shown(self, row: PartRow, ident: Identity | None) -> RobotPart:
        reveal = ident is None or sees_part_secrets(self.ctx, ident, row.id)
        return part_message(self.store, row, self.ctx.now(), reveal=reveal)

    async def get_robot(self, request: GetRobotRequest) -> GetRobotResponse:
        ident = caller(self.ctx)
        require_robot(self.ctx, ident, request.id)
        return GetRobotResponse(robot=self._robot(request.id))

    async def get_rover_rental_robots(
        self, request: GetRoverRentalRobotsRequest
    ) -> GetRoverRentalRobotsResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id)
        return GetRoverRentalRobotsResponse(robots=[])  # the emulator rents out no rovers

    async def get_robot_metadata(self, request: GetRobotMetadataRequest) -> GetRobotMetadataResponse:
        ident = caller(self.ctx)
        require_robot(self.ctx, ident, request.id)
        return GetRobotMetadataResponse(data=metadata_struct(self.robots.robot_metadata(request.id)))

    async def update_robot_metadata(self, request: UpdateRobotMetadataRequest) -> UpdateRobotMetadataResponse:
        ident = caller(self.ctx)
        require_robot(self.ctx, ident, request.id, write=True)
        self.robots.set_robot_metadata(request.id, metadata_json(request.data))
        return UpdateRobotMetadataResponse()

    async def list_robots(self, request: ListRobotsRequest) -> ListRobotsResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id)
        now = self.ctx.now()
        return ListRobotsResponse(robots=[robot_message(r, now) for r in self.robots.in_location(request.location_id)])

    async def list_robots_for_locations(
        self, request: ListRobotsForLocationsRequest
    ) -> ListRobotsForLocationsResponse:
        ident = caller(self.ctx)
        robots: list[Robot] = []
        for location_id in dict.fromkeys(request.location_ids):
            require_location(self.ctx, ident, location_id)
            robots.extend(robot_message(r, self.ctx.now()) for r in self.robots.in_location(location_id))
        return ListRobotsForLocationsResponse(robots=robots)

    async def list_robots_for_org(self, request: ListRobotsForOrgRequest) -> ListRobotsForOrgResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id)
        now = self.ctx.now()
        return ListRobotsForOrgResponse(robots=[robot_message(r, now) for r in self.robots.of_org(request.org_id)])

    def _add_part_secret(self, part_id: str) -> None:
        self.credentials.add_part_secret(part_id, secret_id=self.ctx.new_id(), created_at=self.ctx.now_iso())

    async def new_robot(self, request: NewRobotRequest) -> NewRobotResponse:
        ident = caller(self.ctx)
        name = require_name(request.name, "machine name")
        require_location(self.ctx, ident, request.location, write=True)
        with self.store.transaction():
            robot_id, part_id = self.robots.create_robot(request.location, name)
            self._add_part_secret(part_id)
        return NewRobotResponse(id=robot_id)

    async def update_robot(self, request: UpdateRobotRequest) -> UpdateRobotResponse:
        ident = caller(self.ctx)
        _, current_location = require_robot(self.ctx, ident, request.id, write=True)
        name = require_name(request.name, "machine name")
        location = request.location or current_location
        if location != current_location:
            require_location(self.ctx, ident, location, write=True)
        self.robots.update_robot(request.id, name, location)
        return UpdateRobotResponse(robot=self._robot(request.id))

    async def delete_robot(self, request: DeleteRobotRequest) -> DeleteRobotResponse:
        ident = caller(self.ctx)
        require_robot(self.ctx, ident, request.id, write=True)
        self.robots.delete_robot(request.id)
        return DeleteRobotResponse()

    # -- parts ---------------------------------------------------------------------------

    async def get_robot_parts(self, request: GetRobotPartsRequest) -> GetRobotPartsResponse:
        ident = caller(self.ctx)
        require_robot(self.ctx, ident, request.robot_id)
        return GetRobotPartsResponse(parts=[self._part_shown(r, ident) for r in self.robots.parts(request.robot_id)])

    async def get_robot_part(self, request: GetRobotPartRequest) -> GetRobotPartResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.id)
        part = self._part(request.id, ident)
        config = struct_to_dict(part.robot_config)
        return GetRobotPartResponse(part=part, config_json=json.dumps(config, indent=2, sort_keys=True))

    async def get_robot_part_by_name_and_location(
        self, request: GetRobotPartByNameAndLocationRequest
    ) -> GetRobotPartByNameAndLocationResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id)
        row = self.robots.part_named(request.location_id, request.name)
        return GetRobotPartByNameAndLocationResponse(part=self._part_shown(row, ident))

    @staticmethod
    def _edit(ident: Identity, part: RobotPart) -> PartEdit:
        """The part as it was (secrets stripped) and who changes it, for the part's history."""
        old = RobotPart.parse(bytes(part))
        old.secret, old.secrets = "", []
        by = authenticator(ident)
        return PartEdit(old=bytes(old), edited_by_type=int(by.type), edited_by_value=by.value)

    async def update_robot_part(self, request: UpdateRobotPartRequest) -> UpdateRobotPartResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.id, write=True)
        name = require_name(request.name, "part name")
        config: dict[str, object] | None = None
        if request.robot_config_json:
            try:
                parsed = json.loads(request.robot_config_json)
            except ValueError as exc:
                raise InvalidArgument(f"robot_config_json is not valid JSON: {exc}") from None
            if not isinstance(parsed, dict):
                raise InvalidArgument("robot_config_json must hold a JSON object")
            config = parsed
        elif request.robot_config is not None:
            config = struct_to_dict(request.robot_config)
        row = self.robots.part(request.id)
        current = self._part_shown(row, None)
        if request.last_known_update is not None and current.last_updated is not None:
            if abs((current.last_updated - request.last_known_update).total_seconds()) > 1e-6:
                raise Aborted(
                    f"part {request.id!r} changed since {request.last_known_update.isoformat()}: reload and retry"
                )
        self.robots.update_part(row, name, config, self._edit(ident, current))
        return UpdateRobotPartResponse(part=self._part(request.id))

    async def new_robot_part(self, request: NewRobotPartRequest) -> NewRobotPartResponse:
        ident = caller(self.ctx)
        _, location_id = require_robot(self.ctx, ident, request.robot_id, write=True)
        name = require_name(request.part_name, "part name")
        with self.store.transaction():
            part_id = self.robots.add_part(request.robot_id, location_id, name)
            self._add_part_secret(part_id)
        return NewRobotPartResponse(part_id=part_id)

    async def delete_robot_part(self, request: DeleteRobotPartRequest) -> DeleteRobotPartResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.part_id, write=True)
        self.robots.delete_part(request.part_id)
        return DeleteRobotPartResponse()

    async def get_robot_part_metadata(
        self, request: GetRobotPartMetadataRequest
    ) -> GetRobotPartMetadataResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.id)
        return GetRobotPartMetadataResponse(data=metadata_struct(self.robots.part_metadata(request.id)))

    async def update_robot_part_metadata(
        self, request: UpdateRobotPartMetadataRequest
    ) -> UpdateRobotPartMetadataResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.id, write=True)
        self.robots.set_part_metadata(request.id, metadata_json(request.data))
        return UpdateRobotPartMetadataResponse()

    async def mark_part_as_main(self, request: MarkPartAsMainRequest) -> MarkPartAsMainResponse:
        ident = caller(self.ctx)
        _, _, robot_id = require_part(self.ctx, ident, request.part_id, write=True)
        self.robots.mark_main(robot_id, request.part_id)
        return MarkPartAsMainResponse()

    async def mark_part_for_restart(self, request: MarkPartForRestartRequest) -> MarkPartForRestartResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.part_id, write=True)
        self.robots.mark_for_restart(request.part_id)
        return MarkPartForRestartResponse()

    async def create_robot_part_secret(
        self, request: CreateRobotPartSecretRequest
    ) -> CreateRobotPartSecretResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.part_id, write=True)
        self._add_part_secret(request.part_id)
        return CreateRobotPartSecretResponse(part=self._part(request.part_id))

    async def delete_robot_part_secret(
        self, request: DeleteRobotPartSecretRequest
    ) -> DeleteRobotPartSecretResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.part_id, write=True)
        self.credentials.delete_part_secret(request.part_id, request.secret_id)
        return DeleteRobotPartSecretResponse()

    async def get_robot_part_history(
        self, request: GetRobotPartHistoryRequest
    ) -> GetRobotPartHistoryResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.id)
        after = page_offset(request.page_token)
        limit = request.page_limit or DEFAULT_HISTORY_PAGE
        if limit < 0:
            raise InvalidArgument(f"page_limit must be positive (got {limit})")
        # Keyset paging: the token is the last entry's sequence number, so
        # edits made between two pages neither repeat nor skip entries.
        rows = self.robots.history(request.id, limit=limit + 1, before=after, start=request.start, end=request.end)
        more = len(rows) > limit
        history = [
            RobotPartHistoryEntry(
                part=r.part_id,
                robot=r.robot_id,
                when=parse_iso(r.edited_at),
                old=RobotPart.parse(r.old),
                edited_by=AuthenticatorInfo(
                    type=AuthenticationType(r.edited_by_type),
                    value=r.edited_by_value,
                    is_deactivated=False,
                ),
            )
            for r in rows[:limit]
        ]
        return GetRobotPartHistoryResponse(
            history=history, next_page_token=str(rows[limit - 1].seq) if more else ""
        )

    async def set_config_property(self, request: SetConfigPropertyRequest) -> SetConfigPropertyResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.robot_part_id, write=True)
        if not request.property_changes:
            raise InvalidArgument("give at least one property change")
        row = self.robots.part(request.robot_part_id)
        current = self._part_shown(row, None)
        config = struct_to_dict(current.robot_config)
        results: list[ConfigPropertyChangeResult] = []
        for change in request.property_changes:
            value = from_value(change.value) if change.value is not None else None
            try:
                set_path(config, change.path, value)
            except ValueError as exc:
                results.append(
                    ConfigPropertyChangeResult(
                        path=change.path, value=change.value, success=False, error=str(exc)
                    )
                )
            else:
                results.append(
                    ConfigPropertyChangeResult(path=change.path, value=change.value, success=True, error="")
                )
        if any(r.success for r in results):
            self.robots.set_config(row, config, self._edit(ident, current))
        return SetConfigPropertyResponse(property_changes=results)

    # -- favourites and summaries ------------------------------------------------------------

    async def add_favorite_machine(self, request: AddFavoriteMachineRequest) -> AddFavoriteMachineResponse:
        ident = caller(self.ctx)
        require_robot(self.ctx, ident, request.machine_id)
        self.robots.add_favorite(f"{ident.kind}:{ident.subject}", request.machine_id)
        return AddFavoriteMachineResponse()

    async def remove_favorite_machine(
        self, request: RemoveFavoriteMachineRequest
    ) -> RemoveFavoriteMachineResponse:
        ident = caller(self.ctx)
        self.robots.remove_favorite(f"{ident.kind}:{ident.subject}", request.machine_id)
        return RemoveFavoriteMachineResponse()

    async def list_favorite_machines(
        self, request: ListFavoriteMachinesRequest
    ) -> ListFavoriteMachinesResponse:
        ident = caller(self.ctx)
        return ListFavoriteMachinesResponse(
            favorites=[
                FavoriteMachine(
                    machine=robot_message(f.robot, self.ctx.now()),
                    organization_id=f.organization_id,
                    created_on=parse_iso(f.favored_at),
                )
                for f in self.robots.favorites(f"{ident.kind}:{ident.subject}")
            ]
        )

    async def list_machine_summaries(
        self, request: ListMachineSummariesRequest
    ) -> ListMachineSummariesResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id)
        if request.limit is not None and request.limit < 0:
            raise InvalidArgument(f"limit must not be negative (got {request.limit})")
        locations = LocationsBackend(self.ctx).owned(org_id)
        wanted_locations = set(request.location_ids)
        wanted_fragments = set(request.fragment_ids)
        summaries: list[LocationSummary] = []
        machines_left = request.limit or None
        for loc in locations:
            if wanted_locations and loc.id not in wanted_locations:
                continue
            machines: list[MachineSummary] = []
            for robot in self.robots.in_location(loc.id):
                parts = self.robots.parts(robot.id)
                used = {
                    str(f if isinstance(f, str) else f.get("id", ""))
                    for p in parts
                    for f in json.loads(p.robot_config).get("fragments", [])
                    if isinstance(f, (str, dict))
                }
                if wanted_fragments and not (used & wanted_fragments):
                    continue
                part_summaries = []
                for p in parts:
                    state, ago = online_state(p.last_access, self.ctx.now())
                    part_summaries.append(
                        PartSummary(
                            part_id=p.id,
                            part_name=p.name,
                            is_main_part=p.main_part,
                            online_state=state,
                            seconds_since_online=ago,
                            last_access=parse_iso(p.last_access),
                            last_online=parse_iso(p.last_access),
                            dns_name=p.dns_name,
                        )
                    )
                machines.append(
                    MachineSummary(machine_id=robot.id, machine_name=robot.name, part_summaries=part_summaries)
                )
                if machines_left is not None:
                    machines_left -= 1
                    if machines_left == 0:
                        break
            if machines:
                summaries.append(
                    LocationSummary(location_id=loc.id, location_name=loc.name, machine_summaries=machines)
                )
            if machines_left == 0:
                break
        return ListMachineSummariesResponse(location_summaries=summaries)
