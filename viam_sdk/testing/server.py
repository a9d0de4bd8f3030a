"""The emulator: a grpclib server running every service module over one Store.

>>> async def demo() -> None:
...     async with Emulator() as emu:
...         print(emu.address)   # "127.0.0.1:<port>"

``Emulator.in_thread()`` runs the same server on a private thread and event
loop, for code that blocks the calling thread (the sync SDK).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import shutil
import sqlite3
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, cast

from viam_api._runtime import ServiceBase

from . import snapshot
from .backends import create_core_tables
from .backends.credentials import API_KEY, CredentialsBackend, ensure_bootstrap, provision_organization
from .codec import FieldNamingCodec
from .context import Bootstrap, EmulatorContext, iso
from .dashboard import Dashboard, is_loopback
from .errors import quiet_deadline_logs
from .faults import FaultRule, Faults, load_rules
from .http import FRONT_KEY, HttpFront
from .logs import LogHub
from .routes import route_table
from .store import DEFAULT_BUSY_TIMEOUT, Store, open_failure
from .transport import ConnectionGuard, Limits, Server

__all__ = ["DEFAULT_TOKEN_TTL", "SERVICE_MODULES", "Emulator", "ensure_bootstrap", "provision_organization"]

#: Seconds an access token stays valid unless told otherwise (a cloud access token lives an hour).
DEFAULT_TOKEN_TTL = 3600.0

# Modules whose services every emulator serves (each: SCHEMA + create_services(ctx)).
SERVICE_MODULES: tuple[str, ...] = (
    "viam_sdk.testing.services.auth",
    "viam_sdk.testing.services.app",
    "viam_sdk.testing.services.robot",
    "viam_sdk.testing.services.billing",
    "viam_sdk.testing.services.mltraining",
    "viam_sdk.testing.services.provisioning",
    "viam_sdk.testing.services.data",
    "viam_sdk.testing.services.datasync",
    "viam_sdk.testing.services.dataset",
    "viam_sdk.testing.services.datapipelines",
)


class _ServiceModule(Protocol):
    SCHEMA: str

    def create_services(self, ctx: EmulatorContext) -> list[ServiceBase]: ...


class Emulator:
    """A local Viam cloud: ``async with Emulator() as emu: ...``.

    Args:
        db: SQLite file name, or ``":memory:"`` (the default) for a throw-away fleet.
        host: address to listen on.
        port: TCP port; 0 picks a free one (read it back from ``emu.port``).
        service_modules: modules to load instead of ``SERVICE_MODULES``.
        clock: replaces the wall clock (tests that need fixed timestamps).
        busy_timeout: seconds a write waits for a database lock another process
            holds before the call answers UNAVAILABLE.
        token_ttl: seconds an access token stays valid (default an hour, as a
            cloud access token); None: until its key or secret is deleted.
            An expired token is refused with UNAUTHENTICATED, "the access
            token has expired", as the real service refuses one.
        tls: serve TLS with a private CA and a server certificate kept in
            this folder (made on first use, reused after; see
            ``viam_sdk.testing.tls``); ``True``: in a temporary folder
            removed at ``stop()``.  Clients trust ``emu.ca_cert``; ``emu.app_url``
            starts with ``https://``.  None (the default): plain HTTP/2.
        cert: serve TLS with this PEM certificate chain instead (with ``key``).
        key: the PEM private key of ``cert``.
        faults: fault rules to start with (``viam_sdk.testing.faults``): a JSON file's
            path, or a list of rule dicts; change them at run time through ``emu.faults``.
        limits: what the emulator accepts from callers (message size, connections,
            idle timeout, tail backlog); see :class:`~viam_sdk.testing.transport.Limits`.

    Raises:
        ValueError: ``tls`` together with ``cert``/``key``, or only one of ``cert`` and ``key``.
        FaultRuleError: a fault rule (or its file) that does not validate; a ValueError.
    """

    def __init__(
        self,
        db: str = ":memory:",
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        service_modules: Sequence[str] | None = None,
        clock: Callable[[], datetime] | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        token_ttl: float | None = DEFAULT_TOKEN_TTL,
        tls: str | os.PathLike[str] | bool | None = None,
        cert: str | os.PathLike[str] | None = None,
        key: str | os.PathLike[str] | None = None,
        faults: str | os.PathLike[str] | Iterable[Mapping[str, Any] | FaultRule] | None = None,
        limits: Limits | None = None,
    ) -> None:
        if isinstance(faults, (str, os.PathLike)):
            faults = load_rules(faults)
        self._faults = Faults(faults or ())
        if (cert is None) != (key is None):
            raise ValueError("cert and key go together: give both files, or neither")
        if cert is not None and tls not in (None, False):
            raise ValueError("give either tls= (a folder for a made CA) or cert= and key=, not both")
        self._tls_request = tls if tls not in (None, False) else None
        self._tls_files: tuple[str, str] | None = (os.fspath(cert), os.fspath(key)) if cert and key else None
        self._tls_tempdir: str | None = None
        #: The CA certificate (PEM file) clients should trust; None without TLS or with ``cert``/``key``.
        self.ca_cert: str | None = None
        if token_ttl is not None and (isinstance(token_ttl, bool) or not token_ttl > 0):
            raise ValueError(f"token_ttl={token_ttl!r}: expected a positive number of seconds, or None")
        self.token_ttl = token_ttl
        self.db_path = db
        self.host = host
        self.port = port
        self.service_modules = tuple(SERVICE_MODULES if service_modules is None else service_modules)
        self._clock = clock
        self.busy_timeout = busy_timeout
        self.limits = limits if limits is not None else Limits()
        self._server: Server | None = None
        self._context: EmulatorContext | None = None
        self._bootstrap: Bootstrap | None = None
        self._dashboard: Dashboard | None = None
        self._bootstrap_image: snapshot.BootstrapImage | None = None

    # -- life cycle ------------------------------------------------------------

    async def start(self) -> None:
        """Open the database, create the bootstrap org if needed and start listening.

        Raises:
            OSError: the database file cannot be opened (the message names the path, why and
                what to do), or the port cannot be listened on.
        """
        if self._server is not None:
            raise RuntimeError("this emulator is already running")
        server_ssl = self._server_ssl()
        quiet_deadline_logs()
        try:
            store = Store(self.db_path, busy_timeout=self.busy_timeout)
        except sqlite3.Error as exc:
            raise open_failure(self.db_path, exc) from None
        try:
            modules = [cast(_ServiceModule, importlib.import_module(name)) for name in self.service_modules]
            create_core_tables(store)
            for module in modules:
                store.execute_schema(module.SCHEMA)
            ctx = EmulatorContext(store=store, bootstrap=Bootstrap("", "", ""))
            if self._clock is not None:
                ctx.clock = self._clock
            ctx.token_ttl = self.token_ttl
            # One limit on connections over every port; the HTTP front (signed URLs) serves the
            # emulator's host, with its TLS when it has TLS.
            guard = ConnectionGuard(self.limits)
            ctx.logs = LogHub(self.limits.tail_max_entries, self.limits.tail_max_bytes)
            ctx.extras[FRONT_KEY] = HttpFront(self.host, guard, server_ssl)
            self._adopt_bootstrap(ctx)
            services: list[ServiceBase] = []
            for module in modules:
                services.extend(module.create_services(ctx))
            table = route_table(ctx, services, self._faults)
            server = Server([], codec=FieldNamingCodec(), limits=self.limits, guard=guard)
            # grpclib copies the handlers' mappings into a plain dict; ours also
            # answers paths it does not hold (after the token check).
            server._mapping = table
            await server.start(self.host, self.port, ssl=server_ssl)
            self._dashboard = None
            if is_loopback(self.host):  # the dashboard has no sign-in: local addresses only
                front = ctx.extras[FRONT_KEY]
                self._dashboard = Dashboard(ctx, front, self._faults, reset=self.reset, export=self.export_snapshot)
                await front.start()
        except BaseException:
            store.close()
            self._remove_tls_tempdir()
            raise
        sockets = getattr(server._server, "sockets", None) or ()
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        self._server = server
        self._context = ctx

    def _adopt_bootstrap(self, ctx: EmulatorContext) -> None:
        """Find (or make) the bootstrap organization and key, and keep its rows for :meth:`reset`."""
        boot = ensure_bootstrap(ctx.store, new_id=ctx.new_id, now_iso=ctx.now_iso())
        if not boot.api_key and self._bootstrap is not None and self._bootstrap.api_key_id == boot.api_key_id:
            boot = self._bootstrap  # stored hashed: this instance still holds the key it was shown
        ctx.bootstrap = self._bootstrap = boot
        self._bootstrap_image = snapshot.bootstrap_image(ctx.store, boot.org_id, boot.api_key_id)

    async def stop(self) -> None:
        """Stop listening, end running calls and close the database."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        try:
            # Open client connections can keep wait_closed() waiting on newer Pythons.
            await asyncio.wait_for(server.wait_closed(), timeout=5)
        except asyncio.TimeoutError:
            pass
        if self._context is not None:
            # Side servers a service module started (e.g. DataService's signed-URL HTTP server).
            for close in self._context.extras.pop("on_stop", []):
                await close()
            front = self._context.extras.pop(FRONT_KEY, None)
            if isinstance(front, HttpFront):
                await front.close()
            server.guard.close()
            self._context.store.close()
        self._remove_tls_tempdir()

    def _server_ssl(self) -> ssl.SSLContext | None:
        """The server's TLS context, the certificates made first when asked; None for plain HTTP/2."""
        if self._tls_request is None and self._tls_files is None:
            return None
        from . import tls

        if self._tls_files is not None:
            return tls.server_context(*self._tls_files)
        if self._tls_request is True:
            self._tls_tempdir = tempfile.mkdtemp(prefix="viam-emulator-tls-")
            folder: str | os.PathLike[str] = self._tls_tempdir
        else:
            folder = cast("str | os.PathLike[str]", self._tls_request)
        made = tls.ensure_certificates(folder, host=self.host)
        self.ca_cert = str(made.ca) if made.ca is not None else None
        return tls.server_context(made.cert, made.key)

    def _remove_tls_tempdir(self) -> None:
        if self._tls_tempdir is not None:
            shutil.rmtree(self._tls_tempdir, ignore_errors=True)
            self._tls_tempdir = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @classmethod
    @contextmanager
    def in_thread(
        cls, db: str = ":memory:", host: str = "127.0.0.1", port: int = 0, **kwargs: Any
    ) -> Iterator[Emulator]:
        """Run an emulator on its own thread and event loop for the span of a ``with`` block."""
        emu = cls(db, host, port, **kwargs)
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(emu.start())
            except BaseException as exc:  # handed to the caller's thread
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()

        thread = threading.Thread(target=run, name="viam-emulator", daemon=True)
        thread.start()
        started.wait()
        if failure:
            thread.join()
            loop.close()
            raise failure[0]
        try:
            yield emu
        finally:
            asyncio.run_coroutine_threadsafe(emu.stop(), loop).result()
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()

    # -- what tests and tools read -------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def context(self) -> EmulatorContext:
        if self._context is None:
            raise RuntimeError("the emulator is not running")
        return self._context

    @property
    def faults(self) -> Faults:
        """The fault rules in force (``viam_sdk.testing.faults``): ``set``, ``add``, ``clear``, ``list``.

        Assigning a list of rules replaces them: ``emu.faults = [{"route": "*/ListLocations",
        "status": "UNAVAILABLE", "count": 2}]``.  They apply from the next call on, from any thread.
        """
        return self._faults

    @faults.setter
    def faults(self, rules: Iterable[Mapping[str, Any] | FaultRule]) -> None:
        if rules is not self._faults:
            self._faults.set(rules)

    @property
    def store(self) -> Store:
        return self.context.store

    @property
    def bootstrap(self) -> Bootstrap:
        """The bootstrap organization and owner key; ``api_key`` is "" when another run made the database."""
        return self.context.bootstrap

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def tls(self) -> bool:
        """True when the emulator serves TLS (``tls=`` or ``cert=``/``key=``)."""
        return self._tls_request is not None or self._tls_files is not None

    @property
    def app_url(self) -> str:
        """What to pass as ``app_url``: ``https://host:port`` with TLS, ``http://host:port`` without."""
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def dashboard_url(self) -> str | None:
        """The URL of the emulator's dashboard in a browser; None when it listens on a non-loopback address.

        The dashboard has no sign-in: it is for local use (``viam_sdk.testing.dashboard``).
        """
        return self._dashboard.url if self._dashboard is not None and self.running else None

    def auth_metadata(self, api_key_id: str | None = None) -> dict[str, str]:
        """Call metadata with a fresh bearer token for an API key (default: the bootstrap key).

        A shortcut for tests that talk to the generated stubs; the SDK gets its
        token from AuthService/Authenticate instead.
        """
        ctx = self.context
        key_id = api_key_id or ctx.bootstrap.api_key_id
        token = CredentialsBackend(ctx.store).issue_token(
            API_KEY, key_id, credential_id=key_id, created_at=ctx.now_iso(), ttl=ctx.token_ttl
        )
        return {"authorization": f"Bearer {token}"}

    def expire_tokens(self) -> int:
        """Make every access token issued so far under ``token_ttl`` expire now.

        Later calls with those tokens are refused with UNAUTHENTICATED "the access
        token has expired", as after a real lifetime; clients that renew get fresh
        ones.  Returns how many tokens were ended.  For tests: it does not depend
        on how fast the machine is, as waiting out a short lifetime would.
        """
        return CredentialsBackend(self.context.store).expire_all()

    # -- state you can keep (snapshot.py) ----------------------------------------------------

    def reset(self) -> None:
        """Empty everything back to the bootstrap organization and key as they were at start.

        The address, the bootstrap credentials and the bootstrap key's access tokens
        stay, so connected clients carry on; so do the fault rules (configuration,
        not state: ``faults.clear()`` ends them).  One transaction; safe from any thread.
        """
        store = self.store  # RuntimeError when not running
        assert self._bootstrap_image is not None
        snapshot.reset_state(store, self._bootstrap_image)

    def export_snapshot(self, path: str | os.PathLike[str]) -> int:
        """Write every table to the JSON file ``path`` (0600; see ``snapshot.py``); returns its size in bytes."""
        return snapshot.write_snapshot(snapshot.dump_state(self.store), path)

    def load_snapshot(self, source: str | os.PathLike[str] | Mapping[str, Any]) -> None:
        """Replace everything with a snapshot (a file, or what ``snapshot.read_snapshot`` read), all or nothing.

        The bootstrap organization and key become the snapshot's (``bootstrap.api_key``
        is "" unless this instance made that key: only its digest is kept).

        Raises:
            snapshot.SnapshotError: the file is missing, malformed, of an unknown version, or does not fit.
        """
        if isinstance(source, Mapping):
            snapshot.load_state(self.store, source)
        else:
            snapshot.load_state(self.store, snapshot.read_snapshot(source), name=os.fspath(source))
        self._adopt_bootstrap(self.context)

    def add_organization(self, name: str = "Second organization") -> Bootstrap:
        """Create one more organization with its own owner API key (cross-org tests)."""
        ctx = self.context
        return provision_organization(ctx.store, name=name, new_id=ctx.new_id, now_iso=iso(ctx.now()))

    def add_user(self, email: str, org_id: str | None = None) -> str:
        """Create a user (or find one by email); with ``org_id``, make them a member.

        Joining accepts a pending invite to that organization (its
        authorizations become the member's); without one the user becomes an
        owner.  Returns the user id.
        """
        from .services.app_orgs import add_user

        ctx = self.context
        return add_user(ctx.store, user_id=ctx.new_id(), email=email, created_at=ctx.now_iso(), org_id=org_id)

    async def wait_for_log_subscribers(self, part_id: str, count: int = 1) -> None:
        """Wait until ``count`` TailRobotPartLogs calls are listening to ``part_id``.

        Run on the emulator's own loop (the ``emulator`` fixture); it polls a
        condition, so tests need no sleeps of guessed length.
        """
        while self.context.logs.subscriber_count(part_id) < count:
            await asyncio.sleep(0.005)

    def wait_for_log_subscribers_blocking(self, part_id: str, count: int = 1) -> None:
        """The same as ``wait_for_log_subscribers``, from another thread (``in_thread``)."""
        import time

        while self.context.logs.subscriber_count(part_id) < count:
            time.sleep(0.005)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"Emulator(db={self.db_path!r}, address={self.address!r}, {state})"
