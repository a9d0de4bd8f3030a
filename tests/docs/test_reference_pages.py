"""The split reference pages are current, and every public method of AppClient and DataClient is on exactly one."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from viam_sdk.app.app_client import AppClient
from viam_sdk.app.data_client import DataClient

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "docs" / "reference"


def _public_methods(cls: type) -> set[str]:
    return {
        n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n)) and not isinstance(getattr(cls, n), type)
    }


def test_the_generated_pages_are_current() -> None:
    command = [sys.executable, "tools/reference_pages.py", "--check"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_each_method_is_on_one_area_page() -> None:
    for cls, folder in ((AppClient, "app_client"), (DataClient, "data_client")):
        listed: dict[str, list[str]] = {}
        for page in sorted((REFERENCE / folder).glob("*.md")):
            block = re.search(r"^      members:\n((?:        - \w+\n)+)", page.read_text(), re.M)
            for name in re.findall(r"- (\w+)", block.group(1) if block else ""):
                listed.setdefault(name, []).append(page.name)
        twice = {n: p for n, p in listed.items() if len(p) > 1}
        assert not twice, twice
        assert set(listed) == _public_methods(cls), (cls.__name__, set(listed) ^ _public_methods(cls))
        print(f"\n{cls.__name__}: {len(listed)} methods on {len({p[0] for p in listed.values()})} area pages")
