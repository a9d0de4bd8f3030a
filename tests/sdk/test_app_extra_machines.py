"""AppClient members of the newer official SDK: machines, parts, metadata, favourites, logs, history.

Each test runs with the async and the blocking SDK against the emulator (see conftest.py).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.v1 import LogOrder, OnlineState

from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import MachinePart

from .conftest import Env, log, push_logs

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def failure(env: Env, call: Any) -> GRPCError:
    """Run one SDK call that must fail; the error it failed with."""
    with pytest.raises(GRPCError) as err:
        await env.aw(call())
    return err.value


async def _machine(env: Env, name: str) -> tuple[str, str, str]:
    """A new machine in a new location: (location id, machine id, main part id)."""
    fleet, aw = env.fleet, env.aw
    location = await aw(fleet.create_location(env.org_id, f"{name}-site"))
    robot_id = await aw(fleet.new_robot(name, location_id=location.id))
    part = (await aw(fleet.get_robot_parts(robot_id)))[0]
    return location.id, robot_id, part.id


async def _rival(env: Env) -> tuple[Any, str, str, str, str]:
    """Another organization with a machine: (its client, org id, location id, machine id, part id)."""
    other = env.emulator.add_organization("Rival")
    theirs = await env.connect(DialOptions.with_api_key(other.api_key, other.api_key_id))
    location = await env.aw(theirs.app_client.create_location(other.org_id, "Secret base"))
    robot_id = await env.aw(theirs.app_client.new_robot("spy", location_id=location.id))
    part = (await env.aw(theirs.app_client.get_robot_parts(robot_id)))[0]
    return theirs, other.org_id, location.id, robot_id, part.id


# -- metadata ---------------------------------------------------------------------------


async def test_metadata_of_every_level_round_trips(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    location_id, robot_id, part_id = await _machine(env, "meta")
    pairs = (
        (fleet.get_organization_metadata, fleet.update_organization_metadata, org_id),
        (fleet.get_location_metadata, fleet.update_location_metadata, location_id),
        (fleet.get_robot_metadata, fleet.update_robot_metadata, robot_id),
        (fleet.get_robot_part_metadata, fleet.update_robot_part_metadata, part_id),
    )
    for index, (get, update, target) in enumerate(pairs):
        assert dict(await aw(get(target))) == {}
        data = {"level": index, "tags": ["a", "b"], "owner": {"team": f"t{index}"}, "on": True}
        assert await aw(update(target, data)) is None
        assert dict(await aw(get(target))) == data
        await aw(update(target, {"replaced": "yes"}))
        assert dict(await aw(get(target))) == {"replaced": "yes"}
    # Each level keeps its own metadata.
    assert dict(await aw(fleet.get_organization_metadata(org_id))) == {"replaced": "yes"}


async def test_metadata_unknown_ids_and_other_organizations(env: Env) -> None:
    fleet = env.fleet
    _, their_org, their_location, their_robot, their_part = await _rival(env)
    for get, update, unknown, theirs in (
        (fleet.get_organization_metadata, fleet.update_organization_metadata, "no-such-org", their_org),
        (fleet.get_location_metadata, fleet.update_location_metadata, "no-such-location", their_location),
        (fleet.get_robot_metadata, fleet.update_robot_metadata, "no-such-robot", their_robot),
        (fleet.get_robot_part_metadata, fleet.update_robot_part_metadata, "no-such-part", their_part),
    ):
        assert (await failure(env, lambda g=get, u=unknown: g(u))).status is Status.NOT_FOUND
        assert (await failure(env, lambda p=update, u=unknown: p(u, {"x": 1}))).status is Status.NOT_FOUND
        assert (await failure(env, lambda g=get, t=theirs: g(t))).status is Status.PERMISSION_DENIED
        assert (await failure(env, lambda p=update, t=theirs: p(t, {"x": 1}))).status is Status.PERMISSION_DENIED


# -- machines of several locations, favourites ---------------------------------------------


async def test_list_robots_for_locations(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    first_location, first_robot, _ = await _machine(env, "alpha")
    second_location, second_robot, _ = await _machine(env, "beta")
    third = await aw(fleet.new_robot("gamma", location_id=second_location))
    robots = await aw(fleet.list_robots_for_locations([first_location, second_location]))
    assert [r.id for r in robots] == [first_robot, second_robot, third]
    assert {r.location for r in robots} == {first_location, second_location}
    assert [r.id for r in await aw(fleet.list_robots_for_locations([second_location]))] == [second_robot, third]
    assert await aw(fleet.list_robots_for_locations([])) == []

    _, _, their_location, _, _ = await _rival(env)
    denied = await failure(env, lambda: fleet.list_robots_for_locations([first_location, their_location]))
    assert denied.status is Status.PERMISSION_DENIED
    missing = await failure(env, lambda: fleet.list_robots_for_locations(["no-such-location"]))
    assert missing.status is Status.NOT_FOUND


async def test_favorite_machines(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    _, first, _ = await _machine(env, "fav-one")
    _, second, _ = await _machine(env, "fav-two")
    assert await aw(fleet.list_favorite_machines()) == []
    assert await aw(fleet.add_favorite_machine(second)) is None
    await aw(fleet.add_favorite_machine(first, timeout=10))
    await aw(fleet.add_favorite_machine(first))  # twice is still once
    favorites = await aw(fleet.list_favorite_machines(timeout=10))
    assert [f.machine.id for f in favorites if f.machine] == [first, second]
    assert {f.organization_id for f in favorites} == {env.org_id}
    assert all(f.created_on is not None for f in favorites)

    await aw(fleet.remove_favorite_machine(first))
    assert [f.machine.id for f in await aw(fleet.list_favorite_machines()) if f.machine] == [second]
    assert (await failure(env, lambda: fleet.remove_favorite_machine(first))).status is Status.NOT_FOUND
    assert (await failure(env, lambda: fleet.add_favorite_machine("no-such-robot"))).status is Status.NOT_FOUND
    _, _, _, their_robot, _ = await _rival(env)
    assert (await failure(env, lambda: fleet.add_favorite_machine(their_robot))).status is Status.PERMISSION_DENIED


# -- part configs --------------------------------------------------------------------------


async def test_set_config_property(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    _, _, part_id = await _machine(env, "props")
    await aw(fleet.update_robot_part(part_id, "props-main", robot_config={"components": [{"name": "arm"}]}))
    results = await aw(
        fleet.set_config_property(
            part_id,
            {"components.0.attributes.pin": 7, "network.bind_address": ":8081", "debug": True},
            timeout=10,
        )
    )
    assert [(r.path, r.success) for r in results] == [
        ("components.0.attributes.pin", True),
        ("network.bind_address", True),
        ("debug", True),
    ]
    config = (await aw(fleet.get_robot_part(part_id))).robot_config
    assert config == {
        "components": [{"name": "arm", "attributes": {"pin": 7}}],
        "network": {"bind_address": ":8081"},
        "debug": True,
    }
    # A path through a non-object fails on its own; the others still apply.
    mixed = await aw(fleet.set_config_property(part_id, {"debug.deeper": 1, "extra": "x"}))
    assert [r.success for r in mixed] == [False, True]
    assert mixed[0].error
    assert (await aw(fleet.get_robot_part(part_id))).robot_config["extra"] == "x"

    empty = await failure(env, lambda: fleet.set_config_property(part_id, {}))
    assert empty.status is Status.INVALID_ARGUMENT and "change" in (empty.message or "")
    unknown = await failure(env, lambda: fleet.set_config_property("no-such-part", {"a": 1}))
    assert unknown.status is Status.NOT_FOUND
    _, _, _, _, their_part = await _rival(env)
    denied = await failure(env, lambda: fleet.set_config_property(their_part, {"a": 1}))
    assert denied.status is Status.PERMISSION_DENIED


async def test_update_robot_part_with_json_and_last_known_update(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    _, _, part_id = await _machine(env, "jsonpart")
    part = await aw(fleet.get_robot_part(part_id))
    updated = await aw(
        fleet.update_robot_part(
            part_id, "renamed", last_known_update=part.last_updated, robot_config_json='{"services": [{"name": "s"}]}'
        )
    )
    assert updated.name == "renamed"
    assert updated.robot_config == {"services": [{"name": "s"}]}
    assert (await aw(fleet.get_robot_part(part_id))).robot_config == {"services": [{"name": "s"}]}

    # The part changed since ``part`` was read: the stale update is refused and nothing changes.
    stale = await failure(
        env, lambda: fleet.update_robot_part(part_id, "again", robot_config={}, last_known_update=part.last_updated)
    )
    assert stale.status is Status.ABORTED
    assert (await aw(fleet.get_robot_part(part_id))).name == "renamed"

    bad = await failure(env, lambda: fleet.update_robot_part(part_id, "renamed", robot_config_json="{nope"))
    assert bad.status is Status.INVALID_ARGUMENT and "robot_config_json" in (bad.message or "")
    listed = await failure(env, lambda: fleet.update_robot_part(part_id, "renamed", robot_config_json="[1]"))
    assert listed.status is Status.INVALID_ARGUMENT and "robot_config_json" in (listed.message or "")


async def test_robot_part_history_window_and_page_limit(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    _, _, part_id = await _machine(env, "historian")
    for index in range(4):
        await aw(fleet.update_robot_part(part_id, f"historian-{index}", robot_config={"step": index}))
    everything = await aw(fleet.get_robot_part_history(part_id))
    assert len(everything) == 4
    two = await aw(fleet.get_robot_part_history(part_id, page_limit=2))
    assert [e.when for e in two] == [e.when for e in everything[:2]]

    now = datetime.now(timezone.utc)
    assert await aw(fleet.get_robot_part_history(part_id, start=now + timedelta(hours=1))) == []
    assert await aw(fleet.get_robot_part_history(part_id, end=now - timedelta(hours=1))) == []
    window = await aw(
        fleet.get_robot_part_history(part_id, start=now - timedelta(hours=1), end=now + timedelta(hours=1))
    )
    assert len(window) == 4

    negative = await failure(env, lambda: fleet.get_robot_part_history(part_id, page_limit=-1))
    assert negative.status is Status.INVALID_ARGUMENT and "page_limit" in (negative.message or "")
    assert (await failure(env, lambda: fleet.get_robot_part_history("no-such-part"))).status is Status.NOT_FOUND


# -- logs --------------------------------------------------------------------------------


async def test_robot_part_logs_time_window_and_order(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    location = await aw(fleet.create_location(env.org_id, "logs-site"))
    robot_id = await aw(fleet.new_robot("chatty", location_id=location.id))
    part = (await aw(fleet.get_robot_parts(robot_id)))[0]
    base = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    entries = []
    for minute in range(5):
        entry = log(f"minute {minute}")
        entry.time = base + timedelta(minutes=minute)
        entries.append(entry)
    await push_logs(env.emulator.address, part.id, part.secrets[0].secret, entries)

    newest_first = await aw(fleet.get_robot_part_logs(part.id))
    assert [e.message for e in newest_first] == [f"minute {m}" for m in (4, 3, 2, 1, 0)]
    oldest_first = await aw(fleet.get_robot_part_logs(part.id, order=LogOrder.LOG_ORDER_ASCENDING))
    assert [e.message for e in oldest_first] == [f"minute {m}" for m in range(5)]
    window = await aw(
        fleet.get_robot_part_logs(
            part.id,
            start=base + timedelta(minutes=1),
            end=base + timedelta(minutes=3),
            order=LogOrder.LOG_ORDER_ASCENDING,
        )
    )
    assert [e.message for e in window] == ["minute 1", "minute 2", "minute 3"]
    only_last = await aw(fleet.get_robot_part_logs(part.id, start=base + timedelta(minutes=4)))
    assert [e.message for e in only_last] == ["minute 4"]
    # ``range`` reaches the server, which accepts it (the emulator does not interpret it).
    ranged = await aw(fleet.get_robot_part_logs(part.id, range="1h", num_log_entries=2))
    assert len(ranged) == 2


async def test_robot_part_logs_to_file_keep_ordering(env: Env, tmp_path: Any) -> None:
    fleet, aw = env.fleet, env.aw
    location = await aw(fleet.create_location(env.org_id, "dest-site"))
    robot_id = await aw(fleet.new_robot("writer", location_id=location.id))
    part = (await aw(fleet.get_robot_parts(robot_id)))[0]
    base = datetime(2026, 2, 1, tzinfo=timezone.utc)
    entries = []
    for second in range(3):
        entry = log(f"s{second}")
        entry.time = base + timedelta(seconds=second)
        entries.append(entry)
    await push_logs(env.emulator.address, part.id, part.secrets[0].secret, entries)
    dest = tmp_path / "logs.ndjson"
    await aw(fleet.get_robot_part_logs(part.id, dest=str(dest), order=LogOrder.LOG_ORDER_ASCENDING))
    lines = [json.loads(line)["message"] for line in dest.read_text().splitlines()]
    assert lines == ["s0", "s1", "s2"]


# -- a part's contact makes it online -----------------------------------------------------


async def _assert_online(env: Env, location_id: str, robot_id: str, part_id: str, online: bool) -> None:
    fleet, aw = env.fleet, env.aw
    expected = OnlineState.ONLINE_STATE_ONLINE if online else OnlineState.ONLINE_STATE_AWAITING_SETUP
    machine = await aw(fleet.get_robot(robot_id))
    assert machine.online_state == expected
    assert (machine.last_access is not None) is online
    listed = {r.id: r for r in await aw(fleet.list_robots(location_id))}
    assert listed[robot_id].online_state == expected
    part = await aw(fleet.get_robot_part(part_id))
    assert (part.last_access is not None) is online
    assert part.online_state == expected
    assert [p.online_state for p in await aw(fleet.get_robot_parts(robot_id))] == [expected]


@pytest.mark.parametrize("contact", ["log", "config"])
async def test_a_part_that_pushed_logs_or_fetched_its_config_is_online(env: Env, contact: str) -> None:
    location_id, robot_id, part_id = await _machine(env, f"awake-{contact}")
    await _assert_online(env, location_id, robot_id, part_id, online=False)
    secret = (await env.aw(env.fleet.get_robot_parts(robot_id)))[0].secrets[0].secret
    # The machine's side, with the part's own secret, through the public MachinePart.
    async with await MachinePart.connect(env.emulator.app_url, part_id, secret) as machine:
        if contact == "log":
            await machine.log("booted")  # RobotService/Log
        else:
            await machine.check_in()  # RobotService/Config, as viam-server asks for its config
    await _assert_online(env, location_id, robot_id, part_id, online=True)
