"""The data tour: a machine part's readings and an image in, queried, tagged, grouped, exported.

``make demo`` runs it against the local emulator, once with the async SDK
(:func:`run_async`) and once with the blocking one (:func:`run_sync`).  Each
run makes its own location, machine and part, so runs never see each other's
data, and removes them (with the image and the dataset) at the end.

Against the real cloud, with an organization API key::

    VIAM_API_KEY_ID=... VIAM_API_KEY=... python examples/data_tour.py

(the readings it uploads stay in your organization: the API deletes tabular
data by age only).  ``--app-url http://127.0.0.1:PORT`` targets an emulator
started with ``python -m viam_sdk.testing serve``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import struct
import sys
import tempfile
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from viam_sdk.app.data_client import DataClient, read_tabular_file
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.progress import ProgressCallback, tqdm_progress
from viam_sdk.proto.app.data import Order
from viam_sdk.rpc.dial import DialOptions

SENSOR = "thermometer"
CAMERA = "front-cam"


def tiny_png(width: int = 8, height: int = 8) -> bytes:
    """A real (decodable) PNG: a small red-to-blue gradient."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(
        b"\x00" + b"".join(bytes((255 - x * 30, 0, x * 30)) for x in range(width)) for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# The biggest transfer of the tour: a capture log uploaded from disk with a progress bar.
LOG_BYTES = 8 * 1024 * 1024


