"""The benchmark's arithmetic and table, on made-up worker results (no server, no clocks)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `bench` lives at the top of the repository, not installed
    sys.path.insert(0, str(ROOT))

from bench.config import SMOKE  # noqa: E402
from bench.processes import PURE_ENV, child_env, missing_bytecode, source_fingerprint  # noqa: E402
from bench.registry import BY_KEY, WORKLOADS  # noqa: E402
from bench.report import build_report, render_table, scaling  # noqa: E402
from bench.results import Outcome, Plan  # noqa: E402
from bench.runner import _rotated  # noqa: E402


def _ok(
    workload: str, client: str, seconds: float, cpu: float | None = None, peak_kib: int = 1000, **extra: Any
) -> dict[str, Any]:
    return {
        "workload": workload,
        "client": client,
        "status": "ok",
        "seconds": seconds,
        "cpu_seconds": seconds / 2 if cpu is None else cpu,
        "peak_above_base_kib": peak_kib,
        "extra": extra,
    }


def _plan(tmp_path: Path, *keys: str, pure: bool = False) -> Plan:
    return Plan(
        sizes=SMOKE,
        reps=3,
        workloads=tuple(BY_KEY[k] for k in keys),
        smoke=False,
        out=tmp_path / "r.json",
        command="python -m bench",
        pure=pure,
    )


def _row(table: str, start: str) -> list[str]:
    """The cells of the one table line that starts with ``start``."""
    lines = [line for line in table.splitlines() if line.startswith(start)]
    assert len(lines) == 1, (start, lines)
    return [cell.strip() for cell in lines[0].strip("|").split("|")]


def test_medians_ratios_and_reasons(tmp_path: Path) -> None:
    outcome = Outcome()
    for s in (3.0, 1.0, 2.0):
        outcome.add(_ok("tabular", "ours-async", s, cpu=s * 3))
    for s in (4.0, 4.0, 8.0):
        outcome.add(_ok("tabular", "official", s, cpu=s / 2))
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
    # Client CPU: ours 6 s (median of 9, 3, 6), official 2 s (median of 2, 2, 4).
    assert time_row["cpu_ours_over_official"] == {"ours-async": 3.0, "ours-sync": None}

    table = render_table(report)
    assert (
        "| 3 | tabular_data_by_filter, 40 ten-field rows to dicts | time (s) | 2.00 | n/a [1] | 4.00 "
        "| 0.50 | - | 3.00 | - |" in table
    )
    assert "[1] not built yet (x)" in table


def test_every_row_has_a_cpu_ratio_beside_its_own(tmp_path: Path) -> None:
    outcome = Outcome()
    outcome.add(_ok("tabular", "ours-async", 2.0, cpu=1.5, peak_kib=3000, us_per_row=50.0))
    outcome.add(_ok("tabular", "ours-sync", 2.0, cpu=2.5, peak_kib=3000, us_per_row=50.0))
    outcome.add(_ok("tabular", "official", 1.0, cpu=0.5, peak_kib=1000, us_per_row=25.0))
    table = render_table(build_report(_plan(tmp_path, "tabular"), outcome, None, 1.0))
    header = _row(table, "| # |")
    assert header[-4:] == ["async/official", "sync/official", "CPU async/official", "CPU sync/official"]
    tabular_rows = [_row(table, "| 3 |")] + [
        [c.strip() for c in line.strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("|  |  |")
    ]
    assert [r[2] for r in tabular_rows] == [
        "time (s)",
        "per row (µs)",
        "client CPU (s)",
        "peak memory above start (MB)",
    ]
    own = {r[2]: r[-4:-2] for r in tabular_rows}
    assert own["time (s)"] == ["2.00", "2.00"]
    assert own["peak memory above start (MB)"] == ["3.00", "3.00"]
    for r in tabular_rows:  # the CPU of the same measured part, on every row
        assert r[-2:] == ["3.00", "5.00"], r


def test_codec_rows_take_the_cpu_of_their_own_step(tmp_path: Path) -> None:
    outcome = Outcome()
    steps = {"parse_ms": 10.0, "serialise_ms": 4.0, "parse_to_dicts_ms": 20.0}
    outcome.add(
        _ok(
            "codec",
            "ours-async",
            1.0,
            **steps,
            parse_cpu_ms=9.0,
            serialise_cpu_ms=4.0,
            parse_to_dicts_cpu_ms=18.0,
        )
    )
    outcome.add(
        _ok(
            "codec",
            "official",
            1.0,
            **steps,
            parse_cpu_ms=1.0,
            serialise_cpu_ms=2.0,
            parse_to_dicts_cpu_ms=6.0,
        )
    )
    outcome.add({"workload": "codec", "client": "ours-sync", "status": "n/a", "reason": "same codec"})
    report = build_report(_plan(tmp_path, "codec"), outcome, None, 1.0)
    cpu = [m["cpu_ours_over_official"]["ours-async"] for m in report["workloads"][0]["metrics"]]
    assert cpu == [9.0, 2.0, 3.0]
    assert _row(render_table(report), "| 8 |")[-4:] == ["1.00", "-", "9.00", "-"]


def test_a_row_without_an_official_figure_shows_dashes(tmp_path: Path) -> None:
    outcome = Outcome()
    outcome.add(_ok("sync-overhead", "ours-async", 1.0, us_per_call=500.0, cpu_us_per_call=400.0))
    outcome.add(_ok("sync-overhead", "ours-sync", 1.5, us_per_call=750.0, cpu_us_per_call=700.0))
    outcome.add({"workload": "sync-overhead", "client": "official", "status": "n/a", "reason": "no sync"})
    table = render_table(build_report(_plan(tmp_path, "sync-overhead"), outcome, None, 1.0))
    assert _row(table, "| 9 |")[-4:] == ["-", "-", "-", "-"]


def test_the_large_pull_is_set_against_the_small_one(tmp_path: Path) -> None:
    outcome = Outcome()
    for client, small_us, big_us, small_kib, big_kib in (
        ("ours-async", 100.0, 110.0, 1000, 10_000),
        ("ours-sync", 100.0, 90.0, 1000, 12_000),
        ("official", 20.0, 20.0, 500, 5_500),
    ):
        outcome.add(_ok("tabular", client, 1.0, peak_kib=small_kib, us_per_row=small_us, cpu_us_per_row=10.0))
        outcome.add(
            _ok("tabular-100k", client, 10.0, peak_kib=big_kib, us_per_row=big_us, cpu_us_per_row=15.0)
        )
    report = build_report(_plan(tmp_path, "tabular", "tabular-100k"), outcome, None, 1.0)
    scaled = scaling(report["workloads"])
    assert scaled["per_row"] == {"ours-async": 1.1, "ours-sync": 0.9, "official": 1.0}
    assert scaled["peak_memory"] == {"ours-async": 10.0, "ours-sync": 12.0, "official": 11.0}
    assert scaled["cpu_per_row"] == {"ours-async": 1.5, "ours-sync": 1.5, "official": 1.5}
    assert (
        "- 10. against the smaller pull (3), ours async / ours sync / official 0.85.1: "
        "time per row 1.10x / 0.90x / 1.00x, client CPU per row 1.50x / 1.50x / 1.50x, "
        "peak memory 10.00x / 12.00x / 11.00x (7.5x the rows)" in render_table(report)
    )


def test_the_header_says_how_our_clients_ran(tmp_path: Path) -> None:
    outcome = Outcome(bytecode={"ok": True, "packages": ["viam_api", "viam_sdk"]})
    plain = render_table(build_report(_plan(tmp_path, "import"), outcome, None, 1.0))
    assert "Set-up: bytecode compiled before measuring (viam_api, viam_sdk);" in plain
    assert f"{PURE_ENV} not set" in plain
    pure_report = build_report(_plan(tmp_path, "import", pure=True), Outcome(), None, 1.0)
    assert pure_report["meta"]["pure_python"] is True
    assert f"our clients ran with {PURE_ENV}=1" in render_table(pure_report)
    broken = Outcome(bytecode={"ok": False, "problem": "compileall exited with 1"})
    assert "bytecode NOT compiled (compileall exited with 1)" in render_table(
        build_report(_plan(tmp_path, "import"), broken, None, 1.0)
    )


def test_code_edited_during_a_run_is_called_out(tmp_path: Path) -> None:
    steady = Outcome(sources={"start": "abc", "end": "abc"})
    assert "WARNING" not in render_table(build_report(_plan(tmp_path, "import"), steady, None, 1.0))
    edited = build_report(
        _plan(tmp_path, "import"), Outcome(sources={"start": "abc", "end": "abd"}), None, 1.0
    )
    assert edited["meta"]["sources_changed"] is True
    assert "WARNING: our packages' code changed during the run" in render_table(edited)


def test_the_fingerprint_follows_the_code(tmp_path: Path, monkeypatch: Any) -> None:
    package = tmp_path / "fpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    first = source_fingerprint(("fpkg",))
    assert source_fingerprint(("fpkg",)) == first
    (package / "notes.txt").write_text("not code")
    assert source_fingerprint(("fpkg",)) == first
    (package / "mod.py").write_text("X = 22\n")
    assert source_fingerprint(("fpkg",)) != first


def test_only_our_clients_get_the_pure_switch_and_nobody_loses_bytecode() -> None:
    base = {"PATH": "/bin", "PYTHONDONTWRITEBYTECODE": "1", PURE_ENV: "1"}
    for client in ("ours-async", "ours-sync"):
        assert child_env(client, pure=True, base=base)[PURE_ENV] == "1"
        assert PURE_ENV not in child_env(client, pure=False, base=base)
    assert PURE_ENV not in child_env("official", pure=True, base=base)
    assert PURE_ENV not in child_env(None, pure=True, base=base)  # emulator, pusher
    for client in ("ours-async", "ours-sync", "official", None):
        for pure in (False, True):
            env = child_env(client, pure=pure, base=base)
            assert "PYTHONDONTWRITEBYTECODE" not in env
            assert env["PATH"] == "/bin"


def test_missing_bytecode_sees_absent_fresh_and_stale_pyc(tmp_path: Path) -> None:
    import os
    import py_compile

    source = tmp_path / "pkg" / "mod.py"
    source.parent.mkdir()
    source.write_text("X = 1\n")
    assert missing_bytecode(tmp_path / "pkg") == [str(source)]
    py_compile.compile(str(source), doraise=True)
    assert missing_bytecode(tmp_path / "pkg") == []
    source.write_text("X = 22\n")  # another size: stale whatever the clock's resolution
    st = source.stat()
    os.utime(source, (st.st_atime, st.st_mtime + 5))
    assert missing_bytecode(tmp_path / "pkg") == [str(source)]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_report_and_runner_do_not_import_each_other() -> None:
    report, runner = ROOT / "bench" / "report.py", ROOT / "bench" / "runner.py"
    assert "bench.runner" not in _imports(report)
    assert "bench.results" in _imports(report) and "bench.results" in _imports(runner)
    # The shared types live in bench.results, which imports neither.
    assert not {"bench.runner", "bench.report"} & _imports(ROOT / "bench" / "results.py")


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


def test_registry_covers_the_eighteen_workloads_for_every_client() -> None:
    assert [w.number for w in WORKLOADS] == list(range(1, 19))
    for w in WORKLOADS:
        if w.kind == "worker":
            for client in ("ours-async", "ours-sync", "official"):
                assert callable(w.resolve(client)), (w.key, client)


def test_two_builds_of_ours_get_their_own_columns_and_header_line(tmp_path: Path) -> None:
    from bench.installs import Install
    from bench.results import clients_for

    wheel = Install("wheel", "/v/bin/python", "installed wheel viam_fleet_sdk-0.1.0-cp311-cp311-linux_x86_64.whl")
    editable = Install("editable", sys.executable, "editable checkout /repo")
    plan = _plan(tmp_path, "tabular")
    plan.installs = (wheel, editable)
    plan.clients = clients_for(plan.installs)
    assert plan.clients == ("ours-async", "ours-sync", "ours-async@editable", "ours-sync@editable", "official")
    assert plan.python_for("ours-async") == plan.python_for("official") == "/v/bin/python"
    assert plan.python_for("ours-sync@editable") == sys.executable
    outcome = Outcome()
    outcome.installs = [
        {**wheel.to_json(), "compiled": True},
        {**editable.to_json(), "compiled": False},
    ]
    for client, s in [("ours-async", 1.0), ("ours-async@editable", 3.0), ("official", 2.0)]:
        outcome.add(_ok("tabular", client, s, cpu=s))
    report = build_report(plan, outcome, None, 1.0)
    table = render_table(report)
    assert (
        "ours: installed wheel viam_fleet_sdk-0.1.0-cp311-cp311-linux_x86_64.whl, compiled codec: yes; "
        "ours@editable: editable checkout /repo, compiled codec: no." in table
    )
    head = _row(table, "| # |")
    assert head[3:8] == ["ours async", "ours sync", "ours async (editable)", "ours sync (editable)", "official 0.85.1"]
    assert head[8:] == [
        "async/official", "sync/official", "async@editable/official", "sync@editable/official",
        "CPU async/official", "CPU sync/official", "CPU async@editable/official", "CPU sync@editable/official",
    ]  # fmt: skip
    row = _row(table, "| 3 |")
    assert len(row) == len(head)
    assert row[8] == "0.50" and row[10] == "1.50" and row[9] == "-"


def test_pure_switch_reaches_our_clients_of_every_build() -> None:
    assert child_env("ours-sync@editable", pure=True, base={})[PURE_ENV] == "1"
    assert PURE_ENV not in child_env("official", pure=True, base={})
