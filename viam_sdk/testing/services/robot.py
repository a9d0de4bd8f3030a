"""RobotService of the emulator (placeholder until Log is implemented)."""

from __future__ import annotations

from viam_api._runtime import ServiceBase
from viam_api.app.v1 import RobotServiceBase

from ..context import EmulatorContext

SCHEMA = ""


class RobotService(RobotServiceBase):
    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [RobotService(ctx)]
