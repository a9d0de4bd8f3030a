"""Workload 6: ``tail_robot_part_logs`` while a part pushes log entries.

A pusher process (``bench.pusher``) posing as the machine part sends marker entries
until the client under test has seen one (so its tail is surely live); the clock
starts then, the pusher sends the bulk, and the clock stops when every bulk entry
has reached the client.  The tail asks for every level (``errors_only=False``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from bench.clients import (
    NotBuilt,
    close_async,
    close_sync,
    connect_official,
    connect_ours_async,
    connect_ours_sync,
    ours_attr,
)
from bench.config import Sizes
from bench.env import BenchEnv
from bench.probe import Probe
from bench.processes import child_env
from bench.pusher import BULK_PREFIX, MARKER
from bench.workloads.data import need


class _Pusher:
    """The pusher subprocess, started before the client connects."""

    def __init__(self, env: BenchEnv, sizes: Sizes) -> None:
        need(env, "tail")
        if not env.part_secret:
            raise NotBuilt("no part secret from the emulator (GetRobotPart)")
        # The same pusher whichever client is measured: never with our client's --pure.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.pusher"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        spec = {
            "host": env.host,
            "port": env.port,
            "part_id": env.part_id,
            "part_secret": env.part_secret,
            "entries": sizes.log_entries,
            "batch": sizes.log_batch,
        }
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(spec) + "\n")
        self.proc.stdin.flush()
        self.started = False

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        self.started = True

    def finish(self) -> None:
        assert self.proc.stdin is not None
        try:
            if not self.started:
                self.proc.stdin.write("stop\n")
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class _Counter:
    """Counts bulk entries; starts the clock and the bulk on the first marker."""

    def __init__(self, pusher: _Pusher, probe: Probe, want: int) -> None:
        self.pusher, self.probe, self.want = pusher, probe, want
        self.got = 0
        self.batches = 0

    def feed(self, batch: list[Any]) -> bool:
        """Takes one batch; True once every bulk entry has arrived."""
        if self.pusher.started:
            self.batches += 1
        for entry in batch:
            message = entry.message
            if message.startswith(BULK_PREFIX):
                self.got += 1
            elif message == MARKER and not self.pusher.started:
                self.probe.start()
                self.pusher.go()
        if self.got >= self.want:
            self.probe.stop()
            self.probe.extra.update(
                entries=self.got, batches=self.batches, entries_per_s=self.got / self.probe.seconds
            )
            return True
        return False


async def _tail_async(app: Any, ours: bool, env: BenchEnv, pusher: _Pusher, probe: Probe, want: int) -> None:
    tail = (ours_attr if ours else getattr)(app, "tail_robot_part_logs")
    stream = await tail(env.part_id, errors_only=False)
    counter = _Counter(pusher, probe, want)
    async for batch in stream:
        if counter.feed(batch):
            break
    if counter.got < want:
        raise RuntimeError(f"the tail ended after {counter.got} of {want} entries")


async def tail_ours_async(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    pusher = _Pusher(env, sizes)
    try:
        client = await connect_ours_async(env)
        try:
            await _tail_async(ours_attr(client, "app_client"), True, env, pusher, probe, sizes.log_entries)
        finally:
            await close_async(client)
    finally:
        pusher.finish()


def tail_ours_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    pusher = _Pusher(env, sizes)
    try:
        client = connect_ours_sync(env)
        try:
            tail = ours_attr(ours_attr(client, "app_client"), "tail_robot_part_logs")
            stream = tail(env.part_id, errors_only=False)
            counter = _Counter(pusher, probe, sizes.log_entries)
            for batch in stream:
                if counter.feed(batch):
                    break
            close = getattr(stream, "close", None)
            if close is not None:
                close()
            if counter.got < sizes.log_entries:
                raise RuntimeError(f"the tail ended after {counter.got} of {sizes.log_entries} entries")
        finally:
            close_sync(client)
    finally:
        pusher.finish()


async def tail_official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
    pusher = _Pusher(env, sizes)
    try:
        client = await connect_official(env)
        try:
            await _tail_async(client.app_client, False, env, pusher, probe, sizes.log_entries)
        finally:
            await close_async(client)
    finally:
        pusher.finish()
