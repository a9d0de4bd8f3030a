"""Puts the fleet and the data the workloads read into a fresh emulator.

Seeding goes through the generated async stubs (``viam_api``), never through a client
under test, so all three clients read exactly the same state.  A step that fails
(say the emulator does not serve an RPC yet) is recorded in
``env.seed_problems[workload]`` and that workload shows n/a instead of stopping the run.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from grpclib.client import Channel
from grpclib.exceptions import GRPCError
from viam_api.app.data.v1 import (
    BinaryDataByFilterRequest,
    DataRequest,
    DataServiceStub,
    DeleteBinaryDataByIDsRequest,
    Filter,
)
from viam_api.app.datasync.v1 import (
    DataCaptureUploadMetadata,
    DataCaptureUploadRequest,
    DataSyncServiceStub,
    DataType,
    FileData,
    FileUploadRequest,
    SensorData,
    SensorMetadata,
    StreamingDataCaptureUploadRequest,
    UploadMetadata,
)
from viam_api.app.v1 import (
    AppServiceStub,
    CreateLocationRequest,
    GetRobotPartRequest,
    GetRobotPartsRequest,
    NewRobotRequest,
)
from viam_api.google.protobuf import ListValue, NullValue, Struct, Value
from viam_api.rpc.v1 import AuthenticateRequest, AuthServiceStub, Credentials

from bench.config import Sizes
from bench.env import BenchEnv
from bench.workloads.codec import reading

TABULAR_COMPONENT = "bench-sensor"
#: The large set's own component: neither tabular pull sees the other set's rows.
TABULAR_BIG_COMPONENT = "bench-sensor-big"
BINARY_COMPONENT = "bench-camera"
FLEET_LOCATION = "bench-fleet"
#: Readings per DataCaptureUpload request while seeding.
TABULAR_BATCH = 1_000
#: Seeding requests in flight at once: the seeder encodes the next batch while the
#: emulator (its own process) stores the previous one.
SEED_IN_FLIGHT = 3
FLEET_IN_FLIGHT = 8
#: Where each set's capture times start, before the seeding time.  The small set is
#: the newest, so the emulator's newest-first scan for it never walks the large set.
TABULAR_START = timedelta(hours=1)
TABULAR_BIG_START = timedelta(hours=3)


def to_value(obj: Any) -> Value:
    """A plain Python value as a ``google.protobuf.Value``."""
    if obj is None:
        return Value(null_value=NullValue.NULL_VALUE)
    if isinstance(obj, bool):
        return Value(bool_value=obj)
    if isinstance(obj, (int, float)):
        return Value(number_value=float(obj))
    if isinstance(obj, str):
        return Value(string_value=obj)
    if isinstance(obj, dict):
        return Value(struct_value=to_struct(obj))
    if isinstance(obj, (list, tuple)):
        return Value(list_value=ListValue(values=[to_value(v) for v in obj]))
    raise TypeError(f"cannot put a {type(obj).__name__} into a Struct")


def to_struct(obj: dict[str, Any]) -> Struct:
    return Struct(fields={k: to_value(v) for k, v in obj.items()})


def _batches(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


#: Capture files larger than this are uploaded with StreamingDataCaptureUpload, in pieces this large.
STREAM_ABOVE = 1 << 20


async def in_flight(jobs: Iterable[Callable[[], Awaitable[Any]]], depth: int) -> None:
    """Runs the jobs with at most ``depth`` of them at once; the first failure cancels the rest."""
    pending: set[asyncio.Future[Any]] = set()

    def settle(done: set[asyncio.Future[Any]]) -> None:
        for task in done:
            task.result()  # raises the job's exception

    try:
        for job in jobs:
            if len(pending) >= depth:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                settle(done)
            pending.add(asyncio.ensure_future(job()))
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            settle(done)
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)


class Seeder:
    """One authenticated channel to the emulator, for seeding and tidying up."""

    def __init__(self, env: BenchEnv) -> None:
        self.env = env
        self.channel = Channel(env.host, env.port)
        self.metadata: dict[str, str] = {}

    async def __aenter__(self) -> Seeder:
        auth = AuthServiceStub(self.channel)
        reply = await auth.authenticate(
            AuthenticateRequest(
                entity=self.env.api_key_id,
                credentials=Credentials(type="api-key", payload=self.env.api_key),
            )
        )
        self.metadata = {"authorization": f"Bearer {reply.access_token}"}
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.channel.close()

    @property
    def app(self) -> AppServiceStub:
        return AppServiceStub(self.channel, metadata=self.metadata)

    @property
    def data(self) -> DataServiceStub:
        return DataServiceStub(self.channel, metadata=self.metadata)

    @property
    def sync(self) -> DataSyncServiceStub:
        return DataSyncServiceStub(self.channel, metadata=self.metadata)

    async def fleet(self) -> None:
        """A location, a machine and its part; the part's secret for the log pusher."""
        env = self.env
        location = await self.app.create_location(
            CreateLocationRequest(organization_id=env.org_id, name="bench")
        )
        assert location.location is not None
        env.location_id = location.location.id
        robot = await self.app.new_robot(NewRobotRequest(name="bench-machine", location=env.location_id))
        env.robot_id = robot.id
        parts = (await self.app.get_robot_parts(GetRobotPartsRequest(robot_id=env.robot_id))).parts
        if not parts:
            raise RuntimeError("a new machine came without a part")
        env.part_id = parts[0].id
        part = (await self.app.get_robot_part(GetRobotPartRequest(id=env.part_id))).part
        env.part_secret = part.secret if part is not None else ""

    async def tabular(self, rows: int) -> None:
        """The small set (workload 3)."""
        await self._readings(TABULAR_COMPONENT, rows, TABULAR_START)
        self.env.tabular_component = TABULAR_COMPONENT

    async def tabular_big(self, rows: int) -> None:
        """The large set (workload 10): the same readings under their own component."""
        await self._readings(TABULAR_BIG_COMPONENT, rows, TABULAR_BIG_START)
        self.env.tabular_big_component = TABULAR_BIG_COMPONENT

    async def _readings(self, component: str, rows: int, before: timedelta) -> None:
        """``rows`` ten-field readings, 10 ms apart, in DataCaptureUpload batches."""
        start = datetime.now(timezone.utc) - before
        metadata = UploadMetadata(
            part_id=self.env.part_id,
            component_type="rdk:component:sensor",
            component_name=component,
            method_name="Readings",
            type=DataType.DATA_TYPE_TABULAR_SENSOR,
            tags=["bench"],
        )

        def upload(batch: range) -> Callable[[], Awaitable[Any]]:
            async def job() -> None:
                contents = [
                    SensorData(
                        metadata=SensorMetadata(
                            time_requested=start + timedelta(milliseconds=10 * i),
                            time_received=start + timedelta(milliseconds=10 * i + 4),
                        ),
                        struct=to_struct({"readings": reading(i)}),
                    )
                    for i in batch
                ]
                await self.sync.data_capture_upload(
                    DataCaptureUploadRequest(metadata=metadata, sensor_contents=contents)
                )

            return job

        await in_flight((upload(batch) for batch in _batches(rows, TABULAR_BATCH)), SEED_IN_FLIGHT)

    async def fleet_of_machines(self, machines: int) -> None:
        """A location of its own holding ``machines`` machines (workload 11)."""
        env = self.env
        location = await self.app.create_location(
            CreateLocationRequest(organization_id=env.org_id, name=FLEET_LOCATION)
        )
        assert location.location is not None
        location_id = location.location.id
        width = len(str(machines))

        def machine(i: int) -> Callable[[], Awaitable[Any]]:
            async def job() -> None:
                await self.app.new_robot(NewRobotRequest(name=f"fleet-{i:0{width}d}", location=location_id))

            return job

        await in_flight((machine(i) for i in range(machines)), FLEET_IN_FLIGHT)
        env.fleet_location_id = location_id

    async def binary(self, blobs: int, blob_bytes: int) -> None:
        env = self.env
        start = datetime.now(timezone.utc) - timedelta(hours=1)
        ids: list[str] = []
        for i in range(blobs):
            blob = (i.to_bytes(4, "big") * (blob_bytes // 4 + 1))[:blob_bytes]
            reply = await self.sync.data_capture_upload(
                DataCaptureUploadRequest(
                    metadata=UploadMetadata(
                        part_id=env.part_id,
                        component_type="rdk:component:camera",
                        component_name=BINARY_COMPONENT,
                        method_name="ReadImage",
                        type=DataType.DATA_TYPE_BINARY_SENSOR,
                        file_extension=".bin",
                    ),
                    sensor_contents=[
                        SensorData(
                            metadata=SensorMetadata(
                                time_requested=start + timedelta(seconds=i),
                                time_received=start + timedelta(seconds=i, milliseconds=5),
                            ),
                            binary=blob,
                        )
                    ],
                )
            )
            ids.append(reply.binary_data_id or reply.file_id)
        if not all(ids):
            ids = await self._binary_ids_by_filter()
        if len(ids) != blobs:
            raise RuntimeError(f"seeded {blobs} blobs but found {len(ids)} ids")
        env.binary_ids = ids

    async def export_files(self, component: str, files: int, size: int) -> None:
        """``files`` captures of ``size`` bytes under ``component`` (the bulk export workloads)."""
        start = datetime.now(timezone.utc) - timedelta(hours=2)

        def upload(i: int) -> Callable[[], Awaitable[Any]]:
            async def job() -> None:
                blob = (i.to_bytes(4, "big") * (size // 4 + 1))[:size]
                when = start + timedelta(milliseconds=i)
                upload = UploadMetadata(
                    part_id=self.env.part_id,
                    component_type="rdk:component:camera",
                    component_name=component,
                    method_name="ReadImage",
                    type=DataType.DATA_TYPE_BINARY_SENSOR,
                    file_extension=".jpeg",
                )
                sensor = SensorMetadata(time_requested=when, time_received=when)
                if size <= STREAM_ABOVE:
                    await self.sync.data_capture_upload(
                        DataCaptureUploadRequest(
                            metadata=upload, sensor_contents=[SensorData(metadata=sensor, binary=blob)]
                        )
                    )
                    return
                # One message may not exceed the server's 4 MiB: larger files stream in pieces.
                head = DataCaptureUploadMetadata(upload_metadata=upload, sensor_metadata=sensor)
                await self.sync.streaming_data_capture_upload(
                    [StreamingDataCaptureUploadRequest(metadata=head)]
                    + [
                        StreamingDataCaptureUploadRequest(data=blob[at : at + STREAM_ABOVE])
                        for at in range(0, size, STREAM_ABOVE)
                    ]
                )

            return job

        await in_flight((upload(i) for i in range(files)), 8)

    async def upload_check(self) -> None:
        """A tiny FileUpload (then deleted): does the emulator take uploads at all?"""
        reply = await self.sync.file_upload(
            [
                FileUploadRequest(
                    metadata=UploadMetadata(
                        part_id=self.env.part_id, type=DataType.DATA_TYPE_FILE, file_name="bench-check"
                    )
                ),
                FileUploadRequest(file_contents=FileData(data=b"bench")),
            ]
        )
        await self.delete_binary([reply.binary_data_id or reply.file_id])

    async def _binary_ids_by_filter(self) -> list[str]:
        reply = await self.data.binary_data_by_filter(
            BinaryDataByFilterRequest(
                data_request=DataRequest(filter=Filter(component_name=BINARY_COMPONENT), limit=10_000),
                include_binary=False,
            )
        )
        return [
            item.metadata.binary_data_id or item.metadata.id
            for item in reply.data
            if item.metadata is not None
        ]

    async def delete_binary(self, ids: list[str]) -> None:
        if ids:
            await self.data.delete_binary_data_by_ids(DeleteBinaryDataByIDsRequest(binary_data_ids=ids))


#: The workloads that read seeded state (they show n/a when their seeding failed).
SEEDED = ("tabular", "tabular-100k", "binary", "upload", "tail", "list-robots", "export-small", "export-large")


async def seed(env: BenchEnv, sizes: Sizes, wanted: set[str]) -> dict[str, float]:
    """Seeds what the ``wanted`` workloads need; failures go to env.seed_problems.

    Returns the seconds each step took, by workload name ("fleet" for the machine and
    part every workload shares).
    """
    took: dict[str, float] = {}
    async with Seeder(env) as seeder:
        t0 = time.perf_counter()
        try:
            await seeder.fleet()
        except Exception as exc:  # noqa: BLE001 - any failure leaves these workloads n/a
            for name in SEEDED:
                env.seed_problems[name] = f"fleet: {_describe(exc)}"
            return took
        took["fleet"] = time.perf_counter() - t0
        steps: list[tuple[str, Any]] = [
            ("tabular", lambda: seeder.tabular(sizes.tabular_rows)),
            ("tabular-100k", lambda: seeder.tabular_big(sizes.tabular_big_rows)),
            ("list-robots", lambda: seeder.fleet_of_machines(sizes.list_machines)),
            ("binary", lambda: seeder.binary(sizes.binary_blobs, sizes.binary_blob_bytes)),
            ("upload", seeder.upload_check),
            ("export-small", lambda: seeder.export_files(
                "bench-export-small", sizes.export_small_files, sizes.export_small_bytes)),
            ("export-large", lambda: seeder.export_files(
                "bench-export-large", sizes.export_large_files, sizes.export_large_bytes)),
        ]
        for name, step in steps:
            if name not in wanted and f"{name}-50ms" not in wanted:
                continue
            t0 = time.perf_counter()
            try:
                await step()
            except Exception as exc:  # noqa: BLE001 - recorded, the other workloads still run
                env.seed_problems[name] = _describe(exc)
                print(f"bench: seeding {name} failed: {_describe(exc)}", file=sys.stderr)
            took[name] = time.perf_counter() - t0
    return took


def _describe(exc: BaseException) -> str:
    if isinstance(exc, GRPCError):
        return f"{exc.status.name}: {exc.message}"
    return str(exc)
