"""Randomised requests (fixed seed) against every AppService and RobotService RPC: whatever the input,
the emulator answers OK or a clear refusal, never a crash (UNKNOWN/INTERNAL)."""

from __future__ import annotations

import dataclasses
import random
import typing
from datetime import datetime, timedelta, timezone
from typing import Any

import betterproto2
import pytest
from grpclib.client import Channel
from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError
from viam_api.app.v1 import AppServiceBase, AppServiceStub, CreateFragmentRequest, RobotServiceBase
from viam_api.google.protobuf import Struct

from viam_sdk.testing import Emulator
from viam_sdk.testing.services.app import AppService
from viam_sdk.testing.services.robot import RobotService
from viam_sdk.testing.structs import dict_to_struct

from ._helpers import Fleet

VARIANTS = 6
# Left out: a live tail never ends by itself, and these three would delete the
# very org or key the test calls with (each has its own tests).
SKIPPED = {"TailRobotPartLogs", "DeleteOrganization", "DeleteKey", "RotateKey"}


class Filler:
    """Builds random requests; string fields mostly get a value that fits their name."""

    def __init__(self, rng: random.Random, strings: list[str], by_name: dict[str, list[str]]) -> None:
        self.rng = rng
        self.strings = strings
        self.by_name = by_name

    def string(self, name: str) -> str:
        for key, values in self.by_name.items():
            if key in name and self.rng.random() < 0.7:
                return self.rng.choice(values)
        return self.rng.choice(self.strings)

    def scalar(self, proto_type: str, name: str = "") -> Any:
        rng = self.rng
        if proto_type == betterproto2.TYPE_STRING:
            return self.string(name)
        if proto_type == betterproto2.TYPE_BYTES:
            return rng.choice([b"", b"abc", b"\x89PNG\r\n\x1a\n..."])
        if proto_type == betterproto2.TYPE_BOOL:
            return rng.random() < 0.5
        if proto_type in (betterproto2.TYPE_DOUBLE, betterproto2.TYPE_FLOAT):
            return rng.choice([0.0, -1.5, 3.0])
        return rng.choice([0, 1, 2, 7, 10_000])

    def element(self, meta: betterproto2.FieldMetadata, hint: Any, depth: int, name: str = "") -> Any:
        if meta.proto_type == betterproto2.TYPE_ENUM:
            return self.rng.choice(list(hint))
        if meta.proto_type == betterproto2.TYPE_MESSAGE:
            if hint is datetime:
                return datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(hours=self.rng.randint(-5, 5))
            if hint is timedelta:
                return timedelta(seconds=self.rng.randint(0, 60))
            if hint is Struct:
                return dict_to_struct(
                    self.rng.choice([{}, {"fragments": self.strings[:2]}, {"a": {"b": [1, "x"]}}])
                )
            if meta.unwrap is not None:
                return None
            return self.message(hint, depth - 1) if depth > 0 else None
        return self.scalar(meta.proto_type, name)

    def message(self, cls: type[betterproto2.Message], depth: int = 2) -> Any:
        hints = typing.get_type_hints(cls)
        kwargs: dict[str, Any] = {}
        groups: set[str] = set()
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]
            meta: betterproto2.FieldMetadata = field.metadata["betterproto"]
            hint = hints[field.name]
            if meta.map_meta is not None or self.rng.random() < 0.2:
                continue
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            inner = args[0] if args else hint
            if meta.group is not None:
                if meta.group in groups:
                    continue
                groups.add(meta.group)
            if meta.repeated:
                values = [self.element(meta, inner, depth, field.name) for _ in range(self.rng.randint(0, 2))]
                kwargs[field.name] = [v for v in values if v is not None]
            else:
                value = self.element(meta, inner, depth, field.name)
                if value is not None:
                    kwargs[field.name] = value
        return cls(**kwargs)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # deprecated fields are filled too
async def test_random_requests_never_crash_the_fleet_services(
    emulator: Emulator, channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    frag = (await app.create_fragment(CreateFragmentRequest(organization_id=fleet.org_id, name="f"))).fragment
    assert frag is not None
    ids = [fleet.org_id, fleet.location_id, fleet.robot_id, fleet.part_id, frag.id]
    strings = [*ids, "", "x", "no-such-id", "a@b.co", "1.0.0", "Ünïcode ✓", "a" * 300, "components.0.name"]
    by_name = {
        "org": [fleet.org_id],
        "location": [fleet.location_id],
        "robot_id": [fleet.robot_id],
        "machine": [fleet.robot_id],
        "part": [fleet.part_id],
        "fragment": [frag.id],
        "name": ["fuzzed", "fuzzed-2"],
        "email": ["a@b.co"],
        "version": ["1.0.0"],
        "id": ids,
    }
    filler = Filler(random.Random(1234), strings, by_name)
    metadata = emulator.auth_metadata()
    crashes: dict[str, str] = {}
    outcomes: dict[str, int] = {}
    calls = 0
    routes = {
        **AppServiceBase.__mapping__(AppService(emulator.context)),
        **RobotServiceBase.__mapping__(RobotService(emulator.context)),
    }
    for route, handler in routes.items():
        if route.rsplit("/", 1)[-1] in SKIPPED:
            continue
        for _ in range(VARIANTS):
            request = filler.message(handler.request_type)
            calls += 1
            try:
                async with channel.request(
                    route,
                    handler.cardinality,
                    handler.request_type,
                    handler.reply_type,
                    timeout=30,
                    metadata=metadata,
                ) as stream:
                    await stream.send_message(request, end=True)
                    if handler.cardinality == Cardinality.UNARY_STREAM:
                        async for _reply in stream:
                            pass
                    else:
                        await stream.recv_message()
                outcomes["OK"] = outcomes.get("OK", 0) + 1
            except GRPCError as err:
                outcomes[err.status.name] = outcomes.get(err.status.name, 0) + 1
                if err.status in (Status.UNKNOWN, Status.INTERNAL):
                    crashes[route] = f"{err.status.name}: {err.message} for {request!r}"
    assert calls > 600
    assert crashes == {}
    # The inputs reach past validation often enough to mean something.
    assert outcomes.get("OK", 0) > calls // 10, outcomes
