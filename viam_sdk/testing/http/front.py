"""The emulator's HTTP front: one HTTP/1.1 server, routes registered by path.

HTTP is parsed and written by h11 (python-hyper's sans-I/O HTTP/1.1, the
project beside h2, which grpclib already brings): it refuses malformed
requests, bounds what it buffers, and will not send a header value holding
CR, LF or other control characters.  This module adds the asyncio glue, a
router, and the limits:

* a request target over ``MAX_TARGET`` (8 KiB) is answered 414, a request
  line plus headers over ``MAX_HEAD`` (16 KiB) 431 (414 when the request line
  alone is that long), then the connection is closed;
* a body over ``MAX_BODY`` (1 MiB) gets 413; a malformed request 400;
* every header value a handler returns is checked before h11 sees it (a bad
  one turns the answer into a 500 and is logged), and
  :func:`safe_content_type` turns any stored media type into a valid one;
* connections count against the emulator's :class:`ConnectionGuard` (one
  limit over the gRPC and HTTP ports) and close when idle.

Routes: ``front.route("/signed/", handler, prefix=True)``; a handler takes a
:class:`Request` and returns a :class:`Response`.  HEAD is served by the GET
handler with the body left off.  The server listens from the first
:meth:`HttpFront.start` (made by the first route that needs a URL), on the
emulator's host, with its TLS when it has TLS.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import logging
import re
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

import h11

from ..transport import TLS_HANDSHAKE_TIMEOUT, ConnectionGuard

__all__ = ["MAX_BODY", "MAX_HEAD", "HttpFront", "Request", "Response", "safe_content_type", "url_host"]

log = logging.getLogger("viam_sdk.testing.http")

MAX_HEAD = 16 * 1024
MAX_TARGET = 8 * 1024
MAX_BODY = 1024 * 1024

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[\t !#-\[\]-~]|\\[\t -~])*"'
_MEDIA_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|{_QUOTED}))*")
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e]*")
_FIELD_NAME = re.compile(_TOKEN)
_MAX_MEDIA_TYPE = 255


def safe_content_type(value: str | None, default: str = "application/octet-stream") -> str:
    """``value`` when it is a well-formed media type (``type/subtype; name=value``), else ``default``.

    Anything else (CR LF, non-ASCII text, stray punctuation, over 255
    characters) would be a broken or dangerous header, so it is not sent.
    """
    if value and len(value) <= _MAX_MEDIA_TYPE and _MEDIA_TYPE.fullmatch(value.strip()):
        return value.strip()
    return default


def url_host(host: str) -> str:
    """``host`` as it goes in a URL: IPv6 addresses in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@dataclass(frozen=True)
class Request:
    """One request as a handler sees it."""

    method: str
    target: str  # as sent: path and query, percent-encoded
    path: str  # decoded, without the query
    query: dict[str, list[str]]
    headers: list[tuple[str, str]]  # names in lower case
    body: bytes = b""

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)


@dataclass
class Response:
    """What a handler answers; ``Content-Length`` is added by the front."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class _Route:
    path: str
    handler: Handler
    methods: frozenset[str]
    prefix: bool


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _text(status: int, text: str, headers: Sequence[tuple[str, str]] = ()) -> Response:
    return Response(status, (text + "\n").encode(), headers=list(headers))


def _checked_headers(response: Response) -> list[tuple[str, str]] | None:
    """The response's headers, ready to send; None when one of them is not a valid header."""
    headers = [("Content-Type", response.content_type), *response.headers]
    for name, value in headers:
        if not _FIELD_NAME.fullmatch(name) or not _FIELD_VALUE.fullmatch(value):
            return None
    names = {name.lower() for name, _ in headers}
    if "x-content-type-options" not in names:
        headers.append(("X-Content-Type-Options", "nosniff"))
    headers.append(("Content-Length", str(len(response.body))))
    return headers


