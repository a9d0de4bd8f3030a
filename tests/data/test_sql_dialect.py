"""Atlas SQL details that need readings of their own shape (the shared table has fixed readings)."""

from __future__ import annotations

import pytest

from viam_sdk.app.viam_client import ViamClient

from .conftest import DEPRECATION_NOISE, Part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)


async def test_flatten_and_unwind_quote_keys_from_the_data(viam: ViamClient, part: Part) -> None:
    data = viam.data_client
    await data.tabular_data_capture_upload(
        [{"readings": {"it's": 1.5, "a b": {"c": 2}, "list": [10, 20]}}],
        part.part_id,
        "rdk:component:sensor",
        "odd-keys",
        "Readings",
    )
    rows = await data.tabular_data_by_sql(
        part.org_id, "SELECT `data_readings_it's` AS q, `data_readings_a b_c` AS c FROM FLATTEN(readings)"
    )
    assert rows == [{"q": 1.5, "c": 2.0}]
    rows = await data.tabular_data_by_sql(
        part.org_id,
        "SELECT data.readings.`list` AS v, n FROM UNWIND(readings WITH PATH => data.readings.`list`, INDEX => n) "
        "ORDER BY n",
    )
    assert rows == [{"v": 10.0, "n": 0}, {"v": 20.0, "n": 1}]
    rows = await data.tabular_data_by_sql(part.org_id, "SELECT data.readings.`it's` AS q FROM readings")
    assert rows == [{"q": 1.5}]
