"""Workload 12 (issue 11): the emulator under many clients at once.

``sizes.load_clients`` clients, each with its own connection (its own
``ViamClient``), share ``sizes.load_requests`` requests: per client a fixed
cycle of three reads for one write (get_organization, list_locations,
get_location, then update_location renaming the client's own location).
Every request's latency is kept; the figures are requests per second over
the whole burst and the 50th and 99th percentile latencies.  The locations are
made before the clock starts and deleted after it stops, so the fleet stays
the same size from repetition to repetition.

The sync client runs one thread per client, the async clients one task per
client on one event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.clients import (
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

#: Per client: reads and writes in this order, over and over.
CYCLE = ("get_organization", "list_locations", "get_location", "update_location")


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by nearest rank."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def _shares(sizes: Sizes) -> list[int]:
    clients, total = sizes.load_clients, sizes.load_requests
    return [total // clients + (1 if i < total % clients else 0) for i in range(clients)]


def _report(probe: Probe, latencies: list[float], errors: int, sizes: Sizes) -> None:
    probe.extra["clients"] = sizes.load_clients
    probe.extra["requests"] = len(latencies)
    probe.extra["errors"] = errors
    probe.extra["requests_per_s"] = len(latencies) / probe.seconds
    probe.extra["p50_ms"] = percentile(latencies, 50) * 1e3
    probe.extra["p99_ms"] = percentile(latencies, 99) * 1e3


def _call(app: Any, ours: bool, step: str, env: BenchEnv, location_id: str, n: int) -> Any:
    fn = ours_attr(app, step) if ours else getattr(app, step)
    if step in ("get_organization", "list_locations"):
        return fn(env.org_id)
    if step == "get_location":
        return fn(location_id)
    return fn(location_id, name=f"load-{location_id[:8]}-{n}")


async def _run_async(apps: list[Any], ours: bool, env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    create = (lambda a: ours_attr(a, "create_location")) if ours else (lambda a: a.create_location)
    delete = (lambda a: ours_attr(a, "delete_location")) if ours else (lambda a: a.delete_location)
    locations = [(await create(app)(env.org_id, f"load-{i}")).id for i, app in enumerate(apps)]
    latencies: list[float] = []
    errors = 0

    async def client(i: int, count: int) -> None:
        nonlocal errors
        for n in range(count):
            step = CYCLE[n % len(CYCLE)]
            t0 = time.perf_counter()
            try:
                await _call(apps[i], ours, step, env, locations[i], n)
            except Exception:  # noqa: BLE001 - counted; the figures say how many
                errors += 1
                continue
            latencies.append(time.perf_counter() - t0)

    # warm-up: every connection made and authenticated before the clock starts
    await asyncio.gather(*(_call(app, ours, "get_organization", env, "", 0) for app in apps))
    probe.start()
    await asyncio.gather(*(client(i, count) for i, count in enumerate(_shares(sizes))))
    probe.stop()
    for app, location_id in zip(apps, locations, strict=True):
        await delete(app)(location_id)
    _report(probe, latencies, errors, sizes)


async def load_ours_async(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    clients = [await connect_ours_async(env) for _ in range(sizes.load_clients)]
    try:
        await _run_async([ours_attr(c, "app_client") for c in clients], True, env, sizes, probe)
    finally:
        for c in clients:
            await close_async(c)


async def load_official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    clients = [await connect_official(env) for _ in range(sizes.load_clients)]
    try:
        await _run_async([c.app_client for c in clients], False, env, sizes, probe)
    finally:
        for c in clients:
            await close_async(c)


def load_ours_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    clients = [connect_ours_sync(env) for _ in range(sizes.load_clients)]
    try:
        apps = [ours_attr(c, "app_client") for c in clients]
        locations = [ours_attr(app, "create_location")(env.org_id, f"load-{i}").id for i, app in enumerate(apps)]
        latencies: list[list[float]] = [[] for _ in apps]
        errors = [0 for _ in apps]

        def client(i: int, count: int) -> None:
            for n in range(count):
                step = CYCLE[n % len(CYCLE)]
                t0 = time.perf_counter()
                try:
                    _call(apps[i], True, step, env, locations[i], n)
                except Exception:  # noqa: BLE001 - counted
                    errors[i] += 1
                    continue
                latencies[i].append(time.perf_counter() - t0)

        run: Callable[[int, int], None] = client
        with ThreadPoolExecutor(max_workers=len(apps)) as pool:
            list(pool.map(lambda i: _call(apps[i], True, "get_organization", env, "", 0), range(len(apps))))
            probe.start()
            list(pool.map(run, range(len(apps)), _shares(sizes)))
            probe.stop()
        for app, location_id in zip(apps, locations, strict=True):
            ours_attr(app, "delete_location")(location_id)
        _report(probe, [x for per in latencies for x in per], sum(errors), sizes)
    finally:
        for c in clients:
            close_sync(c)


def run_standalone(env: BenchEnv, sizes: Sizes) -> dict[str, Any]:
    """Run the async flavour once outside the harness (for before/after figures by hand)."""
    probe = Probe()
    asyncio.run(load_ours_async(env, sizes, probe))
    return {"seconds": probe.seconds, **probe.extra}
