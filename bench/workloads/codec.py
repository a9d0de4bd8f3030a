"""Workload 8: the codec alone, on the very same bytes.

The runner writes one serialised ``viam.app.data.v1.TabularDataByFilterResponse``
(``sizes.codec_rows`` rows of ten-field readings, see :func:`build_payload`) to a file;
each worker reads it and parses / serialises it ``LOOPS`` times:

* ours: the generated betterproto2 dataclasses (``viam_api.app.data.v1``);
* official: Google's ``protobuf`` runtime (upb in C) with the classes that ship in
  viam-sdk (``viam.proto.app.data``) -- the physical reference.

upb parses into its own arena and creates Python objects only when fields are read,
while betterproto2 builds every dataclass during the parse; the table shows what a
parse costs each runtime, which is what a client pays before it can look at a row.
"""

from __future__ import annotations

import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from statistics import median
from typing import Any

from bench.clients import Unsupported
from bench.config import Sizes
from bench.env import BenchEnv
from bench.probe import Probe

LOOPS = 5


def reading(i: int) -> dict[str, Any]:
    """One ten-field reading, different for every ``i`` (used by the seeder too)."""
    return {
        "x": i * 0.5,
        "y": i * -0.25,
        "z": float(i % 97),
        "temperature_c": 20.0 + (i % 50) / 10,
        "humidity": 0.3 + (i % 7) / 100,
        "pressure_hpa": 1013.25 - (i % 13),
        "voltage": 12.0 + (i % 5) / 10,
        "sequence": i,
        "status": "ok" if i % 10 else "check",
        "moving": bool(i % 2),
    }


def build_payload(rows: int) -> bytes:
    """Serialised TabularDataByFilterResponse built with Google's runtime."""
    from google.protobuf.timestamp_pb2 import Timestamp
    from viam.proto.app.data import CaptureMetadata, TabularData, TabularDataByFilterResponse

    response = TabularDataByFilterResponse(
        metadata=[
            CaptureMetadata(
                organization_id="org-bench",
                location_id="loc-bench",
                robot_name="bench-machine",
                robot_id="robot-bench",
                part_name="bench-machine-main",
                part_id="part-bench",
                component_type="rdk:component:sensor",
                component_name="bench-sensor",
                method_name="Readings",
                tags=["bench"],
                mime_type="application/json",
            )
        ],
        count=rows,
        last="bench-last",
    )
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for i in range(rows):
        row = TabularData(metadata_index=0)
        row.data.update({"readings": reading(i)})
        requested = Timestamp()
        requested.FromDatetime(start + timedelta(milliseconds=100 * i))
        received = Timestamp()
        received.FromDatetime(start + timedelta(milliseconds=100 * i + 40))
        row.time_requested.CopyFrom(requested)
        row.time_received.CopyFrom(received)
        response.data.append(row)
    return response.SerializeToString()


def _payload(env: BenchEnv) -> bytes:
    if not env.codec_path:
        raise RuntimeError("the runner wrote no codec payload")
    return Path(env.codec_path).read_bytes()


def _time_loops(fn: Any, loops: int) -> tuple[float, Any]:
    times: list[float] = []
    result: Any = None
    for _ in range(loops):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return median(times), result


def _run(parse: Any, serialise: Any, env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    data = _payload(env)
    loops = LOOPS if sizes.codec_rows >= 1000 else 1
    msg = parse(data)  # warm-up
    serialise(msg)
    probe.start()
    parse_s, msg = _time_loops(lambda: parse(data), loops)
    serialise_s, out = _time_loops(lambda: serialise(msg), loops)
    probe.stop()
    probe.extra.update(
        parse_ms=parse_s * 1e3,
        serialise_ms=serialise_s * 1e3,
        payload_bytes=len(data),
        reserialised_bytes=len(out),
        same_bytes=out == data,
        rows=sizes.codec_rows,
        loops=loops,
    )


async def codec_ours(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    from viam_api.app.data.v1 import TabularDataByFilterResponse

    # TabularData is deprecated upstream: every parsed row warns; keep them quiet.
    warnings.simplefilter("ignore", DeprecationWarning)
    _run(TabularDataByFilterResponse.parse, bytes, env, sizes, probe)


async def codec_official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    from viam.proto.app.data import TabularDataByFilterResponse

    _run(TabularDataByFilterResponse.FromString, lambda m: m.SerializeToString(), env, sizes, probe)


async def codec_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    raise Unsupported("same codec as ours-async")
