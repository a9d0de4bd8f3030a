"""What the route guard answers for a handler's failure (viam_sdk.testing.errors)."""

from __future__ import annotations

import logging
import math
import sqlite3

import pytest
from grpclib.const import Status
from viam_api.app.v1 import ChargeOrganizationRequest, GetRobotPartLogsRequest

from viam_sdk.testing.errors import out_of_range_fields, translated

ROUTE = "/viam.app.v1.BillingService/ChargeOrganization"


def test_an_overflow_names_the_fields_out_of_range(caplog: pytest.LogCaptureFixture) -> None:
    request = ChargeOrganizationRequest(org_id_to_charge="o", subtotal=1e308, tax=math.nan)
    error = translated(ROUTE, OverflowError("cannot convert float infinity to integer"), request)
    assert error.status is Status.INVALID_ARGUMENT
    assert "subtotal" in str(error.message) and "tax" in str(error.message)
    assert [r.getMessage().count("\n") for r in caplog.records] == [0] and not caplog.records[0].exc_info


def test_numbers_past_sqlite_integers_are_found_inside_messages() -> None:
    request = GetRobotPartLogsRequest(id="p", levels=["info"])
    assert out_of_range_fields(request) == []
    assert out_of_range_fields({"a": [1, 2**63], "b": -(2**63)}) == ["['a'][1]"]


def test_a_lock_is_unavailable_and_recursion_invalid() -> None:
    locked = translated(ROUTE, sqlite3.OperationalError("database is locked"), None)
    assert locked.status is Status.UNAVAILABLE and "retry" in str(locked.message)
    deep = translated(ROUTE, RecursionError("maximum recursion depth exceeded"), None)
    assert deep.status is Status.INVALID_ARGUMENT and "nested" in str(deep.message)
    # a SQLite error that is not about a lock is not mistaken for one
    assert translated(ROUTE, sqlite3.OperationalError("no such table: x"), None).status is Status.INTERNAL


def test_anything_else_is_internal_and_keeps_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    error = translated(ROUTE, KeyError("secret-looking-key"), None)
    assert error.status is Status.INTERNAL and error.message == "internal error in the emulator (KeyError)"
    assert caplog.records and caplog.records[0].exc_info is not None
