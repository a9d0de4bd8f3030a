"""Retries of transient failures and recovery after a server restart, over real loopback servers.

Which calls are retried is data (``is_safe_to_repeat`` over the RPC's name);
attempts are counted where they arrive, on the server, and on the client's
policy (``stats.retries``).
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from grpclib.client import Channel
from grpclib.const import Status

from viam_sdk import errors
from viam_sdk.app.app_client import AppClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc._policy import RetrySettings, SDKPolicy, is_safe_to_repeat, policy_for
from viam_sdk.rpc.dial import DialOptions

from ._scripted_server import Script, ScriptedServer

GENERATED = Path(__file__).resolve().parents[2] / "generated" / "viam_api"
WRITE_VERBS = (
    "Add Remove Delete Update Create Set Rename Upload Submit Cancel Mark Change Charge Rotate Share Unshare "
    "Enable Disable Deprecate Undeprecate Transfer Merge Register Resend Accept Configure Start Stop Exit "
    "New Log Send"
).split()


def _all_rpc_names() -> set[str]:
    names: set[str] = set()
    for path in GENERATED.rglob("__init__.py"):
        names.update(re.findall(r'"/[\w.]+/(\w+)"', path.read_text()))
    return names


def test_safe_to_repeat_is_decided_by_the_rpc_name() -> None:
    names = _all_rpc_names()
    assert len(names) > 200
    safe = {n for n in names if is_safe_to_repeat(n)}
    for read in (
        "GetOrganization",
        "ListLocations",
        "TabularDataByFilter",
        "TabularDataBySQL",
        "TabularDataByMQL",
        "BinaryDataByIDs",
        "BinaryDataByFilter",
        "TagsByFilter",
        "BoundingBoxLabelsByFilter",
        "SequencesByDatasetID",
        "TailRobotPartLogs",
        "GetRobotPartLogs",
        "ExportTabularData",
        "SearchOrganizations",
        "CheckPermissions",
        "Authenticate",
        "LocationAuth",
    ):
        assert read in names and read in safe, read
    # Nothing that changes state is repeated: every RPC starting with a verb that writes is out.
    writers = {n for n in names if re.match(r"[A-Z][a-z]*", n).group() in WRITE_VERBS}  # type: ignore[union-attr]
    assert writers & safe == set(), sorted(writers & safe)
    for write in ("CreateLocation", "DeleteBinaryDataByFilter", "AddTagsToBinaryDataByIDs", "DataCaptureUpload",
                  "BinaryDataCaptureUpload" if "BinaryDataCaptureUpload" in names else "FileUpload", "NewRobot",
                  "MarkPartAsMain", "OrganizationSetLogo", "SubmitTrainingJob"):
        assert not is_safe_to_repeat(write), write


def _client(port: int, attempts: int = 3) -> tuple[Channel, AppClient, SDKPolicy]:
    channel = Channel("127.0.0.1", port)
    client = AppClient(channel, {"authorization": "Bearer scripted"})
    # A client built by hand gets the default policy; the tests want a fresh one with short waits.
    policy = SDKPolicy(RetrySettings(max_attempts=attempts, initial_backoff=0.01, max_backoff=0.05))
    client._app_client.policy = policy
    return channel, client, policy


async def test_a_read_is_retried_through_unavailable_and_resource_exhausted() -> None:
    # RESOURCE_EXHAUSTED is retried because the server says it clears (a pushback of 0 ms).
    script = Script(
        failures={"ListOrganizations": [Status.UNAVAILABLE, Status.RESOURCE_EXHAUSTED]}, pushback_ms=0
    )
    async with ScriptedServer(script) as server:
        channel, client, policy = _client(server.port)
        try:
            orgs = await client.list_organizations()
        finally:
            channel.close()
    assert [o.id for o in orgs] == ["org-1"]
    assert script.calls["ListOrganizations"] == 3
    assert policy.stats.retries == 2
    assert policy.stats.failures == {"UNAVAILABLE": 1, "RESOURCE_EXHAUSTED": 1}


async def test_resource_exhausted_without_a_pushback_is_not_repeated() -> None:
    # The real cloud's RESOURCE_EXHAUSTED (a response over the size limit) carries no pushback: it would recur.
    script = Script(failures={"ListOrganizations": [Status.RESOURCE_EXHAUSTED]})
    async with ScriptedServer(script) as server:
        channel, client, policy = _client(server.port)
        try:
            with pytest.raises(errors.ResourceExhausted):
                await client.list_organizations()
        finally:
            channel.close()
    assert script.calls["ListOrganizations"] == 1
    assert policy.stats.retries == 0


async def test_a_negative_pushback_stops_retries_of_unavailable_too() -> None:
    script = Script(failures={"ListOrganizations": [Status.UNAVAILABLE, Status.UNAVAILABLE]}, pushback_ms=-1)
    async with ScriptedServer(script) as server:
        channel, client, policy = _client(server.port)
        try:
            with pytest.raises(errors.Unavailable):
                await client.list_organizations()
        finally:
            channel.close()
    assert script.calls["ListOrganizations"] == 1 and policy.stats.retries == 0


async def test_retries_stop_at_max_reconnect_attempts_and_raise_unavailable() -> None:
    script = Script(failures={"GetOrganization": [Status.UNAVAILABLE] * 10})
    async with ScriptedServer(script) as server:
        channel, client, policy = _client(server.port, attempts=2)
        try:
            with pytest.raises(errors.Unavailable) as failed:
                await client.get_organization("org-1")
        finally:
            channel.close()
    assert script.calls["GetOrganization"] == 3  # the first attempt and two retries
    assert policy.stats.retries == 2
    assert str(failed.value) == "/viam.app.v1.AppService/GetOrganization: UNAVAILABLE: scripted failure of GetOrganization"


async def test_a_write_that_reached_the_server_is_not_repeated() -> None:
    script = Script(failures={"CreateLocation": [Status.UNAVAILABLE]})
    async with ScriptedServer(script) as server:
        channel, client, policy = _client(server.port)
        try:
            with pytest.raises(errors.Unavailable):
                await client.create_location("org-1", "Depot")
            # The next call is a new call: it goes through.
            assert (await client.create_location("org-1", "Depot")).id == "loc-1"
        finally:
            channel.close()
    assert script.calls["CreateLocation"] == 2
    assert policy.stats.retries == 0


async def test_a_server_stream_is_retried_before_its_first_response() -> None:
    script = Script(failures={"TailRobotPartLogs": [Status.UNAVAILABLE]})
    async with ScriptedServer(script) as server:
        channel, client, policy = _client(server.port)
        try:
            stream = await client.tail_robot_part_logs("part-1", errors_only=False)
            assert [e.message for e in await stream.next()] == ["hello"]
            await stream.close()
        finally:
            channel.close()
    assert script.calls["TailRobotPartLogs"] == 2
    assert policy.stats.retries == 1


async def test_no_retries_when_max_reconnect_attempts_is_zero() -> None:
    script = Script(failures={"ListOrganizations": [Status.UNAVAILABLE]})
    async with ScriptedServer(script) as server:
        channel, client, policy = _client(server.port, attempts=0)
        try:
            with pytest.raises(errors.Unavailable):
                await client.list_organizations()
        finally:
            channel.close()
    assert script.calls["ListOrganizations"] == 1 and policy.stats.retries == 0


def test_retry_settings_refuse_bad_values_naming_them() -> None:
    with pytest.raises(ValueError, match=r"max_reconnect_attempts=-1"):
        RetrySettings(max_attempts=-1)
    with pytest.raises(ValueError, match=r"initial_backoff='fast'"):
        RetrySettings(initial_backoff="fast")  # type: ignore[arg-type]
    assert all(0 <= RetrySettings(initial_backoff=0.1, max_backoff=0.3).backoff(n) <= 0.3 for n in range(8))
    assert policy_for({"authorization": "Bearer x"}) is policy_for({})  # hand-built clients share the default


async def _free_port() -> int:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    server.close()
    await server.wait_closed()
    return port


class _ServerProcess:
    """``python -m viam_sdk.testing serve`` in a process of its own, stopped as a server stops (SIGTERM)."""

    def __init__(self, db: str, port: int) -> None:
        self.db, self.port = db, port
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> dict[str, str]:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "viam_sdk.testing", "serve", "--port", str(self.port), "--db", self.db, "--json"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "the emulator process printed nothing"
        return dict(json.loads(line))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc = None


async def test_a_client_made_before_the_server_restarted_recovers(tmp_path: Path) -> None:
    server = _ServerProcess(str(tmp_path / "fleet.db"), await _free_port())
    boot = await asyncio.to_thread(server.start)
    opts = DialOptions.with_api_key(boot["api_key"], boot["api_key_id"])
    opts.max_reconnect_attempts = 200
    opts.retry_backoff = 0.02
    opts.retry_max_backoff = 0.05
    viam = await ViamClient.create_from_dial_options(opts, boot["app_url"])
    try:
        fleet = viam.app_client
        location = await fleet.create_location(boot["org_id"], "Depot")

        # Restarted between two calls (same port, same database): the next call goes through.
        await asyncio.to_thread(server.stop)
        await asyncio.to_thread(server.start)
        assert (await fleet.get_location(location.id)).name == "Depot"

        # Down while a call is made: the call is retried until the server is back.
        await asyncio.to_thread(server.stop)
        policy = viam._metadata.policy  # type: ignore[attr-defined]
        before = policy.stats.retries
        pending = asyncio.ensure_future(fleet.list_locations(boot["org_id"]))
        while policy.stats.retries < before + 2:  # it has met the closed port at least twice
            await asyncio.sleep(0.01)
        assert not pending.done()
        await asyncio.to_thread(server.start)
        assert [loc.name for loc in await pending] == ["Depot"]

        # A write made while the server is down was never sent: it is retried too, and made once.
        await asyncio.to_thread(server.stop)
        before = policy.stats.retries
        created = asyncio.ensure_future(fleet.create_location(boot["org_id"], "Annex"))
        while policy.stats.retries < before + 1:
            await asyncio.sleep(0.01)
        await asyncio.to_thread(server.start)
        assert (await created).name == "Annex"
        assert sorted(loc.name for loc in await fleet.list_locations(boot["org_id"])) == ["Annex", "Depot"]
        assert policy.stats.failures.get("Unavailable", 0) == 0  # only connection failures, all recovered
    finally:
        viam.close()
        await asyncio.to_thread(server.stop)


async def test_an_unreachable_app_raises_unavailable_after_the_retries() -> None:
    port = await _free_port()
    opts = DialOptions.with_api_key("k" * 32, "8d9f1c2e-6a07-4a56-9c2b-0f1e2d3c4b5a")
    opts.max_reconnect_attempts = 2
    opts.retry_backoff = 0.01
    with pytest.raises(errors.Unavailable) as failed:
        await ViamClient.create_from_dial_options(opts, f"http://127.0.0.1:{port}")
    assert failed.value.rpc == "/proto.rpc.v1.AuthService/Authenticate"
    assert "cannot connect" in str(failed.value)
    assert "k" * 32 not in str(failed.value)
