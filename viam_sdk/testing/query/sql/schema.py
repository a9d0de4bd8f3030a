"""Names shared by the emulator's SQL runner and its Atlas SQL translator (no sqlglot needed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

__all__ = ["COLUMNS", "ISO_FORMAT", "JSON_COLUMNS", "SQLRefused", "Source", "iso_text", "parse_timestamp"]

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
JSON_COLUMNS = frozenset({"tags", "method_parameters", "data"})
TIME_COLUMNS = frozenset({"time_requested", "time_received"})


class SQLRefused(ValueError):
    """The query is not one the cloud's SQL accepts, or it failed; the message says why."""


ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 time (``Z`` or an offset; a date alone is midnight UTC) as an aware datetime."""
    value = text.strip().replace(" ", "T", 1)
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def iso_text(text: str) -> str:
    """The emulator's stored form of a time given as text (what the time columns hold)."""
    return parse_timestamp(text).strftime(ISO_FORMAT)


@dataclass
class Source:
    """A FLATTEN/UNWIND data source found in FROM, replaced by ``name`` in the query."""

    name: str
    kind: str  # "flatten" | "unwind"
    inner: Source | None
    path: list[str | int] = field(default_factory=list)
    index: str | None = None
    outer: bool = False
    depth: int | None = None
    separator: str = "_"
