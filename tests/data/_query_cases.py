"""The table of SQL and MQL queries with the rows the cloud's semantics give for them.

Each expected result is worked out by hand from the documented semantics
(MongoDB Atlas SQL for SQL, MongoDB's aggregation reference for MQL) over the
readings in :data:`READINGS`, never copied from what the emulator returned.

Numbers captured through the API come back as doubles (Struct values), so
captured values are written as floats; counts are integers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

T = datetime(2025, 5, 6, 7, 0, tzinfo=timezone.utc)
NAIVE_T = T.replace(tzinfo=None)


def at(minutes: int) -> str:
    """The receive time of reading ``minutes`` as an ISO string for SQL literals."""
    return (T + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# (component name, component type, method, minutes after T, data, tags)
READINGS: list[tuple[str, str, str, int, dict[str, Any], list[str]]] = [
    ("thermo", "rdk:component:sensor", "Readings", 0, {"readings": {"celsius": 20, "samples": [1, 2]}}, []),
    ("thermo", "rdk:component:sensor", "Readings", 1, {"readings": {"celsius": 22, "samples": [3]}}, []),
    ("thermo", "rdk:component:sensor", "Readings", 2, {"readings": {"celsius": 27, "samples": []}}, []),
    ("baro", "rdk:component:sensor", "Readings", 3, {"readings": {"hpa": 1000, "site": "it's"}}, ["outdoor"]),
    ("baro", "rdk:component:sensor", "Readings", 4, {"readings": {"hpa": 1010, "site": "dock"}}, ["outdoor"]),
    (
        "gps",
        "rdk:component:movement_sensor",
        "Position",
        5,
        {"coordinate": {"latitude": 40, "longitude": -74}, "altitude_m": 10},
        [],
    ),
]
# Another organization's reading: no query of ours may see it.
OTHER_ORG_READING = ("thermo", "rdk:component:sensor", "Readings", 1, {"readings": {"celsius": 99}}, [])


@dataclass(frozen=True)
class Case:
    name: str
    query: Any  # a SQL string, or a list of MQL stages
    rows: list[dict[str, Any]] | None = None  # expected rows, in order
    count: int | None = None  # or only how many (for $sample)
    refused: str | None = None  # or: INVALID_ARGUMENT whose message contains this (lower case)
    unordered: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


SQL_CASES: list[Case] = [
    Case(
        "dot path in SELECT",
        "SELECT data.readings.celsius FROM readings WHERE component_name = 'thermo' ORDER BY time_received",
        [{"celsius": 20.0}, {"celsius": 22.0}, {"celsius": 27.0}],
    ),
    Case(
        "backquoted identifiers, path in WHERE and ORDER BY alias",
        "SELECT `data`.`readings`.`celsius` AS c FROM readings "
        "WHERE `component_name` = 'thermo' AND data.readings.celsius > 21 ORDER BY c DESC",
        [{"c": 27.0}, {"c": 22.0}],
    ),
    Case(
        "double-quoted identifiers",
        'SELECT "data"."readings"."hpa" AS hpa FROM readings WHERE "component_name" = \'baro\' ORDER BY hpa',
        [{"hpa": 1000.0}, {"hpa": 1010.0}],
    ),
    Case(
        "a quote doubled inside a string",
        "SELECT data.readings.hpa FROM readings WHERE data.readings.site = 'it''s'",
        [{"hpa": 1000.0}],
    ),
    Case(
        "aggregates over a path",
        "SELECT component_name, COUNT(*) AS n, AVG(data.readings.celsius) AS mean, "
        "MIN(data.readings.celsius) AS lo, MAX(data.readings.celsius) AS hi, SUM(data.readings.celsius) AS total "
        "FROM readings WHERE component_name = 'thermo' GROUP BY component_name",
        [{"component_name": "thermo", "n": 3, "mean": 23.0, "lo": 20.0, "hi": 27.0, "total": 69.0}],
    ),
    Case(
        "GROUP BY a path",
        "SELECT data.readings.site AS site, COUNT(*) AS n FROM readings WHERE component_name = 'baro' "
        "GROUP BY data.readings.site ORDER BY site",
        [{"site": "dock", "n": 1}, {"site": "it's", "n": 1}],
    ),
    Case(
        "ORDER BY a path, LIMIT and OFFSET",
        "SELECT data.readings.celsius AS c FROM readings WHERE component_name = 'thermo' "
        "ORDER BY data.readings.celsius DESC LIMIT 2 OFFSET 1",
        [{"c": 22.0}, {"c": 20.0}],
    ),
    Case(
        "timestamp range on time_received",
        f"SELECT component_name FROM readings WHERE time_received >= CAST('{at(3)}' AS TIMESTAMP) "
        f"AND time_received < CAST('{at(5)}' AS TIMESTAMP) ORDER BY time_received",
        [{"component_name": "baro"}, {"component_name": "baro"}],
    ),
    Case(
        "the documented lower time bound",
        "SELECT COUNT(*) AS n FROM readings WHERE time_received >= CAST('2000-01-01T00:00:00.000Z' AS TIMESTAMP)",
        [{"n": 6}],
    ),
    Case(
        "time_requested comparison",
        f"SELECT COUNT(*) AS n FROM readings WHERE time_requested < CAST('{at(1)}' AS TIMESTAMP)",
        [{"n": 2}],  # requested one second before receipt: minutes 0 and 1
    ),
    Case("the database-qualified table", "SELECT COUNT(*) AS n FROM sensorData.readings", [{"n": 6}]),
    Case(
        "an unaliased expression is named by its position",
        "SELECT component_name, COUNT(*) FROM readings GROUP BY component_name ORDER BY component_name",
        [
            {"component_name": "baro", "_2": 2},
            {"component_name": "gps", "_2": 1},
            {"component_name": "thermo", "_2": 3},
        ],
    ),
    Case(
        "a nested document comes back as a document",
        "SELECT data.coordinate FROM readings WHERE component_name = 'gps'",
        [{"coordinate": {"latitude": 40.0, "longitude": -74.0}}],
    ),
    Case(
        "an array element by index",
        "SELECT data.readings.samples[0] AS first FROM readings WHERE component_name = 'thermo' "
        "ORDER BY time_received",
        [{"first": 1.0}, {"first": 3.0}, {"first": None}],
    ),
    Case(
        "an array comes back as an array",
        "SELECT data.readings.samples AS s FROM readings WHERE component_name = 'thermo' ORDER BY time_received",
        [{"s": [1.0, 2.0]}, {"s": [3.0]}, {"s": []}],
    ),
    Case(
        "UNWIND with an index",
        "SELECT data.readings.samples AS s, i FROM UNWIND(readings WITH PATH => data.readings.samples, INDEX => i) "
        "ORDER BY s",
        [{"s": 1.0, "i": 0}, {"s": 2.0, "i": 1}, {"s": 3.0, "i": 0}],
    ),
    Case(
        "UNWIND OUTER keeps rows with an empty or missing array",
        "SELECT COUNT(*) AS n FROM UNWIND(readings WITH PATH => data.readings.samples, OUTER => true)",
        [{"n": 7}],  # 3 elements + the empty array + 3 readings without the field
    ),
    Case(
        "FLATTEN names nested fields with underscores",
        "SELECT data_coordinate_latitude AS lat, data_altitude_m AS alt FROM FLATTEN(readings) "
        "WHERE component_name = 'gps'",
        [{"lat": 40.0, "alt": 10.0}],
    ),
    Case(
        "FLATTEN with a depth and a separator",
        "SELECT data__readings AS r FROM FLATTEN(readings WITH DEPTH => 1, SEPARATOR => '__') "
        "WHERE component_name = 'baro' ORDER BY time_received LIMIT 1",
        [{"r": {"hpa": 1000.0, "site": "it's"}}],
    ),
    Case(
        "scalar functions",
        "SELECT UPPER(component_name) AS u, LOWER('ABC') AS l, CHAR_LENGTH(component_name) AS len, "
        "SUBSTRING(component_name, 1, 3) AS sub, COALESCE(data.readings.missing, 'none') AS c, ABS(-2) AS a, "
        "ROUND(data.readings.celsius / 3, 1) AS r FROM readings WHERE component_name = 'thermo' "
        "ORDER BY time_received LIMIT 1",
        [{"u": "THERMO", "l": "abc", "len": 6, "sub": "the", "c": "none", "a": 2, "r": 6.7}],
    ),
    Case(
        "BETWEEN, LIKE and OR",
        "SELECT component_name FROM readings WHERE data.readings.celsius BETWEEN 21 AND 30 "
        "OR data.readings.site LIKE 'do%' ORDER BY time_received",
        [{"component_name": "thermo"}, {"component_name": "thermo"}, {"component_name": "baro"}],
    ),
    Case(
        "IS NULL on a missing path",
        "SELECT COUNT(*) AS n FROM readings WHERE data.readings.celsius IS NULL",
        [{"n": 3}],
    ),
    Case(
        "CASE and IN",
        "SELECT CASE WHEN data.readings.celsius > 21 THEN 'warm' ELSE 'cold' END AS feel FROM readings "
        "WHERE component_name IN ('thermo') ORDER BY time_received",
        [{"feel": "cold"}, {"feel": "warm"}, {"feel": "warm"}],
    ),
    Case(
        "EXTRACT a part of a timestamp",
        "SELECT EXTRACT(HOUR FROM time_received) AS h, EXTRACT(MINUTE FROM time_received) AS m "
        "FROM readings WHERE component_name = 'gps'",
        [{"h": 7, "m": 5}],
    ),
    Case(
        "HAVING",
        "SELECT component_name, COUNT(*) AS n FROM readings GROUP BY component_name HAVING COUNT(*) > 1 "
        "ORDER BY n DESC",
        [{"component_name": "thermo", "n": 3}, {"component_name": "baro", "n": 2}],
    ),
    Case(
        "a common table expression",
        "WITH warm AS (SELECT data.readings.celsius AS c FROM readings WHERE data.readings.celsius > 21) "
        "SELECT COUNT(*) AS n FROM warm",
        [{"n": 2}],
    ),
    Case(
        "a subquery in FROM",
        "SELECT MAX(c) AS top FROM (SELECT data.readings.celsius AS c FROM readings) AS t",
        [{"top": 27.0}],
    ),
    Case(
        "the tags array",
        "SELECT tags FROM readings WHERE component_name = 'baro' ORDER BY time_received LIMIT 1",
        [{"tags": ["outdoor"]}],
    ),
    Case(
        "a qualified star and qualified paths",
        "SELECT r.*, r.data.readings.hpa AS hpa FROM readings AS r WHERE r.component_name = 'baro' "
        "ORDER BY r.time_received LIMIT 1",
        count=1,
        extra={"keys": {"organization_id", "data", "tags", "time_received", "hpa"}},
    ),
    Case(
        "DISTINCT",
        "SELECT DISTINCT component_type FROM readings ORDER BY component_type",
        [{"component_type": "rdk:component:movement_sensor"}, {"component_type": "rdk:component:sensor"}],
    ),
    Case(
        "a time comes back as a time",
        "SELECT time_received, method_name FROM readings WHERE component_name = 'gps'",
        [{"time_received": NAIVE_T + timedelta(minutes=5), "method_name": "Position"}],
    ),
    Case(
        "MAX of a timestamp is a timestamp",
        "SELECT MAX(time_received) AS latest FROM readings WHERE component_name = 'baro'",
        [{"latest": NAIVE_T + timedelta(minutes=4)}],
    ),
    Case(
        "Atlas SQL's array, set, first/last and deviation aggregates",
        "SELECT ADD_TO_ARRAY(c) AS a, ADD_TO_SET(kind) AS kinds, FIRST(c) AS f, LAST(c) AS l, STDDEV_POP(c) AS sd "
        "FROM (SELECT data.readings.celsius AS c, component_type AS kind FROM readings "
        "WHERE component_name = 'thermo' ORDER BY time_received) AS t",
        [
            {
                "a": [20.0, 22.0, 27.0],
                "kinds": ["rdk:component:sensor"],
                "f": 20.0,
                "l": 27.0,
                "sd": math.sqrt(((20 - 23) ** 2 + (22 - 23) ** 2 + (27 - 23) ** 2) / 3),
            }
        ],
    ),
    Case(
        "MERGE_DOCUMENTS: later fields win",
        "SELECT MERGE_DOCUMENTS(r) AS m FROM (SELECT data.readings AS r FROM readings "
        "WHERE component_name = 'baro' ORDER BY time_received) AS t",
        [{"m": {"hpa": 1010.0, "site": "dock"}}],
    ),
    Case(
        "DATEADD, DATETRUNC and DATEDIFF",
        "SELECT DATEADD(DAY, 1, time_received) AS next, DATETRUNC(HOUR, time_received) AS hour, "
        f"DATEDIFF(MINUTE, CAST('{at(0)}' AS TIMESTAMP), time_received) AS mins FROM readings "
        "WHERE component_name = 'gps'",
        [{"next": NAIVE_T + timedelta(days=1, minutes=5), "hour": NAIVE_T, "mins": 5}],
    ),
    # What the cloud refuses.
    Case("the DATE type in a CAST", "SELECT CAST(time_received AS DATE) FROM readings", refused="date type"),
    Case("a DATE literal", "SELECT * FROM readings WHERE time_received > DATE '2024-01-01'", refused="date"),
    Case("INSERT", "INSERT INTO readings (component_name) VALUES ('x')", refused="insert"),
    Case("UPDATE", "UPDATE readings SET component_name = 'x'", refused="update"),
    Case("DELETE", "DELETE FROM readings", refused="delete"),
    Case("DROP", "DROP TABLE readings", refused="drop"),
    Case("another database", "SELECT * FROM otherDb.readings", refused="otherdb.readings"),
    Case("another table", "SELECT * FROM data_tabular", refused="data_tabular"),
    Case("a join to another table", "SELECT * FROM readings JOIN api_keys ON 1 = 1", refused="api_keys"),
    Case(
        "SQLite's json_extract",
        "SELECT json_extract(data, '$.readings.celsius') FROM readings",
        refused="json_extract",
    ),
    Case(
        "INTERVAL arithmetic",
        "SELECT * FROM readings WHERE time_received > CURRENT_TIMESTAMP - INTERVAL '1' DAY",
        refused="interval",
    ),
    Case("two statements", "SELECT 1; SELECT 2", refused="one statement"),
    Case("a write after a read", "SELECT 1; DELETE FROM readings", refused="delete"),
    Case("randomblob is not Atlas SQL", "SELECT length(hex(randomblob(450000000)))", refused="hex"),
    Case("a syntax error", "SELEC * FROM readings", refused="syntax"),
    Case(
        "nesting past the parser's depth",
        "SELECT " + "(" * 3000 + "1" + ")" * 3000,
        refused="nested too deeply",
    ),
    Case("an UNWIND without a path", "SELECT * FROM UNWIND(readings WITH PATH => )", refused="syntax"),
    Case(
        "a bad timestamp literal",
        "SELECT * FROM readings WHERE time_received > CAST('soon' AS TIMESTAMP)",
        refused="soon",
    ),
]


MQL_CASES: list[Case] = [
    Case(
        "the documented $match then $limit",
        [
            {"$match": {"component_name": "thermo"}},
            {"$limit": 2},
            {"$project": {"_id": 0, "c": "$data.readings.celsius"}},
        ],
        [{"c": 20.0}, {"c": 22.0}],
    ),
    Case(
        "$group with $avg per component, sorted",
        [
            {
                "$group": {
                    "_id": "$component_name",
                    "n": {"$sum": 1},
                    "mean": {"$avg": "$data.readings.celsius"},
                }
            },
            {"$sort": {"_id": 1}},
        ],
        [
            {"_id": "baro", "n": 2, "mean": None},
            {"_id": "gps", "n": 1, "mean": None},
            {"_id": "thermo", "n": 3, "mean": 23.0},
        ],
    ),
    Case(
        "$match on a date",
        [{"$match": {"time_received": {"$gte": T + timedelta(minutes=3)}}}, {"$count": "n"}],
        [{"n": 3}],
    ),
    Case(
        "$match on an array element and $exists",
        [
            {"$match": {"data.readings.samples": 3, "data.readings.celsius": {"$exists": True}}},
            {"$project": {"_id": 0, "c": "$data.readings.celsius"}},
        ],
        [{"c": 22.0}],
    ),
    Case(
        "$unwind the samples",
        [
            {"$unwind": {"path": "$data.readings.samples", "includeArrayIndex": "i"}},
            {"$project": {"_id": 0, "s": "$data.readings.samples", "i": 1}},
        ],
        [{"i": 0, "s": 1.0}, {"i": 1, "s": 2.0}, {"i": 0, "s": 3.0}],
    ),
    Case(
        "$sortByCount",
        [{"$sortByCount": "$component_name"}],
        [{"_id": "thermo", "count": 3}, {"_id": "baro", "count": 2}, {"_id": "gps", "count": 1}],
    ),
    Case(
        "$bucket with a default",
        [{"$bucket": {"groupBy": "$data.readings.celsius", "boundaries": [0, 21, 30], "default": "none"}}],
        [{"_id": 0, "count": 1}, {"_id": 21, "count": 2}, {"_id": "none", "count": 3}],
    ),
    Case(
        "$replaceRoot with the readings",
        [{"$match": {"component_name": "baro"}}, {"$replaceRoot": {"newRoot": "$data.readings"}}],
        [{"hpa": 1000.0, "site": "it's"}, {"hpa": 1010.0, "site": "dock"}],
    ),
    Case(
        "$setWindowFields running total",
        [
            {"$match": {"component_name": "thermo"}},
            {
                "$setWindowFields": {
                    "sortBy": {"time_received": 1},
                    "output": {
                        "running": {
                            "$sum": "$data.readings.celsius",
                            "window": {"documents": ["unbounded", "current"]},
                        }
                    },
                }
            },
            {"$project": {"_id": 0, "running": 1}},
        ],
        [{"running": 20.0}, {"running": 42.0}, {"running": 69.0}],
    ),
    Case(
        "$sample takes that many",
        [{"$sample": {"size": 2}}],
        count=2,
    ),
    Case(
        "$project with expressions",
        [
            {"$match": {"component_name": "thermo"}},
            {"$sort": {"time_received": -1}},
            {"$limit": 1},
            {
                "$project": {
                    "_id": 0,
                    "f": {"$add": [{"$multiply": ["$data.readings.celsius", 2]}, 1]},
                    "n": {"$size": "$data.readings.samples"},
                    "name": {"$toUpper": "$component_name"},
                    "hour": {"$hour": "$time_received"},
                    "missing": "$data.readings.nothing",
                }
            },
        ],
        [{"f": 55.0, "n": 0, "name": "THERMO", "hour": 7}],  # a missing field is left out
    ),
    Case(
        "BSON sort order across types",
        [
            {"$project": {"_id": 0, "v": {"$ifNull": ["$data.readings.site", "$data.readings.celsius"]}}},
            {"$sort": {"v": 1}},
        ],
        # null (missing both) < numbers < strings
        [{"v": None}, {"v": 20.0}, {"v": 22.0}, {"v": 27.0}, {"v": "dock"}, {"v": "it's"}],
    ),
]


# The documented behaviour of each stage on a small collection of its own (run by the engine directly).
ENGINE_DOCS = [
    {"_id": 1, "item": "abc", "price": 10, "qty": 2, "sizes": ["S", "M"], "day": datetime(2024, 1, 1, 8)},
    {"_id": 2, "item": "jkl", "price": 20, "qty": 1, "sizes": [], "day": datetime(2024, 1, 1, 9)},
    {"_id": 3, "item": "xyz", "price": 5, "qty": 10, "sizes": "L", "day": datetime(2024, 1, 3, 8)},
    {"_id": 4, "item": "xyz", "price": 5, "qty": 20, "day": datetime(2024, 1, 4, 8)},
]

ENGINE_CASES: list[Case] = [
    Case(
        "$addFields",
        [{"$addFields": {"total": {"$multiply": ["$price", "$qty"]}}}, {"$project": {"total": 1}}],
        [{"_id": 1, "total": 20}, {"_id": 2, "total": 20}, {"_id": 3, "total": 50}, {"_id": 4, "total": 100}],
    ),
    Case(
        "$set (an alias of $addFields) into a sub-document",
        [{"$set": {"a.b": "$_id"}}, {"$project": {"_id": 0, "a": 1}}, {"$limit": 1}],
        [{"a": {"b": 1}}],
    ),
    Case(
        "$bucket",
        [
            {
                "$bucket": {
                    "groupBy": "$price",
                    "boundaries": [0, 10, 100],
                    "output": {"n": {"$sum": 1}, "items": {"$push": "$item"}},
                }
            }
        ],
        [{"_id": 0, "n": 2, "items": ["xyz", "xyz"]}, {"_id": 10, "n": 2, "items": ["abc", "jkl"]}],
    ),
    Case(
        "$bucketAuto",
        [{"$bucketAuto": {"groupBy": "$qty", "buckets": 2}}],
        [{"_id": {"min": 1, "max": 10}, "count": 2}, {"_id": {"min": 10, "max": 20}, "count": 2}],
    ),
    Case("$count", [{"$match": {"price": {"$lt": 15}}}, {"$count": "cheap"}], [{"cheap": 3}]),
    Case("$count of nothing gives no document", [{"$match": {"price": 0}}, {"$count": "n"}], []),
    Case(
        "$densify numbers in a range",
        [
            {"$project": {"_id": 0, "qty": 1}},
            {"$match": {"qty": {"$lte": 2}}},
            {"$densify": {"field": "qty", "range": {"step": 1, "bounds": [0, 4]}}},
        ],
        [{"qty": 0}, {"qty": 1}, {"qty": 2}, {"qty": 3}],
    ),
    Case(
        "$densify dates by the day",
        [
            {"$match": {"item": "xyz"}},
            {"$project": {"_id": 0, "day": 1}},
            {"$densify": {"field": "day", "range": {"step": 1, "unit": "day", "bounds": "full"}}},
        ],
        [{"day": datetime(2024, 1, 3, 8)}, {"day": datetime(2024, 1, 4, 8)}],
    ),
    Case(
        "$densify full fills the gap",
        [
            {"$project": {"_id": 0, "day": 1}},
            {"$match": {"day": {"$gte": datetime(2024, 1, 1, 9)}}},
            {"$densify": {"field": "day", "range": {"step": 1, "unit": "day", "bounds": "full"}}},
        ],
        [
            {"day": datetime(2024, 1, 1, 9)},
            {"day": datetime(2024, 1, 2, 9)},
            {"day": datetime(2024, 1, 3, 8)},
            {"day": datetime(2024, 1, 3, 9)},
            {"day": datetime(2024, 1, 4, 8)},
        ],
    ),
    Case(
        "$fill with a value and with locf",
        [
            {
                "$project": {
                    "_id": 1,
                    "s": {"$arrayElemAt": [{"$cond": [{"$isArray": "$sizes"}, "$sizes", ["$sizes"]]}, 0]},
                }
            },
            {"$fill": {"sortBy": {"_id": 1}, "output": {"s": {"method": "locf"}}}},
        ],
        [{"_id": 1, "s": "S"}, {"_id": 2, "s": "S"}, {"_id": 3, "s": "L"}, {"_id": 4, "s": "L"}],
    ),
    Case(
        "$fill linear",
        [
            {
                "$project": {
                    "_id": 1,
                    "v": {"$cond": [{"$in": ["$_id", [2, 3]]}, None, {"$multiply": ["$_id", 10]}]},
                }
            },
            {"$fill": {"sortBy": {"_id": 1}, "output": {"v": {"method": "linear"}}}},
        ],
        [{"_id": 1, "v": 10}, {"_id": 2, "v": 20.0}, {"_id": 3, "v": 30.0}, {"_id": 4, "v": 40}],
    ),
    Case(
        "$geoNear",
        [
            {
                "$geoNear": {
                    "near": {"type": "Point", "coordinates": [0, 0]},
                    "key": "loc",
                    "distanceField": "d",
                    "spherical": True,
                }
            },
            {"$project": {"_id": 1}},
        ],
        [{"_id": "b"}, {"_id": "a"}],
        extra={
            "docs": [
                {"_id": "a", "loc": {"type": "Point", "coordinates": [0, 2]}},
                {"_id": "b", "loc": {"type": "Point", "coordinates": [1, 0]}},
                {"_id": "c"},
            ]
        },
    ),
    Case(
        "$group with accumulators",
        [
            {
                "$group": {
                    "_id": "$item",
                    "total": {"$sum": "$qty"},
                    "first": {"$first": "$price"},
                    "prices": {"$addToSet": "$price"},
                    "n": {"$count": {}},
                }
            },
            {"$sort": {"_id": 1}},
        ],
        [
            {"_id": "abc", "total": 2, "first": 10, "prices": [10], "n": 1},
            {"_id": "jkl", "total": 1, "first": 20, "prices": [20], "n": 1},
            {"_id": "xyz", "total": 30, "first": 5, "prices": [5], "n": 2},
        ],
    ),
    Case(
        "$group by a date part",
        [
            {"$group": {"_id": {"$dateToString": {"format": "%Y-%m-%d", "date": "$day"}}, "n": {"$sum": 1}}},
            {"$sort": {"_id": -1}},
        ],
        [{"_id": "2024-01-04", "n": 1}, {"_id": "2024-01-03", "n": 1}, {"_id": "2024-01-01", "n": 2}],
    ),
    Case("$limit", [{"$limit": 1}, {"$project": {"item": 1}}], [{"_id": 1, "item": "abc"}]),
    Case(
        "$match with $or, $in and $expr",
        [
            {"$match": {"$or": [{"item": {"$in": ["abc"]}}, {"$expr": {"$gt": ["$qty", 15]}}]}},
            {"$project": {"_id": 1}},
        ],
        [{"_id": 1}, {"_id": 4}],
    ),
    Case(
        "$project excluding fields",
        [{"$project": {"sizes": 0, "day": 0, "qty": 0, "price": 0}}],
        [
            {"_id": 1, "item": "abc"},
            {"_id": 2, "item": "jkl"},
            {"_id": 3, "item": "xyz"},
            {"_id": 4, "item": "xyz"},
        ],
    ),
    Case(
        "$redact by level",
        [{"$redact": {"$cond": [{"$eq": ["$level", 1]}, "$$PRUNE", "$$DESCEND"]}}],
        [{"_id": 1, "level": 0, "a": {"level": 2, "keep": True}}],
        extra={
            "docs": [
                {"_id": 1, "level": 0, "a": {"level": 2, "keep": True}, "b": {"level": 1, "secret": True}}
            ]
        },
    ),
    Case(
        "$replaceRoot",
        [{"$match": {"_id": 1}}, {"$replaceRoot": {"newRoot": {"name": "$item", "n": "$qty"}}}],
        [{"name": "abc", "n": 2}],
    ),
    Case(
        "$replaceWith",
        [
            {"$match": {"_id": 2}},
            {"$replaceWith": {"$mergeObjects": [{"qty": 0, "extra": 1}, {"qty": "$qty"}]}},
        ],
        [{"qty": 1, "extra": 1}],
    ),
    Case("$sample", [{"$sample": {"size": 3}}], count=3),
    Case(
        "$set",
        [{"$set": {"price": {"$add": ["$price", 1]}}}, {"$project": {"_id": 0, "price": 1}}],
        [{"price": 11}, {"price": 21}, {"price": 6}, {"price": 6}],
    ),
    Case(
        "$setWindowFields rank and moving average",
        [
            {
                "$setWindowFields": {
                    "partitionBy": "$item",
                    "sortBy": {"qty": -1},
                    "output": {"r": {"$rank": {}}, "avg": {"$avg": "$qty", "window": {"documents": [-1, 0]}}},
                }
            },
            {"$project": {"_id": 1, "r": 1, "avg": 1}},
            {"$sort": {"_id": 1}},
        ],
        [
            {"_id": 1, "r": 1, "avg": 2.0},
            {"_id": 2, "r": 1, "avg": 1.0},
            {"_id": 3, "r": 2, "avg": 15.0},
            {"_id": 4, "r": 1, "avg": 20.0},
        ],
    ),
    Case("$skip", [{"$skip": 3}, {"$project": {"_id": 1}}], [{"_id": 4}]),
    Case(
        "$sort by two keys",
        [{"$sort": {"price": -1, "qty": -1}}, {"$project": {"_id": 1}}],
        [{"_id": 2}, {"_id": 1}, {"_id": 4}, {"_id": 3}],
    ),
    Case("$sortByCount", [{"$sortByCount": "$item"}, {"$limit": 1}], [{"_id": "xyz", "count": 2}]),
    Case(
        "$unset",
        [{"$unset": ["sizes", "day", "price", "qty"]}, {"$limit": 2}],
        [{"_id": 1, "item": "abc"}, {"_id": 2, "item": "jkl"}],
    ),
    Case(
        "$unwind an array, a lone value and nothing",
        [{"$unwind": "$sizes"}, {"$project": {"_id": 1, "sizes": 1}}],
        [{"_id": 1, "sizes": "S"}, {"_id": 1, "sizes": "M"}, {"_id": 3, "sizes": "L"}],
    ),
    Case(
        "$unwind preserving empty and missing",
        [
            {"$unwind": {"path": "$sizes", "preserveNullAndEmptyArrays": True}},
            {"$project": {"_id": 1, "sizes": 1}},
        ],
        [
            {"_id": 1, "sizes": "S"},
            {"_id": 1, "sizes": "M"},
            {"_id": 2},
            {"_id": 3, "sizes": "L"},
            {"_id": 4},
        ],
    ),
    Case(
        "missing and null in $group keys",
        [{"$group": {"_id": "$nothing", "n": {"$sum": 1}}}],
        [{"_id": None, "n": 4}],
    ),
    Case("$match comparison never crosses types", [{"$match": {"sizes": {"$gt": 1}}}], []),
    Case(
        "array and string operators",
        [
            {"$match": {"_id": 1}},
            {
                "$project": {
                    "_id": 0,
                    "joined": {
                        "$reduce": {
                            "input": "$sizes",
                            "initialValue": "",
                            "in": {"$concat": ["$$value", "$$this"]},
                        }
                    },
                    "lower": {"$map": {"input": "$sizes", "as": "s", "in": {"$toLower": "$$s"}}},
                    "big": {"$filter": {"input": [1, 5, 9], "cond": {"$gt": ["$$this", 4]}}},
                    "parts": {"$split": ["a-b-c", "-"]},
                    "r": {"$range": [0, 6, 2]},
                    "sub": {"$substrCP": ["$item", 1, 1]},
                    "cond": {"$cond": {"if": {"$gte": ["$qty", 2]}, "then": "many", "else": "few"}},
                    "sw": {
                        "$switch": {
                            "branches": [{"case": {"$eq": ["$price", 10]}, "then": "ten"}],
                            "default": "other",
                        }
                    },
                    "days": {
                        "$dateDiff": {"startDate": "$day", "endDate": datetime(2024, 1, 3), "unit": "day"}
                    },
                    "type": {"$type": "$sizes"},
                    "str": {"$toString": "$price"},
                }
            },
        ],
        [
            {
                "joined": "SM",
                "lower": ["s", "m"],
                "big": [5, 9],
                "parts": ["a", "b", "c"],
                "r": [0, 2, 4],
                "sub": "b",
                "cond": "many",
                "sw": "ten",
                "days": 2,
                "type": "array",
                "str": "10",
            }
        ],
    ),
]
