"""``python -m bench [--smoke] [--reps N] [--only KEY ...] [--pure] [--out FILE]``."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.config import FULL, SMOKE
from bench.processes import PURE_ENV
from bench.registry import BY_KEY, WORKLOADS
from bench.results import Plan
from bench.runner import execute

DEFAULT_OUT = Path(__file__).resolve().parent / "results.json"
DEFAULT_REPS = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run each workload through our async SDK, our sync SDK and the official viam-sdk "
        "against one local emulator; print medians and write the figures as JSON.",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes, one repetition (seconds, for tests)"
    )
    parser.add_argument(
        "--reps", type=int, default=None, help=f"repetitions per client (default {DEFAULT_REPS}; smoke 1)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="KEY",
        choices=sorted(BY_KEY),
        help="run only these workloads: " + ", ".join(w.key for w in WORKLOADS),
    )
    parser.add_argument(
        "--pure",
        action="store_true",
        help=f"run our clients with the compiled codec switched off ({PURE_ENV}=1 in their workers)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON output (default {DEFAULT_OUT})")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    reps = args.reps if args.reps is not None else (1 if args.smoke else DEFAULT_REPS)
    if reps < 1:
        print(f"bench: --reps must be at least 1, not {reps}", file=sys.stderr)
        return 2
    workloads = tuple(w for w in WORKLOADS if not args.only or w.key in args.only)
    shown = ["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)]
    plan = Plan(
        sizes=SMOKE if args.smoke else FULL,
        reps=reps,
        workloads=workloads,
        smoke=args.smoke,
        out=args.out,
        command=shlex.join(shown),
        pure=args.pure,
    )
    execute(plan)
    return 0


if __name__ == "__main__":
    sys.exit(main())
