"""One measured run (or, in smoke mode, a short list of runs) in a fresh process.

``python -m bench.worker`` reads one JSON object on stdin::

    {"env": {...BenchEnv...}, "sizes": {...Sizes...},
     "runs": [{"workload": "tabular", "client": "ours-async"}, ...]}

and prints one line per run, ``RESULT {json}``, with ``status`` "ok" and the
figures, or ``status`` "n/a" / "error" with a ``reason``.  The spec travels on stdin
so that no credential shows up in a process listing.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
import traceback
from typing import Any

from bench.clients import NotBuilt, Unsupported
from bench.config import OFFICIAL, Sizes, base_client
from bench.env import BenchEnv
from bench.probe import Probe
from bench.registry import BY_KEY

RESULT_PREFIX = "RESULT "


def _grpc_reason(exc: BaseException) -> str | None:
    """A short reason for an UNIMPLEMENTED answer (a piece of the emulator not built)."""
    try:
        from grpclib.const import Status
        from grpclib.exceptions import GRPCError
    except ImportError:  # pragma: no cover - grpclib is a dependency
        return None
    if isinstance(exc, GRPCError) and exc.status == Status.UNIMPLEMENTED:
        return f"not built yet (emulator: {exc.message})"
    return None


def run_one(workload: str, client: str, env: BenchEnv, sizes: Sizes) -> dict[str, Any]:
    probe = Probe()
    try:
        fn = BY_KEY[workload].resolve(base_client(client))
        if inspect.iscoroutinefunction(fn):
            asyncio.run(fn(env, sizes, probe))
        else:
            fn(env, sizes, probe)
        result = probe.result()
    except NotBuilt as exc:
        result = {"status": "n/a", "reason": f"not built yet ({exc})"}
    except Unsupported as exc:
        result = {"status": "n/a", "reason": str(exc)}
    except Exception as exc:  # noqa: BLE001 - every failure becomes a row, never a crash
        unimplemented = _grpc_reason(exc)
        if unimplemented:
            result = {"status": "n/a", "reason": unimplemented}
        else:
            text = f"{type(exc).__name__}: {exc}"[:300]
            # The official SDK failing is a finding about it; ours failing is a bug to show.
            status = "n/a" if client == OFFICIAL else "error"
            result = {"status": status, "reason": f"failed: {text}"}
            traceback.print_exc(file=sys.stderr)
        result["extra"] = probe.extra
    result["workload"] = workload
    result["client"] = client
    return result


def main() -> int:
    spec = json.loads(sys.stdin.read())
    env = BenchEnv.from_json(spec["env"])
    sizes = Sizes.from_json(spec["sizes"])
    for run in spec["runs"]:
        result = run_one(run["workload"], run["client"], env, sizes)
        print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
