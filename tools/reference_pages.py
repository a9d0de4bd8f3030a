"""Write the split API reference pages of docs/reference/ (``--check``: fail when they are stale).

Usage: ``python tools/reference_pages.py [--check]`` from the checkout root.

* ``AppClient`` and ``DataClient`` get one page per area (organizations,
  locations, machines, ...; queries, uploads, datasets, ...), each rendering only
  that area's methods of the public class (mkdocstrings ``members:``), so a page
  stays short and its table of contents lists its methods.  The methods come
  from the area classes the clients are assembled from; the areas are listed
  here, and a public method that no area claims is an error.
* Every class a public method of a client takes or returns, and the classes
  their fields hold (transitively), gets a heading with its fields on the
  client's "Types" page.  A heading's anchor is the class's import path as
  mkdocstrings knows it, so the signatures on the method pages link to it.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import importlib
import inspect
import sys
import types
import typing
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "generated")]

from tools.sync_facade import _module_namespace  # noqa: E402  (the names annotations use)

REFERENCE = ROOT / "docs" / "reference"
GENERATED_MARK = "<!-- Written by tools/reference_pages.py: edit that file, not this one. -->"


@dataclasses.dataclass(frozen=True)
class Area:
    """One page of a client's reference: its file stem, title, what it covers, and which methods."""

    slug: str
    title: str
    intro: str
    modules: tuple[str, ...] = ()  # area classes (by module) whose methods it takes
    names: tuple[str, ...] = ()  # further methods, by name (the iter_* pagers of other areas)


@dataclasses.dataclass(frozen=True)
class Client:
    name: str  # AppClient
    path: str  # viam_sdk.app.app_client.AppClient
    folder: str  # docs/reference/<folder>/
    attribute: str  # viam_client.<attribute>
    variable: str  # the examples' name for it
    summary: str
    areas: tuple[Area, ...]


APP = Client(
    "AppClient",
    "viam_sdk.app.app_client.AppClient",
    "app_client",
    "app_client",
    "fleet",
    "Fleet management: organizations, locations, machines and their parts, logs, "
    "fragments, roles and API keys, the registry.",
    (
        Area(
            "organizations",
            "Organizations and members",
            "Organizations, their metadata, members and invites, and OAuth application users.",
            ("viam_sdk.app._app.organizations",),
        ),
        Area(
            "locations",
            "Locations",
            "Locations, their secrets (location auth), metadata and sharing between organizations.",
            ("viam_sdk.app._app.locations",),
        ),
        Area(
            "machines",
            "Machines, parts and logs",
            "Machines (robots), their parts, configs, part secrets, history, logs and live log tails, "
            "metadata and favourites.",
            ("viam_sdk.app._app.machines", "viam_sdk.app._app.parts", "viam_sdk.app._app.logs"),
            ("iter_robot_part_logs", "iter_robot_part_history"),
        ),
        Area(
            "fragments",
            "Fragments",
            "Fragments (reusable pieces of config) and their history.",
            ("viam_sdk.app._app.fragments",),
            ("iter_fragment_history",),
        ),
        Area(
            "access",
            "Roles, API keys and permissions",
            "Who may do what: roles (authorizations), API keys and permission checks.",
            ("viam_sdk.app._app.access",),
        ),
        Area(
            "registry",
            "Registry and modules",
            "Registry items (modules, ML models, training scripts) and module uploads.",
            ("viam_sdk.app._app.registry",),
        ),
        Area(
            "notifications",
            "Push notifications",
            "Device push tokens and the Firebase configuration of an organization's apps.",
            ("viam_sdk.app._app.notifications",),
        ),
        Area(
            "settings",
            "Organization settings and OAuth apps",
            "An organization's namespace, support email and logo, the billing service it runs for its "
            "customers, its auth service and OAuth applications, organization search, and the branding "
            "and content of published apps.",
            ("viam_sdk.app._app.org_settings", "viam_sdk.app._app.oauth_apps"),
        ),
    ),
)

