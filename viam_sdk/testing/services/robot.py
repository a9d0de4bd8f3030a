"""RobotService of the emulator: what a machine part calls on the cloud.

``Log`` is implemented: a part (authenticated with its own secret, or any
caller that reaches it) pushes log entries; they are stored for
AppService/GetRobotPartLogs and handed to every live TailRobotPartLogs
subscriber of that part.  ``NeedsRestart`` reports (and clears) the flag set by
AppService/MarkPartForRestart.  ``Config`` and ``Certificate`` answer
UNIMPLEMENTED.
"""

from __future__ import annotations

from viam_api._runtime import ServiceBase
from viam_api.app.v1 import (
    LogRequest,
    LogResponse,
    NeedsRestartRequest,
    NeedsRestartResponse,
    RobotServiceBase,
)

from ..auth import caller, require_part
from ..context import EmulatorContext
from .app_robots import store_logs

SCHEMA = ""


class RobotService(RobotServiceBase):
    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx

    async def log(self, request: LogRequest) -> LogResponse:
        ident = caller(self.ctx)
        # Reading rights suffice: a part reporting its own logs changes no fleet state.
        require_part(self.ctx, ident, request.id)
        now = self.ctx.now()
        entries = list(request.logs)
        for entry in entries:
            if entry.time is None:
                entry.time = now
        with self.ctx.store.transaction() as db:
            store_logs(db, request.id, entries, now)
            db.execute(
                "UPDATE robot_parts SET last_access = ? WHERE id = ?", (self.ctx.now_iso(), request.id)
            )
        if entries:
            self.ctx.logs.publish(request.id, entries)
        return LogResponse()

    async def needs_restart(self, request: NeedsRestartRequest) -> NeedsRestartResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.id)
        with self.ctx.store.transaction() as db:
            row = db.execute("SELECT needs_restart FROM robot_parts WHERE id = ?", (request.id,)).fetchone()
            db.execute("UPDATE robot_parts SET needs_restart = 0 WHERE id = ?", (request.id,))
        return NeedsRestartResponse(id=request.id, must_restart=bool(row and row["needs_restart"]))


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [RobotService(ctx)]
