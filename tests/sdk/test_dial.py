"""Connection settings, app_url forms and ViamClient's connect/close, against the emulator."""

from __future__ import annotations

import inspect
import ssl
import uuid

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError

import viam_sdk
import viam_sdk.sync
from viam_sdk.app.viam_client import AppURL, ViamClient, _tls_context, parse_app_url
from viam_sdk.rpc.dial import Credentials, DialOptions
from viam_sdk.testing import Emulator

KEY_ID = "8d9f1c2e-6a07-4a56-9c2b-0f1e2d3c4b5a"


def test_dial_options_fields_and_defaults_match_the_seed() -> None:
    params = inspect.signature(DialOptions).parameters
    expected = {
        "disable_webrtc": False,
        "auth_entity": None,
        "credentials": None,
        "insecure": False,
        "allow_insecure_downgrade": False,
        "allow_insecure_with_creds_downgrade": False,
        "max_reconnect_attempts": 3,
        "timeout": 20,
        # viam-sdk 0.85.1's machine-connection fields (tests/other/test_dial_extra.py).
        "initial_connection_attempts": 3,
        "initial_connection_attempt_timeout": None,
        "force_relay": False,
        "force_p2p": False,
        "turn_uri": None,
        # Ours: the backoff of retried calls (viam_sdk.rpc._policy).
        "retry_backoff": 0.1,
        "retry_max_backoff": 5.0,
        # Ours: told of every retry (tests/sdk/test_call_controls.py).
        "on_retry": None,
        # Ours: what TLS certificates are checked against (tests/tls/).
        "ca_file": None,
        "ssl_context": None,
    }
    assert {name: p.default for name, p in params.items()} == expected
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())


def test_credentials_and_dial_options_hide_the_secret() -> None:
    creds = Credentials(type="api-key", payload="top-secret-payload")
    opts = DialOptions(auth_entity=KEY_ID, credentials=creds)
    for text in (repr(creds), str(creds), repr(opts), str(opts)):
        assert "top-secret-payload" not in text
    assert "api-key" in repr(creds)
    assert creds.payload == "top-secret-payload"


def test_with_api_key_builds_api_key_credentials() -> None:
    opts = DialOptions.with_api_key("the-key", KEY_ID)
    assert opts.auth_entity == KEY_ID
    assert opts.credentials == Credentials(type="api-key", payload="the-key")
    assert "the-key" not in repr(opts)


@pytest.mark.parametrize("bad", ["", "not-a-uuid", "1234", KEY_ID[:-1]])
def test_with_api_key_rejects_a_key_id_that_is_not_a_uuid(bad: str) -> None:
    with pytest.raises(ValueError, match="not a valid UUID") as err:
        DialOptions.with_api_key("the-key", bad)
    # Not echoed: a key id that is not a UUID is most often the secret key in the wrong place.
    assert f"a {len(bad)}-character value" in str(err.value)
    assert not bad or repr(bad) not in str(err.value)
    assert "the-key" not in str(err.value)


@pytest.mark.parametrize(
    ("url", "insecure", "expected"),
    [
        (None, False, AppURL("app.viam.com", 443, True)),
        ("app.viam.com", False, AppURL("app.viam.com", 443, True)),
        ("example.org:8443", False, AppURL("example.org", 8443, True)),
        ("example.org:8080", True, AppURL("example.org", 8080, False)),
        ("https://example.org", False, AppURL("example.org", 443, True)),
        ("https://example.org:9443/", False, AppURL("example.org", 9443, True)),
        ("http://127.0.0.1:8080", False, AppURL("127.0.0.1", 8080, False)),
        ("HTTP://localhost:1", False, AppURL("localhost", 1, False)),
        ("http://[::1]:8080", False, AppURL("::1", 8080, False)),
    ],
)
def test_parse_app_url_forms(url: str | None, insecure: bool, expected: AppURL) -> None:
    assert parse_app_url(url, insecure=insecure) == expected


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org", "http://", "example.org:99999", "example.org:http", "http://h:8080/path"],
)
def test_parse_app_url_rejects_malformed_urls(url: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_app_url(url)
    assert repr(url) in str(err.value)


def test_parse_app_url_masks_credentials_in_the_url() -> None:
    with pytest.raises(ValueError, match="credentials do not belong") as err:
        parse_app_url("https://u:p@h")
    assert "'https://***@h'" in str(err.value)


def test_tls_context_verifies_certificates_and_host_names() -> None:
    context = _tls_context()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname is True


@pytest.mark.parametrize(
    ("opts", "message"),
    [
        (DialOptions(auth_entity=KEY_ID), "credentials"),
        (DialOptions(credentials=Credentials(type="api-key", payload="k")), "auth_entity"),
        (DialOptions(auth_entity="", credentials=Credentials(type="api-key", payload="k")), "auth_entity"),
        (DialOptions(auth_entity="part-id", credentials=Credentials(type="robot-secret", payload="k")), "robot-secret"),
    ],
)
async def test_create_from_dial_options_rejects_incomplete_options(opts: DialOptions, message: str) -> None:
    # Nothing is listening on port 9: the check happens before any dialling.
    with pytest.raises(ValueError, match=message) as err:
        await ViamClient.create_from_dial_options(opts, "http://127.0.0.1:9")
    assert "'k'" not in str(err.value)


async def test_connects_to_the_emulator_and_attaches_the_token_once(emulator: Emulator) -> None:
    boot = emulator.bootstrap
    viam = await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emulator.app_url
    )
    try:
        fleet = viam.app_client
        assert fleet is viam.app_client  # built once, stubs and all
        assert fleet._app_client.metadata is viam._metadata
        org = await fleet.get_organization(boot.org_id)
        assert org.id == boot.org_id
        # The secret never shows up in what a person may print.
        assert boot.api_key not in repr(viam)
        assert viam._metadata["authorization"].split()[1] not in repr(viam)
    finally:
        viam.close()
        viam.close()  # idempotent
    assert "closed" in repr(viam)


