"""SQL and MQL over readings, datasets, and database access, end to end."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import bson
import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from viam_sdk.app.data_client import DataClient
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part, connect, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime(2024, 7, 1, tzinfo=timezone.utc)
# The SDK returns times naive, in UTC, as the official SDK does.
NAIVE_T0 = T0.replace(tzinfo=None)


async def seed(data: DataClient, part: Part, other: Part) -> None:
    """Two sensors on `part` and one on `other`: known readings to query."""
    for comp, target, values in (
        ("thermo", part, [10, 20, 30]),
        ("baro", part, [1000, 1010]),
        ("thermo", other, [5]),
    ):
        await data.tabular_data_capture_upload(
            [{"readings": {"v": v, "unit": "c" if comp == "thermo" else "hpa"}} for v in values],
            target.part_id,
            "rdk:component:sensor",
            comp,
            "Readings",
            tags=["t"] if comp == "baro" else None,
            data_request_times=[
                (T0 + timedelta(minutes=i), T0 + timedelta(minutes=i, seconds=1)) for i in range(len(values))
            ],
        )


@pytest.fixture
def other_part(emulator: Emulator) -> Part:
    return make_part(emulator, name="buoy")


async def test_sql_select_returns_expected_rows(data: DataClient, part: Part, other_part: Part) -> None:
    await seed(data, part, other_part)
    rows = await data.tabular_data_by_sql(
        part.org_id,
        "SELECT component_name, data.readings.v AS v, time_received, data, tags "
        f"FROM readings WHERE part_id = '{part.part_id}' ORDER BY time_received, v",
    )
    assert [(r["component_name"], r["v"]) for r in rows] == [
        ("thermo", 10),
        ("baro", 1000),
        ("thermo", 20),
        ("baro", 1010),
        ("thermo", 30),
    ]
    assert rows[1]["time_received"] == NAIVE_T0 + timedelta(seconds=1)
    assert rows[1]["data"] == {"readings": {"v": 1000, "unit": "hpa"}}
    assert rows[1]["tags"] == ["t"] and rows[0]["tags"] == []


async def test_sql_aggregates(data: DataClient, part: Part, other_part: Part) -> None:
    await seed(data, part, other_part)
    rows = await data.tabular_data_by_sql(
        part.org_id,
        "SELECT robot_name, component_name, COUNT(*) AS n, AVG(data.readings.v) AS mean "
        "FROM readings GROUP BY robot_name, component_name ORDER BY robot_name, component_name",
    )
    assert rows == [
        {"robot_name": "buoy", "component_name": "thermo", "n": 1, "mean": 5.0},
        {"robot_name": "rover", "component_name": "baro", "n": 2, "mean": 1005.0},
        {"robot_name": "rover", "component_name": "thermo", "n": 3, "mean": 20.0},
    ]


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("DELETE FROM readings", "delete"),
        ("UPDATE readings SET component_name = 'x'", "update"),
        ("INSERT INTO readings(component_name) VALUES ('x')", "insert"),
        ("DROP TABLE readings", "drop"),
        ("CREATE TABLE t(x)", "create"),
        ("SELECT * FROM data_binary", "data_binary"),
        ("SELECT * FROM api_keys", "api_keys"),
        ("SELECT * FROM sqlite_master", "sqlite_master"),
        ("ATTACH DATABASE 'x.db' AS x", "attach"),
        ("PRAGMA table_info(readings)", "pragma"),
        ("SELECT 1; DELETE FROM readings", "delete"),
        ("SELECT 1; SELECT 2", "one statement"),
        ("SELEC nonsense", "syntax"),
    ],
)
async def test_sql_refuses_writes_and_other_tables(
    data: DataClient, part: Part, other_part: Part, query: str, needle: str
) -> None:
    await seed(data, part, other_part)
    with pytest.raises(GRPCError) as info:
        await data.tabular_data_by_sql(part.org_id, query)
    assert info.value.status == Status.INVALID_ARGUMENT
    assert needle in str(info.value.message).lower()
    rows = await data.tabular_data_by_sql(part.org_id, "SELECT COUNT(*) AS n FROM readings")
    assert rows == [{"n": 6}]


async def test_mql_pipeline_with_bytes_and_dicts(data: DataClient, part: Part, other_part: Part) -> None:
    await seed(data, part, other_part)
    rows = await data.tabular_data_by_mql(
        part.org_id,
        [
            bson.encode({"$match": {"component_name": "thermo", "data.readings.v": {"$gte": 10}}}),
            {"$sort": {"data.readings.v": -1}},
            {"$skip": 1},
            {"$limit": 5},
            {"$project": {"_id": 0, "v": "$data.readings.v", "robot_name": 1, "time_received": 1}},
        ],
    )
    assert rows == [
        {"robot_name": "rover", "time_received": NAIVE_T0 + timedelta(minutes=1, seconds=1), "v": 20},
        {"robot_name": "rover", "time_received": NAIVE_T0 + timedelta(seconds=1), "v": 10},
    ]


async def test_mql_group_accumulators(data: DataClient, part: Part, other_part: Part) -> None:
    await seed(data, part, other_part)
    rows = await data.tabular_data_by_mql(
        part.org_id,
        [
            {"$match": {"$or": [{"tags": "t"}, {"robot_name": "rover"}]}},
            {
                "$group": {
                    "_id": "$component_name",
                    "total": {"$sum": "$data.readings.v"},
                    "mean": {"$avg": "$data.readings.v"},
                    "low": {"$min": "$data.readings.v"},
                    "high": {"$max": "$data.readings.v"},
                    "n": {"$count": {}},
                    "ones": {"$sum": 1},
                }
            },
            {"$sort": {"_id": 1}},
        ],
    )
    assert rows == [
        {"_id": "baro", "total": 2010, "mean": 1005.0, "low": 1000, "high": 1010, "n": 2, "ones": 2},
        {"_id": "thermo", "total": 60, "mean": 20.0, "low": 10, "high": 30, "n": 3, "ones": 3},
    ]
    counted = await data.tabular_data_by_mql(
        part.org_id, [{"$match": {"robot_name": "buoy"}}, {"$count": "n"}]
    )
    assert counted == [{"n": 1}]


@pytest.mark.parametrize(
    ("stage", "needle"),
    [
        ({"$lookup": {"from": "x"}}, "$lookup"),
        ({"$out": "x"}, "$out"),
        ({"$match": {"v": {"$where": "1"}}}, "$where"),
        ({"$group": {"_id": None, "x": {"$median": "$v"}}}, "$median"),
        ({"$limit": -1}, "$limit"),
    ],
)
async def test_mql_refuses_unsupported_stages(
    data: DataClient, part: Part, stage: dict[str, object], needle: str
) -> None:
    with pytest.raises(GRPCError) as info:
        await data.tabular_data_by_mql(part.org_id, [stage])
    assert info.value.status == Status.INVALID_ARGUMENT
    assert needle in str(info.value.message)


async def test_sql_and_mql_see_only_the_callers_org(
    emulator: Emulator, data: DataClient, part: Part, other_part: Part
) -> None:
    await seed(data, part, other_part)
    other = emulator.add_organization()
    stranger = await connect(emulator, other.api_key, other.api_key_id)
    try:
        for call in (
            stranger.data_client.tabular_data_by_sql(part.org_id, "SELECT * FROM readings"),
            stranger.data_client.tabular_data_by_mql(part.org_id, [{"$limit": 1}]),
        ):
            with pytest.raises(GRPCError) as info:
                await call
            assert info.value.status == Status.PERMISSION_DENIED
        assert await stranger.data_client.tabular_data_by_sql(other.org_id, "SELECT * FROM readings") == []
        assert await stranger.data_client.tabular_data_by_mql(other.org_id, [{"$match": {}}]) == []
    finally:
        stranger.close()


async def test_datasets_lifecycle(emulator: Emulator, data: DataClient, part: Part) -> None:
    org = part.org_id
    first = await data.create_dataset("cats", org)
    second = await data.create_dataset("dogs", org)
    listed = await data.list_datasets_by_organization_id(org)
    assert [(d.id, d.name, d.organization_id) for d in listed] == [
        (first, "cats", org),
        (second, "dogs", org),
    ]
    assert listed[0].time_created is not None
    with pytest.raises(GRPCError) as info:
        await data.create_dataset("cats", org)
    assert info.value.status == Status.ALREADY_EXISTS
    with pytest.raises(GRPCError) as info:
        await data.create_dataset("bad name!", org)
    assert info.value.status == Status.INVALID_ARGUMENT and "bad name!" in str(info.value.message)
    await data.rename_dataset(second, "wolves")
    assert [d.name for d in await data.list_dataset_by_ids([second])] == ["wolves"]

    image = await data.binary_data_capture_upload(b"img", part.part_id, "camera", "cam", "GetImages", ".jpg")
    await data.add_binary_data_to_dataset_by_ids([image], first)
    await data.add_binary_data_to_dataset_by_ids([image], first)
    members, _, _ = await data.binary_data_by_filter(DataClient.create_filter(dataset_id=first))
    assert [m.metadata.binary_data_id for m in members] == [image]
    assert list(members[0].metadata.dataset_ids) == [first]
    await data.remove_binary_data_from_dataset_by_ids([image], first)
    _, count, _ = await data.binary_data_by_filter(
        DataClient.create_filter(dataset_id=first), count_only=True
    )
    assert count == 0

    await data.delete_dataset(first)
    assert [d.id for d in await data.list_datasets_by_organization_id(org)] == [second]
    with pytest.raises(GRPCError) as info:
        await data.list_dataset_by_ids([first])
    assert info.value.status == Status.NOT_FOUND

    other = emulator.add_organization()
    stranger = await connect(emulator, other.api_key, other.api_key_id)
    try:
        with pytest.raises(GRPCError) as info:
            await stranger.data_client.list_dataset_by_ids([second])
        assert info.value.status == Status.NOT_FOUND
        with pytest.raises(GRPCError) as info:
            await stranger.data_client.list_datasets_by_organization_id(org)
        assert info.value.status == Status.PERMISSION_DENIED
        with pytest.raises(GRPCError) as info:
            await stranger.data_client.delete_dataset(second)
        assert info.value.status == Status.NOT_FOUND
    finally:
        stranger.close()


async def test_database_connection_and_user(emulator: Emulator, data: DataClient, part: Part) -> None:
    host = await data.get_database_connection(part.org_id)
    assert part.org_id in host
    with pytest.raises(GRPCError) as info:
        await data.configure_database_user(part.org_id, "short")
    assert info.value.status == Status.INVALID_ARGUMENT and "short" not in str(info.value.message)
    await data.configure_database_user(part.org_id, "s3cret-Passw0rd")
    row = emulator.store.one("SELECT * FROM data_db_users WHERE organization_id = ?", (part.org_id,))
    assert (
        row is not None and b"s3cret-Passw0rd" not in bytes(row["digest"]) and len(bytes(row["salt"])) == 16
    )


async def test_sql_runaway_query_is_stopped(
    monkeypatch: pytest.MonkeyPatch, data: DataClient, part: Part, other_part: Part
) -> None:
    from viam_sdk.testing.query import budget as query_budget

    await seed(data, part, other_part)
    monkeypatch.setattr(query_budget, "TIME_BUDGET_S", 0.3)
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c"
    with pytest.raises(GRPCError) as info:
        await data.tabular_data_by_sql(part.org_id, endless)
    assert info.value.status == Status.DEADLINE_EXCEEDED and "time budget" in str(info.value.message)
    bounded = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10) SELECT SUM(x) AS s FROM c"
    assert await data.tabular_data_by_sql(part.org_id, bounded) == [{"s": 55}]


async def test_the_reference_examples_org_id_keyword(data: DataClient, part: Part, other_part: Part) -> None:
    """The reference's examples call SQL, MQL and the database connection with org_id=."""
    await seed(data, part, other_part)
    sql = f"SELECT COUNT(*) AS n FROM readings WHERE part_id = '{part.part_id}'"
    by_sql = await data.tabular_data_by_sql(org_id=part.org_id, sql_query=sql)
    assert by_sql == await data.tabular_data_by_sql(part.org_id, sql) and by_sql[0]["n"] == 5
    stages = [{"$match": {"part_id": part.part_id}}, {"$count": "n"}]
    assert (await data.tabular_data_by_mql(org_id=part.org_id, mql_binary=stages))[0]["n"] == 5
    assert await data.get_database_connection(org_id=part.org_id) == await data.get_database_connection(
        part.org_id
    )
    with pytest.raises(TypeError, match="organization_id"):
        await data.tabular_data_by_sql(sql_query=sql)
    with pytest.raises(TypeError, match="give one of them"):
        await data.tabular_data_by_sql(part.org_id, sql, org_id=other_part.org_id + "x")
