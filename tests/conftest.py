"""Shared pytest set-up: the emulator fixtures (``emulator``, ``emulator_thread``) and the figures report.

Suites that measure something for the README (tests/reliability, tests/generated)
hand their figures over through the ``pytest_viam_figures`` hook; they are printed at the
end of the run, ``make test``'s ``-n auto`` included: each pytest-xdist worker
sends what its tests measured to the controller, which merges and prints them.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
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


_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@pytest.fixture(autouse=True)
def _signal_handlers_restored() -> Iterator[None]:
    """Fail the test that leaves a SIGINT/SIGTERM handler changed (and put the old one back).

    A handler left behind (an event loop's, a CLI's) swallows the Ctrl-C of every
    later test in the same worker, which then fails far from the cause.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    yield
    changed = {sig: now for sig in _SIGNALS if (now := signal.getsignal(sig)) is not before[sig]}
    for sig in changed:
        signal.signal(sig, before[sig])
    if changed:
        names = ", ".join(f"{signal.Signals(sig).name} -> {handler!r}" for sig, handler in changed.items())
        pytest.fail(f"this test left signal handlers changed: {names}")


@contextlib.contextmanager
def _interrupting(send: Callable[[], object]) -> Iterator[None]:
    stop = threading.Event()

    def repeat() -> None:
        while not stop.wait(0.2):
            send()

    thread = threading.Thread(target=repeat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        try:
            thread.join()
            for _ in range(50):  # a signal already on its way is handled here, not in the test
                time.sleep(0.001)
        except KeyboardInterrupt:
            pass


@pytest.fixture
def interrupting() -> Callable[[Callable[[], object]], contextlib.AbstractContextManager[None]]:
    """``with interrupting(send):`` calls ``send`` (an interruption of the main thread) every 0.2 s inside.

    One interruption can be lost: CPython drops a KeyboardInterrupt raised in a
    finaliser that a garbage collection happens to run at that moment, and a long
    test session has many.  Sending again until the block is left keeps the test
    about the call, not that race; one still on its way when the block ends is
    absorbed there.
    """
    return _interrupting
