"""Figures for issue 22 item 2: snapshot size and export/load time, and a reset against a fresh emulator.

``python -m bench.snapshot_figures [--machines 1000] [--readings 100000] [--tests 100]``

1. A fleet of ``--machines`` machines (one location, each machine with its part and
   secret, made through the SDK) and ``--readings`` ten-field readings uploaded by a
   part (``MachinePart``, in batches of 1,000) in an emulator on a database file;
   then the time to export it, the snapshot's size, and the time to load it into a
   new emulator on another file (all or nothing, secrets sealed again).
2. A generated suite of ``--tests`` small tests (each makes a location and lists it
   through the blocking client), run by pytest twice: with a fresh emulator per test
   (``emulator_thread``) and with one emulator reset between tests (``shared_emulator``).

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator, MachinePart

BATCH = 1000


async def _seed(emu: Emulator, machines: int, readings: int) -> None:
    boot = emu.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    async with await ViamClient.create_from_dial_options(opts, emu.app_url) as viam:
        fleet = viam.app_client
        loc = await fleet.create_location(boot.org_id, "fleet")
        robot_ids: list[str] = []
        for start in range(0, machines, 50):
            robot_ids += await asyncio.gather(
                *(fleet.new_robot(f"m-{i:04d}", loc.id) for i in range(start, min(start + 50, machines)))
            )
        part = (await fleet.get_robot_parts(robot_ids[0]))[0]
        secret = (await fleet.get_robot_part(part.id)).secret
    begin = datetime.now(timezone.utc) - timedelta(days=1)
    async with await MachinePart.connect(emu.app_url, part.id, secret) as machine:
        for start in range(0, readings, BATCH):
            span = range(start, min(start + BATCH, readings))
            times = [(begin + timedelta(milliseconds=10 * i),) * 2 for i in span]
            await machine.data_client.tabular_data_capture_upload(
                [{f"f{k}": i * 10 + k for k in range(10)} for i in span],
                part_id=part.id,
                component_type="rdk:component:sensor",
                component_name="thermo",
                method_name="Readings",
                data_request_times=times,
            )


async def snapshot_figures(machines: int, readings: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="snap-bench-") as tmp:
        snap = os.path.join(tmp, "fleet.json")
        async with Emulator(db=os.path.join(tmp, "a.db")) as source:
            t0 = time.perf_counter()
            await _seed(source, machines, readings)
            seeded = time.perf_counter() - t0
            db_bytes = sum(
                os.path.getsize(os.path.join(tmp, n)) for n in os.listdir(tmp) if n.startswith("a.db")
            )
            t0 = time.perf_counter()
            size = source.export_snapshot(snap)
            exported = time.perf_counter() - t0
        async with Emulator(db=os.path.join(tmp, "b.db")) as target:
            t0 = time.perf_counter()
            target.load_snapshot(snap)
            loaded = time.perf_counter() - t0
            counted = {
                t: target.store.one(f"SELECT COUNT(*) FROM {t}")[0]  # type: ignore[index]
                for t in ("robots", "robot_parts", "part_secrets", "data_tabular")
            }
        t0 = time.perf_counter()  # the command line, a new process on the file (interpreter start included)
        subprocess.run(
            [sys.executable, "-m", "viam_sdk.testing", "export", "--db", os.path.join(tmp, "b.db"), "--out", snap],
            capture_output=True,
            text=True,
            check=True,
        )
        cli_exported = time.perf_counter() - t0
    return {
        "machines": machines,
        "readings": readings,
        "seed_s": round(seeded, 1),
        "database_bytes": db_bytes,
        "snapshot_bytes": size,
        "export_s": round(exported, 2),
        "load_s": round(loaded, 2),
        "cli_export_s": round(cli_exported, 2),
        "rows_after_load": counted,
    }


_SUITE = '''
import viam_sdk.sync
from viam_sdk.rpc.dial import DialOptions

FIXTURE = "{fixture}"


def _go(emu):
    boot = emu.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    with viam_sdk.sync.ViamClient.create_from_dial_options(opts, emu.app_url) as viam:
        viam.app_client.create_location(boot.org_id, "Depot")
        assert len(viam.app_client.list_locations(boot.org_id)) == 1
'''


def _suite_seconds(fixture: str, tests: int) -> float:
    with tempfile.TemporaryDirectory(prefix="snap-suite-") as tmp:
        body = _SUITE.format(fixture=fixture) + "".join(
            f"\n\ndef test_{i}({fixture}):\n    _go({fixture})\n" for i in range(tests)
        )
        with open(os.path.join(tmp, "test_suite.py"), "w") as out:
            out.write(textwrap.dedent(body))
        plugin = "viam_sdk.testing.pytest_plugin"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", plugin, tmp]
        done = subprocess.run(command, capture_output=True, text=True, cwd=tmp)
        if done.returncode != 0:
            raise RuntimeError(f"the {fixture} suite failed:\n{done.stdout[-2000:]}")
        # pytest's own figure: the session from collection to the last teardown, without
        # the interpreter's start and imports, which both suites pay alike.
        found = re.search(r"passed in ([0-9.]+)s", done.stdout)
        if found is None:
            raise RuntimeError(f"no time in pytest's summary:\n{done.stdout[-500:]}")
        return float(found.group(1))


def suite_figures(tests: int) -> dict[str, Any]:
    """Each suite's time, and its cost per test: (time of N tests - time of 1 test) / (N - 1).

    The difference takes out what every run pays once (collection, the first imports,
    the first emulator's start), which would otherwise hide the per-test figure.
    """
    figures: dict[str, Any] = {"tests": tests}
    for label, fixture in (("fresh_emulator_per_test", "emulator_thread"), ("one_emulator_reset", "shared_emulator")):
        whole = _suite_seconds(fixture, tests)
        once = _suite_seconds(fixture, 1)
        figures[f"{label}_s"] = round(whole, 2)
        figures[f"{label}_ms_per_test"] = round(1000 * (whole - once) / max(tests - 1, 1), 1)
    figures["speedup_per_test"] = round(
        figures["fresh_emulator_per_test_ms_per_test"] / max(figures["one_emulator_reset_ms_per_test"], 0.1), 2
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--machines", type=int, default=1000)
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--tests", type=int, default=100)
    args = parser.parse_args()
    figures: dict[str, Any] = {"snapshot": asyncio.run(snapshot_figures(args.machines, args.readings))}
    if args.tests > 1:  # --tests 0: the snapshot figures only
        figures["suite"] = suite_figures(args.tests)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
