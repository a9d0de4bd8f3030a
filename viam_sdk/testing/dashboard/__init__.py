"""A dashboard of the local Viam cloud, served by the emulator on its HTTP front at ``/dashboard/``.

Pages: the fleet (organizations, locations, machines and their parts, online
state), a machine (its parts' configs and secrets, masked), a part's live logs,
captured data (readings, images as thumbnails, filters), a SQL and MQL console
running the emulator's own engines, datasets, data pipelines and their runs,
training jobs, API keys and roles, and the fault rules in force.

It is for local use and has no sign-in, so it guards itself instead:

* it is only installed when the emulator listens on a loopback address, and it
  answers only requests whose ``Host`` names that address (a page of another
  site cannot reach it through a DNS name pointed at 127.0.0.1);
* every value in a page is escaped; secrets and keys are never put in a page;
  a Content-Security-Policy lets pages run only the dashboard's own script;
* a state-changing action (setting faults) is a POST carrying a token made
  for this process, which a page of another site cannot read.

``Emulator.dashboard_url`` names it; ``serve`` prints it.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from ..context import EmulatorContext
from ..errors import NotFound
from ..faults import FaultRuleError, parse_rules
from ..http import HttpFront, Request, Response, safe_content_type
from ._html import PREFIX, SCRIPT, STYLE, esc, page
from .views import Views

__all__ = ["PREFIX", "Dashboard", "is_loopback"]

_HEADERS = [
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
]
_HTML = "text/html; charset=utf-8"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip("[]") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Dashboard:
    """The dashboard of one emulator: its routes on the emulator's HTTP front.

    Args:
        ctx: the emulator's context (its store and backends).
        front: the emulator's HTTP front.
        faults: the emulator's ``Faults`` (what the faults page lists and sets).
    """

    def __init__(
        self,
        ctx: EmulatorContext,
        front: HttpFront,
        faults: Any,
        *,
        reset: Callable[[], None] | None = None,
        export: Callable[[str], int] | None = None,
    ) -> None:
        self.front = front
        self._reset = reset
        self._export = export
        #: Made per process; every action form carries it (compared in constant time).
        self.token = secrets.token_urlsafe(32)
        self.views = Views(
            ctx, self.token, faults, can_reset=reset is not None, can_export=export is not None
        )
        self.faults = faults
        front.route(PREFIX, self._serve, methods=("GET", "POST"), prefix=True)

    @property
    def url(self) -> str:
        return self.front.url(PREFIX)

    # -- requests ----------------------------------------------------------------------------

    def _host_ok(self, request: Request) -> bool:
        host = (request.header("host") or "").strip().lower()
        port = str(self.front.port)
        names = {f"{self.front.host}:{port}", f"[{self.front.host}]:{port}", f"localhost:{port}"}
        names |= {f"127.0.0.1:{port}", f"[::1]:{port}"}
        return host in {n.lower() for n in names}

    async def _serve(self, request: Request) -> Response:
        if not self._host_ok(request):
            return _plain(403, "the dashboard answers requests for its loopback address only")
        name = request.path[len(PREFIX) :].strip("/")
        try:
            if request.method == "POST":
                return await self._post(name, request)
            return await self._get(name, request)
        except NotFound as exc:
            return _plain(404, str(exc))

    async def _get(self, name: str, request: Request) -> Response:
        q = request.query
        pages: dict[str, Callable[[dict[str, list[str]]], bytes]] = {
            "": self.views.fleet,
            "machine": self.views.machine,
            "logs": self.views.logs,
            "data": self.views.data,
            "datasets": self.views.datasets,
            "pipelines": self.views.pipelines,
            "training": self.views.training,
            "keys": self.views.keys,
        }
        if name in pages:
            return _html(pages[name](q))
        if name == "console":
            return _html(await self.views.console(q, None))
        if name == "faults":
            return _html(self.views.faults_page())
        if name == "api/logs":
            return Response(200, self.views.logs_since(q), "application/json", list(_HEADERS))
        if name == "blob":
            data, mime = self.views.blob(q)
            kind = safe_content_type(mime)
            if not kind.startswith("image/") or "svg" in kind:
                kind = "application/octet-stream"  # only images are shown; nothing else runs as a page
            return Response(200, data, kind, [*_HEADERS, ("Content-Disposition", "inline")])
        if name == "static/style.css":
            return Response(200, STYLE.encode(), "text/css; charset=utf-8", list(_HEADERS))
        if name == "static/app.js":
            return Response(200, SCRIPT.encode(), "text/javascript; charset=utf-8", list(_HEADERS))
        raise NotFound(f"no dashboard page {name!r}")

    async def _post(self, name: str, request: Request) -> Response:
        kind = (request.header("content-type") or "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            return _plain(
                415, "the dashboard's actions take an HTML form (application/x-www-form-urlencoded)"
            )
        form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        given = (form.get("token") or [""])[0]
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return _plain(
                403, "this form is stale or from another site: reload the dashboard page and try again"
            )
        if name == "console":
            return _html(await self.views.console(request.query, form))
        if name == "faults":
            return self._set_faults((form.get("rules") or [""])[0])
        if name == "faults/clear":
            self.faults.clear()
            return _see_other(PREFIX + "faults")
        if name == "reset" and self._reset is not None:
            self._reset()
            return _see_other(PREFIX)
        if name == "snapshot" and self._export is not None:
            return Response(
                200,
                self._snapshot(),
                "application/json",
                [*_HEADERS, ("Content-Disposition", 'attachment; filename="emulator-snapshot.json"')],
            )
        raise NotFound(f"no dashboard action {name!r}")

    def _snapshot(self) -> bytes:
        """The emulator's snapshot file (``Emulator.export_snapshot``), read back for the download."""
        with tempfile.TemporaryDirectory(prefix="viam-dashboard-") as folder:
            path = os.path.join(folder, "snapshot.json")
            assert self._export is not None
            self._export(path)
            with open(path, "rb") as made:
                return made.read()

    def _set_faults(self, text: str) -> Response:
        import json

        try:
            rules = parse_rules(json.loads(text or "[]"), "the rules")
        except (FaultRuleError, ValueError) as exc:
            return _html(self.views.faults_page(f"not set: {exc}"), status=400)
        self.faults.set(rules)
        return _see_other(PREFIX + "faults")


def _html(body: bytes, status: int = 200) -> Response:
    return Response(status, body, _HTML, list(_HEADERS))


def _plain(status: int, message: str) -> Response:
    return Response(status, page("Not available", f"<p>{esc(message)}</p>"), _HTML, list(_HEADERS))


def _see_other(location: str) -> Response:
    return Response(303, b"", _HTML, [*_HEADERS, ("Location", location)])


Handler = Callable[[Request], Awaitable[Response]]
