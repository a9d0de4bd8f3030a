"""Find the paged RPCs of an API from its descriptors.

A unary RPC is *paged* when its request carries a page token and its response
hands the next one back.  The pairs this module knows (by field name, the
conventions of Google's API design guide and of older cursor APIs):

* request ``page_token`` with response ``next_page_token``;
* request ``last`` with response ``last`` (a cursor: the id of the last item).

The request's token may sit directly in the request or one level down, in a
singular message field (``data_request.last``); its limit (``limit``,
``page_size`` or ``page_limit``, an integer) is looked up beside it.  The items
are the response's repeated fields, less *side tables*: a repeated field ``x``
is a side table when the elements of another repeated field carry an
``x_index`` integer pointing into it (a page of readings and the metadata rows
they share).  More than one candidate left is an error: the generator will not
guess.

An RPC whose request has a token but whose response has none (or the other
way round) is reported as *half paged*, so a reader of the table sees why it
is not served by a pager.  Nothing here knows about a particular service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from google.protobuf import descriptor_pb2 as d

from codegen import naming

FDP = d.FieldDescriptorProto

# request token name -> response token name
TOKEN_PAIRS: dict[str, str] = {"page_token": "next_page_token", "last": "last"}
LIMIT_NAMES: tuple[str, ...] = ("page_size", "page_limit", "limit")
_INTEGERS = {
    FDP.TYPE_INT32, FDP.TYPE_INT64, FDP.TYPE_UINT32, FDP.TYPE_UINT64,
    FDP.TYPE_SINT32, FDP.TYPE_SINT64, FDP.TYPE_FIXED32, FDP.TYPE_FIXED64,
    FDP.TYPE_SFIXED32, FDP.TYPE_SFIXED64,
}


class PagingError(ValueError):
    """A paged RPC whose items cannot be told apart without guessing."""


@dataclass(frozen=True)
class PagedRpc:
    """One paged RPC: where its tokens, items and page size live (Python field names)."""

    route: str  # "/pkg.Service/Method"
    service: str  # "pkg.Service"
    method: str  # Python name of the stub method
    request_token: str  # dotted path in the request, e.g. "data_request.last"
    response_token: str  # field of the response
    items: str  # the response's repeated field of items
    limit: str | None  # dotted path of the page-size field in the request, if any


@dataclass(frozen=True)
class HalfPagedRpc:
    """An RPC with only one half of a token pair (so no pager serves it)."""

    route: str
    reason: str


def _string_field(msg: d.DescriptorProto, name: str) -> d.FieldDescriptorProto | None:
    for f in msg.field:
        if f.name == name and f.type == FDP.TYPE_STRING and f.label != FDP.LABEL_REPEATED:
            return f
    return None


def _limit_field(msg: d.DescriptorProto) -> str | None:
    for name in LIMIT_NAMES:
        for f in msg.field:
            if f.name == name and f.type in _INTEGERS and f.label != FDP.LABEL_REPEATED:
                return f.name
    return None


def _request_token(
    request: d.DescriptorProto, messages: Mapping[str, d.DescriptorProto]
) -> tuple[str, str, str | None] | None:
    """(token name, dotted path of the token, dotted path of the limit) of a request."""
    for token in TOKEN_PAIRS:
        if _string_field(request, token) is not None:
            limit = _limit_field(request)
            return token, naming.field_name(token), naming.field_name(limit) if limit else None
    for f in request.field:  # one level down, in a singular message field
        if f.type != FDP.TYPE_MESSAGE or f.label == FDP.LABEL_REPEATED or f.type_name not in messages:
            continue
        inner = messages[f.type_name]
        for token in TOKEN_PAIRS:
            if _string_field(inner, token) is not None:
                outer = naming.field_name(f.name)
                limit = _limit_field(inner)
                return (
                    token,
                    f"{outer}.{naming.field_name(token)}",
                    f"{outer}.{naming.field_name(limit)}" if limit else None,
                )
    return None


def _items(route: str, response: d.DescriptorProto, messages: Mapping[str, d.DescriptorProto]) -> str:
    repeated = [f for f in response.field if f.label == FDP.LABEL_REPEATED]
    side_tables = set()
    for f in repeated:
        element = messages.get(f.type_name) if f.type == FDP.TYPE_MESSAGE else None
        if element is None:
            continue
        for inner in element.field:
            if inner.name.endswith("_index") and inner.type in _INTEGERS:
                side_tables.add(inner.name[: -len("_index")])
    items = [f for f in repeated if f.name not in side_tables]
    if len(items) != 1:
        names = ", ".join(f.name for f in items) or "none"
        raise PagingError(f"{route}: a paged response needs exactly one repeated field of items, found {names}")
    return naming.field_name(items[0].name)


def detect(
    files: Iterable[d.FileDescriptorProto], all_files: Iterable[d.FileDescriptorProto]
) -> tuple[tuple[PagedRpc, ...], tuple[HalfPagedRpc, ...]]:
    """The paged and half-paged unary RPCs of the services in ``files``, sorted by route.

    ``all_files`` resolves message types (the inputs and everything they import).
    """
    messages: dict[str, d.DescriptorProto] = {}

    def index(prefix: str, found: Iterable[d.DescriptorProto]) -> None:
        for msg in found:
            full = f"{prefix}.{msg.name}"
            messages[full] = msg
            index(full, msg.nested_type)

    for fd in all_files:
        index(f".{fd.package}" if fd.package else "", fd.message_type)
    paged: list[PagedRpc] = []
    half: list[HalfPagedRpc] = []
    for fd in files:
        for svc in fd.service:
            service = f"{fd.package}.{svc.name}" if fd.package else svc.name
            for m in svc.method:
                if m.client_streaming or m.server_streaming:
                    continue
                route = f"/{service}/{m.name}"
                request, response = messages[m.input_type], messages[m.output_type]
                found = _request_token(request, messages)
                answers = {name for name in TOKEN_PAIRS.values() if _string_field(response, name) is not None}
                if found is None:
                    if "next_page_token" in answers:
                        half.append(HalfPagedRpc(route, "the response has next_page_token, the request no token"))
                    continue
                token, token_path, limit_path = found
                if TOKEN_PAIRS[token] not in answers:
                    half.append(
                        HalfPagedRpc(route, f"the request has {token}, the response no {TOKEN_PAIRS[token]}")
                    )
                    continue
                paged.append(
                    PagedRpc(
                        route=route,
                        service=service,
                        method=naming.method_name(m.name),
                        request_token=token_path,
                        response_token=naming.field_name(TOKEN_PAIRS[token]),
                        items=_items(route, response, messages),
                        limit=limit_path,
                    )
                )
    return tuple(sorted(paged, key=lambda p: p.route)), tuple(sorted(half, key=lambda h: h.route))
