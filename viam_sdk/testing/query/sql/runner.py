"""Read-only SQL over one organization's readings, for ``TabularDataBySQL``.

The query is written in Viam's dialect (MongoDB Atlas SQL); ``translate``
checks it and translates it into SQLite, which runs it here over a table or
view named ``readings`` holding the calling organization's tabular data and
nothing else:

* a file-backed emulator: a read-only connection to the emulator's database
  with a temporary view ``readings`` restricted to the organization (no rows
  are copied);
* an in-memory emulator (no second connection can see it): the
  organization's rows are copied, under the store's lock, into a private
  in-memory database.

On top of the translation's checks, an authorizer lets through only reads of
``readings`` (and SQL functions): any write, schema change, ``ATTACH``,
``PRAGMA`` or other table is refused with INVALID_ARGUMENT naming it.  The
query runs on a worker thread (``query.budget``) with a time budget
(DEADLINE_EXCEEDED) and memory budgets (RESOURCE_EXHAUSTED): SQLite's
largest string or blob is limited to the per-value budget, its page cache is
small and spills to temporary files, and the result's size is counted.

Columns of ``readings`` (as in Viam's hosted SQL): ``organization_id``,
``location_id``, ``robot_id``, ``robot_name``, ``part_id``, ``part_name``,
``component_type``, ``component_name``, ``method_name``, ``time_requested``
and ``time_received`` (timestamps), ``tags`` (array), ``method_parameters``
and ``data`` (documents: ``data.readings.x``).  In the results, documents
and arrays come back as documents and arrays and times as datetimes.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timezone
from types import ModuleType
from typing import Any

from ...stored import micros_to_iso
from ..budget import Budget, QueryMemoryExceeded, activate
from ..sources import paged_rows
from .functions import register as register_udfs
from .schema import COLUMNS, ISO_FORMAT, JSON_COLUMNS, Source, SQLRefused, iso_text

__all__ = ["COLUMNS", "SQLRefused", "run_sql"]

_TIME_COLUMNS = {"time_requested", "time_received"}
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
_STEP_CHECK = 10_000  # SQLite VM steps between looks at the deadline (each takes the GIL)
# sqlite3_limit() categories (sqlite3.h): the longest string or blob, and attached databases.
_LIMIT_LENGTH = 0
_LIMIT_ATTACHED = 7

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

_VIEW_COLUMNS = (
    "m.organization_id, m.location_id, m.robot_id, m.robot_name, m.part_id, m.part_name, "
    "m.component_type, m.component_name, m.method_name"
)


def _ts(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return micros_to_iso(int(value * 1000)) if not isinstance(value, bool) else None
    try:
        return iso_text(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a timestamp") from None


def _now() -> str:
    return datetime.now(timezone.utc).strftime(ISO_FORMAT)


def _functions(conn: sqlite3.Connection) -> None:
    # Set first: changing temp_store drops temporary objects (the readings view).
    conn.execute("PRAGMA temp_store = FILE")  # big sorts spill to disk, not memory
    conn.execute("PRAGMA cache_size = -16000")  # 16 MB of page cache at most
    conn.create_function("_viam_iso", 1, micros_to_iso, deterministic=True)
    conn.create_function("_viam_ts", 1, _ts, deterministic=True)
    conn.create_function("_viam_now", 0, _now)
    register_udfs(conn)


def _copy_sandbox(store: Any, org_id: str) -> sqlite3.Connection:
    """A private database with the organization's rows as stored, and the ``readings`` view over them."""
    box = sqlite3.connect(":memory:", check_same_thread=False)
    _functions(box)
    box.execute(
        "CREATE TABLE data_uploads (id, organization_id, location_id, robot_id, robot_name, part_id, part_name, "
        "component_type, component_name, method_name, tags, method_parameters, internal)"
    )
    box.execute(
        "CREATE TABLE data_tabular (upload_id, organization_id, seq, time_requested, time_received, data)"
    )
    with store.lock:
        uploads = store.db.execute(
            "SELECT id, organization_id, location_id, robot_id, robot_name, part_id, part_name, component_type, "
            "component_name, method_name, tags, method_parameters, internal FROM data_uploads "
            "WHERE organization_id = ? AND internal = 0",
            (org_id,),
        ).fetchall()
    box.executemany(f"INSERT INTO data_uploads VALUES ({','.join('?' * 13)})", uploads)
    # Page by page, the store's lock let go between pages (the other calls wait for a page at most).
    for page in paged_rows(
        store,
        "SELECT upload_id, organization_id, seq, time_requested, time_received, data FROM data_tabular "
        "WHERE organization_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        [org_id],
        lambda row: (row[2],),
        (-1,),
    ):
        box.executemany("INSERT INTO data_tabular VALUES (?,?,?,?,?,?)", page)
    box.execute("CREATE INDEX by_upload ON data_uploads(id)")
    _create_view(box, org_id)
    box.commit()
    return box


