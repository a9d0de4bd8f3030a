"""The installed package is visible to type checkers (``make setup`` runs tools/typing_roots.py).

A user's script (tests/typing/user_script.py) is checked with ``mypy --strict``
from a directory outside the checkout, with no configuration, so mypy can only
find the SDK the way a user's project would: through the environment.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "typing" / "user_script.py"


def _mypy(source: str, where: Path) -> subprocess.CompletedProcess[str]:
    (where / "mypy.ini").write_text("[mypy]\n", encoding="utf-8")  # no project settings, no ignore_missing_imports
    (where / "script.py").write_text(source, encoding="utf-8")
    # The cache sits in the checkout's .mypy_cache (ignored by git), so later runs are incremental.
    cache = REPO / ".mypy_cache" / "user-script"
    command = [sys.executable, "-m", "mypy", "--strict", "--config-file", "mypy.ini", "--cache-dir", str(cache),
               "script.py"]
    return subprocess.run(command, cwd=where, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("user-project")


def test_a_user_script_passes_mypy_strict(outside: Path) -> None:
    done = _mypy(SCRIPT.read_text(encoding="utf-8"), outside)
    assert done.returncode == 0, done.stdout + done.stderr + "\n(run `make setup` to install the typing roots)"
    assert "Success" in done.stdout


def test_mypy_sees_the_real_signatures(outside: Path) -> None:
    # Were the package invisible or untyped, these would pass (or fail on the import instead).
    wrong = SCRIPT.read_text(encoding="utf-8").replace(
        'robot_id: str = await viam.app_client.new_robot("rover", location.id)',
        'robot_id: int = await viam.app_client.new_robot(42, location.id)',
    )
    done = _mypy(wrong, outside)
    assert done.returncode == 1
    assert 'Incompatible types in assignment (expression has type "str", variable has type "int")' in done.stdout
    assert 'Argument 1 to "new_robot"' in done.stdout and '"int"; expected "str"' in done.stdout
    assert "import-not-found" not in done.stdout
