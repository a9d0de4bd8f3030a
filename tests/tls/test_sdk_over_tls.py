"""The SDK over TLS, end to end, against an emulator serving TLS with a CA of its own.

Three ways to trust that CA: ``DialOptions(ca_file=...)``, ``DialOptions(ssl_context=...)``
and ``SSL_CERT_FILE`` (read when the SDK makes its TLS context, in a fresh process).
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import viam_sdk.sync
from viam_sdk import ViamClient
from viam_sdk.errors import TLSVerificationError
from viam_sdk.testing import Emulator

from .conftest import key_options


async def _tour(viam: ViamClient, org_id: str) -> None:
    """A few calls of each kind over the connection: reads, a write, a stream's worth of paging."""
    fleet = viam.app_client
    assert [org.id for org in await fleet.list_organizations()] == [org_id]
    location = await fleet.create_location(org_id, "TLS depot")
    robot_id = await fleet.new_robot("tls-rover", location.id)
    [part] = await fleet.get_robot_parts(robot_id)
    assert part.robot == robot_id
    assert [loc.id for loc in await fleet.list_locations(org_id)] == [location.id]


async def test_ca_file_trusts_the_emulators_ca(tls_emulator: Emulator) -> None:
    assert tls_emulator.app_url.startswith("https://127.0.0.1:")
    assert tls_emulator.ca_cert is not None
    opts = key_options(tls_emulator, ca_file=tls_emulator.ca_cert)
    async with await ViamClient.create_from_dial_options(opts, tls_emulator.app_url) as viam:
        await _tour(viam, tls_emulator.bootstrap.org_id)


async def test_ca_file_may_be_a_path_object_and_localhost_is_a_name_of_the_certificate(
    tls_emulator: Emulator,
) -> None:
    assert tls_emulator.ca_cert is not None
    opts = key_options(tls_emulator, ca_file=Path(tls_emulator.ca_cert))
    url = f"https://localhost:{tls_emulator.port}"
    async with await ViamClient.create_from_dial_options(opts, url) as viam:
        assert len(await viam.app_client.list_organizations()) == 1


async def test_an_ssl_context_is_used_as_given(tls_emulator: Emulator) -> None:
    trusting = ssl.create_default_context(cafile=tls_emulator.ca_cert)
    opts = key_options(tls_emulator, ssl_context=trusting)
    async with await ViamClient.create_from_dial_options(opts, tls_emulator.app_url) as viam:
        await _tour(viam, tls_emulator.bootstrap.org_id)
    # A context that trusts nothing is used as well, not replaced by the SDK's own: it fails.
    empty = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    with pytest.raises(TLSVerificationError) as err:
        await ViamClient.create_from_dial_options(key_options(tls_emulator, ssl_context=empty), tls_emulator.app_url)
    assert "the ssl_context given in DialOptions" in str(err.value)


async def test_signed_urls_are_served_over_tls_with_the_same_certificate(tls_emulator: Emulator) -> None:
    opts = key_options(tls_emulator, ca_file=tls_emulator.ca_cert)
    async with await ViamClient.create_from_dial_options(opts, tls_emulator.app_url) as viam:
        fleet = viam.app_client
        location = await fleet.create_location(tls_emulator.bootstrap.org_id, "site")
        [part] = await fleet.get_robot_parts(await fleet.new_robot("cam-rover", location.id))
        file_id = await viam.data_client.file_upload(part.id, b"over TLS", file_name="note.txt")
        url, _ = await viam.data_client.create_binary_data_signed_url(file_id)
    assert url.startswith("https://127.0.0.1:")
    trusting = ssl.create_default_context(cafile=tls_emulator.ca_cert)

    def fetch(context: ssl.SSLContext) -> bytes:
        with urllib.request.urlopen(url, context=context, timeout=30) as answer:
            return bytes(answer.read())

    assert await asyncio.to_thread(fetch, trusting) == b"over TLS"
    with pytest.raises(urllib.error.URLError) as err:
        await asyncio.to_thread(fetch, ssl.create_default_context())
    assert isinstance(err.value.reason, ssl.SSLCertVerificationError)


def test_the_blocking_client_takes_the_same_settings(tmp_path: Path) -> None:
    with Emulator.in_thread(tls=tmp_path / "tls") as emu:
        opts = key_options(emu, ca_file=emu.ca_cert)
        with viam_sdk.sync.ViamClient.create_from_dial_options(opts, emu.app_url) as viam:
            assert [org.id for org in viam.app_client.list_organizations()] == [emu.bootstrap.org_id]


