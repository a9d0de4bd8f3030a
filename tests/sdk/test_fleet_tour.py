"""examples/fleet_tour.py (what `make demo` shows) runs clean against the emulator, both flavours."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from viam_sdk.testing import Emulator

TOUR = Path(__file__).resolve().parents[2] / "examples" / "fleet_tour.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fleet_tour", TOUR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fleet_tour", module)
    spec.loader.exec_module(module)
    return module


def test_fleet_tour_async_and_sync(emulator_thread: Emulator) -> None:
    tour = _load()
    boot = emulator_thread.bootstrap
    reports = [
        asyncio.run(tour.run_async(emulator_thread.app_url, boot.api_key_id, boot.api_key)),
        tour.run_sync(emulator_thread.app_url, boot.api_key_id, boot.api_key),
    ]
    for report in reports:
        assert "live tail received 2 matching lines" in report
        assert "grants: location_operator, robot_owner" in report or "location_operator, robot_owner" in report
        assert report.rstrip().endswith("location deleted: the organization is as it was")
        assert boot.api_key not in report
    # Tidy: nothing the tour made is left behind.
    rows = emulator_thread.store.db.execute("SELECT COUNT(*) FROM locations").fetchone()[0]
    assert rows == 0
