"""Telling the reference's positional forms from viam-sdk 0.85.1's by the values' types.

Where the reference and 0.85.1 put different parameters at the same position
(tests/reference/position_conflicts.txt), a call written for either SDK binds
its values to our (the reference's) names.  These helpers look at what arrived
and, when only 0.85.1's reading fits the types, move the values to where that
reading puts them.  When both readings fit and mean different things, they
raise a TypeError naming both forms.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any


class UploadedFileId(str):
    """The ID an upload returns: the binary data ID (as viam-sdk 0.85.1), with ``.file_id``.

    The reference documents the value as the upload's file ID; the binary data
    ID ends with it (``<org>/<location>/<file id>``) and is what every by-ID
    method takes, so 0.85.1-era scripts keep working, and ``.file_id`` gives
    the reference's bare file ID.
    """

    file_id: str

    def __new__(cls, file_id: str, binary_data_id: str) -> UploadedFileId:
        value = super().__new__(cls, binary_data_id or file_id)
        value.file_id = file_id
        return value

    @property
    def binary_data_id(self) -> str:
        return str(self)


def _is_time_pair(value: Any) -> bool:
    return (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, datetime.datetime) for v in value)
    )


def _is_pair_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(_is_time_pair(v) for v in value)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def _fits(value: Any, kind: str) -> bool:
    if value is None:
        return True
    if kind == "mapping":
        return isinstance(value, Mapping)
    if kind == "strs":
        return _is_str_list(value)
    if kind == "pair":
        return _is_time_pair(value)
    return _is_pair_list(value)  # "pairs"


def tabular_upload_args(
    method_parameters: Any, tags: Any, data_request_times: Any
) -> tuple[Any, Any, Any]:
    """``(method_parameters, tags, data_request_times)`` for either positional form.

    The reference's 6th..8th positions are (method_parameters, tags,
    data_request_times); 0.85.1's are (data_request_times, method_parameters, tags).
    """
    reference = _fits(method_parameters, "mapping") and _fits(tags, "strs") and _fits(data_request_times, "pairs")
    official = _fits(method_parameters, "pairs") and _fits(tags, "mapping") and _fits(data_request_times, "strs")
    same = method_parameters is None and tags is None and data_request_times is None
    if reference and official and not same:
        raise TypeError(
            "tabular_data_capture_upload: cannot tell the positional forms apart from "
            f"({method_parameters!r}, {tags!r}, {data_request_times!r}): the reference's is "
            "(..., method_parameters, tags, data_request_times), viam-sdk 0.85.1's is "
            "(..., data_request_times, method_parameters, tags); pass them by keyword"
        )
    if official and not reference:
        return tags, data_request_times, method_parameters
    return method_parameters, tags, data_request_times


def binary_upload_args(data_request_times: Any, dataset_ids: Any) -> tuple[Any, Any]:
    """``(data_request_times, dataset_ids)`` when the 9th positional value may be 0.85.1's ``dataset_ids``."""
    if data_request_times is None or _is_time_pair(data_request_times):
        return data_request_times, dataset_ids
    if _is_str_list(data_request_times) and dataset_ids is None:
        if not data_request_times:
            return None, []  # an empty list: no datasets and no times either way
        return None, list(data_request_times)
    raise TypeError(
        "binary_data_capture_upload: the 9th argument is neither the reference's data_request_times "
        f"(a (requested, received) pair of datetimes) nor viam-sdk 0.85.1's dataset_ids (a list of "
        f"strings) alone: got {data_request_times!r}"
    )


def by_ids_args(dest: Any, include_binary_data: bool) -> tuple[str | None, bool]:
    """``(dest, include_binary_data)`` when the 2nd positional value may be 0.85.1's bool.

    A path and a bool cannot be mistaken for each other, so this never has to guess.
    """
    if isinstance(dest, bool):
        return None, dest and include_binary_data
    return dest, include_binary_data


def unwrap_ids(ids: Sequence[Any]) -> list[Any]:
    """Binary IDs with any ``UploadedFileId`` replaced by its binary data ID."""
    return [i.binary_data_id if isinstance(i, UploadedFileId) else i for i in ids]


def organization(organization_id: str, org_id: str | None, method: str) -> str:
    """The organization id given as ``organization_id`` or as the reference examples'
    older keyword ``org_id`` (exactly one of them).

    Raises:
        TypeError: neither is given, or both with different values.
    """
    if org_id is not None:
        if organization_id and organization_id != org_id:
            raise TypeError(
                f"{method}() got organization_id={organization_id!r} and org_id={org_id!r}: give one of them"
            )
        return org_id
    if not organization_id:
        raise TypeError(f"{method}() needs the organization id (organization_id, or org_id= as the reference writes it)")
    return organization_id


def page_args(limit: int | str | None, last: str | None, method: str) -> tuple[int | None, str | None]:
    """``(limit, last)`` when the 2nd positional value may be the page token.

    The reference's pagination examples call ``method(my_filter, last)``, with the
    token where ``limit`` stands.  A limit is an int and a token a str, so a str
    there is read as the token.

    Raises:
        TypeError: a token arrived there and as ``last`` too.
    """
    if not isinstance(limit, str):
        return limit, last
    if last is not None:
        raise TypeError(
            f"{method}() got a page token where limit stands ({limit!r}) and last={last!r}: "
            "pass the token once, as last= (or second, as the reference's examples do)"
        )
    return None, limit