DATA = Client(
    "DataClient",
    "viam_sdk.app.data_client.DataClient",
    "data_client",
    "data_client",
    "data",
    "Captured data: queries (filters, SQL, MQL), DataFrames, uploads, datasets, tags and "
    "bounding boxes, deletes, indexes, data pipelines and sequences.",
    (
        Area(
            "queries",
            "Queries and paging",
            "Reading captured data: by filter (page by page or all of it), by ID, in SQL or MQL; "
            "saved MQL queries; signed URLs and direct database access.",
            ("viam_sdk.app._data.queries", "viam_sdk.app._data.saved_queries"),
            ("tabular_data_by_filter", "iter_tabular_data_by_filter", "iter_binary_data_by_filter"),
        ),
        Area(
            "captures",
            "Latest readings and exports",
            "The latest reading of a resource and exports of a time range.",
            ("viam_sdk.app._data.captures",),
        ),
        Area(
            "tables",
            "Tables: DataFrames, Arrow, polars and Parquet",
            "Every tabular source (by filter, exports, SQL, MQL, latest readings) as a pandas or polars "
            "DataFrame, an Arrow table, a Parquet file or a Hive-partitioned Parquet dataset.",
            ("viam_sdk.app._data.frames", "viam_sdk.app._data.capture_tables", "viam_sdk.app._data.query_tables"),
        ),
        Area(
            "uploads",
            "Uploads",
            "Uploading readings, images and files as a machine part.",
            ("viam_sdk.app._data.uploads",),
        ),
        Area(
            "datasets",
            "Datasets",
            "Datasets of binary data: making, renaming, merging, and adding or removing items.",
            ("viam_sdk.app._data.datasets",),
        ),
        Area(
            "annotations",
            "Tags and bounding boxes",
            "Tags and bounding-box annotations on binary data.",
            ("viam_sdk.app._data.annotations",),
        ),
        Area(
            "deletes",
            "Deleting data",
            "Deleting tabular and binary data, by filter or by ID.",
            ("viam_sdk.app._data.deletes",),
        ),
        Area(
            "indexes",
            "Indexes",
            "Custom indexes on the tabular collections.",
            ("viam_sdk.app._data.indexes",),
        ),
        Area(
            "pipelines",
            "Data pipelines",
            "Scheduled MQL pipelines over captured data, and their runs.",
            ("viam_sdk.app._data.pipelines",),
            ("iter_data_pipeline_runs",),
        ),
        Area(
            "sequences",
            "Sequences",
            "Sequences of binary data, their datasets and exports.",
            ("viam_sdk.app._data.sequences",),
            ("iter_sequences", "iter_sequence_binary_data", "iter_sequences_by_dataset_id"),
        ),
        Area(
            "exports",
            "Bulk export and waiting",
            "Exporting many binary files, or a dataset with its training JSONL, to a folder in parallel, "
            "resumably, in the layout of Viam's CLI; waiting for a sequence export or a pipeline run to end.",
            ("viam_sdk.app._data.exports", "viam_sdk.app._data.dataset_exports", "viam_sdk.app._data.waiters"),
        ),
    ),
)

# Smaller clients: their methods stay on one page each; only their types are written here.
SMALL = (
    ("BillingClient", "viam_sdk.app.billing_client.BillingClient", "billing_client", "billing"),
    ("MLTrainingClient", "viam_sdk.app.ml_training_client.MLTrainingClient", "ml_training_client", "training"),
    ("ProvisioningClient", "viam_sdk.app.provisioning_client.ProvisioningClient", "provisioning_client", "provisioning"),
)

# Documented on their own pages: linked to, not repeated.
ELSEWHERE = {
    "viam_sdk.rpc.dial.DialOptions": "viam_client.md#viam_sdk.rpc.dial.DialOptions",
    "viam_sdk.rpc.dial.Credentials": "viam_client.md#viam_sdk.rpc.dial.Credentials",
    "viam_sdk.progress.ProgressCallback": "extras.md#viam_sdk.progress.ProgressCallback",
    "viam_sdk.paging.PageCheckpoint": "extras.md#viam_sdk.paging.PageCheckpoint",
    "viam_sdk.rpc._policy.RetrySettings": "viam_client.md#viam_sdk.rpc._policy.RetrySettings",
    "viam_sdk.rpc._policy.Default": "viam_client.md#viam_sdk.rpc._policy.Default",
}

