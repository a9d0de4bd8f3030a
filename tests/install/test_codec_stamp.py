"""Which codec ``viam_api`` runs is decided by content, not by file times.

The build writes ``_wire.sha256`` (one digest over the ``_wire.py``,
``_wire_encode.py`` and ``_wire_plan.py`` it compiled) next to the compiled ``_wire``.  These tests copy
the package's top module, its compiled codec and stamp into a temporary folder, as
an installer would lay them out, and import it in a fresh process from there:

* a source written after the extension, with the same content (pip does that when
  it installs a wheel or a checkout), still runs the compiled codec;
* an edited source, either of them (an editable checkout regenerated after its
  build), runs the pure-Python modules, both, whatever the times say;
* a compiled codec without a stamp, or with one of its modules missing, is not trusted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "generated" / "viam_api"
#: The compiled modules' sources, in the order the stamp's digest takes them (setup.py HOT_MODULES).
SOURCES = ["_wire.py", "_wire_encode.py", "_wire_plan.py"]
PROBE = (
    "import importlib, json, sys, viam_api; "
    "print(json.dumps({'compiled': viam_api.COMPILED, 'file': viam_api.__file__, "
    "'wire': sys.modules['viam_api._wire'].__file__, "
    "'encode': importlib.import_module('viam_api._wire_encode').__file__, "
    "'plan': importlib.import_module('viam_api._wire_plan').__file__}))"
)


@pytest.fixture
def laid_out(tmp_path: Path) -> Path:
    """A copy of viam_api's top module with the checkout's compiled codec and its stamp."""
    built = sorted(PACKAGE.glob("_wire*.so"))
    if not built:
        assert shutil.which("cc") is None, "a C compiler is here but the codec is not compiled: run `make setup`"
        pytest.fail("no compiled codec to test: this machine has no C compiler")
    target = tmp_path / "site" / "viam_api"
    target.mkdir(parents=True)
    for name in ["__init__.py", *SOURCES, "_wire.sha256", *(p.name for p in built)]:
        assert (PACKAGE / name).exists(), f"{name} is missing from {PACKAGE}: run `make setup`"
        shutil.copy2(PACKAGE / name, target / name)
    return target


def _probe(package: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIAM_API_PURE_PYTHON", "PYTHONPATH")}
    env["PYTHONPATH"] = str(package.parent)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=package.parent, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen: dict[str, object] = json.loads(done.stdout)
    assert str(seen["file"]).startswith(str(package)), seen  # the copy, not the checkout
    return seen


def _newer(path: Path) -> None:
    """Gives ``path`` a modification time after every other file of its folder."""
    latest = max(p.stat().st_mtime for p in path.parent.iterdir())
    os.utime(path, (time.time(), latest + 60))


def test_source_written_after_the_extension_still_runs_compiled(laid_out: Path) -> None:
    _newer(laid_out / "_wire.py")
    seen = _probe(laid_out)
    assert seen["compiled"] is True, seen
    assert str(seen["wire"]).endswith(".so"), seen


@pytest.mark.parametrize("edited", SOURCES)
def test_edited_source_runs_pure_python_whatever_the_times(laid_out: Path, edited: str) -> None:
    source = laid_out / edited
    source.write_text(source.read_text(encoding="utf-8") + "\n# edited after the build\n", encoding="utf-8")
    for path in laid_out.glob("_wire*.so"):
        _newer(path)  # the extension looks newer than the edit: times alone would trust it
    seen = _probe(laid_out)
    assert seen["compiled"] is False, seen
    assert str(seen["wire"]).endswith("_wire.py"), seen
    assert str(seen["encode"]).endswith("_wire_encode.py"), seen  # never one compiled, one not
    assert str(seen["plan"]).endswith("_wire_plan.py"), seen


def test_compiled_build_missing_a_module_is_not_used(laid_out: Path) -> None:
    for path in laid_out.glob("_wire_encode*.so"):
        path.unlink()
    seen = _probe(laid_out)
    assert seen["compiled"] is False, seen
    assert str(seen["encode"]).endswith("_wire_encode.py"), seen


def test_compiled_codec_without_a_stamp_is_not_used(laid_out: Path) -> None:
    (laid_out / "_wire.sha256").unlink()
    seen = _probe(laid_out)
    assert seen["compiled"] is False, seen


def test_stamp_holds_the_digest_of_the_checkouts_source() -> None:
    import hashlib

    stamp = PACKAGE / "_wire.sha256"
    assert stamp.exists(), "no stamp beside the compiled codec: run `make setup`"
    lines = "".join(f"{name} {hashlib.sha256((PACKAGE / name).read_bytes()).hexdigest()}\n" for name in SOURCES)
    expected = hashlib.sha256(lines.encode("utf-8")).hexdigest()
    assert stamp.read_text(encoding="ascii").split() == [expected, "in-place"]


def test_setup_compiles_the_modules_the_package_checks() -> None:
    import ast

    import viam_api

    tree = ast.parse((REPO / "setup.py").read_text(encoding="utf-8"))
    hot = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "HOT_MODULES" for t in node.targets)
    )
    assert [Path(p).name for p in hot] == SOURCES
    assert [f"{name}.py" for name in viam_api._COMPILED_MODULES] == SOURCES
