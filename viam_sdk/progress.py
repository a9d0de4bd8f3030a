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
optional extra the ``progress`` extra.  What it returns is the callback
itself, one bar per transfer, closed when the transfer ends; it may also be
used as a context manager, which closes a bar an error left open:

```python
from viam_sdk.progress import tqdm_progress

await data.file_upload_from_path("big.bin", part_id=part_id, progress=tqdm_progress(unit="B"))

with tqdm_progress(desc="upload", unit="B") as bar:
    await data.file_upload_from_path("big.bin", part_id=part_id, progress=bar)
```
"""

from __future__ import annotations

import importlib
from types import TracebackType
from typing import Any, Protocol

__all__ = ["ProgressCallback", "Reporter", "TqdmProgress", "missing_extra", "tqdm_progress"]


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
        if isinstance(self._callback, TqdmProgress):
            self._callback.close()


def missing_extra(module: str, extra: str, feature: str) -> ImportError:
    """The ImportError raised when an optional library is not installed."""
    return ImportError(
        f"{feature} needs the optional library {module!r}, which is not installed: "
        f"pip install {module} (or install the SDK with its {extra!r} extra: "
        f"pip install '/path/to/checkout[{extra}]')"
    )


def _import(module: str, extra: str, feature: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise missing_extra(module, extra, feature) from exc


class TqdmProgress:
    """A :class:`ProgressCallback` drawing a tqdm bar per transfer (made by :func:`tqdm_progress`).

    The bar appears at the transfer's first report and is closed at its end, so
    one object may be passed to several transfers in turn, each drawing its own
    bar.  As a context manager it returns itself and, on leaving, closes a bar an
    exception left open.
    """

    def __init__(self, tqdm_class: Any, options: dict[str, Any]) -> None:
        self._tqdm = tqdm_class
        self._options = options
        self.bar: Any = None
        """The bar of the current (or, once it ended, of the last) transfer; None before any."""
        self._open = False

    def __call__(self, done: int, total: int | None, /) -> None:
        if not self._open:
            self.bar = self._tqdm(**self._options)
            self._open = True
        if total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        """Close the current bar, if one is open (the next report opens a new one)."""
        if self._open:
            self._open = False
            self.bar.close()

    def __enter__(self) -> TqdmProgress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def tqdm_progress(**tqdm_options: Any) -> TqdmProgress:
    """A progress callback drawing a tqdm bar: pass it as ``progress=`` directly, or use it in ``with``.

    Each transfer it is given draws its own bar, from its first report to its
    end; ``with`` closes a bar an exception left open when the block ends.

    Args:
        tqdm_options: passed to ``tqdm.tqdm`` (``desc``, ``unit``, ``unit_scale``,
            ``file``, ``disable``, ...).  With ``unit="B"`` the bar scales to
            kB/MB unless ``unit_scale`` says otherwise.

    Raises:
        ImportError: tqdm is missing (install the ``progress`` extra).

    Examples:
        ```python
        data = viam_client.data_client
        async for row in data.iter_tabular_data_by_filter(flt, progress=tqdm_progress(desc="rows")):
            ...

        with tqdm_progress(desc="upload", unit="B") as bar:
            await data.file_upload_from_path("big.bin", part_id, progress=bar)
        ```
    """
    tqdm = _import("tqdm", "progress", "tqdm_progress")
    options = dict(tqdm_options)
    if options.get("unit") == "B":
        options.setdefault("unit_scale", True)
        options.setdefault("unit_divisor", 1024)
    options.setdefault("total", None)  # else set from the first report that knows it
    return TqdmProgress(tqdm.tqdm, options)
