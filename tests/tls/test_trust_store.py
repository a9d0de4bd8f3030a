"""What the SDK's TLS context trusts by default: the system store as OpenSSL finds it.

Each case runs in a fresh interpreter, since ``SSL_CERT_FILE``/``SSL_CERT_DIR``
are read when a context loads the default locations: the SDK must read them
then, and not replace them with a bundle of its own (certifi), which it uses
only when the system store is empty.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import trustme

from viam_sdk.app.viam_client import _tls_context

_PROBE = textwrap.dedent(
    """
    import json
    from viam_sdk.app.viam_client import _tls_context
    from viam_sdk.rpc._tls import client_context

    context = _tls_context()
    print(json.dumps({
        "cas": context.cert_store_stats()["x509_ca"],
        "subjects": [dict(x[0] for x in c["subject"]).get("organizationName") for c in context.get_ca_certs()],
        "trust": client_context().description,
    }))
    """
)


def _probe(env: dict[str, str]) -> dict[str, object]:
    base = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env={**base, **env}, capture_output=True, text=True, timeout=120, check=True
    )
    return dict(json.loads(done.stdout))


@pytest.fixture
def private_ca(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    trustme.CA(organization_name="Private test CA").cert_pem.write_to_path(str(path))
    return path


def test_ssl_cert_file_is_what_is_trusted_and_nothing_is_added(private_ca: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    seen = _probe({"SSL_CERT_FILE": str(private_ca), "SSL_CERT_DIR": str(empty)})
    assert seen["cas"] == 1
    assert seen["subjects"] == ["Private test CA"]
    assert str(private_ca) in str(seen["trust"])


def test_the_default_is_the_system_store(tmp_path: Path) -> None:
    """Without the variables: what ``ssl.create_default_context()`` loads, in the same environment."""
    reference = subprocess.run(
        [
            sys.executable,
            "-c",
            "import ssl; print(ssl.create_default_context().cert_store_stats()['x509_ca'])",
        ],
        env={k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")},
        capture_output=True,
        text=True,
        check=True,
    )
    seen = _probe({})
    assert seen["cas"] == int(reference.stdout)
    assert str(seen["trust"]) == "this machine's trust store"


def test_certifi_only_when_the_system_store_is_empty(tmp_path: Path) -> None:
    certifi = pytest.importorskip("certifi")
    bundle = ssl.create_default_context(cafile=certifi.where()).cert_store_stats()["x509_ca"]
    empty = tmp_path / "empty"
    empty.mkdir()
    seen = _probe({"SSL_CERT_FILE": str(tmp_path / "missing.pem"), "SSL_CERT_DIR": str(empty)})
    assert seen["cas"] == bundle > 0
    assert "certifi" in str(seen["trust"]) and "empty" in str(seen["trust"])


def test_verification_is_always_on() -> None:
    context = _tls_context()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
