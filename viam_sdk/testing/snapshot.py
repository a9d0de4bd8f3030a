"""Snapshots of an emulator's database as portable JSON, and the reset to a fresh bootstrap state.

A snapshot holds every row of every table the backends declared (each backend's
``CORE_SCHEMA``/``SCHEMA``): organizations, locations, machines, parts and their
configs, logs, fragments, the registry, API keys and roles, captured data,
datasets, pipelines and their runs, training jobs, billing, saved queries, OAuth
applications...  It is read and written by one generic mechanism over
``sqlite_master``, so a table a backend adds later is carried without code here.

Format (version 1)::

    {"format": "viam-emulator-snapshot", "version": 1, "created_at": "...",
     "sealing_key": "<64 hex digits>" | null,
     "tables": {"<table>": {"columns": ["id", ...], "rows": [[...], ...]}, ...}}

Cell values are JSON strings, numbers and nulls as SQLite holds them; binary
values (captured images and files, module uploads, key salts and digests) are
inlined as ``{"$b64": "..."}`` and non-finite floats as ``{"$float": "nan"}``.
Blobs are inlined rather than written beside the file so that a snapshot is
one file: it is written (and so replaced) atomically, copied or checked in
as one thing, and checked whole before anything is loaded.  It costs a third
more bytes than the raw data.

Credentials: API keys and secrets are carried as the database keeps them (salted
digests, location and part secrets sealed) together with the database's sealing
key, so the same API keys and secrets authenticate after a load and the secrets
still read back.  A loaded secret sealed under another key is sealed again under
the target database's key.  Access tokens are not carried: they are short-lived,
and clients authenticate again.  Since the file holds the sealing key, it is as
sensitive as the credentials themselves: it is created readable by its owner
only (0600), and should be kept like a password file.

Loading is all-or-nothing: the whole file is read and checked first, then every
table is emptied and filled in one transaction, which rolls back on any error.
"""

from __future__ import annotations

import base64
import json
import math
import os
import secrets as _secrets
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .backends.credentials import database_key, drop_tokens, seal, unseal
from .store import Store

__all__ = [
    "FORMAT",
    "VERSION",
    "BootstrapImage",
    "SnapshotError",
    "bootstrap_image",
    "dump_state",
    "load_state",
    "read_snapshot",
    "reset_state",
    "write_snapshot",
]

FORMAT = "viam-emulator-snapshot"
VERSION = 1

#: Tables never carried: SQLite's own, and bearer tokens (short-lived; clients authenticate again).
_SKIPPED = frozenset({"access_tokens"})
_SEALED_PREFIX = "sealed1:"


class SnapshotError(ValueError):
    """A snapshot file that cannot be read or loaded; the message says what is wrong and what to do."""


# -- the tables ---------------------------------------------------------------------------


def _tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return [str(r[0]) for r in rows if str(r[0]) not in _SKIPPED]


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [str(r[1]) for r in db.execute(f'PRAGMA table_info("{table}")').fetchall()]


def _has_rowid(db: sqlite3.Connection, table: str) -> bool:
    row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    return "WITHOUT ROWID" not in str(row[0] if row else "").upper()


def _cell(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    return value


_PLAIN = frozenset({str, int, float, type(None)})


def _uncell(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, dict) and len(value) == 1:
        if "$b64" in value and isinstance(value["$b64"], str):
            try:
                return base64.b64decode(value["$b64"], validate=True)
            except ValueError:
                raise SnapshotError(f'{where}: a "$b64" value is not valid base64') from None
        if value.get("$float") in ("nan", "inf", "-inf"):
            return float(value["$float"])
    raise SnapshotError(
        f"{where}: {str(value)[:60]!r} is not a cell value "
        '(expected a string, a number, null, {"$b64": ...} or {"$float": ...})'
    )


# -- export ---------------------------------------------------------------------------------


def dump_state(store: Store) -> dict[str, Any]:
    """Every table of ``store`` (but access tokens) as a snapshot document, read in one transaction."""
    tables: dict[str, Any] = {}
    key_path = None if store.path == ":memory:" else f"{store.path}.key"
    with store.lock:
        db = store.db
        # One read transaction: a consistent view.  Deferred, not IMMEDIATE: on a file (WAL)
        # it does not hold off the writes of an emulator serving the same database meanwhile.
        own = not db.in_transaction
        if own:
            db.execute("BEGIN")
        try:
            for table in _tables(db):
                columns = _columns(db, table)
                order = " ORDER BY rowid" if _has_rowid(db, table) else ""
                cursor = db.execute(f'SELECT * FROM "{table}"{order}')
                cursor.row_factory = None  # plain tuples: faster than sqlite3.Row for 100,000s of rows
                tables[table] = {"columns": columns, "rows": [[_cell(v) for v in row] for row in cursor]}
        finally:
            if own:
                db.execute("COMMIT")
    # A file database whose key file is gone has no key to carry: its secrets stay unreadable, as there.
    has_key = key_path is None or os.path.exists(key_path)
    key = database_key(store) if has_key else None
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": datetime.now(timezone.utc).isoformat(),
        "sealing_key": None if key is None else key.hex(),
        "tables": tables,
    }


