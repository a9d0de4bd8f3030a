"""Let type checkers and editors see the editable install (``make setup`` runs this).

``pip install -e .`` installs our two packages through an import hook (setuptools'
default editable mode), which Python follows but mypy, pyright and editors do not:
they look only at directories on ``sys.path``.  The packages live under two roots
(``viam_sdk/`` at the top, ``viam_api/`` under ``generated/``), so neither
setuptools' ``compat`` mode (one root) nor putting the checkout itself on the path
(which would also expose ``tests``, ``codegen``, ...) fits.  Instead this makes a
directory holding one symlink per package and names it in a ``.pth`` file of the
environment: the checkers find exactly ``viam_sdk`` and ``viam_api``, with their
``py.typed`` markers, and new files appear without reinstalling.

Usage: ``python tools/typing_roots.py`` with the environment's interpreter.
"""

from __future__ import annotations

import site
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"viam_sdk": ROOT / "viam_sdk", "viam_api": ROOT / "generated" / "viam_api"}
PTH_NAME = "viam_fleet_sdk_typing.pth"


def main() -> int:
    roots = Path(sys.prefix) / "typing-roots"
    roots.mkdir(exist_ok=True)
    for name, target in PACKAGES.items():
        link = roots / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target, target_is_directory=True)
    pth = Path(site.getsitepackages()[0]) / PTH_NAME
    pth.write_text(f"{roots}\n", encoding="utf-8")
    print(f"type checkers see {', '.join(PACKAGES)} through {pth}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
