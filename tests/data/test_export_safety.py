"""The SDK's exports never lose a file (issue 18, item 8), against the real emulator.

* every name the server sends becomes one safe file name in ``dest`` (``.``,
  ``..``, empty, separators, NUL, over-long and reserved names included), and
  two items never share a file;
* files get the permissions the umask gives, not mkstemp's 0600;
* a RESOURCE_EXHAUSTED the emulator marks final (a query budget) is not retried.

Odd file ids are written straight into the emulator's store: the upload path
never produces them, but a server may send anything, and the SDK must cope.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from viam_sdk import errors
from viam_sdk.app._data._names import MAX_NAME_BYTES, NameClaims, safe_name
from viam_sdk.app.data_client import DataClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.testing import Emulator
from viam_sdk.testing.query import budget as query_budget
from viam_sdk.testing.services import data as data_service

from .conftest import DEPRECATION_NOISE, Part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)


async def _upload(data: DataClient, part: Part, n: int, ext: str = ".png") -> list[str]:
    return [
        await data.file_upload(part.part_id, f"payload {i}".encode(), file_name=f"f{i}", file_extension=ext)
        for i in range(n)
    ]


def _set_file_ids(emulator: Emulator, ids: dict[str, str], ext: str | None = None) -> None:
    """Give the items ``ids`` (binary data id -> file id) odd file ids, as a hostile server might."""
    with emulator.context.store.transaction() as db:
        for binary_id, file_id in ids.items():
            db.execute("UPDATE data_binary SET file_id = ? WHERE id = ?", (file_id, binary_id))
            if ext is not None:
                db.execute("UPDATE data_binary SET file_ext = ? WHERE id = ?", (ext, binary_id))


def _exported(folder: Path) -> dict[str, bytes]:
    """Binary data id -> the bytes of its file, read back through the metadata files."""
    out: dict[str, bytes] = {}
    for meta in folder.glob("*.json"):
        recorded = json.loads(meta.read_text())
        out[recorded["binary_data_id"]] = (folder / meta.name[: -len(".json")]).read_bytes()
    return out


ODD_IDS = [".", "..", "", "../../escape", "a/b", "x\x00y", "CON", "nul.txt", "q" * 400, "..\\..\\win", "end. "]


async def test_every_odd_file_id_gets_its_own_safe_file(
    emulator: Emulator, data: DataClient, part: Part, tmp_path: Path
) -> None:
    ids = await _upload(data, part, len(ODD_IDS) + 1)
    _set_file_ids(emulator, dict(zip(ids, ODD_IDS, strict=False)))
    dest = tmp_path / "out"
    dest.mkdir()
    items, _, _ = await data.binary_data_by_filter(dest=str(dest))
    assert len(items) == len(ids)
    # Every item landed inside dest, in its own file, with its own bytes; nothing escaped.
    assert _exported(dest) == {i: f"payload {n}".encode() for n, i in enumerate(ids)}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert all(len(p.name.encode()) <= MAX_NAME_BYTES + len(".json") for p in dest.iterdir())


async def test_two_ids_that_clean_alike_never_share_a_file(
    emulator: Emulator, data: DataClient, part: Part, tmp_path: Path
) -> None:
    ids = await _upload(data, part, 4)
    # "a/b" cleans to "a_b"; "a:b" too; the 4th item has the very same file id as the 3rd.
    _set_file_ids(emulator, {ids[0]: "a_b", ids[1]: "a/b", ids[2]: "a:b", ids[3]: "a:b"})
    items, _, _ = await data.binary_data_by_filter(dest=str(tmp_path))
    assert len(items) == 4
    assert _exported(tmp_path) == {i: f"payload {n}".encode() for n, i in enumerate(ids)}
    # The clean name stays what it was; the others get a stable tag of their id.
    assert (tmp_path / "a_b.png").read_bytes() == b"payload 0"
    first = sorted(p.name for p in tmp_path.iterdir())
    # A second export into the same folder gives every item the same name again.
    await data.binary_data_by_filter(dest=str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == first
    assert _exported(tmp_path) == {i: f"payload {n}".encode() for n, i in enumerate(ids)}


def test_safe_name_rules() -> None:
    cases = {
        "..": "_._",
        ".": "__",
        "": "_",
        "a/b\\c": "a_b_c",
        "x\x00y": "x_y",
        "CON": "_CON",
        "com1.txt": "_com1.txt",
        "ok.png": "ok.png",
        "trail.": "trail_",
    }
    for raw, want in cases.items():
        assert safe_name(raw)[0] == want, raw
    long, changed = safe_name("z" * 1000 + ".jpeg")
    assert changed and long.endswith(".jpeg") and len(long.encode()) <= MAX_NAME_BYTES
    # Wide names keep Unicode but never a separator.
    assert safe_name("café/../x.png", plain=False)[0] == "café_.._x.png"
    claims = NameClaims()
    tagged = {claims.claim(raw, f"id-{n}") for n, raw in enumerate(["a_b", "a/b", "a:b", "a:b"])}
    assert len(tagged) == 4 and "a_b" in tagged


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
async def test_files_honour_the_umask(
    umask: int, data: DataClient, part: Part, tmp_path: Path
) -> None:
    await _upload(data, part, 1)
    old = os.umask(umask)
    try:
        await data.binary_data_by_filter(dest=str(tmp_path))
    finally:
        os.umask(old)
    modes = {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {0o666 & ~umask}


async def test_a_budget_refusal_is_not_retried(
    monkeypatch: pytest.MonkeyPatch, viam: ViamClient, part: Part
) -> None:
    monkeypatch.setattr(query_budget, "RESULT_BUDGET_BYTES", 2_000)
    runs = 0
    real = query_budget.run_query

    async def counted(*args: object, **kwargs: object) -> object:
        nonlocal runs
        runs += 1
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(data_service, "run_query", counted)
    await viam.data_client.tabular_data_capture_upload(
        [{"readings": {"i": i, "pad": "x" * 50}} for i in range(100)],
        part.part_id,
        "rdk:component:sensor",
        "counter",
        "Readings",
    )
    policy = viam.data_client._policy
    before = policy.stats.retries
    with pytest.raises(errors.ResourceExhausted) as refused:
        await viam.data_client.tabular_data_by_sql(part.org_id, "SELECT * FROM readings")
    assert "budget" in str(refused.value)
    assert policy.stats.retries == before
    assert runs == 1  # the expensive query ran once, not once per retry
