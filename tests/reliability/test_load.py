"""A bounded load: 50 clients at once, 1,000 requests in all, mixed reads and writes.

Correctness only (timings are ``make bench``, workload 12): no request fails,
every acknowledged write is visible afterwards, and the counts are exact.
Each client, on its own connection, creates a location, then repeats: add a
machine to it, read the location back, list its machines, rename it.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator

from .conftest import FIGURES

CLIENTS = 50
REQUESTS = 1_000
CYCLE = ("new machine", "get", "list", "rename")


async def test_fifty_clients_lose_no_write(emulator: Emulator) -> None:
    boot = emulator.bootstrap
    org_id = boot.org_id
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    clients = [await ViamClient.create_from_dial_options(opts, emulator.app_url) for _ in range(CLIENTS)]
    done: Counter[str] = Counter()
    final_names: dict[str, str] = {}  # location id -> the name its last acknowledged write gave it
    machines: dict[str, set[str]] = {}  # location id -> the machines acknowledged in it
    read_back_ok = True

    async def work(i: int, count: int) -> None:
        nonlocal read_back_ok
        app = clients[i].app_client
        loc = await app.create_location(org_id, f"c{i:02d}")
        done["create"] += 1
        final_names[loc.id], machines[loc.id] = loc.name, set()
        for n in range(count - 1):
            step = CYCLE[n % len(CYCLE)]
            if step == "new machine":
                machines[loc.id].add(await app.new_robot(f"m{n:03d}", loc.id))
            elif step == "get":
                got = await app.get_location(loc.id)
                read_back_ok &= got.name == final_names[loc.id]  # a client reads its own writes
            elif step == "list":
                seen = {r.id for r in await app.list_robots(loc.id)}
                read_back_ok &= seen == machines[loc.id]
            else:
                final_names[loc.id] = (await app.update_location(loc.id, name=f"c{i:02d}-{n:03d}")).name
            done[step] += 1

    shares = [REQUESTS // CLIENTS + (1 if i < REQUESTS % CLIENTS else 0) for i in range(CLIENTS)]
    try:
        await asyncio.gather(*(work(i, count) for i, count in enumerate(shares)))
        assert sum(done.values()) == REQUESTS
        assert read_back_ok
        app = clients[0].app_client
        stored = {loc.id: loc.name for loc in await app.list_locations(org_id)}
        assert stored == final_names  # every location there, each with its last acknowledged name
        stored_machines = {loc_id: {r.id for r in await app.list_robots(loc_id)} for loc_id in stored}
        assert stored_machines == machines  # exact: no write lost, none doubled
        writes = done["create"] + done["new machine"] + done["rename"]
    finally:
        for client in clients:
            client.close()
    FIGURES["load"] = (
        f"{CLIENTS} clients, {sum(done.values())} requests ({writes} writes, {done['get'] + done['list']} reads), "
        f"0 failed; {len(stored)} locations and {sum(map(len, stored_machines.values()))} machines stored "
        "= acknowledged"
    )
