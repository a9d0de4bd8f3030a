"""The emulator's query engines on 100,000 readings: a GROUP BY in SQL and the same $group in MQL.

    .venv/bin/python -m bench.queries [--rows 100000] [--reps 3]

Seeds ``--rows`` readings (ten components) through the SDK into an emulator
running in this process, once with an in-memory database (SQL copies the
organization's rows into a private database per query) and once with a
database file (SQL reads the file through a read-only connection and a view,
no copy), then times each query from the client, end to end, and prints the
median of ``--reps`` runs as a Markdown table.  The figures are the
emulator's (both engines run on its query worker threads); the client's part
is a few rows.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator

SQL = (
    "SELECT component_name, COUNT(*) AS n, AVG(data.readings.celsius) AS mean, MAX(data.readings.celsius) AS top "
    "FROM readings GROUP BY component_name ORDER BY component_name"
)
MQL: list[dict[str, Any]] = [
    {
        "$group": {
            "_id": "$component_name",
            "n": {"$sum": 1},
            "mean": {"$avg": "$data.readings.celsius"},
            "top": {"$max": "$data.readings.celsius"},
        }
    },
    {"$sort": {"_id": 1}},
]
BATCH = 10_000
T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _part(emu: Emulator) -> tuple[str, str]:
    ctx = emu.context
    org = ctx.bootstrap.org_id
    loc, robot, part = ctx.new_id(), ctx.new_id(), ctx.new_id()
    now = ctx.now_iso()
    with ctx.store.transaction() as db:
        db.execute(
            "INSERT INTO locations(id, organization_id, name, created_at) VALUES (?,?,?,?)",
            (loc, org, "lab", now),
        )
        db.execute(
            "INSERT INTO robots(id, location_id, name, created_at) VALUES (?,?,?,?)", (robot, loc, "rig", now)
        )
        db.execute(
            "INSERT INTO robot_parts(id, robot_id, name, main_part, created_at, last_updated) VALUES (?,?,?,?,?,?)",
            (part, robot, "rig-main", 1, now, now),
        )
    return org, part


async def _seed(viam: ViamClient, part: str, rows: int) -> None:
    data = viam.data_client
    for start in range(0, rows, BATCH):
        count = min(BATCH, rows - start)
        component = f"sensor-{(start // BATCH) % 10}"
        times = [(T0 + timedelta(seconds=start + i),) * 2 for i in range(count)]
        await data.tabular_data_capture_upload(
            [{"readings": {"celsius": float((start + i) % 50), "ok": True}} for i in range(count)],
            part,
            "rdk:component:sensor",
            component,
            "Readings",
            data_request_times=times,
        )


async def _time(call: Callable[[], Awaitable[Any]], reps: int) -> tuple[float, Any]:
    samples = []
    result = None
    for _ in range(reps):
        started = time.perf_counter()
        result = await call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


async def _measure(db: str, rows: int, reps: int) -> dict[str, float]:
    async with Emulator(db=db) as emu:
        org, part = _part(emu)
        options = DialOptions.with_api_key(emu.bootstrap.api_key, emu.bootstrap.api_key_id)
        viam = await ViamClient.create_from_dial_options(options, app_url=emu.app_url)
        try:
            await _seed(viam, part, rows)
            data = viam.data_client
            sql_s, sql_rows = await _time(lambda: data.tabular_data_by_sql(org, SQL), reps)
            mql_s, mql_rows = await _time(lambda: data.tabular_data_by_mql(org, MQL), reps)
        finally:
            viam.close()
    assert sum(int(r["n"]) for r in sql_rows) == rows == sum(int(r["n"]) for r in mql_rows)
    assert [r["mean"] for r in sql_rows] == [r["mean"] for r in mql_rows]
    return {"sql": sql_s, "mql": mql_s}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        in_memory = asyncio.run(_measure(":memory:", args.rows, args.reps))
        on_file = asyncio.run(_measure(str(Path(folder) / "bench.db"), args.rows, args.reps))
    print(f"GROUP BY over {args.rows:,} readings, median of {args.reps} (seconds, client to client)\n")
    print("| emulator database | SQL (Atlas SQL -> SQLite) | MQL ($group) |")
    print("|---|---:|---:|")
    print(f"| in memory (SQL copies the rows per query) | {in_memory['sql']:.3f} | {in_memory['mql']:.3f} |")
    print(f"| file (SQL through a view, no copy) | {on_file['sql']:.3f} | {on_file['mql']:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
