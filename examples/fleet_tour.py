"""A tour of fleet management with the SDK, async and blocking.

``make demo`` runs it against a local emulator.  It works the same against the
real Viam cloud: create an organization API key (owner role) in the Viam app,
then run::

    export VIAM_API_KEY=...           # the key itself
    export VIAM_API_KEY_ID=...        # its ID (a UUID)
    export VIAM_ORG_ID=...            # optional: the organization to use
    python examples/fleet_tour.py     # add --sync for the blocking SDK

(``VIAM_APP_URL`` picks another app; by default it is app.viam.com over TLS.)
The tour makes a location of its own, with a machine in it, and deletes all it
made at the end, so it leaves a real organization as it found it.

Steps: create a location, a machine and a second part; give the part a config
and save it to a file; push log lines as the part itself (with the part's own
secret, through viam_sdk.testing.MachinePart) while tailing them live; read them back; make,
change and delete a fragment; make an API key scoped to the location, give it
a role, look at the grants; tidy up.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from viam_sdk import ViamClient
from viam_sdk.app.app_client import APIKeyAuthorization, LogEntry
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import MachinePart

TAG = "fleet-tour"
PART_CONFIG = {
    "components": [
        {"name": "left-wheel", "type": "motor", "model": "fake", "attributes": {"max_rpm": 120}},
        {"name": "front-cam", "type": "camera", "model": "fake", "attributes": {"fps": 15}},
    ]
}


class Report:
    """The lines the tour prints, kept so callers can show or check them."""

    def __init__(self, title: str) -> None:
        self.lines: list[str] = [title]
        print(title)

    def __call__(self, text: str) -> None:
        line = f"  - {text}"
        self.lines.append(line)
        print(line, flush=True)

    def __str__(self) -> str:
        return "\n".join(self.lines)


def _log_lines(part_name: str, round_: int) -> list[LogEntry]:
    now = datetime.now(timezone.utc)

    def line(level: str, logger: str, message: str) -> LogEntry:
        return LogEntry(host=part_name, level=level, time=now, logger_name=logger, message=message,
                        caller=None, stack="", fields=[])

    return [
        line("info", TAG, f"{TAG}: wheels ready ({round_})"),
        line("error", TAG, f"{TAG}: camera lost frame ({round_})"),
        line("info", "other", "unrelated chatter"),
    ]


async def _push_logs_async(app_url: str | None, part_id: str, secret: str, entries: list[LogEntry]) -> None:
    """Send log lines the way the machine part itself does (its own ID and secret)."""
    async with await MachinePart.connect(app_url, part_id, secret) as machine:
        await machine.push_logs(entries)


def _push_logs_sync(app_url: str | None, part_id: str, secret: str, entries: list[LogEntry]) -> None:
    """The same from a plain thread (the blocking tour's pusher), on an event loop of its own."""
    asyncio.run(_push_logs_async(app_url, part_id, secret, entries))


async def _org_id(viam: ViamClient) -> str:
    chosen = os.environ.get("VIAM_ORG_ID")
    if chosen:
        return chosen
    orgs = await viam.app_client.list_organizations()
    if not orgs:
        raise SystemExit("this API key reaches no organization")
    return orgs[0].id


async def run_async(app_url: str | None, api_key_id: str, api_key: str) -> str:
    """The tour with the async SDK; returns (and prints) the report."""
    report = Report(f"Fleet tour (async SDK) against {app_url or 'app.viam.com'}")
    opts = DialOptions.with_api_key(api_key, api_key_id)
    async with await ViamClient.create_from_dial_options(opts, app_url) as viam:
        fleet = viam.app_client
        org_id = await _org_id(viam)
        org = await fleet.get_organization(org_id)
        report(f"connected to organization {org.name!r}")

        location = await fleet.create_location(org_id, f"{TAG}-{int(time.time())}")
        report(f"created location {location.name!r} ({location.id})")
        try:
            robot_id = await fleet.new_robot("tour-rover", location_id=location.id)
            part_id = await fleet.new_robot_part(robot_id, "tour-rover-arm")
            parts = await fleet.get_robot_parts(robot_id)
            report(f"machine 'tour-rover' has {len(parts)} parts: {', '.join(p.name for p in parts)}")

            await fleet.update_robot_part(part_id, "tour-rover-arm", robot_config=PART_CONFIG)
            with tempfile.TemporaryDirectory() as tmp:
                saved = Path(tmp) / "tour-rover-arm.json"
                part = await fleet.get_robot_part(part_id, dest=str(saved))
                components = json.loads(saved.read_text())["components"]
                report(f"config saved to a file: {len(components)} components ({saved.stat().st_size} bytes)")

            stream = await fleet.tail_robot_part_logs(part_id, errors_only=False, filter=TAG)
            reader = asyncio.ensure_future(stream.next())
            # The tail starts listening on its first read; push until it hears us.
            for round_ in range(1, 51):
                await _push_logs_async(app_url, part_id, part.secrets[0].secret, _log_lines(part.name, round_))
                done, _ = await asyncio.wait({reader}, timeout=0.2)
                if done:
                    break
            batch = (reader.result() or []) if reader.done() else []
            if not reader.done():
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)
            await stream.close()
            report(f"live tail received {len(batch)} matching lines: " + "; ".join(f"[{e.level}] {e.message}" for e in batch))
            stored = await fleet.get_robot_part_logs(part_id, filter=TAG, log_levels=["error"], num_log_entries=5)
            report(f"stored error lines read back: {len(stored)}")

            fragment = await fleet.create_fragment(org_id, f"{TAG}-camera-kit", config={"components": PART_CONFIG["components"][1:]})
            fragment = await fleet.update_fragment(fragment.id, fragment.name, config={"components": PART_CONFIG["components"]})
            report(f"fragment {fragment.name!r} now holds {len((fragment.fragment or {}).get('components', []))} components")
            await fleet.delete_fragment(fragment.id)
            report("fragment deleted")

            key, key_id = await fleet.create_key(
                org_id,
                [APIKeyAuthorization(role="operator", resource_type="location", resource_id=location.id)],
                f"{TAG} operator key",
            )
            report(f"API key {key_id} made for the location (the key itself is not shown)")
            await fleet.add_role(org_id, key_id, "owner", "robot", robot_id)
            grants = await fleet.list_authorizations(org_id, resource_ids=[location.id, robot_id])
            report("grants: " + ", ".join(sorted(f"{g.authorization_id}" for g in grants if g.identity_id == key_id)))
            await fleet.remove_role(org_id, key_id, "owner", "robot", robot_id)
            await fleet.delete_key(key_id)
            report("role removed and API key deleted")

            await fleet.delete_robot(robot_id)
            report("machine deleted")
        finally:
            await fleet.delete_location(location.id)
            report("location deleted: the organization is as it was")
    return str(report)


