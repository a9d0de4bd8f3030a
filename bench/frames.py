"""Table pulls: tabular readings into a pandas DataFrame, an Arrow table and a Parquet file.

``python -m bench.frames [--rows N] [--reps R] [--page-size P]`` (``make bench-frames``).

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
  a time, so its peak should not grow with the row count).

The medians go to stdout as a Markdown table.
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

MODES = ("rows", "dataframe", "arrow", "parquet")
RESULT = "FRAMES-RESULT "


async def _measure(mode: str, env: BenchEnv, rows: int, page_size: int, folder: str) -> dict[str, Any]:
    from viam_sdk.app.data_client import DataClient
    from viam_sdk.app.viam_client import ViamClient
    from viam_sdk.rpc.dial import DialOptions

    options = DialOptions.with_api_key(env.api_key, env.api_key_id)
    async with await ViamClient.create_from_dial_options(options, app_url=env.app_url) as viam:
        data = viam.data_client
        flt = DataClient.create_filter(component_name=env.tabular_big_component)
        await data.tabular_data_to_dataframe(flt, max_items=10)  # warm-up: connection, imports
        await data.tabular_data_to_parquet(Path(folder) / "warm.parquet", flt, max_items=10)
        probe = Probe()
        probe.start()
        if mode == "rows":
            got = len([r async for r in data.iter_tabular_data_by_filter(flt, page_size=page_size)])
        elif mode == "dataframe":
            got = len(await data.tabular_data_to_dataframe(flt, page_size=page_size))
        elif mode == "arrow":
            got = (await data.tabular_data_to_arrow(flt, page_size=page_size)).num_rows
        else:
            got = await data.tabular_data_to_parquet(Path(folder) / "pull.parquet", flt, page_size=page_size)
        probe.stop()
        if got != rows:
            raise RuntimeError(f"{mode}: expected {rows} rows, got {got}")
        result = probe.result()
        result["extra"]["rows"] = got
        if mode == "parquet":
            result["extra"]["file_mb"] = (Path(folder) / "pull.parquet").stat().st_size / 1e6
        return result


def _worker(argv: list[str]) -> int:
    mode, spec = argv
    raw = json.loads(spec)
    env = BenchEnv.from_json(raw["env"])
    with tempfile.TemporaryDirectory(prefix="bench-frames-") as folder:
        result = asyncio.run(_measure(mode, env, raw["rows"], raw["page_size"], folder))
    print(RESULT + json.dumps(result), flush=True)
    return 0


def _run_worker(mode: str, env: BenchEnv, rows: int, page_size: int) -> dict[str, Any]:
    spec = json.dumps({"env": env.to_json(), "rows": rows, "page_size": page_size})
    proc = subprocess.run(
        [sys.executable, "-m", "bench.frames", "--worker", mode, spec],
        capture_output=True, text=True, env=child_env(), timeout=600,
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.frames", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=10_000)
    parser.add_argument("--modes", nargs="*", default=list(MODES), choices=MODES)
    parser.add_argument("--worker", nargs=2, metavar=("MODE", "SPEC"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args.worker)
    from bench.runner import _env_from, emulator

    with tempfile.TemporaryDirectory(prefix="bench-frames-") as workdir, emulator(Path(workdir)) as info:
        if info is None:
            print("bench.frames: the emulator did not start", file=sys.stderr)
            return 1
        env = _env_from(info)
        asyncio.run(_seed(env, args.rows))
        samples: dict[str, list[dict[str, Any]]] = {m: [] for m in args.modes}
        for rep in range(args.reps):
            for mode in args.modes[rep % len(args.modes):] + args.modes[: rep % len(args.modes)]:
                samples[mode].append(_run_worker(mode, env, args.rows, args.page_size))
    print(f"{args.rows:,} ten-field rows, pages of {args.page_size:,}, median of {args.reps} fresh processes\n")
    print("| pull | time (s) | client CPU (s) | per row (µs) | peak RSS above start (MB) |")
    print("|---|---:|---:|---:|---:|")
    for mode, runs in samples.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu_seconds"] for r in runs)
        peak = statistics.median(r["peak_above_base_kib"] for r in runs) * 1024 / 1e6
        print(f"| {mode} | {seconds:.2f} | {cpu:.2f} | {seconds / args.rows * 1e6:.1f} | {peak:.1f} |")
    if "parquet" in samples:
        print(f"\nParquet file: {statistics.median(r['extra']['file_mb'] for r in samples['parquet']):.1f} MB (zstd)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
