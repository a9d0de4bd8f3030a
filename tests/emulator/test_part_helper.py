"""``viam_sdk.testing.MachinePart``: a machine part's side of the fleet, with public API only.

Each test sets up a machine with the SDK (an owner API key), then acts as its
main part with the part's own secret, and checks what the fleet side sees.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import pytest_asyncio

from viam_sdk import ViamClient
from viam_sdk.app.app_client import LogEntry, RobotPart
from viam_sdk.errors import TLSVerificationError, Unauthenticated
from viam_sdk.proto.app import OnlineState
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator, MachinePart


@pytest_asyncio.fixture
async def viam_client(emulator: Emulator) -> AsyncIterator[ViamClient]:
    boot = emulator.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    async with await ViamClient.create_from_dial_options(opts, app_url=emulator.app_url) as client:
        yield client


@pytest_asyncio.fixture
async def part(emulator: Emulator, viam_client: ViamClient) -> RobotPart:
    fleet = viam_client.app_client
    location = await fleet.create_location(emulator.bootstrap.org_id, "Lab")
    robot_id = await fleet.new_robot("rover", location_id=location.id)
    parts = await fleet.get_robot_parts(robot_id)
    await fleet.update_robot_part(
        parts[0].id, parts[0].name, robot_config={"components": [{"name": "thermo", "type": "sensor"}]}
    )
    return parts[0]


async def test_check_in_brings_the_machine_online_and_returns_its_config(
    emulator: Emulator, viam_client: ViamClient, part: RobotPart
) -> None:
    fleet = viam_client.app_client
    assert (await fleet.get_robot(part.robot)).online_state != OnlineState.ONLINE_STATE_ONLINE
    async with await MachinePart.connect(emulator.app_url, part.id, part.secret) as machine:
        config = await machine.check_in()
    assert [c["name"] for c in config["components"]] == ["thermo"]
    assert (await fleet.get_robot(part.robot)).online_state == OnlineState.ONLINE_STATE_ONLINE


async def test_logs_pushed_as_the_part_are_read_back(
    emulator: Emulator, viam_client: ViamClient, part: RobotPart
) -> None:
    fleet = viam_client.app_client
    async with await MachinePart.connect(emulator.app_url, part.id, part.secret) as machine:
        await machine.log("wheels ready", logger_name="base")
        await machine.log("camera lost a frame", level="error", fields=[{"frame": 7}])
        earlier = LogEntry("h", "warn", datetime(2026, 1, 1, tzinfo=timezone.utc), "x", "replayed", None, "", [])
        await machine.push_logs([earlier])
    logs = await fleet.get_robot_part_logs(part.id)
    by_message = {entry.message: entry for entry in logs}
    assert set(by_message) == {"wheels ready", "camera lost a frame", "replayed"}
    assert by_message["wheels ready"].logger_name == "base" and by_message["wheels ready"].level == "info"
    assert by_message["camera lost a frame"].fields == [{"frame": 7.0}]
    errors = await fleet.get_robot_part_logs(part.id, log_levels=["error"])
    assert [entry.message for entry in errors] == ["camera lost a frame"]


async def test_uploads_as_the_part_are_the_parts_data(
    emulator: Emulator, viam_client: ViamClient, part: RobotPart
) -> None:
    now = datetime.now(timezone.utc)
    async with await MachinePart.connect(emulator.app_url, part.id, part.secret) as machine:
        await machine.data_client.tabular_data_capture_upload(
            [{"celsius": 21.5}],
            part_id=machine.part_id,
            component_type="rdk:component:sensor",
            component_name="thermo",
            method_name="Readings",
            data_request_times=[(now, now)],
        )
    latest = await viam_client.data_client.get_latest_tabular_data(
        part.id, "thermo", "rdk:component:sensor", "Readings"
    )
    assert latest is not None and latest[2] == {"celsius": 21.5}


async def test_a_wrong_secret_is_refused_without_showing_it(emulator: Emulator, part: RobotPart) -> None:
    wrong = "not-the-secret-" + part.secret[:4]
    with pytest.raises(Unauthenticated) as refused:
        await MachinePart.connect(emulator.app_url, part.id, wrong)
    assert wrong not in str(refused.value) and part.secret not in str(refused.value)


async def test_bad_arguments_say_what_is_wrong(emulator: Emulator, part: RobotPart) -> None:
    with pytest.raises(ValueError, match="part_id is empty"):
        await MachinePart.connect(emulator.app_url, "", part.secret)
    with pytest.raises(ValueError, match="secret is empty"):
        await MachinePart.connect(emulator.app_url, part.id, "")
    async with await MachinePart.connect(emulator.app_url, part.id, part.secret) as machine:
        with pytest.raises(ValueError, match="'fatal' is not a log level"):
            await machine.log("x", level="fatal")
        assert part.secret not in repr(machine)


async def test_over_tls_the_part_trusts_the_ca_it_is_given(tmp_path: Path) -> None:
    async with Emulator(tls=tmp_path / "tls") as emulator:
        assert emulator.app_url.startswith("https://") and emulator.ca_cert is not None
        boot = emulator.bootstrap
        opts = dataclasses.replace(DialOptions.with_api_key(boot.api_key, boot.api_key_id), ca_file=emulator.ca_cert)
        async with await ViamClient.create_from_dial_options(opts, app_url=emulator.app_url) as client:
            fleet = client.app_client
            location = await fleet.create_location(boot.org_id, "Lab")
            robot_id = await fleet.new_robot("rover", location_id=location.id)
            part = (await fleet.get_robot_parts(robot_id))[0]
            with pytest.raises(TLSVerificationError):  # the system store does not know the emulator's CA
                await MachinePart.connect(emulator.app_url, part.id, part.secret)
            async with await MachinePart.connect(
                emulator.app_url, part.id, part.secret, ca_file=emulator.ca_cert
            ) as machine:
                await machine.log("over TLS")
            assert [e.message for e in await fleet.get_robot_part_logs(part.id)] == ["over TLS"]
