"""SQL and MQL run off the event loop, within a time and a memory budget (issue 11, item 2).

Against the real emulator over loopback: a heavy query does not hold up other
calls, and queries past a budget are refused with DEADLINE_EXCEEDED or
RESOURCE_EXHAUSTED and a message naming the budget.  Budgets are lowered for
the tests so they stay quick; the assertions are on outcomes and order only.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.testing import Emulator
from viam_sdk.testing.query import budget as query_budget

from .conftest import DEPRECATION_NOISE, Part, connect, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

ENDLESS_SQL = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) AS n FROM c"
# Atlas SQL that builds a string doubling in size: past any per-value memory budget.
DOUBLING_SQL = (
    "WITH RECURSIVE r(n, s) AS (SELECT 1, 'x' UNION ALL SELECT n + 1, s || s FROM r WHERE n < 40) "
    "SELECT CHAR_LENGTH(s) AS len FROM r"
)


async def _readings(viam: ViamClient, part: Part, n: int = 3) -> None:
    await viam.data_client.tabular_data_capture_upload(
        [{"readings": {"i": i}} for i in range(n)],
        part.part_id,
        "rdk:component:sensor",
        "counter",
        "Readings",
    )


async def _refusal(call: object) -> GRPCError:
    with pytest.raises(GRPCError) as info:
        await call  # type: ignore[misc]
    return info.value


async def test_other_calls_complete_while_a_heavy_query_runs(
    monkeypatch: pytest.MonkeyPatch, viam: ViamClient, part: Part
) -> None:
    monkeypatch.setattr(query_budget, "TIME_BUDGET_S", 2.0)
    heavy = asyncio.create_task(viam.data_client.tabular_data_by_sql(part.org_id, ENDLESS_SQL))

    async def started() -> None:
        while query_budget.running_queries() == 0:
            await asyncio.sleep(0.005)

    await asyncio.wait_for(started(), timeout=30)
    locations = await viam.app_client.list_locations(part.org_id)
    # The listing came back while the query was still running on its worker thread.
    assert not heavy.done() and query_budget.running_queries() == 1
    assert part.location_id in {loc.id for loc in locations}
    error = await _refusal(heavy)
    assert error.status == Status.DEADLINE_EXCEEDED
    assert "time budget" in str(error.message) and "SQL" in str(error.message)


async def test_sql_past_the_memory_budget_is_refused(
    monkeypatch: pytest.MonkeyPatch, viam: ViamClient, part: Part
) -> None:
    monkeypatch.setattr(query_budget, "VALUE_BUDGET_BYTES", 1 << 20)
    await _readings(viam, part)
    error = await _refusal(viam.data_client.tabular_data_by_sql(part.org_id, DOUBLING_SQL))
    assert error.status == Status.RESOURCE_EXHAUSTED and "memory budget" in str(error.message)
    # The same shape within the budget works, and the emulator is fine afterwards.
    small = DOUBLING_SQL.replace("n < 40", "n < 5")
    assert await viam.data_client.tabular_data_by_sql(part.org_id, small) == [
        {"len": n} for n in (1, 2, 4, 8, 16)
    ]


async def test_sql_past_the_result_budget_is_refused(
    monkeypatch: pytest.MonkeyPatch, viam: ViamClient, part: Part
) -> None:
    monkeypatch.setattr(query_budget, "RESULT_BUDGET_BYTES", 10_000)
    await _readings(viam, part, 200)
    error = await _refusal(viam.data_client.tabular_data_by_sql(part.org_id, "SELECT * FROM readings"))
    assert error.status == Status.RESOURCE_EXHAUSTED and "result" in str(error.message)
    error = await _refusal(viam.data_client.tabular_data_by_mql(part.org_id, [{"$match": {}}]))
    assert error.status == Status.RESOURCE_EXHAUSTED and "MQL" in str(error.message)


async def test_mql_budgets(monkeypatch: pytest.MonkeyPatch, viam: ViamClient, part: Part) -> None:
    await _readings(viam, part)
    data = viam.data_client
    huge = [{"$project": {"x": {"$range": [0, 10**10]}}}]
    error = await _refusal(data.tabular_data_by_mql(part.org_id, huge))
    assert error.status == Status.RESOURCE_EXHAUSTED and "$range" in str(error.message)

    fan_out = [{"$project": {"x": {"$range": [0, 200_000]}}}, {"$unwind": "$x"}, {"$count": "n"}]
    monkeypatch.setattr(query_budget, "TIME_BUDGET_S", 0.2)
    error = await _refusal(data.tabular_data_by_mql(part.org_id, fan_out))
    assert error.status == Status.DEADLINE_EXCEEDED and "MQL" in str(error.message)

    # One document, but a long loop inside one expression: the deadline is looked at there too.
    one = [
        {"$limit": 1},
        {"$project": {"x": {"$map": {"input": {"$range": [0, 1_500_000]}, "in": {"$add": ["$$this", 1]}}}}},
    ]
    error = await _refusal(data.tabular_data_by_mql(part.org_id, one))
    assert error.status == Status.DEADLINE_EXCEEDED and "time budget" in str(error.message)

    monkeypatch.setattr(query_budget, "TIME_BUDGET_S", 30.0)
    monkeypatch.setattr(query_budget, "VALUE_BUDGET_BYTES", 32 * 1_000)
    pushed = [
        {"$project": {"x": {"$range": [0, 900]}}},
        {"$unwind": "$x"},
        {"$group": {"_id": None, "all": {"$push": "$x"}}},
    ]
    error = await _refusal(data.tabular_data_by_mql(part.org_id, pushed))
    assert error.status == Status.RESOURCE_EXHAUSTED and "$push" in str(error.message)
    error = await _refusal(
        data.tabular_data_by_mql(part.org_id, [{"$project": {"x": {"$range": [0, 2_000]}}}])
    )
    assert error.status == Status.RESOURCE_EXHAUSTED and "$range" in str(error.message)

    monkeypatch.setattr(query_budget, "VALUE_BUDGET_BYTES", 64 << 20)
    monkeypatch.setattr(query_budget, "DOCUMENT_BUDGET", 1_000)
    error = await _refusal(data.tabular_data_by_mql(part.org_id, fan_out))
    assert error.status == Status.RESOURCE_EXHAUSTED and "1,000 documents" in str(error.message)
    assert await data.tabular_data_by_mql(part.org_id, [{"$count": "n"}]) == [{"n": 3}]


async def test_a_file_backed_emulator_queries_in_place_and_stays_scoped(tmp_path: Path) -> None:
    async with Emulator(db=str(tmp_path / "fleet.db")) as emu:
        ours = make_part(emu)
        other = emu.add_organization()
        theirs = make_part(emu, other.org_id, name="stranger")
        viam = await connect(emu)
        stranger = await connect(emu, other.api_key, other.api_key_id)
        try:
            await _readings(viam, ours, 4)
            await _readings(stranger, theirs, 2)
            rows = await viam.data_client.tabular_data_by_sql(
                ours.org_id,
                "SELECT organization_id, COUNT(*) AS n, SUM(data.readings.i) AS s FROM readings "
                "GROUP BY organization_id",
            )
            assert rows == [{"organization_id": ours.org_id, "n": 4, "s": 6.0}]
            theirs_rows = await stranger.data_client.tabular_data_by_sql(
                other.org_id, "SELECT COUNT(*) AS n FROM readings"
            )
            assert theirs_rows == [{"n": 2}]
            for query in (
                "SELECT * FROM data_tabular",
                "SELECT * FROM main.data_uploads",
                "DELETE FROM readings",
            ):
                error = await _refusal(viam.data_client.tabular_data_by_sql(ours.org_id, query))
                assert error.status == Status.INVALID_ARGUMENT
            # Nothing was written: the readings are all still there.
            assert emu.store.one("SELECT COUNT(*) AS n FROM data_tabular")["n"] == 6
        finally:
            viam.close()
            stranger.close()
