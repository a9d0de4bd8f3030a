"""``retry=`` per call and ``DialOptions.on_retry``, over real servers (a scripted AppService and the emulator).

Attempts are counted where they arrive (the server); the connection's own
settings are deliberately different from the call's, so each test tells which
applied.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from grpclib.client import Channel
from grpclib.const import Status

import viam_sdk.sync
from viam_sdk import errors
from viam_sdk.app.app_client import AppClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc import DEFAULT, RetrySettings, retrying
from viam_sdk.rpc._policy import SDKPolicy
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator

from ._scripted_server import Script, ScriptedServer
from .test_retries import _free_port, _ServerProcess

WAIT = 0.002  # the longest wait between attempts


def _quick(attempts: int, predicate: Callable[[Exception], bool] | None = None) -> RetrySettings:
    return RetrySettings(max_attempts=attempts, initial_backoff=0.001, max_backoff=WAIT, predicate=predicate)

Told = tuple[str, int, Exception, float]


def _client(port: int, attempts: int) -> tuple[Channel, AppClient, SDKPolicy, list[Told]]:
    """A hand-built client whose own policy retries ``attempts`` times and reports each retry."""
    channel = Channel("127.0.0.1", port)
    client = AppClient(channel, {"authorization": "Bearer scripted"})
    policy = SDKPolicy(_quick(attempts))
    told: list[Told] = []
    policy.on_retry = lambda rpc, attempt, error, wait: told.append((rpc, attempt, error, wait))
    client._app_client.policy = policy
    return channel, client, policy, told


async def test_retry_none_makes_a_single_attempt() -> None:
    script = Script(failures={"GetOrganization": [Status.UNAVAILABLE] * 2})
    async with ScriptedServer(script) as server:
        channel, client, _policy, told = _client(server.port, attempts=3)
        try:
            with pytest.raises(errors.Unavailable):
                await client.get_organization("org-1", retry=None)
            assert script.calls["GetOrganization"] == 1 and told == []
            # Left out (or DEFAULT), the connection's three retries apply: the last failure is absorbed.
            assert (await client.get_organization("org-1", retry=DEFAULT)).id == "org-1"
        finally:
            channel.close()
    assert script.calls["GetOrganization"] == 3
    assert [(rpc, attempt) for rpc, attempt, _e, _w in told] == [("/viam.app.v1.AppService/GetOrganization", 1)]


async def test_retry_settings_replace_the_connections_for_that_call_only() -> None:
    script = Script(failures={"ListOrganizations": [Status.UNAVAILABLE] * 4})
    async with ScriptedServer(script) as server:
        channel, client, _policy, told = _client(server.port, attempts=1)
        try:
            # Four failures: more than the connection's one retry, fewer than the call's five.
            orgs = await client.list_organizations(retry=_quick(5))
            assert [o.id for o in orgs] == ["org-1"]
            assert script.calls["ListOrganizations"] == 5
            # The next call is back on the connection's settings: two failures, one retry, an error.
            script.failures["ListOrganizations"] = [Status.UNAVAILABLE] * 2
            with pytest.raises(errors.Unavailable):
                await client.list_organizations()
        finally:
            channel.close()
    assert script.calls["ListOrganizations"] == 7
    assert [attempt for _r, attempt, _e, _w in told] == [1, 2, 3, 4, 1]
    assert all(isinstance(error, errors.Unavailable) and error.rpc == "/viam.app.v1.AppService/ListOrganizations" for *_, error, _w in told)
    assert all(0 <= wait <= WAIT for *_, wait in told)


async def test_a_predicate_decides_what_is_retried_even_a_write() -> None:
    script = Script(
        failures={"CreateLocation": [Status.UNAVAILABLE], "GetOrganization": [Status.RESOURCE_EXHAUSTED]}
    )
    seen: list[Exception] = []

    def only_unavailable(error: Exception) -> bool:
        seen.append(error)
        return isinstance(error, errors.Unavailable)

    settings = _quick(3, only_unavailable)
    async with ScriptedServer(script) as server:
        channel, client, _policy, _told = _client(server.port, attempts=3)
        try:
            # A write is not repeated by default (it reached the server); the predicate says to.
            assert (await client.create_location("org-1", "Depot", retry=settings)).name == "Depot"
            # A transient read failure the predicate turns down is raised at once.
            with pytest.raises(errors.ResourceExhausted):
                await client.get_organization("org-1", retry=settings)
        finally:
            channel.close()
    assert script.calls["CreateLocation"] == 2 and script.calls["GetOrganization"] == 1
    assert [type(e).__name__ for e in seen] == ["Unavailable", "ResourceExhausted"]
    assert seen[0].rpc == "/viam.app.v1.AppService/CreateLocation"  # type: ignore[attr-defined]


async def test_retry_covers_the_streams_and_pages_a_method_makes() -> None:
    script = Script(failures={"TailRobotPartLogs": [Status.UNAVAILABLE]})
    async with ScriptedServer(script) as server:
        channel, client, _policy, _told = _client(server.port, attempts=3)
        try:
            # The subscription opens before the method returns: that is where the one attempt fails.
            with pytest.raises(errors.Unavailable):
                await client.tail_robot_part_logs("part-1", resume=False, retry=None)
            assert script.calls["TailRobotPartLogs"] == 1
            # retrying(): the same control for a block of calls (typed code can use either).
            script.failures["TailRobotPartLogs"] = [Status.UNAVAILABLE]
            with retrying(_quick(1)):
                stream = await client.tail_robot_part_logs("part-1", resume=False)
            assert [e.message for page in [p async for p in stream] for e in page] == ["hello"]
        finally:
            channel.close()
    assert script.calls["TailRobotPartLogs"] == 3


@pytest.mark.parametrize("bad", ["never", 3, RetrySettings])
async def test_a_bad_retry_is_refused_naming_it(emulator: Emulator, bad: object) -> None:
    boot = emulator.bootstrap
    viam = await ViamClient.create_from_dial_options(DialOptions.with_api_key(boot.api_key, boot.api_key_id), emulator.app_url)
    try:
        with pytest.raises(TypeError, match=r"retry=.*RetrySettings, None for a single attempt"):
            await viam.app_client.get_organization(boot.org_id, retry=bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"retry=.*RetrySettings"):
            async for _ in viam.app_client.iter_fragment_history("f", retry=bad):  # type: ignore[arg-type]
                pass
        assert (await viam.app_client.get_organization(boot.org_id, retry=None)).id == boot.org_id
    finally:
        viam.close()


def test_bad_settings_and_hooks_are_refused_naming_them() -> None:
    with pytest.raises(TypeError, match=r"predicate='yes'"):
        RetrySettings(predicate="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"on_retry=5: expected a function"):
        DialOptions(on_retry=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"max_attempts=-2"):
        RetrySettings(max_attempts=-2)


async def test_on_retry_hears_every_retry_against_a_restarted_emulator(tmp_path: Path) -> None:
    server = _ServerProcess(str(tmp_path / "fleet.db"), await _free_port())
    boot = await asyncio.to_thread(server.start)
    told: list[Told] = []

    async def hook(rpc: str, attempt: int, error: Exception, wait: float) -> None:
        told.append((rpc, attempt, error, wait))
        if attempt == 3:
            raise RuntimeError("a broken hook")  # logged; the retries go on

    opts = DialOptions.with_api_key(boot["api_key"], boot["api_key_id"])
    opts.max_reconnect_attempts, opts.retry_backoff, opts.retry_max_backoff = 200, 0.02, 0.05
    opts.on_retry = hook
    viam = await ViamClient.create_from_dial_options(opts, boot["app_url"])
    try:
        fleet = viam.app_client
        await asyncio.to_thread(server.stop)
        # One attempt only: the stopped server is reported at once, the hook not called.
        with pytest.raises(errors.Unavailable, match="cannot connect"):
            await fleet.list_locations(boot["org_id"], retry=None)
        assert told == []
        pending = asyncio.ensure_future(fleet.list_locations(boot["org_id"]))
        while len(told) < 4:
            await asyncio.sleep(0.01)
        await asyncio.to_thread(server.start)
        assert await pending == []
    finally:
        viam.close()
        await asyncio.to_thread(server.stop)
    assert [attempt for _r, attempt, _e, _w in told] == list(range(1, len(told) + 1))
    assert {rpc for rpc, *_ in told} == {"/viam.app.v1.AppService/ListLocations"}
    assert all(isinstance(error, errors.Unavailable) and "cannot connect" in str(error) for *_, error, _w in told)
    assert all(0 <= wait <= 0.05 for *_, wait in told)


def test_the_blocking_client_takes_retry(emulator_thread: Emulator) -> None:
    boot = emulator_thread.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    with viam_sdk.sync.ViamClient.create_from_dial_options(opts, emulator_thread.app_url) as viam:
        patient = _quick(5)
        assert viam.app_client.get_organization(boot.org_id, retry=patient).id == boot.org_id
        assert [o.id for o in viam.app_client.list_organizations(retry=None)] == [boot.org_id]
        with pytest.raises(TypeError, match=r"retry='x'"):
            viam.app_client.list_organizations(retry="x")  # type: ignore[arg-type]