def write_snapshot(document: Mapping[str, Any], path: str | os.PathLike[str]) -> int:
    """Write ``document`` to ``path`` (0600, replaced atomically); returns its size in bytes."""
    target = os.fspath(path)
    aside = f"{target}.{os.getpid()}.{_secrets.token_hex(4)}.tmp"
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        # dumps, not dump: only the one-shot encoder is the C one (several times faster).
        data = json.dumps(document, separators=(",", ":"), allow_nan=False).encode("utf-8")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        size = len(data)
        os.replace(aside, target)
    except BaseException:
        if os.path.exists(aside):
            os.unlink(aside)
        raise
    return size


# -- import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    columns: list[str]
    rows: list[list[Any]]


def read_snapshot(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The snapshot document in ``path``, checked; SnapshotError says what is wrong with it."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as src:
            document = json.load(src)
    except FileNotFoundError:
        raise SnapshotError(f"no snapshot file {name!r}: give the path of a file `export` wrote") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"the snapshot {name!r} is not JSON ({exc}): give a file `export` wrote") from None
    _check(document, name)
    return document


def _check(document: Any, name: str) -> dict[str, _Table]:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SnapshotError(f"{name!r} is not an emulator snapshot (no \"format\": {FORMAT!r} in it)")
    version = document.get("version")
    if version != VERSION:
        raise SnapshotError(
            f"{name!r} is a snapshot of version {version!r}, which this emulator does not read "
            f"(it reads version {VERSION}); export it again with a matching viam_sdk"
        )
    key = document.get("sealing_key")
    if key is not None and (not isinstance(key, str) or len(key) != 64 or not _is_hex(key)):
        raise SnapshotError(f'{name!r}: "sealing_key" must be 64 hex digits or null')
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise SnapshotError(f'{name!r}: "tables" must be an object of table name -> {{"columns", "rows"}}')
    checked: dict[str, _Table] = {}
    for table, body in tables.items():
        where = f"{name!r}: table {table!r}"
        if not isinstance(body, dict) or not isinstance(body.get("columns"), list) or not isinstance(body.get("rows"), list):
            raise SnapshotError(f'{where} must be {{"columns": [...], "rows": [[...], ...]}}')
        columns = body["columns"]
        if not columns or not all(isinstance(c, str) for c in columns) or len(set(columns)) != len(columns):
            raise SnapshotError(f'{where}: "columns" must list distinct column names')
        for i, row in enumerate(body["rows"]):
            if not isinstance(row, list) or len(row) != len(columns):
                raise SnapshotError(f"{where}, row {i}: expected a list of {len(columns)} values")
        checked[table] = _Table(columns, body["rows"])
    return checked


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True


def load_state(store: Store, document: Mapping[str, Any], *, name: str = "snapshot") -> None:
    """Replace everything in ``store`` with the snapshot ``document``, in one transaction.

    Access tokens of the replaced state go too.  Raises SnapshotError (and changes
    nothing) when the document is malformed or names a table or column this
    emulator does not have, or a row breaks a constraint.
    """
    tables = _check(document, name)
    source_key = document.get("sealing_key")
    reseal = _Resealer(store, bytes.fromhex(source_key)) if source_key else None
    try:
        _load(store, tables, reseal, name)
    except sqlite3.DatabaseError as exc:
        raise SnapshotError(f"{name!r} cannot be loaded: {exc} (nothing was changed)") from None
    finally:
        if reseal is not None:
            reseal.close()
    store.checkpoint()


def _load(store: Store, tables: Mapping[str, _Table], reseal: _Resealer | None, name: str) -> None:
    with store.transaction() as db:
        present = set(_tables(db))
        for table, body in tables.items():
            if table not in present:
                raise SnapshotError(
                    f"{name!r}: table {table!r} is not one this emulator has "
                    "(a snapshot of a newer emulator, or of one with more service modules)"
                )
            unknown = set(body.columns) - set(_columns(db, table))
            if unknown:
                raise SnapshotError(f"{name!r}: table {table!r} has no column {sorted(unknown)[0]!r} here")
        _empty(db, present)
        drop_tokens(db)
        for table, body in tables.items():
            _fill(db, table, body, reseal, name)


