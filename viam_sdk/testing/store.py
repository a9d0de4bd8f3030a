"""SQLite state of the emulator.

One :class:`Store` wraps one ``sqlite3`` connection (a file, or ``":memory:"``).
Every mutating RPC runs inside :meth:`Store.transaction`, so a call either
applies all of its changes or none of them.  Service modules add their own
tables with :meth:`Store.execute_schema`; the tables every module may join on
belong to their backends too (``backends.create_core_tables``).

A database file and its ``-wal``/``-shm`` siblings are readable by their
owner only (0600, whatever the umask): SQLite gives the siblings the mode of
the database file, which is made private before SQLite opens it.  What is
kept of keys, secrets and tokens, and how, is ``backends/credentials.py``'s.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["CORE_SCHEMA", "DEFAULT_BUSY_TIMEOUT", "Store", "is_lock_error"]

#: Seconds a write waits for a lock held by another connection or process.
DEFAULT_BUSY_TIMEOUT = 2.0
#: Values :meth:`Store.memo` keeps between two writes; past that it starts again empty.
MEMO_ENTRIES = 4096

_T = TypeVar("_T")


def is_lock_error(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite giving up on a lock someone else holds."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    text = str(exc).lower()
    return "locked" in text or "busy" in text

#: The store's own table; each area's tables belong to its backend (``backends.create_core_tables``
#: makes the ones every area joins on: organizations, locations, machines, credentials).
CORE_SCHEMA = """
CREATE TABLE IF NOT EXISTS emulator_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def open_failure(path: str, exc: sqlite3.Error) -> OSError:
    """Why the database file ``path`` cannot be opened, and what to do, as one sentence (an OSError).

    SQLite only says "unable to open database file"; the file system says which part is wrong.
    """
    where = os.path.abspath(path)
    folder = os.path.dirname(where)
    if os.path.isdir(where):
        hint = f"it is a folder; give a file name in it, e.g. {os.path.join(path, 'fleet.db')}"
    elif not os.path.isdir(folder):
        hint = f"the folder {folder} does not exist; create it first, or choose another database path"
    elif not os.path.exists(where) and not os.access(folder, os.W_OK):
        hint = f"the folder {folder} is not writable; choose a path in a folder you can write to"
    elif "not a database" in str(exc):
        hint = "the file is not an SQLite database; give the path of a new file (or one the emulator made)"
    elif "locked" in str(exc):
        hint = (
            "another process holds it locked (another emulator on the same file?); "
            "stop it or use another file"
        )
    else:
        hint = f"{exc}; check the path and its permissions"
    return OSError(f"cannot open the database {path!r}: {hint}")


