"""RobotService of the emulator: what a machine part calls on the cloud.

``Log`` is implemented: a part (authenticated with its own secret, or any
caller that reaches it) pushes log entries; they are stored for
AppService/GetRobotPartLogs and handed to every live TailRobotPartLogs
subscriber of that part, and the push counts as the part checking in (it and
its machine show as online).  ``NeedsRestart`` reports (and clears) the flag set by
AppService/MarkPartForRestart.  ``Config`` hands a part its config: the
components, services and modules of its own config plus those of the fragments
it lists (nested ones too; the part's own entries win on a name clash), and
counts as the part checking in (it shows as online).  ``Certificate`` answers
UNIMPLEMENTED: the emulator serves no TLS.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from viam_api._runtime import ServiceBase
from viam_api.app.v1 import (
    ComponentConfig,
    ConfigRequest,
    ConfigResponse,
    LogRequest,
    LogResponse,
    ModuleConfig,
    NeedsRestartRequest,
    NeedsRestartResponse,
    RobotConfig,
    RobotServiceBase,
    ServiceConfig,
)

from ..auth import caller, require_part
from ..backends.fragments import MAX_NESTING, FragmentsBackend, fragment_refs
from ..backends.logs import PartLogsBackend
from ..backends.machines import RobotsBackend
from ..context import EmulatorContext
from ..structs import dict_to_struct

SCHEMA = ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class RobotService(RobotServiceBase):
    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx

    @cached_property
    def robots(self) -> RobotsBackend:
        return RobotsBackend(self.ctx)

    @cached_property
    def logs(self) -> PartLogsBackend:
        return PartLogsBackend(self.ctx)

    async def log(self, request: LogRequest) -> LogResponse:
        ident = caller(self.ctx)
        # Reading rights suffice: a part reporting its own logs changes no fleet state.
        require_part(self.ctx, ident, request.id)
        now = self.ctx.now()
        entries = list(request.logs)
        for entry in entries:
            if entry.time is None:
                entry.time = now
        with self.ctx.store.transaction():
            self.logs.add(request.id, entries)
            # The push counts as the part checking in: it and its machine show as online.
            self.robots.checked_in(request.id)
        if entries:
            self.ctx.logs.publish(request.id, entries)
        return LogResponse()

    def _fragment_configs(self, config: dict[str, Any]) -> list[dict[str, Any]]:
        """Configs of the fragments ``config`` lists, depth first, each once."""
        found: list[dict[str, Any]] = []
        seen: set[str] = set()

        def visit(refs: list[tuple[str, str | None]], depth: int) -> None:
            for fragment_id, _version in refs:
                if fragment_id in seen or depth >= MAX_NESTING:
                    continue
                seen.add(fragment_id)
                loaded = FragmentsBackend(self.ctx).config(fragment_id)
                if isinstance(loaded, dict):
                    found.append(loaded)
                    visit(fragment_refs(loaded), depth + 1)

        visit(fragment_refs(config), 0)
        return found

    async def config(self, request: ConfigRequest) -> ConfigResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.id)
        own = _dict(self.robots.part_config(request.id))
        merged: dict[str, list[dict[str, Any]]] = {"components": [], "services": [], "modules": []}
        for source in [own, *self._fragment_configs(own)]:
            for key, items in merged.items():
                names = {item.get("name") for item in items}
                for item in _list(source.get(key)):
                    if isinstance(item, dict) and item.get("name") not in names:
                        items.append(item)
        self.robots.checked_in(request.id)
        return ConfigResponse(
            config=RobotConfig(
                components=[
                    ComponentConfig(
                        name=str(c.get("name", "")),
                        namespace=str(c.get("namespace", "")),
                        type=str(c.get("type", "")),
                        model=str(c.get("model", "")),
                        api=str(c.get("api", "")),
                        depends_on=[str(d) for d in _list(c.get("depends_on"))],
                        attributes=dict_to_struct(_dict(c.get("attributes"))),
                    )
                    for c in merged["components"]
                ],
                services=[
                    ServiceConfig(
                        name=str(c.get("name", "")),
                        namespace=str(c.get("namespace", "")),
                        type=str(c.get("type", "")),
                        model=str(c.get("model", "")),
                        api=str(c.get("api", "")),
                        depends_on=[str(d) for d in _list(c.get("depends_on"))],
                        attributes=dict_to_struct(_dict(c.get("attributes"))),
                    )
                    for c in merged["services"]
                ],
                modules=[
                    ModuleConfig(
                        name=str(m.get("name", "")),
                        path=str(m.get("executable_path", m.get("path", ""))),
                        log_level=str(m.get("log_level", "")),
                        type=str(m.get("type", "")),
                        module_id=str(m.get("module_id", "")),
                        env={str(k): str(v) for k, v in _dict(m.get("env")).items()},
                    )
                    for m in merged["modules"]
                ],
                debug=bool(own.get("debug", False)),
            )
        )

    async def needs_restart(self, request: NeedsRestartRequest) -> NeedsRestartResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.id)
        return NeedsRestartResponse(id=request.id, must_restart=self.robots.take_restart(request.id))


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [RobotService(ctx)]