def _empty(db: sqlite3.Connection, tables: Iterable[str]) -> None:
    for table in tables:
        db.execute(f'DELETE FROM "{table}"')
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
        db.execute("DELETE FROM sqlite_sequence")


def _fill(db: sqlite3.Connection, table: str, body: _Table, reseal: _Resealer | None, name: str) -> None:
    names = ", ".join(f'"{c}"' for c in body.columns)
    marks = ", ".join("?" * len(body.columns))
    where = f"{name!r}: table {table!r}"

    resealing = reseal is not None and not reseal.same

    def rows() -> Iterable[list[Any]]:
        for i, row in enumerate(body.rows):
            values = row if all(type(v) in _PLAIN for v in row) else [_uncell(v, f"{where}, row {i}") for v in row]
            if resealing:
                assert reseal is not None
                values = [reseal(v) if isinstance(v, str) and v.startswith(_SEALED_PREFIX) else v for v in values]
            yield values

    db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows())


class _Resealer:
    """Seals again, under the target database's key, a value sealed under the snapshot's key."""

    def __init__(self, target: Store, source_key: bytes) -> None:
        self.target = target
        self.same = database_key(target) == source_key
        self.source = Store()  # holds nothing: only the key, which seal/unseal read from its cache
        self.source.cache["sealing_key"] = source_key

    def close(self) -> None:
        self.source.close()

    def __call__(self, stored: str) -> str:
        if self.same:
            return stored
        clear = unseal(self.source, stored)
        # "" : not sealed under the snapshot's key (it was unreadable there too): kept as it is.
        return seal(self.target, clear) if clear else stored


# -- reset ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BootstrapImage:
    """The rows of the bootstrap organization and its owner key, as they were at start."""

    rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]]
    api_key_id: str


#: What makes up the bootstrap state: table -> the WHERE clause picking its rows (:org, :key).
_BOOTSTRAP_ROWS = {
    "emulator_meta": "key IN ('bootstrap_org_id', 'bootstrap_api_key_id')",
    "organizations": "id = :org",
    "api_keys": "id = :key",
    "api_key_authorizations": "api_key_id = :key",
}


def bootstrap_image(store: Store, org_id: str, api_key_id: str) -> BootstrapImage:
    """The bootstrap rows as they stand now (taken at start, put back by :func:`reset_state`)."""
    rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    with store.lock:
        for table, where in _BOOTSTRAP_ROWS.items():
            cursor = store.db.execute(
                f'SELECT * FROM "{table}" WHERE {where} ORDER BY rowid', {"org": org_id, "key": api_key_id}
            )
            rows[table] = ([d[0] for d in cursor.description], [tuple(r) for r in cursor.fetchall()])
    return BootstrapImage(rows, api_key_id)


def reset_state(store: Store, image: BootstrapImage) -> None:
    """Empty every table, then put back the bootstrap rows of ``image``, in one transaction.

    The bootstrap key's live access tokens are kept, so clients signed in with it
    carry on without signing in again.
    """
    with store.transaction() as db:
        _empty(db, _tables(db))
        drop_tokens(db, keep_credential=image.api_key_id)
        for table, (columns, rows) in image.rows.items():
            if rows:
                names = ", ".join(f'"{c}"' for c in columns)
                db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})', rows)


# -- the command line -------------------------------------------------------------------------


def export_main(db_path: str, out: str) -> int:
    """``python -m viam_sdk.testing export --db FILE --out SNAP.json``: 0 when written, 1 (with a line why) if not."""
    import sys

    try:
        size = export_file(db_path, out)
    except (OSError, SnapshotError) as exc:
        print(f"cannot export: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({size} bytes, readable by you only: it holds the credentials)")
    return 0


def export_file(db_path: str, out: str | os.PathLike[str]) -> int:
    """Write the snapshot of the database file ``db_path`` (which an emulator may be serving) to ``out``."""
    if not os.path.isfile(db_path):
        raise SnapshotError(f"no database file {db_path!r}: give the --db file an emulator serves or served")
    try:
        probe = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            ours = probe.execute("SELECT 1 FROM sqlite_master WHERE name = 'organizations'").fetchone()
        finally:
            probe.close()
    except sqlite3.DatabaseError:
        ours = None
    if ours is None:
        raise SnapshotError(f"{db_path!r} is not an emulator's database (it has no organizations table)")
    store = Store(db_path)
    try:
        return write_snapshot(dump_state(store), out)
    finally:
        store.close()


def remove_database(db_path: str) -> None:
    """Remove a database file with its key file and SQLite's siblings (one a failed ``--load`` made)."""
    for name in (db_path, f"{db_path}.key", f"{db_path}-wal", f"{db_path}-shm", f"{db_path}-journal"):
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass
