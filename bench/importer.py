"""Workload 7: one cold import, in the fresh process this module runs in.

``python -m bench.importer <client>`` runs ``from <module> import ViamClient`` for the
client's module and prints a JSON line with the wall and CPU time of that import
and the process's peak memory.  Nothing heavy is imported before the clock starts
(``bench/__init__`` is empty).

It also says how the import met bytecode: how many of the modules it loaded from
source files had to be compiled during the import (their ``.pyc`` is newer than the
clock's start, or absent), so a run that measured compilation shows it.  The
runner compiles both SDKs beforehand, so this should be zero for every client.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
from typing import Any

#: What each client's user writes first: the module holding ViamClient.
TARGETS = {
    "ours-async": "viam_sdk.app.viam_client",
    "ours-sync": "viam_sdk.sync",
    "official": "viam.app.viam_client",
}


def _peak_kib() -> int:
    """Peak resident set of this process image (VmHWM; ru_maxrss survives exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def _bytecode(before: set[str], since: float) -> dict[str, Any]:
    """How the modules this import loaded from ``.py`` files met their bytecode."""
    loaded = compiled = missing = 0
    for name, mod in list(sys.modules.items()):
        spec = getattr(mod, "__spec__", None)
        if name in before or spec is None or not (spec.origin or "").endswith(".py") or not spec.cached:
            continue
        loaded += 1
        try:
            if os.stat(spec.cached).st_mtime >= since:
                compiled += 1
        except OSError:
            missing += 1
    return {
        "modules_from_source_files": loaded,
        "modules_compiled_during_import": compiled,
        "modules_without_pyc": missing,
        "dont_write_bytecode": sys.flags.dont_write_bytecode,
    }


def main(argv: list[str]) -> int:
    client = argv[1]
    module = TARGETS[client.split("@", 1)[0]]  # ours-async@editable imports what ours-async does
    before = set(sys.modules)
    since = time.time()
    c0 = time.process_time()
    t0 = time.perf_counter()
    try:
        # Like `from <module> import ViamClient`: a lazily exported class counts too.
        _ = importlib.import_module(module).ViamClient
    except (ImportError, AttributeError) as exc:
        print(json.dumps({"status": "n/a", "reason": f"not built yet ({module}: {exc})"}))
        return 0
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0
    peak = _peak_kib()
    from bench.processes import PURE_ENV  # after the clock: not part of the import measured

    extra: dict[str, Any] = {
        "module": module,
        **_bytecode(before, since),
        "pure_env": os.environ.get(PURE_ENV, ""),
    }
    print(
        json.dumps(
            {
                "status": "ok",
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "peak_rss_kib": peak,
                "extra": extra,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
