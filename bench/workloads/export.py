"""Workloads 13-16: bulk binary export to a folder, with and without 50 ms of added round trip.

* ``export-small`` / ``export-small-50ms``: {export_small_files} small images (seeded once,
  their own component);
* ``export-large`` / ``export-large-50ms``: {export_large_files} files of 4 MiB.

Ours: ``DataClient.export_binary_data(dest, filter, parallel=N)`` for each N of
``Sizes.export_parallels`` (1, 4, 8, 32), each into a fresh folder; the row's time is
the run at ``parallel=8`` (the default), and files/s and MB/s are reported for every N.
The official SDK (0.85.1) has no bulk export: it runs its documented loop,
``binary_data_by_filter(filter, last=last)`` pages (its default page, bytes included)
until one comes back empty, each file's bytes written to a file of its own.  It has
no parallel knob, so its one figure stands in every ``parallel`` row.

The ``-50ms`` variants put ``bench.latency`` (its own process) between the client and
the emulator: every byte of the gRPC connection, and of the signed-URL downloads
(through ``http_proxy``, which urllib honours), is held 25 ms each way.  Both SDKs
cross the same relay.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.clients import (
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
from bench.workloads.data import need

SMALL_COMPONENT = "bench-export-small"
LARGE_COMPONENT = "bench-export-large"
#: One way of the added round trip, in seconds (50 ms there and back).
ONE_WAY_DELAY = 0.025
#: The ``parallel`` whose run is the row's time.
HEADLINE_PARALLEL = 8


def _set(env: BenchEnv, sizes: Sizes, large: bool) -> tuple[str, int, int]:
    """(component, files, bytes) of the small or the large set."""
    need(env, "export-large" if large else "export-small")
    if large:
        return LARGE_COMPONENT, sizes.export_large_files, sizes.export_large_files * sizes.export_large_bytes
    return SMALL_COMPONENT, sizes.export_small_files, sizes.export_small_files * sizes.export_small_bytes


@contextlib.contextmanager
def _path(env: BenchEnv, delayed: bool) -> Iterator[BenchEnv]:
    """``env`` as is, or pointed at a ``bench.latency`` relay (and ``http_proxy`` set) while inside."""
    if not delayed:
        yield env
        return
    relay = subprocess.Popen(
        [sys.executable, "-m", "bench.latency", "--target", env.address, "--delay", str(ONE_WAY_DELAY)],
        stdout=subprocess.PIPE,
        text=True,
    )
    saved = {k: os.environ.get(k) for k in ("http_proxy", "no_proxy")}
    try:
        assert relay.stdout is not None
        ports = json.loads(relay.stdout.readline())
        os.environ["http_proxy"] = f"http://127.0.0.1:{ports['http_proxy']}"
        os.environ.pop("no_proxy", None)
        yield dataclasses.replace(env, port=int(ports["tcp"]))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        relay.terminate()
        relay.wait(timeout=10)


def _record(probe: Probe, parallel: int, seconds: float, files: int, nbytes: int) -> None:
    probe.extra[f"seconds_p{parallel}"] = seconds
    probe.extra[f"files_per_s_p{parallel}"] = files / seconds
    probe.extra[f"mb_per_s_p{parallel}"] = nbytes / seconds / 1e6


def _start(probe: Probe, scratch: str, parallel: int) -> Path:
    """A fresh folder for one export; the probe's clock starts for the headline ``parallel``."""
    if parallel == HEADLINE_PARALLEL:
        probe.start()
    probe.extra["_t0"] = time.perf_counter()
    return Path(scratch) / f"p{parallel}"


def _finish(probe: Probe, dest: Path, parallel: int, summary: Any, files: int, nbytes: int) -> None:
    took = time.perf_counter() - probe.extra.pop("_t0")
    if parallel == HEADLINE_PARALLEL:
        probe.stop()
    _check(summary, files, nbytes)
    probe.extra["via_signed_url"] = summary.via_signed_url
    _record(probe, parallel, took, files, nbytes)
    shutil.rmtree(dest)


