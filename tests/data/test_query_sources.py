"""MQL's data sources: a leading $match narrows the readings in SQL without changing any result."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.testing import Emulator
from viam_sdk.testing.query.mql import run_pipeline
from viam_sdk.testing.query.sources import prefilter, reading_documents

from .conftest import DEPRECATION_NOISE, Part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime(2025, 2, 1, tzinfo=timezone.utc)


async def _seed(viam: ViamClient, part: Part) -> None:
    for name in ("thermo", "baro", "wind"):
        await viam.data_client.tabular_data_capture_upload(
            [{"readings": {"v": i}} for i in range(4)],
            part.part_id,
            "rdk:component:sensor",
            name,
            "Readings",
            data_request_times=[(T0 + timedelta(minutes=i),) * 2 for i in range(4)],
        )


CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"component_name": "thermo"}, {"uploads": {"component_name": ["thermo"]}, "times": 0}),
    (
        {"component_name": {"$in": ["thermo", "wind"]}, "data.readings.v": {"$gte": 2}},
        {"uploads": {"component_name": ["thermo", "wind"]}, "times": 0},
    ),
    (
        {"time_received": {"$gte": T0 + timedelta(minutes=1), "$lt": T0 + timedelta(minutes=3)}},
        {"uploads": {}, "times": 2},
    ),
    (
        {"time_received": T0 + timedelta(minutes=2), "method_name": {"$eq": "Readings"}},
        {"uploads": {"method_name": ["Readings"]}, "times": 1},
    ),
    # Not narrowed: forms whose SQL meaning could differ are left to the engine.
    ({"component_name": {"$regex": "^th"}}, {"uploads": {}, "times": 0}),
    ({"$or": [{"component_name": "thermo"}, {"component_name": "baro"}]}, {"uploads": {}, "times": 0}),
    ({"time_received": {"$gte": "2025-02-01"}}, {"uploads": {}, "times": 0}),
]


@pytest.mark.parametrize(("match", "narrowed"), CASES)
async def test_narrowing_keeps_every_result(
    emulator: Emulator, viam: ViamClient, part: Part, match: dict[str, Any], narrowed: dict[str, Any]
) -> None:
    await _seed(viam, part)
    stages = [{"$match": match}, {"$project": {"_id": 1}}]
    found = prefilter(stages)
    assert found.uploads == narrowed["uploads"] and len(found.times) == narrowed["times"]
    everything = reading_documents(emulator.store, part.org_id)
    fewer = reading_documents(emulator.store, part.org_id, narrow=found)
    assert len(everything) == 12
    assert len(fewer) < 12 if (found.uploads or found.times) else len(fewer) == 12
    assert run_pipeline(fewer, stages) == run_pipeline(everything, stages)
