"""Workload 14: ``to_dict`` of ours against ``json_format.MessageToDict`` on the official classes.

Each worker builds the same two responses with Google's runtime (bench/json_todict.py
makes them: a TabularDataByFilterResponse of ``sizes.json_rows`` ten-field readings and
a ListRobotsResponse of ``sizes.json_machines`` machines), parses them once with its own
runtime, checks the dict against ``MessageToDict`` of the official message, then times
the dict step alone (the parse is not in the figure; workload 8 times parsing).
"""

from __future__ import annotations

import warnings
from typing import Any

from bench.clients import Unsupported
from bench.config import Sizes
from bench.env import BenchEnv
from bench.json_todict import robots_payload
from bench.probe import Probe
from bench.workloads.codec import MIN_LOOPS, _time_loops, build_payload


def _payloads(sizes: Sizes) -> tuple[bytes, bytes]:
    return build_payload(sizes.json_rows), robots_payload(sizes.json_machines)


def _run(parse_rows: Any, parse_robots: Any, to_dict: Any, sizes: Sizes, probe: Probe) -> None:
    from google.protobuf import json_format
    from viam.proto.app import ListRobotsResponse
    from viam.proto.app.data import TabularDataByFilterResponse

    rows_data, robots_data = _payloads(sizes)
    rows, robots = parse_rows(rows_data), parse_robots(robots_data)
    for mine, official in (
        (rows, TabularDataByFilterResponse.FromString(rows_data)),
        (robots, ListRobotsResponse.FromString(robots_data)),
    ):
        if to_dict(mine) != json_format.MessageToDict(official):
            raise RuntimeError(f"{type(mine).__name__}: the dict differs from MessageToDict's")
    min_loops = MIN_LOOPS if sizes.json_rows >= 1000 else 1
    probe.start()
    rows_s, rows_cpu, _, rows_loops = _time_loops(lambda: to_dict(rows), min_loops)
    robots_s, robots_cpu, _, robots_loops = _time_loops(lambda: to_dict(robots), min_loops)
    probe.stop()
    probe.extra.update(
        rows_ms=rows_s * 1e3,
        rows_cpu_ms=rows_cpu * 1e3,
        machines_ms=robots_s * 1e3,
        machines_cpu_ms=robots_cpu * 1e3,
        rows_loops=rows_loops,
        machines_loops=robots_loops,
    )


async def json_ours(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    from viam_api.app.data.v1 import TabularDataByFilterResponse
    from viam_api.app.v1 import ListRobotsResponse

    # TabularData is deprecated upstream: every parsed row warns; keep them quiet.
    warnings.simplefilter("ignore", DeprecationWarning)
    _run(TabularDataByFilterResponse.parse, ListRobotsResponse.parse, lambda m: m.to_dict(), sizes, probe)


async def json_official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    from google.protobuf import json_format
    from viam.proto.app import ListRobotsResponse
    from viam.proto.app.data import TabularDataByFilterResponse

    _run(
        TabularDataByFilterResponse.FromString,
        ListRobotsResponse.FromString,
        json_format.MessageToDict,
        sizes,
        probe,
    )


async def json_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    raise Unsupported("same codec as ours-async")
