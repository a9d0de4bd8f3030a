"""TLS for the SDK's connections: which certificates are trusted, and what a failed handshake means.

**Trust.**  Certificates are always verified, host name included.  What they
are verified against, first match wins:

1. ``DialOptions(ssl_context=...)``: that context, as it is (the SDK only
   offers HTTP/2 on it by ALPN, which gRPC needs);
2. ``DialOptions(ca_file=...)``: the CA certificates in that PEM file, and only those;
3. the system trust store, as OpenSSL finds it: ``SSL_CERT_FILE`` and
   ``SSL_CERT_DIR`` when set, the platform's CA bundle and folder otherwise
   (the Windows certificate stores on Windows).  This is also what Viam's SDK
   0.85.1 uses (``ssl.create_default_context()``), so corporate CAs and
   TLS-inspecting proxies trusted by the machine are trusted here too.

Only when the system store holds nothing at all (no CA certificate loaded and
no file in the CA folder, as on a python.org build for macOS before its
"Install Certificates" step, or a slim container without ``ca-certificates``)
is ``certifi``'s bundle used instead, if it is installed: it can never hide or
override a CA the machine trusts, and it keeps such machines able to reach the
Viam cloud.

**Failures.**  A handshake that fails for a reason another attempt would not
change is not retried: ``tls_failure`` turns it into
``viam_sdk.errors.TLSVerificationError`` (the certificate could not be
verified) or ``viam_sdk.errors.TLSError`` (the server does not speak
TLS, or refused the handshake), with the address, the reason and the fix in
the message.  A connection that merely ended during the handshake stays a
transient failure, retried like any lost connection.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from viam_sdk import errors

__all__ = ["Trust", "client_context", "is_permanent_tls_failure", "tls_failure"]


@dataclass(frozen=True)
class Trust:
    """A client TLS context and, for messages, what it trusts (``"the system trust store"``, ...)."""

    context: ssl.SSLContext
    description: str
    #: The trust came from DialOptions (``ca_file`` or ``ssl_context``), not from the system.
    configured: bool = False


def _store_is_empty(context: ssl.SSLContext) -> bool:
    if context.cert_store_stats().get("x509_ca", 0):
        return False
    folder = ssl.get_default_verify_paths().capath
    if folder and os.path.isdir(folder):
        try:
            with os.scandir(folder) as entries:
                return not any(entry.is_file() for entry in entries)
        except OSError:
            return True
    return True


def _system_trust() -> Trust:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    shown = [f"{name}={os.environ[name]!r}" for name in ("SSL_CERT_FILE", "SSL_CERT_DIR") if os.environ.get(name)]
    description = "this machine's trust store" + (f" ({', '.join(shown)})" if shown else "")
    if _store_is_empty(context):
        try:
            import certifi
        except ImportError:
            description += ", which is empty"
        else:
            context.load_verify_locations(cafile=certifi.where())
            description = "certifi's CA bundle (this machine's trust store is empty)"
    return Trust(context, description)


def client_context(ca_file: str | os.PathLike[str] | None = None, ssl_context: ssl.SSLContext | None = None) -> Trust:
    """The client TLS context for DialOptions' ``ca_file`` and ``ssl_context`` (see the module docstring).

    Raises:
        ValueError: ``ca_file`` is not a readable PEM file of CA certificates (the message names it).
    """
    if ssl_context is not None:
        ssl_context.set_alpn_protocols(["h2"])
        return Trust(ssl_context, "the ssl_context given in DialOptions", configured=True)
    if ca_file is not None:
        path = os.fspath(ca_file)
        if not Path(path).is_file():
            raise ValueError(
                f"DialOptions ca_file={path!r}: no such file; give the path of a PEM file "
                "holding the CA certificate(s) to trust"
            )
        try:
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=path)
        except (ssl.SSLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc.strerror or str(exc)
            raise ValueError(
                f"DialOptions ca_file={path!r}: cannot read CA certificates from it ({reason}); "
                "expected a PEM file with one or more '-----BEGIN CERTIFICATE-----' blocks"
            ) from None
        trust = Trust(context, f"only the CA certificates in ca_file={path!r}", configured=True)
    else:
        trust = _system_trust()
    trust.context.minimum_version = ssl.TLSVersion.TLSv1_2
    trust.context.set_alpn_protocols(["h2"])
    return trust


# -- failed handshakes --------------------------------------------------------------

# Reasons OpenSSL gives when what came back was not TLS at all (a plain HTTP or HTTP/2 server).
_NOT_TLS = frozenset(
    {
        "WRONG_VERSION_NUMBER",
        "HTTP_REQUEST",
        "HTTPS_PROXY_REQUEST",
        "PACKET_LENGTH_TOO_LONG",
        "RECORD_LAYER_FAILURE",
        "UNKNOWN_PROTOCOL",
        "RECORD_TOO_LARGE",
        "WRONG_SSL_VERSION",
    }
)
# Ends of a connection during the handshake: the server may be restarting; retried as lost connections.
_TRANSIENT = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError, ssl.SSLWantReadError, ssl.SSLWantWriteError)

# OpenSSL's verification codes (X509_V_ERR_*) that have a fix to suggest.
_UNTRUSTED = {2, 18, 19, 20, 21}
_SELF_SIGNED = {18: "a self-signed certificate", 19: "a chain ending in a self-signed CA certificate not trusted here"}
_EXPIRED = {9: "is not valid yet", 10: "has expired"}
_MISMATCH = {62, 64}


def _ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def is_permanent_tls_failure(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) is a TLS failure that another attempt would meet again."""
    cause = _ssl_cause(exc)
    if cause is None:
        return False
    if isinstance(cause, ssl.SSLCertVerificationError) or cause.reason in _NOT_TLS:
        return True
    return not isinstance(cause, _TRANSIENT)