class HttpFront:
    """The emulator's HTTP server: routes by path, h11 underneath, the emulator's connection limits.

    Args:
        host: address to listen on, and to name in URLs.
        guard: the emulator's connection guard (shared with its gRPC port).
        ssl_context: serve HTTPS with this context; None for plain HTTP.
        port: port to listen on; 0 picks a free one.
    """

    def __init__(
        self, host: str, guard: ConnectionGuard, ssl_context: ssl.SSLContext | None = None, port: int = 0
    ) -> None:
        self.host = host
        self.guard = guard
        self.ssl_context = ssl_context
        self.port = port
        self._routes: dict[str, _Route] = {}
        self._server: asyncio.Server | None = None
        self._start_lock = asyncio.Lock()
        self._connections: set[_HttpConnection] = set()

    # -- routes ----------------------------------------------------------------------------

    def route(
        self, path: str, handler: Handler, *, methods: Sequence[str] = ("GET",), prefix: bool = False
    ) -> None:
        """Serve ``path`` (or, with ``prefix``, every path under it) with ``handler``.

        Raises:
            ValueError: the path does not start with ``/``, or is taken.
        """
        if not path.startswith("/"):
            raise ValueError(f"route {path!r}: a path starts with '/'")
        if path in self._routes:
            raise ValueError(f"route {path!r} is already served")
        allowed = {m.upper() for m in methods}
        if "GET" in allowed:
            allowed.add("HEAD")
        self._routes[path] = _Route(path, handler, frozenset(allowed), prefix)

    def _find(self, path: str) -> _Route | None:
        exact = self._routes.get(path)
        if exact is not None:
            return exact
        under = [r for r in self._routes.values() if r.prefix and path.startswith(r.path)]
        return max(under, key=lambda r: len(r.path)) if under else None

    async def dispatch(self, request: Request) -> Response:
        """The answer to ``request``: its route's, or 404/405."""
        route = self._find(request.path)
        if route is None:
            return _text(404, "not found")
        if request.method not in route.methods:
            allow = ", ".join(sorted(route.methods))
            return _text(405, f"{request.method} is not served here (allowed: {allow})", [("Allow", allow)])
        try:
            return await route.handler(request)
        except Exception:
            log.exception("HTTP %s %s: the handler failed", request.method, request.path)
            return _text(500, "internal error in the emulator")

    # -- life cycle ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context is not None else "http"

    def url(self, path: str = "/") -> str:
        """The URL of ``path`` on this server (which must be started)."""
        if self._server is None:
            raise RuntimeError("the HTTP front is not started")
        return f"{self.scheme}://{url_host(self.host)}:{self.port}{path}"

    async def start(self) -> None:
        """Listen (once; later calls return at once)."""
        async with self._start_lock:
            if self._server is not None:
                return
            loop = asyncio.get_running_loop()
            extra: dict[str, Any] = {}
            if self.ssl_context is not None:
                extra = {"ssl": self.ssl_context, "ssl_handshake_timeout": TLS_HANDSHAKE_TIMEOUT}
            self._server = await loop.create_server(
                lambda: _HttpConnection(self), self.host, self.port, **extra
            )
            self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for conn in list(self._connections):
            conn.shut()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(server.wait_closed(), timeout=5)


