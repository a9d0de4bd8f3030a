"""``python -m bench [--smoke] [--reps N] [--only KEY ...] [--pure] [--ours wheel|editable ...] [--out FILE]``."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.config import FULL, SMOKE
from bench.installs import DEFAULT_VENV, DEFAULT_WHEEL, KINDS, Install, InstallError, prepare
from bench.processes import PURE_ENV
from bench.registry import BY_KEY, WORKLOADS
from bench.results import Plan, clients_for
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
    parser.add_argument(
        "--ours",
        nargs="+",
        choices=KINDS,
        default=None,
        help="which builds of our SDK to measure, in one run: 'wheel' (--wheel installed in --bench-venv, "
        "as users install it) and/or 'editable' (this checkout); default: editable.  `make bench` "
        "gives 'wheel editable'",
    )
    parser.add_argument(
        "--wheel", type=Path, default=DEFAULT_WHEEL, help=f"the wheel, or the folder of it (default {DEFAULT_WHEEL})"
    )
    parser.add_argument(
        "--bench-venv",
        type=Path,
        default=DEFAULT_VENV,
        help=f"the venv the wheel is installed in, with the official SDK (default {DEFAULT_VENV})",
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
    installs: tuple[Install, ...] = ()
    if args.ours:
        try:
            installs = tuple(prepare(args.ours, args.wheel, args.bench_venv))
        except InstallError as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 2
    shown = ["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)]
    plan = Plan(
        sizes=SMOKE if args.smoke else FULL,
        reps=reps,
        workloads=workloads,
        smoke=args.smoke,
        out=args.out,
        command=shlex.join(shown),
        pure=args.pure,
        installs=installs,
        clients=clients_for(installs),
    )
    try:
        execute(plan)
    except InstallError as exc:  # a build that cannot be imported as it should
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