def capture_log(folder: str) -> Path:
    """A made-up capture log of LOG_BYTES bytes, written to ``folder``."""
    path = Path(folder) / "capture.log"
    line = b"2026-01-01T00:00:00Z tour-rover thermometer 21.5C ok\n"
    with open(path, "wb") as out:
        for _ in range(LOG_BYTES // len(line)):
            out.write(line)
        out.write(b"#" * (LOG_BYTES % len(line)))
    return path


def progress_bar(desc: str, total: int, unit: str = "B") -> contextlib.AbstractContextManager[ProgressCallback]:
    """A tqdm bar when the ``progress`` extra is installed, else a plain line at the end."""
    if importlib.util.find_spec("tqdm") is not None:
        return tqdm_progress(desc=f"    {desc}", total=total, unit=unit, file=sys.stdout, ascii=True, mininterval=0.2)

    def quiet(done: int, total: int | None) -> None:
        if total is not None and done == total:
            print(f"    {desc}: {done} {unit}")

    return contextlib.nullcontext(quiet)


def readings(n: int, start: datetime) -> tuple[list[dict[str, Any]], list[tuple[datetime, datetime]]]:
    """``n`` thermometer readings one minute apart, and their request/receive times."""
    rows = [{"readings": {"celsius": round(18 + 0.5 * i, 1), "humidity": 40 + i % 5}} for i in range(n)]
    times = [(start + timedelta(minutes=i), start + timedelta(minutes=i, milliseconds=120)) for i in range(n)]
    return rows, times


def sql_for(part_id: str) -> str:
    return (
        "SELECT component_name, COUNT(*) AS n, "
        "ROUND(AVG(data.readings.celsius), 2) AS mean_celsius, "
        "MAX(time_received) AS latest FROM readings "
        f"WHERE part_id = '{part_id}' GROUP BY component_name"
    )


def mql_for(part_id: str) -> list[dict[str, Any]]:
    return [
        {"$match": {"part_id": part_id, "data.readings.humidity": {"$gte": 42}}},
        {
            "$group": {
                "_id": "$data.readings.humidity",
                "n": {"$count": {}},
                "warmest": {"$max": "$data.readings.celsius"},
            }
        },
        {"$sort": {"_id": 1}},
    ]


class Report:
    """Collects the tour's lines and prints them as it goes."""

    def __init__(self, flavour: str) -> None:
        self.flavour = flavour

    def step(self, text: str) -> None:
        print(f"[{self.flavour}] {text}")

    def detail(self, text: str) -> None:
        print(f"[{self.flavour}]     {text}")


async def run_async(app_url: str | None, api_key_id: str, api_key: str) -> None:
    """The tour with the async SDK."""
    say = Report("async")
    stamp = datetime.now(timezone.utc)
    tag = stamp.strftime("%H%M%S%f")
    options = DialOptions.with_api_key(api_key, api_key_id)
    async with await ViamClient.create_from_dial_options(options, app_url=app_url) as viam:
        app, data = viam.app_client, viam.data_client
        org_id = (await app.list_organizations())[0].id
        location = await app.create_location(org_id, f"data-tour-{tag}")
        robot_id = await app.new_robot("tour-rover", location.id)
        parts = await app.get_robot_parts(robot_id)
        part_id = parts[0].id if parts else await app.new_robot_part(robot_id, "tour-rover-main")
        say.step(f"machine part {part_id} in a new location {location.name!r}")

        rows, times = readings(24, stamp - timedelta(hours=1))
        await data.tabular_data_capture_upload(
            rows, part_id, "rdk:component:sensor", SENSOR, "Readings", tags=["tour"], data_request_times=times
        )
        image_id = await data.binary_data_capture_upload(
            tiny_png(), part_id, "rdk:component:camera", CAMERA, "GetImages", ".png", tags=["tour"]
        )
        say.step(
            f"uploaded {len(rows)} readings and a {len(tiny_png())}-byte PNG (binary data id {image_id})"
        )
        with tempfile.TemporaryDirectory(prefix="data-tour-") as folder:
            log_path = capture_log(folder)
            say.step(f"uploading {log_path.name} ({LOG_BYTES // 1024 // 1024} MiB) from disk, 64 KiB at a time:")
            with progress_bar("upload", LOG_BYTES) as bar:
                log_id = await data.file_upload_from_path(str(log_path), part_id, tags=["tour"], progress=bar)
        say.detail(f"binary data id {log_id}")

        mine = DataClient.create_filter(part_id=part_id, component_name=SENSOR)
        first, _, last = await data.tabular_data_by_filter(mine, limit=5, sort_order=Order.ORDER_ASCENDING)
        say.step("first page of readings by filter (5 per page):")
        for row in first:
            say.detail(f"{row.time_requested:%H:%M} {row.data['readings']}")
        total = len(first)
        while last:
            page, _, last = await data.tabular_data_by_filter(
                mine, limit=5, sort_order=Order.ORDER_ASCENDING, last=last
            )
            total += len(page)
        say.detail(f"paged through all {total} readings")
        auto = [row async for row in data.iter_tabular_data_by_filter(mine, page_size=5)]
        say.detail(f"iter_tabular_data_by_filter did the same paging: {len(auto)} readings")
        if importlib.util.find_spec("pandas") is not None:
            frame = await data.tabular_data_to_dataframe(mine)
            say.step(f"as a DataFrame: {frame.shape[0]} rows x {frame.shape[1]} columns, e.g.")
            say.detail(", ".join(c for c in frame.columns if c.startswith("readings.")))
            say.detail(f"mean temperature {frame['readings.celsius'].mean():.2f}, times in {frame['time_received'].dt.tz}")

        say.step("SQL: " + sql_for(part_id).split(" FROM")[0])
        for found in await data.tabular_data_by_sql(org_id, sql_for(part_id)):
            say.detail(str(found))
        say.step("MQL: readings with humidity >= 42, grouped by humidity")
        for found in await data.tabular_data_by_mql(org_id, mql_for(part_id)):
            say.detail(str(found))

        await data.add_tags_to_binary_data_by_ids(["gradient", "calibration"], [image_id])
        box = await data.add_bounding_box_to_image_by_id(image_id, "stripe", 0.0, 0.25, 1.0, 0.75)
        tags = await data.tags_by_filter(DataClient.create_filter(part_id=part_id))
        labels = await data.bounding_box_labels_by_filter(DataClient.create_filter(part_id=part_id))
        say.step(f"tagged the image {tags} and boxed it {labels} (box {box})")

        dataset_id = await data.create_dataset(f"tour-{tag}", org_id)
        await data.add_binary_data_to_dataset_by_ids([image_id], dataset_id)
        in_set, _, _ = await data.binary_data_by_filter(
            DataClient.create_filter(dataset_id=dataset_id), include_binary_data=False
        )
        say.step(f"dataset tour-{tag} holds {len(in_set)} image(s)")

        with tempfile.TemporaryDirectory(prefix="data-tour-") as folder:
            page_file = Path(folder) / "readings.ndjson"
            await data.tabular_data_by_filter(
                mine, limit=10, sort_order=Order.ORDER_ASCENDING, dest=str(page_file)
            )
            await data.binary_data_by_filter(DataClient.create_filter(part_id=part_id), dest=folder)
            exported = sorted(p.name for p in Path(folder).iterdir())
            say.step(
                f"exported a page to {page_file.name} ({len(read_tabular_file(page_file))} rows) and the image:"
            )
            for name in exported:
                say.detail(f"{name} ({(Path(folder) / name).stat().st_size} bytes)")

        await data.delete_dataset(dataset_id)
        await data.delete_binary_data_by_ids([image_id, log_id])
        await app.delete_robot(robot_id)
        await app.delete_location(location.id)
        say.step("tidied up: dataset, image, log, machine and location removed")


def run_sync(app_url: str | None, api_key_id: str, api_key: str) -> None:
    """The same tour with the blocking SDK (``viam_sdk.sync``): no ``await`` anywhere."""
    from viam_sdk.sync import ViamClient as SyncViamClient

    say = Report("sync")
    stamp = datetime.now(timezone.utc)
    tag = stamp.strftime("%H%M%S%f")
    with SyncViamClient.create_from_dial_options(
        DialOptions.with_api_key(api_key, api_key_id), app_url=app_url
    ) as viam:
        app, data = viam.app_client, viam.data_client
        org_id = app.list_organizations()[0].id
        location = app.create_location(org_id, f"data-tour-{tag}")
        robot_id = app.new_robot("tour-rover", location.id)
        parts = app.get_robot_parts(robot_id)
        part_id = parts[0].id if parts else app.new_robot_part(robot_id, "tour-rover-main")
        say.step(f"machine part {part_id} in a new location {location.name!r}")

        rows, times = readings(24, stamp - timedelta(hours=1))
        data.tabular_data_capture_upload(
            rows, part_id, "rdk:component:sensor", SENSOR, "Readings", tags=["tour"], data_request_times=times
        )
        image_id = data.binary_data_capture_upload(
            tiny_png(), part_id, "rdk:component:camera", CAMERA, "GetImages", ".png", tags=["tour"]
        )
        say.step(f"uploaded {len(rows)} readings and a PNG (binary data id {image_id})")
        with tempfile.TemporaryDirectory(prefix="data-tour-") as folder:
            log_path = capture_log(folder)
            say.step(f"uploading {log_path.name} ({LOG_BYTES // 1024 // 1024} MiB) from disk:")
            with progress_bar("upload", LOG_BYTES) as bar:
                log_id = data.file_upload_from_path(str(log_path), part_id, tags=["tour"], progress=bar)

        mine = DataClient.create_filter(part_id=part_id, component_name=SENSOR)
        first, _, _ = data.tabular_data_by_filter(mine, limit=5, sort_order=Order.ORDER_ASCENDING)
        say.step("first page of readings by filter:")
        for row in first:
            say.detail(f"{row.time_requested:%H:%M} {row.data['readings']}")
        _, count, _ = data.tabular_data_by_filter(mine, count_only=True)
        say.detail(f"{count} readings match in all")
        say.detail(f"a plain for over iter_tabular_data_by_filter: {sum(1 for _ in data.iter_tabular_data_by_filter(mine, page_size=5))} readings")

        say.step("SQL and MQL over the same readings:")
        for found in data.tabular_data_by_sql(org_id, sql_for(part_id)):
            say.detail(f"SQL {found}")
        for found in data.tabular_data_by_mql(org_id, mql_for(part_id)):
            say.detail(f"MQL {found}")

        data.add_tags_to_binary_data_by_ids(["gradient"], [image_id])
        dataset_id = data.create_dataset(f"tour-{tag}", org_id)
        data.add_binary_data_to_dataset_by_ids([image_id], dataset_id)
        say.step(
            f"tags now {data.tags_by_filter(DataClient.create_filter(part_id=part_id))}; image added to tour-{tag}"
        )

        with tempfile.TemporaryDirectory(prefix="data-tour-") as folder:
            page_file = Path(folder) / "readings.ndjson"
            data.tabular_data_by_filter(mine, limit=10, dest=str(page_file))
            say.step(f"exported {len(read_tabular_file(page_file))} readings to {page_file.name}")

        data.delete_dataset(dataset_id)
        data.delete_binary_data_by_ids([image_id, log_id])
        app.delete_robot(robot_id)
        app.delete_location(location.id)
        say.step("tidied up")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app-url", default=None, help="default: the real cloud (app.viam.com)")
    parser.add_argument("--sync", action="store_true", help="run the blocking flavour")
    args = parser.parse_args()
    key_id, key = os.environ.get("VIAM_API_KEY_ID"), os.environ.get("VIAM_API_KEY")
    if not key_id or not key:
        print("set VIAM_API_KEY_ID and VIAM_API_KEY", file=sys.stderr)
        return 2
    if args.sync:
        run_sync(args.app_url, key_id, key)
    else:
        asyncio.run(run_async(args.app_url, key_id, key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
