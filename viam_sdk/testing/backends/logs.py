"""Machine parts' logs (table ``robot_part_logs``).

The handlers are ``services/app_robot_logs.py`` (GetRobotPartLogs,
TailRobotPartLogs) and ``services/robot.py`` (a part pushing its logs).  Live
subscribers are fed by ``ctx.logs``, not from here.  Pages are read by keyset
on (time, seq), so entries arriving between two pages neither repeat nor shift
later pages; a page token is the last entry's ``seq`` and must belong to the
part's logs.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from viam_api.common.v1 import LogEntry

from ..context import EmulatorContext, iso, parse_iso
from ..errors import InvalidArgument
from ..structs import dict_to_struct, struct_to_dict
from ._sql import marks

__all__ = ["SCHEMA", "LogQuery", "PartLogsBackend", "log_entry", "store_logs"]

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
    """A stored row as the log entry it was."""
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


@dataclass(frozen=True)
class LogQuery:
    """Which of a part's logs to read: filters, order and the page (``after`` a seq, 0 for the first)."""

    part_id: str
    limit: int
    after: int = 0
    page_token: str = ""
    errors_only: bool = False
    levels: tuple[str, ...] = ()
    text: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    ascending: bool = False


class PartLogsBackend:
    """Every part's stored logs over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def add(self, part_id: str, entries: Sequence[LogEntry]) -> None:
        """Store entries of a part (those without a time get now)."""
        with self.store.transaction() as db:
            store_logs(db, part_id, entries, self.ctx.now())

    def page(self, query: LogQuery) -> tuple[list[LogEntry], str]:
        """One page of entries and the next page's token ('' after the last page)."""
        where: list[str] = ["part_id = ?"]
        params: list[object] = [query.part_id]
        if query.errors_only:
            where.append("lower(level) = 'error'")
        if query.levels:
            levels = sorted({lvl.lower() for lvl in query.levels})
            where.append(f"lower(level) IN ({marks(len(levels))})")
            params.extend(levels)
        if query.text:
            where.append("instr(lower(message), ?) > 0")
            params.append(query.text.lower())
        if query.start is not None:
            where.append("time >= ?")
            params.append(iso(query.start))
        if query.end is not None:
            where.append("time <= ?")
            params.append(iso(query.end))
        direction = "ASC" if query.ascending else "DESC"
        if query.after:
            last = self.store.one(
                "SELECT time FROM robot_part_logs WHERE seq = ? AND part_id = ?", (query.after, query.part_id)
            )
            if last is None:
                raise InvalidArgument(f"page token {query.page_token!r} does not belong to this part's logs")
            where.append(f"(time, seq) {'>' if query.ascending else '<'} (?, ?)")
            params.extend([last["time"], query.after])
        rows = self.store.all(
            f"SELECT * FROM robot_part_logs WHERE {' AND '.join(where)} "
            f"ORDER BY time {direction}, seq {direction} LIMIT ?",
            (*params, query.limit + 1),
        )
        more = len(rows) > query.limit
        return [log_entry(r) for r in rows[: query.limit]], str(rows[query.limit - 1]["seq"]) if more else ""

    def since(self, part_id: str, after: int, limit: int) -> list[tuple[int, LogEntry]]:
        """Up to ``limit`` entries stored after the one numbered ``after``, in the order they arrived.

        Each comes with its number, the ``after`` of the next call (a live view's poll).
        """
        rows = self.store.all(
            "SELECT * FROM robot_part_logs WHERE part_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (part_id, after, limit),
        )
        return [(int(r["seq"]), log_entry(r)) for r in rows]

    def newest(self, part_id: str, limit: int) -> list[tuple[int, LogEntry]]:
        """The part's last ``limit`` entries to arrive, newest first, each with its number."""
        rows = self.store.all(
            "SELECT * FROM robot_part_logs WHERE part_id = ? ORDER BY seq DESC LIMIT ?", (part_id, limit)
        )
        return [(int(r["seq"]), log_entry(r)) for r in rows]
