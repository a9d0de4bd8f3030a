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

import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from grpclib.const import Status
from viam_api._runtime import current_stream
from viam_api.app.v1 import (
    GetRobotPartLogsRequest,
    GetRobotPartLogsResponse,
    LogOrder,
    TailRobotPartLogsRequest,
    TailRobotPartLogsResponse,
)
from viam_api.common.v1 import LogEntry

from ..auth import (
    caller,
    require_part,
)
from ..context import iso, parse_iso
from ..structs import dict_to_struct, struct_to_dict
from ._app_common import (
    AppPart,
    fail,
    page_offset,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS robot_part_logs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    part_id TEXT NOT NULL,
    time TEXT NOT NULL,
    level TEXT NOT NULL,
    logger_name TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT '',
    caller TEXT NOT NULL DEFAULT '',
    stack TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS logs_by_part ON robot_part_logs(part_id, time);
"""

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


def store_logs(db: sqlite3.Connection, part_id: str, entries: Sequence[LogEntry], now: datetime) -> None:
    """Append log entries of a part (call inside a transaction)."""
    for e in entries:
        db.execute(
            "INSERT INTO robot_part_logs(part_id, time, level, logger_name, message, host, caller, stack, fields)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (
                part_id,
                iso(e.time or now),
                e.level,
                e.logger_name,
                e.message,
                e.host,
                json.dumps(struct_to_dict(e.caller), sort_keys=True) if e.caller is not None else "",
                e.stack,
                json.dumps([struct_to_dict(f) for f in e.fields], sort_keys=True),
            ),
        )


def log_entry(row: sqlite3.Row) -> LogEntry:
    return LogEntry(
        host=row["host"],
        level=row["level"],
        time=parse_iso(row["time"]),
        logger_name=row["logger_name"],
        message=row["message"],
        caller=dict_to_struct(json.loads(row["caller"])) if row["caller"] else None,
        stack=row["stack"],
        fields=[dict_to_struct(f) for f in json.loads(row["fields"])],
    )



class RobotLogsPart(AppPart):
    async def get_robot_part_logs(self, request: GetRobotPartLogsRequest) -> GetRobotPartLogsResponse:
        ident = caller(self.ctx)
        require_part(self.ctx, ident, request.id)
        after = page_offset(request.page_token)
        limit = DEFAULT_LOG_PAGE if request.limit is None or request.limit == 0 else request.limit
        if limit < 0 or limit > MAX_LOG_PAGE:
            fail(Status.INVALID_ARGUMENT, f"limit must be between 1 and {MAX_LOG_PAGE} (got {limit})")
        where: list[str] = ["part_id = ?"]
        params: list[object] = [request.id]
        if request.errors_only:
            where.append("lower(level) = 'error'")
        if request.levels:
            levels = sorted({lvl.lower() for lvl in request.levels})
            where.append(f"lower(level) IN ({','.join('?' * len(levels))})")
            params.extend(levels)
        if request.filter:
            where.append("instr(lower(message), ?) > 0")
            params.append(request.filter.lower())
        if request.start is not None:
            where.append("time >= ?")
            params.append(iso(request.start))
        if request.end is not None:
            where.append("time <= ?")
            params.append(iso(request.end))
        ascending = request.order == LogOrder.LOG_ORDER_ASCENDING
        direction = "ASC" if ascending else "DESC"
        if after:
            # Keyset paging on (time, seq): logs arriving between two pages
            # neither repeat nor shift entries of the later pages.
            last = self.store.one(
                "SELECT time FROM robot_part_logs WHERE seq = ? AND part_id = ?", (after, request.id)
            )
            if last is None:
                fail(
                    Status.INVALID_ARGUMENT,
                    f"page token {request.page_token!r} does not belong to this part's logs",
                )
            where.append(f"(time, seq) {'>' if ascending else '<'} (?, ?)")
            params.extend([last["time"], after])
        rows = self.store.all(
            f"SELECT * FROM robot_part_logs WHERE {' AND '.join(where)} "
            f"ORDER BY time {direction}, seq {direction} LIMIT ?",
            (*params, limit + 1),
        )
        more = len(rows) > limit
        return GetRobotPartLogsResponse(
            logs=[log_entry(r) for r in rows[:limit]],
            next_page_token=str(rows[limit - 1]["seq"]) if more else "",
        )

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
