"""Every AppClient method, end to end against the emulator, with the async and the blocking SDK.

Each test runs twice (``env`` is parametrized): see conftest.py for how one
body drives both flavours.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import (
    AuthorizedPermissions,
    Model,
    ModuleFileInfo,
    RegistryItemStatus,
    Visibility,
)

from viam_sdk.app.app_client import (
    APIKeyAuthorization,
    Fragment,
    LogEntry,
    RobotPart,
    RobotPartHistoryEntry,
)
from viam_sdk.rpc.dial import Credentials, DialOptions

from .conftest import Env, location_operator, log, push_logs

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def status_of(env: Env, call: Any) -> Status:
    """Run one SDK call that must fail; the gRPC status it failed with."""
    with pytest.raises(GRPCError) as err:
        await env.aw(call())
    return err.value.status


# -- organizations, members, invites ------------------------------------------------


async def test_organizations(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    org = await aw(fleet.get_organization(env.org_id))
    assert org.id == env.org_id

    new = await aw(fleet.create_organization("Second Shop"))
    assert new.name == "Second Shop"
    names = [o.name for o in await aw(fleet.list_organizations())]
    assert "Second Shop" in names and org.name in names

    assert await aw(fleet.get_organization_namespace_availability("second-shop")) is True
    updated = await aw(fleet.update_organization(new.id, name="Shop Two", public_namespace="second-shop"))
    assert (updated.name, updated.public_namespace) == ("Shop Two", "second-shop")
    assert await aw(fleet.get_organization_namespace_availability("second-shop")) is False
    assert await status_of(env, lambda: fleet.get_organization_namespace_availability("")) is Status.INVALID_ARGUMENT

    user_id = env.emulator.add_user("ada@example.com", org_id=new.id)
    assert await aw(fleet.get_user_id_by_email("ada@example.com")) == user_id
    assert await status_of(env, lambda: fleet.get_user_id_by_email("nobody@example.com")) is Status.NOT_FOUND
    by_user = await aw(fleet.list_organizations_by_user(user_id))
    assert [o.org_id for o in by_user] == [new.id]

    await aw(fleet.delete_organization(new.id))
    assert await status_of(env, lambda: fleet.get_organization(new.id)) is Status.NOT_FOUND
    assert new.id not in [o.id for o in await aw(fleet.list_organizations())]


async def test_members_and_invites(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    invite = await aw(fleet.create_organization_invite(org_id, "grace@example.com"))
    assert invite.email == "grace@example.com"
    assert invite.organization_id == org_id

    location = await aw(fleet.create_location(org_id, "lab"))
    operator = location_operator(location.id, org_id)
    changed = await aw(
        fleet.update_organization_invite_authorizations(org_id, "grace@example.com", add_authorizations=[operator])
    )
    assert {a.authorization_id for a in changed.authorizations} >= {"location_operator"}
    resent = await aw(fleet.resend_organization_invite(org_id, "grace@example.com"))
    assert resent.email == "grace@example.com"

    members, invites = await aw(fleet.list_organization_members(org_id))
    assert [i.email for i in invites] == ["grace@example.com"]
    await aw(fleet.delete_organization_invite(org_id, "grace@example.com"))
    _, invites = await aw(fleet.list_organization_members(org_id))
    assert invites == []
    assert (
        await status_of(env, lambda: fleet.delete_organization_invite(org_id, "grace@example.com"))
        is Status.NOT_FOUND
    )

    user_id = env.emulator.add_user("lin@example.com", org_id=org_id)
    members, _ = await aw(fleet.list_organization_members(org_id))
    assert user_id in [m.user_id for m in members]
    await aw(fleet.delete_organization_member(org_id, user_id))
    members, _ = await aw(fleet.list_organization_members(org_id))
    assert user_id not in [m.user_id for m in members]


# -- locations -----------------------------------------------------------------------


async def test_locations(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    parent = await aw(fleet.create_location(org_id, "Campus"))
    child = await aw(fleet.create_location(org_id, "Lab", parent_location_id=parent.id))
    assert child.parent_location_id == parent.id
    assert (await aw(fleet.get_location(child.id))).name == "Lab"
    assert {loc.id for loc in await aw(fleet.list_locations(org_id))} >= {parent.id, child.id}

    renamed = await aw(fleet.update_location(child.id, name="Wet lab"))
    assert (renamed.name, renamed.parent_location_id) == ("Wet lab", parent.id)
    moved = await aw(fleet.update_location(child.id, parent_location_id=""))
    assert (moved.name, moved.parent_location_id) == ("Wet lab", "")

    auth = await aw(fleet.location_auth(child.id))
    assert auth.location_id == child.id and len(auth.secrets) == 1
    more = await aw(fleet.create_location_secret(child.id))
    assert len(more.secrets) == 2
    first = more.secrets[0].id
    await aw(fleet.delete_location_secret(first, location_id=child.id))
    assert [s.id for s in (await aw(fleet.location_auth(child.id))).secrets] == [more.secrets[1].id]

    other = env.emulator.add_organization("Partner")
    await aw(fleet.share_location(other.org_id, child.id))
    orgs = await aw(fleet.get_organizations_with_access_to_location(child.id))
    assert [o.id for o in orgs] == [org_id, other.org_id]
    await aw(fleet.unshare_location(other.org_id, child.id))
    orgs = await aw(fleet.get_organizations_with_access_to_location(child.id))
    assert [o.id for o in orgs] == [org_id]

    await aw(fleet.delete_location(child.id))
    assert await status_of(env, lambda: fleet.get_location(child.id)) is Status.NOT_FOUND


async def test_location_id_fallback(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    location = await aw(fleet.create_location(org_id, "Depot"))
    secret = (await aw(fleet.location_auth(location.id))).secrets[0].secret

    # An API-key client has no location of its own: with one location it uses that one
    # (tests/sdk/test_reference_scripts.py); with several, leaving it out names the problem.
    await aw(fleet.create_location(org_id, "Annex"))
    for call in (
        lambda: fleet.get_location(),
        lambda: fleet.list_robots(),
        lambda: fleet.new_robot("nowhere"),
        lambda: fleet.location_auth(),
        lambda: fleet.create_location_secret(),
        lambda: fleet.delete_location_secret("secret-id"),
        lambda: fleet.update_robot("robot-id", "name"),
    ):
        with pytest.raises(ValueError, match="location ID"):
            await aw(call())

    opts = DialOptions(
        auth_entity=f"rover-main.{location.id}.viam.cloud",
        credentials=Credentials(type="robot-location-secret", payload=secret),
    )
    by_secret = await env.connect(opts)
    assert secret not in repr(opts)
    local = by_secret.app_client
    assert by_secret.location_id == location.id
    assert (await aw(local.get_location())).id == location.id
    robot_id = await aw(local.new_robot("rover"))
    assert [r.id for r in await aw(local.list_robots())] == [robot_id]
    assert (await aw(local.update_robot(robot_id, "rover-2"))).name == "rover-2"
    assert (await aw(local.location_auth())).location_id == location.id
    created = await aw(local.create_location_secret())
    await aw(local.delete_location_secret(created.secrets[-1].id))
    assert len((await aw(local.location_auth())).secrets) == 1
    # An explicit ID still wins over the fallback.
    assert (await aw(local.get_location(location.id))).id == location.id


# -- machines and parts -------------------------------------------------------------


async def test_machines_and_parts(env: Env, tmp_path: Path) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    location = await aw(fleet.create_location(org_id, "Yard"))
    robot_id = await aw(fleet.new_robot("rover", location_id=location.id))
    robot = await aw(fleet.get_robot(robot_id))
    assert (robot.name, robot.location) == ("rover", location.id)
    assert [r.id for r in await aw(fleet.list_robots(location.id))] == [robot_id]
    assert (await aw(fleet.update_robot(robot_id, "rover-1", location_id=location.id))).name == "rover-1"

    parts = await aw(fleet.get_robot_parts(robot_id))
    assert len(parts) == 1 and isinstance(parts[0], RobotPart) and parts[0].main_part
    main = parts[0]
    assert main.secret and main.secret not in repr(main)

    second_id = await aw(fleet.new_robot_part(robot_id, "arm"))
    config = {"components": [{"name": "arm", "type": "arm", "attributes": {"speed": 3, "ratio": 0.5}}]}
    updated = await aw(fleet.update_robot_part(second_id, "arm", robot_config=config))
    assert updated.robot_config == config
    # a Struct number is a double: it comes back a float, as the official SDK gives it
    speed = updated.robot_config["components"][0]["attributes"]["speed"]
    assert isinstance(speed, float) and speed == 3.0
    kept = await aw(fleet.update_robot_part(second_id, "arm-1"))
    assert (kept.name, kept.robot_config) == ("arm-1", config)

    dest = tmp_path / "arm.json"
    part = await aw(fleet.get_robot_part(second_id, dest=str(dest), indent=2))
    assert part.name == "arm-1" and part.created_on is not None
    assert json.loads(dest.read_text()) == config
    assert dest.read_text().startswith('{\n  "components"')

    history = await aw(fleet.get_robot_part_history(second_id))
    assert all(isinstance(h, RobotPartHistoryEntry) for h in history)
    assert [h.old.name for h in history if h.old] == ["arm", "arm"]
    assert history[0].old is not None and history[0].old.robot_config == config

    await aw(fleet.mark_part_as_main(second_id))
    mains = {p.id: p.main_part for p in await aw(fleet.get_robot_parts(robot_id))}
    assert mains == {main.id: False, second_id: True}
    await aw(fleet.mark_part_for_restart(second_id))

    with_secret = await aw(fleet.create_robot_part_secret(second_id))
    assert len(with_secret.secrets) == 2
    await aw(fleet.delete_robot_part_secret(second_id, with_secret.secrets[0].id))
    assert len((await aw(fleet.get_robot_part(second_id))).secrets) == 1

    key, key_id = await aw(
        fleet.create_key(org_id, [APIKeyAuthorization(role="operator", resource_type="robot", resource_id=robot_id)])
    )
    keys = await aw(fleet.get_robot_api_keys(robot_id))
    assert key_id in [k.api_key.id for k in keys if k.api_key]
    assert key not in repr(keys)  # the emulator keeps keys hashed: listing never returns them

    await aw(fleet.delete_robot_part(main.id))
    assert [p.id for p in await aw(fleet.get_robot_parts(robot_id))] == [second_id]
    assert await aw(fleet.get_rover_rental_robots(org_id)) == []

    await aw(fleet.delete_robot(robot_id))
    assert await status_of(env, lambda: fleet.get_robot(robot_id)) is Status.NOT_FOUND
    assert await status_of(env, lambda: fleet.get_robot_part(second_id)) is Status.NOT_FOUND


async def test_dest_writes_are_atomic(env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fleet, aw = env.fleet, env.aw
    location = await aw(fleet.create_location(env.org_id, "Shed"))
    robot_id = await aw(fleet.new_robot("mower", location_id=location.id))
    part_id = (await aw(fleet.get_robot_parts(robot_id)))[0].id
    await aw(fleet.update_robot_part(part_id, "mower-main", robot_config={"v": 1}))

    with pytest.raises(FileNotFoundError) as err:
        await aw(fleet.get_robot_part(part_id, dest=str(tmp_path / "missing" / "part.json")))
    assert "missing" in str(err.value)
    with pytest.raises(FileNotFoundError):
        await aw(fleet.get_robot_part_logs(part_id, dest=str(tmp_path / "missing" / "logs.jsonl")))
    assert not (tmp_path / "missing").exists()

    dest = tmp_path / "part.json"
    dest.write_text("earlier file\n")
    import viam_sdk.app._app.parts as app_module  # where get_robot_part lives

    class BrokenJSON:
        """json whose dump writes half a document and then fails, like a full disk would."""

        loads = staticmethod(json.loads)
        dumps = staticmethod(json.dumps)

        @staticmethod
        def dump(obj: Any, out: Any, **kwargs: Any) -> None:
            out.write('{"half": ')
            raise OSError("disk full")

    monkeypatch.setattr(app_module, "json", BrokenJSON)
    with pytest.raises(OSError, match="disk full"):
        await aw(fleet.get_robot_part(part_id, dest=str(dest)))
    assert dest.read_text() == "earlier file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part.json"]  # no temporary file left
    monkeypatch.undo()
    await aw(fleet.get_robot_part(part_id, dest=str(dest)))
    assert json.loads(dest.read_text()) == {"v": 1}


# -- logs ----------------------------------------------------------------------------


async def _part_with_secret(env: Env, name: str) -> tuple[str, str]:
    fleet, aw = env.fleet, env.aw
    location = await aw(fleet.create_location(env.org_id, f"{name}-site"))
    robot_id = await aw(fleet.new_robot(name, location_id=location.id))
    part = (await aw(fleet.get_robot_parts(robot_id)))[0]
    return part.id, part.secrets[0].secret


async def test_robot_part_logs_pages_filters_and_dest(env: Env, tmp_path: Path) -> None:
    fleet, aw = env.fleet, env.aw
    part_id, secret = await _part_with_secret(env, "logger")
    entries = [log(f"reading {i}", "error" if i % 10 == 0 else "info") for i in range(250)]
    await push_logs(env.emulator.address, part_id, secret, entries)

    default = await aw(fleet.get_robot_part_logs(part_id))
    assert len(default) == 100 and all(isinstance(e, LogEntry) for e in default)
    everything = await aw(fleet.get_robot_part_logs(part_id, num_log_entries=0))
    assert len(everything) == 250  # more than one server page: page tokens were followed
    assert {e.message for e in everything} == {f"reading {i}" for i in range(250)}
    some = await aw(fleet.get_robot_part_logs(part_id, num_log_entries=130))
    assert [e.message for e in some] == [e.message for e in everything[:130]]

    errors = await aw(fleet.get_robot_part_logs(part_id, log_levels=["error"], num_log_entries=0))
    assert len(errors) == 25 and {e.level for e in errors} == {"error"}
    filtered = await aw(fleet.get_robot_part_logs(part_id, filter="reading 24", num_log_entries=0))
    assert sorted(e.message for e in filtered) == ["reading 24", "reading 240", "reading 241", "reading 242",
                                                   "reading 243", "reading 244", "reading 245", "reading 246",
                                                   "reading 247", "reading 248", "reading 249"]

    dest = tmp_path / "logs.jsonl"
    written = await aw(fleet.get_robot_part_logs(part_id, dest=str(dest), num_log_entries=5))
    lines = [json.loads(line) for line in dest.read_text().splitlines()]
    assert [line["message"] for line in lines] == [e.message for e in written]
    assert all(line["time"] for line in lines)

    with pytest.raises(ValueError, match="-1"):
        await aw(fleet.get_robot_part_logs(part_id, num_log_entries=-1))
    assert await status_of(env, lambda: fleet.get_robot_part_logs("no-such-part")) is Status.NOT_FOUND


async def test_tail_receives_logs_pushed_after_subscribing(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    part_id, secret = await _part_with_secret(env, "tailer")
    await push_logs(env.emulator.address, part_id, secret, [log("before the tail", "error")])

    stream = await aw(fleet.tail_robot_part_logs(part_id, errors_only=False, filter="motor"))
    first = env.next_batch_in_background(stream)
    await env.wait_for_tail(part_id)
    await push_logs(
        env.emulator.address,
        part_id,
        secret,
        [log("camera ok"), log("motor stalled", "error"), log("motor ok", "info")],
    )
    batch = await first()
    assert [(e.level, e.message) for e in batch] == [("error", "motor stalled"), ("info", "motor ok")]
    assert all(isinstance(e, LogEntry) and e.time is not None for e in batch)
    await aw(stream.close())

    # errors_only (the default) keeps only errors; async for / plain for both work.
    errors = await aw(fleet.tail_robot_part_logs(part_id))
    pending = env.next_batch_in_background(errors)
    await env.wait_for_tail(part_id)
    await push_logs(env.emulator.address, part_id, secret, [log("fine"), log("overheated", "error")])
    assert [e.message for e in await pending()] == ["overheated"]
    await aw(errors.close())


# -- fragments ------------------------------------------------------------------------


async def test_fragments(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    config = {"components": [{"name": "cam", "type": "camera"}]}
    fragment = await aw(fleet.create_fragment(org_id, "camera-kit", config=config))
    assert isinstance(fragment, Fragment)
    assert (fragment.name, fragment.fragment, fragment.visibility) == ("camera-kit", config, Fragment.Visibility.PRIVATE)
    assert fragment.created_on is not None and fragment.organization_owner == org_id

    got = await aw(fleet.get_fragment(fragment.id))
    assert got.fragment == config
    assert fragment.id in [f.id for f in await aw(fleet.list_fragments(org_id, show_public=False))]

    new_config = {"components": [{"name": "cam", "type": "camera", "attributes": {"fps": 30}}]}
    updated = await aw(fleet.update_fragment(fragment.id, "camera-kit-2", config=new_config, public=True))
    assert (updated.name, updated.fragment, updated.public) == ("camera-kit-2", new_config, True)
    renamed = await aw(fleet.update_fragment(fragment.id, "camera-kit-3"))
    assert (renamed.fragment, renamed.public) == (new_config, True)  # left unchanged
    assert fragment.id in [f.id for f in await aw(fleet.list_fragments(org_id, show_public=True))]

    history = await aw(fleet.get_fragment_history(fragment.id))
    assert [h.old.name for h in history if h.old] == ["camera-kit-2", "camera-kit"]

    await aw(fleet.delete_fragment(fragment.id))
    assert await status_of(env, lambda: fleet.get_fragment(fragment.id)) is Status.NOT_FOUND


# -- roles and permissions -----------------------------------------------------------


async def test_roles_and_permissions(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    location = await aw(fleet.create_location(org_id, "Roles"))
    user_id = env.emulator.add_user("role@example.com", org_id=org_id)

    await aw(fleet.add_role(org_id, user_id, "operator", "location", location.id))
    auths = await aw(fleet.list_authorizations(org_id, resource_ids=[location.id]))
    assert [(a.identity_id, a.authorization_id) for a in auths] == [(user_id, "location_operator")]

    await aw(
        fleet.change_role(org_id, user_id, "operator", "location", location.id, user_id, "owner", "location", location.id)
    )
    auths = await aw(fleet.list_authorizations(org_id, resource_ids=[location.id]))
    assert [a.authorization_id for a in auths] == ["location_owner"]
    assert user_id in {a.identity_id for a in await aw(fleet.list_authorizations(org_id))}

    await aw(fleet.remove_role(org_id, user_id, "owner", "location", location.id))
    assert await aw(fleet.list_authorizations(org_id, resource_ids=[location.id])) == []

    wanted = [AuthorizedPermissions(resource_type="organization", resource_id=org_id,
                                    permissions=["read_organization", "control_robot"])]
    granted = await aw(fleet.check_permissions(wanted))
    assert granted and set(granted[0].permissions) == {"read_organization", "control_robot"}


async def test_bad_role_literals_fail_before_any_call(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    # The organization does not exist: had anything been sent, the server would say so.
    with pytest.raises(ValueError, match="'admin'") as err:
        await aw(fleet.add_role("no-such-org", "someone", "admin", "location", "loc"))
    assert "role" in str(err.value)
    with pytest.raises(ValueError, match="'machine'"):
        await aw(fleet.remove_role("no-such-org", "someone", "owner", "machine", "loc"))
    with pytest.raises(ValueError, match="new_role"):
        await aw(
            fleet.change_role("o", "i", "owner", "location", "l", "i", "boss", "location", "l")
        )
    with pytest.raises(ValueError, match="'fleet'"):
        await aw(
            fleet.create_key(
                "no-such-org",
                [APIKeyAuthorization(role="owner", resource_type="fleet", resource_id="x")],  # type: ignore[arg-type]
            )
        )


# -- API keys --------------------------------------------------------------------------


async def test_api_keys(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    location = await aw(fleet.create_location(org_id, "Keys"))
    key, key_id = await aw(
        fleet.create_key(
            org_id,
            [APIKeyAuthorization(role="operator", resource_type="location", resource_id=location.id)],
            "ops key",
        )
    )
    listed = {k.api_key.id: k for k in await aw(fleet.list_keys(org_id)) if k.api_key}
    assert listed[key_id].api_key.name == "ops key"
    assert [a.resource_id for a in listed[key_id].authorizations] == [location.id]

    # The new key works, and reaches its location but not the organization's other places.
    scoped = await env.connect(DialOptions.with_api_key(key, key_id))
    assert (await aw(scoped.app_client.get_location(location.id))).id == location.id
    other = await aw(fleet.create_location(org_id, "Elsewhere"))
    assert await status_of(env, lambda: scoped.app_client.get_location(other.id)) is Status.PERMISSION_DENIED

    copy_key, copy_id = await aw(fleet.create_key_from_existing_key_authorizations(key_id))
    assert copy_id != key_id and copy_key != key
    new_key, new_id = await aw(fleet.rotate_key(copy_id))
    assert new_key != copy_key
    ids = {k.api_key.id for k in await aw(fleet.list_keys(org_id)) if k.api_key}
    assert new_id in ids and key_id in ids

    unnamed_key, unnamed_id = await aw(
        fleet.create_key(org_id, [APIKeyAuthorization(role="owner", resource_type="organization", resource_id=org_id)])
    )
    names = {k.api_key.id: k.api_key.name for k in await aw(fleet.list_keys(org_id)) if k.api_key}
    assert names[unnamed_id]  # defaults to the time of creation
    await aw(fleet.delete_key(unnamed_id))
    assert unnamed_id not in {k.api_key.id for k in await aw(fleet.list_keys(org_id)) if k.api_key}
    assert await status_of(env, lambda: fleet.delete_key(unnamed_id)) is Status.NOT_FOUND


# -- registry and modules ---------------------------------------------------------------


async def test_registry_items_and_modules(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    await aw(fleet.update_organization(org_id, public_namespace="acme"))

    await aw(fleet.create_registry_item(org_id, "detector", PackageType.PACKAGE_TYPE_ML_MODEL))
    item = await aw(fleet.get_registry_item("acme:detector"))
    assert (item.name, item.type, item.visibility) == ("detector", PackageType.PACKAGE_TYPE_ML_MODEL,
                                                       Visibility.VISIBILITY_PRIVATE)
    await aw(fleet.update_registry_item("acme:detector", PackageType.PACKAGE_TYPE_ML_MODEL, "finds things",
                                        Visibility.VISIBILITY_PUBLIC))
    item = await aw(fleet.get_registry_item("acme:detector"))
    assert (item.description, item.visibility) == ("finds things", Visibility.VISIBILITY_PUBLIC)
    found = await aw(
        fleet.list_registry_items(org_id, [PackageType.PACKAGE_TYPE_ML_MODEL], [], [], [], search_term="detect")
    )
    assert [i.item_id for i in found] == ["acme:detector"]
    none = await aw(fleet.list_registry_items(org_id, [PackageType.PACKAGE_TYPE_MODULE], [], [], []))
    assert "acme:detector" not in [i.item_id for i in none]

    module_id, url = await aw(fleet.create_module(org_id, "hoverboard"))
    assert module_id == "acme:hoverboard" and url
    models = [Model(api="rdk:component:base", model="acme:hoverboard:v1")]
    assert await aw(fleet.update_module(module_id, "https://example.org/docs", "a base", models, "bin/run"))
    module = await aw(fleet.get_module(module_id))
    assert (module.description, module.entrypoint, module.visibility) == ("a base", "bin/run",
                                                                          Visibility.VISIBILITY_PRIVATE)
    assert [m.model for m in module.models] == ["acme:hoverboard:v1"]

    blob = bytes(range(256)) * 600  # 150 KiB: more than one 64 KiB chunk
    info = ModuleFileInfo(module_id=module_id, version="1.0.0", platform="linux/amd64")
    assert await aw(fleet.upload_module_file(info, blob))
    module = await aw(fleet.get_module(module_id))
    assert [v.version for v in module.versions] == ["1.0.0"]
    published = await aw(
        fleet.list_registry_items(org_id, [PackageType.PACKAGE_TYPE_MODULE], [], [],
                                  [RegistryItemStatus.REGISTRY_ITEM_STATUS_PUBLISHED])
    )
    assert [i.item_id for i in published] == [module_id]
    assert module_id in [m.module_id for m in await aw(fleet.list_modules(org_id))]

    await aw(fleet.delete_registry_item("acme:detector"))
    assert await status_of(env, lambda: fleet.get_registry_item("acme:detector")) is Status.NOT_FOUND


# -- scoping and unknown ids ----------------------------------------------------------------


async def test_other_organizations_are_out_of_reach(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    other = env.emulator.add_organization("Rival")
    theirs = await env.connect(DialOptions.with_api_key(other.api_key, other.api_key_id))
    their_location = await aw(theirs.app_client.create_location(other.org_id, "Secret base"))
    their_robot = await aw(theirs.app_client.new_robot("spy", location_id=their_location.id))

    for call in (
        lambda: fleet.get_organization(other.org_id),
        lambda: fleet.list_locations(other.org_id),
        lambda: fleet.get_location(their_location.id),
        lambda: fleet.get_robot(their_robot),
        lambda: fleet.new_robot("intruder", location_id=their_location.id),
        lambda: fleet.create_fragment(other.org_id, "f"),
        lambda: fleet.list_keys(other.org_id),
    ):
        assert await status_of(env, call) is Status.PERMISSION_DENIED
    assert other.org_id not in [o.id for o in await aw(fleet.list_organizations())]


async def test_unknown_ids_are_not_found(env: Env) -> None:
    fleet = env.fleet
    for call in (
        lambda: fleet.get_organization("no-such-org"),
        lambda: fleet.get_location("no-such-location"),
        lambda: fleet.get_robot("no-such-robot"),
        lambda: fleet.get_robot_part("no-such-part"),
        lambda: fleet.get_fragment("no-such-fragment"),
        lambda: fleet.get_module("acme:no-such-module"),
        lambda: fleet.rotate_key("no-such-key"),
    ):
        assert await status_of(env, call) is Status.NOT_FOUND


async def test_part_and_log_times_are_naive_utc_as_the_official_sdk_gives_them(env: Env) -> None:
    import datetime as dt

    fleet, aw = env.fleet, env.aw
    part_id, secret = await _part_with_secret(env, "clock")
    when = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    entry = log("tick")
    entry.time = when
    await push_logs(env.emulator.address, part_id, secret, [entry])
    (got,) = await aw(fleet.get_robot_part_logs(part_id))
    assert got.time == dt.datetime(2026, 3, 4, 3, 6, 7) and got.time.tzinfo is None
    part = await aw(fleet.get_robot_part(part_id))
    assert part.created_on is not None and part.created_on.tzinfo is None
    assert part.last_access is None or part.last_access.tzinfo is None
