"""Sizes and client names shared by the runner and the workers.

The full sizes are the ones issue 5 asks for; the smoke sizes exercise every code
path in a few seconds so that the test suite can keep the harness from rotting.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

MiB = 1024 * 1024

#: Column order of the table; the runner rotates this order between repetitions.
OURS_ASYNC = "ours-async"
OURS_SYNC = "ours-sync"
OFFICIAL = "official"
CLIENTS: tuple[str, ...] = (OURS_ASYNC, OURS_SYNC, OFFICIAL)
#: Our clients measured from a second build of our SDK (``--ours wheel editable``) carry
#: its kind after this mark: ``ours-async@editable``.  The first build keeps the plain names.
VARIANT_MARK = "@"


def base_client(client: str) -> str:
    """The client a column measures, whichever build of our SDK it runs: ``ours-async@editable`` -> ``ours-async``."""
    return client.split(VARIANT_MARK, 1)[0]


def variant(client: str, kind: str) -> str:
    return f"{client}{VARIANT_MARK}{kind}"


@dataclass(frozen=True)
class Sizes:
    """How big each workload is.  Every field is a count or a byte size."""

    unary_calls: int = 2_000
    concurrent_calls: int = 500
    tabular_rows: int = 10_000
    #: The large pull (workload 10), compared per row with the 10,000-row one.
    tabular_big_rows: int = 100_000
    binary_total_bytes: int = 64 * MiB
    binary_blob_bytes: int = 1 * MiB
    #: How many blobs one binary_data_by_ids call asks for.
    binary_ids_per_call: int = 16
    upload_bytes: int = 256 * MiB
    log_entries: int = 10_000
    #: Log entries per RobotService/Log request made by the pusher.
    log_batch: int = 100
    import_runs: int = 10
    codec_rows: int = 10_000
    #: Calls per client in the sync-overhead workload.
    overhead_calls: int = 2_000
    #: Calls made before the clock starts, in every unary workload.
    warmup_calls: int = 50
    #: Machines in the one location that list_robots lists (workload 11).
    list_machines: int = 1_000
    #: Measured list_robots calls (after LIST_WARMUP_CALLS unmeasured ones).
    list_calls: int = 20
    #: Sequential get_robot_part calls (workload 13).
    part_calls: int = 1_000
    #: Rows of the tabular response and machines of the list_robots response turned to dicts (14).
    json_rows: int = 10_000
    json_machines: int = 1_000
    #: Clients at once, each with its own connection, in the emulator load workload (12).
    load_clients: int = 50
    #: Requests those clients make in all (workload 12).
    load_requests: int = 1_000
    #: Bulk export (workloads 13-16): small images, and large files, each set its own component.
    export_small_files: int = 400
    export_small_bytes: int = 16 * 1024
    export_large_files: int = 4
    export_large_bytes: int = 4 * MiB
    #: The ``parallel`` values of our export measured in each run (8 is the row's time).
    export_parallels: tuple[int, ...] = (1, 4, 8, 32)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Sizes:
        return cls(**raw)

    @property
    def binary_blobs(self) -> int:
        return max(1, self.binary_total_bytes // self.binary_blob_bytes)


FULL = Sizes()

SMOKE = Sizes(
    unary_calls=20,
    concurrent_calls=10,
    tabular_rows=40,
    tabular_big_rows=300,
    binary_total_bytes=256 * 1024,
    binary_blob_bytes=64 * 1024,
    binary_ids_per_call=2,
    upload_bytes=1 * MiB,
    log_entries=30,
    log_batch=10,
    import_runs=1,
    codec_rows=40,
    overhead_calls=20,
    warmup_calls=2,
    list_machines=12,
    list_calls=3,
    load_clients=4,
    load_requests=24,
    export_small_files=6,
    export_small_bytes=1024,
    export_large_files=2,
    export_large_bytes=MiB + MiB // 4,
    part_calls=5,
    json_rows=40,
    json_machines=12,
)
