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
    assert [w["number"] for w in report["workloads"]] == list(range(1, 10))
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


def test_table_and_output_path_are_printed(smoke: tuple[dict[str, Any], str]) -> None:
    report, stdout = smoke
    assert "| # | workload | metric |" in stdout
    for w in report["workloads"]:
        assert f"| {w['number']} | {w['title']} |" in stdout
    assert "figures written to" in stdout
    assert report["meta"]["smoke"] is True
    assert report["meta"]["command"].startswith("python -m bench --smoke")
