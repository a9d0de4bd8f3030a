"""Our clients against the official SDK (viam-sdk 0.85.1), by introspection.

Every public member of the official classes (methods, properties, nested classes
and their members, class attributes, annotated attributes, the constructor) must
exist on ours, and, for methods, properties and nested classes, on the blocking
twin in ``viam_sdk.sync`` too.  Every parameter of theirs must be accepted by ours:

* by keyword: ours has a parameter of that name (not positional-only) or a ``**kwargs``;
* at its position, when theirs is positional: ours has the same name there, or the
  reference documents (tests/reference/002_signatures.txt) put a different name at
  that position and ours follows the reference (see position_conflicts.txt);
* and ours requires nothing 0.85.1 lets a caller omit.

Defaults are compared where both sides have one; a difference is listed too.

What is still missing is listed in tests/reference/official_gaps.txt, one line per
gap.  The test fails on a gap that is not listed and on a listed gap that is gone,
so the list only shrinks honestly.  Refresh both files with::

    UPDATE_PARITY=1 .venv/bin/python -m pytest tests/sdk/test_official_parity.py

and review the diff.  The official SDK is a dev dependency: it is imported here
only, never by ``viam_sdk``.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from . import _seed

VERSION = "0.85.1"
REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"
GAPS_FILE = REFERENCE_DIR / "official_gaps.txt"
CONFLICTS_FILE = REFERENCE_DIR / "position_conflicts.txt"
UPDATE = os.environ.get("UPDATE_PARITY", "") not in ("", "0")

# (class name, our module, the official module, our blocking module or None when
# the one class serves both flavours)
PAIRS = [
    ("AppClient", "viam_sdk.app.app_client", "viam.app.app_client", "viam_sdk.sync.app_client"),
    ("DataClient", "viam_sdk.app.data_client", "viam.app.data_client", "viam_sdk.sync.data_client"),
    (
        "BillingClient",
        "viam_sdk.app.billing_client",
        "viam.app.billing_client",
        "viam_sdk.sync.billing_client",
    ),
    (
        "MLTrainingClient",
        "viam_sdk.app.ml_training_client",
        "viam.app.ml_training_client",
        "viam_sdk.sync.ml_training_client",
    ),
    (
        "ProvisioningClient",
        "viam_sdk.app.provisioning_client",
        "viam.app.provisioning_client",
        "viam_sdk.sync.provisioning_client",
    ),
    ("ViamClient", "viam_sdk.app.viam_client", "viam.app.viam_client", "viam_sdk.sync.viam_client"),
    # DialOptions is plain data: viam_sdk.sync uses viam_sdk.rpc.dial.DialOptions itself.
    ("DialOptions", "viam_sdk.rpc.dial", "viam.rpc.dial", None),
]

_EMPTY = inspect.Parameter.empty
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_BY_KEYWORD = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)

_HEADER = f"""\
# Members of viam-sdk {VERSION} we lack, parameters of theirs we refuse, defaults that differ.
# Written by `UPDATE_PARITY=1 .venv/bin/python -m pytest tests/sdk/test_official_parity.py`;
# tests/sdk/test_official_parity.py fails on a gap not listed here and on a listed gap that is gone.
#   Class.member                      missing
#   Class.member [sync]               missing on the blocking twin only (viam_sdk.sync)
#   Class.member(param)               their parameter is not accepted by keyword
#   Class.member(param) at position N their positional parameter N lands elsewhere in ours
#   Class.member(param) required by ours   ours requires what 0.85.1 lets a caller omit
#   Class.member kind: ...            method/classmethod/staticmethod/property/coroutine differ
#   Class.member(param) default: ...  both have a default, and they differ
"""

_CONFLICTS_HEADER = f"""\
# Methods where the reference's declaration lines (tests/reference/002_signatures.txt) and
# viam-sdk {VERSION} put different parameters at the same position (1-based, self not counted).
# Our methods keep the reference's name at that position and accept 0.85.1's by keyword.
# Written by `UPDATE_PARITY=1 .venv/bin/python -m pytest tests/sdk/test_official_parity.py`.
"""


# ---------------------------------------------------------------- introspection


@dataclass
class Report:
    """The findings for one official class (its nested classes included)."""

    name: str
    members: list[str] = field(default_factory=list)  # every member of theirs checked, qualified
    gaps: dict[str, list[str]] = field(default_factory=dict)  # member -> its gap lines

    def add(self, member: str, line: str) -> None:
        self.gaps.setdefault(member, [])
        if line not in self.gaps[member]:
            self.gaps[member].append(line)

    def compatible(self) -> int:
        """Members present (both flavours) with every parameter accepted; a different default is allowed."""
        return sum(1 for m in self.members if not [g for g in self.gaps.get(m, []) if " default: " not in g])

    def __repr__(self) -> str:  # short, for pytest's tracebacks
        return f"<Report {self.name}: {self.compatible()}/{len(self.members)}, {len(self.lines())} gap lines>"

    def lines(self) -> list[str]:
        return [line for lines in self.gaps.values() for line in lines]


def _official() -> Any:
    viam = pytest.importorskip("viam", reason="the official SDK (a dev dependency) is not installed")
    installed = metadata.version("viam-sdk")
    assert installed == VERSION, (
        f"viam-sdk {installed} is installed; the parity lists are for {VERSION} "
        "(install the pinned dev dependency, or update VERSION and rerun with UPDATE_PARITY=1)"
    )
    return viam


def _reference() -> str:
    text = _seed.seed_text()
    if text is None:
        pytest.skip(f"reference declaration lines not found in {_seed.SEED_DIR}")
    return text


def _static(cls: type, name: str) -> Any:
    """The raw class attribute (looked up through the MRO, so mixins count)."""
    try:
        return inspect.getattr_static(cls, name)
    except AttributeError:
        return None


def _annotated(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        names |= set(vars(klass).get("__annotations__", {}))
    names |= set(getattr(cls, "__dataclass_fields__", {}))
    return names


def _public_members(cls: type) -> list[str]:
    names = {n for n in dir(cls) if not n.startswith("_")}
    names |= {n for n in _annotated(cls) if not n.startswith("_")}
    return sorted(names)


def _kind(cls: type, name: str) -> str:
    raw = _static(cls, name)
    if raw is None:
        return "attribute" if name in _annotated(cls) else "missing"
    if isinstance(raw, classmethod):
        return "classmethod"
    if isinstance(raw, staticmethod):
        return "staticmethod"
    if isinstance(raw, property):
        return "property"
    if isinstance(raw, type):
        return "class"
    if inspect.isfunction(raw) or inspect.ismethoddescriptor(raw) or callable(raw):
        return "method"
    return "attribute"


def _parameters(cls: type, name: str, kind: str) -> list[inspect.Parameter]:
    """The parameters a caller passes (no self/cls)."""
    if name == "__init__":
        params = list(inspect.signature(cls).parameters.values())
    else:
        params = list(inspect.signature(getattr(cls, name)).parameters.values())
        if kind == "method":
            params = params[1:]
    return params


def _is_coroutine(cls: type, name: str) -> bool:
    # 0.85.1 wraps some coroutines in plain-function decorators (``_alias_param``); look through them.
    return inspect.iscoroutinefunction(inspect.unwrap(getattr(cls, name)))


def _show(value: Any) -> str:
    text = repr(value)
    return type(value).__name__ if " at 0x" in text else text


def _same_default(theirs: Any, ours: Any) -> bool:
    if theirs is ours:
        return True
    try:
        equal = bool(theirs == ours)
    except Exception:  # an odd __eq__ is a difference, not a crash
        return False
    return equal and (isinstance(ours, type(theirs)) or isinstance(theirs, type(ours)))


def _check_parameters(
    theirs: list[inspect.Parameter],
    ours: list[inspect.Parameter],
    reference: list[str] | None,
) -> list[str]:
    """Gap suffixes (``(p)``, ``(p) at position N: ...``) for one callable."""
    problems: list[str] = []
    by_name = {p.name: p for p in ours if p.kind in _BY_KEYWORD}
    var_keyword = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in ours)
    var_positional = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in ours)
    ours_positional = [p.name for p in ours if p.kind in _POSITIONAL]
    theirs_names = {p.name: p for p in theirs}
    # Where the reference and 0.85.1 first put different names at one position (see
    # position_conflicts.txt) and ours keeps the reference's order, 0.85.1's positions
    # from there on cannot all be honoured: those parameters need only be accepted by keyword.
    diverges_at = len(theirs)
    if reference is not None and ours_positional[: len(reference)] == reference:
        theirs_positional = [p.name for p in theirs if p.kind in _POSITIONAL]
        diverges_at = next(
            (i for i, (a, b) in enumerate(zip(reference, theirs_positional, strict=False)) if a != b),
            len(theirs),
        )
    for index, param in enumerate(theirs):
        if param.kind in _VARIADIC or param.name.startswith("_"):
            continue
        mine = by_name.get(param.name)
        if param.kind is not inspect.Parameter.POSITIONAL_ONLY and mine is None and not var_keyword:
            problems.append(f"({param.name})")
            continue
        if param.kind in _POSITIONAL and not var_positional:
            here = ours_positional[index] if index < len(ours_positional) else None
            if here != param.name and index < diverges_at:
                problems.append(f"({param.name}) at position {index + 1}: ours has {here or 'nothing'}")
        if mine is not None and param.default is not _EMPTY and mine.default is not _EMPTY:
            if not _same_default(param.default, mine.default):
                problems.append(
                    f"({param.name}) default: {VERSION} {_show(param.default)} / ours {_show(mine.default)}"
                )
    for mine in ours:
        if mine.kind in _VARIADIC or mine.default is not _EMPTY:
            continue
        counterpart = theirs_names.get(mine.name)
        if counterpart is None or counterpart.default is not _EMPTY:
            problems.append(f"({mine.name}) required by ours")
    return problems


def _check_callable(
    report: Report,
    qualified: str,
    theirs_cls: type,
    ours_cls: type,
    sync_cls: type | None,
    name: str,
    kind: str,
    reference: list[str] | None,
) -> None:
    theirs = _parameters(theirs_cls, name, kind)
    ours_kind = _kind(ours_cls, name) if name != "__init__" else kind
    if ours_kind != kind:
        report.add(qualified, f"{qualified} kind: {VERSION} has a {kind}, ours a {ours_kind}")
        return
    if name != "__init__" and _is_coroutine(theirs_cls, name) != _is_coroutine(ours_cls, name):
        which = "a coroutine" if _is_coroutine(theirs_cls, name) else "a plain function"
        report.add(qualified, f"{qualified} kind: {VERSION} has {which}, ours not")
    found = _check_parameters(theirs, _parameters(ours_cls, name, kind), reference)
    for problem in found:
        report.add(qualified, f"{qualified}{problem}")
    if sync_cls is None or name == "__init__":
        return
    sync_kind = _kind(sync_cls, name)
    if sync_kind == "missing":
        report.add(qualified, f"{qualified} [sync]")
        return
    if sync_kind != kind:
        report.add(qualified, f"{qualified} [sync] kind: {VERSION} has a {kind}, ours a {sync_kind}")
        return
    if _is_coroutine(sync_cls, name):
        report.add(qualified, f"{qualified} [sync] kind: a coroutine on the blocking twin")
    for problem in _check_parameters(theirs, _parameters(sync_cls, name, kind), reference):
        if problem not in found:
            report.add(qualified, f"{qualified}{problem} [sync]")


def _walk(
    report: Report,
    prefix: str,
    theirs_cls: type,
    ours_cls: type,
    sync_cls: type | None,
    reference: dict[str, list[str]],
    constructor: bool,
) -> None:
    if constructor:
        qualified = f"{prefix}.__init__"
        report.members.append(qualified)
        _check_callable(report, qualified, theirs_cls, ours_cls, None, "__init__", "method", None)
    for name in _public_members(theirs_cls):
        qualified = f"{prefix}.{name}"
        report.members.append(qualified)
        kind = _kind(theirs_cls, name)
        ours_kind = _kind(ours_cls, name)
        if ours_kind == "missing":
            report.add(qualified, qualified)
            continue
        if kind == "class":
            nested_ours = getattr(ours_cls, name)
            if not isinstance(nested_ours, type):
                report.add(qualified, f"{qualified} kind: {VERSION} has a class, ours a {ours_kind}")
                continue
            nested_sync = None
            if sync_cls is not None:
                nested_sync = _static(sync_cls, name)
                if not isinstance(nested_sync, type):
                    report.add(qualified, f"{qualified} [sync]")
            # A nested class is data: its blocking flavour is the class itself.
            _walk(report, qualified, getattr(theirs_cls, name), nested_ours, None, {}, True)
        elif kind in ("method", "classmethod", "staticmethod"):
            _check_callable(
                report, qualified, theirs_cls, ours_cls, sync_cls, name, kind, reference.get(name)
            )
        elif kind == "property":
            if ours_kind != "property":
                report.add(qualified, f"{qualified} kind: {VERSION} has a property, ours a {ours_kind}")
            if sync_cls is not None and _kind(sync_cls, name) == "missing":
                report.add(qualified, f"{qualified} [sync]")
        else:  # a class attribute or an annotated field
            theirs_value, ours_value = _static(theirs_cls, name), _static(ours_cls, name)
            if (
                theirs_value is not None
                and ours_value is not None
                and not callable(theirs_value)
                and not _same_default(theirs_value, ours_value)
            ):
                report.add(
                    qualified,
                    f"{qualified} default: {VERSION} {_show(theirs_value)} / ours {_show(ours_value)}",
                )


def _reference_parameters(text: str, class_name: str) -> dict[str, list[str]]:
    try:
        methods = _seed.seed_methods(text, class_name)
    except ValueError:
        return {}
    return {m.name: [p.name for p in m.params] for m in methods if not m.name.startswith("__")}


def parity_reports() -> list[Report]:
    _official()
    text = _reference()
    reports = []
    for name, ours_module, theirs_module, sync_module in PAIRS:
        theirs = getattr(importlib.import_module(theirs_module), name)
        ours = getattr(importlib.import_module(ours_module), name)
        sync = getattr(importlib.import_module(sync_module), name) if sync_module else None
        report = Report(name)
        _walk(report, name, theirs, ours, sync, _reference_parameters(text, name), True)
        reports.append(report)
    return reports


# ------------------------------------------------------ reference vs 0.85.1


def _reference_constructors(text: str) -> dict[str, list[str]]:
    """Class name -> the positional parameters of its ``.. py:class::`` line."""
    out = {}
    for match in re.finditer(r"^\.\. py:class:: (\w+)\((.*)\)$", text, re.M):
        names = []
        for chunk in _seed._split_top(match.group(2)):
            if chunk == "*":
                break
            names.append(chunk.partition("=")[0].partition(":")[0].strip())
        out[match.group(1)] = names
    return out


def position_conflicts() -> list[str]:
    _official()
    text = _reference()
    constructors = _reference_constructors(text)
    lines = []
    for name, _ours_module, theirs_module, _sync_module in PAIRS:
        theirs_cls = getattr(importlib.import_module(theirs_module), name)
        pairs: list[tuple[str, list[str], list[inspect.Parameter]]] = []
        if constructors.get(name):
            pairs.append(("__init__", constructors[name], _parameters(theirs_cls, "__init__", "method")))
        for method, ref in _reference_parameters(text, name).items():
            kind = _kind(theirs_cls, method)
            if kind in ("method", "classmethod", "staticmethod"):
                pairs.append((method, ref, _parameters(theirs_cls, method, kind)))
        for method, ref, theirs in pairs:
            positional = [p.name for p in theirs if p.kind in _POSITIONAL]
            for index, (a, b) in enumerate(zip(ref, positional, strict=False)):
                if a != b:
                    lines.append(f"{name}.{method} #{index + 1}: reference {a}, {VERSION} {b}")
    return lines


# ---------------------------------------------------------------- files


def _read_list(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = (line.rstrip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _write_list(path: Path, header: str, lines: list[str]) -> None:
    path.write_text(header + "".join(f"{line}\n" for line in lines), encoding="utf-8")


def _diff_message(what: str, path: Path, new: list[str], gone: list[str]) -> str:
    parts = [f"{what} differ from {path.relative_to(REFERENCE_DIR.parents[1])}:"]
    if new:
        parts.append(f"  not listed ({len(new)}) - add the member/parameter, or list it:")
        parts += [f"    + {line}" for line in new]
    if gone:
        parts.append(f"  listed but no longer true ({len(gone)}) - remove them:")
        parts += [f"    - {line}" for line in gone]
    parts.append("  rerun with UPDATE_PARITY=1 to rewrite the list, and review the diff")
    return "\n".join(parts)


# ---------------------------------------------------------------- summary


class _Summary:
    """Prints the figures in pytest's terminal summary (registered by the test below)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[str]] = {}  # test -> its lines, in the order the tests ran

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.rows:
            terminalreporter.section(f"viam-sdk {VERSION} parity")
            for rows in self.rows.values():
                for row in rows:
                    terminalreporter.write_line(row)


