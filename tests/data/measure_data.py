"""Figures for the data plane (run by hand, not by pytest): ``python tests/data/measure_data.py``.

1. Rows per second of ``tabular_data_by_filter`` for one page of 10,000
   ten-field readings (emulator on its own thread; median of 5 calls).
2. Peak memory of ``file_upload_from_path`` for a 256 MB file: the emulator
   runs as its own process (``python -m viam_sdk.testing serve``) with a
   database file, the upload in a fresh client process that reports its peak
   RSS (``ru_maxrss``) and tracemalloc's peak of Python allocations.

Pass ``--mb N`` to change the file size, ``--rows N`` the page size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from viam_api.app.data.v1 import Order

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator

ROOT = Path(__file__).resolve().parents[2]


async def _part(viam: ViamClient) -> tuple[str, str]:
    app = viam.app_client
    org_id = (await app.list_organizations())[0].id
    location = await app.create_location(org_id, f"bench-{time.time_ns()}")
    robot_id = await app.new_robot("bench", location.id)
    parts = await app.get_robot_parts(robot_id)
    return org_id, parts[0].id if parts else await app.new_robot_part(robot_id, "bench-main")


async def rows_per_second(app_url: str, key_id: str, key: str, rows: int) -> dict[str, float]:
    async with await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(key, key_id), app_url=app_url
    ) as viam:
        _, part_id = await _part(viam)
        data = viam.data_client
        start = datetime(2024, 1, 1, tzinfo=timezone.utc)
        batch = 2000
        for offset in range(0, rows, batch):
            n = min(batch, rows - offset)
            await data.tabular_data_capture_upload(
                [{f"field_{f}": (offset + i) * 10 + f + 0.5 for f in range(10)} for i in range(n)],
                part_id,
                "rdk:component:sensor",
                "bench",
                "Readings",
                data_request_times=[(start + timedelta(seconds=offset + i),) * 2 for i in range(n)],
            )
        timings = []
        for _ in range(5):
            began = time.perf_counter()
            page, count, _ = await data.tabular_data_by_filter(limit=rows, sort_order=Order.ORDER_ASCENDING)
            timings.append(time.perf_counter() - began)
            assert count == rows == len(page) and len(page[0].data) == 10
        median = statistics.median(timings)
        return {"rows": rows, "median_s": median, "rows_per_s": rows / median}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def upload_child(app_url: str, key_id: str, key: str, path: str) -> None:
    """Runs in the client process: upload ``path`` and print its memory figures as JSON."""
    import tracemalloc

    async def go() -> str:
        async with await ViamClient.create_from_dial_options(
            DialOptions.with_api_key(key, key_id), app_url=app_url
        ) as viam:
            _, part_id = await _part(viam)
            base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            tracemalloc.start()
            began = time.perf_counter()
            file_id = await viam.data_client.file_upload_from_path(path, part_id)
            elapsed = time.perf_counter() - began
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print(
                json.dumps(
                    {
                        "file_id": file_id,
                        "seconds": elapsed,
                        "ru_maxrss_before_kib": base,
                        "ru_maxrss_after_kib": after,
                        "tracemalloc_peak_bytes": peak,
                    }
                )
            )
            return file_id

    asyncio.run(go())


def upload_memory(mb: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="viam-bench-") as tmp:
        big = Path("/tmp") / f"viam-bench-{os.getpid()}.bin"
        try:
            with open(big, "wb") as handle:
                block = os.urandom(1024 * 1024)
                for _ in range(mb):
                    handle.write(block)
            port = _free_port()
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "viam_sdk.testing",
                    "serve",
                    "--port",
                    str(port),
                    "--db",
                    f"{tmp}/cloud.db",
                    "--json",
                ],
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            try:
                assert server.stdout is not None
                creds = json.loads(server.stdout.readline())
                app_url = f"http://127.0.0.1:{port}"
                child = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        app_url,
                        creds["api_key_id"],
                        creds["api_key"],
                        str(big),
                    ],
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                    check=True,
                )
                figures: dict[str, object] = json.loads(child.stdout.strip().splitlines()[-1])
            finally:
                server.terminate()
                server.wait(timeout=30)
            figures["file_mb"] = mb
            return figures
        finally:
            big.unlink(missing_ok=True)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        upload_child(*sys.argv[2:6])
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--mb", type=int, default=256)
    args = parser.parse_args()
    with Emulator.in_thread() as emu:
        boot = emu.bootstrap
        print(
            "tabular_data_by_filter:",
            asyncio.run(rows_per_second(emu.app_url, boot.api_key_id, boot.api_key, args.rows)),
        )
    print("file_upload_from_path:", upload_memory(args.mb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
