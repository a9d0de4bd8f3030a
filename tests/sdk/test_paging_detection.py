"""codegen/paging.py on small hand-made descriptors: what counts as a page-token pair."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2 as d

_REPO = Path(__file__).resolve().parents[2]
if str(_REPO) not in sys.path:  # codegen/ is not installed
    sys.path.insert(0, str(_REPO))

from codegen.paging import PagingError, detect  # noqa: E402

FDP = d.FieldDescriptorProto


def _msg(name: str, *fields: tuple[str, int, str | None, bool]) -> d.DescriptorProto:
    msg = d.DescriptorProto(name=name)
    for number, (fname, ftype, type_name, repeated) in enumerate(fields, start=1):
        f = msg.field.add(name=fname, number=number, type=ftype)
        f.label = FDP.LABEL_REPEATED if repeated else FDP.LABEL_OPTIONAL
        if type_name:
            f.type_name = type_name
    return msg


def _file(*messages: d.DescriptorProto, rpcs: list[tuple[str, str, str]]) -> d.FileDescriptorProto:
    fd = d.FileDescriptorProto(name="t.proto", package="t", syntax="proto3")
    fd.message_type.extend(messages)
    svc = fd.service.add(name="S")
    for name, req, resp in rpcs:
        svc.method.add(name=name, input_type=f".t.{req}", output_type=f".t.{resp}")
    return fd


S, I64, MSG = FDP.TYPE_STRING, FDP.TYPE_INT64, FDP.TYPE_MESSAGE


def test_nested_cursor_with_side_table_and_flat_tokens() -> None:
    fd = _file(
        _msg("Item", ("meta_index", I64, None, False), ("v", S, None, False)),
        _msg("Meta", ("x", S, None, False)),
        _msg("Paging", ("limit", I64, None, False), ("last", S, None, False)),
        _msg("QueryReq", ("paging", MSG, ".t.Paging", False)),
        _msg("QueryResp", ("meta", MSG, ".t.Meta", True), ("items", MSG, ".t.Item", True), ("last", S, None, False)),
        _msg("ListReq", ("page_token", S, None, False), ("page_size", FDP.TYPE_UINT32, None, False)),
        _msg("ListResp", ("things", S, None, True), ("next_page_token", S, None, False)),
        _msg("HalfReq", ("page_token", S, None, False)),
        _msg("HalfResp", ("things", S, None, True)),
        rpcs=[("Query", "QueryReq", "QueryResp"), ("List", "ListReq", "ListResp"), ("Half", "HalfReq", "HalfResp")],
    )
    paged, half = detect([fd], [fd])
    by_route = {p.route: p for p in paged}
    query = by_route["/t.S/Query"]
    # The token one level down, its limit beside it, and "meta" seen as a side table of "items".
    assert (query.request_token, query.response_token, query.items, query.limit) == (
        "paging.last", "last", "items", "paging.limit"
    )
    listing = by_route["/t.S/List"]
    assert (listing.method, listing.request_token, listing.response_token, listing.items, listing.limit) == (
        "list", "page_token", "next_page_token", "things", "page_size"
    )
    assert [(h.route, h.reason) for h in half] == [
        ("/t.S/Half", "the request has page_token, the response no next_page_token")
    ]


def test_two_candidate_item_fields_are_refused_not_guessed() -> None:
    fd = _file(
        _msg("Req", ("page_token", S, None, False)),
        _msg("Resp", ("a", S, None, True), ("b", S, None, True), ("next_page_token", S, None, False)),
        rpcs=[("Both", "Req", "Resp")],
    )
    with pytest.raises(PagingError, match=r"/t.S/Both: .*exactly one repeated field of items, found a, b"):
        detect([fd], [fd])
