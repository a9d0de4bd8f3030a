"""The data the runner produces and the report reads: what to run, and what came back.

Both ``bench.runner`` and ``bench.report`` import this module; neither imports the
other's internals for these types.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.config import CLIENTS, OFFICIAL, OURS_ASYNC, OURS_SYNC, VARIANT_MARK, Sizes, variant
from bench.installs import Install
from bench.registry import Workload


def clients_for(installs: tuple[Install, ...]) -> tuple[str, ...]:
    """The columns: our two clients from the first build, then from each further build, then the official."""
    ours = [OURS_ASYNC, OURS_SYNC]
    for install in installs[1:]:
        ours += [variant(OURS_ASYNC, install.kind), variant(OURS_SYNC, install.kind)]
    return (*ours, OFFICIAL)


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
    #: The builds of our SDK to measure (``--ours``); none: this interpreter's, plain names.
    installs: tuple[Install, ...] = ()

    def python_for(self, client: str) -> str:
        """The interpreter a client's processes run in: its build's (the official SDK: the first build's)."""
        if not self.installs:
            return sys.executable
        _, _, kind = client.partition(VARIANT_MARK)
        return next((i.python for i in self.installs if i.kind == kind), self.installs[0].python)


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
    #: The builds of our SDK as probed in their interpreters (where viam_sdk is, which codec).
    installs: list[dict[str, Any]] = field(default_factory=list)

    def add(self, result: dict[str, Any]) -> None:
        by_client = self.results.setdefault(result["workload"], {})
        by_client.setdefault(result["client"], []).append(result)
