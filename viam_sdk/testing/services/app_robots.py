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
import sqlite3
from typing import Any

from grpclib.const import Status
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
    add_part_secret,
    caller,
    require_location,
    require_org,
    require_part,
    require_robot,
)
from ..context import EmulatorContext, iso, parse_iso
from ..structs import from_value, struct_to_dict
from ._app_common import (
    AppPart,
    delete_part_rows,
    delete_robot_rows,
    dns_label,
    fail,
    metadata_json,
    metadata_struct,
    online_state,
    page_offset,
    part_message,
    require_name,
    robot_message,
    sees_part_secrets,
)

SCHEMA = """
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


def create_robot(
    ctx: EmulatorContext, db: sqlite3.Connection, *, location_id: str, name: str
) -> tuple[str, str]:
    """Insert a machine and its main part; returns (robot id, part id).  Inside a transaction."""
    if db.execute("SELECT 1 FROM robots WHERE location_id = ? AND name = ?", (location_id, name)).fetchone():
        fail(Status.ALREADY_EXISTS, f"location {location_id!r} already has a machine named {name!r}")
    robot_id, now = ctx.new_id(), ctx.now_iso()
    db.execute(
        "INSERT INTO robots(id, location_id, name, created_at) VALUES (?,?,?,?)",
        (robot_id, location_id, name, now),
    )
    part_id = insert_part(ctx, db, robot_id=robot_id, location_id=location_id, name=f"{name}-main", main=True)
    return robot_id, part_id


def insert_part(
    ctx: EmulatorContext, db: sqlite3.Connection, *, robot_id: str, location_id: str, name: str, main: bool
) -> str:
    if db.execute("SELECT 1 FROM robot_parts WHERE robot_id = ? AND name = ?", (robot_id, name)).fetchone():
        fail(Status.ALREADY_EXISTS, f"machine {robot_id!r} already has a part named {name!r}")
    part_id, now = ctx.new_id(), ctx.now_iso()
    label = dns_label(name)
    db.execute(
        "INSERT INTO robot_parts(id, robot_id, name, main_part, fqdn, local_fqdn, dns_name, created_at, last_updated)"
        " VALUES (?,?,?,?,?,?,?,?,?)",
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
    add_part_secret(db, secret_id=ctx.new_id(), part_id=part_id, created_at=now)
    return part_id


class RobotsPart(AppPart):
    # -- machines ---------------------------------------------------------------------

    def _robot(self, robot_id: str) -> Robot:
        row = self.store.one("SELECT * FROM robots WHERE id = ?", (robot_id,))
        if row is None:
            fail(Status.NOT_FOUND, f"machine (robot) {robot_id!r} not found")
        return robot_message(row, self.ctx.now())

    def _part(self, part_id: str, ident: Identity | None = None) -> RobotPart:
        """A part as ``ident`` may see it (every secret when None: the caller may change it)."""
        row = self.store.one("SELECT * FROM robot_parts WHERE id = ?", (part_id,))
        if row is None:
            fail(Status.NOT_FOUND, f"machine part {part_id!r} not found")
        return self._part_shown(row, ident)

    def _part_shown(self, row: sqlite3.Row, ident: Identity | None) -> RobotPart:
        reveal = ident is None or sees_part_secrets(self.ctx, ident, str(row["id"]))
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
        row = self.store.one("SELECT metadata FROM robots WHERE id = ?", (request.id,))
        return GetRobotMetadataResponse(data=metadata_struct(row["metadata"] if row else None))

    async def update_robot_metadata(self, request: UpdateRobotMetadataRequest) -> UpdateRobotMetadataResponse:
        ident = caller(self.ctx)
        require_robot(self.ctx, ident, request.id, write=True)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE robots SET metadata = ? WHERE id = ?", (metadata_json(request.data), request.id)
            )
        return UpdateRobotMetadataResponse()

    async def list_robots(self, request: ListRobotsRequest) -> ListRobotsResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id)
        rows = self.store.all(
            "SELECT * FROM robots WHERE location_id = ? ORDER BY name, id", (request.location_id,)
        )
        return ListRobotsResponse(robots=[robot_message(r, self.ctx.now()) for r in rows])

    async def list_robots_for_locations(
        self, request: ListRobotsForLocationsRequest
    ) -> ListRobotsForLocationsResponse:
        ident = caller(self.ctx)
        robots: list[Robot] = []
        for location_id in dict.fromkeys(request.location_ids):
            require_location(self.ctx, ident, location_id)
            rows = self.store.all(
                "SELECT * FROM robots WHERE location_id = ? ORDER BY name, id", (location_id,)
            )
            robots.extend(robot_message(r, self.ctx.now()) for r in rows)
        return ListRobotsForLocationsResponse(robots=robots)

    async def list_robots_for_org(self, request: ListRobotsForOrgRequest) -> ListRobotsForOrgResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id)
        rows = self.store.all(
            "SELECT r.* FROM robots r JOIN locations l ON l.id = r.location_id WHERE l.organization_id = ? "
            "ORDER BY r.name, r.id",
            (request.org_id,),
        )
        return ListRobotsForOrgResponse(robots=[robot_message(r, self.ctx.now()) for r in rows])

    async def new_robot(self, request: NewRobotRequest) -> NewRobotResponse:
        ident = caller(self.ctx)
        name = require_name(request.name, "machine name")
        require_location(self.ctx, ident, request.location, write=True)
        with self.store.transaction() as db:
            robot_id, _ = create_robot(self.ctx, db, location_id=request.location, name=name)
        return NewRobotResponse(id=robot_id)

    async def update_robot(self, request: UpdateRobotRequest) -> UpdateRobotResponse:
        ident = caller(self.ctx)
        _, current_location = require_robot(self.ctx, ident, request.id, write=True)
        name = require_name(request.name, "machine name")
        location = request.location or current_location
        if location != current_location:
            require_location(self.ctx, ident, location, write=True)
        with self.store.transaction() as db:
            clash = db.execute(
                "SELECT 1 FROM robots WHERE location_id = ? AND name = ? AND id != ?",
                (location, name, request.id),
            ).fetchone()
            if clash:
                fail(Status.ALREADY_EXISTS, f"location {location!r} already has a machine named {name!r}")
            db.execute(
                "UPDATE robots SET name = ?, location_id = ? WHERE id = ?", (name, location, request.id)
            )
        return UpdateRobotResponse(robot=self._robot(request.id))

    async def delete_robot(self, request: DeleteRobotRequest) -> DeleteRobotResponse:
        ident = caller(self.ctx)
        require_robot(self.ctx, ident, request.id, write=True)
        with self.store.transaction() as db:
            delete_robot_rows(db, request.id)
        return DeleteRobotResponse()

    # -- parts ---------------------------------------------------------------------------

    async def get_robot_parts(self, request: GetRobotPartsRequest) -> GetRobotPartsResponse:
        ident = caller(self.ctx)
        require_robot(self.ctx, ident, request.robot_id)
        rows = self.store.all(
            "SELECT * FROM robot_parts WHERE robot_id = ? ORDER BY main_part DESC, name, id",
            (request.robot_id,),
        )
        return GetRobotPartsResponse(parts=[self._part_shown(r, ident) for r in rows])

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
        row = self.store.one(
            "SELECT p.* FROM robot_parts p JOIN robots r ON r.id = p.robot_id "
            "WHERE r.location_id = ? AND p.name = ? ORDER BY p.created_at, p.id LIMIT 1",
            (request.location_id, request.name),
        )
        if row is None:
            fail(Status.NOT_FOUND, f"no part named {request.name!r} in location {request.location_id!r}")
        return GetRobotPartByNameAndLocationResponse(part=self._part_shown(row, ident))

    def _record_history(self, db: sqlite3.Connection, ident: Identity, part: RobotPart) -> None:
        old = RobotPart.parse(bytes(part))
        old.secret, old.secrets = "", []
        by = authenticator(ident)
        db.execute(
            "INSERT INTO robot_part_history(part_id, robot_id, edited_at, old, edited_by_type, edited_by_value)"
            " VALUES (?,?,?,?,?,?)",
            (part.id, part.robot, self.ctx.now_iso(), bytes(old), int(by.type), by.value),
        )

    async def update_robot_part(self, request: UpdateRobotPartRequest) -> UpdateRobotPartResponse:
        ident = caller(self.ctx)
        _, _, robot_id = require_part(self.ctx, ident, request.id, write=True)
        name = require_name(request.name, "part name")
        config: dict[str, object] | None = None
        if request.robot_config_json:
            try:
                parsed = json.loads(request.robot_config_json)
            except ValueError as exc:
                fail(Status.INVALID_ARGUMENT, f"robot_config_json is not valid JSON: {exc}")
            if not isinstance(parsed, dict):
                fail(Status.INVALID_ARGUMENT, "robot_config_json must hold a JSON object")
            config = parsed
        elif request.robot_config is not None:
            config = struct_to_dict(request.robot_config)
        current = self._part(request.id)
        if request.last_known_update is not None and current.last_updated is not None:
            if abs((current.last_updated - request.last_known_update).total_seconds()) > 1e-6:
                fail(
                    Status.ABORTED,
                    f"part {request.id!r} changed since {request.last_known_update.isoformat()}: reload and retry",
                )
        with self.store.transaction() as db:
            clash = db.execute(
                "SELECT 1 FROM robot_parts WHERE robot_id = ? AND name = ? AND id != ?",
                (robot_id, name, request.id),
            ).fetchone()
            if clash:
                fail(Status.ALREADY_EXISTS, f"machine {robot_id!r} already has a part named {name!r}")
            self._record_history(db, ident, current)
            db.execute(
                "UPDATE robot_parts SET name = ?, last_updated = ? WHERE id = ?",
                (name, self.ctx.now_iso(), request.id),
            )
            if config is not None:
                db.execute(
                    "UPDATE robot_parts SET robot_config = ? WHERE id = ?",
                    (json.dumps(config, sort_keys=True), request.id),
                )
        return UpdateRobotPartResponse(part=self._part(request.id))

    async def new_robot_part(self, request: NewRobotPartRequest) -> NewRobotPartResponse:
        ident = caller(self.ctx)
        _, location_id = require_robot(self.ctx, ident, request.robot_id, write=True)
        name = require_name(request.part_name, "part name")
        with self.store.transaction() as db:
            has_main = db.execute(
                "SELECT 1 FROM robot_parts WHERE robot_id = ? AND main_part = 1", (request.robot_id,)
            ).fetchone()
            part_id = insert_part(
                self.ctx, db, robot_id=request.robot_id, location_id=location_id, name=name, main=not has_main
            )
        return NewRobotPartResponse(part_id=part_id)

    async def delete_robot_part(self, request: DeleteRobotPartRequest) -> DeleteRobotPartResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.part_id, write=True)
        with self.store.transaction() as db:
            row = db.execute("SELECT main_part FROM robot_parts WHERE id = ?", (request.part_id,)).fetchone()
            if row is not None and row["main_part"]:
                fail(
                    Status.FAILED_PRECONDITION,
                    f"part {request.part_id!r} is its machine's main part: mark another part as main first",
                )
            delete_part_rows(db, request.part_id)
        return DeleteRobotPartResponse()

    async def get_robot_part_metadata(
        self, request: GetRobotPartMetadataRequest
    ) -> GetRobotPartMetadataResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.id)
        row = self.store.one("SELECT metadata FROM robot_parts WHERE id = ?", (request.id,))
        return GetRobotPartMetadataResponse(data=metadata_struct(row["metadata"] if row else None))

    async def update_robot_part_metadata(
        self, request: UpdateRobotPartMetadataRequest
    ) -> UpdateRobotPartMetadataResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.id, write=True)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE robot_parts SET metadata = ? WHERE id = ?", (metadata_json(request.data), request.id)
            )
        return UpdateRobotPartMetadataResponse()

    async def mark_part_as_main(self, request: MarkPartAsMainRequest) -> MarkPartAsMainResponse:
        ident = caller(self.ctx)
        _, _, robot_id = require_part(self.ctx, ident, request.part_id, write=True)
        with self.store.transaction() as db:
            db.execute("UPDATE robot_parts SET main_part = 0 WHERE robot_id = ?", (robot_id,))
            db.execute("UPDATE robot_parts SET main_part = 1 WHERE id = ?", (request.part_id,))
        return MarkPartAsMainResponse()

    async def mark_part_for_restart(self, request: MarkPartForRestartRequest) -> MarkPartForRestartResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.part_id, write=True)
        with self.store.transaction() as db:
            db.execute("UPDATE robot_parts SET needs_restart = 1 WHERE id = ?", (request.part_id,))
        return MarkPartForRestartResponse()

    async def create_robot_part_secret(
        self, request: CreateRobotPartSecretRequest
    ) -> CreateRobotPartSecretResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.part_id, write=True)
        with self.store.transaction() as db:
            add_part_secret(
                db, secret_id=self.ctx.new_id(), part_id=request.part_id, created_at=self.ctx.now_iso()
            )
        return CreateRobotPartSecretResponse(part=self._part(request.part_id))

    async def delete_robot_part_secret(
        self, request: DeleteRobotPartSecretRequest
    ) -> DeleteRobotPartSecretResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.part_id, write=True)
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM part_secrets WHERE id = ? AND part_id = ?", (request.secret_id, request.part_id)
            ).rowcount
            if not gone:
                fail(Status.NOT_FOUND, f"part {request.part_id!r} has no secret {request.secret_id!r}")
        return DeleteRobotPartSecretResponse()

    async def get_robot_part_history(
        self, request: GetRobotPartHistoryRequest
    ) -> GetRobotPartHistoryResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.id)
        after = page_offset(request.page_token)
        limit = request.page_limit or DEFAULT_HISTORY_PAGE
        if limit < 0:
            fail(Status.INVALID_ARGUMENT, f"page_limit must be positive (got {limit})")
        where: list[str] = ["part_id = ?"]
        params: list[object] = [request.id]
        if after:
            # Keyset paging: the token is the last entry's sequence number, so
            # edits made between two pages neither repeat nor skip entries.
            where.append("seq < ?")
            params.append(after)
        if request.start is not None:
            where.append("edited_at >= ?")
            params.append(iso(request.start))
        if request.end is not None:
            where.append("edited_at < ?")
            params.append(iso(request.end))
        rows = self.store.all(
            f"SELECT * FROM robot_part_history WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
            (*params, limit + 1),
        )
        more = len(rows) > limit
        history = [
            RobotPartHistoryEntry(
                part=r["part_id"],
                robot=r["robot_id"],
                when=parse_iso(r["edited_at"]),
                old=RobotPart.parse(r["old"]),
                edited_by=AuthenticatorInfo(
                    type=AuthenticationType(r["edited_by_type"]),
                    value=r["edited_by_value"],
                    is_deactivated=False,
                ),
            )
            for r in rows[:limit]
        ]
        return GetRobotPartHistoryResponse(
            history=history, next_page_token=str(rows[limit - 1]["seq"]) if more else ""
        )

    async def set_config_property(self, request: SetConfigPropertyRequest) -> SetConfigPropertyResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.robot_part_id, write=True)
        if not request.property_changes:
            fail(Status.INVALID_ARGUMENT, "give at least one property change")
        current = self._part(request.robot_part_id)
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
            with self.store.transaction() as db:
                self._record_history(db, ident, current)
                db.execute(
                    "UPDATE robot_parts SET robot_config = ?, last_updated = ? WHERE id = ?",
                    (json.dumps(config, sort_keys=True), self.ctx.now_iso(), request.robot_part_id),
                )
        return SetConfigPropertyResponse(property_changes=results)

    # -- favourites and summaries ------------------------------------------------------------

    async def add_favorite_machine(self, request: AddFavoriteMachineRequest) -> AddFavoriteMachineResponse:
        ident = caller(self.ctx)
        require_robot(self.ctx, ident, request.machine_id)
        with self.store.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO favorite_machines(identity, robot_id, created_at) VALUES (?,?,?)",
                (f"{ident.kind}:{ident.subject}", request.machine_id, self.ctx.now_iso()),
            )
        return AddFavoriteMachineResponse()

    async def remove_favorite_machine(
        self, request: RemoveFavoriteMachineRequest
    ) -> RemoveFavoriteMachineResponse:
        ident = caller(self.ctx)
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM favorite_machines WHERE identity = ? AND robot_id = ?",
                (f"{ident.kind}:{ident.subject}", request.machine_id),
            ).rowcount
            if not gone:
                fail(Status.NOT_FOUND, f"machine {request.machine_id!r} is not among the caller's favourites")
        return RemoveFavoriteMachineResponse()

    async def list_favorite_machines(
        self, request: ListFavoriteMachinesRequest
    ) -> ListFavoriteMachinesResponse:
        ident = caller(self.ctx)
        rows = self.store.all(
            "SELECT r.*, f.created_at AS favored_at, l.organization_id FROM favorite_machines f "
            "JOIN robots r ON r.id = f.robot_id JOIN locations l ON l.id = r.location_id "
            "WHERE f.identity = ? ORDER BY r.name, r.id",
            (f"{ident.kind}:{ident.subject}",),
        )
        return ListFavoriteMachinesResponse(
            favorites=[
                FavoriteMachine(
                    machine=robot_message(r, self.ctx.now()),
                    organization_id=r["organization_id"],
                    created_on=parse_iso(r["favored_at"]),
                )
                for r in rows
            ]
        )

    async def list_machine_summaries(
        self, request: ListMachineSummariesRequest
    ) -> ListMachineSummariesResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id)
        if request.limit is not None and request.limit < 0:
            fail(Status.INVALID_ARGUMENT, f"limit must not be negative (got {request.limit})")
        locations = self.store.all(
            "SELECT id, name FROM locations WHERE organization_id = ? ORDER BY name, id", (org_id,)
        )
        wanted_locations = set(request.location_ids)
        wanted_fragments = set(request.fragment_ids)
        summaries: list[LocationSummary] = []
        machines_left = request.limit or None
        for loc in locations:
            if wanted_locations and loc["id"] not in wanted_locations:
                continue
            machines: list[MachineSummary] = []
            for robot in self.store.all(
                "SELECT * FROM robots WHERE location_id = ? ORDER BY name, id", (loc["id"],)
            ):
                parts = self.store.all(
                    "SELECT * FROM robot_parts WHERE robot_id = ? ORDER BY main_part DESC, name, id",
                    (robot["id"],),
                )
                used = {
                    str(f if isinstance(f, str) else f.get("id", ""))
                    for p in parts
                    for f in json.loads(p["robot_config"]).get("fragments", [])
                    if isinstance(f, (str, dict))
                }
                if wanted_fragments and not (used & wanted_fragments):
                    continue
                part_summaries = []
                for p in parts:
                    state, ago = online_state(p["last_access"], self.ctx.now())
                    part_summaries.append(
                        PartSummary(
                            part_id=p["id"],
                            part_name=p["name"],
                            is_main_part=bool(p["main_part"]),
                            online_state=state,
                            seconds_since_online=ago,
                            last_access=parse_iso(p["last_access"]),
                            last_online=parse_iso(p["last_access"]),
                            dns_name=p["dns_name"],
                        )
                    )
                machines.append(
                    MachineSummary(
                        machine_id=robot["id"], machine_name=robot["name"], part_summaries=part_summaries
                    )
                )
                if machines_left is not None:
                    machines_left -= 1
                    if machines_left == 0:
                        break
            if machines:
                summaries.append(
                    LocationSummary(
                        location_id=loc["id"], location_name=loc["name"], machine_summaries=machines
                    )
                )
            if machines_left == 0:
                break
        return ListMachineSummariesResponse(location_summaries=summaries)
