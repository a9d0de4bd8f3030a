"""The emulator's MQL subset on its own: each stage, operator and accumulator against known documents."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from viam_sdk.testing.query.mql import SUPPORTED_STAGES, MQLError, run_pipeline

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
DOCS: list[dict[str, Any]] = [
    {
        "_id": 1,
        "name": "a",
        "t": T0,
        "tags": ["x", "y"],
        "data": {"v": 5, "s": "Alpha"},
        "pts": [{"k": 1}, {"k": 9}],
    },
    {
        "_id": 2,
        "name": "b",
        "t": T0 + timedelta(hours=1),
        "tags": [],
        "data": {"v": 15, "s": "beta"},
        "pts": [],
    },
    {
        "_id": 3,
        "name": "c",
        "t": T0 + timedelta(hours=2),
        "tags": ["y"],
        "data": {"v": 25},
        "pts": [{"k": 4}],
    },
    {"_id": 4, "name": "a", "t": T0 + timedelta(hours=3), "tags": ["z"], "data": {"v": None, "s": "gamma"}},
]


def ids(stages: list[dict[str, Any]]) -> list[Any]:
    return [d["_id"] for d in run_pipeline([dict(d) for d in DOCS], stages)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"name": "a"}, [1, 4]),
        ({"tags": "y"}, [1, 3]),
        ({"tags": ["x", "y"]}, [1]),
        ({"data.v": {"$gt": 5, "$lte": 25}}, [2, 3]),
        ({"data.v": {"$gte": 5}}, [1, 2, 3]),
        ({"data.v": {"$lt": 20}}, [1, 2]),
        ({"data.v": None}, [4]),
        ({"data.v": {"$ne": 15}}, [1, 3, 4]),
        ({"name": {"$in": ["b", "c"]}}, [2, 3]),
        ({"name": {"$nin": ["b", "c"]}}, [1, 4]),
        ({"data.s": {"$exists": False}}, [3]),
        ({"data.s": {"$regex": "^a", "$options": "i"}}, [1]),
        ({"data.s": re.compile("ta$")}, [2]),
        ({"data.v": {"$not": {"$gt": 10}}}, [1, 4]),
        ({"tags": {"$size": 0}}, [2]),
        ({"tags": {"$all": ["y", "x"]}}, [1]),
        ({"pts": {"$elemMatch": {"k": {"$gt": 5}}}}, [1]),
        ({"pts.k": 4}, [3]),
        ({"t": {"$gte": T0 + timedelta(hours=2)}}, [3, 4]),
        ({"$or": [{"name": "b"}, {"data.v": 25}]}, [2, 3]),
        ({"$and": [{"name": "a"}, {"tags": "z"}]}, [4]),
        ({"$nor": [{"name": "a"}, {"name": "b"}]}, [3]),
        ({"data.v": {"$gt": "text"}}, []),
    ],
)
def test_match(query: dict[str, Any], expected: list[int]) -> None:
    assert ids([{"$match": query}]) == expected


def test_sort_skip_limit_and_count() -> None:
    assert ids([{"$sort": {"name": 1, "t": -1}}]) == [4, 1, 2, 3]
    assert ids([{"$sort": {"data.v": -1}}, {"$skip": 1}, {"$limit": 2}]) == [2, 1]
    assert run_pipeline(DOCS, [{"$match": {"name": "a"}}, {"$count": "n"}]) == [{"n": 2}]
    assert run_pipeline(DOCS, [{"$match": {"name": "zz"}}, {"$count": "n"}]) == []


def test_project_add_fields_and_unset() -> None:
    out = run_pipeline(
        DOCS[:1],
        [
            {
                "$project": {
                    "_id": 0,
                    "name": 1,
                    "data.v": 1,
                    "double": {"$multiply": ["$data.v", 2]},
                    "lit": {"$literal": "$x"},
                }
            }
        ],
    )
    assert out == [{"name": "a", "data": {"v": 5}, "double": 10, "lit": "$x"}]
    assert run_pipeline(DOCS[:1], [{"$project": {"pts": 0, "tags": 0, "t": 0, "data": 0}}]) == [
        {"_id": 1, "name": "a"}
    ]
    out = run_pipeline(
        DOCS[:2],
        [
            {
                "$addFields": {
                    "label": {"$concat": ["$name", "-", {"$toString": "$data.v"}]},
                    "gap": {"$subtract": ["$t", T0]},
                }
            },
            {"$unset": ["pts", "tags", "t", "data"]},
        ],
    )
    assert out == [
        {"_id": 1, "name": "a", "label": "a-5", "gap": 0},
        {"_id": 2, "name": "b", "label": "b-15", "gap": 3_600_000},
    ]
    with pytest.raises(MQLError, match="cannot mix"):
        run_pipeline(DOCS, [{"$project": {"name": 1, "tags": 0}}])


def test_group_accumulators() -> None:
    out = run_pipeline(
        DOCS,
        [
            {
                "$group": {
                    "_id": "$name",
                    "sum": {"$sum": "$data.v"},
                    "avg": {"$avg": "$data.v"},
                    "min": {"$min": "$data.v"},
                    "max": {"$max": "$t"},
                    "n": {"$count": {}},
                    "first": {"$first": "$_id"},
                    "last": {"$last": "$_id"},
                    "all": {"$push": "$_id"},
                    "tags": {"$addToSet": {"$ifNull": ["$data.s", "none"]}},
                }
            },
            {"$sort": {"_id": 1}},
        ],
    )
    assert out[0] == {
        "_id": "a",
        "sum": 5,
        "avg": 5.0,
        "min": 5,
        "max": T0 + timedelta(hours=3),
        "n": 2,
        "first": 1,
        "last": 4,
        "all": [1, 4],
        "tags": ["Alpha", "gamma"],
    }
    assert [g["_id"] for g in out] == ["a", "b", "c"]
    totals = run_pipeline(
        DOCS, [{"$group": {"_id": None, "total": {"$sum": 1}, "mean": {"$avg": "$data.v"}}}]
    )
    assert totals == [{"_id": None, "total": 4, "mean": 15.0}]
    by_pair = run_pipeline(
        DOCS, [{"$group": {"_id": {"n": "$name"}, "c": {"$sum": 1}}}, {"$sort": {"c": -1}}]
    )
    assert by_pair[0] == {"_id": {"n": "a"}, "c": 2}


def _nested(inner: Any, op: str, depth: int) -> Any:
    for _ in range(depth):
        inner = {op: [inner]}
    return inner


@pytest.mark.parametrize(
    ("stages", "needle"),
    [
        ([{"$lookup": {}}], "$lookup"),
        ([{"$match": {}, "$limit": 1}], "exactly one key"),
        ([{"$match": {"a": {"$near": 1}}}], "$near"),
        ([{"$match": {"$where": "this.a > 1"}}], "$where"),
        ([{"$group": {"x": 1}}], "_id"),
        ([{"$group": {"_id": None, "x": {"$median": "$v"}}}], "$median"),
        ([{"$project": {"x": {"$dateToString": {}}}}], "$dateToString"),
        ([{"$skip": -1}], "$skip"),
        ([{"$sort": {"a": 2}}], "$sort"),
        (
            [{"$project": {"x": {"$dateTrunc": {"date": "$t", "unit": "day", "timezone": "Europe/Paris"}}}}],
            "UTC",
        ),
        ([{"$bucketAuto": {"groupBy": "$v", "buckets": 2, "granularity": "R5"}}], "granularity"),
        ([{"$limit": 1}, {"$geoNear": {"near": [0, 0], "distanceField": "d", "key": "loc"}}], "first stage"),
        ([{"$geoNear": {"near": [0, 0], "distanceField": "d"}}], "key"),
        ([{"$setWindowFields": {"output": {"d": {"$derivative": {"input": "$v"}}}}}], "$derivative"),
        ([{"$project": {"x": {"$toObjectId": "not-an-id"}}}], "objectId"),
        ([{"$project": {"x": {"$indexOfCP": ["abc", "b", "start"]}}}], "$indexOfCP"),
        ([{"$project": {"x": _nested({"$literal": 1}, "$add", 3000)}}], "too deeply"),
        ([{"$match": _nested({"a": 1}, "$and", 3000)}], "too deeply"),
    ],
)
def test_unsupported_or_malformed_stages_name_the_culprit(stages: list[dict[str, Any]], needle: str) -> None:
    with pytest.raises(MQLError) as info:
        run_pipeline(DOCS, stages)
    assert needle in str(info.value)


def test_the_documented_stage_list() -> None:
    assert {"$match", "$project", "$sort", "$skip", "$limit", "$group", "$count"} <= set(SUPPORTED_STAGES)
