"""The emulator's one module of errors: every refusal is a typed GRPCError of one status.

Handlers raise ``InvalidArgument(...)``, ``NotFound(...)``, ...; ``fail(status, message)``
(the app handlers' spelling) raises the same classes.  A caller over the wire sees only the
status and the message, so the end-to-end check is that an emulator's refusal still arrives
with both.
"""

from __future__ import annotations

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.v1 import AppServiceStub, GetOrganizationRequest

from viam_sdk.testing.errors import (
    AlreadyExists,
    EmulatorError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    error_for,
    fail,
)


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (InvalidArgument, Status.INVALID_ARGUMENT),
        (NotFound, Status.NOT_FOUND),
        (AlreadyExists, Status.ALREADY_EXISTS),
        (PermissionDenied, Status.PERMISSION_DENIED),
    ],
)
def test_each_class_carries_its_status_and_fail_raises_it(kind: type[EmulatorError], status: Status) -> None:
    error = kind("robot 'r1' not found")
    assert isinstance(error, GRPCError)
    assert (error.status, error.message) == (status, "robot 'r1' not found")
    with pytest.raises(kind) as raised:
        fail(status, "the message")
    assert (raised.value.status, raised.value.message) == (status, "the message")


def test_a_status_without_a_class_is_still_a_grpc_error() -> None:
    error = error_for(Status.DATA_LOSS, "gone")
    assert type(error) is GRPCError
    assert (error.status, error.message) == (Status.DATA_LOSS, "gone")


async def test_a_refusal_reaches_the_caller_with_its_status_and_message(app: AppServiceStub) -> None:
    with pytest.raises(GRPCError) as raised:
        await app.get_organization(GetOrganizationRequest(organization_id="no-such-org"))
    assert raised.value.status == Status.NOT_FOUND
    assert "no-such-org" in (raised.value.message or "")
