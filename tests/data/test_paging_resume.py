"""Resumable paging (issue 20, item 6): every ``iter_*`` takes ``checkpoint=``, kept up to date and resumable.

A pull interrupted after any item resumes from the saved checkpoint and hands
out exactly the items not handed out before, against the real emulator.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from viam_sdk.app.data_client import DataClient
from viam_sdk.paging import PageCheckpoint
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)


async def _files(data: DataClient, part: Part, n: int) -> list[str]:
    return [await data.file_upload(part.part_id, f"f{i}".encode(), file_name=f"f{i}.txt") for i in range(n)]


@pytest.mark.parametrize("stop_after", [1, 9, 10, 13, 24])
async def test_a_pull_resumes_exactly_where_it_stopped(
    data: DataClient, part: Part, tmp_path: Path, stop_after: int
) -> None:
    ids = await _files(data, part, 25)
    saved = tmp_path / "cp.json"
    first: list[str] = []
    cp = PageCheckpoint()
    async for item in data.iter_binary_data_by_filter(page_size=10, include_binary_data=False, checkpoint=cp):
        first.append(item.metadata.binary_data_id)
        saved.write_text(json.dumps(cp.as_dict()))  # what a crash-proof pull keeps after each item
        if len(first) == stop_after:
            break  # the "crash"
    state = json.loads(saved.read_text())
    assert state["offset"] == (stop_after - 1) % 10 + 1
    assert (state["page_token"] == "") == (stop_after <= 10)  # the first page has no token
    assert state["next_page_token"]

    resumed = PageCheckpoint(**state)
    rest = [
        item.metadata.binary_data_id
        async for item in data.iter_binary_data_by_filter(page_size=10, include_binary_data=False, checkpoint=resumed)
    ]
    assert sorted(first + rest) == sorted(ids) and len(first) + len(rest) == 25
    assert resumed.next_page_token == ""  # it went to the end


async def test_max_items_counts_from_the_resume_point_and_bad_checkpoints_are_refused(
    data: DataClient, part: Part
) -> None:
    await _files(data, part, 12)
    cp = PageCheckpoint()
    head = [i async for i in data.iter_binary_data_by_filter(page_size=5, include_binary_data=False, checkpoint=cp, max_items=7)]
    assert len(head) == 7 and cp.offset == 2
    tail = [i async for i in data.iter_binary_data_by_filter(page_size=5, include_binary_data=False, checkpoint=cp, max_items=3)]
    assert len(tail) == 3
    assert not {i.metadata.binary_data_id for i in head} & {i.metadata.binary_data_id for i in tail}
    with pytest.raises(ValueError, match="offset"):
        PageCheckpoint(offset=-1)
    with pytest.raises(TypeError, match="page_token"):
        PageCheckpoint(page_token=5)  # type: ignore[arg-type]


def test_the_blocking_client_keeps_the_checkpoint_too(emulator_thread: Emulator, thread_part: Part) -> None:
    from viam_sdk.rpc.dial import DialOptions
    from viam_sdk.sync import ViamClient as SyncViamClient

    boot = emulator_thread.bootstrap
    options = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    with SyncViamClient.create_from_dial_options(options, app_url=emulator_thread.app_url) as viam:
        data = viam.data_client
        ids = [data.file_upload(thread_part.part_id, b"x", file_name=f"{i}.txt") for i in range(7)]
        cp = PageCheckpoint()
        seen = []
        for item in data.iter_binary_data_by_filter(page_size=3, include_binary_data=False, checkpoint=cp):
            seen.append(item.metadata.binary_data_id)
            if len(seen) == 4:
                break
        assert (cp.offset, cp.pages) == (1, 2) and cp.page_token
        resumed = PageCheckpoint(**cp.as_dict())
        seen += [i.metadata.binary_data_id for i in data.iter_binary_data_by_filter(
            page_size=3, include_binary_data=False, checkpoint=resumed)]
        assert sorted(seen) == sorted(ids)
