"""Shared set-up of the tests of the generated layer."""

from __future__ import annotations

import sys
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "typecheck: runs mypy in a subprocess; part of the default run, never skipped"
    )


def pytest_viam_figures() -> dict[str, dict[str, Any]]:
    """The figures measured here (not asserted), for tests/conftest.py to print."""
    figures: dict[str, Any] = {}
    properties = sys.modules.get("test_properties")
    counts = getattr(properties, "EXAMPLES_RUN", None)
    if counts:
        figures["property tests"] = {
            "counts": dict(counts),
            "text": "{total} examples over {kinds} message types",
        }
    json_properties = sys.modules.get("test_json_properties")
    json_counts = getattr(json_properties, "EXAMPLES_RUN", None)
    if json_counts:
        figures["JSON property tests (against json_format)"] = {
            "counts": dict(json_counts),
            "text": "{total} examples over {kinds} message types",
        }
    imports = sys.modules.get("test_imports")
    figures.update(getattr(imports, "FIGURES", {}))
    return {"generator figures": figures}