def _summary(config: pytest.Config) -> _Summary:
    name = "viam-official-parity-summary"
    plugin = config.pluginmanager.get_plugin(name)
    if plugin is None:
        plugin = _Summary()
        config.pluginmanager.register(plugin, name)
    return plugin


def _figures(reports: list[Report]) -> Iterator[str]:
    yield f"members of viam-sdk {VERSION} present with compatible signatures:"
    for report in reports:
        defaults = sum(1 for lines in report.gaps.values() if any(" default: " in g for g in lines))
        note = f" ({defaults} with a different default)" if defaults else ""
        yield f"  {report.name:<20} {report.compatible():>3}/{len(report.members)}{note}"
    total = sum(r.compatible() for r in reports)
    yield f"  {'all':<20} {total:>3}/{sum(len(r.members) for r in reports)}"


# ---------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def reports() -> list[Report]:
    return parity_reports()


def test_every_official_member_and_parameter_is_ours_or_a_listed_gap(
    reports: list[Report], request: pytest.FixtureRequest
) -> None:
    current = sorted({line for report in reports for line in report.lines()})
    figures = list(_figures(reports))
    print("\n" + "\n".join(figures))
    _summary(request.config).rows["gaps"] = [*figures, f"  gaps (lines of {GAPS_FILE.name}): {len(current)}"]
    if UPDATE:
        _write_list(GAPS_FILE, _HEADER, current)
    listed = _read_list(GAPS_FILE)
    assert len(listed) == len(set(listed)), f"{GAPS_FILE.name} lists a gap twice"
    new = [line for line in current if line not in set(listed)]
    gone = [line for line in listed if line not in set(current)]
    assert not new and not gone, _diff_message("the gaps against the official SDK", GAPS_FILE, new, gone)


