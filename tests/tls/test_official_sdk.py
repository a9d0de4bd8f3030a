"""Dev-only check: Viam's official SDK (viam-sdk 0.85.1, the ``viam`` package) against our emulator.

What it shows about 0.85.1 (facts for the docs):

* it has no CA setting in DialOptions; it trusts the system store, so
  ``SSL_CERT_FILE`` pointing at the emulator's ``ca.pem`` is how it trusts a
  TLS emulator;
* for hosts named ``localhost``, ``127.*`` or ``0.0.0.0`` it does not verify
  certificates at all, so against ``https://127.0.0.1:PORT`` it connects with
  or without the CA; on any other address it verifies;
* against the plain (non-TLS) emulator it needs ``insecure=True``, even with
  an ``http://`` app_url: otherwise ``InsecureConnectionError``.

Each run is a fresh interpreter: the official SDK loads its own generated
modules and native library, and ``SSL_CERT_FILE`` is read at start-up.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from viam_sdk.testing import Emulator

pytest.importorskip("viam.app.viam_client", reason="viam-sdk (a dev dependency) is not installed")

_OFFICIAL = textwrap.dedent(
    """
    import asyncio, json, sys
    from viam.app.viam_client import ViamClient
    from viam.rpc.dial import DialOptions

    async def main():
        url, key, key_id, insecure = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "insecure"
        opts = DialOptions.with_api_key(key, key_id)
        opts.insecure = insecure
        opts.timeout = 30
        try:
            client = await ViamClient.create_from_dial_options(opts, url)
            orgs = await client.app_client.list_organizations()
            client.close()
        except Exception as exc:
            print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
        else:
            print(json.dumps({"orgs": [org.id for org in orgs]}))

    asyncio.run(main())
    """
)


def _official(emu: Emulator, url: str, *, ssl_cert_file: str | None = None, insecure: bool = False) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    if ssl_cert_file is not None:
        env["SSL_CERT_FILE"] = ssl_cert_file
    boot = emu.bootstrap
    done = subprocess.run(
        [sys.executable, "-c", _OFFICIAL, url, boot.api_key, boot.api_key_id, "insecure" if insecure else "secure"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _outward_address() -> str | None:
    """This machine's address on its outward interface, if it has one besides loopback."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.254", 9))  # TEST-NET-1: a route is looked up, nothing is sent
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_official_sdk_reaches_the_tls_emulator_with_ssl_cert_file(tmp_path: Path) -> None:
    with Emulator.in_thread(tls=tmp_path / "tls") as emu:
        assert emu.ca_cert is not None
        answer = _official(emu, emu.app_url, ssl_cert_file=emu.ca_cert)
        assert answer == {"orgs": [emu.bootstrap.org_id]}
        # 0.85.1 skips verification for 127.* hosts: it connects without the CA as well.
        assert _official(emu, emu.app_url) == {"orgs": [emu.bootstrap.org_id]}


def test_official_sdk_verifies_other_addresses_against_ssl_cert_file(tmp_path: Path) -> None:
    address = _outward_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback: 0.85.1 verifies only on other addresses")
    with Emulator.in_thread(host=address, tls=tmp_path / "tls") as emu:
        assert emu.ca_cert is not None
        assert _official(emu, emu.app_url, ssl_cert_file=emu.ca_cert) == {"orgs": [emu.bootstrap.org_id]}
        refused = _official(emu, emu.app_url)
    assert refused["error"] == "SSLCertVerificationError"


def test_official_sdk_needs_insecure_for_the_plain_emulator() -> None:
    with Emulator.in_thread() as emu:
        refused = _official(emu, emu.app_url)
        assert refused["error"] == "InsecureConnectionError"
        assert _official(emu, emu.app_url, insecure=True) == {"orgs": [emu.bootstrap.org_id]}
        assert _official(emu, emu.address, insecure=True) == {"orgs": [emu.bootstrap.org_id]}
