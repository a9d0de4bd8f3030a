"""DialOptions' machine-connection fields of viam-sdk 0.85.1, and ``ViamClient.connect_to_machine``."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing.server import Emulator

KEY_ID = "8d9f1c2e-6a07-4a56-9c2b-0f1e2d3c4b5a"
NEWER = {
    "initial_connection_attempts": 3,
    "initial_connection_attempt_timeout": None,
    "force_relay": False,
    "force_p2p": False,
    "turn_uri": None,
}


def test_newer_fields_have_0_85_1_defaults_and_are_keyword_only() -> None:
    params = inspect.signature(DialOptions).parameters
    assert {name: params[name].default for name in NEWER} == NEWER
    assert all(params[name].kind is inspect.Parameter.KEYWORD_ONLY for name in NEWER)
    # They follow the reference's fields, in 0.85.1's order.
    assert list(params)[-len(NEWER):] == list(NEWER)


def test_the_attempt_timeout_falls_back_to_the_timeout() -> None:
    assert DialOptions().initial_connection_attempt_timeout == 20
    assert DialOptions(timeout=7.5).initial_connection_attempt_timeout == 7.5
    assert DialOptions(timeout=7.5, initial_connection_attempt_timeout=0).initial_connection_attempt_timeout == 7.5
    assert DialOptions(timeout=7.5, initial_connection_attempt_timeout=2).initial_connection_attempt_timeout == 2


def test_newer_fields_are_kept_and_documented() -> None:
    opts = DialOptions.with_api_key("secret-key-value", KEY_ID)
    opts = dataclasses.replace(
        opts, initial_connection_attempts=0, force_relay=True, turn_uri="turn:turn.example.com:443"
    )
    assert (opts.initial_connection_attempts, opts.force_relay, opts.force_p2p) == (0, True, False)
    assert opts.turn_uri == "turn:turn.example.com:443"
    assert "secret-key-value" not in repr(opts)
    doc = DialOptions.__doc__ or ""
    for name in NEWER:
        assert f"{name}: machine connections only" in doc


def test_connect_to_machine_signature() -> None:
    sig = inspect.signature(ViamClient.connect_to_machine)
    params = list(sig.parameters.values())[1:]
    assert [(p.name, p.default, p.kind) for p in params] == [
        ("address", None, inspect.Parameter.KEYWORD_ONLY),
        ("id", None, inspect.Parameter.KEYWORD_ONLY),
    ]
    assert inspect.iscoroutinefunction(ViamClient.connect_to_machine)


async def test_connect_to_machine_says_it_is_out_of_scope(emulator: Emulator) -> None:
    boot = emulator.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    async with await ViamClient.create_from_dial_options(opts, app_url=emulator.app_url) as viam:
        with pytest.raises(NotImplementedError) as err:
            await viam.connect_to_machine(address="rover-main.abc123.viam.cloud")
        message = str(err.value)
        assert "rover-main.abc123.viam.cloud" in message
        assert "machine SDK" in message and "outside the scope" in message
        assert boot.api_key not in message
        with pytest.raises(NotImplementedError, match="'robot-42'"):
            await viam.connect_to_machine(id="robot-42")
        with pytest.raises(ValueError, match="address= or id="):
            await viam.connect_to_machine()
        # The client is still usable afterwards.
        assert await viam.app_client.list_organizations()


def test_blocking_connect_to_machine(emulator_thread: Emulator) -> None:
    from viam_sdk.sync import ViamClient as SyncViamClient

    boot = emulator_thread.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    with SyncViamClient.create_from_dial_options(opts, app_url=emulator_thread.app_url) as viam:
        with pytest.raises(NotImplementedError, match="machine SDK"):
            viam.connect_to_machine(address="rover-main.abc123.viam.cloud")


async def test_env_vars_connect_with_newer_options_and_leave_them_alone(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    boot = emulator.bootstrap
    monkeypatch.setenv("VIAM_API_KEY", boot.api_key)
    monkeypatch.setenv("VIAM_API_KEY_ID", boot.api_key_id)
    given = DialOptions(timeout=5, force_p2p=True, turn_uri="turn:t.example.com:3478", initial_connection_attempts=9)
    async with await ViamClient.create_from_env_vars(given, app_url=emulator.app_url) as viam:
        assert await viam.app_client.list_organizations()
    # The caller's options object is not changed by having its credentials replaced.
    assert given.credentials is None and given.auth_entity is None
