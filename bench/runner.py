"""Starts the emulator, seeds it, runs every workload for every client, reports.

The emulator runs in its own process (``python -m viam_sdk.testing serve``) so its
CPU time never shares a GIL with the client being measured.  Each run of a workload
by a client is a fresh ``bench.worker`` process (time and memory cannot bleed from
one run into the next); the order of the clients rotates from one repetition to the
next, so none always goes first.  Smoke mode batches all of one client's runs into a
single worker to stay within seconds.

Before anything is measured, both SDKs' packages are compiled to bytecode and no
child gets ``PYTHONDONTWRITEBYTECODE`` (see :mod:`bench.processes`), so our code
runs as an installed package would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from bench.config import OURS_ASYNC
from bench.env import BenchEnv
from bench.installs import child_setting, probe
from bench.processes import PURE_ENV, child_env, compile_bytecode, source_fingerprint
from bench.registry import Workload
from bench.report import build_report, render_table
from bench.results import Outcome, Plan
from bench.worker import RESULT_PREFIX

#: Seconds to wait for the emulator to print its credentials.
SERVER_START_TIMEOUT = 60.0
#: Seconds one worker may take before it is stopped (a hang must not stall the run).
WORKER_TIMEOUT = 600.0
WARMUP_UPLOAD_BYTES = 64 * 1024


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- emulator


@contextlib.contextmanager
def emulator(workdir: Path) -> Iterator[dict[str, Any] | None]:
    """Runs the emulator on a free loopback port; yields its credentials (None if missing)."""
    db = workdir / "emulator.sqlite"
    cmd = [sys.executable, "-m", "viam_sdk.testing", "serve", "--port", "0", "--db", str(db), "--json"]
    # Its stderr goes to a file, never to a pipe nobody reads (a full pipe would stall it).
    with open(workdir / "emulator.log", "w+", encoding="utf-8") as errors:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, text=True, env=child_env())
        try:
            info = _read_credentials(proc, errors)
            if info is not None:
                assert proc.stdout is not None
                threading.Thread(target=proc.stdout.read, name="emulator-stdout", daemon=True).start()
            yield info
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _read_credentials(proc: subprocess.Popen[str], errors: IO[str]) -> dict[str, Any] | None:
    assert proc.stdout is not None
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            proc.wait()
            errors.seek(0)
            log(f"the emulator exited before it was ready: {errors.read().strip()[-500:]}")
            return None
        line = line.strip()
        if line.startswith("{"):
            info: dict[str, Any] = json.loads(line)
            return info
    log("the emulator did not print its credentials in time")
    return None


def _env_from(info: dict[str, Any]) -> BenchEnv:
    host, _, port = str(info["address"]).rpartition(":")
    return BenchEnv(
        host=host,
        port=int(port),
        org_id=info["org_id"],
        api_key_id=info["api_key_id"],
        api_key=info["api_key"],
    )


# ---------------------------------------------------------------- files


def _write_file(path: Path, size: int) -> None:
    """A file of ``size`` bytes of varied content, written 1 MiB at a time."""
    chunk = bytes(range(256)) * 4096
    with open(path, "wb") as fh:
        left = size
        i = 0
        while left > 0:
            piece = chunk[: min(left, len(chunk))]
            fh.write(i.to_bytes(8, "big") + piece[8:] if len(piece) > 8 else piece)
            left -= len(piece)
            i += 1


def _prepare_files(env: BenchEnv, plan: Plan, workdir: Path) -> None:
    keys = {w.key for w in plan.workloads}
    if "upload" in keys:
        env.upload_path = str(workdir / "upload.bin")
        _write_file(Path(env.upload_path), plan.sizes.upload_bytes)
        env.warmup_upload_path = str(workdir / "warmup.bin")
        _write_file(Path(env.warmup_upload_path), WARMUP_UPLOAD_BYTES)
    if "codec" in keys:
        from bench.workloads.codec import build_payload

        env.codec_path = str(workdir / "codec.bin")
        Path(env.codec_path).write_bytes(build_payload(plan.sizes.codec_rows))


# ---------------------------------------------------------------- workers


def _launch(plan: Plan, client: str, scratch: Path | None) -> dict[str, Any]:
    """How a client's process starts: its build's interpreter, environment and folder.

    With builds given (``--ours``), children start in the run's scratch folder with only
    the harness on ``PYTHONPATH`` (bench.installs), so an installed wheel is what they import.
    """
    env = child_env(client, plan.pure)
    if not plan.installs or scratch is None:
        return {"python": sys.executable, "env": env, "cwd": None}
    env, cwd = child_setting(scratch, env)
    return {"python": plan.python_for(client), "env": env, "cwd": cwd}


def _spawn_worker(
    env: BenchEnv, plan: Plan, runs: list[dict[str, str]], scratch: Path | None = None
) -> list[dict[str, Any]]:
    """One worker process for ``runs`` (all of one client)."""
    spec = json.dumps({"env": env.to_json(), "sizes": plan.sizes.to_json(), "runs": runs})
    clients = {run["client"] for run in runs}
    if len(clients) != 1:
        raise ValueError(f"one worker runs one client, not {sorted(clients)}")
    launch = _launch(plan, next(iter(clients)), scratch)
    try:
        done = subprocess.run(
            [launch["python"], "-m", "bench.worker"],
            input=spec,
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT,
            env=launch["env"],
            cwd=launch["cwd"],
        )
    except subprocess.TimeoutExpired:
        return [
            dict(run, status="error", reason=f"worker timed out after {WORKER_TIMEOUT:.0f} s") for run in runs
        ]
    results = [
        json.loads(line[len(RESULT_PREFIX) :])
        for line in done.stdout.splitlines()
        if line.startswith(RESULT_PREFIX)
    ]
    if done.stderr.strip():
        # Workers print tracebacks of failures there; keep the tail for the curious.
        for line in done.stderr.strip().splitlines()[-6:]:
            log(f"  worker: {line}")
    seen = {(r["workload"], r["client"]) for r in results}
    for run in runs:
        if (run["workload"], run["client"]) not in seen:
            results.append(
                dict(run, status="error", reason=f"worker exited with {done.returncode} and no result")
            )
    return results


def _spawn_importer(plan: Plan, client: str, scratch: Path | None = None) -> dict[str, Any]:
    launch = _launch(plan, client, scratch)
    done = subprocess.run(
        [launch["python"], "-m", "bench.importer", client],
        capture_output=True,
        text=True,
        timeout=120,
        env=launch["env"],
        cwd=launch["cwd"],
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            result: dict[str, Any] = json.loads(line)
            break
    else:
        result = {
            "status": "error",
            "reason": f"importer exited with {done.returncode}: {done.stderr[-300:]}",
        }
    result.update(workload="import", client=client)
    return result


def _rotated(clients: Sequence[str], rep: int) -> list[str]:
    k = rep % len(clients)
    return list(clients[k:]) + list(clients[:k])


def _tidy(env: BenchEnv, result: dict[str, Any]) -> None:
    """Deletes what an upload run stored, so the emulator's disk use stays flat."""
    ids = [i for i in result.get("extra", {}).get("uploaded_ids", []) if i]
    if not ids:
        return

    async def delete() -> None:
        from bench.seed import Seeder

        async with Seeder(env) as seeder:
            await seeder.delete_binary(ids)

    try:
        asyncio.run(delete())
    except Exception as exc:  # noqa: BLE001 - tidying up is best effort
        log(f"could not delete uploaded files: {exc}")


