"""A small fleet made through the SDK (as a user's script would), for the dashboard's tests and screenshots."""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

from viam_sdk import ViamClient
from viam_sdk.app.app_client import APIKeyAuthorization
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator, MachinePart

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _png(width: int = 32, height: int = 24) -> bytes:
    """A small gradient PNG (the thumbnails' test image)."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 8 % 256, y * 10 % 256, 160))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    head = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", head)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = _png()


def chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if found is None:
        raise RuntimeError(
            "chromium is not installed: `make chromium` installs it (apt-get install -y chromium)"
        )
    return found


@dataclass
class World:
    org_id: str
    location_id: str = ""
    robot_id: str = ""
    part_id: str = ""
    dataset_id: str = ""
    part_secret: str = ""
    #: Every secret the script saw: none may appear in a page.
    secrets: list[str] = field(default_factory=list)


async def build(emulator: Emulator) -> World:
    """A location, a machine with a config, its part online with logs, a reading, an image, a dataset, a key."""
    boot = emulator.bootstrap
    world = World(boot.org_id, secrets=[boot.api_key])
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    async with await ViamClient.create_from_dial_options(opts, app_url=emulator.app_url) as client:
        fleet = client.app_client
        location = await fleet.create_location(boot.org_id, "Greenhouse")
        world.location_id = location.id
        world.secrets += [s.secret for s in location.auth.secrets] if location.auth else []
        world.robot_id = await fleet.new_robot("rover-<b>1</b>", location_id=location.id)
        part = (await fleet.get_robot_parts(world.robot_id))[0]
        await fleet.update_robot_part(
            part.id, part.name, robot_config={"components": [{"name": "thermo", "type": "sensor"}]}
        )
        world.part_id = part.id
        world.part_secret = part.secret
        world.secrets.append(part.secret)
        key, key_id = await fleet.create_key(
            boot.org_id,
            [APIKeyAuthorization(role="operator", resource_type="robot", resource_id=world.robot_id)],
            "dashboard-test-key",
        )
        world.secrets.append(key)
        world.dataset_id = await client.data_client.create_dataset("plants", boot.org_id)
        now = datetime.now(timezone.utc)
        async with await MachinePart.connect(emulator.app_url, part.id, part.secret) as machine:
            await machine.check_in()
            await machine.log("wheels ready <script>alert(1)</script>", logger_name="base")
            await machine.data_client.tabular_data_capture_upload(
                [{"celsius": 21.5}],
                part_id=part.id,
                component_type="rdk:component:sensor",
                component_name="thermo",
                method_name="Readings",
                data_request_times=[(now, now)],
            )
            await machine.data_client.binary_data_capture_upload(
                PNG,
                part_id=part.id,
                component_type="rdk:component:camera",
                component_name="cam",
                method_name="ReadImage",
                file_extension=".png",
                data_request_times=(now, now),
            )
    return world


async def push_log(emulator: Emulator, world: World, secret: str, message: str) -> None:
    async with await MachinePart.connect(emulator.app_url, world.part_id, secret) as machine:
        await machine.log(message, logger_name="live")