async def test_async_with_closes(emulator: Emulator) -> None:
    boot = emulator.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    async with await ViamClient.create_from_dial_options(opts, emulator.app_url) as viam:
        assert (await viam.app_client.get_organization(boot.org_id)).id == boot.org_id
    assert viam._closed


async def test_a_wrong_key_is_unauthenticated_and_not_echoed(emulator: Emulator) -> None:
    boot = emulator.bootstrap
    wrong = "definitely-not-the-key"
    with pytest.raises(GRPCError) as err:
        await ViamClient.create_from_dial_options(DialOptions.with_api_key(wrong, boot.api_key_id), emulator.app_url)
    assert err.value.status is Status.UNAUTHENTICATED
    assert wrong not in str(err.value)
    with pytest.raises(GRPCError) as err2:
        await ViamClient.create_from_dial_options(
            DialOptions.with_api_key(boot.api_key, str(uuid.uuid4())), emulator.app_url
        )
    assert err2.value.status is Status.UNAUTHENTICATED


async def test_insecure_option_dials_plain_host_port(emulator: Emulator) -> None:
    boot = emulator.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    opts.insecure = True
    async with await ViamClient.create_from_dial_options(opts, emulator.address) as viam:
        assert (await viam.app_client.get_organization(boot.org_id)).id == boot.org_id


async def test_create_from_env_vars(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    boot = emulator.bootstrap
    monkeypatch.delenv("VIAM_API_KEY", raising=False)
    monkeypatch.setenv("VIAM_API_KEY_ID", boot.api_key_id)
    with pytest.raises(ValueError, match="VIAM_API_KEY"):
        await ViamClient.create_from_env_vars(app_url=emulator.app_url)
    monkeypatch.setenv("VIAM_API_KEY", boot.api_key)
    async with await ViamClient.create_from_env_vars(app_url=emulator.app_url) as viam:
        assert (await viam.app_client.get_organization(boot.org_id)).id == boot.org_id


def test_package_exports() -> None:
    assert viam_sdk.ViamClient is ViamClient
    assert viam_sdk.DialOptions is DialOptions
    with pytest.raises(AttributeError):
        viam_sdk.NoSuchThing  # noqa: B018
    assert viam_sdk.sync.ViamClient.__module__ == "viam_sdk.sync.viam_client"
    from viam_sdk import app as app_package
    from viam_sdk.app.app_client import AppClient

    assert app_package.AppClient is AppClient and app_package.ViamClient is ViamClient
    with pytest.raises(AttributeError):
        app_package.NoSuchClient  # noqa: B018


def test_sync_client_connects_closes_and_refuses_bad_keys(emulator_thread: Emulator) -> None:
    boot = emulator_thread.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    with viam_sdk.sync.ViamClient.create_from_dial_options(opts, emulator_thread.app_url) as viam:
        assert viam.app_client.get_organization(boot.org_id).id == boot.org_id
        runner = viam._runner
    assert runner.closed
    viam.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        viam.app_client.get_organization(boot.org_id)
    with pytest.raises(GRPCError) as err:
        viam_sdk.sync.ViamClient.create_from_dial_options(
            DialOptions.with_api_key("wrong", boot.api_key_id), emulator_thread.app_url
        )
    assert err.value.status is Status.UNAUTHENTICATED


async def test_sync_client_works_inside_a_running_event_loop(emulator_thread: Emulator) -> None:
    # This test body runs on an event loop (like a notebook cell); the blocking
    # client must not need that loop.
    boot = emulator_thread.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    with viam_sdk.sync.ViamClient.create_from_dial_options(opts, emulator_thread.app_url) as viam:
        assert viam.app_client.get_organization(boot.org_id).name
