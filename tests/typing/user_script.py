"""A user's script, checked with ``mypy --strict`` against the installed SDK (tests/other/test_typed_install.py).

It is never run: it only has to type-check, which it can only do if mypy sees
the package's own annotations (an unseen package is an import error under
``--strict``, not silently ``Any``).
"""

from __future__ import annotations

import asyncio
import datetime

import viam_sdk.sync
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator
from viam_sdk.utils import create_filter


async def newest_readings(viam: ViamClient, org_id: str) -> list[dict[str, object]]:
    rows = await viam.data_client.tabular_data_by_sql(org_id, "SELECT * FROM readings LIMIT 5")
    return [dict(row) for row in rows]


async def tour() -> None:
    async with Emulator() as emulator:
        boot = emulator.bootstrap
        opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
        async with await ViamClient.create_from_dial_options(opts, emulator.app_url) as viam:
            location = await viam.app_client.create_location(boot.org_id, "Depot")
            robot_id: str = await viam.app_client.new_robot("rover", location.id)
            parts = await viam.app_client.get_robot_parts(robot_id)
            part_name: str = parts[0].name
            data, count, last = await viam.data_client.tabular_data_by_filter(create_filter(robot_id=robot_id))
            total: int = count + len(data)
            started: datetime.datetime | None = location.created_on
            print(part_name, total, last, started, await newest_readings(viam, boot.org_id))


def blocking_tour(api_key: str, api_key_id: str, url: str) -> int:
    opts = DialOptions.with_api_key(api_key, api_key_id)
    with viam_sdk.sync.ViamClient.create_from_dial_options(opts, url) as viam:
        return len(viam.app_client.list_organizations())


if __name__ == "__main__":
    asyncio.run(tour())
