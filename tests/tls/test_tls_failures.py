"""TLS handshakes that fail: raised at once (one connection, no retry) as typed errors that say what to do.

Attempts are counted by a relay in front of a real emulator (``CountingRelay``):
each attempt is one TCP connection through it.
"""

from __future__ import annotations

import pickle
import ssl
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import trustme
from grpclib.exceptions import GRPCError

from viam_sdk import ViamClient
from viam_sdk.errors import TLSError, TLSVerificationError, Unavailable
from viam_sdk.rpc.dial import Credentials, DialOptions
from viam_sdk.testing import Emulator

from .conftest import CountingRelay, key_options


def _assert_no_secret(text: str, emu: Emulator) -> None:
    assert emu.bootstrap.api_key not in text


async def test_an_unknown_ca_is_refused_at_once_naming_the_host_and_the_fixes(tls_emulator: Emulator) -> None:
    async with CountingRelay(tls_emulator.port) as relay:
        opts = key_options(tls_emulator, max_reconnect_attempts=3, retry_backoff=0.01)
        with pytest.raises(TLSVerificationError) as err:
            await ViamClient.create_from_dial_options(opts, f"https://127.0.0.1:{relay.port}")
        assert relay.connections == 1  # no retry
    error = err.value
    assert isinstance(error, Unavailable) and isinstance(error, GRPCError)
    assert error.address == f"127.0.0.1:{relay.port}"
    assert error.reason == "unknown CA"
    text = str(error)
    assert f"127.0.0.1:{relay.port}" in text
    assert "unknown CA" in text
    assert "ca_file=" in text and "ssl_context=" in text and "SSL_CERT_FILE" in text
    assert "this machine's trust store" in text  # what it was checked against
    _assert_no_secret(text, tls_emulator)
    assert error.__cause__ is None  # the message says it all; no ssl internals chained


async def test_a_ca_file_of_another_ca_names_that_file(tls_emulator: Emulator, tmp_path: Path) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    with pytest.raises(TLSVerificationError) as err:
        await ViamClient.create_from_dial_options(key_options(tls_emulator, ca_file=other), tls_emulator.app_url)
    assert f"ca_file={str(other)!r}" in str(err.value)


async def test_a_self_signed_server_certificate_is_named_as_such(tmp_path: Path) -> None:
    ca = trustme.CA()
    # A server presenting only its own CA's certificate as its leaf: self-signed.
    cert, key = tmp_path / "self.pem", tmp_path / "self-key.pem"
    ca.cert_pem.write_to_path(str(cert))
    ca.private_key_pem.write_to_path(str(key))
    async with Emulator(cert=cert, key=key) as emu:
        with pytest.raises(TLSVerificationError) as err:
            await ViamClient.create_from_dial_options(key_options(emu), emu.app_url)
    assert err.value.reason == "self-signed certificate"
    assert f"127.0.0.1:{emu.port}" in str(err.value)


async def test_a_hostname_mismatch_says_which_name_and_is_not_retried(tmp_path: Path) -> None:
    ca = trustme.CA()
    leaf = ca.issue_cert("emulator.example")
    cert, key, ca_file = tmp_path / "server.pem", tmp_path / "server-key.pem", tmp_path / "ca.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    async with Emulator(cert=cert, key=key) as emu, CountingRelay(emu.port) as relay:
        assert emu.app_url.startswith("https://") and emu.ca_cert is None
        with pytest.raises(TLSVerificationError) as err:
            await ViamClient.create_from_dial_options(
                key_options(emu, ca_file=ca_file), f"https://127.0.0.1:{relay.port}"
            )
        assert relay.connections == 1
    assert err.value.reason == "hostname mismatch"
    text = str(err.value)
    assert f"127.0.0.1:{relay.port}" in text and "'127.0.0.1'" in text and "hostname mismatch" in text


async def test_an_expired_certificate_says_so(tmp_path: Path) -> None:
    ca = trustme.CA()
    past = datetime.now(timezone.utc) - timedelta(days=2)
    leaf = ca.issue_cert("127.0.0.1", not_before=past - timedelta(days=30), not_after=past)
    cert, key, ca_file = tmp_path / "server.pem", tmp_path / "server-key.pem", tmp_path / "ca.pem"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    async with Emulator(cert=cert, key=key) as emu:
        with pytest.raises(TLSVerificationError) as err:
            await ViamClient.create_from_dial_options(key_options(emu, ca_file=ca_file), emu.app_url)
    assert err.value.reason == "certificate has expired"
    assert "Renew the server's certificate" in str(err.value)