_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from viam_sdk import ViamClient
    from viam_sdk.errors import TLSVerificationError
    from viam_sdk.rpc.dial import DialOptions

    async def main():
        opts = DialOptions.with_api_key(sys.argv[2], sys.argv[3])
        try:
            async with await ViamClient.create_from_dial_options(opts, sys.argv[1]) as viam:
                orgs = await viam.app_client.list_organizations()
        except TLSVerificationError as exc:
            print(json.dumps({"error": type(exc).__name__, "message": exc.message}))
        else:
            print(json.dumps({"orgs": [org.id for org in orgs]}))

    asyncio.run(main())
    """
)


def _run_client(emu: Emulator, env: dict[str, str]) -> dict[str, object]:
    boot = emu.bootstrap
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, emu.app_url, boot.api_key, boot.api_key_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_ssl_cert_file_is_honoured(tmp_path: Path) -> None:
    empty_dir = tmp_path / "no-certs"
    empty_dir.mkdir()
    base = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    with Emulator.in_thread(tls=tmp_path / "tls") as emu:
        assert emu.ca_cert is not None
        trusted = _run_client(emu, {**base, "SSL_CERT_FILE": emu.ca_cert, "SSL_CERT_DIR": str(empty_dir)})
        assert trusted == {"orgs": [emu.bootstrap.org_id]}
        # The same process without it: the system store does not know the emulator's CA.
        untrusted = _run_client(emu, base)
    assert untrusted["error"] == "TLSVerificationError"
    assert f"127.0.0.1:{emu.port}" in str(untrusted["message"])


def test_ssl_cert_dir_is_honoured(tmp_path: Path) -> None:
    """A folder of CA certificates named by their subject hash, as ``c_rehash``/``openssl rehash`` make."""
    with Emulator.in_thread(tls=tmp_path / "tls") as emu:
        assert emu.ca_cert is not None
        folder = tmp_path / "certs"
        folder.mkdir()
        subject_hash = subprocess.run(
            ["openssl", "x509", "-hash", "-noout", "-in", emu.ca_cert], capture_output=True, text=True, check=True
        ).stdout.strip()
        (folder / f"{subject_hash}.0").write_bytes(Path(emu.ca_cert).read_bytes())
        missing = str(tmp_path / "no-such-bundle.pem")
        base = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
        answer = _run_client(emu, {**base, "SSL_CERT_FILE": missing, "SSL_CERT_DIR": str(folder)})
    assert answer == {"orgs": [emu.bootstrap.org_id]}


_CLOSING_SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, sys
    import viam_sdk.sync
    from viam_sdk import ViamClient
    from viam_sdk.errors import TLSVerificationError
    from viam_sdk.rpc.dial import DialOptions

    url, key, key_id, ca = sys.argv[1:5]

    def options(ca_file):
        opts = DialOptions.with_api_key(key, key_id)
        opts.ca_file = ca_file
        return opts

    async def main():
        async with await ViamClient.create_from_dial_options(options(ca), url) as viam:
            await viam.app_client.list_organizations()
        try:
            await ViamClient.create_from_dial_options(options(None), url)
        except TLSVerificationError:
            pass

    asyncio.run(main())
    with viam_sdk.sync.ViamClient.create_from_dial_options(options(ca), url) as viam:
        viam.app_client.list_organizations()
    gc.collect()
    print("ok")
    """
)


def test_closing_a_tls_client_releases_its_socket(tmp_path: Path) -> None:
    """A closed client (async, blocking, or one whose handshake was refused) leaves no socket open.

    Closing starts TLS's own goodbye, which needs the peer's answer; a script that ends
    right after ``close()`` must not leave the socket underneath for the garbage collector
    (a ResourceWarning naming asyncio's transport, printed at exit under ``-X dev``).
    """
    with Emulator.in_thread(tls=tmp_path / "tls") as emu:
        assert emu.ca_cert is not None
        boot = emu.bootstrap
        done = subprocess.run(
            [sys.executable, "-W", "always::ResourceWarning", "-c", _CLOSING_SCRIPT]
            + [emu.app_url, boot.api_key, boot.api_key_id, emu.ca_cert],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert "ResourceWarning" not in done.stderr, done.stderr
