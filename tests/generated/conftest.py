"""Shared set-up of the tests of the generated layer."""

from __future__ import annotations

import sys

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "typecheck: runs mypy in a subprocess; part of the default run, never skipped"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures the closing note asks for (measured, not asserted)."""
    properties = sys.modules.get("test_properties")
    counts = getattr(properties, "EXAMPLES_RUN", None)
    if counts:
        terminalreporter.write_line(
            f"property tests: {sum(counts.values())} examples over {len(counts)} message types"
        )
    imports = sys.modules.get("test_imports")
    for name, value in getattr(imports, "FIGURES", {}).items():
        terminalreporter.write_line(f"{name}: {value}")
