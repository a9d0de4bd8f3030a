"""Workload 7: one cold import, in the fresh process this module runs in.

``python -m bench.importer <client>`` runs ``from <module> import ViamClient`` for the
client's module and prints a JSON line with the wall time of that import and the
process's peak memory.  Nothing heavy is imported before the clock starts
(``bench/__init__`` is empty).
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time

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


def main(argv: list[str]) -> int:
    client = argv[1]
    module = TARGETS[client]
    t0 = time.perf_counter()
    try:
        # Like `from <module> import ViamClient`: a lazily exported class counts too.
        _ = importlib.import_module(module).ViamClient
    except (ImportError, AttributeError) as exc:
        print(json.dumps({"status": "n/a", "reason": f"not built yet ({module}: {exc})"}))
        return 0
    seconds = time.perf_counter() - t0
    peak = _peak_kib()
    print(json.dumps({"status": "ok", "seconds": seconds, "peak_rss_kib": peak, "extra": {"module": module}}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
