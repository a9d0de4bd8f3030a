"""``AppClient`` auto-paging iterators: a part's logs and history, a fragment's history.

Each ``iter_*`` method hands out items one by one across every page (``async
for``; a plain ``for`` on the blocking client), through the generic pager of
``viam_sdk.paging``.  ``page_size`` is items per request (None: the
server's default), ``max_items`` stops early (None: all), ``progress`` (a
``viam_sdk.progress.ProgressCallback``) is told the number of **items**
handed out after each page, ``timeout`` is seconds for each request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from viam_api.app.v1 import (
    GetFragmentHistoryRequest,
    GetRobotPartHistoryRequest,
    GetRobotPartLogsRequest,
    LogOrder,
)

from viam_sdk.app._app._base import AppClientBase
from viam_sdk.app._app.types import FragmentHistoryEntry, LogEntry, RobotPartHistoryEntry
from viam_sdk.paging import check_page_size, iter_items, paged_rpc
from viam_sdk.progress import ProgressCallback

__all__ = ["Paging"]

_LOGS = "/viam.app.v1.AppService/GetRobotPartLogs"
_PART_HISTORY = "/viam.app.v1.AppService/GetRobotPartHistory"
_FRAGMENT_HISTORY = "/viam.app.v1.AppService/GetFragmentHistory"


class Paging(AppClientBase):
    """The auto-paging iterators of ``AppClient``."""

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
        check_page_size(page_size)
        stub = self._app_client

        def call(req: GetRobotPartLogsRequest) -> Any:
            return stub.get_robot_part_logs(req, timeout=timeout)

        def entry(_response: Any, item: Any) -> LogEntry:
            return LogEntry.from_proto(item)

        request = GetRobotPartLogsRequest(
            id=robot_part_id,
            filter=filter or "",
            levels=list(log_levels),
            start=start,
            end=end,
            order=LogOrder(order) if order is not None else None,
            range=range,
        )
        async for item in iter_items(
            call, request, paged_rpc(_LOGS), entry, page_size=page_size, max_items=max_items, progress=progress
        ):
            yield item

    async def iter_robot_part_history(
        self,
        robot_part_id: str,
        start: datetime | None = None,
        end: datetime | None = None,
        page_size: int | None = None,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[RobotPartHistoryEntry]:
        """Every earlier state of a part, newest first, across all pages.

        Args:
            robot_part_id: the part.
            start: keep only changes made at or after this time; None sets no lower bound.
            end: keep only changes made before this time; None sets no upper bound.
            page_size: entries asked for per request; None uses the server's default.
            max_items: stop after this many entries; None walks every page.
            progress: told the number of history entries handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.

        Returns:
            An async iterator of ``RobotPartHistoryEntry`` objects.

        Raises:
            ValueError: ``page_size`` is not positive or ``max_items`` is negative.
            NotFound: no part has that ID.
            PermissionDenied: the credentials do not reach the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            async for change in fleet.iter_robot_part_history(part_id):
                print(change.when, change.edited_by)
            ```
        """
        check_page_size(page_size)
        stub = self._app_client

        def call(req: GetRobotPartHistoryRequest) -> Any:
            return stub.get_robot_part_history(req, timeout=timeout)

        def entry(_response: Any, item: Any) -> RobotPartHistoryEntry:
            return RobotPartHistoryEntry.from_proto(item)

        request = GetRobotPartHistoryRequest(id=robot_part_id, start=start, end=end)
        async for item in iter_items(
            call, request, paged_rpc(_PART_HISTORY), entry, page_size=page_size, max_items=max_items,
            progress=progress,
        ):
            yield item

    async def iter_fragment_history(
        self,
        id: str,
        page_size: int | None = None,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[FragmentHistoryEntry]:
        """Every earlier version of a fragment, newest first, across all pages.

        Args:
            id: the fragment.
            page_size: entries asked for per request; None uses the server's default.
            max_items: stop after this many entries; None walks every page.
            progress: told the number of versions handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.

        Returns:
            An async iterator of ``FragmentHistoryEntry`` objects.

        Raises:
            ValueError: ``page_size`` is not positive or ``max_items`` is negative.
            NotFound: no fragment has that ID.

        Examples:
            ```python
            fleet = viam_client.app_client
            versions = [v async for v in fleet.iter_fragment_history(fragment_id)]
            ```
        """
        check_page_size(page_size)
        stub = self._app_client

        def call(req: GetFragmentHistoryRequest) -> Any:
            return stub.get_fragment_history(req, timeout=timeout)

        def entry(_response: Any, item: Any) -> FragmentHistoryEntry:
            return FragmentHistoryEntry.from_proto(item)

        async for item in iter_items(
            call, GetFragmentHistoryRequest(id=id), paged_rpc(_FRAGMENT_HISTORY), entry, page_size=page_size,
            max_items=max_items, progress=progress,
        ):
            yield item
