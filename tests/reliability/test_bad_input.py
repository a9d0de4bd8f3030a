"""Issue 11 item 4: bad input, for every RPC of every service of the API.

Each route gets, with a valid owner token:

* ``garbage``: 50 bytes of 0xff (does not decode);
* ``utf8``: invalid UTF-8 in each of its top-level string fields;
* ``nesting``: a Struct nested 1,000 levels deep in each of its Struct fields;
* ``timestamp``: a Timestamp 10^17 seconds away in each of its time fields;
* ``numbers``: every number at its extreme (int64/int32 bounds, 1e308, NaN, inf) with
  the ids filled in from a real fleet, so the handler gets past its lookups;
* ``huge-repeated``: 5,000 entries in each repeated field.

The first four must answer INVALID_ARGUMENT; the others INVALID_ARGUMENT or the
RPC's legitimate answer (OK, NOT_FOUND, UNIMPLEMENTED, ...), never UNKNOWN or
INTERNAL; and the server must keep serving afterwards.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from grpclib.client import Channel
from grpclib.const import Status
from viam_api.app.v1 import (
    AppServiceStub,
    ChargeOrganizationRequest,
    CreateLocationRequest,
    GetRobotPartsRequest,
    ListOrganizationsRequest,
    NewRobotRequest,
)

from viam_sdk.testing import Emulator
from viam_sdk.testing.routes import api_routes

from ._raw import call
from .conftest import FIGURES

# Deprecated RPCs and messages are tried too: the generated layer's warnings are expected.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROUTES = dict(sorted(api_routes().items()))
MUST_BE_INVALID = ("garbage", "utf8", "nesting", "timestamp")
NEVER = {Status.UNKNOWN, Status.INTERNAL}
#: Routes left with empty ids when filling: they would wait for live logs, or delete the fleet.
NOT_FILLED = ("TailRobotPartLogs", "Delete", "Remove")


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while value > 127:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _ld(number: int, body: bytes) -> bytes:
    return _varint((number << 3) | 2) + _varint(len(body)) + body


def _nested_struct(levels: int) -> bytes:
    body = b""
    for _ in range(levels):
        body = _ld(1, _ld(1, b"k") + _ld(2, _ld(5, body)))  # Struct.fields{k: Value.struct_value}
    return body


def _fields(message_type: type) -> list[tuple[dataclasses.Field[Any], Any]]:
    return [(f, f.metadata["betterproto"]) for f in dataclasses.fields(message_type)]


def _encoded_cases(request_type: type) -> Iterator[tuple[str, bytes, str | None]]:
    """(kind, request bytes, the field the refusal must name)."""
    yield "garbage", b"\xff" * 50, None
    for f, meta in _fields(request_type):
        kind = str(f.type)
        if meta.proto_type == "string":
            yield "utf8", _ld(meta.number, b"ok\xc3\x28\xff"), f.name
        elif meta.proto_type == "message" and "Struct" in kind:
            yield "nesting", _ld(meta.number, _nested_struct(1000)), f.name
        elif meta.proto_type == "message" and "datetime" in kind:
            yield "timestamp", _ld(meta.number, b"\x08" + _varint(10**17)), f.name  # Timestamp.seconds


def _filled_id(name: str, fleet: dict[str, str]) -> str:
    lowered = name.lower()
    for needle, key in (
        ("org", "org"),
        ("location", "location"),
        ("part", "part"),
        ("robot", "robot"),
        ("machine", "robot"),
    ):
        if needle in lowered:
            return fleet[key]
    return "x" if "name" in lowered else ""


def _extreme(meta: Any, which: int) -> Any:
    if meta.proto_type == "double":
        return (1e308, math.nan, math.inf, -1e308)[which % 4]
    if meta.proto_type in ("int64", "sint64", "sfixed64"):
        return (2**63 - 1, -(2**63))[which % 2]
    if meta.proto_type in ("int32", "sint32", "sfixed32"):
        return (2**31 - 1, -(2**31))[which % 2]
    if meta.proto_type in ("uint32", "fixed32"):
        return 2**32 - 1
    if meta.proto_type in ("uint64", "fixed64"):
        return 2**64 - 1
    return None


def _typed_cases(route: str, request_type: type, fleet: dict[str, str]) -> Iterator[tuple[str, bytes, str | None]]:
    fill = not any(word in route for word in NOT_FILLED)
    base: dict[str, Any] = {}
    for f, meta in _fields(request_type):
        if meta.proto_type == "string" and not meta.repeated and fill:
            base[f.name] = _filled_id(f.name, fleet)
    numeric = [(f, meta) for f, meta in _fields(request_type) if _extreme(meta, 0) is not None and not meta.repeated]
    for which in range(4 if numeric else 0):
        values = dict(base)
        for f, meta in numeric:
            values[f.name] = _extreme(meta, which)
        yield "numbers", bytes(request_type(**values)), None
    for f, meta in _fields(request_type):
        if meta.repeated and meta.proto_type in ("string", "int64", "int32", "double", "bool", "uint32"):
            item: Any = {"string": "x" * 8, "double": 1.5, "bool": True}.get(meta.proto_type, 7)
            yield "huge-repeated", bytes(request_type(**{**base, f.name: [item] * 5000})), None


async def _fleet(emulator: Emulator) -> dict[str, str]:
    app = Channel(emulator.host, emulator.port)
    try:
        stub = AppServiceStub(app, metadata=emulator.auth_metadata())
        org = emulator.bootstrap.org_id
        loc = (await stub.create_location(CreateLocationRequest(organization_id=org, name="Lab"))).location
        assert loc is not None
        robot = (await stub.new_robot(NewRobotRequest(name="rover", location=loc.id))).id
        part = (await stub.get_robot_parts(GetRobotPartsRequest(robot_id=robot))).parts[0].id
        return {"org": org, "location": loc.id, "robot": robot, "part": part}
    finally:
        app.close()


def _service(route: str) -> str:
    return route.split("/")[1].rsplit(".", 1)[-1]


async def test_every_rpc_refuses_bad_input_cleanly(
    emulator: Emulator, raw: Channel, caplog: pytest.LogCaptureFixture
) -> None:
    fleet = await _fleet(emulator)
    meta = emulator.auth_metadata()
    tried: Counter[str] = Counter()
    invalid: Counter[str] = Counter()
    named: Counter[str] = Counter()
    by_case: dict[str, Counter[str]] = defaultdict(Counter)
    wrong: list[tuple[str, str, str, str | None]] = []
    caplog.set_level(logging.WARNING)
    for route, handler in ROUTES.items():
        cases = [*_encoded_cases(handler.request_type), *_typed_cases(route, handler.request_type, fleet)]
        for case, body, field_name in cases:
            answer = await call(raw, route, body, meta, timeout=5)
            service = _service(route)
            tried[service] += 1
            by_case[case][answer.status.name] += 1
            if answer.status is Status.INVALID_ARGUMENT:
                invalid[service] += 1
            # (an RPC the emulator does not serve may refuse before it reads the request)
            must = case in MUST_BE_INVALID and answer.status is not Status.UNIMPLEMENTED
            if (must and answer.status is not Status.INVALID_ARGUMENT) or answer.status in NEVER:
                wrong.append((route, case, answer.status.name, answer.message))
            elif must and field_name and f"(in field {field_name}" not in str(answer.message):
                wrong.append((route, case, "the refusal does not name the field " + field_name, answer.message))
            elif must and field_name:
                named[service] += 1
    assert wrong == [], "\n".join(map(str, wrong))
    # still serving, and still the same fleet
    alive = await call(raw, "/viam.app.v1.AppService/ListOrganizations", bytes(ListOrganizationsRequest()), meta)
    assert alive.status is Status.OK and fleet["org"].encode() in alive.replies[0]
    # one line per refusal in the log, never a traceback
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    FIGURES["bad inputs per service (tried / INVALID_ARGUMENT)"] = ", ".join(
        f"{s} {tried[s]}/{invalid[s]}" for s in sorted(tried)
    )
    FIGURES["bad inputs whose refusal names the field"] = f"{sum(named.values())} (every one with a field to name)"
    FIGURES["bad inputs by kind"] = "; ".join(
        f"{case}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) for case, counts in by_case.items()
    )
    assert sum(tried.values()) > 3 * len(ROUTES)


async def test_charge_organization_with_a_huge_subtotal_names_the_field(emulator: Emulator, raw: Channel) -> None:
    body = bytes(ChargeOrganizationRequest(org_id_to_charge=emulator.bootstrap.org_id, subtotal=1e308))
    answer = await call(raw, "/viam.app.v1.BillingService/ChargeOrganization", body, emulator.auth_metadata())
    assert answer.status is Status.INVALID_ARGUMENT and "subtotal" in str(answer.message)


async def test_a_config_nested_200_levels_fails_in_the_client_naming_the_problem(emulator: Emulator) -> None:
    """Client side: the SDK refuses to encode it with a ValueError, not a bare RecursionError."""
    from viam_sdk.app.viam_client import ViamClient
    from viam_sdk.rpc.dial import DialOptions

    boot = emulator.bootstrap
    viam = await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emulator.app_url
    )
    try:
        fleet = await _fleet(emulator)
        deep: dict[str, Any] = {}
        node = deep
        for _ in range(200):
            node["next"] = {}
            node = node["next"]
        with pytest.raises(ValueError, match="nested deeper than"):
            await viam.app_client.update_robot_part(fleet["part"], "rover-main", robot_config=deep)
        part = await viam.app_client.get_robot_part(fleet["part"])
        assert part.robot_config == {}  # nothing reached the server
    finally:
        viam.close()
