"""The benchmark's arithmetic and table, on made-up worker results (no server, no clocks)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `bench` lives at the top of the repository, not installed
    sys.path.insert(0, str(ROOT))

from bench.config import SMOKE  # noqa: E402
from bench.registry import BY_KEY, WORKLOADS  # noqa: E402
from bench.report import build_report, render_table  # noqa: E402
from bench.runner import Outcome, Plan, _rotated  # noqa: E402


def _ok(workload: str, client: str, seconds: float, **extra: Any) -> dict[str, Any]:
    return {
        "workload": workload,
        "client": client,
        "status": "ok",
        "seconds": seconds,
        "cpu_seconds": seconds / 2,
        "peak_above_base_kib": 1000,
        "extra": extra,
    }


def _plan(tmp_path: Path, *keys: str) -> Plan:
    return Plan(
        sizes=SMOKE,
        reps=3,
        workloads=tuple(BY_KEY[k] for k in keys),
        smoke=False,
        out=tmp_path / "r.json",
        command="python -m bench",
    )


def test_medians_ratios_and_reasons(tmp_path: Path) -> None:
    outcome = Outcome()
    for s in (3.0, 1.0, 2.0):
        outcome.add(_ok("tabular", "ours-async", s))
    for s in (4.0, 4.0, 8.0):
        outcome.add(_ok("tabular", "official", s))
    outcome.add(
        {"workload": "tabular", "client": "ours-sync", "status": "n/a", "reason": "not built yet (x)"}
    )
    report = build_report(_plan(tmp_path, "tabular"), outcome, None, 1.0)

    time_row = report["workloads"][0]["metrics"][0]
    assert time_row["label"] == "time"
    assert time_row["clients"]["ours-async"]["median"] == 2.0
    assert time_row["clients"]["official"]["median"] == 4.0
    assert time_row["ours_over_official"] == {"ours-async": 0.5, "ours-sync": None}
    assert time_row["clients"]["ours-sync"] == {"status": "n/a", "reason": "not built yet (x)"}

    table = render_table(report)
    assert (
        "| 3 | tabular_data_by_filter, 40 ten-field rows to dicts | time (s) | 2.00 | n/a [1] | 4.00 | 0.50 | – |"
        in table
    )
    assert "[1] not built yet (x)" in table


def test_a_failed_repetition_is_footnoted_not_hidden(tmp_path: Path) -> None:
    outcome = Outcome()
    outcome.add(_ok("unary-seq", "ours-async", 2.0, us_per_call=100.0))
    outcome.add(
        {"workload": "unary-seq", "client": "ours-async", "status": "error", "reason": "failed: boom"}
    )
    report = build_report(_plan(tmp_path, "unary-seq"), outcome, None, 1.0)
    cell = report["workloads"][0]["metrics"][0]["clients"]["ours-async"]
    assert cell["median"] == 2.0 and cell["failed_runs"] == 1
    assert "1 run(s) failed: failed: boom" in render_table(report)


def test_only_errors_show_as_error(tmp_path: Path) -> None:
    outcome = Outcome()
    outcome.add(
        {"workload": "binary", "client": "ours-async", "status": "error", "reason": "failed: KeyError"}
    )
    table = render_table(build_report(_plan(tmp_path, "binary"), outcome, None, 1.0))
    assert "ERROR [1]" in table
    assert "[1] failed: KeyError" in table


def test_clients_take_turns_going_first() -> None:
    clients = ("a", "b", "c")
    firsts = [_rotated(clients, rep)[0] for rep in range(3)]
    assert sorted(firsts) == ["a", "b", "c"]
    assert all(sorted(_rotated(clients, rep)) == ["a", "b", "c"] for rep in range(5))


def test_registry_covers_the_nine_workloads_for_every_client() -> None:
    assert [w.number for w in WORKLOADS] == list(range(1, 10))
    for w in WORKLOADS:
        if w.kind == "worker":
            for client in ("ours-async", "ours-sync", "official"):
                assert callable(w.resolve(client)), (w.key, client)