# Where a generated package is imported from by users (viam_sdk.proto re-exports it).
PROTO_HOMES = {
    "viam_api.app.v1": "viam_sdk.proto.app",
    "viam_api.app.data.v1": "viam_sdk.proto.app.data",
    "viam_api.app.dataset.v1": "viam_sdk.proto.app.dataset",
    "viam_api.app.datasync.v1": "viam_sdk.proto.app.datasync",
    "viam_api.app.mltraining.v1": "viam_sdk.proto.app.mltraining",
    "viam_api.app.packages.v1": "viam_sdk.proto.app.packages",
    "viam_api.common.v1": "viam_sdk.proto.common",
    "viam_api.provisioning.v1": "viam_sdk.proto.provisioning",
    "viam_api.rpc.v1": "viam_sdk.proto.rpc",
}

# Protobuf's own types: named, not expanded (what they hold is said once, on each types page).
WELL_KNOWN = "viam_api.google.protobuf"

# Classes a method does not name but a reader meets: the wire message beside the SDK's RobotPart.
EXTRA_TYPES = {"AppClient": ("viam_api.app.v1.RobotPart",)}

ROBOT_PART_NOTE = """\
!!! note "Two classes named `RobotPart`"
    `get_robot_part` and `get_robot_parts` (and the other part methods) return the SDK's
    [`RobotPart`](#viam_sdk.app._app.types.RobotPart) (`from viam_sdk.app.app_client import RobotPart`):
    a dataclass with the config as a plain `dict` and times as `datetime`.  The generated message of
    the same name, [`viam_sdk.proto.app.RobotPart`](#viam_api.app.v1.RobotPart), is what travels on
    the wire; it also carries `online_state` and `seconds_since_online`, which the SDK's dataclass
    (like the official SDK's) leaves out.  Whether a machine is online is on the machine:
    `(await fleet.get_robot(robot_id)).online_state` (a [`Robot`](#viam_api.app.v1.Robot)).
"""


def _public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    out: dict[str, Callable[..., Any]] = {}
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or inspect.isclass(member) or not callable(member):
            continue
        if isinstance(inspect.getattr_static(cls, name), property):
            continue
        out[name] = member
    return out


def _owner_module(cls: type, name: str) -> str:
    return next(base.__module__ for base in cls.__mro__ if name in vars(base))


def _import(path: str) -> Any:
    module, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def area_members(client: Client) -> dict[str, list[str]]:
    """Each area's methods (by slug), in source order; raises when a method has no area or two."""
    cls = _import(client.path)
    methods = _public_methods(cls)
    claimed: dict[str, str] = {}
    out: dict[str, list[str]] = {}
    for area in client.areas:
        names = [n for n in methods if _owner_module(cls, n) in area.modules and not n.startswith("iter_")]
        names += list(area.names)
        names += [n for n in methods if _owner_module(cls, n) in area.modules and n.startswith("iter_")]
        names = list(dict.fromkeys(names))
        for name in names:
            if name not in methods:
                raise SystemExit(f"{client.name}: area {area.slug!r} names {name!r}, which is not a public method")
            if name in claimed:
                raise SystemExit(f"{client.name}.{name} is on two pages: {claimed[name]} and {area.slug}")
            claimed[name] = area.slug
        out[area.slug] = sorted(names, key=lambda n: _source_line(cls, n))
    missing = sorted(set(methods) - set(claimed))
    if missing:
        raise SystemExit(f"{client.name}: no area lists {', '.join(missing)} (add them in tools/reference_pages.py)")
    return out


def _source_line(cls: type, name: str) -> tuple[str, int]:
    func = inspect.unwrap(getattr(cls, name))
    try:
        return (_owner_module(cls, name), inspect.getsourcelines(func)[1])
    except (OSError, TypeError):
        return (_owner_module(cls, name), 0)


# ---- types ----------------------------------------------------------------------------------


