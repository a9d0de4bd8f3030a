"""The golden fixture package, made importable: the golden files plus the runtime.

tests/codegen/golden/ holds what the generator writes from the fixture protos
except the runtime modules, which are the files of codegen/runtime/ copied as
they are (checked once, on generated/, by test_golden.py).  To import the
fixture package, this module copies the golden tree into a temporary folder,
adds the runtime copies the generator would write beside it, and puts the
folder first on ``sys.path`` (once per process; removed at exit).
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
GOLDEN = HERE / "golden"
ROOT = "fixture_api"

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from codegen.render import runtime_files  # noqa: E402

_made: Path | None = None


def importable() -> Path:
    """The folder that holds an importable ``fixture_api`` (made on the first call)."""
    global _made
    if _made is None:
        folder = Path(tempfile.mkdtemp(prefix="fixture_api-"))
        atexit.register(shutil.rmtree, folder, True)
        shutil.copytree(GOLDEN / ROOT, folder / ROOT, ignore=shutil.ignore_patterns("__pycache__"))
        for path, text in runtime_files(ROOT).items():
            (folder / path).write_text(text)
        sys.path.insert(0, str(folder))
        _made = folder
    return _made