def _create_view(conn: sqlite3.Connection, org_id: str) -> None:
    quoted = "'" + org_id.replace("'", "''") + "'"
    conn.execute(
        f"CREATE TEMP VIEW readings AS SELECT {_VIEW_COLUMNS}, _viam_iso(t.time_requested) AS time_requested, "
        "_viam_iso(t.time_received) AS time_received, m.tags, m.method_parameters, t.data "
        "FROM main.data_tabular t JOIN main.data_uploads m ON m.id = t.upload_id "
        f"WHERE t.organization_id = {quoted} AND m.internal = 0"
    )


def _view_sandbox(path: str, org_id: str) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    _functions(conn)
    _create_view(conn, org_id)
    return conn


def _open(store: Any, org_id: str) -> sqlite3.Connection:
    path = getattr(store, "path", ":memory:")
    if path and path != ":memory:" and not str(path).startswith("file:"):
        try:
            return _view_sandbox(str(path), org_id)
        except sqlite3.Error:
            pass  # e.g. the file is not readable this way: fall back to a copy
    return _copy_sandbox(store, org_id)


def _decode(column: str, value: Any, json_outputs: set[str]) -> Any:
    if isinstance(value, str):
        if column in json_outputs:
            try:
                return _decode(column, json.loads(value), set())
            except ValueError:
                return value
        if column in JSON_COLUMNS and value[:1] in ("{", "["):
            try:
                return json.loads(value)
            except ValueError:
                return value
        if _ISO.match(value):
            return datetime.strptime(value, ISO_FORMAT).replace(tzinfo=timezone.utc)
    if isinstance(value, bytes):
        return value
    return value


def _bind_sources(conn: sqlite3.Connection, sql: str, sources: list[Source], json_outputs: set[str]) -> str:
    """Define each FLATTEN/UNWIND placeholder the translation left as a common table expression."""
    if not sources:
        return sql
    flat: dict[str, list[tuple[str, str, str]]] = {}
    for source in sources:  # inner sources come first
        if source.kind == "flatten":
            base = (
                f"({_translator().source_sql(source.inner, 'readings', flat)})"
                if source.inner
                else "readings"
            )
            columns = _translator().flatten_columns(conn, base, source)
            flat[source.name] = [(column, path, name) for column, path, name, _ in columns]
            json_outputs.update(name for _, _, name, kind in columns if kind in ("array", "object"))
    ctes = ", ".join(f'"{s.name}" AS ({_translator().source_sql(s, "readings", flat)})' for s in sources)
    head = re.match(r"\s*WITH\s+(RECURSIVE\s+)?", sql, re.IGNORECASE)
    if head:
        return f"{head.group(0)}{ctes}, {sql[head.end() :]}"
    return f"WITH {ctes} {sql}"


def _translator() -> ModuleType:
    """The Atlas SQL translator, imported on first use (it needs the ``emulator`` extra)."""
    try:
        from . import translate
    except ImportError as exc:
        raise ImportError(
            "the emulator's SQL needs sqlglot, from the 'emulator' extra: "
            "pip install sqlglot (or install the SDK with its 'emulator' extra: "
            "pip install '/path/to/checkout[emulator]')"
        ) from exc
    return translate


