"""Helpers that scripts written for the official SDK import from ``viam.utils``.

The reference documents build data filters with ``create_filter`` and type SQL
and MQL result values as ``ValueTypes``; ``struct_to_dict`` and
``dict_to_struct`` turn a ``google.protobuf.Struct`` into a plain ``dict`` and
back.  After ``viam.`` becomes ``viam_sdk.`` such imports keep working:

```python
from viam_sdk.utils import create_filter

flt = create_filter(component_name="camera-1", tags=["inspected"])
images, count, last = await viam.data_client.binary_data_by_filter(flt, limit=20)
```

Importing this module is cheap: the generated message modules each helper
needs load the first time it is called.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from viam_api.app.data.v1 import Filter
    from viam_api.google.protobuf import Struct, Value

__all__ = [
    "ValueTypes",
    "create_filter",
    "dict_to_struct",
    "primitive_to_value",
    "struct_to_dict",
    "value_to_primitive",
]

# What one value of a SQL or MQL result row (or of a Struct) can be, as plain Python.
ValueTypes = Union[None, bool, int, float, str, bytes, datetime.datetime, list[Any], dict[str, Any]]  # noqa: UP007


def create_filter(
    component_name: str | None = None,
    component_type: str | None = None,
    method: str | None = None,
    robot_name: str | None = None,
    robot_id: str | None = None,
    part_name: str | None = None,
    part_id: str | None = None,
    location_ids: list[str] | None = None,
    organization_ids: list[str] | None = None,
    mime_type: list[str] | None = None,
    start_time: datetime.datetime | None = None,
    end_time: datetime.datetime | None = None,
    tags: list[str] | None = None,
    bbox_labels: list[str] | None = None,
    dataset_id: str | None = None,
) -> Filter:
    """A data ``Filter`` built from keyword arguments; each one left out narrows nothing.

    The same filter as ``DataClient.create_filter`` builds: ``start_time`` and
    ``end_time`` bound when the data was captured, ``tags`` keeps data that
    carries any of them, list arguments match any of their members.

    Raises:
        TypeError: a list argument was given a single string (the message
            names the argument), which would otherwise match its letters one by one.

    Examples:
        ```python
        from datetime import datetime, timedelta, timezone

        since = datetime.now(timezone.utc) - timedelta(hours=1)
        flt = create_filter(part_id=part_id, mime_type=["image/jpeg"], start_time=since)
        ```
    """
    from viam_api.app.data.v1 import CaptureInterval, Filter, TagsFilter

    lists = {
        "location_ids": location_ids,
        "organization_ids": organization_ids,
        "mime_type": mime_type,
        "tags": tags,
        "bbox_labels": bbox_labels,
    }
    for name, value in lists.items():
        if isinstance(value, (str, bytes)):
            raise TypeError(f"{name} must be a list of strings, not the single string {value!r}")
    interval = None
    if start_time is not None or end_time is not None:
        interval = CaptureInterval(start=start_time, end=end_time)
    return Filter(
        component_name=component_name or "",
        component_type=component_type or "",
        method=method or "",
        robot_name=robot_name or "",
        robot_id=robot_id or "",
        part_name=part_name or "",
        part_id=part_id or "",
        location_ids=list(location_ids or []),
        organization_ids=list(organization_ids or []),
        mime_type=list(mime_type or []),
        interval=interval,
        tags_filter=TagsFilter(tags=list(tags)) if tags else None,
        bbox_labels=list(bbox_labels or []),
        dataset_id=dataset_id or "",
    )


def struct_to_dict(struct: Struct | None) -> dict[str, Any]:
    """A ``Struct`` as a plain ``dict`` (numbers as floats; None gives ``{}``).

    Examples:
        ```python
        assert struct_to_dict(dict_to_struct({"speed": 2})) == {"speed": 2.0}
        ```
    """
    from viam_sdk.app._convert import struct_to_dict as convert

    return convert(struct)


def dict_to_struct(obj: Mapping[str, Any] | None) -> Struct:
    """A mapping with string keys as a ``Struct`` (None gives an empty one).

    Raises:
        TypeError: a key is not a string, or a value has no JSON form (the
            message names it).
    """
    from viam_sdk.app._convert import dict_to_struct as convert

    return convert({} if obj is None else obj)


def primitive_to_value(value: Any) -> Value:
    """One plain Python value (None, bool, number, str, list, dict) as a ``google.protobuf.Value``.

    Raises:
        TypeError: the value has no JSON form (the message names its type).
    """
    from viam_sdk.app._convert import python_to_value

    return python_to_value(value)


def value_to_primitive(value: Value) -> Any:
    """A ``google.protobuf.Value`` as plain Python (numbers as floats)."""
    from viam_sdk.app._convert import value_to_python

    return value_to_python(value)
