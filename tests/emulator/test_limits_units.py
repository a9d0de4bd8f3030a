"""The pieces behind the transport limits, one at a time: message capping, tail queues, defaults.

The end-to-end cases are in tests/reliability/test_transport_limits.py.
"""

from __future__ import annotations

import asyncio
import resource
from datetime import datetime, timezone

import pytest
from grpclib.metadata import encode_grpc_message
from viam_api.common.v1 import LogEntry

from viam_sdk.testing.errors import MAX_ECHOED_RUN, MAX_MESSAGE_BYTES, MAX_MESSAGE_CHARS, cap_message
from viam_sdk.testing.logs import LogHub, TailOverflow, entry_weight
from viam_sdk.testing.transport import default_max_connections


def test_short_messages_are_left_alone() -> None:
    text = "no robot 'abc' in organization 'org-1'; check the id"
    assert cap_message(text) == text
    assert cap_message(None) is None
    assert cap_message("caf\u00e9 " * 10) == "caf\u00e9 " * 10


def test_a_long_echoed_value_is_shortened_in_the_middle() -> None:
    value = "".join(chr(ord("a") + i % 26) for i in range(70_000))
    capped = cap_message(f"no robot {value!r}; check the id")
    assert capped is not None
    assert capped.startswith("no robot 'abcdef") and capped.endswith("'; check the id")
    assert f"[{70_003 - MAX_ECHOED_RUN} characters left out]" in capped  # the run: quotes and ";" too
    assert len(capped) < 400


@pytest.mark.parametrize("piece", ["word ", "\U0001f600 ", "\u732b\u732b "])
def test_the_sent_message_stays_small_whatever_the_text(piece: str) -> None:
    capped = cap_message("bad values: " + piece * 20_000 + "end")
    assert capped is not None and capped.startswith("bad values: ") and capped.endswith("end")
    assert len(capped) <= MAX_MESSAGE_CHARS + 60
    assert len(encode_grpc_message(capped)) <= MAX_MESSAGE_BYTES


def entry(n: int, size: int = 100) -> LogEntry:
    return LogEntry(level="info", message="x" * size, time=datetime(2030, 1, 1, 0, 0, n, tzinfo=timezone.utc))


async def test_a_subscriber_that_falls_behind_is_dropped_and_told_where_it_stopped() -> None:
    hub: LogHub[LogEntry] = LogHub(max_entries=10, max_bytes=1 << 20)
    with hub.subscribe("part") as reader, hub.subscribe("part") as stalled:
        assert hub.publish("part", [entry(0), entry(1)]) == 2
        assert [e.time.second for e in await reader.next_batch()] == [0, 1]  # type: ignore[union-attr]
        for n in range(2, 10, 2):
            assert hub.publish("part", [entry(n), entry(n + 1)]) == 2
            await reader.next_batch()
        # The stalled one has 10 waiting: the next batch is one too many.
        assert hub.publish("part", [entry(10)]) == 1
        assert hub.dropped == 1 and hub.subscriber_count("part") == 1
        assert stalled.pending_entries == 0  # its queue freed at once
        with pytest.raises(TailOverflow) as ended:
            await stalled.next_batch()
        assert ended.value.first_missed == entry(0).time  # nothing of its backlog was delivered
        assert "2030-01-01T00:00:00+00:00" in str(ended.value.message)
        assert [e.time.second for e in await reader.next_batch()] == [10]  # type: ignore[union-attr]


async def test_the_byte_bound_counts_the_text() -> None:
    hub: LogHub[LogEntry] = LogHub(max_entries=1000, max_bytes=10_000)
    assert entry_weight(entry(0, 5000)) > 5000
    with hub.subscribe("part") as sub:
        assert hub.publish("part", [entry(0, 4000)]) == 1
        assert hub.publish("part", [entry(1, 4000)]) == 1
        assert hub.publish("part", [entry(2, 4000)]) == 0
        with pytest.raises(TailOverflow):
            await asyncio.wait_for(sub.next_batch(), 5)


def test_the_default_connection_limit_leaves_descriptors_free() -> None:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = default_max_connections()
    assert 8 <= limit <= 512
    if soft != resource.RLIM_INFINITY:
        assert limit * 2 <= max(soft, 16)
