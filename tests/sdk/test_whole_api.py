"""Issue 19: the SDK methods of the RPCs 0.85.1 left to raw stubs, end to end against the emulator.

Each scenario runs with the async and the blocking SDK (see conftest.py): saved
queries (and running one by name from ``tabular_data_by_mql``), OAuth apps,
organization settings, fragment tags and usage, machine summaries, key and
registry renames, pipeline switches, billing tiers and payers, the supported
training containers, and leaving provisioning mode.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import bson
import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import BillingAddress, EnabledGrant, OAuthConfig

from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing.backends.payers import PayersBackend

from .conftest import Env

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


async def failure(env: Env, call: Any) -> GRPCError:
    """Run one SDK call that must fail; the error it failed with."""
    with pytest.raises(GRPCError) as err:
        await env.aw(call())
    return err.value


async def _machine(env: Env, location: str = "Lab") -> tuple[str, str, str]:
    """A location with one machine: (location id, machine id, main part id)."""
    fleet, aw = env.fleet, env.aw
    loc = await aw(fleet.create_location(env.org_id, location))
    robot_id = await aw(fleet.new_robot("rover", location_id=loc.id))
    parts = await aw(fleet.get_robot_parts(robot_id))
    return loc.id, robot_id, parts[0].id


async def _outsider(env: Env) -> tuple[Any, str]:
    other = env.emulator.add_organization("Outsider")
    client = await env.connect(DialOptions.with_api_key(other.api_key, other.api_key_id))
    return client, other.org_id


# -- saved queries ------------------------------------------------------------------------------


async def test_saved_queries_and_running_one_by_name(env: Env) -> None:
    data, aw, org_id = env.viam.data_client, env.aw, env.org_id
    _, _, part_id = await _machine(env)
    readings = [{"readings": {"celsius": c}} for c in (20.0, 22.0, 30.0)]
    await aw(data.tabular_data_capture_upload(readings, part_id, "rdk:component:sensor", "thermo", "Readings"))
    await aw(data.tabular_data_capture_upload([{"readings": {"rpm": 5}}], part_id, "rdk:component:motor", "m", "Readings"))

    hot = [{"$match": {"component_name": "thermo"}}, {"$match": {"data.readings.celsius": {"$gt": 21}}}]
    query_id = await aw(data.create_saved_query(org_id, "hot", hot))
    saved = await aw(data.get_saved_query(query_id))
    assert (saved.id, saved.organization_id, saved.name) == (query_id, org_id, "hot")
    assert [bson.decode(stage) for stage in saved.mql_binary] == hot
    assert saved.created_on is not None and saved.updated_at == saved.created_on

    rows = await aw(data.tabular_data_by_mql(org_id, [{"$count": "n"}], query_prefix_name="hot"))
    assert rows == [{"n": 2}]
    # the saved stages come first: a later $project sees what they let through
    celsius = await aw(
        data.tabular_data_by_mql(
            org_id, [{"$project": {"_id": 0, "c": "$data.readings.celsius"}}], query_prefix_name="hot"
        )
    )
    assert sorted(r["c"] for r in celsius) == [22.0, 30.0]

    await aw(data.update_saved_query(query_id, "hotter", [bson.encode({"$match": {"data.readings.celsius": {"$gt": 25}}})]))
    assert (await aw(data.get_saved_query(query_id))).name == "hotter"
    assert await aw(data.tabular_data_by_mql(org_id, [{"$count": "n"}], query_prefix_name="hotter")) == [{"n": 1}]
    gone = await failure(env, lambda: data.tabular_data_by_mql(org_id, [{"$count": "n"}], query_prefix_name="hot"))
    assert gone.status is Status.NOT_FOUND and "hot" in (gone.message or "")

    second = await aw(data.create_saved_query(org_id, "all", [{"$match": {}}]))
    assert [q.name for q in await aw(data.list_saved_queries(org_id))] == ["all", "hotter"]
    assert [q.id for q in await aw(data.list_saved_queries(org_id, limit=1))] == [second]
    taken = await failure(env, lambda: data.create_saved_query(org_id, "all", [{"$match": {}}]))
    assert taken.status is Status.ALREADY_EXISTS
    empty = await failure(env, lambda: data.create_saved_query(org_id, "empty", []))
    assert empty.status is Status.INVALID_ARGUMENT
    bad = await failure(env, lambda: data.create_saved_query(org_id, "bad", [{"$nosuchstage": 1}]))
    assert bad.status is Status.INVALID_ARGUMENT
    with pytest.raises(TypeError, match="stage 0"):
        await aw(data.create_saved_query(org_id, "typo", ["$match"]))

    # another organization sees none of it
    theirs, their_org = await _outsider(env)
    hidden = await failure(env, lambda: theirs.data_client.get_saved_query(query_id))
    assert hidden.status is Status.NOT_FOUND
    assert (await failure(env, lambda: theirs.data_client.delete_saved_query(query_id))).status is Status.NOT_FOUND
    assert await aw(theirs.data_client.list_saved_queries(their_org)) == []
    refused = await failure(env, lambda: theirs.data_client.list_saved_queries(org_id))
    assert refused.status is Status.PERMISSION_DENIED

    await aw(data.delete_saved_query(query_id))
    assert (await failure(env, lambda: data.get_saved_query(query_id))).status is Status.NOT_FOUND
    assert [q.name for q in await aw(data.list_saved_queries(org_id))] == ["all"]


# -- OAuth apps, organization settings -------------------------------------------------------------


async def test_oauth_apps_lifecycle(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    config = OAuthConfig(
        redirect_uris=["https://app.example.com/callback"],
        enabled_grants=[EnabledGrant.ENABLED_GRANT_AUTHORIZATION_CODE],
    )
    client_id, secret = await aw(fleet.create_oauth_app(org_id, "dashboard", config))
    assert client_id and secret
    read = await aw(fleet.read_oauth_app(org_id, client_id))
    assert (read.client_name, read.client_secret) == ("dashboard", secret)
    assert read.oauth_config is not None and read.oauth_config.redirect_uris == ["https://app.example.com/callback"]
    await aw(fleet.update_oauth_app(org_id, client_id, "dashboard v2", OAuthConfig(redirect_uris=["https://b.example/cb"])))
    changed = await aw(fleet.read_oauth_app(org_id, client_id))
    assert changed.client_name == "dashboard v2" and changed.client_secret == secret
    assert await aw(fleet.list_oauth_apps(org_id)) == [client_id]
    bad = await failure(env, lambda: fleet.create_oauth_app(org_id, "x", OAuthConfig(redirect_uris=["not a uri"])))
    assert bad.status is Status.INVALID_ARGUMENT
    await aw(fleet.delete_oauth_app(org_id, client_id))
    assert await aw(fleet.list_oauth_apps(org_id)) == []
    assert (await failure(env, lambda: fleet.read_oauth_app(org_id, client_id))).status is Status.NOT_FOUND


async def test_organization_settings(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    await aw(fleet.organization_set_support_email(org_id, "help@example.com"))
    assert await aw(fleet.organization_get_support_email(org_id)) == "help@example.com"
    assert await aw(fleet.organization_get_logo(org_id)) == ""
    await aw(fleet.organization_set_logo(org_id, PNG))
    assert (await aw(fleet.organization_get_logo(org_id))).startswith("data:image/png;base64,")
    assert (await failure(env, lambda: fleet.organization_set_logo(org_id, b"GIF89a"))).status is Status.INVALID_ARGUMENT

    org = await aw(fleet.update_organization_namespace(org_id, "acme-robotics"))
    assert org.public_namespace == "acme-robotics"
    found = await aw(fleet.search_organizations(public_namespace="acme-robotics"))
    assert [(o.org_id, o.public_namespace) for o in found] == [(org_id, "acme-robotics")]
    assert await aw(fleet.search_organizations(org_name="no such org")) == []

    await aw(fleet.enable_auth_service(org_id))
    assert (await failure(env, lambda: fleet.enable_auth_service(org_id))).status is Status.ALREADY_EXISTS
    await aw(fleet.disable_auth_service(org_id))
    assert (await failure(env, lambda: fleet.disable_auth_service(org_id))).status is Status.FAILED_PRECONDITION

    address = BillingAddress(address_line_1="1 Main St", city="Springfield", state="IL", zipcode="62701", country="US")
    assert (await failure(env, lambda: fleet.get_billing_service_config(org_id))).status is Status.FAILED_PRECONDITION
    await aw(fleet.enable_billing_service(org_id, address))
    config = await aw(fleet.get_billing_service_config(org_id))
    assert config.billing_address is not None and config.billing_address.city == "Springfield"
    assert config.support_email == "help@example.com"
    address.city = "Chicago"
    await aw(fleet.update_billing_service(org_id, address))
    assert (await aw(fleet.get_billing_service_config(org_id))).billing_address.city == "Chicago"
    await aw(fleet.disable_billing_service(org_id))
    assert (await failure(env, lambda: fleet.update_billing_service(org_id, address))).status is Status.FAILED_PRECONDITION


# -- fragments, machines, keys, registry ---------------------------------------------------------


async def test_fragment_tags_usage_and_nesting(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    inner = await aw(fleet.create_fragment(org_id, "inner", {"components": [{"name": "cam"}]}))
    outer = await aw(fleet.create_fragment(org_id, "outer", {"fragments": [inner.id]}))
    await aw(fleet.update_fragment(inner.id, "inner", config={"components": [{"name": "cam2"}]}))
    tags = await aw(fleet.set_fragment_tag(inner.id, "stable", "1"))
    assert [(t.tag, t.revision) for t in tags] == [("stable", "1")]
    tags = await aw(fleet.set_fragment_tag(inner.id, "beta", "2"))
    assert sorted((t.tag, t.revision) for t in tags) == [("beta", "2"), ("stable", "1")]
    assert (await aw(fleet.get_fragment(inner.id, version="stable"))).fragment == {"components": [{"name": "cam"}]}
    assert [t.tag for t in await aw(fleet.delete_fragment_tag(inner.id, "beta"))] == ["stable"]
    missing = await failure(env, lambda: fleet.delete_fragment_tag(inner.id, "beta"))
    assert missing.status is Status.NOT_FOUND

    nested = await aw(fleet.list_nested_fragments(outer.id))
    assert [f.id for f in nested.fragments] == [inner.id]

    _, robot_id, part_id = await _machine(env)
    await aw(fleet.update_robot_part(part_id, "rover-main", {"fragments": [outer.id]}))
    used = await aw(fleet.list_machine_fragments(robot_id))
    assert {f.id for f in used.fragments} == {outer.id, inner.id}
    usage = await aw(fleet.get_fragment_usage(outer.id))
    assert [(u.fragment_id, u.machines) for u in usage] == [(outer.id, 1)]


async def test_machines_of_an_organization_and_parts_by_name(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    loc_id, robot_id, part_id = await _machine(env)
    other_loc, other_robot, _ = await _machine(env, "Yard")
    assert sorted(r.id for r in await aw(fleet.list_robots_for_org(org_id))) == sorted([robot_id, other_robot])
    summaries = await aw(fleet.list_machine_summaries(org_id, location_ids=[loc_id]))
    assert [(s.location_id, [m.machine_id for m in s.machine_summaries]) for s in summaries] == [(loc_id, [robot_id])]
    assert sum(len(s.machine_summaries) for s in await aw(fleet.list_machine_summaries(org_id, limit=1))) == 1
    part = await aw(fleet.get_robot_part_by_name_and_location("rover-main", loc_id))
    assert part.id == part_id
    absent = await failure(env, lambda: fleet.get_robot_part_by_name_and_location("no-such-part", other_loc))
    assert absent.status is Status.NOT_FOUND


async def test_rename_key_and_registry_items(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    keys = await aw(fleet.list_keys(org_id))
    key_id = keys[0].api_key.id
    assert await aw(fleet.rename_key(key_id, "ci-deployer")) == (key_id, "ci-deployer")
    assert {k.api_key.name for k in await aw(fleet.list_keys(org_id))} >= {"ci-deployer"}

    await aw(fleet.update_organization_namespace(org_id, "acme"))
    await aw(fleet.create_registry_item(org_id, "old-name", PackageType.PACKAGE_TYPE_ML_MODEL))
    item = await aw(fleet.rename_registry_item("acme:old-name", "new-name"))
    assert item.item_id == "acme:new-name" and item.name == "new-name"
    assert (await failure(env, lambda: fleet.get_registry_item("acme:old-name"))).status is Status.NOT_FOUND

    # a second organization of the same owner key takes it over
    second = await aw(fleet.create_organization("Acme Labs"))
    await aw(fleet.update_organization_namespace(second.id, "acme-labs"))
    await aw(fleet.transfer_registry_item("acme:new-name", "acme-labs"))
    moved = await aw(fleet.get_registry_item("acme-labs:new-name"))
    assert moved.organization_id == second.id
    nowhere = await failure(env, lambda: fleet.transfer_registry_item("acme-labs:new-name", "no-such-namespace"))
    assert nowhere.status is Status.NOT_FOUND


async def test_pipelines_switch_off_and_on(env: Env) -> None:
    data, aw, org_id = env.viam.data_client, env.aw, env.org_id
    pipeline_id = await aw(data.create_data_pipeline(org_id, "means", [{"$match": {}}], "0 * * * *", False))
    await aw(data.disable_data_pipeline(pipeline_id))
    assert (await aw(data.get_data_pipeline(pipeline_id))).enabled is False
    await aw(data.enable_data_pipeline(pipeline_id))
    assert (await aw(data.get_data_pipeline(pipeline_id))).enabled is True
    assert (await failure(env, lambda: data.disable_data_pipeline("no-such-id"))).status is Status.NOT_FOUND


# -- billing, training, provisioning ---------------------------------------------------------------


async def test_billing_tiers_payers_and_payment_requests(env: Env) -> None:
    billing, fleet, aw, org_id = env.viam.billing_client, env.fleet, env.aw, env.org_id
    tiers = await aw(billing.get_available_billing_tiers())
    assert "pro" in tiers
    await aw(billing.update_organization_billing_tier(org_id, "pro"))
    assert (await failure(env, lambda: billing.update_organization_billing_tier(org_id, "gold"))).status is (
        Status.INVALID_ARGUMENT
    )

    # a customer organization (same owner key) shares a location with the reseller, which then pays for it
    loc_id, _, _ = await _machine(env)
    reseller = (await aw(fleet.create_organization("Reseller"))).id
    assert await aw(billing.get_location_billing_organization(loc_id)) == org_id
    unshared = await failure(env, lambda: billing.update_location_billing_organization(loc_id, reseller))
    assert unshared.status is Status.FAILED_PRECONDITION and "share" in (unshared.message or "")
    await aw(fleet.share_location(reseller, loc_id))
    await aw(billing.update_location_billing_organization(loc_id, reseller))
    assert await aw(billing.get_location_billing_organization(loc_id)) == reseller

    off = await failure(env, lambda: billing.send_payment_required_email(org_id, reseller))
    assert off.status is Status.FAILED_PRECONDITION
    address = BillingAddress(address_line_1="1 Main St", city="Springfield", state="IL", zipcode="62701", country="US")
    await aw(fleet.enable_billing_service(reseller, address))
    nobody = await failure(env, lambda: billing.send_payment_required_email(org_id, reseller))
    assert nobody.status is Status.FAILED_PRECONDITION and "member" in (nobody.message or "")
    env.emulator.add_user("payer@example.com", org_id)
    await aw(billing.send_payment_required_email(org_id, reseller))
    sent = PayersBackend(env.emulator.context).requests_to(org_id)
    assert [(r.billing_owner_org_id, r.recipients) for r in sent] == [(reseller, ("payer@example.com",))]
    # the reseller's own organization is not its customer
    assert (await failure(env, lambda: billing.send_payment_required_email(reseller, reseller))).status is (
        Status.FAILED_PRECONDITION
    )

    theirs, their_org = await _outsider(env)
    assert (await failure(env, lambda: theirs.billing_client.get_location_billing_organization(loc_id))).status in {
        Status.PERMISSION_DENIED,
        Status.NOT_FOUND,
    }
    stolen = await failure(env, lambda: billing.update_location_billing_organization(loc_id, their_org))
    assert stolen.status is Status.PERMISSION_DENIED


async def test_supported_training_containers(env: Env) -> None:
    containers = await env.aw(env.viam.ml_training_client.list_supported_containers())
    assert containers and all(key == c.key for key, c in containers.items())
    some = next(iter(containers.values()))
    assert some.uri and some.framework and isinstance(some.eol, datetime)
    assert some.eol.tzinfo is None or some.eol.utcoffset() == timezone.utc.utcoffset(None)


async def test_exit_provisioning_ends_the_credentials_window(env: Env) -> None:
    agent, aw = env.viam.provisioning_client, env.aw
    await aw(agent.exit_provisioning())
    closed = await failure(env, lambda: agent.set_network_credentials("wifi", "shop", "correct horse"))
    assert closed.status is Status.FAILED_PRECONDITION
