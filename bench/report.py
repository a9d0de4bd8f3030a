"""Medians, ratios and the printed table (Markdown, ready for the README)."""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from statistics import median
from typing import TYPE_CHECKING, Any

from bench.config import CLIENTS, OFFICIAL, OURS_ASYNC, OURS_SYNC

if TYPE_CHECKING:
    from bench.env import BenchEnv
    from bench.runner import Outcome, Plan

HEADERS = {OURS_ASYNC: "ours async", OURS_SYNC: "ours sync", OFFICIAL: "official 0.85.1"}


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
    import os

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
        "versions": {
            "viam-sdk (official)": version("viam-sdk"),
            "betterproto2": version("betterproto2"),
            "grpclib": version("grpclib"),
            "protobuf": f"{version('protobuf')} ({pb_impl})",
        },
    }


def build_report(plan: Plan, outcome: Outcome, env: BenchEnv | None, wall_s: float) -> dict[str, Any]:
    workloads: list[dict[str, Any]] = []
    for w in plan.workloads:
        by_client = outcome.results.get(w.key, {})
        metrics = []
        for m in w.metrics:
            cells = {c: _cell(by_client.get(c, []), m.read) for c in plan.clients}
            ratios: dict[str, float | None] = {}
            official = cells.get(OFFICIAL, {})
            for ours in (OURS_ASYNC, OURS_SYNC):
                mine = cells.get(ours, {})
                ok = mine.get("status") == "ok" and official.get("status") == "ok" and official["median"] > 0
                ratios[ours] = mine["median"] / official["median"] if ok else None
            metrics.append({"label": m.label, "unit": m.unit, "clients": cells, "ours_over_official": ratios})
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
        "notes": _notes(workloads),
    }
    if env is not None and env.seed_problems:
        report["seed_problems"] = env.seed_problems
    return report


def _notes(workloads: list[dict[str, Any]]) -> list[str]:
    notes: list[str] = []
    for w in workloads:
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


def render_table(report: dict[str, Any]) -> str:
    clients = [c for c in CLIENTS]
    footnotes: list[str] = []

    def note(reason: str) -> str:
        if reason not in footnotes:
            footnotes.append(reason)
        return f"[{footnotes.index(reason) + 1}]"

    lines = [
        "| # | workload | metric | "
        + " | ".join(HEADERS[c] for c in clients)
        + " | async/official | sync/official |",
        "|---|---|---|" + "---:|" * (len(clients) + 2),
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
            ratios = [m["ours_over_official"].get(c) for c in (OURS_ASYNC, OURS_SYNC)]
            ratio_text = [f"{r:.2f}" if r is not None else "–" for r in ratios]
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
        "",
        *lines,
        "",
        "Ratios are ours / official: below 1 means ours takes less time or memory "
        "(for throughput, above 1 means ours is faster).",
    ]
    for n in report.get("notes", []):
        out.append(f"- {n}")
    for k, reason in enumerate(footnotes, 1):
        out.append(f"[{k}] {reason}")
    return "\n".join(out)
