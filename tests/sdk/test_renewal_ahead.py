"""Issue 19 item 5: access tokens are renewed *before* they expire, when they say when that is.

The emulator issues JWT-shaped tokens whose claims carry ``iat`` and ``exp``.
The session reads the lifetime and renews ahead of the next call once a tenth
of it (at most five minutes) is left.  No test sleeps: the emulator ends its
tokens (``Emulator.expire_tokens()``, a real refusal from then on) and the
session's clock is moved on to the same moment (``session.clock``), so every
call below would be refused if the session had not renewed first.
``EARLY`` counts the renewals before expiry observed, for the closing figures.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from viam_api.rpc.v1 import AuthenticateRequest, AuthServiceStub, Credentials

import viam_sdk.sync
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc._session import AuthSession, token_lifetime
from viam_sdk.rpc.dial import Credentials as DialCredentials
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator

from .conftest import log, push_logs

TTL = 300.0
EARLY: dict[str, int] = {}


def _session(viam: ViamClient) -> AuthSession:
    session = viam._metadata
    assert isinstance(session, AuthSession)
    return session


def _claims(token: str) -> dict[str, object]:
    body = token.split(".")[1]
    claims: dict[str, object] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return claims


def _later(session: AuthSession, seconds: float) -> None:
    """Move the session's clock ``seconds`` on from now (what a long wait would do)."""
    moment = session.clock() + seconds
    session.clock = lambda: moment


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(token_ttl=TTL) as running:
        yield running


async def _connect(emu: Emulator) -> ViamClient:
    boot = emu.bootstrap
    return await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emu.app_url
    )


async def _expire(emu: Emulator, session: AuthSession) -> None:
    """The emulator ends every token now; the session's clock reaches the same point of the lifetime."""
    assert emu.expire_tokens() > 0
    _later(session, TTL)


async def test_the_emulator_issues_tokens_that_say_when_they_expire(emu: Emulator) -> None:
    from grpclib.client import Channel

    channel = Channel(emu.host, emu.port)
    try:
        boot = emu.bootstrap
        reply = await AuthServiceStub(channel).authenticate(
            AuthenticateRequest(entity=boot.api_key_id, credentials=Credentials(type="api-key", payload=boot.api_key))
        )
    finally:
        channel.close()
    header = json.loads(base64.urlsafe_b64decode(reply.access_token.split(".")[0] + "=="))
    claims = _claims(reply.access_token)
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims["sub"] == boot.api_key_id
    assert isinstance(claims["exp"], int) and isinstance(claims["iat"], int)
    assert claims["exp"] - claims["iat"] == TTL
    assert token_lifetime(reply.access_token) == TTL


def test_opaque_or_odd_tokens_have_no_known_lifetime() -> None:
    def jwt(claims: object) -> str:
        return "e30." + base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=") + ".sig"

    assert token_lifetime("an-opaque-token") is None
    assert token_lifetime("a.b.c") is None  # not base64 JSON
    assert token_lifetime(jwt(["not", "a", "map"])) is None
    assert token_lifetime(jwt({"iat": 10})) is None  # no exp
    assert token_lifetime(jwt({"exp": True, "iat": 0})) is None
    assert token_lifetime(jwt({"exp": 5, "iat": 10})) is None  # expired at issue
    assert token_lifetime(jwt({"exp": 70, "iat": 10})) == 60


async def test_a_call_after_the_renewal_point_renews_first_and_is_never_refused(emu: Emulator) -> None:
    async with await _connect(emu) as viam:
        session = _session(viam)
        assert session.renew_at is not None
        assert session.renew_at - session.clock() == pytest.approx(TTL - 30, abs=1)  # a tenth of 300 s ahead
        orgs = [o.id for o in await viam.app_client.list_organizations()]
        due = session.renew_at
        session.clock = lambda: due - 0.5  # just before the renewal point
        assert [o.id for o in await viam.app_client.list_organizations()] == orgs
        assert session.renewals == 0  # not due yet

        await _expire(emu, session)
        assert [o.id for o in await viam.app_client.list_organizations()] == orgs
        assert session.early_renewals == 1 and session.renewals == 1
        assert session.policy.stats.renewed_calls == 0  # no call met a refusal
        await viam.data_client.list_datasets_by_organization_id(emu.bootstrap.org_id)
        assert session.renewals == 1  # the new token is not due
        EARLY["unary calls"] = session.early_renewals


