"""``DataClient`` methods that read one resource's captured readings: the export stream and the latest reading.

Both name the resource the way a machine does (part, resource name, resource API
such as ``rdk:component:sensor``, capture method).  ``export_tabular_data`` returns
``DataClient.TabularDataPoint`` items, defined here and attached to ``DataClient``
in ``viam_sdk.app.data_client``.
"""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from viam_api.app.data.v1 import CaptureInterval, ExportTabularDataRequest, GetLatestTabularDataRequest

from viam_sdk.app._convert import dict_to_struct, naive_utc, struct_to_dict
from viam_sdk.app._data._base import DataClientBase
from viam_sdk.app._data.queries import ValueTypes
from viam_sdk.progress import ProgressCallback, Reporter
from viam_sdk.rpc._policy import DEFAULT, RetryOption


@dataclass
class TabularDataPoint:
    """One exported reading of a resource, with where and when it was captured.

    ``payload`` is the reading and ``method_parameters`` the capture method's
    arguments, both as plain dicts; ``time_captured`` is a naive datetime in UTC (as the
    official SDK gives it).
    Two points are equal when every field is.
    """

    part_id: str
    resource_name: str
    resource_api: str  # e.g. "rdk:component:sensor"
    method_name: str  # e.g. "Readings"
    time_captured: datetime.datetime
    organization_id: str
    location_id: str
    robot_name: str
    robot_id: str
    part_name: str
    method_parameters: Mapping[str, ValueTypes]
    tags: list[str]
    payload: Mapping[str, ValueTypes]

    def __str__(self) -> str:
        return (
            f"TabularDataPoint(machine {self.robot_name!r} ({self.robot_id}), part {self.part_name!r} "
            f"({self.part_id}), {self.resource_api} {self.resource_name!r}.{self.method_name} "
            f"at {self.time_captured.isoformat()}, org {self.organization_id}, location {self.location_id}, "
            f"parameters {dict(self.method_parameters)}, tags {list(self.tags)}: {dict(self.payload)})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TabularDataPoint):
            return NotImplemented
        return str(self) == str(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    @property
    def resource_subtype(self) -> str:
        """Deprecated spelling of ``resource_api``."""
        warnings.warn(
            "TabularDataPoint.resource_subtype is deprecated: read resource_api instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.resource_api


# What an unset capture time reads as (``Timestamp.ToDatetime()`` of an empty Timestamp).
_EPOCH = datetime.datetime(1970, 1, 1)


def _params(additional_params: Mapping[str, Any] | None) -> Any:
    return dict_to_struct(additional_params) if additional_params is not None else None


def export_request(
    part_id: str,
    resource_name: str,
    resource_api: str,
    method_name: str,
    start_time: datetime.datetime | None,
    end_time: datetime.datetime | None,
    additional_params: Mapping[str, Any] | None,
) -> ExportTabularDataRequest:
    """The request of ``ExportTabularData`` for one resource's readings in ``[start_time, end_time]``."""
    return ExportTabularDataRequest(
        part_id=part_id,
        resource_name=resource_name,
        resource_subtype=resource_api,
        method_name=method_name,
        interval=CaptureInterval(start=start_time, end=end_time),
        additional_parameters=_params(additional_params),
    )


class Captures(DataClientBase):
    """A resource's readings: exported over a time range, or the latest one."""

    async def export_tabular_data(
        self,
        part_id: str,
        resource_name: str,
        resource_api: str,
        method_name: str,
        start_time: datetime.datetime | None = None,
        end_time: datetime.datetime | None = None,
        additional_params: Mapping[str, ValueTypes] | None = None,
        *,
        timeout: float | None = None,
        progress: ProgressCallback | None = None,
        retry: RetryOption = DEFAULT,
    ) -> list[TabularDataPoint]:
        """Every reading one resource captured between ``start_time`` and ``end_time``, oldest first.

        The server streams the readings; they are collected into a list here.

        Args:
            part_id: the machine part that captured them.
            resource_name: the component or service name, e.g. ``"thermometer"``.
            resource_api: its API, e.g. ``"rdk:component:sensor"``.
            method_name: the capture method, e.g. ``"Readings"``.
            start_time: the earliest time received to include (None: no lower bound).
            end_time: the latest time received to include (None: no upper bound).
            additional_params: the capture method's parameters, when it has any.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.
            progress: told the number of **rows** received so far (the total at the end).

        Returns:
            One ``DataClient.TabularDataPoint`` per reading.

        Raises:
            NotFound: the part is not one the caller can see.
            PermissionDenied: the credentials do not reach the part's data.

        Examples:
            ```python
            from datetime import datetime, timedelta, timezone

            data = viam_client.data_client
            yesterday = datetime.now(timezone.utc) - timedelta(days=1)
            points = await data.export_tabular_data(
                part_id, "thermometer", "rdk:component:sensor", "Readings", start_time=yesterday)
            temps = [p.payload["readings"]["celsius"] for p in points]
            ```
        """
        request = export_request(part_id, resource_name, resource_api, method_name, start_time, end_time, additional_params)
        reporter = Reporter(progress)
        points: list[TabularDataPoint] = []
        async for item in self._data_client.export_tabular_data(request):
            reporter.add(1)
            points.append(
                TabularDataPoint(
                    part_id=item.part_id,
                    resource_name=item.resource_name,
                    resource_api=item.resource_subtype,
                    method_name=item.method_name,
                    time_captured=naive_utc(item.time_captured) or _EPOCH,
                    organization_id=item.organization_id,
                    location_id=item.location_id,
                    robot_name=item.robot_name,
                    robot_id=item.robot_id,
                    part_name=item.part_name,
                    method_parameters=struct_to_dict(item.method_parameters),
                    tags=list(item.tags),
                    payload=struct_to_dict(item.payload),
                )
            )
        reporter.finish()
        return points

    async def get_latest_tabular_data(
        self,
        part_id: str,
        resource_name: str,
        resource_api: str,
        method_name: str,
        additional_params: Mapping[str, ValueTypes] | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> tuple[datetime.datetime, datetime.datetime, dict[str, ValueTypes]] | None:
        """The newest reading one resource captured.

        Args:
            part_id: the machine part that captured it.
            resource_name: the component or service name, e.g. ``"thermometer"``.
            resource_api: its API, e.g. ``"rdk:component:sensor"``.
            method_name: the capture method, e.g. ``"Readings"``.
            additional_params: the capture method's parameters, when it has any.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            (time captured, time synced, the reading as a dict), the times naive UTC; or None when the
            server has no reading of that resource (the cloud looks at the last year's syncs only).

        Raises:
            NotFound: the part is not visible to the caller.

        Examples:
            ```python
            data = viam_client.data_client
            latest = await data.get_latest_tabular_data(
                part_id, "thermometer", "rdk:component:sensor", "Readings")
            if latest is not None:
                captured, synced, reading = latest
            ```
        """
        response = await self._data_client.get_latest_tabular_data(
            GetLatestTabularDataRequest(
                part_id=part_id,
                resource_name=resource_name,
                resource_subtype=resource_api,
                method_name=method_name,
                additional_parameters=_params(additional_params),
            )
        )
        if response.payload is None or response.time_captured is None or response.time_synced is None:
            return None
        return (
            naive_utc(response.time_captured),
            naive_utc(response.time_synced),
            struct_to_dict(response.payload),
        )
