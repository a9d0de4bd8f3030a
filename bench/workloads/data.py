"""Workloads 3, 4, 5 and 10: the data plane (time and peak memory).

3. ``tabular``: ``tabular_data_by_filter`` for the seeded ten-field readings, paging
   with ``last`` until all rows are in, each row's data ending as a Python dict;
10. ``tabular-100k``: the same for the large set of the same readings (its own
   component, so neither pull sees the other's rows), to set time per row and peak
   memory against workload 3's;
4. ``binary``: ``binary_data_by_ids`` for the seeded blobs, a few ids per call, all
   results kept until the end (so the peak includes holding the payload once);
5. ``upload``: ``file_upload_from_path`` of one large file.

Each warm-up is tiny (ten rows, one blob, a 64 KiB file) so that it cannot set the
memory high-water mark.
"""

from __future__ import annotations

from typing import Any

from bench.clients import (
    NotBuilt,
    close_async,
    close_sync,
    connect_official,
    connect_ours_async,
    connect_ours_sync,
    ours_attr,
)
from bench.config import Sizes
from bench.env import BenchEnv
from bench.probe import Probe

WARMUP_ROWS = 10


def need(env: BenchEnv, workload: str) -> None:
    problem = env.seed_problems.get(workload)
    if problem:
        raise NotBuilt(f"seeding failed: {problem}")


def _data_client(client: Any, ours: bool) -> Any:
    return ours_attr(client, "data_client") if ours else client.data_client


def _touch_rows(rows: list[Any]) -> int:
    """Read every row's data dict, as a user would; returns the number of fields."""
    fields = 0
    for row in rows:
        data = row.data
        if not isinstance(data, dict):
            raise TypeError(f"row data is {type(data).__name__}, not a dict")
        fields += len(data)
    return fields


