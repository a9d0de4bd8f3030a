"""Shapes viam-sdk 0.85.1 gives where the reference is silent (issue 9, item 3).

* Reading times are naive datetimes in UTC: viam-sdk turns each Timestamp into a
  datetime with ``Timestamp.ToDatetime()`` (naive, UTC) and decodes SQL/MQL
  results with ``bson.decode`` and its default options (BSON dates naive, UTC).
  So do ``tabular_data_by_filter`` (``DataClient.TabularData``),
  ``export_tabular_data`` (``TabularDataPoint``), ``get_latest_tabular_data``
  and ``tabular_data_by_sql`` / ``tabular_data_by_mql`` here; the generated
  messages keep aware UTC datetimes.
* ``Fragment.Visibility`` keeps its UNSPECIFIED member, so proto values round-trip.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import bson
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from viam_api.app.v1 import FragmentVisibility

from viam_sdk.app._convert import naive_utc
from viam_sdk.app.app_client import Fragment
from viam_sdk.app.data_client import DataClient

from .conftest import DEPRECATION_NOISE, Part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

SENSOR = "rdk:component:sensor"
# Uploaded in another zone on purpose: what comes back is the same instant, in UTC.
ZONE = timezone(timedelta(hours=2))
REQUESTED = datetime(2024, 5, 1, 14, 0, tzinfo=ZONE)  # 12:00 UTC
RECEIVED = datetime(2024, 5, 1, 14, 0, 1, 500000, tzinfo=ZONE)
UTC_REQUESTED = datetime(2024, 5, 1, 12, 0)
UTC_RECEIVED = datetime(2024, 5, 1, 12, 0, 1, 500000)


def test_the_official_runtime_gives_naive_utc() -> None:
    # The two conversions viam-sdk 0.85.1 applies to these results.
    stamp = Timestamp()
    stamp.FromDatetime(REQUESTED)
    assert stamp.ToDatetime() == UTC_REQUESTED and stamp.ToDatetime().tzinfo is None
    assert bson.decode(bson.encode({"t": REQUESTED}))["t"] == UTC_REQUESTED


def test_naive_utc() -> None:
    assert naive_utc(None) is None
    assert naive_utc(REQUESTED) == UTC_REQUESTED and naive_utc(REQUESTED).tzinfo is None
    assert naive_utc(UTC_REQUESTED) is UTC_REQUESTED  # naive is taken to be UTC already


async def upload(data: DataClient, part: Part) -> None:
    await data.tabular_data_capture_upload(
        [{"readings": {"celsius": 21.5}}], part.part_id, SENSOR, "thermo", "Readings",
        data_request_times=[(REQUESTED, RECEIVED)],
    )  # fmt: skip


async def test_tabular_data_times_are_naive_utc(data: DataClient, part: Part) -> None:
    await upload(data, part)
    rows, _, _ = await data.tabular_data_by_filter(DataClient.create_filter(part_id=part.part_id))
    assert [(r.time_requested, r.time_received) for r in rows] == [(UTC_REQUESTED, UTC_RECEIVED)]
    assert rows[0].time_requested is not None and rows[0].time_requested.tzinfo is None
    assert rows[0].time_received is not None and rows[0].time_received.tzinfo is None


async def test_exported_points_and_the_latest_reading_are_naive_utc(data: DataClient, part: Part) -> None:
    await upload(data, part)
    points = await data.export_tabular_data(part.part_id, "thermo", SENSOR, "Readings")
    assert [p.time_captured for p in points] == [UTC_REQUESTED]
    assert points[0].time_captured.tzinfo is None
    latest = await data.get_latest_tabular_data(part.part_id, "thermo", SENSOR, "Readings")
    assert latest is not None
    captured, synced, reading = latest
    assert (captured, reading) == (UTC_REQUESTED, {"readings": {"celsius": 21.5}})
    assert captured.tzinfo is None and synced.tzinfo is None


async def test_sql_and_mql_dates_are_naive_utc(data: DataClient, part: Part) -> None:
    await upload(data, part)
    rows = await data.tabular_data_by_sql(
        part.org_id, f"SELECT time_requested, time_received FROM readings WHERE part_id = '{part.part_id}'"
    )
    assert rows == [{"time_requested": UTC_REQUESTED, "time_received": UTC_RECEIVED}]
    docs = await data.tabular_data_by_mql(
        part.org_id,
        [{"$match": {"part_id": part.part_id}}, {"$project": {"_id": 0, "time_received": 1}}],
    )
    assert docs == [{"time_received": UTC_RECEIVED}]
    assert all(isinstance(v, datetime) and v.tzinfo is None for row in rows + docs for v in row.values())


def test_fragment_visibility_keeps_unspecified_and_round_trips() -> None:
    for value in FragmentVisibility:
        assert Fragment.Visibility.from_proto(value).to_proto() == value
    assert Fragment.Visibility.from_proto(FragmentVisibility.FRAGMENT_VISIBILITY_UNSPECIFIED) is (
        Fragment.Visibility.UNSPECIFIED
    )
    assert Fragment.Visibility("unspecified").to_proto() == FragmentVisibility.FRAGMENT_VISIBILITY_UNSPECIFIED
    assert Fragment.Visibility.from_proto(FragmentVisibility(99)) is Fragment.Visibility.UNSPECIFIED


def test_fragment_visibility_members_are_the_official_ones() -> None:
    from viam.app.app_client import Fragment as OfficialFragment

    assert {m.name: m.value for m in Fragment.Visibility} == {
        m.name: m.value for m in OfficialFragment.Visibility
    }
