"""Progress reports for long transfers: one callback protocol for the whole SDK.

Every method that takes ``progress=`` calls it as ``progress(done, total)``:

* ``done`` is how much has been transferred so far, counted from 0 and never
  going down;
* ``total`` is how much there is in all, or ``None`` when the server does not
  say (a paged query learns its end only when it reaches it).

The unit depends on the transfer and is named in each method's docstring:
**bytes** for uploads, downloads written to ``dest`` and exports written to a
file; **items** (rows, log entries, files, runs) for the ``iter_*`` auto-paging
iterators and the DataFrame/Parquet pulls.  The callback is called at least
once, when the transfer ends (with ``done == total`` when the total is known),
and after every chunk or page before that.  It runs on the event loop (the
blocking clients' loop thread included), so it should return quickly; an
exception it raises stops the transfer and reaches the caller.

``tqdm_progress`` draws a bar with `tqdm <https://tqdm.github.io>`_, from the
optional extra ``viam-fleet-sdk[progress]``:

```python
from viam_sdk.progress import tqdm_progress

with tqdm_progress(desc="upload", unit="B") as bar:
    await data.file_upload_from_path("big.bin", part_id=part_id, progress=bar)
```
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

__all__ = ["ProgressCallback", "Reporter", "missing_extra", "tqdm_progress"]


class ProgressCallback(Protocol):
    """What ``progress=`` takes: called with the amount done and the total, if known."""

    def __call__(self, done: int, total: int | None, /) -> None: ...


class Reporter:
    """Counts a transfer and tells a callback (no callback: it only counts).

    The SDK's transfers use it so that every method reports alike: ``add`` after
    each chunk, ``finish`` once at the end.
    """

    __slots__ = ("_callback", "done", "total", "_finished")

    def __init__(self, callback: ProgressCallback | None, total: int | None = None) -> None:
        if callback is not None and not callable(callback):
            raise TypeError(f"progress must be a callable taking (done, total), not {callback!r}")
        self._callback = callback
        self.done = 0
        self.total = total
        self._finished = False

    def add(self, amount: int) -> None:
        """Count ``amount`` more and report (an empty chunk or page is not reported)."""
        if amount <= 0:
            return
        self.done += amount
        if self._callback is not None:
            self._callback(self.done, self.total)

    def finish(self) -> None:
        """Report the end once; the total becomes what was done when it was not known."""
        if self._finished:
            return
        self._finished = True
        if self.total is None or self.total < self.done:
            self.total = self.done
        if self._callback is not None:
            self._callback(self.done, self.total)


def missing_extra(module: str, extra: str, feature: str) -> ImportError:
    """The ImportError raised when an optional library is not installed."""
    return ImportError(
        f"{feature} needs the optional library {module!r}, which is not installed: "
        f"pip install 'viam-fleet-sdk[{extra}]'"
    )


def _import(module: str, extra: str, feature: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise missing_extra(module, extra, feature) from exc


class _TqdmCallback:
    """A ``ProgressCallback`` that moves a tqdm bar to ``done`` and sets its total when known."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def __call__(self, done: int, total: int | None, /) -> None:
        if total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)


@contextmanager
def tqdm_progress(**tqdm_options: Any) -> Iterator[ProgressCallback]:
    """A progress callback drawing a tqdm bar, closed when the ``with`` block ends.

    Args:
        tqdm_options: passed to ``tqdm.tqdm`` (``desc``, ``unit``, ``unit_scale``,
            ``file``, ``disable``, ...).  With ``unit="B"`` the bar scales to
            kB/MB unless ``unit_scale`` says otherwise.

    Raises:
        ImportError: tqdm is missing (install ``viam-fleet-sdk[progress]``).

    Examples:
        ```python
        data = viam_client.data_client
        with tqdm_progress(desc="rows") as bar:
            async for row in data.iter_tabular_data_by_filter(flt, progress=bar):
                ...
        ```
    """
    tqdm = _import("tqdm", "progress", "tqdm_progress")
    if tqdm_options.get("unit") == "B":
        tqdm_options.setdefault("unit_scale", True)
        tqdm_options.setdefault("unit_divisor", 1024)
    tqdm_options.setdefault("total", None)  # else set from the first report that knows it
    bar = tqdm.tqdm(**tqdm_options)
    try:
        yield _TqdmCallback(bar)
    finally:
        bar.close()
