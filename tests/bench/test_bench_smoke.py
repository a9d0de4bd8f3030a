"""The benchmark's smoke mode, run as `make bench` would run it, at tiny sizes.

It keeps the harness from rotting: every workload must produce a row for every
client, with positive figures where something was measured and a stated reason
where a client cannot take part.  Nothing here compares timings: a slow machine
must pass as well as a fast one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ("ours-async", "ours-sync", "official")
#: Generous: the smoke run normally takes well under a minute.
RUN_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    # Own session, so that a hang can be stopped together with the emulator it started.
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"python -m bench --smoke did not finish within {RUN_TIMEOUT_S} s")
    assert proc.returncode == 0, stderr[-3000:]
    report: dict[str, Any] = json.loads(out.read_text())
    return report, stdout


def _cells(report: dict[str, Any]) -> list[tuple[int, str, str, dict[str, Any]]]:
    return [
        (w["number"], m["label"], client, cell)
        for w in report["workloads"]
        for m in w["metrics"]
        for client, cell in m["clients"].items()
    ]


def test_every_workload_has_a_row_for_every_client(smoke: tuple[dict[str, Any], str]) -> None:
    report, _ = smoke
    assert [w["number"] for w in report["workloads"]] == list(range(1, 19))
    for w in report["workloads"]:
        assert w["metrics"], f"workload {w['number']} reports no metric"
        for m in w["metrics"]:
            assert sorted(m["clients"]) == sorted(CLIENTS), (w["number"], m["label"])


def test_measured_figures_are_positive(smoke: tuple[dict[str, Any], str]) -> None:
    report, _ = smoke
    for number, label, client, cell in _cells(report):
        if cell["status"] != "ok":
            continue
        assert cell["samples"], (number, label, client)
        if "memory above start" in label:
            # A tiny run may well stay within pages the process already had.
            assert cell["median"] >= 0, (number, label, client, cell)
        else:
            assert cell["median"] > 0, (number, label, client, cell)


def test_no_run_of_ours_failed(smoke: tuple[dict[str, Any], str]) -> None:
    report, _ = smoke
    errors = [
        (n, label, c, cell.get("reason")) for n, label, c, cell in _cells(report) if cell["status"] == "error"
    ]
    assert errors == []


def test_every_missing_figure_says_why(smoke: tuple[dict[str, Any], str]) -> None:
    report, _ = smoke
    for number, label, client, cell in _cells(report):
        if cell["status"] != "ok":
            assert cell["status"] == "n/a", (number, label, client, cell)
            assert cell.get("reason"), (number, label, client)


def test_our_async_sdk_ran_every_workload(smoke: tuple[dict[str, Any], str]) -> None:
    report, _ = smoke
    missing = [
        (n, label, cell.get("reason"))
        for n, label, c, cell in _cells(report)
        if c == "ours-async" and cell["status"] != "ok"
    ]
    assert missing == []


def test_official_sdk_runs_what_needs_no_server(smoke: tuple[dict[str, Any], str]) -> None:
    report, _ = smoke
    by_number = {w["number"]: w for w in report["workloads"]}
    for number in (7, 8):  # cold import, codec
        for m in by_number[number]["metrics"]:
            assert m["clients"]["official"]["status"] == "ok", (number, m["label"], m["clients"]["official"])
            assert m["ours_over_official"]["ours-async"] is not None
            assert m["cpu_ours_over_official"]["ours-async"] is not None, (number, m["label"])


def test_the_new_workloads_ran_for_all_three_clients(smoke: tuple[dict[str, Any], str]) -> None:
    # The official SDK failing shows as n/a, not as an error: check it did run here.
    report, _ = smoke
    by_key = {w["key"]: w for w in report["workloads"]}
    for key in ("tabular-100k", "list-robots"):
        for m in by_key[key]["metrics"]:
            for client in CLIENTS:
                assert m["clients"][client]["status"] == "ok", (key, m["label"], client, m["clients"][client])
            assert m["cpu_ours_over_official"]["ours-sync"] is not None, (key, m["label"])
    sizes = report["meta"]["sizes"]
    assert by_key["tabular-100k"]["extras"]["official"]["rows"] == sizes["tabular_big_rows"]
    assert by_key["list-robots"]["extras"]["ours-async"]["machines"] == sizes["list_machines"]
    assert any(n.startswith("10. against the smaller pull (3)") for n in report["notes"])


def test_imports_ran_from_compiled_bytecode(smoke: tuple[dict[str, Any], str]) -> None:
    report, stdout = smoke
    bytecode = report["meta"]["bytecode"]
    assert bytecode["ok"] is True, bytecode
    assert {"viam_api", "viam_sdk", "viam"} <= set(bytecode["packages"])
    assert "Set-up: bytecode compiled before measuring" in stdout
    extras = {w["key"]: w for w in report["workloads"]}["import"]["extras"]
    for client in CLIENTS:
        seen = extras[client]
        assert seen["dont_write_bytecode"] == 0, (client, seen)
        assert seen["modules_from_source_files"] > 0, (client, seen)
        assert seen["modules_without_pyc"] == 0, (client, seen)
        assert seen["modules_compiled_during_import"] == 0, (client, seen)
    assert report["meta"]["pure_python"] is False


def test_table_and_output_path_are_printed(smoke: tuple[dict[str, Any], str]) -> None:
    report, stdout = smoke
    assert "| # | workload | metric |" in stdout
    for w in report["workloads"]:
        assert f"| {w['number']} | {w['title']} |" in stdout
    assert "figures written to" in stdout
    assert report["meta"]["smoke"] is True
    assert report["meta"]["command"].startswith("python -m bench --smoke")


def test_pure_reaches_only_our_clients(tmp_path: Path) -> None:
    # The cold-import workload needs no emulator, so this costs a few fresh processes.
    out = tmp_path / "pure.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--only", "import", "--pure", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["meta"]["pure_python"] is True
    assert "our clients ran with VIAM_API_PURE_PYTHON=1" in done.stdout
    extras = report["workloads"][0]["extras"]
    assert extras["ours-async"]["pure_env"] == "1"
    assert extras["ours-sync"]["pure_env"] == "1"
    assert extras["official"]["pure_env"] == ""