def _check(summary: Any, files: int, nbytes: int) -> None:
    if summary.failed or summary.files != files or summary.bytes != nbytes:
        raise RuntimeError(
            f"expected {files} files, {nbytes} bytes; got {summary.files}, {summary.bytes}, failed {summary.failed[:2]}"
        )


async def _ours_async(env: BenchEnv, sizes: Sizes, probe: Probe, large: bool, delayed: bool) -> None:
    component, files, nbytes = _set(env, sizes, large)
    with _path(env, delayed) as reach, tempfile.TemporaryDirectory(prefix="bench-export-") as scratch:
        client = await connect_ours_async(reach)
        try:
            data = ours_attr(client, "data_client")
            export = ours_attr(data, "export_binary_data")
            flt = data.create_filter(component_name=component)
            await data.binary_data_by_filter(flt, limit=1, include_binary_data=False)  # warm the connection
            for parallel in sizes.export_parallels:
                dest = _start(probe, scratch, parallel)
                summary = await export(dest, flt, parallel=parallel)
                _finish(probe, dest, parallel, summary, files, nbytes)
        finally:
            await close_async(client)


def _ours_sync(env: BenchEnv, sizes: Sizes, probe: Probe, large: bool, delayed: bool) -> None:
    component, files, nbytes = _set(env, sizes, large)
    with _path(env, delayed) as reach, tempfile.TemporaryDirectory(prefix="bench-export-") as scratch:
        client = connect_ours_sync(reach)
        try:
            data = ours_attr(client, "data_client")
            export = ours_attr(data, "export_binary_data")
            flt = data.create_filter(component_name=component)
            data.binary_data_by_filter(flt, limit=1, include_binary_data=False)
            for parallel in sizes.export_parallels:
                dest = _start(probe, scratch, parallel)
                summary = export(dest, flt, parallel=parallel)
                _finish(probe, dest, parallel, summary, files, nbytes)
        finally:
            close_sync(client)


async def _official(env: BenchEnv, sizes: Sizes, probe: Probe, large: bool, delayed: bool) -> None:
    from viam.utils import create_filter

    component, files, nbytes = _set(env, sizes, large)
    with _path(env, delayed) as reach, tempfile.TemporaryDirectory(prefix="bench-export-") as scratch:
        client = await connect_official(reach)
        try:
            data = client.data_client
            flt = create_filter(component_name=component)
            await data.binary_data_by_filter(flt, limit=1, include_binary_data=False)
            dest = Path(scratch)
            probe.start()
            written = total = 0
            last = None
            while True:  # the loop its documentation shows, each file written as it comes
                page, _count, last = await data.binary_data_by_filter(flt, last=last)
                if not page:
                    break
                for item in page:
                    meta = item.metadata
                    name = f"{meta.binary_data_id.replace('/', '_')}{meta.file_ext}"
                    with open(dest / name, "wb") as handle:
                        handle.write(item.binary)
                    written += 1
                    total += len(item.binary)
            probe.stop()
            if (written, total) != (files, nbytes):
                raise RuntimeError(f"expected {files} files, {nbytes} bytes; wrote {written}, {total}")
            for parallel in sizes.export_parallels:  # one sequential loop: the same figure in every row
                _record(probe, parallel, probe.seconds, files, nbytes)
        finally:
            await close_async(client)


def _entries(large: bool, delayed: bool) -> tuple[Any, Any, Any]:
    """The three clients' functions of one workload (the registry names them ``<stem>_<client>``)."""

    async def ours_async(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
        await _ours_async(env, sizes, probe, large=large, delayed=delayed)

    def ours_sync(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
        _ours_sync(env, sizes, probe, large=large, delayed=delayed)

    async def official(env: BenchEnv, sizes: Sizes, probe: Probe) -> None:
        await _official(env, sizes, probe, large=large, delayed=delayed)

    return ours_async, ours_sync, official


small_ours_async, small_ours_sync, small_official = _entries(large=False, delayed=False)
small_delayed_ours_async, small_delayed_ours_sync, small_delayed_official = _entries(
    large=False, delayed=True
)
large_ours_async, large_ours_sync, large_official = _entries(large=True, delayed=False)
large_delayed_ours_async, large_delayed_ours_sync, large_delayed_official = _entries(large=True, delayed=True)