def _classes_in(hint: Any, out: list[type]) -> None:
    if isinstance(hint, type) and not isinstance(hint, types.GenericAlias):
        out.append(hint)
    origin = typing.get_origin(hint)
    if isinstance(origin, type):
        out.append(origin)
    for arg in typing.get_args(hint):
        _classes_in(arg, out)


def _ours(cls: type) -> bool:
    return cls.__module__.startswith(("viam_sdk", "viam_api")) and not cls.__module__.startswith(WELL_KNOWN)


def _hints(obj: Any, module: str) -> dict[str, Any]:
    try:
        return typing.get_type_hints(obj, globalns=_module_namespace(module))
    except Exception:  # an annotation that does not resolve outside type checking: leave it out
        return {}


def type_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _fields(cls: type) -> list[tuple[str, Any]]:
    if not dataclasses.is_dataclass(cls):
        return []
    hints = _hints(cls, cls.__module__)
    return [(f.name, hints.get(f.name, f.type)) for f in dataclasses.fields(cls) if not f.name.startswith("_")]


def client_types(client_path: str, extra: Iterable[str] = ()) -> list[type]:
    """The classes the client's public methods take or return, and what their fields hold."""
    cls = _import(client_path)
    start: list[type] = [_import(path) for path in extra]
    for func in _public_methods(cls).values():
        for hint in _hints(func, func.__module__).values():
            _classes_in(hint, start)
    seen: dict[str, type] = {}
    todo = [c for c in start if _ours(c)]
    while todo:
        item = todo.pop(0)
        if type_path(item) in seen or type_path(item) in ELSEWHERE or item is cls:
            continue
        seen[type_path(item)] = item
        for _, hint in _fields(item):
            found: list[type] = []
            _classes_in(hint, found)
            todo += [c for c in found if _ours(c)]
    sdk = sorted((c for c in seen.values() if c.__module__.startswith("viam_sdk")), key=lambda c: c.__qualname__)
    msgs = sorted((c for c in seen.values() if c.__module__.startswith("viam_api")), key=lambda c: c.__qualname__)
    return sdk + msgs


def import_line(cls: type) -> str:
    if cls.__module__.startswith("viam_api"):
        home = PROTO_HOMES.get(cls.__module__, cls.__module__)
        return f"from {home} import {cls.__qualname__.split('.')[0]}"
    for public in ("viam_sdk.app.app_client", "viam_sdk.app.data_client", "viam_sdk.app.ml_training_client"):
        module = importlib.import_module(public)
        for name, value in vars(module).items():
            if value is cls and not name.startswith("_"):
                return f"from {public} import {name}"
        data_client = getattr(module, "DataClient", None)
        if data_client is not None and getattr(data_client, cls.__name__, None) is cls:
            return f"DataClient.{cls.__name__}  # from viam_sdk.app.data_client import DataClient"
    return f"from {cls.__module__} import {cls.__qualname__}"


class Linker:
    """Turns a type hint into Markdown, linking the classes documented on the types pages."""

    def __init__(self, pages: dict[str, str], here: str) -> None:
        self.pages = pages  # type path -> page (relative to docs/reference/)
        self.here = here

    def link(self, cls: type) -> str:
        path = type_path(cls)
        name = cls.__qualname__.split(".")[-1] if not cls.__module__.startswith("builtins") else cls.__name__
        page = self.pages.get(path) or ELSEWHERE.get(path, "").partition("#")[0]
        if not page:
            return name
        anchor = ELSEWHERE.get(path, f"#{path}").partition("#")[2]
        if page == self.here:
            return f"[{name}](#{anchor})"
        depth = self.here.count("/")
        return f"[{name}]({'../' * depth}{page}#{anchor})"

    def render(self, hint: Any) -> str:
        if hint is type(None) or hint is None:
            return "None"
        if hint is Any:
            return "Any"
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            return " \\| ".join(self.render(a) for a in args)
        if origin is typing.Literal:
            return " \\| ".join(repr(a) for a in args)
        if origin is not None:
            name = getattr(origin, "__name__", str(origin))
            inner = ", ".join(self.render(a) for a in args) if args else ""
            return f"{name}[{inner}]" if inner else name
        if isinstance(hint, type):
            return self.link(hint) if _ours(hint) or type_path(hint) in ELSEWHERE else hint.__name__
        return str(hint).replace("typing.", "").replace("|", "\\|")


