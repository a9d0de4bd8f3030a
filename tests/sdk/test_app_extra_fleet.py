"""AppClient members of the newer official SDK: fragments, default fragments, registry, notifications, OAuth users.

Each test runs with the async and the blocking SDK against the emulator (see conftest.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import (
    FragmentImport,
    GetFragmentResponse,
    GetLocationResponse,
    GetOrganizationResponse,
    GetRegistryItemResponse,
    GetRobotPartResponse,
    GetRobotResponse,
    Location,
    LocationAuth,
    ModuleFileInfo,
    OAuthConfig,
    Organization,
    RegistryItem,
    Robot,
)

from viam_sdk.app.app_client import AppClient, Fragment
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing.backends.oauth import OAuthBackend
from viam_sdk.testing.backends.registry import RegistryBackend

from .conftest import Env

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def failure(env: Env, call: Any) -> GRPCError:
    """Run one SDK call that must fail; the error it failed with."""
    with pytest.raises(GRPCError) as err:
        await env.aw(call())
    return err.value


async def _rival(env: Env) -> tuple[Any, str]:
    other = env.emulator.add_organization("Rival")
    theirs = await env.connect(DialOptions.with_api_key(other.api_key, other.api_key_id))
    return theirs.app_client, other.org_id


# -- fragments ---------------------------------------------------------------------------


async def test_get_fragment_at_a_version(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    fragment = await aw(fleet.create_fragment(env.org_id, "kit", {"step": 1}))
    await aw(fleet.update_fragment(fragment.id, "kit", config={"step": 2}))
    await aw(fleet.update_fragment(fragment.id, "kit", config={"step": 3}))
    assert (await aw(fleet.get_fragment(fragment.id))).fragment == {"step": 3}
    assert (await aw(fleet.get_fragment(fragment.id, version="1"))).fragment == {"step": 1}
    assert (await aw(fleet.get_fragment(fragment.id, "2"))).fragment == {"step": 2}
    assert (await aw(fleet.get_fragment(fragment.id, version=None))).fragment == {"step": 3}
    missing = await failure(env, lambda: fleet.get_fragment(fragment.id, version="99"))
    assert missing.status is Status.NOT_FOUND and "99" in (missing.message or "")


async def test_fragment_visibility_and_last_known_update(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    private = await aw(fleet.create_fragment(org_id, "private-kit"))
    unlisted = await aw(fleet.create_fragment(org_id, "unlisted-kit"))
    changed = await aw(
        fleet.update_fragment(
            unlisted.id,
            "unlisted-kit",
            visibility=Fragment.Visibility.PUBLIC_UNLISTED,
            last_known_update=unlisted.last_updated,
        )
    )
    assert changed.visibility is Fragment.Visibility.PUBLIC_UNLISTED
    assert (await aw(fleet.get_fragment(unlisted.id))).visibility is Fragment.Visibility.PUBLIC_UNLISTED

    by_kind = await aw(fleet.list_fragments(org_id, visibilities=[Fragment.Visibility.PUBLIC_UNLISTED]))
    assert [f.id for f in by_kind] == [unlisted.id]
    private_only = await aw(fleet.list_fragments(org_id, False, [Fragment.Visibility.PRIVATE]))
    assert [f.id for f in private_only] == [private.id]
    assert {f.id for f in await aw(fleet.list_fragments(org_id, visibilities=[]))} == {private.id, unlisted.id}

    # ``unlisted`` was read before its last change: updating from that copy is refused.
    stale = await failure(
        env, lambda: fleet.update_fragment(unlisted.id, "renamed", last_known_update=unlisted.last_updated)
    )
    assert stale.status is Status.ABORTED
    assert (await aw(fleet.get_fragment(unlisted.id))).name == "unlisted-kit"


async def test_default_fragments_of_an_organization(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    base = await aw(fleet.create_fragment(org_id, "base", {"components": []}))
    await aw(fleet.update_fragment(base.id, "base", config={"components": [{"name": "cam"}]}))
    extra = await aw(fleet.create_fragment(org_id, "extra"))
    imports = [FragmentImport(fragment_id=base.id, version="1"), FragmentImport(fragment_id=extra.id)]
    org = await aw(fleet.update_organization(org_id, default_fragments=imports))
    assert org.default_fragments is not None
    assert [(f.fragment_id, f.version) for f in org.default_fragments.fragments] == [(base.id, "1"), (extra.id, "")]
    read = await aw(fleet.get_organization(org_id))
    assert read.default_fragments is not None and [f.fragment_id for f in read.default_fragments.fragments] == [
        base.id,
        extra.id,
    ]
    # Other details stay; a later update without default_fragments keeps them.
    renamed = await aw(fleet.update_organization(org_id, name="Renamed Shop"))
    assert renamed.default_fragments is not None and len(renamed.default_fragments.fragments) == 2
    cleared = await aw(fleet.update_organization(org_id, default_fragments=[]))
    assert cleared.default_fragments is not None and list(cleared.default_fragments.fragments) == []

    theirs, their_org = await _rival(env)
    their_fragment = await aw(theirs.create_fragment(their_org, "theirs"))
    for bad, status, words in (
        ([FragmentImport(fragment_id="no-such-fragment")], Status.NOT_FOUND, "no-such-fragment"),
        ([FragmentImport(fragment_id=their_fragment.id)], Status.PERMISSION_DENIED, their_fragment.id),
        ([FragmentImport(fragment_id="")], Status.INVALID_ARGUMENT, "default_fragments"),
        ([FragmentImport(fragment_id=base.id, version="42")], Status.INVALID_ARGUMENT, "42"),
        ([FragmentImport(fragment_id=base.id)] * 2, Status.INVALID_ARGUMENT, "twice"),
    ):
        error = await failure(env, lambda b=bad: fleet.update_organization(org_id, default_fragments=b))
        assert error.status is status and words in (error.message or "")
    after = await aw(fleet.get_organization(org_id))
    assert after.default_fragments is not None and list(after.default_fragments.fragments) == []
    denied = await failure(env, lambda: fleet.update_organization(their_org, default_fragments=[]))
    assert denied.status is Status.PERMISSION_DENIED


# -- registry ----------------------------------------------------------------------------


async def test_registry_markdown_and_deprecation(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    await aw(fleet.update_organization(org_id, public_namespace="acme"))
    module_id, _ = await aw(fleet.create_module(org_id, "mover"))
    registry = RegistryBackend(env.emulator.context)
    item = registry.get(module_id)
    registry.update(module_id, description=item.description, visibility=item.visibility, url=None, markdown="# Mover")
    plain = await aw(fleet.get_registry_item(module_id))
    assert plain.module_metadata is not None and plain.module_metadata.markdown_description is None
    documented = await aw(fleet.get_registry_item(module_id, include_markdown_documentation=True))
    assert documented.module_metadata is not None and documented.module_metadata.markdown_description == "# Mover"

    await aw(fleet.deprecate_registry_item(module_id, "use walker instead"))
    item = await aw(fleet.get_registry_item(module_id))
    assert item.deprecated_status is not None and item.deprecated_status.message == "use walker instead"
    await aw(fleet.undeprecate_registry_item(module_id))
    assert (await aw(fleet.get_registry_item(module_id))).deprecated_status is None

    info = ModuleFileInfo(module_id=module_id, version="1.0.0", platform="linux/amd64")
    await aw(fleet.upload_module_file(info, b"build"))
    await aw(fleet.deprecate_registry_item_version(module_id, "1.0.0", "has a bug"))
    item = await aw(fleet.get_registry_item(module_id))
    assert item.module_metadata is not None
    (version,) = item.module_metadata.versions
    assert version.deprecated_status is not None and version.deprecated_status.message == "has a bug"
    await aw(fleet.undeprecate_registry_item_version(module_id, "1.0.0"))
    item = await aw(fleet.get_registry_item(module_id))
    assert item.module_metadata is not None and item.module_metadata.versions[0].deprecated_status is None

    again = await failure(env, lambda: fleet.undeprecate_registry_item_version(module_id, "1.0.0"))
    assert again.status is Status.NOT_FOUND
    no_version = await failure(env, lambda: fleet.deprecate_registry_item_version(module_id, "9.9.9", "x"))
    assert no_version.status is Status.NOT_FOUND and "9.9.9" in (no_version.message or "")
    unknown = await failure(env, lambda: fleet.deprecate_registry_item("acme:nothing", "x"))
    assert unknown.status is Status.NOT_FOUND


async def test_registry_deprecation_of_another_organizations_item(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    theirs, their_org = await _rival(env)
    await aw(theirs.update_organization(their_org, public_namespace="rival"))
    await aw(theirs.create_registry_item(their_org, "secret-model", PackageType.PACKAGE_TYPE_ML_MODEL))
    for call in (
        lambda: fleet.deprecate_registry_item("rival:secret-model", "mine now"),
        lambda: fleet.undeprecate_registry_item("rival:secret-model"),
    ):
        assert (await failure(env, call)).status is Status.PERMISSION_DENIED


# -- notifications ----------------------------------------------------------------------------


async def test_firebase_config(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    missing = await failure(env, lambda: fleet.get_firebase_config(org_id))
    assert missing.status is Status.NOT_FOUND
    assert await aw(fleet.set_firebase_config(org_id, "rover-app", '{"project_id": "p1"}', timeout=10)) is None
    assert await aw(fleet.get_firebase_config(org_id)) == "rover-app"
    await aw(fleet.set_firebase_config(org_id, "rover-app", '{"project_id": "p2"}'))  # replaces
    assert await aw(fleet.get_firebase_config(org_id, timeout=10)) == "rover-app"

    bad = await failure(env, lambda: fleet.set_firebase_config(org_id, "rover-app", "not json"))
    assert bad.status is Status.INVALID_ARGUMENT and "config_json" in (bad.message or "")
    blank = await failure(env, lambda: fleet.set_firebase_config(org_id, " ", "{}"))
    assert blank.status is Status.INVALID_ARGUMENT and "app id" in (blank.message or "")
    _, their_org = await _rival(env)
    denied = await failure(env, lambda: fleet.set_firebase_config(their_org, "x", "{}"))
    assert denied.status is Status.PERMISSION_DENIED

    await aw(fleet.delete_firebase_config(org_id, "rover-app"))
    assert (await failure(env, lambda: fleet.get_firebase_config(org_id))).status is Status.NOT_FOUND
    gone = await failure(env, lambda: fleet.delete_firebase_config(org_id, "rover-app"))
    assert gone.status is Status.NOT_FOUND


async def test_device_push_tokens(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    assert await aw(fleet.get_device_push_tokens("rover-app")) == []
    await aw(fleet.upload_device_push_token("rover-app", "token-1", "phone-1"))
    await aw(fleet.upload_device_push_token("rover-app", "token-2", "phone-2", timeout=10))
    await aw(fleet.upload_device_push_token("other-app", "token-3", "phone-1"))
    assert await aw(fleet.get_device_push_tokens("rover-app")) == ["token-1", "token-2"]
    await aw(fleet.upload_device_push_token("rover-app", "token-1b", "phone-1"))  # same device: replaced
    assert await aw(fleet.get_device_push_tokens("rover-app", timeout=10)) == ["token-1b", "token-2"]

    await aw(fleet.delete_device_push_token("rover-app", "phone-1"))
    assert await aw(fleet.get_device_push_tokens("rover-app")) == ["token-2"]
    assert await aw(fleet.get_device_push_tokens("other-app")) == ["token-3"]
    gone = await failure(env, lambda: fleet.delete_device_push_token("rover-app", "phone-1"))
    assert gone.status is Status.NOT_FOUND
    blank = await failure(env, lambda: fleet.upload_device_push_token("rover-app", "", "phone-9"))
    assert blank.status is Status.INVALID_ARGUMENT and "device token" in (blank.message or "")

    # Tokens belong to the caller: another key sees none of them.
    theirs, _ = await _rival(env)
    assert await aw(theirs.get_device_push_tokens("rover-app")) == []


# -- OAuth app users ----------------------------------------------------------------------------


def _add_oauth_app(env: Env, org_id: str, client_id: str) -> None:
    config = OAuthConfig(redirect_uris=["https://example.org/callback"])
    OAuthBackend(env.emulator.context).add_app(
        org_id, "Rover app", bytes(config), client_id=client_id, client_secret="not-a-real-secret"
    )


async def test_create_oauth_app_user(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    _add_oauth_app(env, org_id, "client-1")
    created = await aw(
        fleet.create_oauth_app_user(org_id, "client-1", "Ada@Example.com", "Ada", "Lovelace", "correct horse", 10)
    )
    assert created.user_id and created.registration_id and created.auth_token and created.refresh_token
    assert await aw(fleet.get_user_id_by_email("ada@example.com")) == created.user_id
    stored = env.emulator.store.one(
        "SELECT first_name, last_name, password_digest FROM oauth_app_users WHERE registration_id = ?",
        (created.registration_id,),
    )
    assert stored is not None and (stored["first_name"], stored["last_name"]) == ("Ada", "Lovelace")
    assert b"correct horse" not in bytes(stored["password_digest"])

    again = await failure(
        env, lambda: fleet.create_oauth_app_user(org_id, "client-1", "ada@example.com", "A", "L", "correct horse")
    )
    assert again.status is Status.ALREADY_EXISTS
    # The same person may register with a second app of the organization: one user, two registrations.
    _add_oauth_app(env, org_id, "client-2")
    second = await aw(fleet.create_oauth_app_user(org_id, "client-2", "ada@example.com", "Ada", "L", "password!"))
    assert second.user_id == created.user_id and second.registration_id != created.registration_id

    for args, status, words in (
        (("no-such-app", "bob@example.com", "Bob", "B", "password!"), Status.NOT_FOUND, "no-such-app"),
        (("client-1", "not an email", "Bob", "B", "password!"), Status.INVALID_ARGUMENT, "email"),
        (("client-1", "bob@example.com", "Bob", "B", "short"), Status.INVALID_ARGUMENT, "password"),
        (("client-1", "bob@example.com", "", "B", "password!"), Status.INVALID_ARGUMENT, "first_name"),
        (("", "bob@example.com", "Bob", "B", "password!"), Status.INVALID_ARGUMENT, "application_id"),
    ):
        error = await failure(env, lambda a=args: fleet.create_oauth_app_user(org_id, *a))
        assert error.status is status and words in (error.message or ""), (args, error.message)
    _, their_org = await _rival(env)
    _add_oauth_app(env, their_org, "their-client")
    denied = await failure(
        env, lambda: fleet.create_oauth_app_user(their_org, "their-client", "eve@example.com", "E", "V", "password!")
    )
    assert denied.status is Status.PERMISSION_DENIED
    unknown_org = await failure(
        env, lambda: fleet.create_oauth_app_user("no-such-org", "client-1", "eve@example.com", "E", "V", "password!")
    )
    assert unknown_org.status is Status.NOT_FOUND


# -- answers without the optional sub-message -----------------------------------------------------


class _Bare:
    """A stand-in AppService stub whose answers leave every sub-message out."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self._answers = answers

    def __getattr__(self, name: str) -> Any:
        async def call(request: Any, **_: Any) -> Any:
            return self._answers[name]

        return call


async def test_missing_sub_messages_come_back_as_empty_values() -> None:
    client = AppClient.__new__(AppClient)
    client._location_id = "loc"
    client._app_client = _Bare(  # type: ignore[assignment]
        {
            "get_robot": GetRobotResponse(),
            "get_organization": GetOrganizationResponse(),
            "get_location": GetLocationResponse(),
            "location_auth": type("R", (), {"auth": None})(),
            "get_fragment": GetFragmentResponse(),
            "get_registry_item": GetRegistryItemResponse(),
            "get_robot_part": GetRobotPartResponse(),
        }
    )
    assert await client.get_robot("r") == Robot()
    assert await client.get_organization("o") == Organization()
    assert await client.get_location("l") == Location()
    assert await client.location_auth("l") == LocationAuth()
    assert await client.get_registry_item("i") == RegistryItem()
    fragment = await client.get_fragment("f")
    assert (fragment.id, fragment.name, fragment.visibility) == ("", "", Fragment.Visibility.UNSPECIFIED)
    part = await client.get_robot_part("p")
    assert (part.id, part.name, part.main_part) == ("", "", False)
