"""Table pulls: tabular readings into a pandas DataFrame, an Arrow table and a Parquet file.

``python -m bench.frames [--rows N] [--scale-rows M] [--reps R] [--page-size P]`` (``make bench-frames``).

Ours only (the official SDK has no such calls), so this is not one of the
side-by-side workloads of ``python -m bench``; it reuses that harness's parts:
the emulator in its own process (``bench.runner.emulator``), the same seeded
ten-field readings (``bench.seed.Seeder.tabular_big``), and one fresh worker
process per measurement bracketed by ``bench.probe.Probe`` (time, client CPU,
peak RSS above the start).  The modes, each with the async client:

* ``rows``: ``iter_tabular_data_by_filter`` into a list of ``TabularData`` (the
  baseline: every row kept as the SDK's objects);
* ``dataframe``: ``tabular_data_to_dataframe``;
* ``arrow``: ``tabular_data_to_arrow``;
* ``parquet``: ``tabular_data_to_parquet`` to a temporary file (one page held at
  a time, so its peak should not grow with the row count);
* ``partitioned``: ``tabular_data_to_parquet(partition_by=["part", "day"])``, a
  Hive-partitioned dataset in a temporary folder.

The medians go to stdout as a Markdown table.  Then the scale check (issue 20,
item 7): the ``partitioned`` pull of ``--rows`` rows and of ``--scale-rows``
rows (1,000,000 by default; 0 skips it), each the median of ``--reps`` fresh
processes, with the ratios of their peak memory and of their time per row
(target: both within 1.2).  The emulator holds ``max(--rows, --scale-rows)``
readings; a pull of fewer rows takes the first ones of the same set
(``max_items``), so both sizes read the same database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.env import BenchEnv
from bench.probe import Probe
from bench.processes import child_env

MODES = ("rows", "dataframe", "arrow", "parquet", "partitioned")
TARGET = 1.2
RESULT = "FRAMES-RESULT "


async def _measure(
    mode: str, env: BenchEnv, rows: int, page_size: int, folder: str, max_items: int | None
) -> dict[str, Any]:
    from viam_sdk.app.data_client import DataClient
    from viam_sdk.app.viam_client import ViamClient
    from viam_sdk.rpc.dial import DialOptions

    options = DialOptions.with_api_key(env.api_key, env.api_key_id)
    async with await ViamClient.create_from_dial_options(options, app_url=env.app_url) as viam:
        data = viam.data_client
        flt = DataClient.create_filter(component_name=env.tabular_big_component)
        await data.tabular_data_to_dataframe(flt, max_items=10)  # warm-up: connection, imports
        await data.tabular_data_to_parquet(Path(folder) / "warm.parquet", flt, max_items=10)
        await data.tabular_data_to_parquet(Path(folder) / "warm", flt, max_items=10, partition_by=["part", "day"])
        dest = Path(folder) / ("pull" if mode == "partitioned" else "pull.parquet")
        probe = Probe()
        probe.start()
        if mode == "rows":
            got = len([r async for r in data.iter_tabular_data_by_filter(flt, page_size=page_size, max_items=max_items)])
        elif mode == "dataframe":
            got = len(await data.tabular_data_to_dataframe(flt, page_size=page_size, max_items=max_items))
        elif mode == "arrow":
            got = (await data.tabular_data_to_arrow(flt, page_size=page_size, max_items=max_items)).num_rows
        elif mode == "parquet":
            got = await data.tabular_data_to_parquet(dest, flt, page_size=page_size, max_items=max_items)
        else:
            got = await data.tabular_data_to_parquet(
                dest, flt, page_size=page_size, max_items=max_items, partition_by=["part", "day"]
            )
        probe.stop()
        if got != rows:
            raise RuntimeError(f"{mode}: expected {rows} rows, got {got}")
        result = probe.result()
        result["extra"]["rows"] = got
        if mode in ("parquet", "partitioned"):
            files = [dest] if dest.is_file() else list(dest.rglob("*.parquet"))
            result["extra"]["file_mb"] = sum(f.stat().st_size for f in files) / 1e6
            result["extra"]["files"] = len(files)
        return result


def _worker(argv: list[str]) -> int:
    mode, spec = argv
    raw = json.loads(spec)
    env = BenchEnv.from_json(raw["env"])
    with tempfile.TemporaryDirectory(prefix="bench-frames-") as folder:
        result = asyncio.run(_measure(mode, env, raw["rows"], raw["page_size"], folder, raw["max_items"]))
    print(RESULT + json.dumps(result), flush=True)
    return 0


def _run_worker(mode: str, env: BenchEnv, rows: int, page_size: int, seeded: int) -> dict[str, Any]:
    max_items = rows if rows < seeded else None
    spec = json.dumps({"env": env.to_json(), "rows": rows, "page_size": page_size, "max_items": max_items})
    proc = subprocess.run(
        [sys.executable, "-m", "bench.frames", "--worker", mode, spec],
        capture_output=True, text=True, env=child_env(), timeout=3600,
    )
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT):
            result: dict[str, Any] = json.loads(line[len(RESULT):])
            return result
    raise RuntimeError(f"worker {mode} failed ({proc.returncode}): {proc.stderr.strip()[-800:]}")


async def _seed(env: BenchEnv, rows: int) -> None:
    from bench.seed import Seeder

    async with Seeder(env) as seeder:
        await seeder.fleet()
        await seeder.tabular_big(rows)


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.frames", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--scale-rows", type=int, default=1_000_000, help="the large partitioned pull (0: skip)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=10_000)
    parser.add_argument("--modes", nargs="*", default=list(MODES), choices=MODES)
    parser.add_argument("--worker", nargs=2, metavar=("MODE", "SPEC"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args.worker)
    from bench.runner import _env_from, emulator

    seeded = max(args.rows, args.scale_rows)
    with tempfile.TemporaryDirectory(prefix="bench-frames-") as workdir, emulator(Path(workdir)) as info:
        if info is None:
            print("bench.frames: the emulator did not start", file=sys.stderr)
            return 1
        env = _env_from(info)
        asyncio.run(_seed(env, seeded))
        samples: dict[str, list[dict[str, Any]]] = {m: [] for m in args.modes}
        scale: list[dict[str, Any]] = []
        for rep in range(args.reps):
            for mode in args.modes[rep % len(args.modes):] + args.modes[: rep % len(args.modes)]:
                samples[mode].append(_run_worker(mode, env, args.rows, args.page_size, seeded))
            if args.scale_rows:
                scale.append(_run_worker("partitioned", env, args.scale_rows, args.page_size, seeded))
    print(f"{args.rows:,} ten-field rows, pages of {args.page_size:,}, median of {args.reps} fresh processes\n")
    print("| pull | time (s) | client CPU (s) | per row (µs) | peak RSS above start (MB) |")
    print("|---|---:|---:|---:|---:|")
    for mode, runs in samples.items():
        seconds = _median(runs, "seconds")
        cpu = _median(runs, "cpu_seconds")
        peak = _median(runs, "peak_above_base_kib") * 1024 / 1e6
        print(f"| {mode} | {seconds:.2f} | {cpu:.2f} | {seconds / args.rows * 1e6:.1f} | {peak:.1f} |")
    for mode in ("parquet", "partitioned"):
        if mode in samples:
            mb = statistics.median(r["extra"]["file_mb"] for r in samples[mode])
            print(f"\n{mode}: {mb:.1f} MB of Parquet (zstd)")
    if scale and "partitioned" in samples:
        small, large = samples["partitioned"], scale
        per_row = (_median(large, "seconds") / args.scale_rows) / (_median(small, "seconds") / args.rows)
        peak = _median(large, "peak_above_base_kib") / max(1, _median(small, "peak_above_base_kib"))
        print(f"\nPartitioned Parquet (part, day) at scale, median of {args.reps}:\n")
        print("| rows | time (s) | client CPU (s) | per row (µs) | peak RSS above start (MB) | files | MB |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for n, runs in ((args.rows, small), (args.scale_rows, large)):
            seconds = _median(runs, "seconds")
            print(
                f"| {n:,} | {seconds:.2f} | {_median(runs, 'cpu_seconds'):.2f} | {seconds / n * 1e6:.1f} "
                f"| {_median(runs, 'peak_above_base_kib') * 1024 / 1e6:.1f} "
                f"| {runs[0]['extra']['files']} | {statistics.median(r['extra']['file_mb'] for r in runs):.1f} |"
            )
        verdict = "within" if per_row <= TARGET and peak <= TARGET else "NOT within"
        print(f"\nratios {args.scale_rows:,} / {args.rows:,}: time per row {per_row:.2f}, peak memory {peak:.2f} "
              f"({verdict} the {TARGET} target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
