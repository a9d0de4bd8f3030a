"""Read-only SQL over one organization's readings, for ``TabularDataBySQL``.

Each query runs in a private in-memory SQLite database that holds a single
table, ``readings``, filled with the calling organization's tabular data and
nothing else; the emulator's own database is never reachable from it.  On top
of that, an authorizer lets through only reads of ``readings`` (and SQL
functions): any write, schema change, ``ATTACH``, ``PRAGMA`` or other table is
refused, and the caller gets INVALID_ARGUMENT naming what was refused.  A
progress handler stops runaway queries.

Columns of ``readings`` (as in Viam's hosted SQL): ``organization_id``,
``location_id``, ``robot_id``, ``robot_name``, ``part_id``, ``part_name``,
``component_type``, ``component_name``, ``method_name``, ``time_requested``
and ``time_received`` (ISO 8601 text, UTC, so they sort and compare as text),
``tags`` (JSON array), ``method_parameters`` and ``data`` (JSON objects: use
``json_extract(data, '$.readings.x')``).  In the results, the JSON columns come
back as documents and the time columns as datetimes.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timezone
from typing import Any

from ._data_common import micros_to_iso

__all__ = ["COLUMNS", "SQLRefused", "run_sql"]

COLUMNS = (
    "organization_id",
    "location_id",
    "robot_id",
    "robot_name",
    "part_id",
    "part_name",
    "component_type",
    "component_name",
    "method_name",
    "time_requested",
    "time_received",
    "tags",
    "method_parameters",
    "data",
)
_JSON_COLUMNS = {"tags", "method_parameters", "data"}
_TIME_COLUMNS = {"time_requested", "time_received"}

# SQLite VM steps a query may take before it is stopped (about a second of work).
MAX_STEPS = 50_000_000
_STEP_CHECK = 10_000


class SQLRefused(ValueError):
    """The query is not a read of ``readings`` or failed; the message says why."""


_ALLOWED_ACTIONS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    getattr(sqlite3, "SQLITE_RECURSIVE", 33),
}

_AUTHORIZER_ACTIONS = (
    "CREATE_INDEX CREATE_TABLE CREATE_TEMP_INDEX CREATE_TEMP_TABLE CREATE_TEMP_TRIGGER CREATE_TEMP_VIEW "
    "CREATE_TRIGGER CREATE_VIEW DELETE DROP_INDEX DROP_TABLE DROP_TEMP_INDEX DROP_TEMP_TABLE DROP_TEMP_TRIGGER "
    "DROP_TEMP_VIEW DROP_TRIGGER DROP_VIEW INSERT PRAGMA READ SELECT TRANSACTION UPDATE ATTACH DETACH "
    "ALTER_TABLE REINDEX ANALYZE CREATE_VTABLE DROP_VTABLE FUNCTION SAVEPOINT RECURSIVE"
).split()
# Authorizer action codes share numbers with SQLite's error codes, so name them from this list only.
_ACTION_NAMES = {
    getattr(sqlite3, f"SQLITE_{name}"): name.replace("_", " ").lower()
    for name in _AUTHORIZER_ACTIONS
    if hasattr(sqlite3, f"SQLITE_{name}")
}


def _select_sql() -> str:
    return (
        "SELECT m.organization_id, m.location_id, m.robot_id, m.robot_name, m.part_id, m.part_name, "
        "m.component_type, m.component_name, m.method_name, t.time_requested, t.time_received, "
        "m.tags, m.method_parameters, t.data "
        "FROM data_tabular t JOIN data_uploads m ON m.id = t.upload_id "
        "WHERE t.organization_id = ? AND m.internal = 0 ORDER BY t.time_received, t.seq"
    )


def _sandbox(source: sqlite3.Connection, org_id: str) -> sqlite3.Connection:
    box = sqlite3.connect(":memory:", check_same_thread=False)
    box.execute(f"CREATE TABLE readings ({', '.join(COLUMNS)})")
    rows = source.execute(_select_sql(), (org_id,))
    marks = ",".join("?" * len(COLUMNS))
    box.executemany(
        f"INSERT INTO readings VALUES ({marks})",
        (
            (*row[:9], micros_to_iso(row[9]), micros_to_iso(row[10]), row[11], row[12], row[13])
            for row in rows
        ),
    )
    box.commit()
    return box


def _decode(column: str, value: Any) -> Any:
    if isinstance(value, str):
        if column in _JSON_COLUMNS and value[:1] in ("{", "["):
            try:
                return json.loads(value)
            except ValueError:
                return value
        if column in _TIME_COLUMNS:
            try:
                return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
            except ValueError:
                return value
    return value


def run_sql(
    source: sqlite3.Connection, org_id: str, query: str, lock: AbstractContextManager[Any] | None = None
) -> list[dict[str, Any]]:
    """Run ``query`` over ``org_id``'s readings; each result row as a dict.

    ``lock`` (the store's) is held only while the readings are copied out, not
    while the query runs.

    Raises:
        SQLRefused: the query writes, touches anything but ``readings``, is not
            a single statement, is malformed, or runs too long.
    """
    if not query.strip():
        raise SQLRefused("the SQL query is empty")
    with lock if lock is not None else nullcontext():
        box = _sandbox(source, org_id)
    refused: list[str] = []

    def authorize(
        action: int, arg1: str | None, arg2: str | None, db_name: str | None, trigger: str | None
    ) -> int:
        if action in _ALLOWED_ACTIONS:
            # A stored table has a database name ("main"); a CTE or subquery has none.
            if action == sqlite3.SQLITE_READ and db_name is not None and arg1 != "readings":
                refused.append(f"reading table {arg1!r} (only 'readings' may be queried)")
                return sqlite3.SQLITE_DENY
            return sqlite3.SQLITE_OK
        what = _ACTION_NAMES.get(action, f"operation {action}")
        target = f" {arg1!r}" if arg1 else ""
        if arg1 in ("sqlite_master", "sqlite_schema", "sqlite_temp_master"):
            what, target = "schema change (CREATE, DROP or ALTER)", ""
        refused.append(f"{what}{target} (only read-only SELECT queries are allowed)")
        return sqlite3.SQLITE_DENY

    steps = 0

    def progress() -> int:
        nonlocal steps
        steps += _STEP_CHECK
        return 1 if steps > MAX_STEPS else 0

    box.execute("PRAGMA query_only = ON")
    box.set_authorizer(authorize)
    box.set_progress_handler(progress, _STEP_CHECK)
    try:
        cursor = box.execute(query)
        names = [d[0] for d in cursor.description or ()]
        return [
            {name: _decode(name, value) for name, value in zip(names, row, strict=True)} for row in cursor
        ]
    except sqlite3.Warning as exc:  # e.g. more than one statement
        raise SQLRefused(f"SQL query refused: {exc}") from exc
    except sqlite3.Error as exc:
        if refused:
            raise SQLRefused(f"SQL query refused: {'; '.join(dict.fromkeys(refused))}") from exc
        if steps > MAX_STEPS:
            raise SQLRefused("SQL query stopped: it ran too long") from exc
        raise SQLRefused(f"SQL query failed: {exc}") from exc
    finally:
        box.close()
