"""Screenshots of every dashboard page for the docs, and page load times of a large fleet.

``python -m tests.dashboard.shots [--out docs/images/dashboard]`` (``make dashboard-shots``):
a small fleet made through the SDK, one PNG per page.

``python -m tests.dashboard.shots --timing [--machines 1000] [--readings 100000]``:
a fleet that size seeded through the emulator's backends, then each page's
load time in headless chromium (navigation to the load event), printed as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from viam_api.common.v1 import LogEntry

from viam_sdk.testing import Emulator
from viam_sdk.testing.backends.captures import CapturesBackend, CaptureSource
from viam_sdk.testing.backends.locations import LocationsBackend
from viam_sdk.testing.backends.logs import PartLogsBackend
from viam_sdk.testing.backends.machines import RobotsBackend

from ._world import CHROMIUM_ARGS, World, build, chromium

OUT = Path("docs/images/dashboard")


def _pages(world: World) -> dict[str, str]:
    return {
        "fleet": "",
        "machine": f"machine?id={world.robot_id}",
        "logs": f"logs?part={world.part_id}",
        "data": "data",
        "console": "console",
        "datasets": "datasets",
        "pipelines": "pipelines",
        "training": "training",
        "keys": "keys",
        "faults": "faults",
    }


def _browse(work: Any) -> Any:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            return work(page)
        finally:
            browser.close()


def shots(out: Path) -> list[Path]:
    """One full-page PNG per dashboard page, of a small fleet made through the SDK."""
    out.mkdir(parents=True, exist_ok=True)
    with Emulator.in_thread() as emu:
        world = asyncio.run(build(emu))
        emu.faults = [{"route": "*/ListLocations", "status": "UNAVAILABLE", "count": 1}]
        assert emu.dashboard_url is not None
        base = emu.dashboard_url

        def take(page: Any) -> list[Path]:
            written = []
            for name, path in _pages(world).items():
                page.goto(base + path)
                if name == "console":
                    page.fill("textarea[name=query]", "SELECT component_name, data FROM readings LIMIT 5")
                    page.click("#run")
                target = out / f"{name}.png"
                page.screenshot(path=str(target), full_page=False)
                written.append(target)
            return written

        return list(_browse(take))


def seed(emu: Emulator, machines: int, readings: int) -> World:
    """``machines`` machines in 10 locations and ``readings`` readings over them, through the backends."""
    ctx = emu.context
    org = emu.bootstrap.org_id
    robots = RobotsBackend(ctx)
    locations = LocationsBackend(ctx)
    loc_ids = []
    for n in range(10):
        loc_id = ctx.new_id()
        locations.create(org, f"site-{n}", "", location_id=loc_id, created_at=ctx.now_iso())
        loc_ids.append(loc_id)
    made = []
    for n in range(machines):
        loc = loc_ids[n % len(loc_ids)]
        robot_id, part_id = robots.create_robot(loc, f"machine-{n:04d}")
        made.append((loc, robot_id, part_id, n))
    captures = CapturesBackend(ctx)
    now = int(datetime.now(timezone.utc).timestamp() * 1_000_000)
    per_upload = max(1, readings // max(1, min(machines, 100)))
    left, i = readings, 0
    while left > 0:
        loc, robot_id, part_id, n = made[i % len(made)]
        count = min(per_upload, left)
        source = CaptureSource(org, loc, robot_id, f"machine-{n:04d}", part_id, f"machine-{n:04d}-main")
        rows = [
            (None, now - k * 1000, json.dumps({"readings": {"celsius": 20 + k % 10}})) for k in range(count)
        ]
        captures.add_tabular(
            source,
            component_type="rdk:component:sensor",
            component_name="thermo",
            method_name="Readings",
            method_parameters="{}",
            tags=(),
            mime_type="",
            readings=rows,
        )
        left -= count
        i += 1
    first = made[0]
    lines = [LogEntry(host="h", level="info", logger_name="seed", message=f"line {k}") for k in range(1000)]
    PartLogsBackend(ctx).add(first[2], lines)
    return World(org, location_id=first[0], robot_id=first[1], part_id=first[2])


def timing(machines: int, readings: int) -> dict[str, Any]:
    with Emulator.in_thread() as emu:
        started = time.perf_counter()
        world = seed(emu, machines, readings)
        seeded = time.perf_counter() - started
        assert emu.dashboard_url is not None
        base = emu.dashboard_url

        def measure(page: Any) -> dict[str, float]:
            got: dict[str, float] = {}
            for name, path in _pages(world).items():
                page.goto(base + path)  # once to warm up
                begin = time.perf_counter()
                page.goto(base + path, wait_until="load")
                got[name] = round((time.perf_counter() - begin) * 1000, 1)
            page.goto(base + "console")
            page.fill("textarea[name=query]", "SELECT count(*) AS n FROM readings")
            begin = time.perf_counter()
            with page.expect_navigation(wait_until="load"):
                page.click("#run")
            got["console: count(*) over the readings"] = round((time.perf_counter() - begin) * 1000, 1)
            return got

        return {
            "machines": machines,
            "readings": readings,
            "seed_s": round(seeded, 1),
            "load_ms": _browse(measure),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--timing", action="store_true")
    parser.add_argument("--machines", type=int, default=1000)
    parser.add_argument("--readings", type=int, default=100_000)
    args = parser.parse_args()
    if args.timing:
        print(json.dumps(timing(args.machines, args.readings), indent=2))
    else:
        for path in shots(args.out):
            print(path)


if __name__ == "__main__":
    main()