def _summary(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    if cls.__module__.startswith("viam_api") and doc.startswith(("Message ``", "Enum ``")):
        doc = ""
    paragraph = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
    return paragraph


# A line under a class's heading, for the classes a reader may take for one another.
TYPE_NOTES = {
    "viam_sdk.app._app.types.RobotPart": (
        "What the part methods (`get_robot_part`, `get_robot_parts`, ...) return.  Not the wire message "
        "[`viam_sdk.proto.app.RobotPart`](#viam_api.app.v1.RobotPart), which also has `online_state`."
    ),
    "viam_api.app.v1.RobotPart": (
        "The wire message.  The part methods return the SDK's "
        "[`RobotPart`](#viam_sdk.app._app.types.RobotPart) dataclass instead, without `online_state` "
        "and `seconds_since_online`: a machine's state is `Robot.online_state` (`get_robot`)."
    ),
}


def type_section(cls: type, linker: Linker, clash: bool = False) -> str:
    """One class: a heading (its kind added when another class on the page has its name), import, fields."""
    path = type_path(cls)
    kind = "enum" if issubclass(cls, enum.Enum) else "message" if cls.__module__.startswith("viam_api") else "class"
    label = getattr(cls, "_viam_label", "")
    title = cls.__qualname__ + (" (wire message)" if kind == "message" else " (SDK class)") * clash
    lines = [f"### {title} {{ #{path} }}", ""]
    wire = f" (wire name `{label}`)" if label else ""
    lines.append(f"*{kind}*{wire}: `{import_line(cls)}`")
    lines.append("")
    summary = _summary(cls)
    if summary:
        lines += [summary, ""]
    if path in TYPE_NOTES:
        lines += [f"!!! note \"Which RobotPart\"\n    {TYPE_NOTES[path]}", ""]
    if kind == "enum":
        lines += ["| Value | Number |", "| --- | --- |"]
        lines += [f"| `{member.name}` | {member.value} |" for member in cls]  # type: ignore[var-annotated]
    else:
        fields = _fields(cls)
        if fields:
            lines += ["| Field | Type |", "| --- | --- |"]
            lines += [f"| `{name}` | {linker.render(hint)} |" for name, hint in fields]
        else:
            lines += _methods_table(cls)
    lines.append("")
    return "\n".join(lines)


def _methods_table(cls: type) -> list[str]:
    """A class that is no dataclass (a stream): its public methods, with the first line of each docstring."""
    rows = []
    for name, member in vars(cls).items():
        if name.startswith("_") or not callable(member):
            continue
        kind = "async " if inspect.iscoroutinefunction(member) else ""
        first = (inspect.getdoc(member) or "").split("\n", 1)[0]
        signature = str(inspect.signature(member)).replace("'", "").replace("(self)", "()")
        rows.append(f"| `{kind}{name}{signature}` | {first} |")
    return ["| Method | What it does |", "| --- | --- |", *rows] if rows else ["No fields."]


WELL_KNOWN_NOTE = """\
Fields typed `Struct`, `Value` or `ListValue` hold JSON-like data (protobuf's
`google.protobuf` types; `viam_sdk.utils.struct_to_dict` turns a `Struct` into a
`dict`); `Any` fields hold a packed message of another type.  Times are
`datetime.datetime` (UTC), durations `datetime.timedelta`.
"""


def types_page(title: str, client: str, classes: list[type], linker: Linker, intro: str = "") -> str:
    sdk = [c for c in classes if c.__module__.startswith("viam_sdk")]
    msgs = [c for c in classes if c.__module__.startswith("viam_api")]
    parts = [GENERATED_MARK, f"# {title}", ""]
    parts.append(
        f"The classes `{client}`'s methods take and return, and the classes their fields hold: "
        f"{len(sdk)} SDK classes, then {len(msgs)} generated messages and enums "
        "(importable from `viam_sdk.proto`, each page of it named like the official SDK's `viam.proto`)."
    )
    parts.append("")
    if intro:
        parts += [intro, ""]
    parts += [WELL_KNOWN_NOTE, ""]
    names = [c.__qualname__ for c in classes]
    sections = {c: type_section(c, linker, names.count(c.__qualname__) > 1) for c in classes}
    if sdk:
        parts += ["## SDK classes", ""] + [sections[c] for c in sdk]
    if msgs:
        parts += ["## Messages and enums", ""] + [sections[c] for c in msgs]
    return "\n".join(parts).rstrip() + "\n"


# ---- method pages ---------------------------------------------------------------------------

EXAMPLES_NOTE = (
    "In the examples, `viam_client` is a connected `ViamClient` (see [the reference's conventions]"
    "({up}index.md#examples)) and `{variable} = viam_client.{attribute}`."
)


def area_page(client: Client, area: Area, members: list[str]) -> str:
    up = "../"
    options = [
        "    options:",
        "      show_root_heading: false",
        "      show_root_toc_entry: false",
        "      heading_level: 2",
        "      members:",
        *[f"        - {name}" for name in members],
    ]
    return "\n".join(
        [
            GENERATED_MARK,
            f"# {client.name}: {area.title.lower() if area.title[1:].islower() else area.title}",
            "",
            area.intro,
            "",
            EXAMPLES_NOTE.format(up=up, variable=client.variable, attribute=client.attribute),
            "",
            f"::: {client.path}",
            *options,
            "",
        ]
    )


def index_page(client: Client, members: dict[str, list[str]]) -> str:
    lines = [
        GENERATED_MARK,
        f"# {client.name}",
        "",
        client.summary,
        "",
        EXAMPLES_NOTE.format(up="../", variable=client.variable, attribute=client.attribute),
        "",
        f"::: {client.path}",
        "    options:",
        "      members: false",
        "      inherited_members: false",
        "",
        "## Methods by area",
        "",
        "| Area | Methods |",
        "| --- | --- |",
    ]
    for area in client.areas:
        links = ", ".join(f"[`{n}`]({area.slug}.md#{client.path}.{n})" for n in members[area.slug])
        lines.append(f"| [{area.title}]({area.slug}.md) | {links} |")
    lines += ["", f"The classes these methods take and return: [{client.name} types](types.md).", ""]
    return "\n".join(lines)


def pages() -> dict[Path, str]:
    """Every generated page, by path."""
    out: dict[Path, str] = {}
    type_lists: dict[str, tuple[str, str, list[type]]] = {}  # page -> (title, client, classes)
    for client in (APP, DATA):
        members = area_members(client)
        folder = REFERENCE / client.folder
        out[folder / "index.md"] = index_page(client, members)
        for area in client.areas:
            out[folder / f"{area.slug}.md"] = area_page(client, area, members[area.slug])
        type_lists[f"{client.folder}/types.md"] = (
            f"{client.name} types",
            client.name,
            client_types(client.path, EXTRA_TYPES.get(client.name, ())),
        )
    for name, path, stem, _variable in SMALL:
        type_lists[f"types/{stem}.md"] = (f"{name} types", name, client_types(path))
    # Each class is documented once: on the first page that needs it; later pages link there.
    where: dict[str, str] = {}
    for page, (_, _, classes) in type_lists.items():
        for cls in classes:
            where.setdefault(type_path(cls), page)
    for page, (title, client_name, classes) in type_lists.items():
        own = [c for c in classes if where[type_path(c)] == page]
        intro = ROBOT_PART_NOTE if client_name == "AppClient" else ""
        shared = [c for c in classes if where[type_path(c)] != page]
        if shared:
            linker = Linker(where, page)
            intro += "\nAlso used here, documented with another client: " + ", ".join(
                linker.link(c) for c in shared
            ) + ".\n"
        out[REFERENCE / page] = types_page(title, client_name, own, Linker(where, page), intro)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a page differs from a fresh run")
    args = parser.parse_args(argv)
    stale = []
    for path, text in pages().items():
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_text() != text:
                path.write_text(text)
                print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("stale (run python tools/reference_pages.py):\n  " + "\n  ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
