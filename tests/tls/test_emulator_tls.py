"""The emulator's TLS: ``serve --tls DIR`` / ``--cert --key`` and ``Emulator(tls=..., cert=..., key=...)``."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import trustme

from viam_sdk import ViamClient
from viam_sdk.testing import Emulator
from viam_sdk.testing.tls import DEFAULT_NAMES, ensure_certificates

from .conftest import key_options


@contextmanager
def _serve(*args: str) -> Iterator[dict[str, str]]:
    """Run ``python -m viam_sdk.testing serve --port 0 --json ARGS`` and hand over what it printed."""
    with subprocess.Popen(  # the with-block closes both pipes
        [sys.executable, "-m", "viam_sdk.testing", "serve", "--port", "0", "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "no output"
            yield json.loads(line)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def _refused(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "viam_sdk.testing", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    return done.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def _connect_and_list(info: dict[str, str], ca_file: str | os.PathLike[str]) -> list[str]:
    from viam_sdk.rpc.dial import DialOptions

    opts = DialOptions.with_api_key(info["api_key"], info["api_key_id"])
    opts.ca_file = ca_file
    async with await ViamClient.create_from_dial_options(opts, info["app_url"]) as viam:
        return [org.id for org in await viam.app_client.list_organizations()]


async def test_serve_tls_makes_a_ca_and_a_certificate_and_reuses_them(tmp_path: Path) -> None:
    folder = tmp_path / "tls"
    with _serve("--tls", str(folder)) as info:
        assert info["app_url"].startswith("https://127.0.0.1:")
        assert info["ca_cert"] == str(folder / "ca.pem")
        assert await _connect_and_list(info, info["ca_cert"]) == [info["org_id"]]
    assert sorted(p.name for p in folder.iterdir()) == ["ca-key.pem", "ca.pem", "server-key.pem", "server.pem"]
    assert _mode(folder) == 0o700
    assert _mode(folder / "ca-key.pem") == _mode(folder / "server-key.pem") == 0o600
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with _serve("--tls", str(folder)) as info:
        assert await _connect_and_list(info, folder / "ca.pem") == [info["org_id"]]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_serve_tls_prints_the_ca_file_in_its_text_output(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "viam_sdk.testing", "serve", "--port", "0", "--tls", str(tmp_path / "t")],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            lines = [proc.stdout.readline().strip() for _ in range(5)]
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    assert f"ca cert: {tmp_path / 't' / 'ca.pem'}" in lines


async def test_serve_with_cert_and_key_made_elsewhere(tmp_path: Path) -> None:
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    cert, key, ca_file = tmp_path / "c.pem", tmp_path / "k.pem", tmp_path / "ca.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    with _serve("--cert", str(cert), "--key", str(key)) as info:
        assert info["app_url"].startswith("https://") and "ca_cert" not in info
        assert await _connect_and_list(info, ca_file) == [info["org_id"]]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--tls", "DIR", "--cert", "c.pem", "--key", "k.pem"], "either --tls DIR or --cert FILE --key FILE"),
        (["--cert", "c.pem"], "--cert and --key go together"),
        (["--key", "k.pem"], "--cert and --key go together"),
        (["--cert", "MISSING", "--key", "MISSING"], "does not exist"),
    ],
)
def test_serve_refuses_wrong_tls_arguments(tmp_path: Path, args: Sequence[str], expected: str) -> None:
    real = [a.replace("DIR", str(tmp_path / "d")).replace("MISSING", str(tmp_path / "missing.pem")) for a in args]
    message = _refused(*real)
    assert expected in message
    if "MISSING" in args:
        assert str(tmp_path / "missing.pem") in message


def test_serve_names_a_key_that_does_not_match_its_certificate(tmp_path: Path) -> None:
    made = ensure_certificates(tmp_path / "tls")
    message = _refused("--cert", str(made.cert), "--key", str(tmp_path / "tls" / "ca-key.pem"))
    assert str(made.cert) in message and "KEY_VALUES_MISMATCH" in message


def test_serve_names_a_tls_folder_that_is_a_file(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    assert f"TLS folder {str(not_a_folder)!r} is a file" in _refused("--tls", str(not_a_folder))


def test_the_emulator_refuses_half_or_double_tls_settings(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cert and key go together"):
        Emulator(cert=tmp_path / "c.pem")
    with pytest.raises(ValueError, match="either tls= .* or cert= and key="):
        Emulator(tls=tmp_path, cert=tmp_path / "c.pem", key=tmp_path / "k.pem")


async def test_tls_true_uses_a_temporary_folder_removed_at_stop() -> None:
    async with Emulator(tls=True) as emu:
        assert emu.tls and emu.ca_cert is not None
        folder = Path(emu.ca_cert).parent
        async with await ViamClient.create_from_dial_options(
            key_options(emu, ca_file=emu.ca_cert), emu.app_url
        ) as viam:
            assert len(await viam.app_client.list_organizations()) == 1
    assert not folder.exists()


def test_the_default_is_plain_http() -> None:
    emu = Emulator()
    assert not emu.tls and emu.ca_cert is None
    assert emu.app_url.startswith("http://")


def test_a_new_host_name_gets_a_new_certificate_from_the_same_ca(tmp_path: Path) -> None:
    from cryptography import x509

    first = ensure_certificates(tmp_path)
    ca_before = first.ca.read_bytes() if first.ca else b""
    again = ensure_certificates(tmp_path, host="192.0.2.7")
    assert again.ca is not None and again.ca.read_bytes() == ca_before
    san = x509.load_pem_x509_certificate(again.cert.read_bytes()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    names = set(san.value.get_values_for_type(x509.DNSName)) | {
        str(ip) for ip in san.value.get_values_for_type(x509.IPAddress)
    }
    assert names == {*DEFAULT_NAMES, "192.0.2.7"}
    # A wildcard listening address adds no name.
    assert ensure_certificates(tmp_path, host="0.0.0.0").cert.read_bytes() == again.cert.read_bytes()
