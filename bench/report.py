"""Medians, ratios and the printed table (Markdown, ready for the README)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from statistics import median
from typing import TYPE_CHECKING, Any

from bench.config import CLIENTS, OFFICIAL, OURS_ASYNC, OURS_SYNC, VARIANT_MARK, Sizes, base_client
from bench.processes import PURE_ENV

if TYPE_CHECKING:
    from bench.env import BenchEnv
    from bench.results import Outcome, Plan

HEADERS = {OURS_ASYNC: "ours async", OURS_SYNC: "ours sync", OFFICIAL: "official 0.85.1"}
#: Shown where a ratio has no figure on one side.
MISSING = "-"


def header(client: str) -> str:
    """A client's column title: ``ours async``, or ``ours async (editable)`` for a second build's."""
    _, _, kind = client.partition(VARIANT_MARK)
    return f"{HEADERS[base_client(client)]} ({kind})" if kind else HEADERS[client]


def _short(client: str) -> str:
    """A client's name in a ratio column: ``async``, ``sync@editable``."""
    return client.removeprefix("ours-")


def _cell(results: list[dict[str, Any]], read: Any) -> dict[str, Any]:
    """Median of one metric over a client's repetitions, or why there is none."""
    values = [v for v in (read(r) for r in results if r.get("status") == "ok") if v is not None]
    if values:
        cell: dict[str, Any] = {"status": "ok", "median": median(values), "samples": values}
        failed = [r for r in results if r.get("status") != "ok"]
        if failed:
            cell["failed_runs"] = len(failed)
            cell["reason"] = failed[0].get("reason", "")
        return cell
    for r in results:
        if r.get("status") != "ok":
            return {"status": r.get("status", "error"), "reason": r.get("reason", "no result")}
    return {"status": "n/a", "reason": "no result"}