def _trust_fix() -> str:
    return (
        "If the server's certificate comes from a private CA (a local emulator started with --tls, "
        "a company CA, a TLS-inspecting proxy), trust that CA: DialOptions(ca_file='path/to/ca.pem') "
        "or DialOptions(ssl_context=...), or set SSL_CERT_FILE=path/to/ca.pem "
        "(SSL_CERT_DIR for a folder of them); for the emulator, ca.pem is in the folder given to --tls."
    )


def tls_failure(exc: BaseException, *, address: str | None, trust: str | None, rpc: str | None) -> errors.TLSError:
    """The SDK's error for a failed TLS handshake with ``address``; ``exc`` must satisfy
    ``is_permanent_tls_failure``."""
    cause = _ssl_cause(exc)
    assert cause is not None
    where = address or "the server"
    host = address.rsplit(":", 1)[0] if address else "the host"
    against = f"; it was checked against {trust}" if trust else ""
    if isinstance(cause, ssl.SSLCertVerificationError):
        code = cause.verify_code
        detail = (cause.verify_message or cause.reason or str(cause)).rstrip(".")
        if code in _MISMATCH:
            return errors.TLSVerificationError(
                message=f"cannot verify the TLS certificate of {where}: it is not valid for the name {host!r} "
                f"(hostname mismatch: {detail}). Dial the server by a name its certificate lists, "
                f"or have its certificate issued for {host!r}.",
                rpc=rpc,
                address=address,
                reason="hostname mismatch",
            )
        if code in _EXPIRED:
            return errors.TLSVerificationError(
                message=f"cannot verify the TLS certificate of {where}: the certificate {_EXPIRED[code]} "
                f"({detail}). Renew the server's certificate, or check this machine's clock.",
                rpc=rpc,
                address=address,
                reason=f"certificate {_EXPIRED[code]}",
            )
        if code in _UNTRUSTED:
            reason = "self-signed certificate" if code in _SELF_SIGNED else "unknown CA"
            what = _SELF_SIGNED.get(code, "a certificate whose CA is not trusted here")
        else:
            reason, what = detail, "a certificate that fails verification"
        return errors.TLSVerificationError(
            message=f"cannot verify the TLS certificate of {where} ({reason}: {detail}): the server presented "
            f"{what}{against}. {_trust_fix()}",
            rpc=rpc,
            address=address,
            reason=reason,
        )
    reason = cause.reason or type(cause).__name__
    if reason in _NOT_TLS:
        return errors.TLSError(
            message=f"{where} does not speak TLS: its answer to the TLS handshake was not TLS ({reason}). "
            "An app_url without a scheme, or with https://, means TLS; if this is a local emulator "
            f"or another server without TLS, use app_url='http://{where}'.",
            rpc=rpc,
            address=address,
            reason="not TLS",
        )
    return errors.TLSError(
        message=f"the TLS handshake with {where} failed ({reason}): check that it is a TLS server for "
        "gRPC (HTTP/2), and that it accepts TLS 1.2 or newer.",
        rpc=rpc,
        address=address,
        reason=reason,
    )
