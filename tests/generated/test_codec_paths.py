"""The codec's two paths: the optional compiled build of ``viam_api._wire`` and pure Python.

``make setup`` compiles ``_wire.py``, ``_wire_encode.py`` and ``_wire_plan.py`` with mypyc when a C compiler is there
(setup.py); ``VIAM_API_PURE_PYTHON=1`` makes ``viam_api`` load the Python source
instead.  This session's tests run on whichever path is installed; the test
below runs the codec's own suites again, in a fresh process, on the pure-Python
path, so both are checked by every ``make test`` (on a machine without a
compiler both runs take the pure path).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import viam_api
from viam_api import _wire_encode, _wire_plan

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

# The suites that exercise the codec itself: wire rules, the fuzzer and the
# property tests against Google's runtime over every message.
CODEC_SUITES = [
    "test_wire_rules.py",
    "test_wire_values.py",
    "test_decode_fuzz.py",
    "test_properties.py",
    "test_plans.py",
    "test_wire_writers.py",
    "test_lazy_times.py",
    "test_plan_encode.py",
    "test_encode_errors.py",
    "test_encode_fast_paths.py",
    "test_decode_defaults.py",
]


def _pure_env() -> dict[str, str]:
    env = dict(os.environ)
    env["VIAM_API_PURE_PYTHON"] = "1"
    return env


def test_compiled_build_is_in_use_where_it_could_be_built() -> None:
    compiled_files = list((REPO / "generated" / "viam_api").glob("_wire.*.so"))
    if os.environ.get("VIAM_API_PURE_PYTHON") == "1":
        assert viam_api.COMPILED is False
    elif compiled_files:
        # built by `make setup`: it must be what runs (not silently shadowed or stale)
        assert viam_api.COMPILED is True, compiled_files
        assert sys.modules["viam_api._wire"].__file__.endswith(".so")  # type: ignore[union-attr]
        assert _wire_encode.__file__.endswith(".so")  # every module of the build, never one alone
        assert _wire_plan.__file__.endswith(".so")
    else:
        assert viam_api.COMPILED is False
        # no build: only acceptable where there is no C compiler to make one
        assert shutil.which("cc") is None and shutil.which("gcc") is None, (
            "a C compiler is present but the compiled codec was not built: run `make setup`"
        )


def test_pure_python_switch_loads_the_source_module() -> None:
    probe = (
        "import sys, viam_api, viam_api.app.data.v1 as d; "
        "assert viam_api.COMPILED is False; "
        "assert sys.modules['viam_api._wire'].__file__.endswith('_wire.py'); "
        "import viam_api._wire_encode as e; assert e.__file__.endswith('_wire_encode.py'); "
        "import viam_api._wire_plan as p; assert p.__file__.endswith('_wire_plan.py'); "
        "r = d.TabularData.parse(bytes(d.TabularData(metadata_index=7))); "
        "assert r.metadata_index == 7"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=_pure_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_codec_suites_pass_on_the_pure_python_path() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *CODEC_SUITES],
        cwd=HERE,
        env=_pure_env(),
        capture_output=True,
        text=True,
    )
    tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
    assert done.returncode == 0, tail
    assert " passed" in done.stdout and "failed" not in done.stdout, tail