def _extras(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of every numeric extra over the successful runs (plus non-numeric ones as seen)."""
    merged: dict[str, list[Any]] = {}
    for r in results:
        if r.get("status") == "ok":
            for key, value in r.get("extra", {}).items():
                merged.setdefault(key, []).append(value)
    out: dict[str, Any] = {}
    for key, values in merged.items():
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            out[key] = median(values)
        elif key != "uploaded_ids":
            out[key] = values[0]
    return out


def _meta(plan: Plan, outcome: Outcome, wall_s: float) -> dict[str, Any]:
    def version(dist: str) -> str:
        try:
            return importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            return "not installed"

    try:
        from google.protobuf.internal import api_implementation

        pb_impl = api_implementation.Type()
    except ImportError:
        pb_impl = "not installed"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except OSError:
        commit = ""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": plan.command,
        "smoke": plan.smoke,
        "repetitions": plan.reps,
        "sizes": plan.sizes.to_json(),
        "wall_seconds": round(wall_s, 1),
        "load_average_1min": outcome.load,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "git_commit": commit,
        # Our clients' workers had VIAM_API_PURE_PYTHON=1 (`--pure`); nobody else did.
        "pure_python": plan.pure,
        # The builds of our SDK measured, as probed (bench.installs), and the columns.
        "installs": outcome.installs,
        "clients": list(plan.clients),
        "ours_env": {PURE_ENV: "1"} if plan.pure else {},
        "bytecode": outcome.bytecode,
        "sources": outcome.sources,
        "sources_changed": len(set(outcome.sources.values())) > 1,
        "seed_seconds": outcome.seed_seconds,
        "versions": {
            "viam-sdk (official)": version("viam-sdk"),
            "betterproto2": version("betterproto2"),
            "grpclib": version("grpclib"),
            "protobuf": f"{version('protobuf')} ({pb_impl})",
        },
    }


def _ratios(cells: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    """Ours / official for each of our clients; None where either side has no figure."""
    ratios: dict[str, float | None] = {}
    official = cells.get(OFFICIAL, {})
    for ours in [c for c in cells if c != OFFICIAL] or [OURS_ASYNC, OURS_SYNC]:
        mine = cells.get(ours, {})
        ok = mine.get("status") == "ok" and official.get("status") == "ok" and official["median"] > 0
        ratios[ours] = mine["median"] / official["median"] if ok else None
    return ratios


def build_report(plan: Plan, outcome: Outcome, env: BenchEnv | None, wall_s: float) -> dict[str, Any]:
    workloads: list[dict[str, Any]] = []
    for w in plan.workloads:
        by_client = outcome.results.get(w.key, {})
        metrics = []
        for m in w.metrics:
            cells = {c: _cell(by_client.get(c, []), m.read) for c in plan.clients}
            # The client CPU of the same measured part, for the CPU ratio beside the row's own.
            cpu = {c: _cell(by_client.get(c, []), m.read_cpu) for c in plan.clients}
            metrics.append(
                {
                    "label": m.label,
                    "unit": m.unit,
                    "clients": cells,
                    "ours_over_official": _ratios(cells),
                    "cpu_key": m.cpu,
                    "cpu": cpu,
                    "cpu_ours_over_official": _ratios(cpu),
                }
            )
        workloads.append(
            {
                "number": w.number,
                "key": w.key,
                "title": w.describe(plan.sizes),
                "metrics": metrics,
                "extras": {c: _extras(by_client.get(c, [])) for c in plan.clients},
            }
        )
    report: dict[str, Any] = {
        "meta": _meta(plan, outcome, wall_s),
        "workloads": workloads,
        "notes": _notes(workloads, plan.sizes),
    }
    if env is not None and env.seed_problems:
        report["seed_problems"] = env.seed_problems
    return report


def _metric(workload: dict[str, Any], label: str) -> dict[str, Any]:
    for m in workload["metrics"]:
        if m["label"] == label:
            found: dict[str, Any] = m
            return found
    return {"clients": {}}


def _against(big: dict[str, Any], small: dict[str, Any], label: str) -> dict[str, float]:
    """big / small of one metric, per client that has both figures."""
    out: dict[str, float] = {}
    b, s = _metric(big, label)["clients"], _metric(small, label)["clients"]
    for client in CLIENTS:
        x, y = b.get(client, {}), s.get(client, {})
        if x.get("status") == "ok" and y.get("status") == "ok" and y["median"] > 0:
            out[client] = x["median"] / y["median"]
    return out


def scaling(workloads: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Workload 10 against workload 3: per-row time and peak memory, large / small, per client."""
    by_key = {w["key"]: w for w in workloads}
    big, small = by_key.get("tabular-100k"), by_key.get("tabular")
    if big is None or small is None:
        return {}
    cpu_per_row: dict[str, float] = {}
    for client in CLIENTS:
        x = big["extras"].get(client, {}).get("cpu_us_per_row")
        y = small["extras"].get(client, {}).get("cpu_us_per_row")
        if isinstance(x, (int, float)) and isinstance(y, (int, float)) and y > 0:
            cpu_per_row[client] = x / y
    return {
        "per_row": _against(big, small, "per row"),
        "cpu_per_row": cpu_per_row,
        "peak_memory": _against(big, small, "peak memory above start"),
    }


def _each(figures: dict[str, float], clients: list[str]) -> str:
    return " / ".join(f"{figures[c]:.2f}x" if c in figures else MISSING for c in clients)


def _notes(workloads: list[dict[str, Any]], sizes: Sizes) -> list[str]:
    notes: list[str] = []
    rows = sizes.tabular_big_rows / max(1, sizes.tabular_rows)
    for w in workloads:
        scaled = scaling(workloads) if w["key"] == "tabular-100k" else {}
        if any(scaled.values()):
            names = [c for c in CLIENTS if any(c in figures for figures in scaled.values())]
            notes.append(
                "10. against the smaller pull (3), "
                + " / ".join(HEADERS[c] for c in names)
                + f": time per row {_each(scaled['per_row'], names)}, "
                f"client CPU per row {_each(scaled['cpu_per_row'], names)}, "
                f"peak memory {_each(scaled['peak_memory'], names)} ({rows:g}x the rows)"
            )
        if w["key"] == "sync-overhead":
            cells = w["metrics"][0]["clients"]
            a, s = cells.get(OURS_ASYNC, {}), cells.get(OURS_SYNC, {})
            if a.get("status") == "ok" and s.get("status") == "ok":
                text = (
                    f"9. the sync facade's cost per call: {s['median'] - a['median']:+.0f} µs of wall time "
                    f"({s['median']:.0f} vs {a['median']:.0f} µs)"
                )
                ca, cs = (
                    w["metrics"][1]["clients"].get(OURS_ASYNC, {}),
                    w["metrics"][1]["clients"].get(OURS_SYNC, {}),
                )
                if ca.get("status") == "ok" and cs.get("status") == "ok":
                    text += f", {cs['median'] - ca['median']:+.0f} µs of client CPU ({cs['median']:.0f} vs {ca['median']:.0f} µs)"
                notes.append(text)
        if w["key"] == "codec":
            ours = w["extras"].get(OURS_ASYNC, {})
            if "same_bytes" in ours:
                notes.append(
                    "8. ours re-serialises the payload to "
                    + ("the very same bytes" if ours["same_bytes"] else "different bytes of the same meaning")
                    + f" ({ours.get('reserialised_bytes', 0):,.0f} of {ours.get('payload_bytes', 0):,.0f})"
                )
        if w["key"] == "unary-concurrent":
            threads = w["extras"].get(OURS_SYNC, {}).get("threads")
            if threads:
                notes.append(
                    f"2. the sync client blocks, so it makes its calls from {threads:.0f} threads: at most "
                    f"{threads:.0f} in flight, where the async clients have all of them in flight at once"
                )
    return notes


def _fmt(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _setup_line(meta: dict[str, Any]) -> str:
    """The second header line: bytecode and codec set-up of the measured processes."""
    bytecode = meta.get("bytecode") or {}
    if bytecode.get("ok"):
        code = "bytecode compiled before measuring (" + ", ".join(bytecode.get("packages", [])) + ")"
    elif bytecode:
        code = f"bytecode NOT compiled ({bytecode.get('problem', 'unknown')})"
    else:
        code = "bytecode not checked"
    if meta.get("pure_python"):
        codec = f"our clients ran with {PURE_ENV}=1 (--pure: compiled codec switched off)"
    else:
        codec = f"{PURE_ENV} not set (our clients' default codec)"
    line = f"Set-up: {code}; {codec}."
    builds = []
    for i, install in enumerate(meta.get("installs") or []):
        compiled = {True: "yes", False: "no"}.get(install.get("compiled"), "unknown")
        who = "ours" if i == 0 else f"ours{VARIANT_MARK}{install.get('kind')}"
        builds.append(f"{who}: {install.get('label')}, compiled codec: {compiled}")
    if builds:
        line += "\n" + "; ".join(builds) + "."
    if meta.get("sources_changed"):
        line += (
            " WARNING: our packages' code changed during the run, so these figures mix two versions of it."
        )
    return line


def render_table(report: dict[str, Any]) -> str:
    clients = list(report["meta"].get("clients") or CLIENTS)
    ours = [c for c in clients if c != OFFICIAL]
    footnotes: list[str] = []

    def note(reason: str) -> str:
        if reason not in footnotes:
            footnotes.append(reason)
        return f"[{footnotes.index(reason) + 1}]"

    lines = [
        "| # | workload | metric | "
        + " | ".join(header(c) for c in clients)
        + "".join(f" | {_short(c)}/official" for c in ours)
        + "".join(f" | CPU {_short(c)}/official" for c in ours)
        + " |",
        "|---|---|---|" + "---:|" * (len(clients) + 2 * len(ours)),
    ]
    for w in report["workloads"]:
        for i, m in enumerate(w["metrics"]):
            cells = []
            for c in clients:
                cell = m["clients"].get(c, {"status": "n/a", "reason": "not run"})
                if cell["status"] == "ok":
                    text = _fmt(cell["median"])
                    if cell.get("failed_runs"):
                        text += " " + note(f"{cell['failed_runs']} run(s) failed: {cell.get('reason', '')}")
                else:
                    label = "ERROR" if cell["status"] == "error" else "n/a"
                    text = f"{label} {note(cell.get('reason', ''))}"
                cells.append(text)
            ratios = [m["ours_over_official"].get(c) for c in ours]
            ratios += [m.get("cpu_ours_over_official", {}).get(c) for c in ours]
            ratio_text = [f"{r:.2f}" if r is not None else MISSING for r in ratios]
            first = i == 0
            lines.append(
                f"| {w['number'] if first else ''} | {w['title'] if first else ''} | {m['label']} ({m['unit']}) | "
                + " | ".join(cells)
                + " | "
                + " | ".join(ratio_text)
                + " |"
            )
    meta = report["meta"]
    load = meta.get("load_average_1min", {})
    load_text = ", load " + " -> ".join(f"{v:.1f}" for v in load.values()) if load else ""
    out = [
        f"viam-fleet-sdk benchmark, {meta['date_utc']}, {meta['cpu']} x{meta['cpus']}{load_text}, "
        f"Python {meta['python']}, {meta['repetitions']} repetitions (medians); {meta['command']}",
        _setup_line(meta),
        "",
        *lines,
        "",
        "Ratios are ours / official: below 1 means ours takes less time or memory "
        "(for throughput, above 1 means ours is faster).  The CPU ratios compare the client "
        f"process's CPU time over the same measured part (below 1: ours spends less); {MISSING} "
        "where a side has no figure.",
    ]
    for n in report.get("notes", []):
        out.append(f"- {n}")
    for k, reason in enumerate(footnotes, 1):
        out.append(f"[{k}] {reason}")
    return "\n".join(out)
