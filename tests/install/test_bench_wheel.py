"""``python -m bench --ours wheel editable`` (what ``make bench`` runs), at smoke sizes.

The session's wheel is installed into a bench venv of its own; our clients run from
it and from the editable checkout in the same run, the official SDK from the bench
venv.  A few workloads only (cold import, sequential unary calls, the codec): the
full harness is tests/bench/test_bench_smoke.py's business.
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

from .conftest import REPO, Dist, clean_env, has_c_compiler

RUN_TIMEOUT_S = 900
WHEEL_CLIENTS = ("ours-async", "ours-sync")
EDITABLE_CLIENTS = ("ours-async@editable", "ours-sync@editable")


# One worker builds the distributions once for all of them (`make test`: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("dist")


@pytest.fixture(scope="module")
def wheel_bench(built_dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, Path]:
    where = tmp_path_factory.mktemp("bench-wheel")
    out, bench_venv = where / "results.json", where / "bench-venv"
    cmd = [
        sys.executable, "-m", "bench", "--smoke", "--only", "import", "unary-seq", "codec",
        "--ours", "wheel", "editable", "--wheel", str(built_dist.wheel), "--bench-venv", str(bench_venv),
        "--out", str(out),
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = proc.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"python -m bench --ours wheel editable did not finish within {RUN_TIMEOUT_S} s")
    assert proc.returncode == 0, stderr[-3000:]
    return json.loads(out.read_text()), stdout, bench_venv


def _cells(report: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (w["key"], m["label"], client, cell)
        for w in report["workloads"]
        for m in w["metrics"]
        for client, cell in m["clients"].items()
    ]


def test_the_wheel_build_runs_from_the_bench_venv(
    wheel_bench: tuple[dict[str, Any], str, Path], built_dist: Dist
) -> None:
    report, stdout, bench_venv = wheel_bench
    wheel, editable = report["meta"]["installs"]
    assert wheel["kind"] == "wheel" and editable["kind"] == "editable"
    assert Path(wheel["viam_sdk_file"]).resolve().is_relative_to(bench_venv.resolve()), wheel
    assert Path(wheel["python"]).resolve().is_relative_to(bench_venv.resolve()), wheel
    assert Path(editable["viam_sdk_file"]).resolve().is_relative_to(REPO), editable
    assert wheel["compiled"] is has_c_compiler()
    yes = "yes" if has_c_compiler() else "no"
    assert f"ours: installed wheel {built_dist.wheel.name} ({bench_venv}), compiled codec: {yes}" in stdout
    assert "ours@editable: editable checkout" in stdout


def test_both_builds_and_the_official_sdk_have_every_row(wheel_bench: tuple[dict[str, Any], str, Path]) -> None:
    report, stdout, _ = wheel_bench
    assert report["meta"]["clients"] == [*WHEEL_CLIENTS, *EDITABLE_CLIENTS, "official"]
    assert "| ours async | ours sync | ours async (editable) | ours sync (editable) | official 0.85.1 |" in stdout
    for key, label, client, cell in _cells(report):
        if key == "codec" and client.startswith("ours-sync"):
            continue  # the sync client shares the async one's codec: n/a by design
        assert cell["status"] == "ok", (key, label, client, cell)


def test_the_wheels_imports_ran_from_its_own_bytecode(wheel_bench: tuple[dict[str, Any], str, Path]) -> None:
    report, _, _ = wheel_bench
    extras = {w["key"]: w for w in report["workloads"]}["import"]["extras"]
    for client in (*WHEEL_CLIENTS, *EDITABLE_CLIENTS, "official"):
        seen = extras[client]
        assert seen["modules_from_source_files"] > 0, (client, seen)
        assert seen["modules_compiled_during_import"] == 0, (client, seen)
        assert seen["modules_without_pyc"] == 0, (client, seen)
