"""Small HTML builders for the dashboard: every value goes through ``html.escape``.

Pages are plain server-rendered HTML.  The only script is :data:`SCRIPT`,
served as a file (the Content-Security-Policy allows scripts from the
dashboard itself only), which polls for new log lines and appends them as text.
"""

from __future__ import annotations

import datetime
import enum
import json
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any
from urllib.parse import urlencode

__all__ = ["PREFIX", "SCRIPT", "STYLE", "esc", "link", "mask", "page", "pre", "table", "text"]

#: Where the dashboard's pages live on the emulator's HTTP front.
PREFIX = "/dashboard/"

NAV = (
    ("", "Fleet"),
    ("data", "Data"),
    ("console", "Console"),
    ("datasets", "Datasets"),
    ("pipelines", "Pipelines"),
    ("training", "Training"),
    ("keys", "Keys and roles"),
    ("faults", "Faults"),
)


def esc(value: object) -> str:
    """``value`` as text safe inside an element or a quoted attribute."""
    return escape(text(value), quote=True)


def text(value: object) -> str:
    """A readable form of a row's value: enums by name, times in ISO form, None as empty."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)


def mask(secret: str) -> str:
    """A secret as the dashboard shows it: never its characters, only that it exists."""
    return "•••••• (hidden)" if secret else "(sealed)"


def link(page_name: str, label: object, **query: str) -> str:
    """A link to another dashboard page, its query escaped."""
    href = PREFIX + page_name + (("?" + urlencode(query)) if query else "")
    return f'<a href="{escape(href, quote=True)}">{esc(label)}</a>'


def pre(value: str) -> str:
    return f"<pre>{esc(value)}</pre>"


def table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], *, raw: bool = False, cls: str = ""
) -> str:
    """A table; cells are escaped unless ``raw`` (then the caller built them from escaped parts)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(f"<td>{cell if raw else esc(cell)}</td>" for cell in row)
        body.append(f"<tr>{cells}</tr>")
    if not body:
        return '<p class="empty">(none)</p>'
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def page(title: str, body: str, *, active: str = "", org_id: str = "", extra_head: str = "") -> bytes:
    """A whole page: header with navigation, then ``body`` (already escaped HTML)."""
    query = {"org": org_id} if org_id else {}
    nav = " ".join(
        link(name, label, **query).replace("<a ", '<a class="on" ', 1)
        if name == active
        else link(name, label, **query)
        for name, label in NAV
    )
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{esc(title)} · Viam emulator</title>"
        f'<link rel=stylesheet href="{PREFIX}static/style.css">{extra_head}</head>'
        f"<body><header><b>Viam emulator</b> <nav>{nav}</nav></header><main><h1>{esc(title)}</h1>{body}</main>"
        "<footer>Local use only: this dashboard has no sign-in. Secrets are never shown.</footer></body></html>"
    ).encode()


STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; }
header { background: #1d2b3a; color: #fff; padding: 8px 16px; }
header a { color: #cfe3ff; margin-right: 12px; text-decoration: none; }
header a.on { color: #fff; text-decoration: underline; }
main { padding: 8px 16px; }
footer { padding: 8px 16px; color: #777; font-size: 12px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f5f7; }
pre { background: #f6f8fa; padding: 8px; overflow: auto; max-height: 420px; }
.online { color: #147a2e; font-weight: bold; }
.offline { color: #a33; }
.empty { color: #777; }
.error { color: #a33; font-weight: bold; }
#logs td { font-family: monospace; white-space: pre-wrap; }
img.thumb { max-width: 160px; max-height: 120px; }
textarea { width: 100%; font-family: monospace; }
form.inline { display: inline; }
"""

# Polls /dashboard/api/logs for lines after the newest one shown and appends them (as text).
SCRIPT = """
(function () {
  var box = document.getElementById('logs');
  if (!box) { return; }
  var part = box.getAttribute('data-part');
  var after = box.getAttribute('data-after');
  var body = box.querySelector('tbody');
  function tick() {
    fetch('/dashboard/api/logs?part=' + encodeURIComponent(part) + '&after=' + encodeURIComponent(after))
      .then(function (r) { return r.json(); })
      .then(function (got) {
        got.lines.forEach(function (line) {
          var tr = document.createElement('tr');
          [line.time, line.level, line.logger, line.message].forEach(function (v) {
            var td = document.createElement('td');
            td.textContent = v;
            tr.appendChild(td);
          });
          body.insertBefore(tr, body.firstChild);
        });
        after = String(got.after);
        box.setAttribute('data-after', after);
      })
      .catch(function () {})
      .then(function () { setTimeout(tick, 1000); });
  }
  setTimeout(tick, 1000);
})();
"""


def json_safe(value: Any) -> Any:
    """A query result value as JSON-ready data (times as ISO text, bytes as their size)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return text(value)
