"""How the benchmark's child processes are started: their environment and bytecode.

An installed package runs from compiled bytecode (pip writes the ``.pyc`` files at
install time).  Our packages live in the repository (an editable install), so the
runner compiles them -- and the official SDK's, for the same treatment -- once at the
start of a run with ``python -m compileall -q``, and never passes
``PYTHONDONTWRITEBYTECODE`` on to a child (a shell or CI job may set it; with it and
no ``.pyc`` on disk every worker would compile our modules from source again, which
is ~100 ms of cold import that no real install pays).

``--pure`` sets ``VIAM_API_PURE_PYTHON=1`` for the workers of our clients only, which
switches our compiled codec off.  Everything else (the emulator, the official SDK's
workers, the log pusher) never gets it, so only the client under test changes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.config import OURS_ASYNC, OURS_SYNC, base_client

#: Read by viam_api: when "1", messages are coded in pure Python.
PURE_ENV = "VIAM_API_PURE_PYTHON"
#: Never passed on: the children must read and write bytecode as an install would.
DROPPED_ENV = ("PYTHONDONTWRITEBYTECODE",)
OURS = frozenset({OURS_ASYNC, OURS_SYNC})
#: The packages compiled before measuring: ours, the official SDK's, the harness's.
COMPILED_PACKAGES: tuple[str, ...] = ("viam_api", "viam_sdk", "viam", "bench")
COMPILE_TIMEOUT_S = 300.0
#: Our packages, whose sources are fingerprinted at the start and end of a run.
OUR_PACKAGES: tuple[str, ...] = ("viam_api", "viam_sdk")
#: Files whose change changes what our clients run.
CODE_SUFFIXES = (".py", ".so", ".pyd")


def child_env(
    client: str | None = None, pure: bool = False, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a child process that runs ``client`` (None: not a client under test)."""
    env = dict(os.environ if base is None else base)
    for name in DROPPED_ENV:
        env.pop(name, None)
    env.pop(PURE_ENV, None)
    if pure and client is not None and base_client(client) in OURS:
        env[PURE_ENV] = "1"
    return env


def package_dirs(names: tuple[str, ...] = COMPILED_PACKAGES) -> dict[str, str]:
    """Where each importable package of ``names`` lives (the missing ones are left out)."""
    found: dict[str, str] = {}
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        locations = list(spec.submodule_search_locations or [])
        if locations:
            found[name] = locations[0]
        elif spec.origin and spec.origin.endswith(".py"):
            found[name] = spec.origin
    return found


def compile_bytecode(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Runs ``python -m compileall -q`` on :data:`COMPILED_PACKAGES`; says what it did."""
    dirs = package_dirs()
    info: dict[str, Any] = {"packages": sorted(dirs), "ok": False}
    if not dirs:
        info["problem"] = "none of the packages was found"
        return info
    info["stale_before"] = {name: len(missing_bytecode(where)) for name, where in dirs.items()}
    t0 = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "compileall", "-q", *dirs.values()],
            env=dict(env) if env is not None else child_env(),
            capture_output=True,
            text=True,
            timeout=COMPILE_TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        info["problem"] = f"compileall did not finish: {exc}"
        return info
    info["seconds"] = round(time.perf_counter() - t0, 2)
    info["ok"] = done.returncode == 0
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
        info["problem"] = f"compileall exited with {done.returncode}: " + " / ".join(tail)
    info["stale_after"] = {name: len(missing_bytecode(where)) for name, where in dirs.items()}
    return info


def missing_bytecode(root: str | Path) -> list[str]:
    """Source files under ``root`` whose ``.pyc`` is absent or stale, as the import system judges.

    A timestamp ``.pyc`` is current when its header holds this interpreter's magic
    number and the source's mtime and size; a hash-based one is taken as current.
    """
    stale: list[str] = []
    base = Path(root)
    sources = [base] if base.is_file() else sorted(base.rglob("*.py"))
    for source in sources:
        if "__pycache__" in source.parts:
            continue
        try:
            st = source.stat()
            with open(importlib.util.cache_from_source(str(source)), "rb") as fh:
                header = fh.read(16)
        except OSError:
            stale.append(str(source))
            continue
        if len(header) < 16 or header[:4] != importlib.util.MAGIC_NUMBER:
            stale.append(str(source))
            continue
        if int.from_bytes(header[4:8], "little") != 0:
            continue  # hash-based
        mtime = int.from_bytes(header[8:12], "little")
        size = int.from_bytes(header[12:16], "little")
        if mtime != int(st.st_mtime) & 0xFFFFFFFF or size != st.st_size & 0xFFFFFFFF:
            stale.append(str(source))
    return stale


def source_fingerprint(names: tuple[str, ...] = OUR_PACKAGES) -> str:
    """A digest of the names, sizes and mtimes of our packages' code files.

    Taken at the start and at the end of a run: when they differ, somebody changed
    the code under measurement and the figures mix two versions of it.
    """
    digest = hashlib.sha256()
    for name, where in sorted(package_dirs(names).items()):
        base = Path(where)
        files = [base] if base.is_file() else sorted(base.rglob("*"))
        for path in files:
            if "__pycache__" in path.parts or path.suffix not in CODE_SUFFIXES:
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            rel = path.relative_to(base).as_posix() if path != base else path.name
            digest.update(f"{name}/{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]
