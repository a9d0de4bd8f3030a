"""A local Viam cloud for tests, demos and offline development.

``Emulator`` serves the generated AuthService, AppService, RobotService and the
data, billing, ML-training and provisioning services over grpclib, with all
state in SQLite.  Run it from a shell with
``python -m viam_sdk.testing serve --port 8080 --db fleet.db``, in-process with
``async with Emulator() as emu``, or from pytest through the fixtures of
``viam_sdk.testing.pytest_plugin``.
"""

from .auth import Identity
from .context import Bootstrap, EmulatorContext
from .server import SERVICE_MODULES, Emulator
from .store import Store

__all__ = ["SERVICE_MODULES", "Bootstrap", "Emulator", "EmulatorContext", "Identity", "Store"]