async def test_no_scheme_against_a_plain_server_says_it_does_not_speak_tls(emulator: Emulator) -> None:
    async with CountingRelay(emulator.port) as relay:
        opts = key_options(emulator, retry_backoff=0.01)
        with pytest.raises(TLSError) as err:
            await ViamClient.create_from_dial_options(opts, f"127.0.0.1:{relay.port}")
        assert relay.connections == 1
    assert not isinstance(err.value, TLSVerificationError)
    assert err.value.reason == "not TLS"
    text = str(err.value)
    assert f"127.0.0.1:{relay.port} does not speak TLS" in text
    assert f"app_url='http://127.0.0.1:{relay.port}'" in text
    assert "SSLError" not in text and "WRONG_VERSION_NUMBER" in text
    _assert_no_secret(text, emulator)


async def test_https_against_a_plain_server_gets_the_same_message(emulator: Emulator) -> None:
    with pytest.raises(TLSError, match="does not speak TLS"):
        await ViamClient.create_from_dial_options(key_options(emulator), f"https://{emulator.address}")


async def test_plain_http_ignores_the_tls_settings(emulator: Emulator, tmp_path: Path) -> None:
    """An ``http://`` app_url dials without TLS, so a script keeps its CA setting when pointed at one."""
    opts = key_options(emulator, ca_file=tmp_path / "not-read.pem")
    async with await ViamClient.create_from_dial_options(opts, emulator.app_url) as viam:
        assert len(await viam.app_client.list_organizations()) == 1


# -- bad settings, reported before anything is dialled (nothing listens on port 9) ----------

_KEY_ID = "8d9f1c2e-6a07-4a56-9c2b-0f1e2d3c4b5a"  # an API key id is a UUID (checked before the CA file)


async def test_a_missing_ca_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    secret = Credentials(type="api-key", payload="s3cret")
    opts = DialOptions(auth_entity=_KEY_ID, credentials=secret, ca_file=missing)
    with pytest.raises(ValueError) as err:
        await ViamClient.create_from_dial_options(opts, "https://127.0.0.1:9")
    assert repr(str(missing)) in str(err.value) and "no such file" in str(err.value)
    assert "s3cret" not in str(err.value)


async def test_a_ca_file_that_is_not_pem_is_named(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    secret = Credentials(type="api-key", payload="s3cret")
    opts = DialOptions(auth_entity=_KEY_ID, credentials=secret, ca_file=junk)
    with pytest.raises(ValueError) as err:
        await ViamClient.create_from_dial_options(opts, "127.0.0.1:9")
    assert repr(str(junk)) in str(err.value) and "PEM" in str(err.value)


def test_ca_file_and_ssl_context_do_not_go_together(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ca_file .* or ssl_context, not both"):
        DialOptions(ca_file=tmp_path / "ca.pem", ssl_context=ssl.create_default_context())


@pytest.mark.parametrize(("field", "value"), [("ssl_context", "/path/ca.pem"), ("ca_file", 42)])
def test_wrong_types_are_refused(field: str, value: object) -> None:
    with pytest.raises(TypeError, match=field):
        DialOptions(**{field: value})  # type: ignore[arg-type]


def test_the_settings_are_keyword_only_and_shown_safely(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        DialOptions(False, None, None, False, False, False, 3, 20, 0.1, 5.0, 3, None, False, False, None, "ca")  # type: ignore[call-arg]
    opts = DialOptions.with_api_key("s3cret-key", "8d9f1c2e-6a07-4a56-9c2b-0f1e2d3c4b5a")
    opts.ca_file = str(tmp_path / "ca.pem")
    opts.ssl_context = ssl.create_default_context()
    shown = repr(opts)
    assert "s3cret-key" not in shown and "ca.pem" in shown and "ssl_context=" in shown


def test_tls_errors_survive_pickling() -> None:
    error = TLSVerificationError(message="m", rpc="/a/B", address="h:1", reason="unknown CA")
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.message, again.rpc, again.address, again.reason) == (
        TLSVerificationError,
        "m",
        "/a/B",
        "h:1",
        "unknown CA",
    )
