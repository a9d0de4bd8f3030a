"""A small real AppService server whose answers a test scripts: fail N times, then answer; or answer slowly.

It is a grpclib server on loopback built on the generated ``AppServiceBase``,
as the emulator is; the SDK talks to it over its real channel and stubs.  It
lets the retry and deadline tests produce statuses the emulator has no
legitimate reason to answer (UNAVAILABLE, RESOURCE_EXHAUSTED on demand) and
count the attempts that reached the server.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import grpclib.server
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api._runtime import current_stream
from viam_api.app.v1 import (
    AppServiceBase,
    CreateLocationRequest,
    CreateLocationResponse,
    GetOrganizationRequest,
    GetOrganizationResponse,
    ListOrganizationsRequest,
    ListOrganizationsResponse,
    Location,
    Organization,
    TailRobotPartLogsRequest,
    TailRobotPartLogsResponse,
)
from viam_api.common.v1 import LogEntry


@dataclass
class Script:
    """Per RPC name: statuses to fail with first (in order), then the normal answer."""

    failures: dict[str, list[Status]] = field(default_factory=dict)
    delay: float = 0.0  # seconds every answer waits (a slow server)
    calls: Counter[str] = field(default_factory=Counter)
    deadlines: list[float | None] = field(default_factory=list)
    # retry-pushback-ms sent with every RESOURCE_EXHAUSTED and UNAVAILABLE (None: none sent).
    pushback_ms: int | None = None
    metadata: list[dict[str, str]] = field(default_factory=list)  # each attempt's request metadata

    def _attempt(self, name: str) -> None:
        self.calls[name] += 1
        self.metadata.append({str(k): str(v) for k, v in (current_stream().metadata or {}).items()})
        deadline = current_stream().deadline
        self.deadlines.append(deadline.time_remaining() if deadline is not None else None)
        queued = self.failures.get(name)
        if queued:
            raise GRPCError(queued.pop(0), f"scripted failure of {name}")


class ScriptedApp(AppServiceBase):
    def __init__(self, script: Script) -> None:
        self.script = script

    async def list_organizations(self, request: ListOrganizationsRequest) -> ListOrganizationsResponse:
        self.script._attempt("ListOrganizations")
        await asyncio.sleep(self.script.delay)
        return ListOrganizationsResponse(organizations=[Organization(id="org-1", name="Scripted")])

    async def get_organization(self, request: GetOrganizationRequest) -> GetOrganizationResponse:
        self.script._attempt("GetOrganization")
        await asyncio.sleep(self.script.delay)
        return GetOrganizationResponse(organization=Organization(id=request.organization_id, name="Scripted"))

    async def create_location(self, request: CreateLocationRequest) -> CreateLocationResponse:
        self.script._attempt("CreateLocation")
        return CreateLocationResponse(location=Location(id="loc-1", name=request.name))

    async def tail_robot_part_logs(self, request: TailRobotPartLogsRequest) -> AsyncIterator[TailRobotPartLogsResponse]:
        self.script._attempt("TailRobotPartLogs")
        yield TailRobotPartLogsResponse(logs=[LogEntry(host="h", level="info", message="hello")])


def _send_pushback(server: grpclib.server.Server, millis: int) -> None:
    from grpclib.events import SendTrailingMetadata, listen

    async def mark(event: SendTrailingMetadata) -> None:
        if event.status in (Status.RESOURCE_EXHAUSTED, Status.UNAVAILABLE):
            event.metadata["retry-pushback-ms"] = str(millis)

    listen(server, SendTrailingMetadata, mark)


class ScriptedServer:
    """``async with ScriptedServer(script) as server:`` -- ``server.port`` on 127.0.0.1."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.port = 0
        self._server = grpclib.server.Server([ScriptedApp(script)])
        if script.pushback_ms is not None:
            _send_pushback(self._server, script.pushback_ms)

    async def __aenter__(self) -> ScriptedServer:
        await self._server.start("127.0.0.1", 0)
        self.port = int(self._server._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()
