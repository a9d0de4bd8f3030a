"""Workloads 1, 2, 9, 11 and 13: unary calls.

1. ``unary-seq``: small calls one after the other, get_organization and
   list_locations alternating;
2. ``unary-concurrent``: all calls in flight at once over the client's one
   connection (the sync client gets a pool of threads, since it blocks);
9. ``sync-overhead``: get_organization alone, ours sync against ours async; the
   difference per call is what the blocking facade costs;
11. ``list-robots``: one large answer, decoded: list_robots of a location holding
   ``sizes.list_machines`` machines, called ``sizes.list_calls`` times in a row,
   each machine's id, name, location and last access read after every call;
13. ``get-robot-part``: get_robot_part of the seeded part, one call after another,
    with wall and client CPU per call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.clients import (
    NotBuilt,
    Unsupported,
    close_async,
    close_sync,
    connect_official,
    connect_ours_async,
    connect_ours_sync,
    ours_attr,
)
from bench.config import Sizes
from bench.env import BenchEnv
from bench.probe import Probe

#: Threads the sync client uses for the concurrent workload.
SYNC_POOL_THREADS = 32
#: Unmeasured list_robots calls before the clock starts (workload 11).
LIST_WARMUP_CALLS = 2


# ---------------------------------------------------------------- helpers


def _pair(app: Any, ours: bool) -> tuple[Callable[..., Any], Callable[..., Any]]:
    pick = ours_attr if ours else getattr
    return pick(app, "get_organization"), pick(app, "list_locations")


async def _seq_async(app: Any, ours: bool, env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    get_org, list_locs = _pair(app, ours)
    for _ in range(sizes.warmup_calls):
        await get_org(env.org_id)
        await list_locs(env.org_id)
    rounds = max(1, sizes.unary_calls // 2)
    probe.start()
    for _ in range(rounds):
        await get_org(env.org_id)
        await list_locs(env.org_id)
    probe.stop()
    probe.extra["calls"] = 2 * rounds
    probe.extra["us_per_call"] = probe.seconds / (2 * rounds) * 1e6


async def _concurrent_async(app: Any, ours: bool, env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    get_org, list_locs = _pair(app, ours)

    def batch(n: int) -> list[Awaitable[Any]]:
        return [(get_org if i % 2 == 0 else list_locs)(env.org_id) for i in range(n)]

    await asyncio.gather(*batch(max(2, sizes.warmup_calls)))
    n = sizes.concurrent_calls
    probe.start()
    await asyncio.gather(*batch(n))
    probe.stop()
    probe.extra["calls"] = n
    probe.extra["calls_per_s"] = n / probe.seconds


async def _overhead_async(app: Any, env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    get_org = ours_attr(app, "get_organization")
    for _ in range(sizes.warmup_calls):
        await get_org(env.org_id)
    n = sizes.overhead_calls
    probe.start()
    for _ in range(n):
        await get_org(env.org_id)
    probe.stop()
    probe.extra["calls"] = n
    probe.extra["us_per_call"] = probe.seconds / n * 1e6
    probe.extra["cpu_us_per_call"] = probe.cpu_seconds / n * 1e6


# ---------------------------------------------------------------- workload 1


async def seq_ours_async(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    client = await connect_ours_async(env)
    try:
        await _seq_async(ours_attr(client, "app_client"), True, env, sizes, probe)
    finally:
        await close_async(client)


def seq_ours_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    client = connect_ours_sync(env)
    try:
        get_org, list_locs = _pair(ours_attr(client, "app_client"), True)
        for _ in range(sizes.warmup_calls):
            get_org(env.org_id)
            list_locs(env.org_id)
        rounds = max(1, sizes.unary_calls // 2)
        probe.start()
        for _ in range(rounds):
            get_org(env.org_id)
            list_locs(env.org_id)
        probe.stop()
        probe.extra["calls"] = 2 * rounds
        probe.extra["us_per_call"] = probe.seconds / (2 * rounds) * 1e6
    finally:
        close_sync(client)


async def seq_official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    client = await connect_official(env)
    try:
        await _seq_async(client.app_client, False, env, sizes, probe)
    finally:
        await close_async(client)


# ---------------------------------------------------------------- workload 2


async def concurrent_ours_async(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    client = await connect_ours_async(env)
    try:
        await _concurrent_async(ours_attr(client, "app_client"), True, env, sizes, probe)
    finally:
        await close_async(client)


def concurrent_ours_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    client = connect_ours_sync(env)
    try:
        get_org, list_locs = _pair(ours_attr(client, "app_client"), True)

        def one(i: int) -> Any:
            return (get_org if i % 2 == 0 else list_locs)(env.org_id)

        n = sizes.concurrent_calls
        with ThreadPoolExecutor(max_workers=min(SYNC_POOL_THREADS, n)) as pool:
            # Warm-up also starts every thread of the pool.
            list(pool.map(one, range(max(2 * SYNC_POOL_THREADS, sizes.warmup_calls))))
            probe.start()
            list(pool.map(one, range(n)))
            probe.stop()
        probe.extra["calls"] = n
        probe.extra["calls_per_s"] = n / probe.seconds
        probe.extra["threads"] = min(SYNC_POOL_THREADS, n)
    finally:
        close_sync(client)


async def concurrent_official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    client = await connect_official(env)
    try:
        await _concurrent_async(client.app_client, False, env, sizes, probe)
    finally:
        await close_async(client)


# ---------------------------------------------------------------- workload 9


async def overhead_ours_async(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    client = await connect_ours_async(env)
    try:
        await _overhead_async(ours_attr(client, "app_client"), env, sizes, probe)
    finally:
        await close_async(client)


def overhead_ours_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    client = connect_ours_sync(env)
    try:
        get_org = ours_attr(ours_attr(client, "app_client"), "get_organization")
        for _ in range(sizes.warmup_calls):
            get_org(env.org_id)
        n = sizes.overhead_calls
        probe.start()
        for _ in range(n):
            get_org(env.org_id)
        probe.stop()
        probe.extra["calls"] = n
        probe.extra["us_per_call"] = probe.seconds / n * 1e6
        probe.extra["cpu_us_per_call"] = probe.cpu_seconds / n * 1e6
    finally:
        close_sync(client)


async def overhead_official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    raise Unsupported("compares our two flavours; the official SDK has no sync client")


# ---------------------------------------------------------------- workload 11


def _fleet(env: BenchEnv) -> str:
    problem = env.seed_problems.get("list-robots")
    if problem:
        raise NotBuilt(f"seeding failed: {problem}")
    if not env.fleet_location_id:
        raise NotBuilt("no location of machines was seeded")
    return env.fleet_location_id


def _touch_robots(robots: Any) -> int:
    """Read what a user listing machines reads of each (upb decodes lazily); returns the count."""
    named = 0
    for robot in robots:
        _ = (robot.id, robot.location, robot.last_access)
        named += bool(robot.name)
    return named


def _check_robots(named: int, sizes: Sizes, calls: int, probe: Probe) -> None:
    if named != sizes.list_machines:
        raise RuntimeError(f"expected {sizes.list_machines} named machines, got {named}")
    probe.extra.update(
        calls=calls,
        machines=named,
        ms_per_call=probe.seconds / calls * 1e3,
        cpu_ms_per_call=probe.cpu_seconds / calls * 1e3,
    )


async def _list_robots_async(app: Any, ours: bool, location_id: str, sizes: Sizes, probe: Probe) -> None:
    list_robots = (ours_attr if ours else getattr)(app, "list_robots")
    for _ in range(LIST_WARMUP_CALLS):
        await list_robots(location_id)
    calls = max(1, sizes.list_calls)
    named = 0
    probe.start()
    for _ in range(calls):
        named = _touch_robots(await list_robots(location_id))
    probe.stop()
    _check_robots(named, sizes, calls, probe)


async def list_robots_ours_async(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    location_id = _fleet(env)
    client = await connect_ours_async(env)
    try:
        await _list_robots_async(ours_attr(client, "app_client"), True, location_id, sizes, probe)
    finally:
        await close_async(client)


def list_robots_ours_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    location_id = _fleet(env)
    client = connect_ours_sync(env)
    try:
        list_robots = ours_attr(ours_attr(client, "app_client"), "list_robots")
        for _ in range(LIST_WARMUP_CALLS):
            list_robots(location_id)
        calls = max(1, sizes.list_calls)
        named = 0
        probe.start()
        for _ in range(calls):
            named = _touch_robots(list_robots(location_id))
        probe.stop()
        _check_robots(named, sizes, calls, probe)
    finally:
        close_sync(client)


async def list_robots_official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    location_id = _fleet(env)
    client = await connect_official(env)
    try:
        await _list_robots_async(client.app_client, False, location_id, sizes, probe)
    finally:
        await close_async(client)


# ---------------------------------------------------------------- workload 13


def _part_id(env: BenchEnv) -> str:
    if not env.part_id:
        raise NotBuilt("no machine part was seeded")
    return env.part_id


def _part_figures(calls: int, probe: Probe) -> None:
    probe.extra.update(
        calls=calls,
        us_per_call=probe.seconds / calls * 1e6,
        cpu_us_per_call=probe.cpu_seconds / calls * 1e6,
    )


async def _robot_part_async(app: Any, ours: bool, part_id: str, sizes: Sizes, probe: Probe) -> None:
    get_part = (ours_attr if ours else getattr)(app, "get_robot_part")
    for _ in range(sizes.warmup_calls):
        await get_part(part_id)
    calls = max(1, sizes.part_calls)
    probe.start()
    for _ in range(calls):
        part = await get_part(part_id)
    probe.stop()
    if part.id != part_id:
        raise RuntimeError(f"asked for part {part_id}, got {part.id}")
    _part_figures(calls, probe)


async def robot_part_ours_async(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    client = await connect_ours_async(env)
    try:
        await _robot_part_async(ours_attr(client, "app_client"), True, _part_id(env), sizes, probe)
    finally:
        await close_async(client)


def robot_part_ours_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    part_id = _part_id(env)
    client = connect_ours_sync(env)
    try:
        get_part = ours_attr(ours_attr(client, "app_client"), "get_robot_part")
        for _ in range(sizes.warmup_calls):
            get_part(part_id)
        calls = max(1, sizes.part_calls)
        probe.start()
        for _ in range(calls):
            get_part(part_id)
        probe.stop()
        _part_figures(calls, probe)
    finally:
        close_sync(client)


async def robot_part_official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    client = await connect_official(env)
    try:
        await _robot_part_async(client.app_client, False, _part_id(env), sizes, probe)
    finally:
        await close_async(client)
