"""The data the runner produces and the report reads: what to run, and what came back.

Both ``bench.runner`` and ``bench.report`` import this module; neither imports the
other's internals for these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.config import CLIENTS, Sizes
from bench.registry import Workload


@dataclass
class Plan:
    """One invocation of ``python -m bench``."""

    sizes: Sizes
    reps: int
    workloads: tuple[Workload, ...]
    smoke: bool
    out: Path
    command: str
    clients: tuple[str, ...] = CLIENTS
    #: ``--pure``: our clients' workers get VIAM_API_PURE_PYTHON=1 (compiled codec off).
    pure: bool = False


@dataclass
class Outcome:
    """Every worker result, grouped by workload then client."""

    results: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    #: 1-minute load average of the machine before and after the run (other work on
    #: the machine shows up in every figure; this says how much there was).
    load: dict[str, float] = field(default_factory=dict)
    #: What was done to the packages' bytecode before measuring (see bench.processes).
    bytecode: dict[str, Any] = field(default_factory=dict)
    #: Fingerprints of our packages' code at the start and the end of the run
    #: (bench.processes.source_fingerprint); they differ if it was edited meanwhile.
    sources: dict[str, str] = field(default_factory=dict)
    #: Seconds each seeding step took, by workload ("fleet": the shared machine).
    seed_seconds: dict[str, float] = field(default_factory=dict)

    def add(self, result: dict[str, Any]) -> None:
        by_client = self.results.setdefault(result["workload"], {})
        by_client.setdefault(result["client"], []).append(result)
