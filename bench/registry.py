"""The workloads (issue 5, and 10-11 of issue 8): names, functions per client, what to report."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.config import CLIENTS, OFFICIAL, OURS_ASYNC, OURS_SYNC, Sizes


def _lookup(result: dict[str, Any], key: str) -> float | None:
    if key.startswith("extra."):
        raw = result.get("extra", {}).get(key[len("extra.") :])
    else:
        raw = result.get(key)
    if raw is None or isinstance(raw, bool):
        return None
    return float(raw)


@dataclass(frozen=True)
class Metric:
    """One row of the table: where the number comes from in a worker result.

    ``cpu`` names the client-CPU figure of the same measured part (the source of the
    row's CPU ratio): the whole span's ``cpu_seconds`` unless the row times a piece of
    its own (the codec's steps, a per-call figure).
    """

    key: str  # "seconds", "peak_above_base_kib", "peak_rss_kib" or "extra.<name>"
    label: str
    unit: str
    scale: float = 1.0
    cpu: str = "cpu_seconds"

    def read(self, result: dict[str, Any]) -> float | None:
        value = _lookup(result, self.key)
        return None if value is None else value * self.scale

    def read_cpu(self, result: dict[str, Any]) -> float | None:
        """The client CPU behind this row, in the unit it is stored in (only ratios use it)."""
        return _lookup(result, self.cpu)


SECONDS = Metric("seconds", "time", "s")
CPU = Metric("cpu_seconds", "client CPU", "s")
PEAK = Metric("peak_above_base_kib", "peak memory above start", "MB", 1024 / 1e6)
PER_ROW = Metric("extra.us_per_row", "per row", "µs")


@dataclass(frozen=True)
class Workload:
    number: int
    key: str
    title: str
    #: "module:function" per client, resolved lazily inside the worker.
    functions: dict[str, str]
    metrics: tuple[Metric, ...]
    #: "worker" runs in bench.worker; "import" runs bench.importer.
    kind: str = "worker"
    #: needs the emulator (every workload but 7 and 8).
    needs_server: bool = True

    def describe(self, sizes: Sizes) -> str:
        return self.title.format(s=sizes)

    def resolve(self, client: str) -> Callable[..., Any]:
        module, _, name = self.functions[client].partition(":")
        fn: Callable[..., Any] = getattr(importlib.import_module(module), name)
        return fn


def _per_client(module: str, stem: str, sync: str | None = None) -> dict[str, str]:
    return {
        OURS_ASYNC: f"bench.workloads.{module}:{stem}_ours_async",
        OURS_SYNC: f"bench.workloads.{module}:{sync or stem + '_ours_sync'}",
        OFFICIAL: f"bench.workloads.{module}:{stem}_official",
    }


WORKLOADS: tuple[Workload, ...] = (
    Workload(
        1,
        "unary-seq",
        "{s.unary_calls:,} sequential unary calls (get_organization, list_locations)",
        _per_client("unary", "seq"),
        (SECONDS, Metric("extra.us_per_call", "per call", "µs"), CPU),
    ),
    Workload(
        2,
        "unary-concurrent",
        "{s.concurrent_calls:,} concurrent unary calls, one connection",
        _per_client("unary", "concurrent"),
        (SECONDS, Metric("extra.calls_per_s", "throughput (higher is better)", "calls/s"), CPU),
    ),
    Workload(
        3,
        "tabular",
        "tabular_data_by_filter, {s.tabular_rows:,} ten-field rows to dicts",
        _per_client("data", "tabular"),
        (SECONDS, PER_ROW, CPU, PEAK),
    ),
    Workload(
        4,
        "binary",
        "binary_data_by_ids, {s.binary_total_bytes:,} bytes in {s.binary_blobs} blobs",
        _per_client("data", "binary"),
        (SECONDS, CPU, PEAK),
    ),
    Workload(
        5,
        "upload",
        "file_upload_from_path, {s.upload_bytes:,}-byte file",
        _per_client("data", "upload"),
        (SECONDS, CPU, PEAK),
    ),
    Workload(
        6,
        "tail",
        "tail_robot_part_logs, {s.log_entries:,} entries pushed until all arrive",
        _per_client("logs", "tail"),
        (SECONDS, CPU),
    ),
    Workload(
        7,
        "import",
        "cold import of the ViamClient module, fresh process",
        {c: "" for c in CLIENTS},
        (
            Metric("seconds", "time", "ms", 1e3),
            Metric("peak_rss_kib", "process peak RSS", "MB", 1024 / 1e6),
        ),
        kind="import",
        needs_server=False,
    ),
    Workload(
        8,
        "codec",
        "codec alone: TabularDataByFilterResponse of {s.codec_rows:,} rows (our codec vs upb)",
        {
            OURS_ASYNC: "bench.workloads.codec:codec_ours",
            OURS_SYNC: "bench.workloads.codec:codec_sync",
            OFFICIAL: "bench.workloads.codec:codec_official",
        },
        (
            Metric("extra.parse_ms", "parse", "ms", cpu="extra.parse_cpu_ms"),
            Metric("extra.serialise_ms", "serialise", "ms", cpu="extra.serialise_cpu_ms"),
            Metric(
                "extra.parse_to_dicts_ms", "parse, rows to dicts", "ms", cpu="extra.parse_to_dicts_cpu_ms"
            ),
        ),
        needs_server=False,
    ),
    Workload(
        9,
        "sync-overhead",
        "{s.overhead_calls:,} get_organization calls, ours sync vs ours async",
        _per_client("unary", "overhead"),
        (
            Metric("extra.us_per_call", "per call", "µs", cpu="extra.cpu_us_per_call"),
            Metric("extra.cpu_us_per_call", "client CPU per call", "µs", cpu="extra.cpu_us_per_call"),
        ),
    ),
    Workload(
        10,
        "tabular-100k",
        "tabular_data_by_filter, {s.tabular_big_rows:,} ten-field rows to dicts (against 3)",
        _per_client("data", "tabular_big"),
        (SECONDS, PER_ROW, CPU, PEAK),
    ),
    Workload(
        11,
        "list-robots",
        "list_robots, {s.list_machines:,} machines in one location, {s.list_calls} calls",
        _per_client("unary", "list_robots"),
        (
            SECONDS,
            Metric("extra.ms_per_call", "per call", "ms"),
            Metric("extra.cpu_ms_per_call", "client CPU per call", "ms"),
            CPU,
        ),
    ),
    Workload(
        12,
        "emulator-load",
        "{s.load_clients} clients at once, {s.load_requests:,} requests (3 reads : 1 write)",
        _per_client("load", "load"),
        (
            SECONDS,
            Metric("extra.requests_per_s", "throughput (higher is better)", "requests/s"),
            Metric("extra.p50_ms", "latency p50", "ms"),
            Metric("extra.p99_ms", "latency p99", "ms"),
        ),
    ),
    *(
        Workload(
            number,
            key,
            title,
            _per_client("export", stem),
            (
                SECONDS,
                *(
                    Metric(f"extra.{what}_p{n}", f"{label} at parallel {n} (higher is better)", unit)
                    for n in (1, 4, 8, 32)
                    for what, label, unit in (("files_per_s", "files", "files/s"), ("mb_per_s", "bytes", "MB/s"))
                ),
                CPU,
            ),
        )
        for number, key, stem, title in (
            (13, "export-small", "small", "export_binary_data, {s.export_small_files} small images ({s.export_small_bytes:,} B each) to a folder"),
            (14, "export-small-50ms", "small_delayed", "the same through a 50 ms round trip (bench.latency)"),
            (15, "export-large", "large", "export_binary_data, {s.export_large_files} files of {s.export_large_bytes:,} B to a folder"),
            (16, "export-large-50ms", "large_delayed", "the same through a 50 ms round trip (bench.latency)"),
        )
    ),
    Workload(
        17,
        "get-robot-part",
        "{s.part_calls:,} sequential get_robot_part calls (one part, its config as a Struct)",
        _per_client("unary", "robot_part"),
        (
            SECONDS,
            Metric("extra.us_per_call", "per call", "µs"),
            Metric("extra.cpu_us_per_call", "client CPU per call", "µs"),
            CPU,
        ),
    ),
    Workload(
        18,
        "json",
        "to_dict of {s.json_rows:,} tabular rows and of {s.json_machines:,} machines "
        "(ours vs json_format.MessageToDict)",
        {
            OURS_ASYNC: "bench.workloads.todict:json_ours",
            OURS_SYNC: "bench.workloads.todict:json_sync",
            OFFICIAL: "bench.workloads.todict:json_official",
        },
        (
            Metric("extra.rows_ms", "tabular to dict", "ms", cpu="extra.rows_cpu_ms"),
            Metric("extra.machines_ms", "list_robots to dict", "ms", cpu="extra.machines_cpu_ms"),
        ),
        needs_server=False,
    ),
)

BY_KEY: dict[str, Workload] = {w.key: w for w in WORKLOADS}
