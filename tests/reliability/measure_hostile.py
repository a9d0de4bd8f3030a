"""Hostile requests against a real emulator process, and what another organization sees meanwhile.

For each category of issue 18 items 1, 2 and 6 a fresh ``python -m
viam_sdk.testing serve`` process is started; organization A (the bootstrap
one) sends the hostile request over and over for a few seconds while
organization B makes an unrelated call in a loop (``list_locations`` when the
threat is to the event loop; a one-row SQL query when it is to the query
workers).  The figures are B's latency during the attack next to its latency
on the idle process, and what became of the hostile requests.

``tests/reliability/test_hostile_requests.py`` runs it and asserts outcomes
(never durations).  As a script it prints the table, for before/after
comparisons of two checkouts (``PYTHONPATH`` picks which code the client and
the served emulator run)::

    python tests/reliability/measure_hostile.py [--window 3] [--cap 15] [CATEGORY ...]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grpclib.exceptions import GRPCError

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions

try:
    from ._proc import EmulatorProcess
except ImportError:  # run as a script
    from _proc import EmulatorProcess  # type: ignore[no-redef]

# The time budget the served emulator gets (read from the environment by query.budget).
BUDGET_ENV = "VIAM_EMULATOR_QUERY_TIME_BUDGET_S"
BUDGET_S = "3"

ENDLESS_SQL = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) AS n FROM c"
EVIL_NAME = "a" * 28 + "b"  # ^(a+)+$ over it: seconds of backtracking in Python's re
SQUARES = {
    "$reduce": {"input": {"$range": [0, 40]}, "initialValue": 3, "in": {"$multiply": ["$$value", "$$value"]}}
}
MEGA = {
    "$reduce": {"input": {"$range": [0, 20]}, "initialValue": "a", "in": {"$concat": ["$$value", "$$value"]}}
}
R30K = {"$range": [0, 30_000]}


@dataclass
class World:
    """A served emulator with organization A (readings under EVIL_NAME) and an empty organization B."""

    proc: EmulatorProcess
    attacker: ViamClient
    victim: ViamClient
    org_a: str
    org_b: str


@dataclass
class Category:
    name: str
    inputs: str  # what was tried, in words
    probe: str  # "loop" (list_locations) or "worker" (one-row SQL)
    attack: Callable[[World], Awaitable[Any]]
    # What each hostile call may end as (after the fixes): a status name, "answered" or "abandoned".
    expected: frozenset[str] = frozenset({"answered"})
    # Abandon each hostile call after this many seconds (the caller goes away), if set.
    abandon_after: float | None = None
    parallel: int = 1


@dataclass
class Outcome:
    category: str
    idle_ms: list[float]
    during_ms: list[float]
    hostile: list[str] = field(default_factory=list)  # "STATUS in 0.01 s" per hostile call
    probe_errors: list[str] = field(default_factory=list)

    @staticmethod
    def p(values: list[float], q: float) -> float:
        if not values:
            return float("nan")
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def row(self) -> str:
        kinds: dict[str, int] = {}
        for h in self.hostile:
            kinds[h.split(" in ")[0]] = kinds.get(h.split(" in ")[0], 0) + 1
        slowest = max((float(h.split(" in ")[1][:-2]) for h in self.hostile if " in " in h), default=0.0)
        return (
            f"{self.category}: other org p50/p99/max {self.p(self.during_ms, 0.5):.0f}/"
            f"{self.p(self.during_ms, 0.99):.0f}/{max(self.during_ms, default=float('nan')):.0f} ms "
            f"(idle p99 {self.p(self.idle_ms, 0.99):.0f} ms, {len(self.during_ms)} calls); hostile: "
            + ", ".join(f"{n}x {k}" for k, n in kinds.items())
            + f" (slowest {slowest:.2f} s)"
            + (f"; probe errors: {', '.join(self.probe_errors[:2])}" if self.probe_errors else "")
        )


def _mql(stages: list[dict[str, Any]]) -> Callable[[World], Awaitable[Any]]:
    return lambda w: w.attacker.data_client.tabular_data_by_mql(w.org_a, stages)


def _sql(text: str) -> Callable[[World], Awaitable[Any]]:
    return lambda w: w.attacker.data_client.tabular_data_by_sql(w.org_a, text)


CATEGORIES = [
    Category(
        "regex $match",
        f"$match component_name $regex ^(a+)+$ over {len(EVIL_NAME)} characters",
        "loop",
        _mql([{"$match": {"component_name": {"$regex": "^(a+)+$"}}}]),
    ),
    Category(
        "regex $regexMatch",
        "$regexMatch ^(a|aa)*c$ over 40 a's",
        "loop",
        _mql([{"$project": {"m": {"$regexMatch": {"input": "a" * 40, "regex": "^(a|aa)*c$"}}}}]),
    ),
    Category(
        "$pow big integer", "$pow [7, 5000000]", "loop", _mql([{"$project": {"p": {"$pow": [7, 5_000_000]}}}])
    ),
    Category(
        "$multiply squaring", "$reduce squaring 3, 40 times", "loop", _mql([{"$project": {"p": SQUARES}}])
    ),
    Category(
        "$setUnion 30k",
        "$setUnion of two 30,000-item arrays",
        "loop",
        _mql([{"$project": {"u": {"$size": {"$setUnion": [R30K, R30K]}}}}]),
    ),
    Category(
        "$replaceAll 100M",
        "$replaceAll of a 1 M-character string, each char to 100",
        "loop",
        _mql(
            [
                {
                    "$project": {
                        "s": {
                            "$strLenCP": {
                                "$replaceAll": {"input": MEGA, "find": "a", "replacement": "x" * 100}
                            }
                        }
                    }
                }
            ]
        ),
        frozenset({"RESOURCE_EXHAUSTED"}),
    ),
    Category(
        "SQL 1 MB text",
        "SELECT of 1,000,000 characters",
        "loop",
        _sql("SELECT 1 AS one" + " " * 1_000_000),
        frozenset({"INVALID_ARGUMENT"}),
    ),
    Category(
        "SQL ;/* repeated",
        "';/*' x 33,000 (the write check's quadratic case)",
        "loop",
        _sql(";/*" * 33_000),
        frozenset({"INVALID_ARGUMENT"}),
    ),
    Category(
        "SQL quoted function",
        "\"randomblob\"(8), fts3_tokenizer('simple')",
        "loop",
        _sql("SELECT \"randomblob\"(8) AS r, fts3_tokenizer('simple') AS t FROM readings"),
        frozenset({"INVALID_ARGUMENT"}),
    ),
    Category(
        "email 20 kB",
        "GetUserIDByEmail with 'a@' + 20,000 dots + '@'",
        "loop",
        lambda w: w.attacker.app_client.get_user_id_by_email("a@" + "." * 20_000 + "@"),
        frozenset({"INVALID_ARGUMENT"}),
    ),
    Category(
        "abandoned queries",
        "2 endless SQL queries from org A, each abandoned by its caller after 0.3 s",
        "worker",
        _sql(ENDLESS_SQL),
        frozenset({"abandoned"}),
        abandon_after=0.3,
        parallel=2,
    ),
    Category(
        "one org takes every worker",
        "5 endless SQL queries at once from org A",
        "worker",
        _sql(ENDLESS_SQL),
        frozenset({"DEADLINE_EXCEEDED"}),
        parallel=5,
    ),
]


async def _client(boot: dict[str, Any], app_url: str) -> ViamClient:
    # Each hostile request once: no retries.
    options = dataclasses.replace(
        DialOptions.with_api_key(boot["api_key"], boot["api_key_id"]), max_reconnect_attempts=0
    )
    return await ViamClient.create_from_dial_options(options, app_url=app_url)


async def open_world(tmp: Path) -> World:
    proc = EmulatorProcess(tmp / "fleet.db")
    boot = await asyncio.to_thread(proc.start)
    attacker = await _client(boot, proc.app_url)
    victim = await _client(boot, proc.app_url)
    app = attacker.app_client
    org_b = (await app.create_organization("Bystander")).id
    location = await app.create_location(boot["org_id"], "Lab")
    robot = await app.new_robot("rover", location.id)
    part = (await app.get_robot_parts(robot))[0]
    await attacker.data_client.tabular_data_capture_upload(
        [{"readings": {"i": 1}}], part.id, "rdk:component:sensor", EVIL_NAME, "Readings"
    )
    return World(proc, attacker, victim, boot["org_id"], org_b)


async def close_world(world: World) -> None:
    world.attacker.close()
    world.victim.close()
    await asyncio.to_thread(world.proc.stop)


async def _probe_once(world: World, kind: str, cap: float) -> float:
    start = time.perf_counter()
    if kind == "loop":
        await world.victim.app_client.list_locations(world.org_b, timeout=cap)
    else:
        await world.victim.data_client.tabular_data_by_sql(
            world.org_b, "SELECT COUNT(*) AS n FROM readings", timeout=cap
        )
    return (time.perf_counter() - start) * 1000


async def _status_of(call: Awaitable[Any], abandon_after: float | None, cap: float) -> str:
    start = time.perf_counter()
    try:
        await asyncio.wait_for(call, timeout=abandon_after if abandon_after is not None else cap)
        result = "answered"
    except asyncio.TimeoutError:
        result = "abandoned" if abandon_after is not None else "still running at the cap"
    except GRPCError as exc:
        result = exc.status.name
    except Exception as exc:  # the SDK's typed errors carry the status
        status = getattr(exc, "status", None)
        result = getattr(status, "name", type(exc).__name__)
    return f"{result} in {time.perf_counter() - start:.2f} s"


async def measure(world: World, category: Category, window: float = 3.0, cap: float = 15.0) -> Outcome:
    """Org B's latency idle, then while org A sends ``category``'s request again and again."""
    idle = [await _probe_once(world, category.probe, cap) for _ in range(15)]
    outcome = Outcome(category.name, idle, [])
    stop_at = time.perf_counter() + window

    async def attack() -> None:
        while True:
            calls = [category.attack(world) for _ in range(category.parallel)]
            results = await asyncio.gather(*(_status_of(c, category.abandon_after, cap) for c in calls))
            outcome.hostile.extend(results)
            if time.perf_counter() >= stop_at:
                return

    attacking = asyncio.create_task(attack())
    await asyncio.sleep(0.05)  # the first hostile request is in
    while not attacking.done():
        try:
            outcome.during_ms.append(await _probe_once(world, category.probe, cap + 30))
        except Exception as exc:
            outcome.probe_errors.append(f"{type(exc).__name__}: {str(exc)[:80]}")
        await asyncio.sleep(0.02)
    await attacking
    return outcome


async def run(names: list[str], window: float, cap: float) -> list[Outcome]:
    os.environ.setdefault(BUDGET_ENV, BUDGET_S)
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, category in enumerate(c for c in CATEGORIES if not names or c.name in names):
            folder = Path(tmp) / str(index)
            folder.mkdir()
            world = await open_world(folder)
            try:
                outcome = await measure(world, category, window, cap)
            finally:
                await close_world(world)
            print(outcome.row(), flush=True)
            outcomes.append(outcome)
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--window", type=float, default=3.0, help="seconds of hostile traffic per category")
    parser.add_argument(
        "--cap", type=float, default=15.0, help="seconds after which a hostile call is given up"
    )
    parser.add_argument("categories", nargs="*", help="names of categories (default: all)")
    args = parser.parse_args()
    import viam_sdk

    load = os.getloadavg()[0]
    print(
        f"emulator code: {Path(viam_sdk.__file__).parent}; cores: {os.cpu_count()}; load {load:.1f}",
        flush=True,
    )
    outcomes = asyncio.run(run(args.categories, args.window, args.cap))
    extra = [Outcome.p(o.during_ms, 0.99) - Outcome.p(o.idle_ms, 0.99) for o in outcomes]
    print(
        f"worst p99 extra latency for the other organization: {max(extra):.0f} ms; median {statistics.median(extra):.0f} ms"
    )


if __name__ == "__main__":
    main()