async def test_a_long_running_tail_survives_expiries_without_a_refused_call(emu: Emulator) -> None:
    async with await _connect(emu) as viam:
        session = _session(viam)
        fleet = viam.app_client
        location = await fleet.create_location(emu.bootstrap.org_id, "depot")
        robot_id = await fleet.new_robot("tailed", location_id=location.id)
        part = (await fleet.get_robot_parts(robot_id))[0]
        secret = part.secrets[0].secret

        stream = await fleet.tail_robot_part_logs(part.id, errors_only=False)
        for round_ in range(3):
            await _expire(emu, session)
            await push_logs(emu.address, part.id, secret, [log(f"after expiry {round_}")])
            assert [e.message for e in await stream.next() or []] == [f"after expiry {round_}"]
            # Other calls of the same client go on beside the tail, each renewing first.
            assert (await fleet.get_robot_part(part.id)).id == part.id
        await stream.close()
        again = await fleet.tail_robot_part_logs(part.id, errors_only=False)
        await _expire(emu, session)
        await push_logs(emu.address, part.id, secret, [log("second tail")])
        assert [e.message for e in await again.next() or []] == ["second tail"]
        await again.close()
        assert session.early_renewals == 3 and session.renewals == 3
        assert session.policy.stats.renewed_calls == 0
        EARLY["log tail"] = session.early_renewals


async def test_an_upload_after_the_renewal_point_is_not_refused(emu: Emulator, tmp_path: Path) -> None:
    async with await _connect(emu) as viam:
        session = _session(viam)
        location = await viam.app_client.create_location(emu.bootstrap.org_id, "uploads")
        robot_id = await viam.app_client.new_robot("uploader", location_id=location.id)
        part = (await viam.app_client.get_robot_parts(robot_id))[0]
        path = tmp_path / "blob.bin"
        path.write_bytes(b"\x01" * 300_000)
        await _expire(emu, session)
        file_id = await viam.data_client.file_upload_from_path(str(path), part.id)
        assert session.early_renewals == 1 and session.policy.stats.renewed_calls == 0
        (stored,) = await viam.data_client.binary_data_by_ids([file_id])
        assert stored.binary == path.read_bytes()
        EARLY["upload"] = session.early_renewals


async def test_a_failed_early_renewal_leaves_the_call_to_the_current_token(emu: Emulator) -> None:
    async with await _connect(emu) as viam:
        session = _session(viam)
        # Credentials the server refuses: the early renewal fails, the call goes on with the token it has.
        session._credentials = DialCredentials(type="api-key", payload="not-the-key")
        _later(session, TTL - 1)
        assert len(await viam.app_client.list_organizations()) == 1
        assert session.renewals == 0
        assert session.renew_at is not None and session.renew_at > session.clock()  # tried again later


def test_the_blocking_client_renews_ahead_too() -> None:
    with Emulator.in_thread(token_ttl=TTL) as running:
        boot = running.bootstrap
        with viam_sdk.sync.ViamClient.create_from_dial_options(
            DialOptions.with_api_key(boot.api_key, boot.api_key_id), running.app_url
        ) as viam:
            session = viam._impl._metadata
            assert isinstance(session, AuthSession)
            assert len(viam.app_client.list_organizations()) == 1
            assert running.expire_tokens() > 0
            _later(session, TTL)
            assert len(viam.app_client.list_organizations()) == 1
            assert session.early_renewals == 1 and session.policy.stats.renewed_calls == 0
