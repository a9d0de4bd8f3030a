"""Workload 8: the codec alone, on the very same bytes.

The runner writes one serialised ``viam.app.data.v1.TabularDataByFilterResponse``
(``sizes.codec_rows`` rows of ten-field readings, see :func:`build_payload`) to a file;
each worker reads it, parses and serialises it once to warm up, then times each
step at least ``MIN_LOOPS`` times (more within ``BUDGET_S``) and keeps the median:

* ours: the generated betterproto2 dataclasses (``viam_api.app.data.v1``);
* official: Google's ``protobuf`` runtime (upb in C) with the classes that ship in
  viam-sdk (``viam.proto.app.data``) -- the physical reference.

upb parses into its own arena and creates Python objects only when fields are read,
while betterproto2 builds every dataclass during the parse; the table shows what a
parse costs each runtime.  The third figure, parse then every row's Struct turned
into a dict by each SDK's own helper, is what a client pays before it can use a row.
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

#: Each of parse and serialise runs at least MIN_LOOPS times, and more while the
#: total stays under BUDGET_S (so the fast runtime gets a steadier median).
MIN_LOOPS = 3
MAX_LOOPS = 100
BUDGET_S = 1.0


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


def _time_loops(fn: Any, min_loops: int) -> tuple[float, float, Any, int]:
    """Median wall and CPU time of one call of ``fn``, its last result, how many calls were timed."""
    times: list[float] = []
    cpu: list[float] = []
    result: Any = None
    while len(times) < min_loops or (sum(times) < BUDGET_S and len(times) < MAX_LOOPS):
        c0 = time.process_time()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return median(times), median(cpu), result, len(times)


def _run(parse: Any, serialise: Any, to_dicts: Any, env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    data = _payload(env)
    min_loops = MIN_LOOPS if sizes.codec_rows >= 1000 else 1
    msg = parse(data)  # warm-up
    serialise(msg)
    probe.start()
    parse_s, parse_cpu, msg, parse_loops = _time_loops(lambda: parse(data), min_loops)
    serialise_s, serialise_cpu, out, serialise_loops = _time_loops(lambda: serialise(msg), min_loops)
    dicts_s, dicts_cpu, dicts, _ = _time_loops(lambda: to_dicts(parse(data)), min_loops)
    probe.stop()
    if len(dicts) != sizes.codec_rows or dicts[0] != {"readings": reading(0)}:
        raise RuntimeError("rows did not come back as the readings that were encoded")
    probe.extra.update(
        parse_ms=parse_s * 1e3,
        serialise_ms=serialise_s * 1e3,
        parse_to_dicts_ms=dicts_s * 1e3,
        parse_cpu_ms=parse_cpu * 1e3,
        serialise_cpu_ms=serialise_cpu * 1e3,
        parse_to_dicts_cpu_ms=dicts_cpu * 1e3,
        payload_bytes=len(data),
        reserialised_bytes=len(out),
        same_bytes=out == data,
        rows=sizes.codec_rows,
        parse_loops=parse_loops,
        serialise_loops=serialise_loops,
    )


async def codec_ours(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    from viam_api.app.data.v1 import TabularDataByFilterResponse

    # TabularData is deprecated upstream: every parsed row warns; keep them quiet.
    warnings.simplefilter("ignore", DeprecationWarning)
    from viam_sdk.app._convert import struct_to_dict

    def to_dicts(msg: Any) -> list[dict[str, Any]]:
        return [struct_to_dict(row.data) for row in msg.data]

    _run(TabularDataByFilterResponse.parse, bytes, to_dicts, env, sizes, probe)


async def codec_official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    from viam.proto.app.data import TabularDataByFilterResponse
    from viam.utils import struct_to_dict

    def to_dicts(msg: Any) -> list[dict[str, Any]]:
        return [struct_to_dict(row.data) for row in msg.data]

    _run(TabularDataByFilterResponse.FromString, lambda m: m.SerializeToString(), to_dicts, env, sizes, probe)


async def codec_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    raise Unsupported("same codec as ours-async")
