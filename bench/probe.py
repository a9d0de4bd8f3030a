"""Clock and memory readings taken inside a worker process.

A workload calls :meth:`Probe.start` once its warm-up is over and :meth:`Probe.stop`
when the measured part is done.  Memory is the process's resident set: its value
right before the clock starts and its high-water mark during the measured part.
CPU time is the client process's own (all its threads), so it leaves out what the
emulator spends, which the wall time includes.

On Linux the high-water mark is ``VmHWM`` from ``/proc/self/status``, reset at the
start by writing ``5`` to ``/proc/self/clear_refs``, so neither the warm-up nor the
imports count.  (``ru_maxrss`` is not used there: it survives ``exec``, so a child
would report its parent's peak when that is higher.)  Elsewhere ``ru_maxrss`` is the
fallback, which includes everything since the process started.
"""

from __future__ import annotations

import gc
import resource
import sys
import time
from typing import Any


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _ru_maxrss_kib() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak // 1024 if sys.platform == "darwin" else peak


def current_rss_kib() -> int:
    """Resident set size of this process right now, in KiB."""
    value = _status_kib("VmRSS")
    return value if value is not None else _ru_maxrss_kib()


def peak_rss_kib() -> int:
    """High-water mark of this process's resident set (since the last reset), in KiB."""
    value = _status_kib("VmHWM")
    return value if value is not None else _ru_maxrss_kib()


def reset_peak() -> bool:
    """Sets the high-water mark back to the current resident set (Linux only)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


class Probe:
    """Brackets the measured part of one workload run."""

    def __init__(self) -> None:
        self._t0: float | None = None
        self._t1: float | None = None
        self._cpu0 = 0.0
        self.cpu_seconds = 0.0
        self.base_rss_kib = 0
        self.peak_rss_kib = 0
        self.peak_was_reset = False
        self.extra: dict[str, Any] = {}

    def start(self) -> None:
        gc.collect()
        self.peak_was_reset = reset_peak()
        self.base_rss_kib = current_rss_kib()
        self._cpu0 = time.process_time()
        self._t0 = time.perf_counter()

    def stop(self) -> None:
        self._t1 = time.perf_counter()
        self.cpu_seconds = time.process_time() - self._cpu0
        self.peak_rss_kib = peak_rss_kib()

    @property
    def seconds(self) -> float:
        if self._t0 is None or self._t1 is None:
            raise RuntimeError("the workload never started or never stopped its clock")
        return self._t1 - self._t0

    def result(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "seconds": self.seconds,
            "cpu_seconds": self.cpu_seconds,
            "base_rss_kib": self.base_rss_kib,
            "peak_rss_kib": self.peak_rss_kib,
            "peak_above_base_kib": max(0, self.peak_rss_kib - self.base_rss_kib),
            "peak_was_reset": self.peak_was_reset,
            "extra": self.extra,
        }
