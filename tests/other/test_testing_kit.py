"""The testing kit as another project uses it: the plugin's documented example, the console script."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import viam_sdk.testing.pytest_plugin as plugin

BIN = Path(sys.executable).parent


def _project(where: Path, conftest_head: str = "") -> Path:
    """A project with only a conftest naming the plugin and a bare pytest.ini (strict asyncio mode)."""
    example = plugin.__doc__.split("Example (a complete test module):", 1)[1]  # type: ignore[union-attr]
    code = example.split("```python\n", 1)[1].split("```", 1)[0]
    (where / "test_example.py").write_text(code, encoding="utf-8")
    (where / "conftest.py").write_text(conftest_head + 'pytest_plugins = ["viam_sdk.testing.pytest_plugin"]\n')
    (where / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    return where


def _pytest(where: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA"],
                          cwd=where, capture_output=True, text=True, timeout=120, env=env)


def test_the_documented_example_runs_in_strict_asyncio_mode(tmp_path: Path) -> None:
    done = _pytest(_project(tmp_path))
    assert re.search(r"\b2 passed\b", done.stdout), done.stdout + done.stderr
    assert "PASSED test_example.py::test_a_new_location_is_listed" in done.stdout


def test_without_pytest_asyncio_the_async_fixture_says_what_to_install(tmp_path: Path) -> None:
    # pytest-asyncio made unimportable (and its plugin off): the blocking fixture still works.
    head = "import sys\nsys.modules['pytest_asyncio'] = None\n"
    project = _project(tmp_path, head)
    (project / "pytest.ini").write_text("[pytest]\naddopts = -p no:asyncio\n")
    done = _pytest(project)
    assert "PASSED test_example.py::test_the_blocking_client" in done.stdout, done.stdout + done.stderr
    assert "needs pytest-asyncio: pip install pytest-asyncio" in done.stdout
    assert re.search(r"\b1 passed\b", done.stdout)


def test_the_viam_emulator_console_script_serves(tmp_path: Path) -> None:
    db = tmp_path / "fleet.db"
    server = subprocess.Popen([str(BIN / "viam-emulator"), "--port", "0", "--db", str(db), "--json"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        first = json.loads(server.stdout.readline())
        assert first["org_id"] and first["api_key_id"] and ":" in first["address"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert db.exists()
