"""Issue 19 item 6: three more shapes of viam-sdk 0.85.1 where the reference documents are silent.

* ``create_binary_data_signed_url`` returns its expiry as a naive UTC datetime
  (0.85.1: ``expires_at.ToDatetime()``); the signed-URL tests check the value.
* ``FragmentHistoryEntry`` has 0.85.1's ``.proto``, the entry as its message.
* ``get_sequence_dataset_export`` returns the response whose times 0.85.1 leaves
  as ``google.protobuf.Timestamp``: here naive UTC datetimes that answer that
  message's calls the same way, checked against the protobuf runtime itself.
"""

from __future__ import annotations

import inspect
from datetime import datetime, timedelta, timezone

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from viam.app.app_client import FragmentHistoryEntry as OfficialFragmentHistoryEntry
from viam_api.app.dataset.v1 import DatasetType
from viam_api.app.v1 import AuthenticationType, AuthenticatorInfo
from viam_api.app.v1 import FragmentHistoryEntry as FragmentHistoryEntryPB

from viam_sdk.app._convert import TimestampDatetime, timestamp_datetime
from viam_sdk.app.app_client import FragmentHistoryEntry
from viam_sdk.app.data_client import DataClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

MOMENTS = [
    datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc),
    datetime(2024, 5, 1, 12, 0, 1, 500000, tzinfo=timezone.utc),
    datetime(2024, 5, 1, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2))),
    datetime(1969, 12, 31, 23, 59, 59, 250000, tzinfo=timezone.utc),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_a_timestamp_datetime_answers_as_the_protobuf_timestamp(moment: datetime) -> None:
    official = Timestamp()
    official.FromDatetime(moment)
    ours = timestamp_datetime(moment)
    assert isinstance(ours, datetime) and ours.tzinfo is None
    assert ours == official.ToDatetime()  # the naive UTC instant 0.85.1 users get from ToDatetime()
    assert (ours.seconds, ours.nanos) == (official.seconds, official.nanos)
    assert ours.ToDatetime() == official.ToDatetime() and ours.ToDatetime().tzinfo is None
    assert type(ours.ToDatetime()) is datetime
    assert ours.ToDatetime(timezone.utc) == official.ToDatetime(timezone.utc)
    assert ours.ToSeconds() == official.ToSeconds()
    assert ours.ToMilliseconds() == official.ToMilliseconds()
    assert ours.ToJsonString() == official.ToJsonString()
    assert timestamp_datetime(None) is None


def test_fragment_history_entry_has_the_official_proto_property() -> None:
    assert isinstance(inspect.getattr_static(OfficialFragmentHistoryEntry, "proto"), property)
    assert isinstance(inspect.getattr_static(FragmentHistoryEntry, "proto"), property)
    message = FragmentHistoryEntryPB(
        fragment="frag-1",
        edited_on=datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc),
        edited_by=AuthenticatorInfo(type=AuthenticationType.AUTHENTICATION_TYPE_API_KEY, value="key-1"),
    )
    entry = FragmentHistoryEntry.from_proto(message)
    assert bytes(entry.proto) == bytes(message)
    assert FragmentHistoryEntry.from_proto(entry.proto) == entry


async def test_fragment_history_entries_from_the_emulator_round_trip(viam: ViamClient, part: Part) -> None:
    app, org_id = viam.app_client, part.org_id
    fragment = await app.create_fragment(org_id, "kit", {"step": 1})
    await app.update_fragment(fragment.id, "kit", config={"step": 2})
    [entry] = await app.get_fragment_history(fragment.id)
    assert entry.old is not None and entry.proto.old is not None
    assert entry.proto.fragment == fragment.id and entry.proto.old.id == fragment.id
    assert FragmentHistoryEntry.from_proto(entry.proto) == entry


async def test_sequence_export_times_are_timestamp_datetimes(emulator: Emulator, data: DataClient, part: Part) -> None:
    now = datetime(2025, 2, 1, 9, 30, 15, 250000, tzinfo=timezone.utc)
    emulator.context.clock = lambda: now
    dataset = await data.create_dataset("runs", part.org_id, int(DatasetType.DATASET_TYPE_SEQUENCE_DATA))
    export = await data.get_sequence_dataset_export(await data.start_sequence_dataset_export(dataset))
    for moment in (export.created_at, export.completed_at, export.expires_at):
        assert isinstance(moment, TimestampDatetime) and moment.tzinfo is None
    created, expires = export.created_at, export.expires_at
    assert isinstance(created, TimestampDatetime) and isinstance(expires, TimestampDatetime)
    assert created.ToDatetime() == datetime(2025, 2, 1, 9, 30, 15, 250000)
    assert expires.ToDatetime(timezone.utc) == now + timedelta(hours=24)
    assert created.seconds == int(now.timestamp()) and created.nanos == 250_000_000
