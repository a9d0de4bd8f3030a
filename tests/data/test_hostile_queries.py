"""Hostile queries cannot freeze the emulator or run past their budgets (issue 18, items 1, 2 and 6).

Against the real emulator over loopback, as a caller would send them:
backtracking regexes, big-integer arithmetic, operators that loop long inside
one document (each family of MQL operators and stages), values built past the
per-value budget, oversized and non-Atlas SQL, callers that go away, and one
organization trying to take every worker.  Budgets are lowered so the tests stay
quick; assertions are on outcomes and order, never on durations.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.testing import Emulator
from viam_sdk.testing.query import budget as query_budget
from viam_sdk.testing.query import regex as query_regex
from viam_sdk.testing.query import sources as query_sources
from viam_sdk.testing.query.sql import translate

from .conftest import DEPRECATION_NOISE, Part, connect, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

ENDLESS_SQL = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) AS n FROM c"
BIG: dict[str, Any] = {
    "$range": [0, 1_500_000]
}  # 1.5 M items: well within the value budget, long to loop over
ENDLESS_MQL: list[dict[str, Any]] = [
    {"$limit": 1},
    {"$project": {"x": {"$size": {"$setUnion": [BIG, BIG, BIG, BIG]}}}},
]


async def _readings(viam: ViamClient, part: Part, component: str = "sensor-1", n: int = 1) -> None:
    await viam.data_client.tabular_data_capture_upload(
        [{"readings": {"i": i}} for i in range(n)],
        part.part_id,
        "rdk:component:sensor",
        component,
        "Readings",
    )


async def _refusal(call: Any) -> GRPCError:
    with pytest.raises(GRPCError) as info:
        await call
    return info.value


async def _mql(viam: ViamClient, part: Part, stages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return await viam.data_client.tabular_data_by_mql(part.org_id, [{"$limit": 1}, *stages])


async def _started(count: int = 1) -> None:
    while query_budget.running_queries() < count:
        await asyncio.sleep(0.005)


async def _workers_freed() -> None:
    while query_budget.running_queries() > 0:
        await asyncio.sleep(0.005)


# -- item 1: callers' regexes, integers, validation regexes ----------------------------------


async def test_backtracking_regexes_answer_at_once(viam: ViamClient, part: Part) -> None:
    await _readings(viam, part, component="a" * 40 + "b")
    evil = "^(a+)+$"
    assert (
        await viam.data_client.tabular_data_by_mql(
            part.org_id, [{"$match": {"component_name": {"$regex": evil}}}]
        )
        == []
    )
    (row,) = await _mql(
        viam,
        part,
        [
            {
                "$project": {
                    "_id": 0,
                    "match": {"$regexMatch": {"input": "$component_name", "regex": evil}},
                    "nested": {"$regexMatch": {"input": "$component_name", "regex": "^(a|aa)*c$"}},
                    "found": {"$regexFind": {"input": "$component_name", "regex": "(a+)b"}},
                    "upper": {"$regexMatch": {"input": "AB", "regex": "ab", "options": "i"}},
                    "extended": {"$regexMatch": {"input": "ab", "regex": "a b # comment", "options": "x"}},
                }
            }
        ],
    )
    assert row == {
        "match": False,
        "nested": False,
        "found": {"match": "a" * 40 + "b", "idx": 0, "captures": ["a" * 40]},
        "upper": True,
        "extended": True,
    }
    if query_regex.ENGINE == "re2":  # RE2 has no backreferences: said so, as INVALID_ARGUMENT
        error = await _refusal(
            _mql(viam, part, [{"$project": {"m": {"$regexMatch": {"input": "aa", "regex": "(a)\\1"}}}}])
        )
        assert error.status == Status.INVALID_ARGUMENT and "backreferences" in str(error.message)


async def test_without_re2_the_fallback_refuses_what_backtracks(
    monkeypatch: pytest.MonkeyPatch, viam: ViamClient, part: Part
) -> None:
    await _readings(viam, part, component="a" * 40 + "b")
    monkeypatch.setattr(query_regex, "ENGINE", "re")
    query_regex._compiled.cache_clear()
    try:
        error = await _refusal(
            viam.data_client.tabular_data_by_mql(
                part.org_id, [{"$match": {"component_name": {"$regex": "^(a+)+$"}}}]
            )
        )
        assert error.status == Status.INVALID_ARGUMENT and "repeats a group" in str(error.message)
        found = await viam.data_client.tabular_data_by_mql(
            part.org_id, [{"$match": {"component_name": {"$regex": "^a+b$"}}}]
        )
        assert len(found) == 1
        for pattern in ("^(a+)+$", "(a|aa)*b", "((ab)*c)*", "(x+x+)+y"):
            with pytest.raises(query_regex.RegexRefused, match="repeats a group"):
                query_regex.compile_regex(pattern)
        with pytest.raises(query_regex.RegexRefused, match="backreference"):
            query_regex.compile_regex("(a)\\1")
        plain = query_regex.compile_regex("^a+b", "i")
        assert plain.search("AAB") is not None
        with pytest.raises(query_regex.RegexRefused, match="16,384"):
            plain.search("a" * (query_regex.FALLBACK_MAX_TEXT + 1))
    finally:
        query_regex._compiled.cache_clear()
    with pytest.raises(query_regex.RegexRefused, match="over the limit"):
        query_regex.compile_regex("a" * (query_regex.MAX_PATTERN_CHARS + 1))


async def test_integers_follow_mongodb_64_bit_rules(viam: ViamClient, part: Part) -> None:
    await _readings(viam, part)
    squares = {
        "$reduce": {
            "input": {"$range": [0, 40]},
            "initialValue": 3,
            "in": {"$multiply": ["$$value", "$$value"]},
        }
    }
    (row,) = await _mql(
        viam,
        part,
        [
            {
                "$project": {
                    "_id": 0,
                    "huge": {"$pow": [7, 5_000_000]},
                    "small": {"$pow": [7, 5]},
                    "fits": {"$pow": [-2, 63]},
                    "over": {"$pow": [2, 63]},
                    "product": {"$multiply": [2**62, 4]},
                    "sum": {"$add": [2**62, 2**62]},
                    "difference": {"$subtract": [-(2**62), 2**62 + 1]},
                    "squares": squares,
                    "exp": {"$exp": 1000},
                    "root": {"$pow": [-8, 0.5]},
                }
            }
        ],
    )
    assert row["small"] == 16807 and row["fits"] == -(2**63)
    assert row["huge"] == math.inf and row["squares"] == math.inf and row["exp"] == math.inf
    # Past 64 bits: a double, as MongoDB answers, never a big integer.
    for key in ("over", "product", "sum", "difference"):
        assert isinstance(row[key], float), key
    assert row["over"] == 2.0**63 and row["product"] == 2.0**64 and row["difference"] == -(2.0**63) - 1
    assert math.isnan(row["root"])


async def test_oversized_email_is_refused_before_any_check(viam: ViamClient) -> None:
    for address in ("a@" + "." * 40_000 + "@", "a@" + "a." * 20_000 + " "):
        with pytest.raises(GRPCError) as info:
            await viam.app_client.get_user_id_by_email(address)
        assert info.value.status == Status.INVALID_ARGUMENT and "over the limit of 254" in str(
            info.value.message
        )
        assert len(str(info.value.message)) < 300  # the address is not echoed whole
    for bad in ("no-at-sign", "two@@example.com", "a@nodot", "a b@example.com", "a@.com"):
        with pytest.raises(GRPCError) as info:
            await viam.app_client.get_user_id_by_email(bad)
        assert info.value.status == Status.INVALID_ARGUMENT and "not an email address" in str(
            info.value.message
        )


async def test_oversized_names_are_refused(viam: ViamClient, part: Part) -> None:
    with pytest.raises(GRPCError) as info:
        await viam.app_client.create_location(part.org_id, "x" * 5_000)
    assert info.value.status == Status.INVALID_ARGUMENT and "over the limit of 1,000" in str(
        info.value.message
    )


# -- item 2: budgets that hold, for every family -----------------------------------------------

# One document, and inside it a loop long enough to pass a 0.1 s budget many times over.
_FAMILIES: dict[str, dict[str, Any]] = {
    "sets: $setUnion": {"$setUnion": [BIG, BIG]},
    "sets: $setIntersection": {"$setIntersection": [BIG, BIG]},
    "sets: $setDifference": {"$setDifference": [BIG, [1]]},
    "sets: $setEquals": {"$setEquals": [BIG, BIG]},
    "sets: $setIsSubset": {"$setIsSubset": [BIG, BIG]},
    "sets: $allElementsTrue": {"$allElementsTrue": [{"$map": {"input": BIG, "in": True}}]},
    "arrays: $in": {"$in": [-1, BIG]},
    "arrays: $indexOfArray": {"$indexOfArray": [BIG, -1]},
    "arrays: $sortArray": {"$sortArray": {"input": BIG, "sortBy": -1}},
    "arrays: $filter": {"$filter": {"input": BIG, "cond": {"$gt": ["$$this", 5]}}},
    "arrays: $reduce": {"$reduce": {"input": BIG, "initialValue": 0, "in": {"$add": ["$$value", 1]}}},
    "arithmetic: $max": {"$max": [BIG]},
    "strings: $concat in $reduce": {
        "$reduce": {"input": BIG, "initialValue": "", "in": {"$concat": ["$$value", "x"]}}
    },
    "objects: $arrayToObject": {
        "$arrayToObject": {"$map": {"input": BIG, "in": [{"$toString": "$$this"}, 1]}}
    },
    "dates: $dateAdd in $map": {
        "$map": {
            "input": BIG,
            "in": {"$dateAdd": {"startDate": "$time_received", "unit": "day", "amount": 1}},
        }
    },
}


async def _past_the_budget(
    monkeypatch: pytest.MonkeyPatch, viam: ViamClient, part: Part, stages: list[dict[str, Any]]
) -> GRPCError:
    """The refusal of ``stages`` over one document, with a time budget of 0.1 s."""
    await _readings(viam, part)
    monkeypatch.setattr(query_budget, "TIME_BUDGET_S", 0.1)
    return await _refusal(_mql(viam, part, stages))


@pytest.mark.parametrize("family", list(_FAMILIES))
async def test_every_operator_family_stops_at_the_time_budget(
    monkeypatch: pytest.MonkeyPatch, viam: ViamClient, part: Part, family: str
) -> None:
    error = await _past_the_budget(monkeypatch, viam, part, [{"$project": {"x": _FAMILIES[family]}}])
    assert error.status == Status.DEADLINE_EXCEEDED and "time budget" in str(error.message), family


_STAGES: dict[str, list[dict[str, Any]]] = {
    "$group $addToSet": [{"$group": {"_id": None, "s": {"$addToSet": "$x"}}}],
    "$sort": [{"$sort": {"x": -1}}],
    "$bucketAuto": [{"$bucketAuto": {"groupBy": "$x", "buckets": 3}}],
    "$setWindowFields": [
        {
            "$setWindowFields": {
                "sortBy": {"x": 1},
                "output": {"r": {"$sum": "$x", "window": {"range": [-5, 5]}}},
            }
        }
    ],
    "$densify": [{"$densify": {"field": "x", "range": {"step": 0.001, "bounds": [0, 10**9]}}}],
}


@pytest.mark.parametrize("stage", list(_STAGES))
async def test_every_stage_family_stops_at_the_time_budget(
    monkeypatch: pytest.MonkeyPatch, viam: ViamClient, part: Part, stage: str
) -> None:
    many: list[dict[str, Any]] = [{"$project": {"x": {"$range": [0, 300_000]}}}, {"$unwind": "$x"}]
    error = await _past_the_budget(monkeypatch, viam, part, [*many, *_STAGES[stage]])
    assert error.status in (Status.DEADLINE_EXCEEDED, Status.INVALID_ARGUMENT), stage
    if error.status == Status.INVALID_ARGUMENT:  # $densify's own cap on the documents it makes
        assert stage == "$densify" and "1,000,000 documents" in str(error.message)
    else:
        assert "time budget" in str(error.message), stage


async def test_values_are_sized_before_they_are_built(viam: ViamClient, part: Part) -> None:
    await _readings(viam, part)
    mega = {
        "$reduce": {
            "input": {"$range": [0, 20]},
            "initialValue": "a",
            "in": {"$concat": ["$$value", "$$value"]},
        }
    }
    cases = {
        "$replaceAll": {"$replaceAll": {"input": mega, "find": "a", "replacement": "x" * 100}},
        "$split": {"$split": [{"$replaceAll": {"input": mega, "find": "a", "replacement": "ab" * 20}}, "b"]},
        "$concat": {"$concat": [{"$replaceAll": {"input": mega, "find": "a", "replacement": "x" * 40}}] * 2},
    }
    for name, expr in cases.items():
        error = await _refusal(_mql(viam, part, [{"$project": {"s": expr}}]))
        assert error.status == Status.RESOURCE_EXHAUSTED and name in str(error.message), name
        assert "memory budget" in str(error.message)
    # A replacement within the budget works.
    (row,) = await _mql(
        viam,
        part,
        [{"$project": {"_id": 0, "s": {"$replaceAll": {"input": "aXa", "find": "a", "replacement": "bb"}}}}],
    )
    assert row == {"s": "bbXbb"}


async def test_sets_keep_mongodb_equality(viam: ViamClient, part: Part) -> None:
    await _readings(viam, part)
    (row,) = await _mql(
        viam,
        part,
        [
            {
                "$project": {
                    "_id": 0,
                    "union": {"$setUnion": [[1, 1.0, True, "1", {"a": 1}], [{"a": 1.0}, 2]]},
                    "inter": {"$setIntersection": [[1, 2, 3], [3.0, 1]]},
                    "diff": {"$setDifference": [[1, 2, 2, 3], [2]]},
                    "equal": {"$setEquals": [[1, 2, 2], [2.0, 1]]},
                    "subset": {"$setIsSubset": [[1, 1], [1, 2]]},
                }
            }
        ],
    )
    assert row == {
        "union": [1, True, "1", {"a": 1}, 2],
        "inter": [1, 3],
        "diff": [1, 3],
        "equal": True,
        "subset": True,
    }


async def test_sql_text_is_capped_and_parsed_under_the_budget(
    monkeypatch: pytest.MonkeyPatch, viam: ViamClient, part: Part
) -> None:
    await _readings(viam, part)
    data = viam.data_client
    error = await _refusal(
        data.tabular_data_by_sql(part.org_id, "SELECT 1 AS one" + " " * translate.MAX_SQL_CHARS)
    )
    assert error.status == Status.INVALID_ARGUMENT and "over the limit of 100,000" in str(error.message)
    # The comment-and-quote text that made the write check quadratic: refused, as a syntax error.
    for text in ('";/*' * 24_000, ";/*" * 33_000, "';/*" * 24_000):
        error = await _refusal(data.tabular_data_by_sql(part.org_id, text))
        assert error.status == Status.INVALID_ARGUMENT, text[:8]
    many = ", ".join(["FLATTEN(readings)"] * (translate.MAX_SOURCES + 1))
    error = await _refusal(data.tabular_data_by_sql(part.org_id, f"SELECT 1 AS one FROM {many}"))
    assert error.status == Status.INVALID_ARGUMENT and "at most 16 FLATTEN/UNWIND" in str(error.message)
    # A long query within the cap, parsed while the budget's clock runs: stopped by it.
    monkeypatch.setattr(query_budget, "TIME_BUDGET_S", 0.05)
    long_sum = "SELECT " + " + ".join(["data.readings.i"] * 5_000) + " AS s FROM readings"
    error = await _refusal(data.tabular_data_by_sql(part.org_id, long_sum))
    assert error.status == Status.DEADLINE_EXCEEDED and "SQL" in str(error.message)


# -- item 2: callers that go away, and fairness between organizations -----------------------


@pytest.mark.parametrize("language", ["SQL", "MQL"])
async def test_a_cancelled_query_frees_its_worker(viam: ViamClient, part: Part, language: str) -> None:
    await _readings(viam, part)
    data = viam.data_client
    call = (
        data.tabular_data_by_sql(part.org_id, ENDLESS_SQL)
        if language == "SQL"
        else data.tabular_data_by_mql(part.org_id, ENDLESS_MQL)
    )
    task = asyncio.create_task(call)
    await asyncio.wait_for(_started(), timeout=30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The 30 s budget is far away: only the cancellation can have stopped it.
    await asyncio.wait_for(_workers_freed(), timeout=10)
    assert await data.tabular_data_by_sql(part.org_id, "SELECT COUNT(*) AS n FROM readings") == [{"n": 1}]


@pytest.mark.parametrize("language", ["SQL", "MQL"])
async def test_a_query_past_its_callers_deadline_frees_its_worker(
    viam: ViamClient, part: Part, language: str
) -> None:
    await _readings(viam, part)
    data = viam.data_client
    call = (
        data.tabular_data_by_sql(part.org_id, ENDLESS_SQL, timeout=0.5)
        if language == "SQL"
        else data.tabular_data_by_mql(part.org_id, ENDLESS_MQL, timeout=0.5)
    )
    error = await _refusal(call)
    assert error.status in (Status.DEADLINE_EXCEEDED, Status.CANCELLED)
    await asyncio.wait_for(_workers_freed(), timeout=10)


async def test_one_organization_cannot_take_every_worker(
    emulator: Emulator, viam: ViamClient, part: Part
) -> None:
    other_boot = emulator.add_organization()
    other = make_part(emulator, other_boot.org_id, name="other")
    await _readings(viam, part)
    data = viam.data_client
    # More endless queries than there are workers, all from one organization.
    hogs = [
        asyncio.create_task(data.tabular_data_by_sql(part.org_id, ENDLESS_SQL))
        for _ in range(query_budget.QUERY_WORKERS + 1)
    ]
    try:
        await asyncio.wait_for(_started(query_budget.ORG_QUERY_WORKERS), timeout=30)
        other_client = await connect(emulator, other_boot.api_key, other_boot.api_key_id)
        try:
            await _readings(other_client, other)
            answer = await other_client.data_client.tabular_data_by_sql(
                other.org_id, "SELECT COUNT(*) AS n FROM readings"
            )
        finally:
            other_client.close()
        assert answer == [{"n": 1}]
        # The other organization was answered while every one of the hogs still waited or ran.
        assert not any(task.done() for task in hogs)
        assert query_budget.running_queries() <= query_budget.ORG_QUERY_WORKERS
    finally:
        for task in hogs:
            task.cancel()
        await asyncio.gather(*hogs, return_exceptions=True)
        await asyncio.wait_for(_workers_freed(), timeout=10)


# -- item 6: one allow-list for SQL ------------------------------------------------------------

_NOT_ATLAS = {
    'SELECT "randomblob"(8) AS r FROM readings': "RANDOMBLOB",
    "SELECT `randomblob`(8) AS r FROM readings": "RANDOMBLOB",
    "SELECT fts3_tokenizer('simple') AS r FROM readings": "FTS3_TOKENIZER",
    "SELECT fts3_tokenizer('simple', 'pointer') AS r FROM readings": "FTS3_TOKENIZER",
    'SELECT UPPER("hex"(component_name)) AS h FROM readings': "HEX",
    'SELECT (SELECT "zeroblob"(9) FROM readings) AS z FROM readings': "ZEROBLOB",
    "WITH t AS (SELECT load_extension('x') AS e FROM readings) SELECT e FROM t": "LOAD_EXTENSION",
    'SELECT CASE WHEN 1 = 1 THEN "sqlite_version"() END AS v FROM readings': "SQLITE_VERSION",
    "SELECT printf('%s', component_name) AS p FROM readings": "PRINTF",
    "SELECT IIF(1 = 1, 1, 2) AS x FROM readings": "IIF",
    "SELECT 1 AS one FROM readings WHERE component_name IN readings": "not a table name",
    "SELECT 1 AS one FROM readings WHERE component_name GLOB 's*'": "GLOB",
    "SELECT 1 AS one FROM readings WHERE component_name REGEXP 's'": "REGEXP",
    "SELECT component_name COLLATE NOCASE AS c FROM readings": "COLLATE",
    "SELECT 1 AS one FROM readings WHERE component_name = ?": "bind parameter",
    "SELECT json_extract(data, '$.readings') AS j FROM readings": "JSON_EXTRACT",
    "SELECT 1 AS one FROM readings, sqlite_master": "sqlite_master",
    "SELECT 1 AS one FROM readings WHERE EXISTS (SELECT 1 FROM pragma_table_info('readings'))": "pragma_table_info",
}


@pytest.mark.parametrize("query", list(_NOT_ATLAS))
async def test_sql_outside_atlas_is_refused_however_spelled(viam: ViamClient, part: Part, query: str) -> None:
    await _readings(viam, part)
    error = await _refusal(viam.data_client.tabular_data_by_sql(part.org_id, query))
    assert error.status == Status.INVALID_ARGUMENT
    assert _NOT_ATLAS[query].lower() in str(error.message).lower(), str(error.message)


async def test_an_unknown_column_is_named_not_answered_as_text(viam: ViamClient, part: Part) -> None:
    await _readings(viam, part)
    data = viam.data_client
    for query in (
        "SELECT nosuch FROM readings",
        'SELECT "nosuch" FROM readings',
        "SELECT `nosuch` FROM readings",
    ):
        error = await _refusal(data.tabular_data_by_sql(part.org_id, query))
        assert error.status == Status.INVALID_ARGUMENT and "'nosuch'" in str(error.message), query
    error = await _refusal(
        data.tabular_data_by_sql(part.org_id, "SELECT 1 AS one FROM readings WHERE nosuch = 1")
    )
    assert error.status == Status.INVALID_ARGUMENT and "'nosuch'" in str(error.message)
    # Known columns, quoted either way, and strings in single quotes still work.
    rows = await data.tabular_data_by_sql(
        part.org_id, "SELECT \"component_name\" AS a, `component_name` AS b, 'nosuch' AS c FROM readings"
    )
    assert rows == [{"a": "sensor-1", "b": "sensor-1", "c": "nosuch"}]


async def test_the_sqlite_authorizer_refuses_functions_on_its_own(
    monkeypatch: pytest.MonkeyPatch, viam: ViamClient, part: Part
) -> None:
    """The second layer: with the translator's allow-list switched off, SQLite's authorizer still refuses."""
    await _readings(viam, part)
    monkeypatch.setattr(translate, "_check_function", lambda node: None)
    for query, name in (
        ("SELECT randomblob(8) AS r FROM readings", "RANDOMBLOB"),
        ("SELECT fts3_tokenizer('simple') AS t FROM readings", "FTS3_TOKENIZER"),
        ("SELECT COUNT(*) AS n FROM readings WHERE hex(component_name) = ''", "HEX"),
    ):
        error = await _refusal(viam.data_client.tabular_data_by_sql(part.org_id, query))
        assert error.status == Status.INVALID_ARGUMENT and f"the function '{name}'" in str(error.message), (
            query
        )


async def test_readings_are_read_page_by_page_and_none_is_missed(
    monkeypatch: pytest.MonkeyPatch, viam: ViamClient, part: Part
) -> None:
    """The store's lock is held one page at a time; paging by (time, seq) misses and repeats nothing."""
    monkeypatch.setattr(query_sources, "PAGE_ROWS", 7)
    for component in ("a", "b", "c"):
        await _readings(viam, part, component=component, n=10)
    docs = await viam.data_client.tabular_data_by_mql(part.org_id, [{"$project": {"_id": 1}}])
    assert len(docs) == 30 and len({d["_id"] for d in docs}) == 30
    rows = await viam.data_client.tabular_data_by_sql(
        part.org_id, "SELECT component_name, COUNT(*) AS n FROM readings GROUP BY component_name"
    )
    assert sorted((r["component_name"], r["n"]) for r in rows) == [("a", 10), ("b", 10), ("c", 10)]
