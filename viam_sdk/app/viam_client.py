"""``ViamClient``: one authenticated connection to the Viam cloud, and its clients.

``ViamClient.create_from_dial_options`` opens a single gRPC channel, exchanges
the credentials for an access token (``AuthService/Authenticate``) and keeps
the ``authorization`` header.  Every client it hands out (``app_client``,
``data_client``, ``billing_client``, ``ml_training_client``,
``provisioning_client``) shares that channel and header; nothing
re-authenticates per call.  When the token expires, the next call that the
app refuses for it renews the header in place, once, with the same
credentials, and is repeated (see ``viam_sdk.rpc._policy``: the same place
applies typed errors from ``viam_sdk.errors``, retries of transient failures
and the ``timeout=`` every method takes).

Examples:
    ```python
    import asyncio
    from viam_sdk import ViamClient
    from viam_sdk.rpc.dial import DialOptions

    async def main() -> None:
        opts = DialOptions.with_api_key("<key>", "<key-id>")
        async with await ViamClient.create_from_dial_options(opts) as viam_client:
            for org in await viam_client.app_client.list_organizations():
                print(org.name)

    asyncio.run(main())
    ```

``VIAM_APP_URL`` in the environment is the ``app_url`` of every client made without
one (``create_from_dial_options`` and ``create_from_env_vars``): it points any script
at another endpoint without editing it (``viam-emulator exec -- CMD`` sets it, with
``VIAM_API_KEY`` and ``VIAM_API_KEY_ID``).  An ``app_url`` passed in code wins.

Point ``app_url`` at a local emulator with ``"http://127.0.0.1:PORT"``, or, for one
serving TLS (``serve --tls DIR``), ``"https://127.0.0.1:PORT"`` with
``DialOptions(ca_file="DIR/ca.pem")`` or ``SSL_CERT_FILE=DIR/ca.pem``.  TLS
certificates are always verified, against the system trust store unless
DialOptions names a CA (see ``viam_sdk.rpc._tls``).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import logging
import os
import re
import sys
import types
import warnings
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from typing_extensions import Self

from viam_sdk.rpc.dial import API_KEY, LOCATION_SECRET, ROBOT_SECRET, DialOptions, check_api_key_pair

# Importing this module loads no gRPC and no generated message module: grpclib,
# viam_api.rpc.v1 (authentication) and ssl load when a client connects, and each
# API client (viam_api.app.v1 and friends) when it is first handed out.
if TYPE_CHECKING:
    import ssl

    from grpclib.client import Channel

    from viam_sdk.app.app_client import AppClient
    from viam_sdk.app.billing_client import BillingClient
    from viam_sdk.app.data_client import DataClient
    from viam_sdk.app.ml_training_client import MLTrainingClient
    from viam_sdk.app.provisioning_client import ProvisioningClient

__all__ = ["LOGGER", "AppURL", "ViamClient", "parse_app_url"]

LOGGER = logging.getLogger(__name__)

DEFAULT_APP_HOST = "app.viam.com"
_ENV_API_KEY = "VIAM_API_KEY"
_ENV_API_KEY_ID = "VIAM_API_KEY_ID"
#: Where to dial when no ``app_url`` is passed: points any script at another endpoint (an emulator).
ENV_APP_URL = "VIAM_APP_URL"


def app_url_from_env(app_url: str | None) -> str | None:
    """``app_url`` when given, else ``VIAM_APP_URL`` when set and not empty, else None (app.viam.com).

    Raises:
        ValueError: ``VIAM_APP_URL`` is set to something ``parse_app_url`` does not accept
            (the message names the variable).
    """
    if app_url is not None:
        return app_url
    value = os.environ.get(ENV_APP_URL, "").strip()
    if not value:
        return None
    try:
        parse_app_url(value)
    except ValueError as exc:
        raise ValueError(f"the environment variable {ENV_APP_URL} is not a usable app URL: {exc}") from None
    return value


@dataclass(frozen=True)
class AppURL:
    """Where to dial: host, port and whether to use TLS."""

    host: str
    port: int
    tls: bool

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def parse_app_url(app_url: str | None, *, insecure: bool = False) -> AppURL:
    """Read an ``app_url`` as ``create_from_dial_options`` accepts it.

    * None: ``app.viam.com`` on 443 with TLS;
    * ``host`` or ``host:port``: TLS (port 443 by default) unless ``insecure``;
    * ``https://host[:port]``: TLS, port 443 by default;
    * ``http://host:port``: plain HTTP/2, for a local emulator (port 80 by default).

    Raises:
        ValueError: the URL has another scheme, no host, a path, or a bad port.
        TypeError: ``app_url`` is not a string.
    """
    if app_url is None:
        return AppURL(DEFAULT_APP_HOST, 443, tls=not insecure)
    if not isinstance(app_url, str):
        raise TypeError(
            f"app_url must be a string such as 'http://127.0.0.1:8080' (None: app.viam.com), "
            f"not {type(app_url).__name__}"
        )
    text = app_url.strip()
    shown = _shown_url(text)
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme not in ("http", "https"):
            raise ValueError(
                f"app_url {shown!r}: the scheme must be http:// (plain, for a local emulator: "
                f"http://127.0.0.1:8080) or https:// (TLS), not {scheme!r}"
            )
        tls = scheme == "https"
        default_port = 443 if scheme == "https" else 80
    else:
        tls = not insecure
        default_port = 443
    try:
        parts = urlsplit(text if "://" in text else "//" + text)
    except ValueError:  # an unclosed IPv6 bracket, say
        raise ValueError(
            f"app_url {shown!r} is not a URL: expected http://HOST:PORT or https://HOST[:PORT] "
            "(an IPv6 address in brackets: http://[::1]:8080)"
        ) from None
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            f"app_url {shown!r}: credentials do not belong in the URL; give them in DialOptions "
            "(DialOptions.with_api_key(api_key, api_key_id))"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            f"app_url {shown!r}: expected only a host and an optional port, like http://127.0.0.1:8080"
        )
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"app_url {shown!r}: the port is not a number from 1 to 65535") from None
    host = parts.hostname
    if not host:
        raise ValueError(
            f"app_url {shown!r}: no host name (expected http://HOST:PORT or https://HOST[:PORT])"
        )
    if ":" not in host and not _HOST_NAME.fullmatch(host):
        raise ValueError(
            f"app_url {shown!r}: {host!r} is not a host name (letters, digits, '-' and '.' only)"
        )
    if port == 0:
        raise ValueError(f"app_url {shown!r}: the port is not a number from 1 to 65535")
    return AppURL(host, port if port is not None else default_port, tls)


def _creation_site() -> tuple[str, int, str] | None:
    """File, line and module of the code that is creating a client: the first frame outside the SDK and asyncio.

    None when the creation runs where no such frame is on the stack (a blocking
    client's loop on a thread of its own).
    """
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(_INNER_MODULES):
            return frame.f_code.co_filename, frame.f_lineno, module
        frame = frame.f_back  # type: ignore[assignment]
    return None


# Modules whose frames lie between a client's creator and the client (the SDK, its event loops).
_INNER_MODULES = ("viam_sdk.", "viam_api.", "asyncio.", "threading", "concurrent.", "contextvars")


# Letters (any script), digits, '-', '_' and '.': what a DNS name or an IPv4 address is made of.
#: Clients not closed yet: released, with their warning, at interpreter exit if still open (``_release_open``).
_OPEN: weakref.WeakSet[ViamClient] = weakref.WeakSet()


def _release_open() -> None:
    """Release the clients still open at interpreter exit.

    Collection during shutdown comes in no fixed order (or not at all): an exit
    hook runs while the modules a release needs are all still there.
    """
    for client in list(_OPEN):
        with contextlib.suppress(Exception):  # an exit hook has nobody to raise to
            client._abandoned(final=True)


atexit.register(_release_open)

_HOST_NAME = re.compile(r"[\w.-]+")


def _shown_url(text: str) -> str:
    """``text`` fit to print in a message: user:password@ and any query masked, as they may hold secrets."""
    text = re.sub(r"(//)?[^/@?#]*@", lambda m: f"{m.group(1) or ''}***@", text, count=1)
    return re.sub(r"[?#].*", "?...", text)


def _refused(entity: str, kind: str, reason: str | None) -> str:
    """What to tell someone whose credentials the app refused (the entity is named, never the secret)."""
    why = f" ({reason})" if reason else ""
    if kind == API_KEY:
        return (
            f"the app refused API key id {entity!r} with the key given{why}: check that the API key is the "
            "one issued with this key id (they are shown together when the key is created) and that the key "
            "has not been deleted"
        )
    if kind == LOCATION_SECRET:
        return (
            f"the app refused the location secret for {entity!r}{why}: check the secret (the location's "
            "settings show it) and the machine address, <machine>.<location id>.viam.cloud"
        )
    return f"the app refused the {kind} credentials for {entity!r}{why}: check them"


def _tls_context(dial_options: DialOptions | None = None) -> ssl.SSLContext:
    """A client TLS context that verifies the server's certificate and host name.

    It trusts ``dial_options.ssl_context`` or ``ca_file`` when given, else the
    system trust store (``SSL_CERT_FILE``/``SSL_CERT_DIR`` honoured); see
    ``viam_sdk.rpc._tls``.
    """
    from viam_sdk.rpc._tls import client_context

    opts = dial_options or DialOptions()
    return client_context(opts.ca_file, opts.ssl_context).context


class ViamClient:
    """An authenticated connection to the Viam cloud app; hands out the API clients.

    Build one with ``await ViamClient.create_from_dial_options(...)`` or
    ``await ViamClient.create_from_env_vars()``; call ``close()`` when done, or
    use the client as a context manager.
    """

    _channel: Channel
    _metadata: Mapping[str, str]
    _location_id: str | None
    _url: AppURL
    _site: tuple[str, int, str] | None  # where the client was created (for the warning if never closed)

    def __init__(self) -> None:
        # Use the create_* class methods; this only prepares an empty shell.
        self._closed = False
        self._location_id = None
        self._app_client: AppClient | None = None
        self._data_client: DataClient | None = None
        self._billing_client: BillingClient | None = None
        self._ml_training_client: MLTrainingClient | None = None
        self._provisioning_client: ProvisioningClient | None = None

    @classmethod
    async def create_from_dial_options(cls, dial_options: DialOptions, app_url: str | None = None) -> Self:
        """Connect to the Viam app and authenticate.

        Args:
            dial_options: must carry ``credentials`` (an API key or a location
                secret) and ``auth_entity`` (the key ID, or a machine address
                ``<machine>.<location_id>.viam.cloud`` for a location secret); its retry and
                timeout settings apply to every call the clients make.
            app_url: where the app lives; None means ``VIAM_APP_URL`` from the environment
                when it is set, else ``app.viam.com`` (TLS).
                ``"http://127.0.0.1:8080"`` reaches a local emulator;
                ``"https://127.0.0.1:8443"`` one serving TLS, whose CA
                ``dial_options.ca_file`` (or ``SSL_CERT_FILE``) names.

        Returns:
            The connected client (the location of a location secret in ``location_id``).

        Raises:
            ValueError: credentials or auth entity missing, a machine-part
                secret (``robot-secret``, which only reaches a machine), an API
                key id that is not a UUID, a malformed ``app_url``, or a
                ``ca_file`` that is not a PEM file of CA certificates.
            TypeError: ``dial_options`` is not a DialOptions, or ``app_url`` not a string.
            Unauthenticated: the app refused the credentials (``viam_sdk.errors``; a
                ``GRPCError`` with status UNAUTHENTICATED).
            TLSVerificationError: the server's certificate could not be verified
                (raised at once; the message names the host and port and how to
                trust its CA: ``DialOptions(ca_file=...)``, ``SSL_CERT_FILE``).
            TLSError: the server does not speak TLS (use ``http://host:port`` for a
                plain local emulator), or refused the handshake; raised at once.
            Unavailable: the app could not be reached (after ``max_reconnect_attempts`` retries).

        Examples:
            ```python
            from viam_sdk import ViamClient
            from viam_sdk.rpc.dial import DialOptions

            viam_client = await ViamClient.create_from_dial_options(
                DialOptions.with_api_key("<key>", "<key-id>"))
            ```
        """
        if not hasattr(dial_options, "credentials") or not hasattr(dial_options, "auth_entity"):
            raise TypeError(
                "create_from_dial_options(dial_options, app_url=None): dial_options must be a DialOptions, "
                f"such as DialOptions.with_api_key(api_key, api_key_id), not {type(dial_options).__name__}"
            )
        credentials = dial_options.credentials
        if credentials is None:
            raise ValueError("dial_options.credentials is missing: an API key or location secret is required")
        if not dial_options.auth_entity:
            raise ValueError("dial_options.auth_entity is missing: the API key ID (or machine address) is required")
        if credentials.type == ROBOT_SECRET:
            raise ValueError(
                "credentials of type 'robot-secret' cannot connect to the Viam app; "
                "use an API key or a 'robot-location-secret'"
            )
        if credentials.type == API_KEY:
            check_api_key_pair(
                credentials.payload,
                dial_options.auth_entity,
                "DialOptions(auth_entity=<the key id>, "
                "credentials=Credentials(type='api-key', payload=<the key>))",
                names=("credentials.payload", "auth_entity"),
            )
        url = parse_app_url(app_url_from_env(app_url), insecure=dial_options.insecure)

        from viam_sdk.rpc._channel import Channel
        from viam_sdk.rpc._tls import client_context

        # Read before anything is dialled: a bad ca_file is reported as such.
        trust = client_context(dial_options.ca_file, dial_options.ssl_context) if url.tls else None

        from viam_sdk import _logging, errors
        from viam_sdk.app._locations import location_id_from_entity
        from viam_sdk.rpc import _tracing
        from viam_sdk.rpc._policy import RetrySettings
        from viam_sdk.rpc._session import AuthSession

        _logging.install()
        retry = RetrySettings(
            max_attempts=dial_options.max_reconnect_attempts,
            initial_backoff=dial_options.retry_backoff,
            max_backoff=dial_options.retry_max_backoff,
        )
        self = cls()
        self._site = _creation_site()
        _OPEN.add(self)
        self._url = url
        self._channel = Channel(url.host, url.port, ssl=trust.context if trust is not None else None)
        _tracing.instrument(self._channel)
        session = AuthSession(
            self._channel,
            dial_options.auth_entity,
            credentials,
            retry=retry,
            timeout=dial_options.timeout,
            address=url.address,
            trust=trust.description if trust is not None else None,
        )
        session.policy.on_retry = session._auth_policy.on_retry = dial_options.on_retry
        try:
            await session.authenticate()
        except errors.Unauthenticated as exc:
            self.close()
            text = _refused(dial_options.auth_entity, credentials.type, exc.message)
            raise errors.Unauthenticated(message=text, rpc=exc.rpc) from None
        except BaseException:
            self.close()
            raise
        # Shared by every client's stubs; the session renews the token in place.
        self._metadata = session
        if credentials.type == LOCATION_SECRET:
            self._location_id = location_id_from_entity(dial_options.auth_entity)
        LOGGER.info("connected to %s (%s) as %s", url.address, "TLS" if url.tls else "plain", credentials.type)
        return self

    @classmethod
    async def create_from_env_vars(
        cls, dial_options: DialOptions | None = None, app_url: str | None = None
    ) -> Self:
        """Connect with the API key in ``VIAM_API_KEY`` and its ID in ``VIAM_API_KEY_ID``.

        Args:
            dial_options: other options to keep (its credentials are replaced); None uses the defaults.
            app_url: as for ``create_from_dial_options``; None means ``VIAM_APP_URL`` when it is
                set (``viam-emulator exec`` sets it), else ``app.viam.com``.

        Returns:
            The connected client.

        Raises:
            ValueError: one of the variables is unset or empty, the key ID is not a UUID, or a
                malformed ``app_url`` (or ``VIAM_APP_URL``).
            Unauthenticated: the app refused the key.
            Unavailable: the app could not be reached.

        Examples:
            ```python
            from viam_sdk import ViamClient

            async with await ViamClient.create_from_env_vars() as viam_client:
                orgs = await viam_client.app_client.list_organizations()
            ```
        """
        api_key = os.environ.get(_ENV_API_KEY)
        api_key_id = os.environ.get(_ENV_API_KEY_ID)
        missing = [name for name, val in ((_ENV_API_KEY, api_key), (_ENV_API_KEY_ID, api_key_id)) if not val]
        if missing:
            raise ValueError(f"environment variable(s) not set: {', '.join(missing)}")
        assert api_key is not None and api_key_id is not None
        check_api_key_pair(
            api_key,
            api_key_id,
            f"{_ENV_API_KEY}=<the key> and {_ENV_API_KEY_ID}=<the key id>",
            names=(_ENV_API_KEY, _ENV_API_KEY_ID),
        )
        keyed = DialOptions.with_api_key(api_key, api_key_id)
        if dial_options is not None:
            # Every other option is kept as given; only who we are comes from the environment.
            keyed = dataclasses.replace(
                dial_options, auth_entity=keyed.auth_entity, credentials=keyed.credentials
            )
        return await cls.create_from_dial_options(keyed, app_url)

    def __repr__(self) -> str:
        where = getattr(self, "_url", None)
        state = "closed" if self._closed else "open"
        return f"<ViamClient {where.address if where else '?'} {state}>"

    @property
    def location_id(self) -> str | None:
        """The location read from a location-secret auth entity, if any."""
        return self._location_id

    @property
    def app_client(self) -> AppClient:
        """The fleet-management client (organizations, locations, machines, ...).

        Examples:
            ```python
            fleet = viam_client.app_client
            locations = await fleet.list_locations(org_id)
            ```
        """
        if self._app_client is None:
            from viam_sdk.app.app_client import AppClient

            self._app_client = AppClient(self._channel, self._metadata, self._location_id)
        return self._app_client

    @property
    def data_client(self) -> DataClient:
        """The data client (captured data, datasets, queries, uploads)."""
        if self._data_client is None:
            from viam_sdk.app.data_client import DataClient

            self._data_client = DataClient(self._channel, self._metadata)
        return self._data_client

    @property
    def billing_client(self) -> BillingClient:
        """The billing client (usage, invoices)."""
        if self._billing_client is None:
            from viam_sdk.app.billing_client import BillingClient

            self._billing_client = BillingClient(self._channel, self._metadata)
        return self._billing_client

    @property
    def ml_training_client(self) -> MLTrainingClient:
        """The ML training client (training jobs)."""
        if self._ml_training_client is None:
            from viam_sdk.app.ml_training_client import MLTrainingClient

            self._ml_training_client = MLTrainingClient(self._channel, self._metadata)
        return self._ml_training_client

    @property
    def provisioning_client(self) -> ProvisioningClient:
        """The provisioning client (a smart machine's setup agent)."""
        if self._provisioning_client is None:
            from viam_sdk.app.provisioning_client import ProvisioningClient

            self._provisioning_client = ProvisioningClient(self._channel, self._metadata)
        return self._provisioning_client

    async def connect_to_machine(self, *, address: str | None = None, id: str | None = None) -> None:
        """Not available here: connecting to a machine needs Viam's machine SDK.

        Viam's SDK 0.85.1 has this method open a ``RobotClient`` to one
        machine (by its address, or by machine ID through its main part).
        Talking to a machine (its components and services, over WebRTC) is
        outside the scope of this SDK, which covers the cloud app API only;
        use the official ``viam-sdk`` package for that.  The method is here
        so that code written for 0.85.1 fails with a clear message.

        Args:
            address: the machine's address, e.g. ``"my-rover-main.abc123.viam.cloud"``.
            id: the machine's ID (used when no address is given).

        Raises:
            ValueError: neither ``address`` nor ``id`` was given.
            NotImplementedError: always, otherwise.

        Examples:
            ```python
            try:
                await viam_client.connect_to_machine(address="rover-main.abc123.viam.cloud")
            except NotImplementedError:
                print("use viam-sdk's RobotClient for machine connections")
            ```
        """
        if address is None and id is None:
            raise ValueError("connect_to_machine needs a machine address= or id= (both were None)")
        target = f"address {address!r}" if address is not None else f"id {id!r}"
        raise NotImplementedError(
            f"connect_to_machine({target}): machine connections need Viam's machine SDK "
            "(the viam-sdk package, viam.robot.client.RobotClient) and are outside the scope of "
            "viam_sdk, which covers the cloud app API only"
        )

    def close(self) -> None:
        """Close the channel every client shares; calling it again does nothing.

        Calls still in flight on any of the clients fail once the channel is closed.
        Leaving an ``async with`` block calls it.  It takes no arguments and never
        raises, so there is no argument or exception section.

        Examples:
            ```python
            from viam_sdk import ViamClient

            viam_client = await ViamClient.create_from_env_vars()
            orgs = await viam_client.app_client.list_organizations()
            viam_client.close()
            ```
        """
        if self._closed:
            return
        self._closed = True
        channel = getattr(self, "_channel", None)
        if channel is not None:
            channel.close()
            LOGGER.debug("closed the connection to %s", self._url.address)

    def _blocking_finaliser(self) -> Callable[[], None]:
        """What the blocking ``ViamClient`` runs when its loop is dropped unclosed (and its wording from now on)."""
        self._blocking = True
        return self._abandoned

    def _abandoned(self, final: bool = False) -> None:
        """Release the connection of a client nobody closed, saying so in one ``ResourceWarning``.

        Called when the client is garbage-collected open (``__del__``), for the
        blocking client when its private loop is (``_blocking_finaliser``), and at
        interpreter exit (``final``) for a client still open then: as for a file left
        open, the warning names the class, where it was created and what to do.
        """
        if self.__dict__.get("_closed", True):
            return
        self._closed = True
        channel = self.__dict__.get("_channel")
        if channel is None:
            return
        if self.__dict__.get("_blocking"):
            name, block = "viam_sdk.sync.ViamClient", "a `with`"
        else:
            name, block = "viam_sdk.ViamClient", "an `async with`"
        message = f"{name} for {self._url.address} was never closed: call its close() or use it in {block} block"
        with contextlib.suppress(Exception):  # late in interpreter exit, warnings may be gone
            site = self.__dict__.get("_site")
            if site is None:
                warnings.warn(message, ResourceWarning, stacklevel=2)
            else:
                warnings.warn_explicit(message, ResourceWarning, site[0], site[1], module=site[2])
        channel.release(final)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # a finaliser has nobody to raise to
            self._abandoned()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self.close()
