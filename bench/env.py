"""What a worker needs to know about the emulator and the data seeded into it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass
class BenchEnv:
    """Address, credentials and seeded ids.  Secrets are kept out of the repr."""

    host: str
    port: int
    org_id: str
    api_key_id: str
    api_key: str = field(repr=False)
    location_id: str = ""
    robot_id: str = ""
    part_id: str = ""
    part_secret: str = field(default="", repr=False)
    #: component_name of the seeded tabular readings.
    tabular_component: str = ""
    #: component_name of the large tabular set (workload 10), disjoint from the small one.
    tabular_big_component: str = ""
    #: the location holding the machines that list_robots lists (workload 11).
    fleet_location_id: str = ""
    #: ids of the seeded binary blobs.
    binary_ids: list[str] = field(default_factory=list)
    #: file uploaded by the upload workload (made by the runner, deleted at the end).
    upload_path: str = ""
    #: small file uploaded during warm-up.
    warmup_upload_path: str = ""
    #: serialised TabularDataByFilterResponse shared by the codec workers.
    codec_path: str = ""
    #: why seeding some data failed, by workload name (the workload then shows n/a).
    seed_problems: dict[str, str] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def app_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> BenchEnv:
        return cls(**raw)
