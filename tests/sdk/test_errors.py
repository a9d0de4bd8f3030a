"""Typed errors: one class per status family, each a GRPCError, naming the RPC, with no secret in it."""

from __future__ import annotations

import pickle

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError

import viam_sdk.sync
from viam_sdk import errors
from viam_sdk._logging import register_secret
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import Credentials, DialOptions
from viam_sdk.testing import Emulator

FAMILIES = {
    Status.CANCELLED: errors.Cancelled,
    Status.UNKNOWN: errors.Unknown,
    Status.INVALID_ARGUMENT: errors.InvalidArgument,
    Status.DEADLINE_EXCEEDED: errors.DeadlineExceeded,
    Status.NOT_FOUND: errors.NotFound,
    Status.ALREADY_EXISTS: errors.AlreadyExists,
    Status.PERMISSION_DENIED: errors.PermissionDenied,
    Status.RESOURCE_EXHAUSTED: errors.ResourceExhausted,
    Status.FAILED_PRECONDITION: errors.FailedPrecondition,
    Status.ABORTED: errors.Aborted,
    Status.OUT_OF_RANGE: errors.OutOfRange,
    Status.UNIMPLEMENTED: errors.Unimplemented,
    Status.INTERNAL: errors.Internal,
    Status.UNAVAILABLE: errors.Unavailable,
    Status.DATA_LOSS: errors.DataLoss,
    Status.UNAUTHENTICATED: errors.Unauthenticated,
}
ROUTE = "/viam.app.v1.AppService/GetLocation"


@pytest.mark.parametrize("status", list(FAMILIES), ids=lambda s: s.name)
def test_each_status_has_its_class(status: Status) -> None:
    raised = errors.from_grpc_error(GRPCError(status, "what the server said"), ROUTE)
    assert type(raised) is FAMILIES[status] is errors.error_for_status(status)
    assert isinstance(raised, errors.ViamError) and isinstance(raised, GRPCError)
    assert raised.status is status and raised.message == "what the server said"
    assert raised.rpc == ROUTE and raised.method == "GetLocation"
    assert str(raised) == f"{ROUTE}: {status.name}: what the server said"
    assert repr(raised).startswith(f"{FAMILIES[status].__name__}(status={status.name}")
    again = pickle.loads(pickle.dumps(raised))
    assert type(again) is type(raised) and str(again) == str(raised)


def test_a_class_can_be_raised_on_its_own_and_the_base_needs_a_status() -> None:
    assert str(errors.NotFound(message="no such thing")) == "NOT_FOUND: no such thing"
    assert errors.NotFound().status is Status.NOT_FOUND
    with pytest.raises(TypeError, match="ViamError needs a status"):
        errors.ViamError()


def test_credentials_in_a_server_message_are_masked() -> None:
    secret = "s3cr3t-location-secret-value"
    register_secret(secret)
    raised = errors.from_grpc_error(
        GRPCError(Status.INVALID_ARGUMENT, f"bad header 'Bearer abc.def.ghi' and secret={secret} and api_key=xyz123"),
        ROUTE,
    )
    text = f"{raised} {raised!r} {raised.message}"
    assert "abc.def.ghi" not in text and secret not in text and "xyz123" not in text
    assert "Bearer ***" in str(raised)



def test_secrets_registered_between_masks_are_all_masked() -> None:
    # The pattern is rebuilt after each registration (lazily, on the next mask):
    # a secret added after a mask is caught, and the earlier ones still are.
    from viam_sdk._logging import mask_secrets

    first, second, third = "first-secret-0001", "second-secret-0002", "second-secret-0002-longer"
    register_secret(first)
    assert mask_secrets(f"a {first} b") == "a *** b"
    register_secret(second)
    register_secret(third)
    assert mask_secrets(f"{first} {second} {third}") == "*** *** ***"
    register_secret(second)  # a repeat changes nothing
    assert mask_secrets(f"x{third}y") == "x***y"

async def test_sdk_calls_raise_the_typed_errors(emulator: Emulator) -> None:
    boot = emulator.bootstrap
    viam = await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emulator.app_url
    )
    other = emulator.add_organization("Elsewhere")
    try:
        fleet = viam.app_client
        with pytest.raises(errors.NotFound) as missing:
            await fleet.get_location("no-such-location")
        assert missing.value.rpc == ROUTE and "no-such-location" in str(missing.value)
        # ``except GRPCError`` and ``.status`` keep working, as the reference documents.
        with pytest.raises(GRPCError) as denied:
            await fleet.get_organization(other.org_id)
        assert isinstance(denied.value, errors.PermissionDenied) and denied.value.status is Status.PERMISSION_DENIED
        with pytest.raises(errors.InvalidArgument):
            await viam.data_client.tabular_data_by_sql(boot.org_id, "SELEC nonsense")
        # Streams and uploads raise them too.
        with pytest.raises(errors.NotFound):
            await fleet.tail_robot_part_logs("no-such-part")
        with pytest.raises(errors.ViamError) as upload:
            await viam.data_client.file_upload("no-such-part", b"data", file_name="x.bin")
        assert upload.value.rpc is not None and "FileUpload" in upload.value.rpc
    finally:
        viam.close()


async def test_refused_credentials_raise_unauthenticated_without_the_secret(emulator: Emulator) -> None:
    wrong = "not-the-right-key-0123456789"
    opts = DialOptions.with_api_key(wrong, emulator.bootstrap.api_key_id)
    with pytest.raises(errors.Unauthenticated) as refused:
        await ViamClient.create_from_dial_options(opts, emulator.app_url)
    assert refused.value.rpc == "/proto.rpc.v1.AuthService/Authenticate"
    assert wrong not in str(refused.value) and wrong not in repr(refused.value)
    secret_opts = DialOptions(
        auth_entity="rover.nowhere.viam.cloud",
        credentials=Credentials(type="robot-location-secret", payload="a-location-secret-that-is-wrong"),
    )
    with pytest.raises(errors.Unauthenticated) as by_secret:
        await ViamClient.create_from_dial_options(secret_opts, emulator.app_url)
    assert "a-location-secret-that-is-wrong" not in str(by_secret.value)


def test_the_blocking_client_raises_them_too(emulator_thread: Emulator) -> None:
    boot = emulator_thread.bootstrap
    with viam_sdk.sync.ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emulator_thread.app_url
    ) as viam:
        with pytest.raises(errors.NotFound) as missing:
            viam.app_client.get_location("no-such-location")
        assert str(missing.value).startswith(f"{ROUTE}: NOT_FOUND: ")
