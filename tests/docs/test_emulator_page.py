"""The complete scripts of docs/emulator.md run as written and print what the page says they print."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "emulator.md"


def _section(title: str) -> str:
    text = PAGE.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def _blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", section, re.M | re.S)


def _run(script: str, tmp_path: Path) -> str:
    path = tmp_path / "script.py"
    path.write_text(script)
    done = subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_acting_as_a_part_prints_what_the_page_shows(tmp_path: Path) -> None:
    section = _section("Acting as a machine part")
    (script,) = _blocks(section, "python")
    (shown,) = _blocks(section, "text")
    assert "_runtime" not in script and "viam_api" not in script  # public API only
    assert _run(script, tmp_path) == shown


def test_the_official_sdk_reaches_the_emulator_as_the_page_shows(tmp_path: Path) -> None:
    section = _section("The official SDK against the emulator")
    (script,) = _blocks(section, "python")
    shown = re.search(r"prints `(.*?)`", section)
    assert shown is not None and "opts.insecure = True" in script
    assert _run(script, tmp_path).strip() == shown.group(1)


def test_the_snapshot_example_prints_what_the_page_shows(tmp_path: Path) -> None:
    section = _section("State you can keep")
    script = _blocks(section, "python")[0]
    (shown,) = _blocks(section, "text")
    assert _run(script, tmp_path) == shown
