"""AppService, a part's logs: read back in pages, and tailed live.

* Logs come from RobotService/Log and are read back newest first (or oldest
  first with ``LOG_ORDER_ASCENDING``) in pages of ``limit`` (default 100);
  ``filter`` keeps messages containing the text (any case), ``levels`` keeps
  those levels, ``errors_only`` keeps level ``error``, ``start``/``end`` bound
  the time (both inclusive).  ``source``, ``user_facing_only`` and ``range``
  are accepted and ignored.  TailRobotPartLogs
  streams entries pushed after the call started, with the same filter rules.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from functools import cached_property

from viam_api._runtime import current_stream
from viam_api.app.v1 import (
    GetRobotPartLogsRequest,
    GetRobotPartLogsResponse,
    LogOrder,
    TailRobotPartLogsRequest,
    TailRobotPartLogsResponse,
)
from viam_api.common.v1 import LogEntry

from ..auth import caller, require_part
from ..backends.logs import SCHEMA, LogQuery, PartLogsBackend
from ..errors import InvalidArgument
from ._app_common import AppPart, page_offset

__all__ = ["SCHEMA", "RobotLogsPart", "log_matches"]

DEFAULT_LOG_PAGE = 100
MAX_LOG_PAGE = 10_000


def log_matches(
    entry: LogEntry, *, errors_only: bool, filter_text: str | None, levels: Sequence[str] = ()
) -> bool:
    """Whether a log entry passes the filters of GetRobotPartLogs/TailRobotPartLogs."""
    level = entry.level.lower()
    if errors_only and level != "error":
        return False
    if levels and level not in {lvl.lower() for lvl in levels}:
        return False
    if filter_text and filter_text.lower() not in entry.message.lower():
        return False
    return True


class RobotLogsPart(AppPart):
    @cached_property
    def part_logs(self) -> PartLogsBackend:
        return PartLogsBackend(self.ctx)

    async def get_robot_part_logs(self, request: GetRobotPartLogsRequest) -> GetRobotPartLogsResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.id)
        after = page_offset(request.page_token)
        limit = DEFAULT_LOG_PAGE if request.limit is None or request.limit == 0 else request.limit
        if limit < 0 or limit > MAX_LOG_PAGE:
            raise InvalidArgument(f"limit must be between 1 and {MAX_LOG_PAGE} (got {limit})")
        logs, token = self.part_logs.page(
            LogQuery(
                part_id=request.id,
                limit=limit,
                after=after,
                page_token=request.page_token or "",
                errors_only=bool(request.errors_only),
                levels=tuple(request.levels),
                text=request.filter,
                start=request.start,
                end=request.end,
                ascending=request.order == LogOrder.LOG_ORDER_ASCENDING,
            )
        )
        return GetRobotPartLogsResponse(logs=logs, next_page_token=token)

    async def tail_robot_part_logs(
        self, request: TailRobotPartLogsRequest
    ) -> AsyncIterator[TailRobotPartLogsResponse]:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.id)
        with self.ctx.logs.subscribe(request.id) as subscription:
            # Tell the caller the subscription is in place (the response headers),
            # so a client can return its stream knowing no later entry is missed.
            await current_stream().send_initial_metadata()
            while True:
                batch = await subscription.next_batch()
                kept = [
                    e
                    for e in batch
                    if log_matches(e, errors_only=request.errors_only, filter_text=request.filter)
                ]
                if kept:
                    yield TailRobotPartLogsResponse(logs=kept)