def _summary(result: dict[str, Any]) -> str:
    if result.get("status") == "ok":
        return f"{result['seconds']:.4g} s"
    return f"{result.get('status')}: {result.get('reason', '')}"


def _not_built_rows(workload: Workload, plan: Plan, outcome: Outcome) -> None:
    for client in plan.clients:
        outcome.add(
            {
                "workload": workload.key,
                "client": client,
                "status": "n/a",
                "reason": "not built yet (the emulator did not start)",
            }
        )


def _recompile_before_imports(outcome: Outcome) -> None:
    """Compiles again right before the cold imports: a source edited since the start of
    a long run would otherwise be compiled inside the measured import."""
    again = compile_bytecode()
    recompiled = sum(again.get("stale_before", {}).values())
    outcome.bytecode["recompiled_before_imports"] = recompiled
    if recompiled:
        log(f"recompiled {recompiled} source file(s) edited since the run started")


def run_plan(plan: Plan, env: BenchEnv, server_up: bool, outcome: Outcome, scratch: Path | None = None) -> None:
    for workload in plan.workloads:
        if workload.needs_server and not server_up:
            _not_built_rows(workload, plan, outcome)
            continue
        if workload.kind == "import":
            _recompile_before_imports(outcome)
        reps = plan.sizes.import_runs if workload.kind == "import" else plan.reps
        for rep in range(reps):
            for client in _rotated(plan.clients, rep):
                if workload.kind == "import":
                    result = _spawn_importer(plan, client, scratch)
                else:
                    runs = [{"workload": workload.key, "client": client}]
                    result = _spawn_worker(env, plan, runs, scratch)[0]
                    if server_up:
                        _tidy(env, result)
                outcome.add(result)
                log(f"{workload.number}. {workload.key} {client} rep {rep + 1}/{reps}: {_summary(result)}")


