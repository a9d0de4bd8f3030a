"""The user's path: ``make dist``'s wheel and sdist, installed into fresh venvs outside the checkout.

One build per session (``built_dist``, ``python -m build`` as ``make dist`` runs
it).  The wheel goes into a venv in a temporary folder with the ``emulator`` extra;
every command there runs from a working directory outside the checkout with no
``PYTHONPATH``, and the tests check that ``viam_sdk`` and ``viam_api`` were
imported from the venv.  The examples are not part of the wheel: they are copied
out of the checkout and run by path, so only their own folder is on ``sys.path``.
The sdist is installed once more with ``CC=/bin/false``, a machine whose C
compiler does not work: the install must succeed with the pure-Python codec.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from .conftest import (
    REPO,
    Dist,
    Venv,
    clean_env,
    has_c_compiler,
    make_venv,
    run,
    sdist_names,
)

DEMO_TIMEOUT_S = 300


# One worker builds the distributions once for all of them (`make test`: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("dist")


@pytest.fixture(scope="module")
def wheel_venv(built_dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    return make_venv(tmp_path_factory.mktemp("wheel-install"), f"{built_dist.wheel}[emulator]")


def _inside(path: object, folder: Path) -> bool:
    return Path(str(path)).resolve().is_relative_to(folder.resolve())


def _assert_outside_checkout(seen: dict[str, object], venv: Venv) -> None:
    assert _inside(seen["viam_sdk"], venv.root), seen
    assert _inside(seen["viam_api"], venv.root), seen
    assert not any(_inside(entry, REPO) for entry in seen["path"] if entry), seen["path"]  # type: ignore[attr-defined]


def test_build_prints_no_deprecation_warning(built_dist: Dist) -> None:
    # setuptools printed a "`project.license` as a TOML table is deprecated" box per step.
    # Lines naming our own files (viam_api/_deprecation.py being copied) are not warnings.
    warned = [
        line
        for line in built_dist.output.splitlines()
        if "deprecat" in line.lower() and "_deprecation.py" not in line
    ]
    assert not warned, warned
    assert "viam_api: compiled codec built from _wire.py" in built_dist.output or not has_c_compiler()


def test_wheel_carries_the_compiled_codec_and_its_stamp(built_dist: Dist) -> None:
    with zipfile.ZipFile(built_dist.wheel) as wheel:
        names = wheel.namelist()
        stamp = wheel.read("viam_api/_wire.sha256").decode("ascii").split() if has_c_compiler() else []
        sources = [(name, wheel.read(f"viam_api/{name}")) for name in ("_wire.py", "_wire_encode.py", "_wire_plan.py")]
    assert {"viam_api/_wire.py", "viam_api/_wire_encode.py", "viam_api/_wire_plan.py"} <= set(names)
    assert "viam_sdk/__init__.py" in names
    assert "viam_api/py.typed" in names and "viam_sdk/py.typed" in names
    assert not any(name.startswith(("tests/", "bench/", "codegen/", "examples/")) for name in names)
    compiled = [n for n in names if re.fullmatch(r"viam_api/_wire(__mypyc|_encode|_plan)?\..+\.so", n)]
    if has_c_compiler():
        assert len(compiled) == 4, compiled  # the three modules and mypyc's runtime for them
        assert "-none-any" not in built_dist.wheel.name, built_dist.wheel.name  # a platform wheel
        import hashlib

        lines = "".join(f"{name} {hashlib.sha256(data).hexdigest()}\n" for name, data in sources)
        assert stamp == [hashlib.sha256(lines.encode("utf-8")).hexdigest(), "wheel"]
    else:
        assert compiled == []


def test_metadata_has_an_spdx_license_urls_and_classifiers(built_dist: Dist) -> None:
    with zipfile.ZipFile(built_dist.wheel) as wheel:
        meta_name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(wheel.read(meta_name).decode("utf-8"))
    assert meta["Name"] == "viam-fleet-sdk"
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta.get("License") is None  # the deprecated free-text field is gone
    classifiers = meta.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers and "Framework :: AsyncIO" in classifiers
    assert not any(c.startswith("License ::") for c in classifiers)  # the expression says it
    urls = meta.get_all("Project-URL") or []
    assert any(url.startswith("Viam documentation, https://") for url in urls), urls
    extras = meta.get_all("Provides-Extra") or []
    assert {"emulator", "testing", "pandas", "arrow", "progress"} <= set(extras)


def test_sdist_holds_the_sources_not_build_output(built_dist: Dist) -> None:
    names = [n.split("/", 1)[1] for n in sdist_names(built_dist.sdist) if "/" in n]
    for needed in ("setup.py", "pyproject.toml", "README.md", "generated/viam_api/_wire.py", "viam_sdk/__init__.py"):
        assert needed in names, needed
    assert not [n for n in names if n.endswith((".so", ".sha256", ".pyc"))]


def test_installed_wheel_runs_the_compiled_codec(wheel_venv: Venv) -> None:
    seen = wheel_venv.probe()
    _assert_outside_checkout(seen, wheel_venv)
    assert seen["round_trip"] == 7
    assert seen["compiled"] is has_c_compiler(), seen
    if has_c_compiler():
        assert str(seen["wire"]).endswith(".so"), seen


def test_installed_wheel_honours_the_pure_python_switch(wheel_venv: Venv) -> None:
    seen = wheel_venv.probe(env=clean_env(VIAM_API_PURE_PYTHON="1"))
    assert seen["compiled"] is False and str(seen["wire"]).endswith("_wire.py"), seen


def test_install_prints_no_deprecation_warning(wheel_venv: Venv) -> None:
    assert "deprecat" not in wheel_venv.install_output.lower(), wheel_venv.install_output[-2000:]


def test_demo_tour_runs_from_the_installed_wheel(wheel_venv: Venv) -> None:
    examples = wheel_venv.work / "examples"
    shutil.copytree(REPO / "examples", examples, ignore=shutil.ignore_patterns("__pycache__"))
    # Runs examples/demo.py as `python examples/demo.py` would, then reports where every
    # loaded module came from: nothing may come from the checkout.
    code = (
        "import json, runpy, sys; sys.argv = [sys.argv[1]]; "
        "code = 0\n"
        "try:\n runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "except SystemExit as stop:\n code = stop.code or 0\n"
        "files = [getattr(m, '__file__', None) or '' for m in list(sys.modules.values())]\n"
        "print('MODULES ' + json.dumps(files)); sys.exit(code)"
    )
    done = subprocess.run(
        [str(wheel_venv.python), "-c", code, str(examples / "demo.py")],
        cwd=wheel_venv.work,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "Fleet tour, blocking SDK" in done.stdout and "Data tour, blocking SDK" in done.stdout
    assert "Demo finished" in done.stdout
    files = json.loads(done.stdout.rsplit("MODULES ", 1)[1])
    ours = [f for f in files if "/viam_sdk/" in f or "/viam_api/" in f]
    assert ours and all(_inside(f, wheel_venv.root) for f in ours), ours[:5]
    assert not [f for f in files if f and _inside(f, REPO)]


def _readme_snippet() -> str:
    """The README's first example (section "Using it")."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Using it", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_example_runs_from_the_installed_wheel(wheel_venv: Venv) -> None:
    db = wheel_venv.work / "fleet.db"
    serve = subprocess.Popen(
        [str(wheel_venv.root / "bin" / "viam-emulator"), "--port", "0", "--db", str(db), "--json"],
        cwd=wheel_venv.work,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stdout is not None
        info = json.loads(serve.stdout.readline())
        # The README points the client at the emulator with app_url=; the snippet is run
        # with exactly that change and its placeholders filled in.
        snippet = _readme_snippet()
        call = "ViamClient.create_from_dial_options(opts)"
        assert call in snippet, snippet
        snippet = (
            snippet.replace("<API-KEY>", info["api_key"])
            .replace("<API-KEY-ID>", info["api_key_id"])
            .replace(call, f"ViamClient.create_from_dial_options(opts, app_url={info['app_url']!r})")
        )
        setup = (
            "import sys\nfrom viam_sdk.sync import ViamClient\nfrom viam_sdk.rpc.dial import DialOptions\n"
            "opts = DialOptions.with_api_key(sys.argv[1], sys.argv[2])\n"
            "with ViamClient.create_from_dial_options(opts, app_url=sys.argv[3]) as viam:\n"
            "    viam.app_client.create_location(name='installed-from-wheel')\n"
        )
        run(
            [str(wheel_venv.python), "-c", setup, info["api_key"], info["api_key_id"], info["app_url"]],
            cwd=wheel_venv.work,
        )
        script = wheel_venv.work / "using_it.py"
        script.write_text(snippet, encoding="utf-8")
        done = run([str(wheel_venv.python), str(script)], cwd=wheel_venv.work)
        assert "installed-from-wheel" in done.stdout.splitlines(), done.stdout
    finally:
        serve.terminate()
        serve.wait(timeout=30)


def test_sdist_installs_the_pure_codec_where_no_compiler_works(
    built_dist: Dist, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # CC=/bin/false: the compiler "exists" but fails, as on a machine without one.
    env = clean_env(CC="/bin/false")
    installed = make_venv(tmp_path_factory.mktemp("sdist-no-cc"), str(built_dist.sdist), env=env)
    seen = installed.probe()
    _assert_outside_checkout(seen, installed)
    assert seen["compiled"] is False and str(seen["wire"]).endswith("_wire.py"), seen
    assert seen["round_trip"] == 7
    package = Path(str(seen["viam_api"])).parent
    assert not list(package.glob("_wire*.so")) and not (package / "_wire.sha256").exists()


def test_dist_sizes_for_the_record(built_dist: Dist) -> None:
    # Printed with -s; the figures the closing note quotes.
    sizes = {p.name: p.stat().st_size for p in (built_dist.sdist, built_dist.wheel)}
    print(json.dumps(sizes), file=sys.stderr)
    assert all(size > 100_000 for size in sizes.values()), sizes
