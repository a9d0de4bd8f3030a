"""A log tail that outlives its connection: re-subscribe, then fill the gap from the stored logs.

``tail_robot_part_logs`` (``resume=True``, the default) hands out a
``ResumingLogsStream``.  When the stream is lost (the app restarted, the
connection dropped: ``Unavailable``; the app dropped a subscriber that fell
behind: ``ResourceExhausted`` after the stream began; or the stream ended
without an error), it

1. subscribes again, retrying with backoff (up to ``MAX_BACKOFF`` seconds between
   tries) for up to ``RESUME_FOR`` seconds, and then
2. asks ``GetRobotPartLogs`` for the entries stored since the last one it handed
   out (by the entries' own ``time``, oldest first, with the tail's filters), and
   hands out those it has not handed out before, as one batch, before the live
   entries of the new subscription.

No entry is handed out twice: the entries at the last time seen are matched by
content against the stored ones, and the live entries the new subscription
repeats from the gap are dropped.  An entry a part pushes while the tail is
away, stamped *earlier* than the last entry the tail handed out, is not in the
gap (the gap is read by time).  Errors other than a lost connection
(``NotFound``, ``PermissionDenied``, ...) end the stream as before.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from grpclib.client import Channel
from viam_api._runtime import STARTED, CallInfo, CallPolicy, StreamAttempt, UnaryAttempt
from viam_api.app.v1 import AppServiceStub, LogOrder, TailRobotPartLogsRequest, TailRobotPartLogsResponse

from viam_sdk import errors
from viam_sdk.app._app.types import LogEntry, LogsStream

__all__ = ["MAX_BACKOFF", "RESUME_FOR", "ResumingLogsStream", "TailCounts", "resuming_batches", "resuming_tail"]

LOGGER = logging.getLogger("viam_sdk.app")

#: Seconds a lost tail keeps trying to subscribe again before it raises ``Unavailable``.
RESUME_FOR = 300.0
#: The longest wait between two tries to subscribe again, in seconds.
MAX_BACKOFF = 2.0

Responses = AsyncIterator[TailRobotPartLogsResponse]


def _key(entry: LogEntry) -> str:
    """What makes two entries the same line: every field, time included."""
    return json.dumps(entry.to_json_dict(), sort_keys=True, default=str)


@dataclass
class TailCounts:
    """What a resuming tail did: re-subscriptions, and entries it filled in from the stored logs."""

    resumed: int = 0
    gap_filled: int = 0


class ResumingLogsStream(LogsStream[list[LogEntry]]):
    """A ``LogsStream`` that re-subscribes when its connection is lost (see the module docstring)."""

    def __init__(self, source: AsyncIterator[list[LogEntry]], counts: TailCounts) -> None:
        super().__init__(source)
        self._counts = counts

    @property
    def resumed(self) -> int:
        """How many times the tail subscribed again after losing its stream."""
        return self._counts.resumed

    @property
    def gap_filled(self) -> int:
        """Entries handed out from the stored logs after those re-subscriptions."""
        return self._counts.gap_filled


class _Seen:
    """The latest entry time handed out, the entries at that time, and repeats still expected live."""

    def __init__(self, since: datetime) -> None:
        self.time = since
        self.at_time: Counter[str] = Counter()
        self.repeats: Counter[str] = Counter()

    def note(self, entry: LogEntry, key: str) -> None:
        when = _utc(entry.time)
        if when is None:
            return
        if when > self.time:
            self.time, self.at_time = when, Counter()
        if when == self.time:
            self.at_time[key] += 1

    def live(self, entries: list[LogEntry]) -> list[LogEntry]:
        """The entries of a live batch not already handed out from the gap."""
        kept = []
        for entry in entries:
            key = _key(entry)
            if self.repeats[key] > 0:
                self.repeats[key] -= 1
                continue
            # The live stream brings entries in the order they were pushed: once one is
            # new, the ones the gap and the new subscription shared have all gone by.
            self.repeats.clear()
            self.note(entry, key)
            kept.append(entry)
        return kept

    def gap(self, stored: list[LogEntry]) -> list[LogEntry]:
        """The stored entries since ``time`` not handed out yet; they may come again live."""
        already = Counter(self.at_time)
        since = self.time
        kept = []
        for entry in stored:
            key = _key(entry)
            if _utc(entry.time) == since and already[key] > 0:
                already[key] -= 1
                continue
            self.repeats[key] += 1
            self.note(entry, key)
            kept.append(entry)
        return kept


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


_FIRST_WAIT = 0.05


async def _subscribe_again(
    subscribe: Callable[[], Awaitable[Responses]], stored: Callable[[], AsyncIterator[LogEntry]], part: str
) -> tuple[Responses, list[LogEntry]]:
    """A new subscription and the stored entries read once it is in place.

    Tried again with backoff while the app stays unreachable, for up to ``RESUME_FOR`` seconds.
    """
    loop = asyncio.get_running_loop()
    give_up = loop.time() + RESUME_FOR
    wait = _FIRST_WAIT
    while True:
        responses: Responses | None = None
        try:
            responses = await subscribe()
            return responses, [entry async for entry in stored()]
        except errors.Unavailable:
            if responses is not None:
                await _close(responses)
            if loop.time() + wait >= give_up:
                raise
            LOGGER.info("log tail of part %s: the app is unreachable; subscribing again in %.2f s", part, wait)
            await asyncio.sleep(wait)
            wait = min(MAX_BACKOFF, wait * 2)


async def resuming_batches(
    first: Responses,
    subscribe: Callable[[], Awaitable[Responses]],
    stored_since: Callable[[datetime], AsyncIterator[LogEntry]],
    part: str,
    since: datetime,
    counts: TailCounts,
) -> AsyncIterator[list[LogEntry]]:
    """Batches of a tail that subscribes again after a lost connection and fills the gap.

    Args:
        first: the subscription already open.
        subscribe: opens a new subscription (in place when it returns).
        stored_since: stored entries at or after a time, oldest first, with the tail's filters.
        part: the part's ID, for log messages.
        since: when ``first`` was opened (UTC): the gap starts there if nothing came before the loss.
        counts: updated after each re-subscription.
    """
    seen = _Seen(since)
    responses: Responses | None = first
    # Subscriptions in a row that ended before delivering anything: they back off.
    idle = 0
    try:
        while True:
            assert responses is not None
            idle += 1
            try:
                async for response in responses:
                    idle = 0
                    kept = seen.live([LogEntry.from_proto(entry) for entry in response.logs])
                    if kept:
                        yield kept
                why = "the stream ended"
            except (errors.Unavailable, errors.ResourceExhausted) as exc:
                # ResourceExhausted mid-stream: the app dropped a subscriber that fell behind.
                why = exc.message or "the connection was lost"
            await _close(responses)
            responses = None
            LOGGER.warning("log tail of part %s was cut (%s); subscribing again", part, why)
            if idle > 1:
                await asyncio.sleep(min(MAX_BACKOFF, _FIRST_WAIT * 2 ** (idle - 1)))
            responses, stored = await _subscribe_again(subscribe, lambda: stored_since(seen.time), part)
            missed = seen.gap(stored)
            counts.resumed += 1
            counts.gap_filled += len(missed)
            LOGGER.info("log tail of part %s resumed; %d entries from the gap", part, len(missed))
            if missed:
                yield missed
    finally:
        if responses is not None:
            await _close(responses)


async def _close(responses: Any) -> None:
    closer = getattr(responses, "aclose", None)
    if closer is not None:
        await closer()


class _NoSilentReopen(CallPolicy):
    """The SDK's call policy, except that a tail it would open again quietly ends instead.

    The SDK's policy repeats a stream that fails before its first response; for a
    tail that already subscribed, the entries logged in between would be lost
    without a word.  Ending with ``Unavailable`` hands the loss to the resuming
    stream, which fills the gap.
    """

    def __init__(self, inner: CallPolicy | None) -> None:
        self._inner = inner or CallPolicy()

    async def unary(self, call: CallInfo, attempt: UnaryAttempt[Any]) -> Any:
        return await self._inner.unary(call, attempt)

    def stream(self, call: CallInfo, attempt: StreamAttempt) -> AsyncIterator[Any]:
        return self._once(call, self._inner.stream(call, attempt))

    async def _once(self, call: CallInfo, source: AsyncIterator[Any]) -> AsyncIterator[Any]:
        started = False
        try:
            async for item in source:
                if item is STARTED:
                    if started:
                        raise errors.Unavailable(message="the subscription was lost and opened again", rpc=call.route)
                    started = True
                yield item
        finally:
            await _close(source)


async def resuming_tail(
    channel: Channel,
    metadata: Mapping[str, str],
    policy: CallPolicy | None,
    stored: Callable[..., AsyncIterator[LogEntry]],
    request: TailRobotPartLogsRequest,
) -> ResumingLogsStream:
    """The stream ``tail_robot_part_logs`` hands out with ``resume=True``, subscribed when it returns.

    Args:
        channel: the client's channel.
        metadata: the client's metadata (the token the session renews).
        policy: the client's call policy (errors, retries, renewal).
        stored: ``iter_robot_part_logs`` (the part's stored entries, by filters).
        request: the tail's request, for every subscription and for the gap's filters.
    """
    stub = AppServiceStub(channel, metadata=metadata, policy=_NoSilentReopen(policy))

    async def subscribe() -> Responses:
        responses = stub.tail_robot_part_logs(request)
        await responses.start()
        return responses

    def stored_since(moment: datetime) -> AsyncIterator[LogEntry]:
        return stored(
            request.id,
            request.filter or None,
            ("error",) if request.errors_only else (),
            start=moment,
            order=LogOrder.LOG_ORDER_ASCENDING,
        )

    since = datetime.now(timezone.utc)
    first = await subscribe()
    counts = TailCounts()
    batches = resuming_batches(first, subscribe, stored_since, request.id, since, counts)
    return ResumingLogsStream(batches, counts)
