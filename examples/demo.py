"""`make demo`: a tour of the SDK against a local Viam cloud emulator.

Starts the emulator on a free loopback port with a throw-away SQLite file,
then runs the fleet tour and the data tour twice each: once with the async SDK
(``viam_sdk``) and once with the blocking one (``viam_sdk.sync``).  Every step
is a real gRPC call; nothing is mocked.

To run the same tours against the real cloud instead, see the docstrings of
examples/fleet_tour.py and examples/data_tour.py (they need only an API key).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import data_tour  # noqa: E402
import fleet_tour  # noqa: E402

from viam_sdk.testing import Emulator  # noqa: E402


def banner(text: str) -> None:
    print()
    print("=" * 72)
    print(text)
    print("=" * 72)


def main() -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="viam-demo-") as tmp:
        with Emulator.in_thread(db=str(Path(tmp) / "cloud.db")) as emu:
            creds = emu.bootstrap
            banner(f"Local Viam cloud emulator listening on {emu.app_url}")
            print(f"organization {creds.org_id}; API key id {creds.api_key_id} (the key itself stays hidden)")

            banner("Fleet tour, async SDK (viam_sdk)")
            asyncio.run(fleet_tour.run_async(emu.app_url, creds.api_key_id, creds.api_key))
            banner("Fleet tour, blocking SDK (viam_sdk.sync)")
            fleet_tour.run_sync(emu.app_url, creds.api_key_id, creds.api_key)

            banner("Data tour, async SDK (viam_sdk)")
            asyncio.run(data_tour.run_async(emu.app_url, creds.api_key_id, creds.api_key))
            banner("Data tour, blocking SDK (viam_sdk.sync)")
            data_tour.run_sync(emu.app_url, creds.api_key_id, creds.api_key)
    banner(f"Demo finished in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
