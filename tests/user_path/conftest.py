"""The messages a new user meets, gathered as the tests see them, printed as a table at the end."""

from __future__ import annotations

from ._messages import TABLE


def pytest_viam_figures() -> dict[str, dict[str, str]]:
    """The mistake -> message table the issue's closing note quotes (from the tests that ran).

    Printed by tests/conftest.py at the end of the run, pytest-xdist workers included.
    """
    return {"messages a new user gets (mistake: message)": dict(TABLE)}