def run_sync(app_url: str | None, api_key_id: str, api_key: str) -> str:
    """The same tour with the blocking SDK (``viam_sdk.sync``); returns (and prints) the report."""
    from viam_sdk.sync import ViamClient as SyncViamClient

    report = Report(f"Fleet tour (blocking SDK) against {app_url or 'app.viam.com'}")
    opts = DialOptions.with_api_key(api_key, api_key_id)
    with SyncViamClient.create_from_dial_options(opts, app_url) as viam:
        fleet = viam.app_client
        org_id = os.environ.get("VIAM_ORG_ID") or fleet.list_organizations()[0].id
        report(f"connected to organization {fleet.get_organization(org_id).name!r}")

        location = fleet.create_location(org_id, f"{TAG}-sync-{int(time.time())}")
        report(f"created location {location.name!r} ({location.id})")
        try:
            robot_id = fleet.new_robot("tour-rover", location_id=location.id)
            part_id = fleet.new_robot_part(robot_id, "tour-rover-arm")
            report(f"machine 'tour-rover' has {len(fleet.get_robot_parts(robot_id))} parts")

            fleet.update_robot_part(part_id, "tour-rover-arm", robot_config=PART_CONFIG)
            with tempfile.TemporaryDirectory() as tmp:
                saved = Path(tmp) / "tour-rover-arm.json"
                part = fleet.get_robot_part(part_id, dest=str(saved))
                report(f"config saved to a file: {len(json.loads(saved.read_text())['components'])} components")

            stream = fleet.tail_robot_part_logs(part_id, errors_only=False, filter=TAG)
            heard = threading.Event()
            pusher = _background_pusher(lambda n: _push_logs_sync(app_url, part_id, part.secrets[0].secret,
                                                                 _log_lines(part.name, n)), heard)
            batch = stream.next() or []  # blocks until the first batch arrives
            heard.set()
            pusher.join()
            stream.close()
            report(f"live tail received {len(batch)} matching lines: " + "; ".join(f"[{e.level}] {e.message}" for e in batch))
            stored = fleet.get_robot_part_logs(part_id, filter=TAG, log_levels=["error"], num_log_entries=5)
            report(f"stored error lines read back: {len(stored)}")

            fragment = fleet.create_fragment(org_id, f"{TAG}-sync-kit", config=PART_CONFIG)
            fragment = fleet.update_fragment(fragment.id, fragment.name, public=False)
            report(f"fragment {fragment.name!r} ({fragment.visibility.value})")
            fleet.delete_fragment(fragment.id)
            report("fragment deleted")

            key, key_id = fleet.create_key(
                org_id, [APIKeyAuthorization(role="operator", resource_type="location", resource_id=location.id)]
            )
            fleet.add_role(org_id, key_id, "owner", "robot", robot_id)
            grants = [g.authorization_id for g in fleet.list_authorizations(org_id, [location.id, robot_id])
                      if g.identity_id == key_id]
            report(f"API key {key_id} grants: {', '.join(sorted(grants))}")
            fleet.remove_role(org_id, key_id, "owner", "robot", robot_id)
            fleet.delete_key(key_id)
            report("role removed and API key deleted")

            fleet.delete_robot(robot_id)
            report("machine deleted")
        finally:
            fleet.delete_location(location.id)
            report("location deleted: the organization is as it was")
    return str(report)


def _background_pusher(push: Callable[[int], None], heard: threading.Event) -> threading.Thread:
    """Push a round of log lines every 0.2 s (at most 50) until the tail has heard one."""

    def run() -> None:
        for round_ in range(1, 51):
            push(round_)
            if heard.wait(0.2):
                return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def main() -> int:
    api_key, api_key_id = os.environ.get("VIAM_API_KEY"), os.environ.get("VIAM_API_KEY_ID")
    if not api_key or not api_key_id:
        print("set VIAM_API_KEY and VIAM_API_KEY_ID (see this file's docstring)", file=sys.stderr)
        return 2
    app_url = os.environ.get("VIAM_APP_URL")
    if "--sync" in sys.argv[1:]:
        run_sync(app_url, api_key_id, api_key)
    else:
        asyncio.run(run_async(app_url, api_key_id, api_key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
