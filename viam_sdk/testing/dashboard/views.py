"""The dashboard's pages: each reads the emulator's state through its backends and renders HTML.

Read-only, except the actions of :mod:`viam_sdk.testing.dashboard` (faults), which
are POST only and carry the dashboard's token.
"""

from __future__ import annotations

import datetime
import json
import time
from typing import Any

import bson
from viam_api.app.data.v1 import Filter, TabularDataByMQLRequest
from viam_api.app.mltraining.v1 import TrainingStatus

from ..backends.access import AccessBackend
from ..backends.capture_filter import Scope
from ..backends.captures import CapturesBackend
from ..backends.credentials import CredentialsBackend
from ..backends.datasets import DatasetsBackend
from ..backends.locations import LocationsBackend
from ..backends.logs import PartLogsBackend
from ..backends.machines import RobotsBackend
from ..backends.orgs import OrgsBackend
from ..backends.pipelines import PipelinesBackend
from ..backends.training import TrainingBackend
from ..context import EmulatorContext, parse_iso
from ..errors import NotFound
from ..query.budget import QueryBudgetExceeded, run_query
from ..query.mql import MQLError, check_pipeline, encode_results, run_pipeline
from ..query.sources import resolve_source
from ..query.sql import SQLRefused, run_sql
from ..services.data_saved_queries import decode_stages
from ._html import esc, json_safe, link, mask, page, pre, table, text

__all__ = ["ONLINE_WINDOW_S", "Views"]

#: A part heard from within this many seconds shows as online (as ListMachineSummaries says).
ONLINE_WINDOW_S = 60
#: Rows a data page shows at most; log lines a logs page starts with.
PAGE_ROWS = 200
LOG_LINES = 200
CONSOLE_ROWS = 500
#: Machines the fleet page lists at once.
MACHINE_ROWS = 100


def _q(query: dict[str, list[str]], name: str) -> str:
    values = query.get(name) or [""]
    return values[0].strip()