def run_smoke(plan: Plan, env: BenchEnv, server_up: bool, outcome: Outcome, scratch: Path | None = None) -> None:
    """All runs of one client in one worker; imports still one process each."""
    for client in plan.clients:
        runs = [
            {"workload": w.key, "client": client}
            for w in plan.workloads
            if w.kind == "worker" and (server_up or not w.needs_server)
        ]
        if not runs:
            continue
        for result in _spawn_worker(env, plan, runs, scratch):
            if server_up:
                _tidy(env, result)
            outcome.add(result)
            log(f"{result['workload']} {client}: {_summary(result)}")
    for workload in plan.workloads:
        if workload.kind == "import":
            _recompile_before_imports(outcome)
            for client in plan.clients:
                outcome.add(_spawn_importer(plan, client, scratch))
        elif workload.needs_server and not server_up:
            _not_built_rows(workload, plan, outcome)


def _load() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def execute(plan: Plan) -> dict[str, Any]:
    """Runs the plan end to end and returns the report (also written to plan.out)."""
    started = time.time()
    load_before = _load()
    workdir = Path(tempfile.mkdtemp(prefix="viam-bench-"))
    outcome = Outcome()
    if load_before is not None:
        outcome.load["before"] = load_before
    if os.environ.get(PURE_ENV) is not None and not plan.pure:
        log(f"{PURE_ENV} from the environment is not passed on to the workers; use --pure")
    for install in plan.installs:
        # Where each build's viam_sdk comes from and which codec it runs, as its clients see it.
        seen = probe(install, workdir, child_env(OURS_ASYNC, plan.pure))
        outcome.installs.append(seen.to_json())
        log(f"ours ({seen.kind}): {seen.label}, viam_sdk from {seen.viam_sdk_file}, compiled codec: {seen.compiled}")
    outcome.sources["start"] = source_fingerprint()
    outcome.bytecode = compile_bytecode()
    if outcome.bytecode.get("ok"):
        log(
            f"compiled the bytecode of {', '.join(outcome.bytecode['packages'])} "
            f"in {outcome.bytecode['seconds']:.1f} s"
        )
    else:
        log(f"could not compile bytecode: {outcome.bytecode.get('problem')}")
    server_up = False
    # Without an emulator the offline workloads (imports, codec) still run.
    env = BenchEnv(host="", port=0, org_id="", api_key_id="", api_key="")
    try:
        with contextlib.ExitStack() as stack:
            if any(w.needs_server for w in plan.workloads):
                info = stack.enter_context(emulator(workdir))
                if info is not None:
                    env = _env_from(info)
                    server_up = True
                    from bench.seed import seed

                    t0 = time.perf_counter()
                    took = asyncio.run(seed(env, plan.sizes, {w.key for w in plan.workloads}))
                    outcome.seed_seconds = {k: round(v, 2) for k, v in took.items()}
                    steps = ", ".join(f"{k} {v:.1f} s" for k, v in took.items())
                    log(f"seeded the emulator in {time.perf_counter() - t0:.1f} s ({steps})")
            _prepare_files(env, plan, workdir)
            (run_smoke if plan.smoke else run_plan)(plan, env, server_up, outcome, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    after = _load()
    if after is not None:
        outcome.load["after"] = after
    outcome.sources["end"] = source_fingerprint()
    if outcome.sources["end"] != outcome.sources["start"]:
        log("our packages' code changed during the run: its figures mix two versions")
    report = build_report(plan, outcome, env if server_up else None, time.time() - started)
    plan.out.parent.mkdir(parents=True, exist_ok=True)
    from viam_sdk._files import atomic_write_text

    atomic_write_text(plan.out, json.dumps(report, indent=2) + "\n")
    print(render_table(report))
    shown = os.path.relpath(plan.out)
    print(f"\nfigures written to {plan.out if shown.startswith('..') else shown}")
    return report
