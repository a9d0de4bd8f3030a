"""A whole session logged at DEBUG (ours, grpclib's, h2's, hpack's, the emulator's) shows no credential."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from viam_sdk import _logging
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc._session import AuthSession
from viam_sdk.rpc.dial import Credentials, DialOptions
from viam_sdk.testing import Emulator

from .conftest import log, push_logs


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@pytest.fixture
def debug_log() -> Iterator[_Capture]:
    root = logging.getLogger()
    capture = _Capture()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)


def _token(viam: ViamClient) -> str:
    session = viam._metadata
    assert isinstance(session, AuthSession)
    return session["authorization"].split(" ", 1)[1]


async def test_a_debug_session_logs_no_secret(debug_log: _Capture) -> None:
    seen: list[str] = []
    async with Emulator(token_ttl=300) as emu:
        boot = emu.bootstrap
        seen.append(boot.api_key)
        viam = await ViamClient.create_from_dial_options(
            DialOptions.with_api_key(boot.api_key, boot.api_key_id), emu.app_url
        )
        try:
            fleet = viam.app_client
            seen.append(_token(viam))
            location = await fleet.create_location(boot.org_id, "Depot")
            location_secret = (await fleet.location_auth(location.id)).secrets[0].secret
            seen.append(location_secret)
            robot_id = await fleet.new_robot("rover", location_id=location.id)
            part = (await fleet.get_robot_parts(robot_id))[0]
            seen.append(part.secrets[0].secret)

            by_secret = await ViamClient.create_from_dial_options(
                DialOptions(
                    auth_entity=f"rover-main.{location.id}.viam.cloud",
                    credentials=Credentials(type="robot-location-secret", payload=location_secret),
                ),
                emu.app_url,
            )
            try:
                seen.append(_token(by_secret))
                assert (await by_secret.app_client.get_location()).id == location.id
            finally:
                by_secret.close()

            stream = await fleet.tail_robot_part_logs(part.id, errors_only=False)
            await push_logs(emu.address, part.id, part.secrets[0].secret, [log("hello")])
            assert [e.message for e in await stream.next()] == ["hello"]
            await stream.close()

            assert emu.expire_tokens() > 0  # the token expires; the next call renews it (logged)
            await fleet.list_organizations()
            seen.append(_token(viam))
        finally:
            viam.close()

    assert len({s for s in seen if s}) == 6
    text = "\n".join(debug_log.lines)
    # The capture is real: hpack logged the header blocks, the SDK its renewal.
    hpack = [line for line in debug_log.lines if line.startswith("hpack") and "authorization" in line]
    assert hpack and all("Bearer ***" in line for line in hpack if "Bearer" in line)
    assert any("renewed the access token" in line for line in debug_log.lines)
    leaked = [secret for secret in seen if secret and secret in text]
    assert leaked == []


def test_the_filter_is_on_every_library_logger_after_install() -> None:
    _logging.install()
    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] in _logging.LOGGER_PREFIXES]
    assert {"hpack.hpack", "hpack.table", "grpclib.protocol", "viam_sdk"} <= set(names)
    for name in names:
        assert any(isinstance(f, _logging.SecretFilter) for f in logging.getLogger(name).filters), name


def test_the_filter_masks_messages_arguments_and_tracebacks() -> None:
    record = logging.LogRecord("hpack.hpack", logging.DEBUG, __file__, 1, "Adding %s to the header table", (
        (b"authorization", b"Bearer tok_abcdefgh12345"),
    ), None)
    assert _logging.SecretFilter().filter(record)
    assert record.getMessage() == "Adding (b'authorization', b'Bearer ***') to the header table"
    try:
        raise RuntimeError("payload=hunter2hunter2 was refused")
    except RuntimeError:
        import sys

        failing = logging.LogRecord("viam_sdk", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    _logging.SecretFilter().filter(failing)
    assert failing.exc_text is not None and "hunter2hunter2" not in failing.exc_text
    # Ordinary words are left alone: page tokens, ids, the word "token" in prose.
    plain = logging.LogRecord("viam_sdk", logging.INFO, __file__, 1, "page_token='p-2' for id 42", None, None)
    _logging.SecretFilter().filter(plain)
    assert plain.getMessage() == "page_token='p-2' for id 42"
