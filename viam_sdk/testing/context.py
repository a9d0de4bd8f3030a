"""What every emulator service module receives: state, clock, ids, log hub."""

from __future__ import annotations

import functools
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .logs import LogHub
from .store import Store

__all__ = ["Bootstrap", "EmulatorContext", "iso", "parse_iso"]


@dataclass(frozen=True)
class Bootstrap:
    """The organization and owner API key the emulator creates on a fresh database.

    The key itself is left out of the repr so it never lands in logs.
    """

    org_id: str
    api_key_id: str
    api_key: str = field(repr=False)

    def as_dict(self) -> dict[str, str]:
        return {"org_id": self.org_id, "api_key_id": self.api_key_id, "api_key": self.api_key}


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """A timestamp as stored in the database (UTC, fixed width, sorts as text)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str | None) -> datetime | None:
    """The inverse of :func:`iso` (None stays None)."""
    if not text:
        return None
    return _parse_iso(text)


@functools.lru_cache(maxsize=4096)
def _parse_iso(text: str) -> datetime:
    # The same few timestamps (creation times, last accesses) come back in answer after
    # answer, and a datetime never changes: each distinct text is read once.
    if len(text) == 27 and text[26] == "Z":
        # The fixed-width form iso() writes, read by slicing: strptime costs ~30 µs a call.
        try:
            return datetime(
                int(text[0:4]),
                int(text[5:7]),
                int(text[8:10]),
                int(text[11:13]),
                int(text[14:16]),
                int(text[17:19]),
                int(text[20:26]),
                tzinfo=timezone.utc,
            )
        except ValueError:
            pass
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


@dataclass
class EmulatorContext:
    """Shared by all services of one emulator instance.

    ``store`` is the database, ``bootstrap`` the initial org and key, ``logs``
    the live log hub (part id -> batches of ``viam_api.common.v1.LogEntry``),
    ``new_id()`` makes ids (UUID4 strings) and ``now()`` tells the time (UTC).
    ``extras`` lets service modules share objects with each other by name.
    ``org_deleted_hooks`` are called as ``hook(db, org_id)`` inside the
    transaction of AppService/DeleteOrganization, so a service module can drop
    the rows it keeps for that organization.  ``token_ttl`` is how many
    seconds an access token stays valid (None: until its key is deleted).
    """

    store: Store
    bootstrap: Bootstrap
    logs: LogHub[Any] = field(default_factory=LogHub)
    clock: Callable[[], datetime] = _utcnow
    extras: dict[str, Any] = field(default_factory=dict)
    org_deleted_hooks: list[Callable[[sqlite3.Connection, str], None]] = field(default_factory=list)
    token_ttl: float | None = None

    def new_id(self) -> str:
        return str(uuid.uuid4())

    def now(self) -> datetime:
        return self.clock()

    def now_iso(self) -> str:
        return iso(self.clock())
