"""``AppClient`` methods for a part's logs: stored entries as a list or page by page, and a live tail.

``iter_robot_part_logs`` hands entries out one by one across every page
(``async for``; a plain ``for`` on the blocking client) through the generic
pager (``viam_sdk.paging``); ``get_robot_part_logs`` gathers them into a list.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from viam_api.app.v1 import (
    GetRobotPartLogsRequest,
    LogOrder,
    TailRobotPartLogsRequest,
    TailRobotPartLogsResponse,
)

from viam_sdk._files import atomic_open
from viam_sdk.app._app._base import AppClientBase
from viam_sdk.app._app.log_tail import resuming_tail
from viam_sdk.app._app.types import (
    LogEntry,
    LogsStream,
)
from viam_sdk.paging import PageCheckpoint, each
from viam_sdk.progress import ProgressCallback
from viam_sdk.rpc._policy import DEFAULT, RetryOption


async def _log_batches(responses: AsyncIterator[TailRobotPartLogsResponse]) -> AsyncIterator[list[LogEntry]]:
    try:
        async for response in responses:
            yield [LogEntry.from_proto(entry) for entry in response.logs]
    finally:
        closer = getattr(responses, "aclose", None)
        if closer is not None:
            await closer()


class Logs(AppClientBase):
    """A part's stored logs and its live log tail."""

    async def get_robot_part_logs(
        self,
        robot_part_id: str,
        filter: str | None = None,
        dest: str | None = None,
        log_levels: Sequence[str] = (),
        num_log_entries: int = 100,
        start: datetime | None = None,
        end: datetime | None = None,
        order: LogOrder | int | None = None,
        range: str | None = None,
        *,
        timeout: float | None = None,
        progress: ProgressCallback | None = None,
        retry: RetryOption = DEFAULT,
    ) -> list[LogEntry]:
        """A part's stored logs, following page tokens until ``num_log_entries`` (0: all).

        Args:
            robot_part_id: the part.
            filter: keep only entries whose message contains this text.
            dest: also save the entries there, one JSON object per line (atomically).
            log_levels: keep only these levels ("info", "error", ...); empty keeps all.
            num_log_entries: how many entries at most; 0 for every stored entry.
            start: keep only entries logged at or after this time.
            end: keep only entries logged at or before this time.
            order: ``LogOrder.LOG_ORDER_ASCENDING`` for oldest first; newest first otherwise.
            range: a time range in the app's own notation, passed on as it is.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.
            progress: told the number of **entries** fetched so far, after each page
                (see ``viam_sdk.progress``); ``iter_robot_part_logs`` walks them without a list.

        Returns:
            A list of ``LogEntry`` objects (time, level, logger, message, fields), at most
            ``num_log_entries`` of them.

        Raises:
            ValueError: ``num_log_entries`` is negative, or ``log_levels`` is a single string.
            NotFound: no part has that ID.
            PermissionDenied: the credentials do not reach the part.
            FileNotFoundError: ``dest``'s folder does not exist.

        Examples:
            ```python
            fleet = viam_client.app_client
            errors = await fleet.get_robot_part_logs(part_id, log_levels=("error",), num_log_entries=20)
            ```
        """
        if num_log_entries < 0:
            raise ValueError(f"num_log_entries must be 0 (all) or more, not {num_log_entries}")
        # The deadline of ``timeout`` bounds every page (with_call_timeouts).
        stored = self.iter_robot_part_logs(
            robot_part_id, filter, log_levels, start, end, order, range,
            max_items=num_log_entries or None, progress=progress,
        )
        entries = [entry async for entry in stored]
        if dest is not None:
            with atomic_open(dest, "w") as out:
                for entry in entries:
                    out.write(json.dumps(entry.to_json_dict(), sort_keys=True) + "\n")
        return entries

    async def iter_robot_part_logs(
        self,
        robot_part_id: str,
        filter: str | None = None,
        log_levels: Sequence[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
        order: LogOrder | int | None = None,
        range: str | None = None,
        page_size: int | None = None,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        checkpoint: PageCheckpoint | None = None,
        retry: RetryOption = DEFAULT,
    ) -> AsyncIterator[LogEntry]:
        """Every stored log entry of a part (newest first unless ``order`` says otherwise), page by page.

        The filters are those of ``get_robot_part_logs``; unlike it, this
        holds one page in memory at a time, so a part's whole history can be
        walked.

        Args:
            robot_part_id: the part.
            filter: keep only entries whose message contains this text.
            log_levels: keep only these levels ("info", "error", ...); empty keeps all.
            start: keep only entries logged at or after this time.
            end: keep only entries logged at or before this time.
            order: ``LogOrder.LOG_ORDER_ASCENDING`` for oldest first; newest first otherwise.
            range: a time range in the app's own notation, passed on as it is.
            page_size: entries asked for per request; None uses the server's default.
            max_items: stop after this many entries; None walks every page.
            progress: told the number of entries handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.
            checkpoint: a ``viam_sdk.paging.PageCheckpoint`` kept up to date with the page and offset of
                each item handed out; pass a saved one to resume the pull where it was.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            An async iterator of ``LogEntry`` objects.

        Raises:
            ValueError: ``log_levels`` is a string, ``page_size`` is not positive
                or ``max_items`` is negative (raised when iteration starts).
            NotFound: no part has that ID.
            PermissionDenied: the credentials do not reach the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            async for entry in fleet.iter_robot_part_logs(part_id, log_levels=("error",)):
                print(entry.time, entry.message)
            ```
        """
        if isinstance(log_levels, str):
            raise ValueError(f"log_levels must be a sequence of level names, not the string {log_levels!r}")
        request = GetRobotPartLogsRequest(
            id=robot_part_id,
            filter=filter or "",
            page_token="",  # set, as viam-sdk 0.85.1 sets it (present and empty differ on the wire)
            levels=list(log_levels),
            start=start,
            end=end,
            order=LogOrder(order) if order is not None else None,
            range=range,
        )
        async for entry in self._paged(
            self._app_client.get_robot_part_logs,
            request,
            each(LogEntry.from_proto),
            page_size=page_size,
            max_items=max_items,
            progress=progress,
            timeout=timeout,
            checkpoint=checkpoint,
        ):
            yield entry

    async def tail_robot_part_logs(
        self,
        robot_part_id: str,
        errors_only: bool = True,
        filter: str | None = None,
        *,
        timeout: float | None = None,
        resume: bool = True,
        retry: RetryOption = DEFAULT,
    ) -> LogsStream[list[LogEntry]]:
        """A live stream of a part's new log entries, in batches.

        The subscription is open once the call returns: entries the part logs from
        then on are delivered, even if the first read comes later.  When the
        connection is lost (the app restarts), or the app drops a tail that fell
        behind (``ResourceExhausted``), the stream subscribes again and first
        hands out the entries stored in between (read back by time), none twice; the
        stream's ``resumed`` and ``gap_filled`` count the re-subscriptions and those entries.

        Args:
            robot_part_id: the part.
            errors_only: True keeps only error entries; False streams every level.
            filter: keep only entries whose message contains this text; None keeps all.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            resume: False ends the stream with ``Unavailable`` when the connection is lost,
                instead of subscribing again and filling the gap.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``LogsStream`` yielding lists of ``LogEntry`` (one list per batch the server sends);
            close it (or leave its ``async for``) to unsubscribe.

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials do not reach the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            stream = await fleet.tail_robot_part_logs(part_id, errors_only=False)
            async for batch in stream:
                for entry in batch:
                    print(entry.level, entry.message)
            ```
        """
        request = TailRobotPartLogsRequest(id=robot_part_id, errors_only=errors_only, filter=filter or "")
        # Subscribed once this returns: an entry the part pushes from now on is
        # delivered, even if the first read comes later.
        if resume:
            return await resuming_tail(
                self._channel, self._metadata, self._app_client.policy, self.iter_robot_part_logs, request
            )
        responses = self._app_client.tail_robot_part_logs(request)
        await responses.start()
        return LogsStream(_log_batches(responses))
