"""Collection indexes (create/list/delete) and signed download URLs, fetched over real HTTP."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import bson
import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.data.v1 import IndexableCollection, IndexCreator

from viam_sdk.app.data_client import DataClient
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part, connect, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

HOT = IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE
SINK = IndexableCollection.INDEXABLE_COLLECTION_PIPELINE_SINK
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3


def http_get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback, http on purpose)
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("Content-Type", "")


async def test_indexes_round_trip(data: DataClient, part: Part) -> None:
    assert [(i.index_name, i.created_by) for i in await data.list_indexes(part.org_id, HOT)] == [
        ("_id_", IndexCreator.INDEX_CREATOR_VIAM)
    ]
    await data.create_index(part.org_id, HOT, {"key": {"component_name": 1}, "name": "by_component"})
    await data.create_index(part.org_id, HOT, {"key": {"time_received": -1, "part_id": 1}})
    await data.create_index(part.org_id, SINK, {"key": {"v": 1}, "name": "by_v"}, pipeline_name="hourly")
    hot = await data.list_indexes(part.org_id, HOT)
    assert [i.index_name for i in hot] == ["_id_", "by_component", "time_received_-1_part_id_1"]
    custom = hot[1]
    assert custom.created_by == IndexCreator.INDEX_CREATOR_CUSTOMER and custom.collection_type == HOT
    assert bson.decode(custom.index_spec[0]) == {"key": {"component_name": 1}, "name": "by_component"}
    sink = await data.list_indexes(part.org_id, SINK, "hourly")
    assert [(i.index_name, i.pipeline_name) for i in sink] == [("by_v", "hourly")]
    assert await data.list_indexes(part.org_id, SINK, pipeline_name="daily") == []

    await data.delete_index(part.org_id, HOT, "by_component")
    await data.delete_index(part.org_id, SINK, "by_v", "hourly")
    assert [i.index_name for i in await data.list_indexes(part.org_id, HOT)] == [
        "_id_",
        "time_received_-1_part_id_1",
    ]
    assert await data.list_indexes(part.org_id, SINK, "hourly") == []


async def test_index_errors(emulator: Emulator, data: DataClient, part: Part) -> None:
    await data.create_index(part.org_id, HOT, {"key": {"a": 1}, "name": "a"})
    cases = [
        (data.create_index(part.org_id, HOT, {"key": {"a": 1}, "name": "a"}), Status.ALREADY_EXISTS),
        (data.create_index(part.org_id, HOT, {"key": {"_id": 1}, "name": "_id_"}), Status.ALREADY_EXISTS),
        (data.create_index(part.org_id, HOT, {"name": "no-keys"}), Status.INVALID_ARGUMENT),
        (data.create_index(part.org_id, HOT, {"key": {"a": 2}}), Status.INVALID_ARGUMENT),
        (data.create_index(part.org_id, SINK, {"key": {"a": 1}}), Status.INVALID_ARGUMENT),
        (data.create_index(part.org_id, 0, {"key": {"a": 1}}), Status.INVALID_ARGUMENT),
        (data.create_index(part.org_id, HOT, {"key": {"a": 1}}, "hourly"), Status.INVALID_ARGUMENT),
        (data.delete_index(part.org_id, HOT, "missing"), Status.NOT_FOUND),
        (data.delete_index(part.org_id, HOT, "_id_"), Status.PERMISSION_DENIED),
        (data.list_indexes("", HOT), Status.INVALID_ARGUMENT),
    ]
    for call, status in cases:
        with pytest.raises(GRPCError) as info:
            await call
        assert info.value.status == status
    with pytest.raises(TypeError):
        await data.create_index(part.org_id, HOT, [("a", 1)])  # type: ignore[arg-type]
    other = emulator.add_organization()
    make_part(emulator, other.org_id)
    with pytest.raises(GRPCError) as info:
        await data.list_indexes(other.org_id, HOT)
    assert info.value.status == Status.PERMISSION_DENIED
    assert [i.index_name for i in await data.list_indexes(part.org_id, HOT)] == ["_id_", "a"]


async def test_signed_url_serves_the_bytes_until_it_expires(
    emulator: Emulator, data: DataClient, part: Part
) -> None:
    now = [datetime(2025, 1, 1, tzinfo=timezone.utc)]
    emulator.context.clock = lambda: now[0]
    bid = await data.binary_data_capture_upload(
        binary_data=PNG,
        part_id=part.part_id,
        component_type="rdk:component:camera",
        component_name="cam",
        method_name="GetImages",
        file_extension=".png",
    )
    url, expires_at = await data.create_binary_data_signed_url(bid, expiration_minutes=5)
    # naive UTC, as viam-sdk 0.85.1 returns it (issue 19 item 6)
    naive_now = now[0].replace(tzinfo=None)
    assert url.startswith("http://127.0.0.1:") and expires_at == naive_now + timedelta(minutes=5)
    assert expires_at.tzinfo is None
    default_url, default_expiry = await data.create_binary_data_signed_url(bid)
    assert default_url != url and default_expiry == naive_now + timedelta(minutes=60)

    status, body, kind = await asyncio.to_thread(http_get, url)
    assert (status, body, kind) == (200, PNG, "image/png")
    now[0] += timedelta(minutes=4, seconds=59)
    assert (await asyncio.to_thread(http_get, url))[0] == 200
    now[0] += timedelta(seconds=1)
    assert (await asyncio.to_thread(http_get, url))[0] == 403
    assert (await asyncio.to_thread(http_get, default_url))[0] == 200  # its own expiry is later
    assert (await asyncio.to_thread(http_get, url.rsplit("/", 1)[0] + "/forged"))[0] == 404
    await data.delete_binary_data_by_ids([bid])
    assert (await asyncio.to_thread(http_get, default_url))[0] == 404


async def test_signed_url_errors(emulator: Emulator, data: DataClient, part: Part) -> None:
    with pytest.raises(GRPCError) as info:
        await data.create_binary_data_signed_url("org/loc/no-such-file")
    assert info.value.status == Status.NOT_FOUND
    other = emulator.add_organization()
    other_part = make_part(emulator, other.org_id)
    client = await connect(emulator, other.api_key, other.api_key_id)
    try:
        theirs = await client.data_client.file_upload(other_part.part_id, b"secret", file_name="x.txt")
    finally:
        client.close()
    with pytest.raises(GRPCError) as info:
        await data.create_binary_data_signed_url(theirs)
    assert info.value.status == Status.NOT_FOUND
    mine = await data.file_upload(part.part_id, b"hello", file_name="h.txt")
    for minutes in (0, 7 * 24 * 60 + 1):
        with pytest.raises(GRPCError) as info:
            await data.create_binary_data_signed_url(mine, expiration_minutes=minutes)
        assert info.value.status == Status.INVALID_ARGUMENT
    with pytest.raises(ValueError):
        await data.create_binary_data_signed_url(mine, expiration_minutes=-1)