def _make_private(path: str) -> None:
    """Create the database file 0600 (or make an existing one and its siblings 0600) before SQLite opens it.

    Errors are left to SQLite, whose failure :func:`open_failure` explains.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return
    try:
        os.fchmod(fd, 0o600)
    except OSError:
        pass  # someone else's file: its mode is theirs
    finally:
        os.close(fd)
    for sibling in (f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        try:
            os.chmod(sibling, 0o600)
        except OSError:
            pass


class Store:
    """One SQLite database holding all emulator state.

    ``path`` is a file name or ``":memory:"``.  The connection may be used from
    any thread; :meth:`transaction` (and the read helpers) serialise access with
    a re-entrant lock.

    >>> store = Store()
    >>> with store.transaction() as db:
    ...     _ = db.execute("INSERT INTO emulator_meta VALUES ('k', 'v')")
    >>> store.one("SELECT value FROM emulator_meta WHERE key = 'k'")["value"]
    'v'
    """

    def __init__(self, path: str = ":memory:", *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, once per call.
        # timeout: how long a write waits for a lock another connection holds
        # (the wait blocks the event loop, so it stays short); then
        # sqlite3.OperationalError("database is locked"), which the route guard
        # answers with UNAVAILABLE.
        if path != ":memory:":
            _make_private(path)
        self.db = sqlite3.connect(path, timeout=busy_timeout, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.lock = threading.RLock()
        self._depth = 0
        # Values derived from the database that never change once written (e.g. the token key).
        self.cache: dict[str, object] = {}
        # Values derived from the database as it is now (see memo()), and what "now" was.
        self._memo: dict[Hashable, Any] = {}
        self._memo_stamp: tuple[int, int] | None = None
        # Schema statements run (total_changes counts rows, not tables made or dropped).
        self._ddl = 0
        # Another connection (process) may commit to a file: its PRAGMA data_version, read at
        # most once per turn of the loop that reads (see _peer_version()).
        self._shared = path != ":memory:"
        self._peer_seen = 0
        self._peer_loop: asyncio.AbstractEventLoop | None = None
        if path != ":memory:":
            # WAL with synchronous=NORMAL: a crash of the process loses nothing;
            # only a power cut may drop the last commits -- fine for an emulator.
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=OFF")
        # Deleted and overwritten rows are zeroed, not left in free pages: a secret
        # an earlier version kept in clear does not outlive its sealing.
        self.db.execute("PRAGMA secure_delete=ON")
        self.execute_schema(CORE_SCHEMA)

    def execute_schema(self, ddl: str) -> None:
        """Run ``CREATE TABLE IF NOT EXISTS ...`` statements (idempotent)."""
        if not ddl.strip():
            return
        with self.lock:
            self._ddl += 1
            self.db.executescript(ddl)
            self._ddl += 1

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block as one transaction: commit at the end, roll back on error.

        Nested uses join the outer transaction (a savepoint, so an inner failure
        that is caught leaves the outer work intact).  Never ``await`` inside
        the block: the lock is re-entrant, so another handler on the same
        event loop would join this transaction.
        """
        with self.lock:
            if self._depth == 0:
                self.db.execute("BEGIN IMMEDIATE")
                self._depth += 1
                try:
                    yield self.db
                    self.db.execute("COMMIT")
                except BaseException:
                    if self.db.in_transaction:
                        self.db.execute("ROLLBACK")
                    raise
                finally:
                    self._depth -= 1
            else:
                name = f"sp{self._depth}"
                self.db.execute(f"SAVEPOINT {name}")
                self._depth += 1
                try:
                    yield self.db
                except BaseException:
                    self.db.execute(f"ROLLBACK TO {name}")
                    self.db.execute(f"RELEASE {name}")
                    raise
                else:
                    self.db.execute(f"RELEASE {name}")
                finally:
                    self._depth -= 1

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        with self.lock:
            row: sqlite3.Row | None = self.db.execute(sql, params).fetchone()
            return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Every row of a query."""
        with self.lock:
            return list(self.db.execute(sql, params).fetchall())

    # -- reads kept until the database changes ---------------------------------------------

    def memo(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """``compute()``, kept under ``key`` until the database next changes.

        For what the hot read paths (the token check, access checks, small
        lookups) ask again and again between writes.  Kept values are dropped
        together at the first change of any row or table: one made through
        this store's connection (``total_changes``, schema statements), or one
        another connection or process committed to the same file (``PRAGMA
        data_version``, read at most once per turn of the event loop: a
        request that arrived after such a commit is read in a later turn, so
        it sees it).  Inside a transaction nothing is kept or reused.
        ``compute`` must be a pure read of the database whose result nobody
        mutates (tuples, rows, frozen dataclasses).
        """
        with self.lock:
            if self.db.in_transaction:
                return compute()
            stamp = (self.db.total_changes + self._ddl, self._peer_version())
            if stamp == self._memo_stamp:
                try:
                    found: _T = self._memo[key]
                    return found
                except KeyError:
                    pass
            else:
                self._memo.clear()
                self._memo_stamp = stamp
            value = compute()
            if self.db.total_changes + self._ddl == stamp[0]:  # a compute that wrote keeps nothing
                if len(self._memo) >= MEMO_ENTRIES:
                    self._memo.clear()
                self._memo[key] = value
            return value

    def _peer_version(self) -> int:
        """What ``PRAGMA data_version`` said this loop turn (read again on every call off a loop)."""
        if not self._shared:
            return 0
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or self._peer_loop is not loop:
            self._peer_seen = int(self.db.execute("PRAGMA data_version").fetchone()[0])
            if loop is not None:
                self._peer_loop = loop
                loop.call_soon(self._forget_peer_version)
        return self._peer_seen

    def _forget_peer_version(self) -> None:
        self._peer_loop = None

    def cached_one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        """:meth:`one`, answered from :meth:`memo` while the database has not changed."""
        return self.memo((sql, params), lambda: self.one(sql, params))

    def cached_all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """:meth:`all`, answered from :meth:`memo` while the database has not changed (a new list each time)."""
        return list(self.memo((sql, params), lambda: tuple(self.all(sql, params))))

    def get_meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM emulator_meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO emulator_meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def checkpoint(self) -> None:
        """Write the WAL back into the database file and empty it (earlier page versions go with it)."""
        if self.path != ":memory:":
            with self.lock:
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self.lock:
            self.db.close()

    def __repr__(self) -> str:
        return f"Store(path={self.path!r})"
