"""Which build of our SDK the benchmark measures: the installed wheel, the editable checkout, or both.

``--ours wheel`` installs the wheel of ``make dist`` (``--wheel``, a file or the
folder holding it) into a venv of its own (``--bench-venv``, by default
build/bench-venv) together with the official SDK (the ``bench`` extra), as a user
installs it: pip writes the bytecode and puts the compiled codec in place.  Our
clients and the official one then run in that venv's Python; the harness
(``bench``) reaches it through a folder on ``PYTHONPATH`` that holds a link to
``bench/`` and nothing else, and every child starts in the run's scratch folder,
so no module of the checkout can be imported there (each build is probed for
where ``viam_sdk`` comes from, and the report says it).

``--ours editable`` measures the checkout this harness runs from (``make setup``'s
editable install).  Given both, the first keeps the plain client names and the
second's clients are named ``ours-async@editable`` and so on, so both are measured
in one run against one emulator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DEFAULT_WHEEL = REPO / "dist"
DEFAULT_VENV = REPO / "build" / "bench-venv"
KINDS = ("wheel", "editable")
INSTALL_TIMEOUT_S = 900.0

PROBE = """
import json, sys
import viam_api, viam_sdk
from importlib import metadata
print(json.dumps({"viam_sdk_file": viam_sdk.__file__, "compiled": viam_api.COMPILED,
                  "version": metadata.version("viam-fleet-sdk"), "python": sys.version.split()[0]}))
"""


class InstallError(Exception):
    """The build to measure cannot be found or installed; the message says what to do."""


@dataclass(frozen=True)
class Install:
    """One build of our SDK and the interpreter that runs it."""

    kind: str
    python: str
    #: What the report calls it: "installed wheel <file>" or "editable checkout <folder>".
    label: str
    #: Where `import viam_sdk` found the package in that interpreter, and its codec.
    viam_sdk_file: str = ""
    compiled: bool | None = None
    version: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Install:
        return cls(**raw)


def find_wheel(where: Path) -> Path:
    """The wheel at ``where``, or the one wheel of ours in the folder ``where``."""
    if where.is_file():
        return where
    found = sorted(where.glob("viam_fleet_sdk-*.whl")) if where.is_dir() else []
    if len(found) == 1:
        return found[0]
    if not found:
        raise InstallError(f"no viam_fleet_sdk wheel in {where}: run `make dist`, or pass --wheel FILE")
    names = ", ".join(p.name for p in found)
    raise InstallError(f"{len(found)} wheels in {where} ({names}): `make dist` leaves one, or pass --wheel FILE")


def _pip(python: Path, *args: str) -> None:
    cmd = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--disable-pip-version-check"]
    done = subprocess.run(
        [*cmd, *args], capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise InstallError(f"pip install {' '.join(args)} failed:\n{tail}")


def install_wheel(wheel: Path, venv_dir: Path) -> Path:
    """Installs ``wheel`` with the official SDK into ``venv_dir`` (made if missing); its Python."""
    python = venv_dir / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=False).create(venv_dir)
    # Dependencies first (kept between runs); then this very build, replacing an earlier
    # one of the same version.
    _pip(python, f"{wheel}[bench]")
    _pip(python, "--force-reinstall", "--no-deps", str(wheel))
    return python


def harness_path(scratch: Path) -> Path:
    """A folder that makes ``bench`` importable and nothing else of the checkout."""
    shim = scratch / "harness"
    shim.mkdir(parents=True, exist_ok=True)
    link = shim / "bench"
    if not link.exists():
        link.symlink_to(BENCH_DIR, target_is_directory=True)
    return shim


def child_setting(scratch: Path, env: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """The environment and working directory of a child: the harness importable, the checkout not."""
    out = dict(env)
    out["PYTHONPATH"] = str(harness_path(scratch))
    return out, str(scratch)


def probe(install: Install, scratch: Path, env: Mapping[str, str]) -> Install:
    """``install`` with where its ``viam_sdk`` comes from and which codec it runs, as its clients will."""
    child_env, cwd = child_setting(scratch, env)
    done = subprocess.run(
        [install.python, "-c", PROBE], cwd=cwd, env=child_env, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise InstallError(f"{install.label}: cannot import our SDK with {install.python}:\n{tail}")
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    found = Install(
        kind=install.kind,
        python=install.python,
        label=install.label,
        viam_sdk_file=seen["viam_sdk_file"],
        compiled=bool(seen["compiled"]),
        version=seen["version"],
    )
    venv_root = Path(install.python).parent.parent  # <venv>/bin/python, not resolved: it links elsewhere
    if install.kind == "wheel" and not Path(found.viam_sdk_file).is_relative_to(venv_root):
        raise InstallError(f"{install.label}: viam_sdk was imported from {found.viam_sdk_file}, not the venv")
    return found


def prepare(kinds: list[str], wheel: Path, venv_dir: Path) -> list[Install]:
    """The builds to measure, in the order given (the wheel installed first when asked for)."""
    installs: list[Install] = []
    # Absolute: the children run in a scratch folder of their own.
    wheel, venv_dir = wheel.resolve(), venv_dir.resolve()
    for kind in dict.fromkeys(kinds):
        if kind == "wheel":
            found = find_wheel(wheel)
            python = install_wheel(found, venv_dir)
            shown = os.path.relpath(venv_dir, REPO) if venv_dir.resolve().is_relative_to(REPO) else str(venv_dir)
            installs.append(Install("wheel", str(python), f"installed wheel {found.name} ({shown})"))
        elif kind == "editable":
            installs.append(Install("editable", sys.executable, f"editable checkout {REPO}"))
        else:
            raise InstallError(f"--ours takes {' or '.join(KINDS)}, not {kind!r}")
    return installs
