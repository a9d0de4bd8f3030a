"""A local Viam cloud for tests, demos and offline development.

``Emulator`` serves the generated AuthService, AppService, RobotService and the
data, billing, ML-training and provisioning services over grpclib, with all
state in SQLite (a file keeps the fleet across restarts; ``":memory:"`` does not).

Three ways to run it:

* shell: ``python -m viam_sdk.testing serve --port 8080 --db fleet.db`` prints
  the bootstrap organization id, API key id and API key (``--json`` for one
  JSON object; the key only when the database is made: it is stored hashed)
  and serves until interrupted;
* in-process: ``async with Emulator() as emu:`` -- ``emu.app_url``,
  ``emu.bootstrap.api_key_id``/``api_key``; ``Emulator.in_thread()`` is the
  blocking twin for synchronous code;
* pytest: ``pytest_plugins = ["viam_sdk.testing.pytest_plugin"]`` gives the
  ``emulator`` and ``emulator_thread`` fixtures, and ``shared_emulator`` (one
  emulator for the session, ``Emulator.reset()`` before each test).

State can be kept: ``emu.export_snapshot(path)`` / ``emu.load_snapshot(path)``, and
``python -m viam_sdk.testing export --db FILE --out SNAP.json`` / ``serve --load SNAP.json``
(``viam_sdk.testing.snapshot``).

Example, with the SDK:

```python
async with Emulator() as emu:
    opts = DialOptions.with_api_key(emu.bootstrap.api_key, emu.bootstrap.api_key_id)
    client = await ViamClient.create_from_dial_options(opts, app_url=emu.app_url)
```

Access follows the real service: every call needs a bearer token from
AuthService/Authenticate; an API key reaches what its roles name, a location
secret its location, a part secret its part.  ``Emulator.add_organization``,
``add_user`` and ``auth_metadata`` help tests set up other callers;
``MachinePart`` plays a machine part (logs, check-ins, uploads) with the part's own secret.
``Emulator.faults`` (``Faults``) makes chosen calls fail, stall or cut their streams;
``python -m viam_sdk.testing exec -- CMD`` runs a command against a fresh emulator.
"""

from .auth import Identity
from .context import Bootstrap, EmulatorContext
from .faults import FaultRuleError, Faults
from .part import MachinePart
from .server import SERVICE_MODULES, Emulator
from .store import Store

__all__ = [
    "SERVICE_MODULES",
    "Bootstrap",
    "Emulator",
    "EmulatorContext",
    "FaultRuleError",
    "Faults",
    "Identity",
    "MachinePart",
    "Store",
]