class _HttpConnection(asyncio.Protocol):
    """One client connection: h11 parses, the front's routes answer, one request at a time."""

    last_active = 0.0

    def __init__(self, front: HttpFront) -> None:
        self._front = front
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        self._transport: asyncio.Transport | None = None
        self._request: h11.Request | None = None
        self._body = bytearray()
        self._line_seen = False  # a line end has arrived for the request being read
        self._task: asyncio.Task[None] | None = None

    # -- Guarded ---------------------------------------------------------------------------

    def busy(self) -> bool:
        return self._task is not None

    def shut(self) -> None:
        if self._transport is not None:
            self._transport.close()

    # -- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        if not self._front.guard.admit(self):
            transport.abort()
            return
        self._front._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._front.guard.release(self)
        self._front._connections.discard(self)
        if self._task is not None:
            self._task.cancel()

    def data_received(self, data: bytes) -> None:
        if self._request is None and not self._line_seen and b"\n" in data:
            self._line_seen = True
        self._h11.receive_data(data)
        self._advance()

    def eof_received(self) -> bool | None:
        self._h11.receive_data(b"")
        self._advance()
        # A client that half-closes after its request still gets the answer being made.
        return True if self._task is not None else None

    # -- requests --------------------------------------------------------------------------

    def _advance(self) -> None:
        """Read events until a request is complete (then answer it) or more bytes are needed."""
        while self._task is None and self._transport is not None and not self._transport.is_closing():
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                self._refuse(exc)
                return
            if event is h11.NEED_DATA:
                return
            if isinstance(event, h11.Request):
                # h11 bounds a head still arriving; one that arrived whole in one read is measured here.
                if len(event.target) > MAX_TARGET:
                    self._answer_now(_text(414, f"the request target is over {MAX_TARGET} bytes"), close=True)
                    return
                if sum(len(k) + len(v) + 4 for k, v in event.headers) + len(event.target) > MAX_HEAD:
                    self._answer_now(_text(431, f"the request headers are over {MAX_HEAD} bytes"), close=True)
                    return
                self._request, self._body = event, bytearray()
            elif isinstance(event, h11.Data):
                self._body += event.data
                if len(self._body) > MAX_BODY:
                    self._answer_now(_text(413, f"the request body is over {MAX_BODY} bytes"), close=True)
                    return
            elif isinstance(event, h11.EndOfMessage):
                self._task = asyncio.get_running_loop().create_task(self._serve())
                self._transport.pause_reading()
                return
            elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                if event is not h11.PAUSED:
                    self._transport.close()
                return

    def _refuse(self, exc: h11.RemoteProtocolError) -> None:
        status = exc.error_status_hint
        if status == 431 and self._request is None and not self._line_seen:
            response = _text(414, f"the request line is over {MAX_HEAD} bytes")
        elif status == 431:
            response = _text(431, f"the request headers are over {MAX_HEAD} bytes")
        else:
            response = _text(status, "malformed HTTP request")
        self._answer_now(response, close=True)

    def _answer_now(self, response: Response, *, close: bool) -> None:
        """Answer without a handler (a refused request), then close the connection."""
        assert self._transport is not None
        headers = _checked_headers(response) or []
        headers.append(("Connection", "close"))
        try:
            data = self._h11.send(
                h11.Response(status_code=response.status, headers=headers, reason=_reason(response.status))
            )
            data = (data or b"") + (self._h11.send(h11.Data(data=response.body)) or b"")
            data += self._h11.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError:
            # h11 cannot answer in this state (the request was unreadable from its first byte):
            # write a minimal answer ourselves.
            data = (
                f"HTTP/1.1 {response.status} {_reason(response.status)}\r\nContent-Length: {len(response.body)}\r\n"
                "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
            ).encode("ascii") + response.body
        self._transport.write(data)
        if close:
            self._transport.close()

    async def _serve(self) -> None:
        assert self._request is not None
        raw = self._request
        method = raw.method.decode("ascii", "replace")
        target = raw.target.decode("ascii", "replace")
        path, _, query = target.partition("?")
        request = Request(
            method="GET" if method == "HEAD" else method,  # HEAD: the GET handler, the body left off
            target=target,
            path=unquote(path, errors="replace"),
            query=parse_qs(query, keep_blank_values=True),
            headers=[(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw.headers],
            body=bytes(self._body),
        )
        response = await self._front.dispatch(request)
        self._send(response, head_only=method == "HEAD")

    def _send(self, response: Response, *, head_only: bool) -> None:
        assert self._transport is not None
        headers = _checked_headers(response)
        if headers is None:
            log.error("HTTP %d answer dropped: a header name or value is not valid HTTP", response.status)
            response = _text(500, "internal error in the emulator (an invalid response header)")
            headers = _checked_headers(response) or []
        reason = _reason(response.status)
        try:
            out = (
                self._h11.send(h11.Response(status_code=response.status, headers=headers, reason=reason))
                or b""
            )
            if not head_only and response.body:
                out += self._h11.send(h11.Data(data=response.body)) or b""
            out += self._h11.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError:
            log.exception("HTTP %d answer could not be written", response.status)
            self._transport.close()
            return
        self._transport.write(out)
        self.last_active = asyncio.get_running_loop().time()
        self._task = None
        if self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
            self._h11.start_next_cycle()
            self._request, self._line_seen = None, False
            self._transport.resume_reading()
            self._advance()
        else:
            self._transport.close()