def _chunks(ids: list[str], size: int) -> list[list[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _blob_bytes(items: list[Any]) -> int:
    return sum(len(item.binary) for item in items)


# ---------------------------------------------------------------- workloads 3 and 10


def _tabular_set(env: BenchEnv, sizes: Sizes, big: bool) -> tuple[str, int]:
    """Component name and row count of the small (3) or the large (10) set."""
    if big:
        need(env, "tabular-100k")
        return env.tabular_big_component, sizes.tabular_big_rows
    need(env, "tabular")
    return env.tabular_component, sizes.tabular_rows


async def _tabular_async(data: Any, ours: bool, component: str, want: int, probe: Probe) -> None:
    pick = ours_attr if ours else getattr
    query = pick(data, "tabular_data_by_filter")
    flt = pick(data, "create_filter")(component_name=component)
    await query(flt, limit=WARMUP_ROWS)
    probe.start()
    rows: list[Any] = []
    last: str | None = None
    pages = 0
    while len(rows) < want:
        page, _count, last = await query(flt, limit=want - len(rows), last=last)
        pages += 1
        if not page:
            break
        rows.extend(page)
    fields = _touch_rows(rows)
    probe.stop()
    _check_rows(rows, want, fields, pages, probe)


def _tabular_sync(data: Any, component: str, want: int, probe: Probe) -> None:
    query = ours_attr(data, "tabular_data_by_filter")
    flt = ours_attr(data, "create_filter")(component_name=component)
    query(flt, limit=WARMUP_ROWS)
    probe.start()
    rows: list[Any] = []
    last: str | None = None
    pages = 0
    while len(rows) < want:
        page, _count, last = query(flt, limit=want - len(rows), last=last)
        pages += 1
        if not page:
            break
        rows.extend(page)
    fields = _touch_rows(rows)
    probe.stop()
    _check_rows(rows, want, fields, pages, probe)


def _check_rows(rows: list[Any], want: int, fields: int, pages: int, probe: Probe) -> None:
    if len(rows) != want:
        raise RuntimeError(f"expected {want} rows, got {len(rows)}")
    probe.extra.update(
        rows=len(rows),
        pages=pages,
        top_level_fields=fields,
        rows_per_s=len(rows) / probe.seconds,
        us_per_row=probe.seconds / len(rows) * 1e6,
        cpu_us_per_row=probe.cpu_seconds / len(rows) * 1e6,
    )


async def _tabular_ours_async(env: BenchEnv, sizes: Sizes, probe: Probe, big: bool) -> None:
    component, want = _tabular_set(env, sizes, big)
    client = await connect_ours_async(env)
    try:
        await _tabular_async(_data_client(client, True), True, component, want, probe)
    finally:
        await close_async(client)


def _tabular_ours_sync(env: BenchEnv, sizes: Sizes, probe: Probe, big: bool) -> None:
    component, want = _tabular_set(env, sizes, big)
    client = connect_ours_sync(env)
    try:
        _tabular_sync(_data_client(client, True), component, want, probe)
    finally:
        close_sync(client)


async def _tabular_official(env: BenchEnv, sizes: Sizes, probe: Probe, big: bool) -> None:
    component, want = _tabular_set(env, sizes, big)
    client = await connect_official(env)
    try:
        await _tabular_async(client.data_client, False, component, want, probe)
    finally:
        await close_async(client)


async def tabular_ours_async(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    await _tabular_ours_async(env, sizes, probe, big=False)


def tabular_ours_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    _tabular_ours_sync(env, sizes, probe, big=False)


async def tabular_official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    await _tabular_official(env, sizes, probe, big=False)


async def tabular_big_ours_async(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    await _tabular_ours_async(env, sizes, probe, big=True)


def tabular_big_ours_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    _tabular_ours_sync(env, sizes, probe, big=True)


async def tabular_big_official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    await _tabular_official(env, sizes, probe, big=True)


# ---------------------------------------------------------------- workload 4


async def _binary_async(data: Any, ours: bool, env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    fetch = (ours_attr if ours else getattr)(data, "binary_data_by_ids")
    await fetch(env.binary_ids[:1])
    probe.start()
    kept: list[Any] = []
    for chunk in _chunks(env.binary_ids, sizes.binary_ids_per_call):
        kept.extend(await fetch(chunk))
    total = _blob_bytes(kept)
    probe.stop()
    _check_blobs(total, len(kept), env, sizes, probe)


def _check_blobs(total: int, count: int, env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    want = len(env.binary_ids) * sizes.binary_blob_bytes
    if total != want:
        raise RuntimeError(f"expected {want} bytes of blobs, got {total}")
    probe.extra.update(blobs=count, bytes=total, mb_per_s=total / probe.seconds / 1e6)


async def binary_ours_async(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    need(env, "binary")
    client = await connect_ours_async(env)
    try:
        await _binary_async(_data_client(client, True), True, env, sizes, probe)
    finally:
        await close_async(client)


def binary_ours_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    need(env, "binary")
    client = connect_ours_sync(env)
    try:
        fetch = ours_attr(_data_client(client, True), "binary_data_by_ids")
        fetch(env.binary_ids[:1])
        probe.start()
        kept: list[Any] = []
        for chunk in _chunks(env.binary_ids, sizes.binary_ids_per_call):
            kept.extend(fetch(chunk))
        total = _blob_bytes(kept)
        probe.stop()
        _check_blobs(total, len(kept), env, sizes, probe)
    finally:
        close_sync(client)


async def binary_official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    need(env, "binary")
    client = await connect_official(env)
    try:
        await _binary_async(client.data_client, False, env, sizes, probe)
    finally:
        await close_async(client)


# ---------------------------------------------------------------- workload 5


async def _upload_async(data: Any, ours: bool, env: BenchEnv, probe: Probe) -> None:
    upload = (ours_attr if ours else getattr)(data, "file_upload_from_path")
    ids = [await upload(env.warmup_upload_path, part_id=env.part_id, file_name="bench-warmup.bin")]
    probe.extra["uploaded_ids"] = ids
    probe.start()
    ids.append(await upload(env.upload_path, part_id=env.part_id, file_name="bench-upload.bin"))
    probe.stop()
    _check_upload(ids, env, probe)


def _check_upload(ids: list[str], env: BenchEnv, probe: Probe) -> None:
    import os

    if not all(isinstance(i, str) and i for i in ids):
        raise RuntimeError(f"upload returned no binary data id: {ids!r}")
    size = os.path.getsize(env.upload_path)
    probe.extra.update(bytes=size, mb_per_s=size / probe.seconds / 1e6)


async def upload_ours_async(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    need(env, "upload")
    client = await connect_ours_async(env)
    try:
        await _upload_async(_data_client(client, True), True, env, probe)
    finally:
        await close_async(client)


def upload_ours_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    need(env, "upload")
    client = connect_ours_sync(env)
    try:
        upload = ours_attr(_data_client(client, True), "file_upload_from_path")
        ids = [upload(env.warmup_upload_path, part_id=env.part_id, file_name="bench-warmup.bin")]
        probe.extra["uploaded_ids"] = ids
        probe.start()
        ids.append(upload(env.upload_path, part_id=env.part_id, file_name="bench-upload.bin"))
        probe.stop()
        _check_upload(ids, env, probe)
    finally:
        close_sync(client)


async def upload_official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    need(env, "upload")
    client = await connect_official(env)
    try:
        await _upload_async(client.data_client, False, env, probe)
    finally:
        await close_async(client)
