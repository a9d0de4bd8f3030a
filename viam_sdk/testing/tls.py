"""TLS for the emulator: a private certificate authority and a server certificate it signed.

``serve --tls DIR`` (and ``Emulator(tls=DIR)``) keeps four PEM files in ``DIR``:

* ``ca.pem``: the authority's certificate, the one file clients trust
  (``DialOptions(ca_file=...)``, ``SSL_CERT_FILE``);
* ``ca-key.pem``: its private key, kept so a later run can sign a new server
  certificate with the same authority (clients keep trusting the same file);
* ``server.pem`` and ``server-key.pem``: the server's certificate and key, for
  ``127.0.0.1``, ``localhost``, ``::1`` and any other name asked for.

Files already in ``DIR`` are reused; a server certificate missing one of the
names asked for is issued again by the same authority.  Private keys are
written readable by their owner only (mode 0600), the folder 0700 when it is
created here.

The certificates are made with ``trustme`` (the ``emulator`` extra), a small,
maintained library made for exactly this: test authorities and certificates.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_NAMES", "ServerCertificate", "ensure_certificates", "server_context"]

#: The names every emulator server certificate is valid for.
DEFAULT_NAMES: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")

_CA = "ca.pem"
_CA_KEY = "ca-key.pem"
_CERT = "server.pem"
_KEY = "server-key.pem"


@dataclass(frozen=True)
class ServerCertificate:
    """Where a TLS server's files are.

    Attributes:
        cert: the server's certificate chain (PEM).
        key: its private key (PEM).
        ca: the authority's certificate that clients should trust; None when
            the certificate was given from elsewhere (``--cert``/``--key``).
    """

    cert: Path
    key: Path
    ca: Path | None = None


def _names_for(host: str | None, extra: Iterable[str] = ()) -> list[str]:
    """The default names, plus ``host`` when it names one address (not a wildcard such as ``0.0.0.0``)."""
    names = list(DEFAULT_NAMES)
    candidates = [*extra]
    if host and host not in ("0.0.0.0", "::", ""):
        candidates.append(host)
    for name in candidates:
        if name not in names:
            names.append(name)
    return names


def _write_private(path: Path, data: bytes, *, secret: bool) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename; 0600 when ``secret``."""
    temporary = path.with_name(f".{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if secret else 0o644)
    try:
        if secret:
            os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def _covered_names(cert_file: Path) -> set[str] | None:
    """The DNS names and IP addresses a certificate is valid for; None when it cannot be read."""
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return None
    names: set[str] = set(san.get_values_for_type(x509.DNSName))
    names.update(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    return names


def _normal(name: str) -> str:
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name.lower()


def ensure_certificates(folder: str | os.PathLike[str], host: str | None = None) -> ServerCertificate:
    """The authority and server certificate kept in ``folder``, made or completed as needed.

    Args:
        folder: where the PEM files live; created (mode 0700) when missing.
        host: the address the server listens on; the certificate names it too
            unless it is a wildcard (``0.0.0.0``, ``::``).

    Returns:
        The paths of the server's certificate and key and of the CA certificate to trust.

    Raises:
        ValueError: ``folder`` exists but is not a folder, or holds a CA that cannot be read.
        ModuleNotFoundError: trustme is not installed (the message says how to install it).
    """
    try:
        import trustme
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "making TLS certificates for the emulator needs trustme: pip install trustme "
            "(or serve a certificate of your own with --cert FILE --key FILE)",
            name="trustme",
        ) from None

    where = Path(folder).expanduser().resolve()
    if where.exists() and not where.is_dir():
        raise ValueError(f"TLS folder {str(where)!r} is a file, not a folder")
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca_file, ca_key, cert_file, key_file = (where / n for n in (_CA, _CA_KEY, _CERT, _KEY))
    names = _names_for(host)

    if ca_file.exists() and ca_key.exists():
        try:
            ca = trustme.CA.from_pem(ca_file.read_bytes(), ca_key.read_bytes())
        except ValueError as exc:
            raise ValueError(
                f"{str(ca_file)!r} and {str(ca_key)!r} are not a CA certificate and its key ({exc}); "
                "remove them to have new ones made"
            ) from None
        fresh_ca = False
    else:
        ca = trustme.CA(organization_name="Viam cloud emulator")
        _write_private(ca_key, ca.private_key_pem.bytes(), secret=True)
        _write_private(ca_file, ca.cert_pem.bytes(), secret=False)
        fresh_ca = True

    covered = None if fresh_ca or not key_file.exists() else _covered_names(cert_file)
    if covered is None or not {_normal(n) for n in names} <= {_normal(n) for n in covered}:
        leaf = ca.issue_cert(*names, common_name=names[0])
        _write_private(key_file, leaf.private_key_pem.bytes(), secret=True)
        _write_private(cert_file, b"".join(blob.bytes() for blob in leaf.cert_chain_pems), secret=False)
    return ServerCertificate(cert=cert_file, key=key_file, ca=ca_file)


def server_context(cert: str | os.PathLike[str], key: str | os.PathLike[str]) -> ssl.SSLContext:
    """A server-side TLS context (TLS 1.2 or newer, HTTP/2 first by ALPN) for ``cert`` and ``key``.

    Raises:
        ValueError: a file is missing or unreadable, or the two do not belong together
            (the message names the files).
    """
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # HTTP/2 for gRPC; HTTP/1.1 for the signed-URL downloads served with the same certificate.
    context.set_alpn_protocols(["h2", "http/1.1"])
    for label, path in (("certificate", cert), ("key", key)):
        if not Path(path).is_file():
            raise ValueError(f"TLS {label} file {os.fspath(path)!r} does not exist or is not a file")
    try:
        context.load_cert_chain(os.fspath(cert), os.fspath(key))
    except (ssl.SSLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc.strerror or str(exc)
        raise ValueError(
            f"cannot use TLS certificate {os.fspath(cert)!r} with key {os.fspath(key)!r}: {reason} "
            "(expected a PEM certificate chain and the PEM private key that goes with it)"
        ) from None
    return context
