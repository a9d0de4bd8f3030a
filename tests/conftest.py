"""Shared pytest set-up: the emulator fixtures (``emulator``, ``emulator_thread``) and the figures report.

Suites that measure something for the README (tests/reliability, tests/generated)
hand their figures over through the ``pytest_viam_figures`` hook; they are printed at the
end of the run, ``make test``'s ``-n auto`` included: each pytest-xdist worker
sends what its tests measured to the controller, which merges and prints them.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest_plugins = ["viam_sdk.testing.pytest_plugin"]

#: section -> figure name -> a text (the last one measured wins) or a counter,
#: ``{"counts": {kind: n}, "text": "... {total} ... {kinds} ..."}``, summed across workers.
Figures = dict[str, dict[str, Any]]

_MERGED = pytest.StashKey[Figures]()


class _FigureSpecs:
    @pytest.hookspec
    def pytest_viam_figures(self) -> Figures:
        """The figures a suite measured in this process (called once, at the end of the session)."""


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(_FigureSpecs)


def merge_figures(into: Figures, more: Figures) -> None:
    """Add ``more`` to ``into``: counters are summed per kind, texts replaced."""
    for section, figures in more.items():
        target = into.setdefault(section, {})
        for name, value in figures.items():
            old = target.get(name)
            if isinstance(value, dict) and isinstance(old, dict):
                counts = dict(old["counts"])
                for kind, n in value["counts"].items():
                    counts[kind] = counts.get(kind, 0) + n
                target[name] = {"counts": counts, "text": value["text"]}
            else:
                target[name] = value


def _merged(config: pytest.Config) -> Figures:
    if _MERGED not in config.stash:
        config.stash[_MERGED] = {}
    return config.stash[_MERGED]


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    mine: Figures = {}
    for figures in config.hook.pytest_viam_figures():
        merge_figures(mine, figures)
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: the controller prints
        workeroutput["viam_figures"] = mine
    else:
        merge_figures(_merged(config), mine)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """A pytest-xdist worker finished: keep the figures it sent."""
    sent = getattr(node, "workeroutput", None) or {}
    merge_figures(_merged(node.config), sent.get("viam_figures", {}))


def figure_lines(figures: Figures) -> list[str]:
    lines = []
    for section, values in figures.items():
        if not values:
            continue
        lines.append(f"{section}:")
        for name, value in values.items():
            if isinstance(value, dict):
                counts = value["counts"]
                value = value["text"].format(total=sum(counts.values()), kinds=len(counts))
            lines.append(f"  {name}: {value}")
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures the suites measured (the README quotes them)."""
    for line in figure_lines(_merged(terminalreporter.config)):
        terminalreporter.write_line(line)
