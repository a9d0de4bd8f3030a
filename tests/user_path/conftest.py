"""The messages a new user meets, gathered as the tests see them, printed as a table at the end."""

from __future__ import annotations

import pytest

from ._messages import TABLE


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The mistake | message table the issue's closing note quotes (from the tests that ran)."""
    if TABLE:
        terminalreporter.write_line("messages a new user gets (mistake | message):")
        for mistake, message in TABLE.items():
            terminalreporter.write_line(f"  {mistake} | {message}")
