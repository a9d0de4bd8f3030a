"""A stand-in machine part that pushes log entries (the source for workload 6).

Run as ``python -m bench.pusher`` with a JSON object on stdin's first line
(``host``, ``port``, ``part_id``, ``part_secret``, ``entries``, ``batch``).  It
authenticates as the part, then pushes one ``bench-marker`` entry every 20 ms until
it reads ``go`` on stdin (the consumer has seen a marker, so its tail is live), then
pushes ``entries`` entries named ``bench-bulk <i>`` in batches of ``batch`` through
RobotService/Log, prints ``done`` and exits.  It uses the generated blocking stub, so
its cost is the same whichever client is being measured, and it runs in its own
process so it doesn't share the consumer's interpreter.
"""

from __future__ import annotations

import json
import select
import sys
from datetime import datetime, timezone

from viam_api._runtime import SyncChannel
from viam_api.app.v1 import LogRequest, RobotServiceSyncStub
from viam_api.common.v1 import LogEntry
from viam_api.rpc.v1 import AuthenticateRequest, AuthServiceSyncStub, Credentials

MARKER = "bench-marker"
BULK_PREFIX = "bench-bulk "
MARKER_PERIOD_S = 0.02


def _entry(message: str, now: datetime) -> LogEntry:
    return LogEntry(host="bench-pusher", level="info", time=now, logger_name="bench", message=message)


def main() -> int:
    spec = json.loads(sys.stdin.readline())
    with SyncChannel(spec["host"], int(spec["port"])) as channel:
        auth = AuthServiceSyncStub(channel)
        token = auth.authenticate(
            AuthenticateRequest(
                entity=spec["part_id"],
                credentials=Credentials(type="robot-secret", payload=spec["part_secret"]),
            )
        ).access_token
        robot = RobotServiceSyncStub(channel, metadata={"authorization": f"Bearer {token}"})
        part_id = spec["part_id"]
        print("ready", flush=True)
        while True:
            robot.log(LogRequest(id=part_id, logs=[_entry(MARKER, datetime.now(timezone.utc))]))
            readable, _, _ = select.select([sys.stdin], [], [], MARKER_PERIOD_S)
            if readable:
                line = sys.stdin.readline().strip()
                if line == "go":
                    break
                if line in ("", "stop"):
                    return 0
        entries, batch = int(spec["entries"]), int(spec["batch"])
        sent = 0
        while sent < entries:
            now = datetime.now(timezone.utc)
            n = min(batch, entries - sent)
            robot.log(
                LogRequest(id=part_id, logs=[_entry(f"{BULK_PREFIX}{sent + i}", now) for i in range(n)])
            )
            sent += n
        print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
