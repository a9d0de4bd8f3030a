"""What the emulator's data handlers (data, datasync, dataset) share.

Who may see which captured data (:func:`data_scope`, :func:`require_binaries`,
:func:`require_writable`: the authorization half; the SQL is
``backends/captures.py`` and ``backends/capture_filter.py``), how a capture's
metadata is handed back, how binary ids and page tokens are spelt, and the
fast wire encoding of readings.

Storage layout (all in the emulator's one SQLite database):

* ``data_uploads``: the capture metadata of one tabular upload (machine, part,
  component, method, tags, ...).  ``data_tabular`` holds its rows, one per
  reading, each with its own request/receive times and the reading as JSON.
* ``data_binary``: one row per binary capture or file, with its own metadata
  (its tags can change later).  The bytes live in ``data_blobs``, in chunks of
  at most 64 KiB, so an upload is written as it streams in and never held whole.
* ``data_bboxes``, ``datasets`` and ``dataset_members``: annotations and datasets.
* ``data_db_users``: the salted digest of each organization's database password.

Times are integers (microseconds since the Unix epoch, UTC).  Rows are ordered
by the time they were received, ties broken by insertion order, so paging is
stable.

Binary data ids have the form ``<organization id>/<location id>/<file id>``, so
a deprecated ``BinaryID`` message maps onto one without a lookup.

A capture counts as *internal* (hidden unless ``include_internal_data``) when
its component type starts with ``viam-internal``; nothing else is internal.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import struct
from collections.abc import Sequence
from typing import Any

from viam_api.app.data.v1 import (
    BinaryID,
    CaptureMetadata,
    Filter,
    Order,
)

from ..auth import API_KEY, LOCATION_SECRET, PART_SECRET, ROLE_OWNER, Identity, visible_org_ids
from ..backends.access import key_grants
from ..backends.capture_filter import KeyReach, Scope
from ..backends.captures import INTERNAL_PREFIX as INTERNAL_PREFIX
from ..backends.captures import SCHEMA as CAPTURES_SCHEMA
from ..backends.captures import BinaryRow, CapturesBackend, UploadRow
from ..backends.datasets import SCHEMA as DATASETS_SCHEMA
from ..context import EmulatorContext
from ..errors import InvalidArgument, NotFound, PermissionDenied

# Re-exported: the data handlers import these from here.
from ..errors import invalid as invalid
from ..errors import not_found as not_found
from ..stored import from_micros as from_micros
from ..stored import json_list as json_list
from ..stored import micros_to_iso as micros_to_iso
from ..stored import to_micros as to_micros

SCHEMA = CAPTURES_SCHEMA + DATASETS_SCHEMA

DEFAULT_LIMIT = 50
MAX_TABULAR_LIMIT = 100_000
MAX_BINARY_LIMIT = 1_000
CHUNK_SIZE = 64 * 1024

_DOUBLE = struct.Struct("<d")


# -- mime types -----------------------------------------------------------------------

_MIME_BY_EXT = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".pcd": "pointcloud/pcd",
    ".mp4": "video/mp4",
    ".json": "application/json",
    ".txt": "text/plain",
    ".csv": "text/csv",
}


def normalise_ext(ext: str) -> str:
    """``"png"`` and ``".png"`` both become ``".png"``; empty stays empty."""
    ext = ext.strip()
    if ext and not ext.startswith("."):
        ext = "." + ext
    return ext


def mime_for(ext: str, given: str = "") -> str:
    """The MIME type to record: the one given, else one derived from the extension."""
    if given:
        return given
    ext = normalise_ext(ext).lower()
    if not ext:
        return "application/octet-stream"
    return _MIME_BY_EXT.get(ext) or mimetypes.types_map.get(ext) or "application/octet-stream"


# -- ids --------------------------------------------------------------------------------


def binary_data_id(org_id: str, location_id: str, file_id: str) -> str:
    return f"{org_id}/{location_id}/{file_id}"


def ids_from_request(binary_ids: Sequence[BinaryID], binary_data_ids: Sequence[str]) -> list[str]:
    """Binary data ids named by a request, in either the old or the new form, deduplicated."""
    out: list[str] = []
    for old in binary_ids:
        if not (old.file_id and old.organization_id and old.location_id):
            raise InvalidArgument(
                f"a BinaryID needs file_id, organization_id and location_id (got file_id={old.file_id!r})"
            )
        out.append(binary_data_id(old.organization_id, old.location_id, old.file_id))
    for new in binary_data_ids:
        if not new:
            raise InvalidArgument("an empty binary data id was given")
        out.append(new)
    return list(dict.fromkeys(out))


def key_reach(ctx: EmulatorContext, key_id: str, *, write: bool = False) -> KeyReach:
    """The resources an API key holds a role on (``write``: the owner role only)."""
    found: dict[str, set[str]] = {"organization": set(), "location": set(), "robot": set()}
    for grant in key_grants(ctx.store, key_id):
        if write and grant.role != ROLE_OWNER:
            continue
        found.get(grant.resource_type, set()).add(grant.resource_id)
    return KeyReach(
        frozenset(found["organization"]), frozenset(found["location"]), frozenset(found["robot"])
    )


def reaches_data(
    ctx: EmulatorContext, ident: Identity, row: BinaryRow, *, write: bool = False, reach: KeyReach | None = None
) -> bool:
    """Whether ``ident`` may see (``write``: change) the captured data ``row``.

    An API key reaches the data of the organizations, locations and machines
    its roles name (changing needs the owner role); a location secret its
    location's data; a part secret its own part's data, read only.
    """
    if ident.kind == API_KEY:
        reach = reach or key_reach(ctx, ident.subject, write=write)
        return row.organization_id in reach.orgs or row.location_id in reach.locations or row.robot_id in reach.robots
    if ident.kind == LOCATION_SECRET:
        return row.location_id == ident.location_id
    if ident.kind == PART_SECRET:
        return not write and row.part_id == ident.part_id
    return False


def require_writable(ctx: EmulatorContext, ident: Identity, rows: Sequence[BinaryRow]) -> None:
    """PERMISSION_DENIED unless ``ident`` may change every one of ``rows``."""
    reach = key_reach(ctx, ident.subject, write=True) if ident.kind == API_KEY else None
    for row in rows:
        if not reaches_data(ctx, ident, row, write=True, reach=reach):
            raise PermissionDenied(f"the caller may not change binary data {row.id!r}")


def require_binaries(ctx: EmulatorContext, ident: Identity, ids: Sequence[str]) -> list[BinaryRow]:
    """The binary rows for ``ids``, each checked: NOT_FOUND for an unknown or invisible id.

    An id the caller cannot reach (another organization, another location or
    part than its credential's) is reported as not found, so its existence is
    not revealed.
    """
    if not ids:
        raise InvalidArgument("at least one binary data id is required")
    reach = key_reach(ctx, ident.subject) if ident.kind == API_KEY else None
    rows = CapturesBackend(ctx).binaries(ids)
    by_id = {r.id: r for r in rows if reaches_data(ctx, ident, r, reach=reach)}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise NotFound(f"binary data {missing[0]!r} not found")
    return [by_id[i] for i in ids]


# -- metadata -------------------------------------------------------------------------


def capture_metadata(row: UploadRow | BinaryRow) -> CaptureMetadata:
    """The CaptureMetadata message of a tabular upload or a binary capture.

    ``method_parameters`` are kept as the JSON we stored; they are not sent back
    (the field is no longer in active use upstream).
    """
    return CaptureMetadata(
        organization_id=row.organization_id,
        location_id=row.location_id,
        robot_name=row.robot_name,
        robot_id=row.robot_id,
        part_name=row.part_name,
        part_id=row.part_id,
        component_type=row.component_type,
        component_name=row.component_name,
        method_name=row.method_name,
        tags=list(row.tags),
        mime_type=row.mime_type,
    )


# -- paging -----------------------------------------------------------------------------


def encode_last(time_received: int, seq: int) -> str:
    return base64.urlsafe_b64encode(f"{time_received}:{seq}".encode()).decode().rstrip("=")


def decode_last(token: str) -> tuple[int, int]:
    try:
        padded = token + "=" * (-len(token) % 4)
        time_text, seq_text = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        return int(time_text), int(seq_text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"the page token last={token!r} is not one this server handed out") from exc


def page_limit(limit: int, maximum: int) -> int:
    if limit == 0:
        return DEFAULT_LIMIT
    if limit > maximum:
        raise InvalidArgument(f"limit={limit} is larger than the most this service returns in one page ({maximum})")
    return limit


def is_descending(order: Order) -> bool:
    """ORDER_ASCENDING is oldest first; ORDER_DESCENDING and unspecified are newest first."""
    return order != Order.ORDER_ASCENDING


# -- filters -----------------------------------------------------------------------------


def data_scope(ctx: EmulatorContext, ident: Identity, flt: Filter | None) -> Scope:
    """What captured data ``ident`` may see, narrowed to the organizations ``flt`` names.

    PERMISSION_DENIED when ``flt`` names an organization the caller cannot see.
    """
    flt = flt or Filter()
    visible = visible_org_ids(ctx, ident)
    if flt.organization_ids:
        hidden = [o for o in flt.organization_ids if o not in visible]
        if hidden:
            raise PermissionDenied(f"the caller has no access to organization {hidden[0]!r}")
        org_ids = tuple(flt.organization_ids)
    else:
        org_ids = tuple(sorted(visible))
    reach = key_reach(ctx, ident.subject) if ident.kind == API_KEY else None
    return Scope(org_ids, reach, ident.location_id or "", ident.part_id or "")


# -- fast wire encoding of readings -----------------------------------------------------------
#
# A page of 10,000 readings holds some 100,000 google.protobuf.Value messages;
# building and serialising them through the generic message classes takes
# seconds.  The emulator therefore writes the repeated ``data`` field of
# TabularDataByFilterResponse itself, straight from the stored JSON, and hands
# it to the response as already-encoded bytes (protobuf allows a message's
# fields in any order, and repeated elements may follow the others).


def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _len_field(tag: int, payload: bytes) -> bytes:
    return _varint(tag << 3 | 2) + _varint(len(payload)) + payload


def encode_value(value: Any) -> bytes:
    """A JSON-style value as the bytes of a ``google.protobuf.Value`` message."""
    if value is None:
        return b"\x08\x00"
    if value is True:
        return b"\x20\x01"
    if value is False:
        return b"\x20\x00"
    if isinstance(value, (int, float)):
        return b"\x11" + _DOUBLE.pack(float(value))
    if isinstance(value, str):
        raw = value.encode()
        return b"\x1a" + _varint(len(raw)) + raw
    if isinstance(value, dict):
        return _len_field(5, encode_struct(value))
    if isinstance(value, list):
        return _len_field(6, b"".join(_len_field(1, encode_value(item)) for item in value))
    raise TypeError(f"cannot encode a {type(value).__name__} as a protobuf Value")


def encode_struct(mapping: dict[str, Any]) -> bytes:
    """A JSON object as the bytes of a ``google.protobuf.Struct`` message."""
    out = []
    for key, item in mapping.items():
        raw = key.encode()
        entry = b"\x0a" + _varint(len(raw)) + raw + _len_field(2, encode_value(item))
        out.append(b"\x0a" + _varint(len(entry)) + entry)
    return b"".join(out)


def encode_timestamp(micros: int) -> bytes:
    seconds, rest = divmod(micros, 1_000_000)
    out = b""
    if seconds:
        out += b"\x08" + _varint(seconds)
    if rest:
        out += b"\x10" + _varint(rest * 1000)
    return out


def encode_tabular_row(
    data_json: str, metadata_index: int, requested: int | None, received: int | None
) -> bytes:
    """One ``TabularData`` element, framed as field 2 of TabularDataByFilterResponse."""
    body = _len_field(1, encode_struct(json.loads(data_json)))
    if metadata_index:
        body += b"\x10" + _varint(metadata_index)
    if requested is not None:
        body += _len_field(3, encode_timestamp(requested))
    if received is not None:
        body += _len_field(4, encode_timestamp(received))
    return _len_field(2, body)
