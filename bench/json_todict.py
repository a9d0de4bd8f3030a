"""JSON workload: ``to_dict`` of ours against ``json_format.MessageToDict`` on the official classes.

    .venv/bin/python -m bench.json_todict [--rows 10000] [--machines 1000] [--reps 7]

Two responses, the same bytes for both runtimes (built with Google's runtime):

* ``TabularDataByFilterResponse`` of ``--rows`` ten-field readings (the codec
  workload's payload, bench/workloads/codec.py): one Struct and two Timestamps a row;
* ``ListRobotsResponse`` of ``--machines`` machines (ids, names, two Timestamps each).

For each, the median over ``--reps`` of: ``to_dict()`` of an already parsed message
(ours) against ``MessageToDict`` of the parsed official message, and the same with
the parse included.  Both sides produce the same dict (checked before timing).
CPU time of this process.  `make bench` runs the same comparison as workload 14 (bench/workloads/todict.py).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from statistics import median
from typing import Any

from bench.workloads.codec import build_payload


def robots_payload(machines: int) -> bytes:
    from google.protobuf.timestamp_pb2 import Timestamp
    from viam.proto.app import ListRobotsResponse, Robot

    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    response = ListRobotsResponse()
    for i in range(machines):
        robot = Robot(id=f"robot-{i:05d}", name=f"machine-{i}", location="loc-bench")
        robot.online_state = 1 + i % 3  # type: ignore[assignment]  # an enum's number
        created, seen = Timestamp(), Timestamp()
        created.FromDatetime(start + timedelta(seconds=i))
        seen.FromDatetime(start + timedelta(seconds=i, milliseconds=250))
        robot.created_on.CopyFrom(created)
        robot.last_access.CopyFrom(seen)
        robot.seconds_since_online = i
        response.robots.append(robot)
    return response.SerializeToString()


def _time(step: Callable[[], Any], reps: int) -> float:
    samples = []
    for _ in range(reps):
        start = time.process_time()
        step()
        samples.append(time.process_time() - start)
    return median(samples) * 1e3


def measure(name: str, data: bytes, ours_type: Any, official_type: Any, reps: int) -> None:
    from google.protobuf import json_format

    ours = ours_type.parse(data)
    official = official_type.FromString(data)
    assert ours.to_dict() == json_format.MessageToDict(official), f"{name}: the two dicts differ"
    to_dict = _time(ours.to_dict, reps)
    message_to_dict = _time(lambda: json_format.MessageToDict(official), reps)
    with_parse = _time(lambda: ours_type.parse(data).to_dict(), reps)
    official_with_parse = _time(lambda: json_format.MessageToDict(official_type.FromString(data)), reps)
    print(
        f"{name:40} to_dict {to_dict:8.1f} ms  MessageToDict {message_to_dict:8.1f} ms  "
        f"ratio {to_dict / message_to_dict:5.2f}x | with parse {with_parse:8.1f} / "
        f"{official_with_parse:8.1f} ms  ratio {with_parse / official_with_parse:5.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--machines", type=int, default=1_000)
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    from viam.proto.app import ListRobotsResponse as OfficialRobots
    from viam.proto.app.data import TabularDataByFilterResponse as OfficialTabular
    from viam_api.app.data.v1 import TabularDataByFilterResponse
    from viam_api.app.v1 import ListRobotsResponse

    measure(
        f"tabular_data_by_filter, {args.rows:,} rows",
        build_payload(args.rows),
        TabularDataByFilterResponse,
        OfficialTabular,
        args.reps,
    )
    measure(
        f"list_robots, {args.machines:,} machines",
        robots_payload(args.machines),
        ListRobotsResponse,
        OfficialRobots,
        args.reps,
    )


if __name__ == "__main__":
    main()