class Views:
    """Renders every page from the emulator's context (``token`` goes in the action forms)."""

    def __init__(
        self,
        ctx: EmulatorContext,
        token: str,
        faults: Any,
        *,
        can_reset: bool = False,
        can_export: bool = False,
    ) -> None:
        self.can_reset = can_reset
        self.can_export = can_export
        self.ctx = ctx
        self.token = token
        self.faults = faults

    # -- helpers ---------------------------------------------------------------------------

    def _orgs(self) -> list[Any]:
        return OrgsBackend(self.ctx).all()

    def _org(self, query: dict[str, list[str]]) -> str:
        """The organization a page is about: the one asked for, else the bootstrap one."""
        asked = _q(query, "org")
        known = {o.id for o in self._orgs()}
        if asked in known:
            return asked
        return (
            self.ctx.bootstrap.org_id if self.ctx.bootstrap.org_id in known else next(iter(sorted(known)), "")
        )

    def _org_picker(self, page_name: str, org_id: str) -> str:
        options = " ".join(
            f"<b>{esc(o.name)}</b>" if o.id == org_id else link(page_name, o.name, org=o.id)
            for o in self._orgs()
        )
        return f"<p>Organization: {options}</p>"

    def _online(self, last_access: str | None) -> str:
        seen = parse_iso(last_access)
        if seen is None:
            return '<span class="offline">awaiting setup</span>'
        ago = max(0, int((self.ctx.now() - seen).total_seconds()))
        if ago <= ONLINE_WINDOW_S:
            return f'<span class="online">online</span> ({ago} s ago)'
        return f'<span class="offline">offline</span> ({ago} s ago)'

    def _form(self, action: str, fields: str, label: str) -> str:
        return (
            f'<form class="inline" method="post" action="/dashboard/{esc(action)}">'
            f'<input type="hidden" name="token" value="{esc(self.token)}">{fields}'
            f"<button>{esc(label)}</button></form>"
        )

    # -- fleet -----------------------------------------------------------------------------

    def fleet(self, query: dict[str, list[str]]) -> bytes:
        org_id = self._org(query)
        robots = RobotsBackend(self.ctx)
        locations = LocationsBackend(self.ctx).of_org(org_id) if org_id else []
        secrets = CredentialsBackend(self.ctx.store).location_secrets([loc.id for loc in locations])
        names = {loc.id: loc.name for loc in locations}
        loc_rows = [
            (
                esc(loc.name),
                esc(loc.id),
                esc(names.get(loc.parent_location_id, loc.parent_location_id)),
                esc(", ".join(f"{s.id}: {mask(s.secret)}" for s in secrets.get(loc.id, []))),
                esc(loc.created_at),
            )
            for loc in locations
        ]
        machine_rows = []
        every = robots.of_org(org_id) if org_id else []
        try:
            start = max(0, int(_q(query, "from") or "0"))
        except ValueError:
            start = 0
        for robot in every[start : start + MACHINE_ROWS]:
            parts = robots.parts(robot.id)
            part_links = ", ".join(link("machine", p.name, id=robot.id) for p in parts)
            machine_rows.append(
                (
                    link("machine", robot.name, id=robot.id),
                    esc(names.get(robot.location_id, robot.location_id)),
                    self._online(robot.last_access),
                    part_links,
                    " ".join(link("logs", p.name, part=p.id) for p in parts),
                )
            )
        orgs = self._orgs()
        org_rows = [
            (link("", o.name, org=o.id), esc(o.id), esc(o.public_namespace), esc(o.created_at)) for o in orgs
        ]
        body = (
            "<h2>Organizations</h2>"
            + table(["name", "id", "namespace", "created"], org_rows, raw=True)
            + f"<h2>Locations of {esc(next((o.name for o in orgs if o.id == org_id), org_id))}</h2>"
            + table(["name", "id", "parent", "secrets", "created"], loc_rows, raw=True)
            + f"<h2>Machines ({len(every)})</h2>"
            + table(["machine", "location", "state", "parts", "logs"], machine_rows, raw=True, cls="machines")
            + _pager(start, len(every), org_id)
        )
        return page("Fleet", body, active="", org_id=org_id)

    def machine(self, query: dict[str, list[str]]) -> bytes:
        robots = RobotsBackend(self.ctx)
        robot = robots.robot(_q(query, "id"))
        location = LocationsBackend(self.ctx).get(robot.location_id)
        creds = CredentialsBackend(self.ctx.store)
        sections = []
        for part in robots.parts(robot.id):
            secret_rows = [(s.id, mask(s.secret), s.created_at) for s in creds.part_secrets(part.id)]
            try:
                config = json.dumps(json.loads(part.robot_config or "{}"), indent=2, sort_keys=True)
            except ValueError:
                config = part.robot_config
            sections.append(
                f"<h2>Part {esc(part.name)}{' (main)' if part.main_part else ''}</h2>"
                + table(
                    ["id", "state", "fqdn", "created", "last updated", "logs", "data"],
                    [
                        (
                            esc(part.id),
                            self._online(part.last_access),
                            esc(part.fqdn),
                            esc(part.created_at),
                            esc(part.last_updated),
                            link("logs", "live logs", part=part.id),
                            link("data", "captured data", org=location.organization_id, part=part.id),
                        )
                    ],
                    raw=True,
                )
                + "<h3>Secrets</h3>"
                + table(["id", "secret", "created"], secret_rows)
                + "<h3>Config</h3>"
                + pre(config)
            )
        head = table(
            ["id", "location", "state", "created"],
            [(robot.id, location.name, "", robot.created_at)],
        ).replace("<td></td>", f"<td>{self._online(robot.last_access)}</td>", 1)
        return page(f"Machine {robot.name}", head + "".join(sections), org_id=location.organization_id)

    # -- logs ------------------------------------------------------------------------------

    def logs(self, query: dict[str, list[str]]) -> bytes:
        part = RobotsBackend(self.ctx).part(_q(query, "part"))
        lines = PartLogsBackend(self.ctx).newest(part.id, LOG_LINES)
        after = lines[0][0] if lines else 0
        rows = [(text(e.time), e.level, e.logger_name, e.message) for _, e in lines]
        body = (
            f"<p>Part {esc(part.name)} ({esc(part.id)}): the newest {LOG_LINES} lines; new lines appear as "
            "they arrive (this page asks every second).</p>"
            f'<table id="logs" data-part="{esc(part.id)}" data-after="{after}">'
            "<thead><tr><th>time</th><th>level</th><th>logger</th><th>message</th></tr></thead><tbody>"
            + "".join(f"<tr>{''.join(f'<td>{esc(c)}</td>' for c in row)}</tr>" for row in rows)
            + "</tbody></table>"
        )
        script = '<script src="/dashboard/static/app.js" defer></script>'
        return page(f"Logs of {part.name}", body, extra_head=script)

    def logs_since(self, query: dict[str, list[str]]) -> bytes:
        part_id = _q(query, "part")
        try:
            after = int(_q(query, "after") or "0")
        except ValueError:
            after = 0
        found = PartLogsBackend(self.ctx).since(part_id, after, LOG_LINES)
        lines = [
            {"time": text(e.time), "level": e.level, "logger": e.logger_name, "message": e.message}
            for _, e in found
        ]
        return json.dumps({"after": found[-1][0] if found else after, "lines": lines}).encode()

    # -- data ------------------------------------------------------------------------------

    def data(self, query: dict[str, list[str]]) -> bytes:
        org_id = self._org(query)
        names = ("part", "robot", "component", "method", "mime")
        asked = {n: _q(query, n) for n in names}
        flt = Filter(
            part_id=asked["part"],
            robot_id=asked["robot"],
            component_name=asked["component"],
            method=asked["method"],
            mime_type=[asked["mime"]] if asked["mime"] else [],
        )
        captures = CapturesBackend(self.ctx)
        scope = Scope(org_ids=(org_id,))
        where = captures.tabular_where(scope, flt)
        count, size = captures.tabular_count(where)
        readings = captures.tabular_page(where, descending=True, after=None, limit=PAGE_ROWS)
        uploads = captures.uploads(sorted({r.upload_id for r in readings}))
        reading_rows = []
        for r in readings:
            up = uploads.get(r.upload_id)
            reading_rows.append(
                (
                    text(_when(r.time_captured)),
                    up.robot_name if up else "",
                    up.part_name if up else "",
                    up.component_name if up else "",
                    up.method_name if up else "",
                    r.data,
                )
            )
        bwhere = captures.binary_where(scope, flt)
        bcount, bsize = captures.binary_count(bwhere)
        binaries = captures.binary_page(bwhere, descending=True, after=None, limit=PAGE_ROWS)
        image_rows = []
        for b in binaries:
            thumb = (
                f'<img class="thumb" alt="{esc(b.file_name or b.id)}" src="/dashboard/blob?id={esc(b.id)}">'
                if b.mime_type.startswith("image/")
                else esc(b.mime_type)
            )
            image_rows.append(
                (
                    thumb,
                    esc(text(_when(b.time_requested or b.time_received))),
                    esc(b.robot_name),
                    esc(b.component_name),
                    esc(b.file_name),
                    esc(b.size_bytes),
                )
            )
        fields = "".join(
            f'<label>{n} <input name="{n}" value="{esc(asked[n])}" size="14"></label> ' for n in names
        )
        body = (
            self._org_picker("data", org_id)
            + f'<form method="get" action="/dashboard/data"><input type="hidden" name="org" value="{esc(org_id)}">'
            f"{fields}<button>Filter</button></form>"
            + f"<h2>Readings ({count}, {size} bytes; the newest {min(count, PAGE_ROWS)} shown)</h2>"
            + table(
                ["captured", "machine", "part", "component", "method", "data"], reading_rows, cls="readings"
            )
            + f"<h2>Binary data ({bcount}, {bsize} bytes)</h2>"
            + table(["preview", "captured", "machine", "component", "file", "bytes"], image_rows, raw=True)
        )
        return page("Captured data", body, active="data", org_id=org_id)

    def blob(self, query: dict[str, list[str]]) -> tuple[bytes, str]:
        captures = CapturesBackend(self.ctx)
        row = captures.binary(_q(query, "id"))
        if row is None:
            raise NotFound("no such binary data")
        return captures.blob(row.blob_key), row.mime_type

    # -- console ---------------------------------------------------------------------------

    async def console(self, query: dict[str, list[str]], form: dict[str, list[str]] | None) -> bytes:
        org_id = self._org(form or query)
        language = _q(form or {}, "language") or "sql"
        source = _q(form or {}, "query") or (
            "SELECT * FROM readings LIMIT 10" if language == "sql" else '[{"$limit": 10}]'
        )
        result = ""
        if form is not None:
            result = await self._run(org_id, language, source)
        checked = {lang: " checked" if lang == language else "" for lang in ("sql", "mql")}
        body = (
            self._org_picker("console", org_id) + '<form method="post" action="/dashboard/console">'
            f'<input type="hidden" name="token" value="{esc(self.token)}">'
            f'<input type="hidden" name="org" value="{esc(org_id)}">'
            f'<label><input type="radio" name="language" value="sql"{checked["sql"]}> SQL</label> '
            f'<label><input type="radio" name="language" value="mql"{checked["mql"]}> MQL (a JSON list of stages)</label>'
            f'<textarea name="query" rows="6">{esc(source)}</textarea><button id="run">Run</button></form>'
            f'<div id="result">{result}</div>'
        )
        return page("Query console", body, active="console", org_id=org_id)

    async def _run(self, org_id: str, language: str, source: str) -> str:
        started = time.perf_counter()
        try:
            rows = await self._query(org_id, language, source)
        except (SQLRefused, MQLError, ValueError) as exc:
            return f'<p class="error">{esc(exc)}</p>'
        except QueryBudgetExceeded as exc:
            return f'<p class="error">{esc(exc)}</p>'
        took = (time.perf_counter() - started) * 1000
        columns: list[str] = []
        for row in rows[:CONSOLE_ROWS]:
            columns.extend(k for k in row if k not in columns)
        cells = [[text(json_safe(row.get(c))) for c in columns] for row in rows[:CONSOLE_ROWS]]
        return f"<p>{len(rows)} row(s) in {took:.0f} ms</p>" + table(columns, cells, cls="results")

    async def _query(self, org_id: str, language: str, source: str) -> list[dict[str, Any]]:
        store = self.ctx.store
        if language == "sql":
            return list(await run_query(lambda budget: run_sql(store, org_id, source, budget), org_id))
        try:
            stages = json.loads(source)
        except ValueError as exc:
            raise ValueError(f"the MQL pipeline is not JSON: {exc}") from None
        if not isinstance(stages, list) or not all(isinstance(s, dict) for s in stages) or not stages:
            raise ValueError('the MQL pipeline is a JSON list of stage objects, e.g. [{"$limit": 10}]')
        parsed = decode_stages([bson.encode(s) for s in stages], bson.DEFAULT_CODEC_OPTIONS)
        check_pipeline(parsed)
        src = resolve_source(self.ctx, TabularDataByMQLRequest(organization_id=org_id))
        encoded = await run_query(
            lambda budget: encode_results(run_pipeline(src.documents(parsed), parsed, budget), budget), org_id
        )
        return [bson.decode(raw) for raw in encoded]

    # -- organization areas ----------------------------------------------------------------

    def datasets(self, query: dict[str, list[str]]) -> bytes:
        org_id = self._org(query)
        rows = [
            (d.name, d.id, d.type, d.time_created) for d in DatasetsBackend(self.ctx).of_organization(org_id)
        ]
        body = self._org_picker("datasets", org_id) + table(["name", "id", "type", "created"], rows)
        return page("Datasets", body, active="datasets", org_id=org_id)

    def pipelines(self, query: dict[str, list[str]]) -> bytes:
        org_id = self._org(query)
        backend = PipelinesBackend(self.ctx)
        parts = [self._org_picker("pipelines", org_id)]
        found = backend.of_organization(org_id)
        for p in found:
            runs = backend.runs(p.id, offset=0, limit=50)
            parts.append(
                f"<h2>{esc(p.name)}</h2>"
                + table(
                    ["id", "schedule", "enabled", "source", "created"],
                    [(p.id, p.schedule, p.enabled, p.data_source_type, p.created_on)],
                )
                + "<h3>Runs</h3>"
                + table(
                    ["id", "status", "started", "ended", "error"],
                    [(r.id, r.status, r.start_time, r.end_time, r.error_message) for r in runs],
                )
            )
        if not found:
            parts.append('<p class="empty">(no pipelines)</p>')
        return page("Data pipelines", "".join(parts), active="pipelines", org_id=org_id)

    def training(self, query: dict[str, list[str]]) -> bytes:
        org_id = self._org(query)
        jobs = TrainingBackend(self.ctx).read_jobs(org_id, TrainingStatus.TRAINING_STATUS_UNSPECIFIED)
        rows = [
            (j.id, j.model_name, j.model_version, j.dataset_id, j.status, j.created_on, j.error_message)
            for j in jobs
        ]
        body = self._org_picker("training", org_id) + table(
            ["id", "model", "version", "dataset", "status", "created", "error"], rows
        )
        return page("Training jobs", body, active="training", org_id=org_id)

    def keys(self, query: dict[str, list[str]]) -> bytes:
        org_id = self._org(query)
        access = AccessBackend(self.ctx)
        keys = [(k.name, k.id, mask("x"), k.created_at) for k in access.keys_of_org(org_id)]
        roles = [
            (r.identity_type, r.identity_id, r.role, r.resource_type, r.resource_id)
            for r in access.roles(org_id)
        ]
        body = (
            self._org_picker("keys", org_id)
            + "<h2>API keys</h2><p>Keys are stored hashed: the emulator itself cannot show them.</p>"
            + table(["name", "id", "key", "created"], keys)
            + "<h2>Roles</h2>"
            + table(["identity type", "identity", "role", "resource type", "resource"], roles)
        )
        return page("API keys and roles", body, active="keys", org_id=org_id)

    # -- faults ----------------------------------------------------------------------------

    def faults_page(self, message: str = "") -> bytes:
        rules = self.faults.list()
        current = (
            json.dumps(rules, indent=2)
            if rules
            else '[{"route": "*/ListLocations", "status": "UNAVAILABLE", "count": 1}]'
        )
        body = (
            (f'<p class="error">{esc(message)}</p>' if message else "")
            + f"<h2>Rules in force ({len(rules)})</h2>"
            + table(
                ["route", "status", "delay ms", "probability", "count", "fired"],
                [
                    (
                        r.get("route"),
                        r.get("status"),
                        r.get("delay_ms"),
                        r.get("probability"),
                        r.get("count"),
                        r.get("fired"),
                    )
                    for r in rules
                ],
                cls="faults",
            )
            + "<h2>Set the rules</h2>"
            + '<form method="post" action="/dashboard/faults">'
            f'<input type="hidden" name="token" value="{esc(self.token)}">'
            f'<textarea name="rules" rows="8">{esc(current)}</textarea><button id="set-faults">Set</button></form>'
            + self._form("faults/clear", "", "Clear every rule")
        )
        state = []
        if self.can_export:
            state.append(
                self._form("snapshot", "", "Download a snapshot")
                + " (a JSON file of everything the emulator holds, as <code>export</code> writes it: "
                "it restores the same credentials, so keep it private)"
            )
        if self.can_reset:
            state.append(
                self._form("reset", "", "Reset the emulator")
                + " (everything back to the bootstrap organization and key; fault rules stay)"
            )
        if state:
            body += "<h2>State</h2>" + "".join(f"<p>{line}</p>" for line in state)
        return page("Faults and state", body, active="faults")


def _pager(start: int, total: int, org_id: str) -> str:
    """Links to the previous and next pages of machines, when there are any."""
    links = []
    if start > 0:
        links.append(link("", "previous", org=org_id, **{"from": str(max(0, start - MACHINE_ROWS))}))
    if start + MACHINE_ROWS < total:
        links.append(link("", "next", org=org_id, **{"from": str(start + MACHINE_ROWS)}))
    shown = f"{min(total, start + 1)}-{min(total, start + MACHINE_ROWS)} of {total}"
    return f'<p class="pager">machines {shown} {" ".join(links)}</p>'


def _when(micros: int | None) -> Any:
    if micros is None:
        return None
    return datetime.datetime.fromtimestamp(micros / 1_000_000, datetime.timezone.utc)