def run_sql(store: Any, org_id: str, query: str, budget: Budget | None = None) -> list[dict[str, Any]]:
    """Run ``query`` (Atlas SQL) over ``org_id``'s readings; each result row as a dict.

    Blocking: the service calls it on a query worker thread.  ``store`` is the
    emulator's Store (its ``path``, ``db`` and ``lock``).

    Raises:
        SQLRefused: the query is not a read of ``readings`` Atlas SQL accepts, or it failed.
        QueryTimeExceeded: it ran past the time budget.
        QueryMemoryExceeded: a value or the result went past the memory budget.
    """
    budget = budget or Budget()
    translator = _translator()
    previous = activate(budget)  # the parser looks at it as it reads tokens
    try:
        translation = translator.translate(query)
    finally:
        activate(previous)
    budget.check_now("SQL")
    box = _open(store, org_id)
    budget.on_cancel(box.interrupt)  # a caller that goes away stops SQLite mid-statement
    refused: list[str] = []
    functions: frozenset[str] = translator.SQLITE_FUNCTIONS

    def authorize(
        action: int, arg1: str | None, arg2: str | None, db_name: str | None, trigger: str | None
    ) -> int:
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() not in functions:
            refused.append(f"the function {str(arg2).upper()!r} (it is not part of Atlas SQL)")
            return sqlite3.SQLITE_DENY
        if action in _ALLOWED_ACTIONS:
            # A stored table has a database name; a CTE or subquery has none; the view reads for itself.
            if (
                action == sqlite3.SQLITE_READ
                and db_name is not None
                and arg1 not in ("readings", "json_each", "json_tree")
                and trigger != "readings"
            ):
                refused.append(f"reading table {arg1!r} (only 'readings' may be queried)")
                return sqlite3.SQLITE_DENY
            return sqlite3.SQLITE_OK
        what = _ACTION_NAMES.get(action, f"operation {action}")
        target = f" {arg1!r}" if arg1 else ""
        if arg1 in ("sqlite_master", "sqlite_schema", "sqlite_temp_master"):
            what, target = "schema change (CREATE, DROP or ALTER)", ""
        refused.append(f"{what}{target} (only read-only SELECT queries are allowed)")
        return sqlite3.SQLITE_DENY

    timed_out = False

    def progress() -> int:
        nonlocal timed_out
        if budget.expired():
            timed_out = True
            return 1
        return 0

    try:
        box.set_progress_handler(progress, _STEP_CHECK)  # FLATTEN's look at the documents counts too
        sql = _bind_sources(box, translation.sql, translation.sources, translation.json_outputs)
        translation.json_outputs.update(
            name for name, column in translation.renamed.items() if column in translation.json_outputs
        )
        # The JSON table functions FLATTEN/UNWIND use are set up before the authorizer watches.
        box.execute("SELECT 1 FROM json_each('[]'), json_tree('[]')").fetchall()
        box.execute("PRAGMA query_only = ON")
        setlimit = getattr(box, "setlimit", None)  # Python 3.11+; on 3.10 only the result is counted
        if setlimit is not None:
            setlimit(_LIMIT_LENGTH, budget.value_bytes)
            setlimit(_LIMIT_ATTACHED, 0)
        box.set_authorizer(authorize)
        cursor = box.execute(sql)
        names = [d[0] for d in cursor.description or ()]
        out: list[dict[str, Any]] = []
        size = 0
        for row in cursor:
            for value in row:
                if isinstance(value, (str, bytes)):
                    size += len(value)
                else:
                    size += 8
            budget.check_result(size, "SQL")
            out.append(
                {
                    name: _decode(name, value, translation.json_outputs)
                    for name, value in zip(names, row, strict=True)
                }
            )
        return out
    except sqlite3.Warning as exc:  # e.g. more than one statement
        raise SQLRefused(f"SQL query refused: {exc}") from exc
    except sqlite3.DataError as exc:
        if "too big" in str(exc):
            raise QueryMemoryExceeded(
                f"SQL query stopped: a value went over the memory budget of {budget.value_bytes:,} bytes "
                f"per value ({exc})"
            ) from None
        raise SQLRefused(f"SQL query failed: {exc}") from exc
    except sqlite3.Error as exc:
        if refused:
            raise SQLRefused(f"SQL query refused: {'; '.join(dict.fromkeys(refused))}") from exc
        if timed_out or budget.cancelled or isinstance(exc, sqlite3.OperationalError) and budget.expired():
            raise budget.time_error("SQL") from None
        missing = _NO_SUCH_COLUMN.search(str(exc))
        if missing:
            raise SQLRefused(
                f"SQL query refused: there is no column {_plain_name(missing.group(1))!r} "
                f"(the columns of readings: {', '.join(COLUMNS)}; nested fields are paths such as "
                "data.readings.x; text in double quotes is a name in Atlas SQL: write strings in single "
                "quotes)"
            ) from None
        if "too big" in str(exc):
            raise QueryMemoryExceeded(
                f"SQL query stopped: a value went over the memory budget of {budget.value_bytes:,} bytes "
                f"per value ({exc})"
            ) from None
        raise SQLRefused(f"SQL query failed: {_plain(exc)}") from exc
    finally:
        budget.cancel_hooks_clear()
        box.close()


_NO_SUCH_COLUMN = re.compile(r"no such column: (\S{1,200})")


def _plain_name(name: str) -> str:
    return name.replace("__viam_src", "source").strip('`"')


def _plain(exc: sqlite3.Error) -> str:
    """SQLite's message without the names the translation added."""
    return str(exc).replace("__viam_src", "source").replace("_viam_", "")
