"""The emulator as a process and across restarts; RPCs it leaves unimplemented."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.v1 import (
    AppServiceStub,
    CertificateRequest,
    CreateLocationRequest,
    GetRobotPartRequest,
    ListLocationsRequest,
    NewRobotRequest,
    RobotServiceStub,
)

from viam_sdk.testing import Emulator
from viam_sdk.testing.services.app import handler_names, implemented_handlers

from ._helpers import Fleet, raises_status, token_metadata


async def test_unimplemented_rpcs_name_themselves(
    channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    # Every AppService RPC is served now; RobotService still has one that is not.
    assert set(implemented_handlers()) == set(handler_names())
    robot = RobotServiceStub(
        channel, metadata=await token_metadata(channel, fleet.part_id, "robot-secret", fleet.part_secret)
    )
    with raises_status(Status.UNIMPLEMENTED, "RobotService/Certificate"):
        await robot.certificate(CertificateRequest(id=fleet.part_id))


def test_most_app_rpcs_are_implemented() -> None:
    implemented, total = len(implemented_handlers()), len(handler_names())
    assert total > 100 and implemented >= 85, (implemented, total)


async def test_restart_on_the_same_file_keeps_the_fleet(tmp_path: Path) -> None:
    db = str(tmp_path / "fleet.db")
    async with Emulator(db=db) as first:
        chan = Channel(first.host, first.port)
        try:
            app = AppServiceStub(chan, metadata=first.auth_metadata())
            loc = (
                await app.create_location(
                    CreateLocationRequest(organization_id=first.bootstrap.org_id, name="Depot")
                )
            ).location
            assert loc is not None
            robot_id = (await app.new_robot(NewRobotRequest(name="forklift", location=loc.id))).id
            part_meta = await token_metadata(
                chan, loc.id, "robot-location-secret", loc.auth.secrets[0].secret if loc.auth else ""
            )
        finally:
            chan.close()
    async with Emulator(db=db) as second:
        chan = Channel(second.host, second.port)
        try:
            app = AppServiceStub(chan, metadata=second.auth_metadata())
            locations = (
                await app.list_locations(ListLocationsRequest(organization_id=second.bootstrap.org_id))
            ).locations
            assert [(x.name, x.robot_count) for x in locations] == [("Depot", 1)]
            # A token issued before the restart still works (tokens are kept, hashed).
            as_location = AppServiceStub(chan, metadata=part_meta)
            parts = second.store.all("SELECT id FROM robot_parts WHERE robot_id = ?", (robot_id,))
            part = (await as_location.get_robot_part(GetRobotPartRequest(id=parts[0]["id"]))).part
            assert part is not None and part.name == "forklift-main"
        finally:
            chan.close()


async def test_cli_serve_prints_credentials_that_work(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "viam_sdk.testing", "serve", "--port", "0", "--db", str(db), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        creds = json.loads(line)
        assert set(creds) >= {"org_id", "api_key_id", "api_key", "address"}
        host, port = creds["address"].rsplit(":", 1)
        chan = Channel(host, int(port))
        try:
            meta = await token_metadata(chan, creds["api_key_id"], "api-key", creds["api_key"])
            app = AppServiceStub(chan, metadata=meta)
            listed = await app.list_locations(ListLocationsRequest(organization_id=creds["org_id"]))
            assert listed.locations == []
        finally:
            chan.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert creds["api_key"] not in err


def test_cli_text_output_has_one_credential_per_line(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "viam_sdk.testing", "serve", "--port", "0", "--db", str(tmp_path / "t.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(3)]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert [line.split(": ", 1)[0] for line in lines] == ["org id", "api key id", "api key"]
    assert proc.returncode == 0


def test_app_service_pieces_do_not_shadow_each_other() -> None:
    from viam_api.app.v1 import AppServiceBase

    from viam_sdk.testing.services.app import AppService

    pieces = [base for base in AppService.__bases__ if base is not AppServiceBase]
    assert len(pieces) >= 8
    seen: dict[str, str] = {}
    for piece in pieces:
        for name in vars(piece):
            if name.startswith("__"):
                continue
            assert name not in seen, f"{piece.__name__}.{name} also defined by {seen[name]}"
            seen[name] = piece.__name__


async def test_a_deleted_bootstrap_org_is_replaced_on_restart(tmp_path: Path) -> None:
    from viam_api.app.v1 import DeleteOrganizationRequest, GetOrganizationRequest

    db = str(tmp_path / "gone.db")
    async with Emulator(db=db) as first:
        old = first.bootstrap
        chan = Channel(first.host, first.port)
        try:
            app = AppServiceStub(chan, metadata=first.auth_metadata())
            await app.delete_organization(DeleteOrganizationRequest(organization_id=old.org_id))
        finally:
            chan.close()
    async with Emulator(db=db) as second:
        assert second.bootstrap.org_id != old.org_id
        chan = Channel(second.host, second.port)
        try:
            app = AppServiceStub(chan, metadata=second.auth_metadata())
            org = (
                await app.get_organization(GetOrganizationRequest(organization_id=second.bootstrap.org_id))
            ).organization
            assert org is not None
        finally:
            chan.close()


async def test_every_app_rpc_refuses_calls_without_a_token(emulator: Emulator, channel: Channel) -> None:
    from grpclib.const import Cardinality
    from viam_api.app.v1 import AppServiceBase

    from viam_sdk.testing.services.app import AppService

    implemented = set(implemented_handlers())
    statuses: dict[str, Status] = {}
    for route, handler in AppServiceBase.__mapping__(AppService(emulator.context)).items():
        name = route.rsplit("/", 1)[-1]
        try:
            async with channel.request(
                route, handler.cardinality, handler.request_type, handler.reply_type, timeout=30
            ) as stream:
                await stream.send_message(handler.request_type(), end=True)
                if handler.cardinality in (Cardinality.UNARY_STREAM, Cardinality.STREAM_STREAM):
                    async for _ in stream:
                        pass
                else:
                    await stream.recv_message()
            statuses[name] = Status.OK
        except GRPCError as err:
            statuses[name] = err.status
    # The generated handlers document their RPC as "Handle ``Name``.": map RPC -> method.
    method_of = {str(getattr(AppServiceBase, m).__doc__).split("``")[1]: m for m in handler_names()}
    wrong = {
        name: status.name
        for name, status in statuses.items()
        if status is not (Status.UNAUTHENTICATED if method_of[name] in implemented else Status.UNIMPLEMENTED)
    }
    assert len(statuses) == len(handler_names())
    assert wrong == {}


async def test_empty_requests_get_a_clean_answer_from_every_app_rpc(
    emulator: Emulator, channel: Channel
) -> None:
    """With a token, an all-defaults request is answered OK or refused with a clear
    status -- never a server crash (UNKNOWN/INTERNAL)."""
    from grpclib.const import Cardinality
    from viam_api.app.v1 import AppServiceBase

    from viam_sdk.testing.services.app import AppService

    crashes: dict[str, str] = {}
    for route, handler in AppServiceBase.__mapping__(AppService(emulator.context)).items():
        try:
            async with channel.request(
                route,
                handler.cardinality,
                handler.request_type,
                handler.reply_type,
                timeout=30,
                metadata=emulator.auth_metadata(),
            ) as stream:
                await stream.send_message(handler.request_type(), end=True)
                if handler.cardinality in (Cardinality.UNARY_STREAM, Cardinality.STREAM_STREAM):
                    async for _ in stream:
                        pass
                else:
                    await stream.recv_message()
        except GRPCError as err:
            if err.status in (Status.UNKNOWN, Status.INTERNAL):
                crashes[route] = f"{err.status.name}: {err.message}"
    assert crashes == {}
