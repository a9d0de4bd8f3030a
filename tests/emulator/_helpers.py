"""Helpers shared by the emulator tests."""

from __future__ import annotations

from dataclasses import dataclass

from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.v1 import RobotServiceStub
from viam_api.rpc.v1 import AuthenticateRequest, AuthServiceStub, Credentials


async def token_metadata(channel: Channel, entity: str, kind: str, payload: str) -> dict[str, str]:
    """Authenticate through AuthService and return the bearer metadata."""
    resp = await AuthServiceStub(channel).authenticate(
        AuthenticateRequest(entity=entity, credentials=Credentials(type=kind, payload=payload))
    )
    return {"authorization": f"Bearer {resp.access_token}"}


@dataclass
class Fleet:
    org_id: str
    location_id: str
    robot_id: str
    part_id: str
    part_secret: str
    location_secret: str


def robot_stub(channel: Channel, metadata: dict[str, str]) -> RobotServiceStub:
    return RobotServiceStub(channel, metadata=metadata)


class raises_status:
    """``with raises_status(Status.NOT_FOUND, "abc"):`` -- a GRPCError with that status (and text)."""

    def __init__(self, status: Status, *needles: str) -> None:
        self.status = status
        self.needles = needles
        self.error: GRPCError | None = None

    def __enter__(self) -> raises_status:
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> bool:
        if exc is None:
            raise AssertionError(f"expected GRPCError {self.status.name}, nothing was raised")
        if not isinstance(exc, GRPCError):
            return False
        assert exc.status is self.status, f"expected {self.status.name}, got {exc.status.name}: {exc.message}"
        for needle in self.needles:
            assert needle in str(exc.message), f"{needle!r} not in {exc.message!r}"
        self.error = exc
        return True