def test_position_conflicts_between_the_reference_and_the_official_sdk_are_listed(
    request: pytest.FixtureRequest,
) -> None:
    current = position_conflicts()
    print("\n" + "\n".join(current))
    _summary(request.config).rows["conflicts"] = [
        f"  position conflicts, reference vs {VERSION} (lines of {CONFLICTS_FILE.name}): {len(current)}"
    ]
    if UPDATE:
        _write_list(CONFLICTS_FILE, _CONFLICTS_HEADER, current)
    listed = _read_list(CONFLICTS_FILE)
    new = [line for line in current if line not in set(listed)]
    gone = [line for line in listed if line not in set(current)]
    assert not new and not gone, _diff_message("the position conflicts", CONFLICTS_FILE, new, gone)
    assert any(line.startswith("DataClient.tabular_data_capture_upload #6:") for line in current)


def test_the_parity_check_itself_catches_a_gap() -> None:
    """A self-check on two toy classes: a missing member, a refused keyword, a moved position."""

    class Theirs:
        limit: int = 3

        async def fetch(self, item_id: str, version: str | None = None, page: int = 10) -> None: ...

        async def gone(self) -> None: ...

        @classmethod
        def make(cls, name: str) -> None: ...

        async def moved(self, a: int, b: int | None = None) -> None: ...

    class Ours:
        limit: int = 3

        async def fetch(self, item_id: str, page: int = 20, **extra: Any) -> None: ...

        def make(self, title: str) -> None: ...

        async def moved(self, b: int, a: int) -> None: ...

    class Sync:
        limit: int = 3

        def fetch(self, item_id: str, page: int = 20) -> None: ...

    report = Report("Toy")
    _walk(report, "Toy", Theirs, Ours, Sync, {"fetch": ["item_id", "page"]}, False)
    assert sorted(report.lines()) == [
        "Toy.fetch(page) default: 0.85.1 10 / ours 20",  # page's position: the reference's conflict
        "Toy.fetch(version) [sync]",  # accepted by **extra in the async class only
        "Toy.gone",
        "Toy.make kind: 0.85.1 has a classmethod, ours a method",
        "Toy.moved [sync]",
        "Toy.moved(a) at position 1: ours has b",
        "Toy.moved(b) at position 2: ours has a",
        "Toy.moved(b) required by ours",
    ]
    assert report.compatible() == 1  # limit (fetch has a [sync] gap)
