"""Building the distributions once per session, and fresh venvs outside the checkout.

``built_dist`` runs ``python -m build`` (what ``make dist`` runs) into a temporary
folder: the sdist first, then the wheel built from that sdist, each in an isolated
build environment as pip makes one.  The other fixtures make virtual environments
in temporary folders, install into them with pip, and run their Python from a
working directory outside the checkout with no ``PYTHONPATH``, so nothing of the
checkout can be imported there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: pip and the builds fetch from PyPI (or its cache); generous, for a busy machine.
STEP_TIMEOUT_S = 900
#: Variables that would let the checkout or our switches leak into a fresh venv.
LEAKY_ENV = ("PYTHONPATH", "PYTHONHOME", "VIAM_API_PURE_PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")


def has_c_compiler() -> bool:
    """Whether this machine can build the compiled codec (the compiler Python was built with)."""
    configured = (sysconfig.get_config_var("CC") or "").split()
    return any(shutil.which(name) for name in [*configured[:1], "cc", "gcc", "clang"])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_ENV}
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Runs ``cmd``; fails the test with the output's tail when it exits non-zero."""
    done = subprocess.run(
        cmd,
        cwd=cwd,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
        pytest.fail(f"{' '.join(cmd[:4])} ... exited with {done.returncode}:\n{tail}")
    return done


@dataclass(frozen=True)
class Dist:
    sdist: Path
    wheel: Path
    #: stdout and stderr of the build, where setuptools prints its warnings.
    output: str


@dataclass(frozen=True)
class Venv:
    root: Path
    #: A working directory outside the checkout, for commands run in this venv.
    work: Path
    #: What pip printed while installing into it.
    install_output: str

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def probe(self, env: dict[str, str] | None = None) -> dict[str, object]:
        """Where viam_sdk and viam_api were imported from, and which codec runs."""
        code = (
            "import json, sys, viam_sdk, viam_api, viam_api.app.data.v1 as d; "
            "r = d.TabularData.parse(bytes(d.TabularData(metadata_index=7))); "
            "print(json.dumps({'viam_sdk': viam_sdk.__file__, 'viam_api': viam_api.__file__, "
            "'compiled': viam_api.COMPILED, 'wire': sys.modules['viam_api._wire'].__file__, "
            "'round_trip': r.metadata_index, 'path': sys.path}))"
        )
        done = run([str(self.python), "-c", code], cwd=self.work, env=env)
        seen: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
        return seen


def make_venv(where: Path, *requirements: str, env: dict[str, str] | None = None) -> Venv:
    """A fresh venv at ``where`` (no system site-packages) with ``requirements`` installed.

    The venv gets no pip of its own: the test session's pip installs into it
    (``pip --python``), which saves bootstrapping one per venv.
    """
    venv.EnvBuilder(with_pip=False, clear=True).create(where / "venv")
    work = where / "work"
    work.mkdir(exist_ok=True)
    done = run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(where / "venv" / "bin" / "python"),
            "install",
            "--disable-pip-version-check",
            "--no-input",
            *requirements,
        ],
        cwd=work,
        env=env,
    )
    return Venv(root=where / "venv", work=work, install_output=done.stdout + done.stderr)


@pytest.fixture(scope="session")
def built_dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    out = tmp_path_factory.mktemp("dist")
    done = run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)], cwd=out)
    sdists = sorted(out.glob("viam_fleet_sdk-*.tar.gz"))
    wheels = sorted(out.glob("viam_fleet_sdk-*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, sorted(p.name for p in out.iterdir())
    return Dist(sdist=sdists[0], wheel=wheels[0], output=done.stdout + done.stderr)


def sdist_names(sdist: Path) -> list[str]:
    with tarfile.open(sdist) as archive:
        return archive.getnames()
