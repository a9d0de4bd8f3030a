"""The query table (``_query_cases``): SQL and MQL through the real client and emulator, and every
documented MQL stage through the engine.

One emulator (in its own thread) and one blocking client serve the whole
module: the readings are uploaded once, and each case is one real RPC.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from viam_sdk.rpc.dial import DialOptions
from viam_sdk.sync import ViamClient
from viam_sdk.testing import Emulator
from viam_sdk.testing.query.mql import SUPPORTED_STAGES, run_pipeline

from ._query_cases import (
    ENGINE_CASES,
    ENGINE_DOCS,
    MQL_CASES,
    OTHER_ORG_READING,
    READINGS,
    SQL_CASES,
    Case,
    T,
)
from .conftest import DEPRECATION_NOISE, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

# The stages Viam documents as supported (https://docs.viam.com, "Query data").
DOCUMENTED_STAGES = (
    "$addFields $bucket $bucketAuto $count $densify $fill $geoNear $group $limit $match $project $redact "
    "$replaceRoot $replaceWith $sample $set $setWindowFields $skip $sort $sortByCount $unset $unwind"
).split()


def _client(emu: Emulator, key: str, key_id: str) -> ViamClient:
    return ViamClient.create_from_dial_options(DialOptions.with_api_key(key, key_id), app_url=emu.app_url)


def _upload(client: ViamClient, part_id: str, reading: tuple[Any, ...]) -> None:
    component, kind, method, minutes, data, tags = reading
    received = T.replace(minute=minutes)
    client.data_client.tabular_data_capture_upload(
        [data],
        part_id,
        kind,
        component,
        method,
        tags=tags or None,
        data_request_times=[(received - timedelta(seconds=1), received)],
    )


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[ViamClient, str]]:
    with Emulator.in_thread() as emu:
        boot = emu.bootstrap
        part = make_part(emu)
        other = emu.add_organization()
        other_part = make_part(emu, other.org_id, name="stranger")
        with (
            _client(emu, boot.api_key, boot.api_key_id) as ours,
            _client(emu, other.api_key, other.api_key_id) as theirs,
        ):
            for reading in READINGS:
                _upload(ours, part.part_id, reading)
            _upload(theirs, other_part.part_id, OTHER_ORG_READING)
            yield ours, part.org_id


def _check(case: Case, run: Any) -> None:
    if case.refused is not None:
        with pytest.raises(GRPCError) as info:
            run()
        assert info.value.status == Status.INVALID_ARGUMENT, info.value.message
        assert case.refused in str(info.value.message).lower()
        return
    rows = run()
    if case.count is not None:
        assert len(rows) == case.count
        assert all(case.extra.get("keys", set()) <= set(row) for row in rows)
        return
    assert rows == case.rows


@pytest.mark.parametrize("case", SQL_CASES, ids=[c.name for c in SQL_CASES])
def test_sql(world: tuple[ViamClient, str], case: Case) -> None:
    client, org = world
    _check(case, lambda: client.data_client.tabular_data_by_sql(org, case.query))


@pytest.mark.parametrize("case", MQL_CASES, ids=[c.name for c in MQL_CASES])
def test_mql(world: tuple[ViamClient, str], case: Case) -> None:
    client, org = world
    _check(case, lambda: client.data_client.tabular_data_by_mql(org, case.query))


@pytest.mark.parametrize("case", ENGINE_CASES, ids=[c.name for c in ENGINE_CASES])
def test_documented_stage_behaviour(case: Case) -> None:
    docs = copy.deepcopy(case.extra.get("docs", ENGINE_DOCS))
    _check(case, lambda: run_pipeline(docs, case.query))


def test_every_documented_stage_is_supported_and_exercised() -> None:
    assert set(DOCUMENTED_STAGES) <= set(SUPPORTED_STAGES)
    used = {next(iter(stage)) for case in ENGINE_CASES for stage in case.query}
    assert set(DOCUMENTED_STAGES) <= used


def test_the_other_organizations_reading_is_never_seen(world: tuple[ViamClient, str]) -> None:
    client, org = world
    data = client.data_client
    assert data.tabular_data_by_sql(
        org, "SELECT COUNT(*) AS n FROM readings WHERE data.readings.celsius = 99"
    ) == [{"n": 0}]
    assert data.tabular_data_by_mql(org, [{"$match": {"data.readings.celsius": 99}}]) == []
    assert {
        r["organization_id"] for r in data.tabular_data_by_sql(org, "SELECT organization_id FROM readings")
    } == {org}
