"""Connection settings: who you are (``Credentials``) and how to dial (``DialOptions``).

These objects carry secrets, so neither ever shows a payload in its ``repr``:
printing or logging a ``DialOptions`` is safe.

Examples:
    ```python
    from viam_sdk.rpc.dial import DialOptions

    opts = DialOptions.with_api_key(api_key="...", api_key_id="0b9b2a7e-...")
    print(opts)  # the key itself is masked
    ```
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from typing_extensions import Self

if TYPE_CHECKING:
    import ssl

    from viam_sdk.rpc._policy import RetryHook

__all__ = ["Credentials", "DialOptions", "check_api_key_pair"]

# Credential types the Viam auth service understands.
API_KEY = "api-key"
LOCATION_SECRET = "robot-location-secret"
ROBOT_SECRET = "robot-secret"


@dataclass
class Credentials:
    """A credential handed to the auth service.

    ``type`` names the kind of secret ("api-key", "robot-location-secret",
    "robot-secret"); ``payload`` is the secret itself and is masked in ``repr``.
    """

    type: str
    payload: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(type={self.type!r}, payload='***')"

    __str__ = __repr__


@dataclass(kw_only=True)
class DialOptions:
    """How to reach and authenticate with the Viam cloud.

    Only ``credentials``, ``auth_entity``, ``insecure`` and ``timeout`` matter
    for the cloud app API; the other fields are kept for compatibility with
    scripts written for the official SDK.  They describe connections to a
    *machine* (over WebRTC, through Viam's signaling and TURN servers), which
    this SDK does not make: they are stored and handed on, never acted upon.

    Args:
        disable_webrtc: skip WebRTC and dial directly (robot connections only).
        auth_entity: the entity the credentials belong to: an API key ID, a
            machine address such as ``main.abc123.viam.cloud`` for a location
            secret, or a part ID.
        credentials: the secret to authenticate with.
        insecure: dial without TLS (for a local emulator); TLS otherwise.
        allow_insecure_downgrade: accepted for compatibility; unused here.
        allow_insecure_with_creds_downgrade: accepted for compatibility; unused here.
        max_reconnect_attempts: how many times a call that failed on a transient
            error (UNAVAILABLE, RESOURCE_EXHAUSTED, a refused or lost connection)
            is retried, when it is safe to repeat (see ``viam_sdk.rpc._policy``);
            0 disables retries.
        timeout: seconds allowed for connecting and authenticating (each
            authentication, token renewals included).  SDK calls themselves
            have no deadline unless they are given ``timeout=`` (seconds).
        initial_connection_attempts: machine connections only: how many
            times to try the first connection (zero or less: no limit).
        initial_connection_attempt_timeout: machine connections only: seconds
            allowed for each of those first attempts; None (or 0) takes the
            value of ``timeout``, as Viam's SDK 0.85.1 does.
        force_relay: machine connections only: use relayed (TURN) routes only.
            Cannot work together with ``force_p2p``.
        force_p2p: machine connections only: never relay, connect peer to peer.
        turn_uri: machine connections only: use just this one TURN server,
            e.g. ``"turn:turn.example.com:443"``; None uses all that are offered.
        retry_backoff: seconds; the first retry waits a random time up to this
            long, each further one up to twice as long as the one before ...
        retry_max_backoff: ... but never more than this many seconds.
        on_retry: called before every retry's wait as ``on_retry(rpc, attempt,
            error, wait)``: the RPC's route (``/viam.app.v1.AppService/GetOrganization``),
            the number of the attempt that failed (1 for the first), the error it
            would raise (a ``viam_sdk.errors`` exception) and the wait in seconds;
            for logs and metrics.  May be a coroutine function; what it raises is
            logged and the retry goes on.  Not in Viam's SDK 0.85.1.  A single call
            can retry otherwise with ``retry=`` (``viam_sdk.rpc.RetrySettings``, or
            None for one attempt).
        ca_file: path of a PEM file of CA certificates to verify the app's TLS
            certificate against, instead of the system trust store: a company
            CA, a TLS-inspecting proxy's CA, or a local emulator's ``ca.pem``
            (``serve --tls DIR``).  Not in Viam's SDK 0.85.1 (it has no such setting).
        ssl_context: an ``ssl.SSLContext`` to make TLS connections with, used as it
            is (the SDK only asks it to offer HTTP/2 by ALPN, which gRPC needs):
            for client certificates, pinned CAs or other settings of your own.
            Not in Viam's SDK 0.85.1.  Give ``ca_file`` or ``ssl_context``, not both.

    Without ``ca_file`` and ``ssl_context``, certificates are checked against the
    system trust store, with ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` honoured, as
    Viam's SDK does.  Either way verification is always on, and a certificate that
    fails it is reported at once (``viam_sdk.errors.TLSVerificationError``, naming
    the host and port), never retried.  Neither setting matters for an
    ``http://`` app_url, which dials without TLS.

    Raises:
        ValueError: both ``ca_file`` and ``ssl_context`` were given.
        TypeError: ``ssl_context`` is not an ``ssl.SSLContext``, or ``ca_file`` not a path.

    Example:
        Trust a private CA, e.g. the one an emulator made with ``serve --tls ./tls``:

        ```python
        import ssl

        from viam_sdk.rpc.dial import Credentials, DialOptions

        creds = Credentials(type="api-key", payload="<key>")
        opts = DialOptions(auth_entity="<key-id>", credentials=creds, ca_file="./tls/ca.pem")
        # or a context of your own:
        context = ssl.create_default_context(cafile="./tls/ca.pem")
        opts = DialOptions(auth_entity="<key-id>", credentials=creds, ssl_context=context)
        ```
    """

    disable_webrtc: bool = False
    auth_entity: str | None = None
    credentials: Credentials | None = None
    insecure: bool = False
    allow_insecure_downgrade: bool = False
    allow_insecure_with_creds_downgrade: bool = False
    max_reconnect_attempts: int = 3
    timeout: float = 20
    retry_backoff: float = 0.1
    retry_max_backoff: float = 5.0
    # Ours (0.85.1 has no retry hook): told of every retry (viam_sdk.rpc._policy).
    on_retry: RetryHook | None = None
    # Ours (0.85.1 has no CA setting): what TLS certificates are checked against.
    ca_file: str | os.PathLike[str] | None = None
    ssl_context: ssl.SSLContext | None = None
    initial_connection_attempts: int = 3
    initial_connection_attempt_timeout: float | None = None
    force_relay: bool = False
    force_p2p: bool = False
    turn_uri: str | None = None

    def __post_init__(self) -> None:
        if self.on_retry is not None and not callable(self.on_retry):
            raise TypeError(
                f"on_retry={self.on_retry!r}: expected a function called as on_retry(rpc, attempt, error, wait)"
            )
        if self.ssl_context is not None:
            import ssl  # here: only a given context needs the module

            if not isinstance(self.ssl_context, ssl.SSLContext):
                raise TypeError(
                    f"ssl_context must be an ssl.SSLContext, not {type(self.ssl_context).__name__}; "
                    "for a CA file give ca_file='path/to/ca.pem'"
                )
            if self.ca_file is not None:
                raise ValueError(
                    f"give ca_file ({os.fspath(self.ca_file)!r}) or ssl_context, not both: "
                    "load the CA file into your context with context.load_verify_locations(...)"
                )
        if self.ca_file is not None and not isinstance(self.ca_file, (str, os.PathLike)):
            raise TypeError(f"ca_file must be a path (str or os.PathLike), not {type(self.ca_file).__name__}")
        # The per-attempt limit falls back to the overall one (0 counts as unset, as upstream).
        if not self.initial_connection_attempt_timeout:
            self.initial_connection_attempt_timeout = self.timeout

    @classmethod
    def with_api_key(cls, api_key: str, api_key_id: str) -> Self:
        """Options that authenticate with an organization (or location, or machine) API key.

        Args:
            api_key: the secret key.
            api_key_id: the key's ID, a UUID.

        Raises:
            ValueError: ``api_key_id`` is not a UUID (the message never shows
                what was passed: it may be the secret key, given in the wrong place).

        Examples:
            ```python
            opts = DialOptions.with_api_key("my-secret-key", "8d9f1c2e-6a07-4a56-9c2b-0f1e2d3c4b5a")
            ```
        """
        check_api_key_pair(api_key, api_key_id, "with_api_key(api_key=..., api_key_id=...)")
        return cls(auth_entity=api_key_id, credentials=Credentials(type=API_KEY, payload=api_key))


def _is_uuid(text: object) -> bool:
    import uuid  # here, not at the top: only this check needs it

    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


def check_api_key_pair(
    api_key: str, api_key_id: str, usage: str, names: tuple[str, str] = ("api_key", "api_key_id")
) -> None:
    """Refuse an API key id that is not a UUID, without ever printing it.

    A key id that is not a UUID is most often the secret key itself, passed
    where the id goes; so the message names the parameter and its length, not
    its value, and says when the two look swapped.

    Args:
        api_key: the secret key as given.
        api_key_id: the key's id as given.
        usage: how to pass the two right, quoted in the message.
        names: what the user calls the key and the id (parameters or environment variables).

    Raises:
        ValueError: ``api_key_id`` is not a UUID, or ``api_key`` is empty.
    """
    key_name, id_name = names
    if _is_uuid(api_key_id):
        if not api_key:
            raise ValueError(f"{key_name} is empty: give the secret API key ({usage})")
        return
    if _is_uuid(api_key):
        raise ValueError(
            f"{key_name} and {id_name} look swapped: {id_name} must be the key's id (a UUID) and "
            f"{key_name} the secret key; pass them as {usage}"
        )
    size = len(str(api_key_id))
    raise ValueError(
        f"{id_name} is not a valid UUID (a {size}-character value, not shown in case it is the secret key): "
        f"{id_name} must be the key's id, a UUID such as 8d9f1c2e-6a07-4a56-9c2b-0f1e2d3c4b5a, "
        f"and {key_name} the secret key ({usage})"
    )
