"""``MachinePart``: act as one machine part against the emulator (or the Viam app), with the part's own secret.

A real machine authenticates as its part (``robot-secret`` credentials: the
part ID and the part's secret), fetches its config when it starts (which is
what shows it online), pushes its log lines and uploads the data it captured.
``MachinePart`` does the same through the SDK, so a test or a demo can play
the machine side of a fleet without ``viam-server``:

```python
from viam_sdk.testing import MachinePart

part = await fleet.get_robot_part(part_id)  # fleet = viam_client.app_client
async with await MachinePart.connect(emulator.app_url, part.id, part.secret) as machine:
    await machine.check_in()  # the part is online now
    await machine.log("wheels ready")  # read back with fleet.get_robot_part_logs
    await machine.data_client.tabular_data_capture_upload(
        [{"celsius": 21.5}], part_id=part.id, component_type="rdk:component:sensor",
        component_name="thermo", method_name="Readings",
        data_request_times=[(datetime.now(timezone.utc), datetime.now(timezone.utc))])
```
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any

from typing_extensions import Self

from viam_sdk.app._convert import struct_to_dict
from viam_sdk.app._timeouts import with_call_timeouts
from viam_sdk.rpc._policy import DEFAULT, RetryOption

if TYPE_CHECKING:
    from grpclib.client import Channel
    from viam_api.app.v1 import RobotServiceStub

    from viam_sdk.app.app_client import LogEntry
    from viam_sdk.app.data_client import DataClient
    from viam_sdk.rpc._session import AuthSession

__all__ = ["MachinePart"]

LEVELS = ("debug", "info", "warn", "error")


@with_call_timeouts
class MachinePart:
    """One machine part, connected with its own ID and secret, as the machine itself connects.

    Make one with ``await MachinePart.connect(...)``; close it with ``close()``
    or use it as an async context manager.  What a part may do is what the
    app lets a part secret do: report on itself (logs, check-ins) and upload
    data it captured; fleet management needs an API key (``ViamClient``).
    """

    _channel: Channel
    _session: AuthSession
    _robot: RobotServiceStub
    _data_client: DataClient | None

    def __init__(self) -> None:
        # Use ``connect``; this only prepares an empty shell.
        self._part_id = ""
        self._closed = False
        self._data_client = None

    @classmethod
    async def connect(
        cls,
        app_url: str | None,
        part_id: str,
        secret: str,
        *,
        ca_file: str | os.PathLike[str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float | None = None,
    ) -> Self:
        """Authenticate as the part and keep the connection open.

        Args:
            app_url: where the app lives, as ``ViamClient.create_from_dial_options``
                takes it: the emulator's ``app_url`` (``http://127.0.0.1:PORT``),
                ``https://host[:port]``, or None for ``VIAM_APP_URL`` when it is set
                (``viam-emulator exec`` sets it), else ``app.viam.com``.
            part_id: the machine part's ID (``RobotPart.id``).
            secret: the part's secret (``RobotPart.secret``, or one of ``RobotPart.secrets``).
            ca_file: over TLS, trust only the CA certificates in this PEM file (an emulator
                serving TLS: its ``ca.pem``), as ``DialOptions.ca_file`` does.
            ssl_context: over TLS, connect with this context instead, as
                ``DialOptions.ssl_context`` does.  Without either, the system's trust store
                (``SSL_CERT_FILE``/``SSL_CERT_DIR`` honoured).  Unused for ``http://``.
            timeout: seconds allowed for authenticating; None: no limit.

        Returns:
            The connected part.

        Raises:
            ValueError: ``part_id`` or ``secret`` is empty, ``app_url`` is malformed, both
                ``ca_file`` and ``ssl_context`` are given, or ``ca_file`` is no PEM file.
            Unauthenticated: the app refused the ID and secret (``viam_sdk.errors``).
            TLSVerificationError: the server's certificate could not be verified.
            Unavailable: the app could not be reached.

        Examples:
            ```python
            from viam_sdk.testing import MachinePart

            part = await viam_client.app_client.get_robot_part(part_id)
            machine = await MachinePart.connect(emulator.app_url, part.id, part.secret)
            ```
        """
        from viam_api.app.v1 import RobotServiceStub

        from viam_sdk import _logging
        from viam_sdk.app.viam_client import app_url_from_env, parse_app_url
        from viam_sdk.rpc._channel import Channel
        from viam_sdk.rpc._session import AuthSession
        from viam_sdk.rpc._tls import client_context
        from viam_sdk.rpc.dial import ROBOT_SECRET, Credentials

        if not part_id:
            raise ValueError("part_id is empty: pass the machine part's ID (RobotPart.id)")
        if not secret:
            raise ValueError("secret is empty: pass the part's secret (RobotPart.secret)")
        if ca_file is not None and ssl_context is not None:
            raise ValueError("give ca_file or ssl_context, not both")
        url = parse_app_url(app_url_from_env(app_url))
        # Trusted as ViamClient trusts the app (DialOptions' ca_file and ssl_context).
        trust = client_context(ca_file, ssl_context) if url.tls else None
        _logging.install()
        self = cls()
        self._part_id = part_id
        self._channel = Channel(url.host, url.port, ssl=trust.context if trust is not None else None)
        credentials = Credentials(type=ROBOT_SECRET, payload=secret)
        self._session = AuthSession(
            self._channel,
            part_id,
            credentials,
            timeout=timeout,
            address=url.address,
            trust=trust.description if trust is not None else None,
        )
        try:
            await self._session.authenticate()
        except BaseException:
            self._channel.close()
            raise
        self._robot = RobotServiceStub(self._channel, metadata=self._session, policy=self._session.policy)
        return self

    def __repr__(self) -> str:
        return f"<MachinePart {self._part_id!r}{' closed' if self._closed else ''}>"

    @property
    def part_id(self) -> str:
        """The ID of the part this connection acts as."""
        return self._part_id

    @property
    def data_client(self) -> DataClient:
        """A ``DataClient`` authenticated as the part: uploads (``tabular_data_capture_upload``,
        ``file_upload``, ...) name ``part_id=self.part_id`` and are stored as the part's data."""
        if self._data_client is None:
            from viam_sdk.app.data_client import DataClient

            self._data_client = DataClient(self._channel, self._session)
        return self._data_client

    async def check_in(self, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> dict[str, Any]:
        """Fetch the part's config, as a machine does when it starts: the part then shows online.

        Args:
            timeout: seconds to wait for the reply; None: no limit.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The config the app hands the part (its own components, services and
            modules and those of its fragments), as a dict of lists of dicts.

        Raises:
            Unauthenticated: the part's secret was revoked.
            NotFound: the part was deleted.

        Examples:
            ```python
            config = await machine.check_in()
            print([c["name"] for c in config["components"]])
            ```
        """
        from viam_api.app.v1 import ConfigRequest

        response = await self._robot.config(ConfigRequest(id=self._part_id))
        config = response.config
        if config is None:
            return {"components": [], "services": [], "modules": []}
        return {
            "components": [_component(c) for c in config.components],
            "services": [_component(s) for s in config.services],
            "modules": [{"name": m.name, "path": m.path, "module_id": m.module_id} for m in config.modules],
        }

    async def log(
        self,
        message: str,
        *,
        level: str = "info",
        logger_name: str = "",
        time: datetime | None = None,
        fields: Sequence[Mapping[str, Any]] = (),
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> None:
        """Push one log line, as the part's ``viam-server`` does.

        Args:
            message: the line.
            level: ``"debug"``, ``"info"``, ``"warn"`` or ``"error"``.
            logger_name: the logger that wrote it (shown, and filterable, in the app).
            time: when it was written; None: now.
            fields: structured fields (JSON-like dicts) attached to the line.
            timeout: seconds to wait for the reply; None: no limit.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            ValueError: ``level`` is not one of the four.
            Unauthenticated: the part's secret was revoked.

        Examples:
            ```python
            await machine.log("camera lost a frame", level="error", logger_name="camera")
            ```
        """
        if level not in LEVELS:
            raise ValueError(f"level {level!r} is not a log level: use one of {', '.join(LEVELS)}")
        from viam_sdk.app.app_client import LogEntry

        entry = LogEntry(
            host=self._part_id,
            level=level,
            time=time or datetime.now(timezone.utc),
            logger_name=logger_name,
            message=message,
            caller=None,
            stack="",
            fields=[dict(f) for f in fields],
        )
        await self.push_logs([entry])

    async def push_logs(self, entries: Iterable[LogEntry], *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Push log lines in one call (RobotService/Log), as the part's ``viam-server`` does.

        Args:
            entries: the lines, as ``LogEntry`` (``from viam_sdk.app.app_client import LogEntry``,
                what ``get_robot_part_logs`` returns).
            timeout: seconds to wait for the reply; None: no limit.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            Unauthenticated: the part's secret was revoked.

        Examples:
            ```python
            from viam_sdk.app.app_client import LogEntry

            lines = await fleet.get_robot_part_logs(other_part_id)
            await machine.push_logs(lines)  # replay them as this part
            ```
        """
        from viam_api.app.v1 import LogRequest

        await self._robot.log(LogRequest(id=self._part_id, logs=[entry.proto for entry in entries]))

    def close(self) -> None:
        """Close the connection (a second call does nothing); never raises."""
        if not self._closed:
            self._closed = True
            self._channel.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _component(config: Any) -> dict[str, Any]:
    return {
        "name": config.name,
        "namespace": config.namespace,
        "type": config.type,
        "model": config.model,
        "api": config.api,
        "depends_on": list(config.depends_on),
        "attributes": struct_to_dict(config.attributes) if config.attributes is not None else {},
    }
