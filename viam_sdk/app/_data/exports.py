"""Bulk binary export: ``DataClient.export_binary_data``, in the folder layout of ``viam data export binary``.

**Layout** (as Viam's CLI writes it): under ``dest``, each file's bytes go to
``data/<name>`` and its metadata, as JSON, to ``metadata/<base>.json``.  The
name is built like the CLI's:

* an item without a file name (data capture): ``<time requested>_<file id><extension>``;
* an item with one: ``<time requested>_<file name>``, plus the extension when
  the name does not already end with it;

the time in RFC 3339 with nanoseconds, UTC (``2024-06-01T08_00_00.04Z``,
``:`` replaced by ``_`` as the CLI does).  ``<base>`` is the name before the
extension is added.  Where the CLI keeps the folders of an uploaded file's
name, this export flattens them into the name (separators become ``_``), and
every name is made safe and distinct by ``viam_sdk.app._data._names`` (a
name that had to change, or that another item holds, gets ``~`` and a tag of
the item's binary data id).  Unlike the CLI, ``.gz`` files are kept as
stored, not unzipped.

The metadata JSON holds the item's ``BinaryMetadata`` with the proto's JSON
(camelCase) field names, ``fileName`` set to the name written, and two more
keys: ``sha256`` (hex) and ``sizeBytes`` of the file written.  It is written
on one line, as the CLI's ``protojson`` writes it (an indented dump goes
through the json module's pure-Python encoder, several times slower).

**Resume.**  A file counts as complete when its metadata JSON records the
same binary data id and the data file beside it has the recorded size and
SHA-256 (read back from disk, not assumed): a rerun over the same folder
skips those and fetches the rest.  The metadata file is written after the
data file, both atomically, so an export killed midway leaves no file that
would pass the check half-written.  The ``metadata`` folder is read once
when a run starts: an item whose metadata file was not there is not looked
up again (on a fresh export, no lookups at all).

**No fsync.**  Files are not fsynced (that cost 8 to 10 ms a file here,
most of a small file's time, and the official loop does not either).
Durability is not what resume relies on: a file that a power cut left
empty or short fails the size and hash check and is fetched again, and a
metadata file left empty fails to parse, so its item is fetched again.  An
export cancelled (``task.cancel()``, a timeout) waits for the writes under
way to end before it returns: nothing writes in the folder afterwards.

**Round trips.**  Over a WAN the time goes in round trips that wait for one
another, so the export keeps their chains short:

* the listing asks for pages of 1,000 items without bytes (``LIST_PAGE``; a
  server that refuses that size is asked the CLI's 100).  Each page needs
  the previous one's token, so pages are a chain; the next page is asked for
  as soon as one arrives (``_read_ahead``), while the workers fetch its files;
* ``parallel`` workers each fetch with ``BinaryDataByIDs`` either one file
  over 1 MiB, or a batch of smaller files (at most 128 files and 2 MiB a
  call: one call per file costs the server a round of auth and lookup).  A
  page's small files are spread over at least ``parallel`` batches when
  there are enough, so every worker has a call in flight at once: 400 small
  images at ``parallel=8`` are one listing call and one round of 8 fetches;
* each batch's files are written by one hop to a writer thread (data file,
  then metadata file, each atomic), off the event loop, while the worker
  fetches its next batch: the network and the disk work at once.  One thread
  per export: creating files in a folder is serialised by the file system,
  and more threads only added CPU.

Memory holds at most two batches or large-file buffers a worker (one being
fetched, one waiting for the disk), a queue of ``2 x parallel`` batches of
metadata, and a page of metadata, whatever the size of the export.  A batch that fails is fetched again file by file, so
one bad item fails alone.

**Large files** (over 1 MiB) are streamed from a signed URL
(``CreateBinaryDataSignedURL``, valid 60 minutes) with the standard
library's ``urllib`` on a worker thread, 1 MiB at a time, so memory stays flat
whatever the file's size; on loopback 4 MiB files came 3 to 4 times faster
that way than in one gRPC message (about 160-200 MB/s against 45-60 MB/s
here), which also needs the whole file in memory, and over a WAN each file
gets a connection of its own instead of sharing one HTTP/2 connection's
flow-control window.  This is what Viam's CLI falls back to when a file is
too large for a gRPC message.  Only ``http`` and ``https`` URLs are
followed; when the URL path fails (no URL, a certificate urllib does not
trust, a short body) the file is fetched over gRPC instead, and only that
path's error is reported.

A failure of one item (a refused fetch, a full disk for that file) is
recorded in the summary and the export goes on; only a failing listing or a
missing ``dest`` stops it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from viam_api.app.data.v1 import (
    BinaryDataByFilterRequest,
    BinaryDataByFilterResponse,
    BinaryDataByIDsRequest,
    BinaryMetadata,
    CreateBinaryDataSignedURLRequest,
    Filter,
    Order,
)

from viam_sdk import errors
from viam_sdk._files import atomic_open, atomic_write_text
from viam_sdk.app._data._base import DataClientBase, data_request
from viam_sdk.app._data._names import NameClaims, safe_name
from viam_sdk.app._data.files import capture_metadata_dict, metadata_owner
from viam_sdk.paging import iter_pages, rpc_of
from viam_sdk.progress import ProgressCallback, Reporter
from viam_sdk.rpc._policy import DEFAULT, RetryOption, deadline_after

__all__ = ["ExportFailure", "ExportSummary", "Exports", "export_file_name"]

T = TypeVar("T")

DATA_DIR = "data"
METADATA_DIR = "metadata"
#: Items asked for per listing page (metadata only, so a page is small: about 0.5 KB an item).  A
#: listing is a chain of calls, each waiting for the one before (its page token), so over a 50 ms
#: round trip every page costs 50 ms that no parallelism hides: big pages keep the chain short.
LIST_PAGE = 1000
#: Asked instead when the server refuses ``LIST_PAGE`` (no largest page is documented; 100 is the
#: CLI's page).
LIST_PAGE_FALLBACK = 100
#: Binary data ids whose metadata is asked for in one call (``binary_ids=``).
IDS_PAGE = 100
#: Bytes per write to disk.
CHUNK = 1 << 20
#: Files up to this size are fetched several to a call; larger ones alone, from a signed URL.
SMALL_FILE = 1 << 20
#: At most this many small files, and this many bytes of them, in one call.
BATCH_FILES = 128
BATCH_BYTES = 2 << 20
#: Threads that create the files: one.  Creating files in one folder is serialised by the file system
#: (a lock per folder), so more threads only fought over that lock and the GIL (more CPU, no faster).
WRITER_THREADS = 1
#: Seconds a signed-URL download may stall before it is given up (and the file fetched over gRPC).
SIGNED_URL_TIMEOUT = 60.0


@dataclass(frozen=True)
class ExportFailure:
    """One item the export could not write, and why."""

    binary_data_id: str
    reason: str


#: What an export works through: the items to export a page at a time, and the ids that could not be listed.
Listing = AsyncIterator[list[BinaryMetadata | ExportFailure]]


@dataclass
class ExportSummary:
    """What ``export_binary_data`` did.

    Attributes:
        dest: the export folder.
        files: files fetched and written by this run.
        bytes: bytes of those files.
        skipped: files already complete in ``dest`` (checked by size and SHA-256), not fetched again.
        via_signed_url: of ``files``, those streamed from a signed URL (files over 1 MiB).
        failed: the items that could not be written, each with the reason; the others went on.
        paths: binary data id -> the data file of every item written or skipped.
    """

    dest: Path
    files: int = 0
    bytes: int = 0
    skipped: int = 0
    via_signed_url: int = 0
    failed: list[ExportFailure] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no item failed."""
        return not self.failed


def _rfc3339_nano(moment: datetime | None) -> str:
    """``moment`` as Go's RFC3339Nano prints it in UTC (fraction without trailing zeros, ``Z``)."""
    if moment is None:
        moment = datetime(1970, 1, 1, tzinfo=timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += ("." + f"{moment.microsecond:06d}").rstrip("0")
    return text + "Z"


def export_file_name(meta: BinaryMetadata) -> tuple[str, str]:
    """(base, data file name) of an item in the CLI's layout, before the names are made safe."""
    stamp = _rfc3339_nano(meta.time_requested).replace(":", "_")
    ext = meta.file_ext if not meta.file_ext or meta.file_ext.startswith(".") else "." + meta.file_ext
    given = meta.file_name.replace("\\", "/")
    marker = "/.viam/capture/"
    if marker in given:
        given = given[given.rindex(marker) + len(marker) :]
    base = f"{stamp}_{meta.id}{ext}" if not given else f"{stamp}_{given}"
    base = base.replace(":", "_")
    data = base if not ext or base.endswith(ext) else base + ext
    return base, data


def _metadata_json(meta: BinaryMetadata, file_name: str, digest: str, size: int) -> str:
    def stamp(moment: datetime | None) -> str | None:
        return None if moment is None else _rfc3339_nano(moment)

    capture = {
        "".join(w if i == 0 else w.title() for i, w in enumerate(key.split("_"))): value
        for key, value in capture_metadata_dict(meta.capture_metadata).items()
    }
    record: dict[str, Any] = {
        "id": meta.id,
        "binaryDataId": meta.binary_data_id,
        "captureMetadata": capture,
        "timeRequested": stamp(meta.time_requested),
        "timeReceived": stamp(meta.time_received),
        "fileName": file_name,
        "fileExt": meta.file_ext,
        "uri": meta.uri,
        "datasetIds": list(meta.dataset_ids),
        "fileSizeBytes": str(meta.file_size_bytes),
        "sha256": digest,
        "sizeBytes": size,
    }
    return json.dumps(record) + "\n"


def _file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _complete(meta_path: Path, data_path: Path, binary_data_id: str) -> tuple[int, str] | None:
    """(size, SHA-256) of ``data_path`` when the metadata at ``meta_path`` vouches for it and the file matches."""
    try:
        recorded = json.loads(meta_path.read_text(encoding="utf-8"))
        if recorded.get("binaryDataId") != binary_data_id:
            return None
        want = int(recorded["sizeBytes"]), str(recorded["sha256"])
        if data_path.stat().st_size != want[0]:
            return None
        return want if _file_digest(data_path) == want else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


class Exports(DataClientBase):
    """``export_binary_data``: many files to a folder, in parallel, resumable."""

    async def export_binary_data(
        self,
        dest: str | os.PathLike[str],
        filter: Filter | None = None,
        *,
        binary_ids: Sequence[str] | None = None,
        parallel: int = 8,
        include_internal_data: bool = False,
        progress: ProgressCallback | None = None,
        file_progress: ProgressCallback | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> ExportSummary:
        """Write every binary item matching ``filter`` (or named in ``binary_ids``) under ``dest``.

        The layout is ``viam data export binary``'s: ``dest/data/<name>`` with
        the bytes and ``dest/metadata/<name>.json`` with the metadata (see
        ``viam_sdk.app._data.exports`` for the names and the JSON).  Files are
        fetched ``parallel`` at a time and written atomically.  Running it again
        over the same ``dest`` fetches only what is not complete there (size
        and SHA-256 checked against the metadata file).  An item that fails is
        listed in the summary's ``failed`` with the reason; the others go on.

        Args:
            dest: the export folder; created (with ``data`` and ``metadata``) if missing.
            filter: what to export; None exports everything the caller may see.
                Ignored when ``binary_ids`` is given.
            binary_ids: the binary data ids to export instead of a filter.
            parallel: files fetched at once (1 or more).
            include_internal_data: also export Viam's internal captures (filter only).
            progress: told the **bytes** written so far and the total (known once the listing is done).
            file_progress: told the **files** done so far (written or skipped) and the total.
            timeout: seconds for the whole export (listing and every fetch); None: no limit.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            An ``ExportSummary``: files and bytes written, files skipped, failures with reasons.

        Raises:
            ValueError: ``parallel`` is not a positive integer, or ``binary_ids`` holds a non-string.
            PermissionDenied: the filter names an organization the credentials do not reach.
            DeadlineExceeded: ``timeout`` passed (files written so far stay; a rerun resumes).

        Examples:
            ```python
            from viam_sdk.app.data_client import DataClient

            data = viam_client.data_client
            summary = await data.export_binary_data("/tmp/export", DataClient.create_filter(part_id=part_id))
            print(summary.files, summary.bytes, summary.skipped, summary.failed)
            ```
        """
        if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1:
            raise ValueError(f"parallel must be a positive integer, not {parallel!r}")
        ids = None if binary_ids is None else list(binary_ids)
        if ids is not None and not all(isinstance(i, str) and i for i in ids):
            raise ValueError(f"binary_ids must be non-empty strings (binary data ids), got {ids!r}")
        root = Path(dest)
        return await self._export_into(
            root, self._listing(filter, ids, include_internal_data), parallel, progress, file_progress, timeout
        )

    async def _export_into(
        self,
        root: Path,
        listing: Listing,
        parallel: int,
        progress: ProgressCallback | None,
        file_progress: ProgressCallback | None,
        timeout: float | None,
        on_item: Callable[[BinaryMetadata, Path], None] | None = None,
        summary: ExportSummary | None = None,
    ) -> ExportSummary:
        """Export what ``listing`` yields under ``root`` (the shared engine of every export).

        ``on_item`` is told each item's metadata and data file once it is complete there
        (written by this run or found complete), in the order they complete; ``summary``
        (a fresh one if None) is filled in and returned.
        """
        for sub in (DATA_DIR, METADATA_DIR):
            (root / sub).mkdir(parents=True, exist_ok=True)
        summary = ExportSummary(dest=root) if summary is None else summary
        with deadline_after(timeout):
            await _Run(self, root, summary, parallel, progress, file_progress, on_item).run(listing)
        return summary

    async def _listing(
        self, filter: Filter | None, ids: list[str] | None, include_internal_data: bool
    ) -> Listing:
        """The metadata of every item to export, a page at a time (no bytes); a failure for an id not served."""
        if ids is not None:
            for start in range(0, len(ids), IDS_PAGE):
                chunk = ids[start : start + IDS_PAGE]
                page: list[BinaryMetadata | ExportFailure] = []
                try:
                    page += await self._metadata_of(chunk)
                except errors.ViamError:
                    # One unknown or unreachable id refuses the whole call: ask one by one,
                    # so that only the bad ones fail.
                    for one in chunk:
                        try:
                            page += await self._metadata_of([one])
                        except errors.ViamError as exc:
                            page.append(ExportFailure(one, f"{type(exc).__name__}: {exc}"))
                yield page
            return
        by_filter = BinaryDataByFilterRequest(
            data_request=data_request(filter, Order.ORDER_ASCENDING, limit=LIST_PAGE),
            include_binary=False,
            include_internal_data=include_internal_data,
        )
        method = self._data_client.binary_data_by_filter

        async def call(request: BinaryDataByFilterRequest) -> BinaryDataByFilterResponse:
            try:
                return await method(request)
            except (errors.InvalidArgument, errors.OutOfRange):
                # No largest page is documented: a server that refuses this one is asked the CLI's.
                asked = request.data_request
                if asked is None or asked.limit <= LIST_PAGE_FALLBACK:
                    raise
                asked.limit = LIST_PAGE_FALLBACK
                return await method(request)

        async for response in iter_pages(call, by_filter, rpc_of(method)):
            found: list[BinaryMetadata | ExportFailure] = [d.metadata for d in response.data if d.metadata is not None]
            if found:
                yield found

    async def _metadata_of(self, binary_data_ids: list[str]) -> list[BinaryMetadata]:
        response = await self._data_client.binary_data_by_ids(BinaryDataByIDsRequest(binary_data_ids=binary_data_ids))
        return [d.metadata for d in response.data if d.metadata is not None]

    async def _signed_url(self, binary_data_id: str) -> str:
        request = CreateBinaryDataSignedURLRequest(binary_data_id=binary_data_id, expiration_minutes=60)
        return (await self._data_client.create_binary_data_signed_url(request)).signed_url

    async def _fetch(self, binary_data_ids: list[str]) -> dict[str, bytes]:
        request = BinaryDataByIDsRequest(binary_data_ids=binary_data_ids, include_binary=True)
        response = await self._data_client.binary_data_by_ids(request)
        return {d.metadata.binary_data_id: d.binary for d in response.data if d.metadata is not None}


async def _read_ahead(source: AsyncIterator[T]) -> AsyncIterator[T]:
    """``source``'s items, the next one already asked for while this one is handed out.

    The listing's next page is then on its way while the workers fetch this
    one's files, instead of one page after another with the fetches between.
    """

    async def step() -> T | None:
        return await anext(source, None)

    ahead = asyncio.ensure_future(step())
    try:
        while (got := await ahead) is not None:
            ahead = asyncio.ensure_future(step())
            yield got
    finally:
        ahead.cancel()
        await asyncio.wait([ahead])
        close = getattr(source, "aclose", None)
        if close is not None:
            await close()


def _split(metas: list[BinaryMetadata], parallel: int) -> list[list[BinaryMetadata]]:
    """Small files in batches for one call each: at most ``BATCH_FILES`` and ``BATCH_BYTES`` a batch,
    and, when there are enough files, at least ``parallel`` batches, so that every worker has one."""
    if not metas:
        return []
    total = sum(int(m.file_size_bytes) for m in metas)
    count = max(-(-len(metas) // BATCH_FILES), -(-total // BATCH_BYTES), min(parallel, len(metas)))
    per = -(-len(metas) // count)
    batches: list[list[BinaryMetadata]] = []
    batch: list[BinaryMetadata] = []
    size = 0
    for meta in metas:
        n = int(meta.file_size_bytes)
        if batch and (len(batch) >= per or size + n > BATCH_BYTES):
            batches.append(batch)
            batch, size = [], 0
        batch.append(meta)
        size += n
    batches.append(batch)
    return batches


@dataclass
class _Item:
    """One item on its way: its metadata, where it goes, and what became of it."""

    meta: BinaryMetadata
    data_path: Path
    meta_path: Path
    name: str
    payload: bytes | None = None
    #: (size, SHA-256) once written (or found complete), or why it failed.
    outcome: tuple[int, str] | BaseException | None = None


class _Run:
    """One export's shared state: the name claims, the counters, the queue the workers take from."""

    def __init__(
        self,
        client: Exports,
        root: Path,
        summary: ExportSummary,
        parallel: int,
        progress: ProgressCallback | None,
        file_progress: ProgressCallback | None,
        on_item: Callable[[BinaryMetadata, Path], None] | None = None,
    ) -> None:
        self.client = client
        self.on_item = on_item
        self.data = root / DATA_DIR
        self.meta = root / METADATA_DIR
        self.summary = summary
        self.parallel = parallel
        self.bytes = Reporter(progress)
        self.files = Reporter(file_progress)
        self.claims = NameClaims(self._owner)
        #: The metadata files there were when the run started (None: not looked yet, ask the disk).
        self.existing: set[str] | None = None
        # Threads start only when a job comes: an export of small files starts no download thread.
        self.writer = ThreadPoolExecutor(WRITER_THREADS, thread_name_prefix="viam-export-writer")
        #: Signed-URL downloads wait on the network: up to one thread a worker.
        self.downloads = ThreadPoolExecutor(parallel, thread_name_prefix="viam-export-download")
        self.expected_bytes = 0
        self.listed = 0

    def _owner(self, base: str) -> str | None:
        name = f"{base}.json"
        if self.existing is not None and name not in self.existing:
            return None  # no file there when the run began, and this run's own names are in the claims
        return metadata_owner(self.meta / name)

    async def run(self, listing: Listing) -> None:
        self.existing = await asyncio.to_thread(_names_in, self.meta)
        queue: asyncio.Queue[list[BinaryMetadata] | None] = asyncio.Queue(maxsize=self.parallel * 2)
        workers = [asyncio.ensure_future(self._worker(queue)) for _ in range(self.parallel)]
        try:
            async for page in _read_ahead(listing):
                for batch in self._batches(page):
                    await queue.put(batch)
            self.files.total = self.listed
            self.bytes.total = self.expected_bytes
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            for pool in (self.writer, self.downloads):
                pool.shutdown(wait=False)  # idle: every job was waited for or never started
        self.bytes.finish()
        self.files.finish()

    def _batches(self, page: list[BinaryMetadata | ExportFailure]) -> list[list[BinaryMetadata]]:
        """A listing page as the workers' batches: each large file alone (first: they take longest), then the small."""
        large: list[list[BinaryMetadata]] = []
        small: list[BinaryMetadata] = []
        for meta in page:
            self.listed += 1
            if isinstance(meta, ExportFailure):
                self.summary.failed.append(meta)
                self.files.add(1)
                continue
            size = int(meta.file_size_bytes)
            self.expected_bytes += size
            if size > SMALL_FILE:
                large.append([meta])
            else:
                small.append(meta)
        return large + _split(small, self.parallel)

    def _fail(self, meta: BinaryMetadata, exc: BaseException) -> None:
        self.summary.failed.append(ExportFailure(meta.binary_data_id, f"{type(exc).__name__}: {exc}"))
        self.files.add(1)

    async def _worker(self, queue: asyncio.Queue[list[BinaryMetadata] | None]) -> None:
        """Fetch batch after batch; each batch's files are written while the next batch is fetched (at most
        one batch of a worker waits for the disk, so memory holds at most two batches a worker)."""
        writing: asyncio.Future[None] | None = None
        try:
            while (batch := await queue.get()) is not None:
                wanted = await self._fetch_batch(batch)
                if writing is not None:
                    await writing
                writing = asyncio.ensure_future(self._write_batch(wanted)) if wanted else None
            if writing is not None:
                await writing
        finally:
            if writing is not None and not writing.done():
                writing.cancel()
                await _finished(writing)

    async def _fetch_batch(self, batch: list[BinaryMetadata]) -> list[_Item]:
        """The batch's items not complete on disk, with their bytes (a large file's is already written)."""
        items: list[_Item] = []
        for meta in batch:
            try:
                items.append(_Item(meta, *self.place(meta)))
            except Exception as exc:  # one item's failure never stops the others
                self._fail(meta, exc)
        wanted = await self._not_complete(items)
        if len(wanted) == 1 and int(wanted[0].meta.file_size_bytes) > SMALL_FILE:
            if await self._by_signed_url(wanted[0]):
                return []
        if wanted:
            await self._fetch_into(wanted)
        return wanted

    async def _write_batch(self, wanted: list[_Item]) -> None:
        fetched = [item for item in wanted if item.payload is not None]
        if fetched:  # every file of the batch written in one hop to a thread, off the event loop
            await _in_thread(_write_all, fetched, pool=self.writer)
        for item in wanted:
            self._settle(item)

    async def _not_complete(self, items: list[_Item]) -> list[_Item]:
        """``items`` less those complete on disk (recorded as skipped); checked in a thread, and only
        for the items whose metadata file was there when the run started."""
        known = self.existing
        suspects = [item for item in items if known is None or item.meta_path.name in known]
        if suspects:
            await asyncio.to_thread(_check_all, suspects)
        wanted: list[_Item] = []
        for item in items:
            if not isinstance(item.outcome, tuple):
                item.outcome = None
                wanted.append(item)
                continue
            self.summary.skipped += 1
            self.summary.paths[item.meta.binary_data_id] = item.data_path
            if self.on_item is not None:
                self.on_item(item.meta, item.data_path)
            self.bytes.add(item.outcome[0])
            self.files.add(1)
        return wanted

    async def _fetch_into(self, wanted: list[_Item]) -> None:
        """Each item's bytes into ``payload``, or the reason into ``outcome``: the batch in one call, and
        when that fails or leaves some out, those one by one (so one bad item fails alone)."""
        try:
            payloads = await self.client._fetch([item.meta.binary_data_id for item in wanted])
        except Exception as exc:
            if len(wanted) == 1:
                wanted[0].outcome = exc
                return
            payloads = {}
        for item in wanted:
            item.payload = payloads.pop(item.meta.binary_data_id, None)
            if item.payload is not None:
                continue
            try:
                item.payload = (await self.client._fetch([item.meta.binary_data_id]))[item.meta.binary_data_id]
            except KeyError:
                item.outcome = LookupError(f"the server sent nothing for {item.meta.binary_data_id!r}")
            except Exception as exc:
                item.outcome = exc

    def place(self, meta: BinaryMetadata) -> tuple[Path, Path, str]:
        """The item's data file, metadata file and file name in this export (claiming the name)."""
        raw_base, raw_data = export_file_name(meta)
        base = self.claims.claim(raw_base, meta.binary_data_id, plain=False)
        name = safe_name(base + raw_data[len(raw_base) :], plain=False)[0]  # the extension the CLI adds
        return self.data / name, self.meta / f"{base}.json", name

    async def _by_signed_url(self, item: _Item) -> bool:
        """Stream a large file from its signed URL to disk; False (nothing written) when that path fails."""
        try:
            url = await self.client._signed_url(item.meta.binary_data_id)
            stop = threading.Event()
            await _in_thread(_download_item, url, item, stop, pool=self.downloads, stop=stop)
        except Exception:  # the gRPC path is tried next; its error, if any, is the one reported
            item.outcome = None
            return False
        self.summary.via_signed_url += 1
        self._settle(item)
        return True

    def _settle(self, item: _Item) -> None:
        """Count a written item, or record why it failed."""
        item.payload = None
        if not isinstance(item.outcome, tuple):
            self._fail(item.meta, item.outcome or LookupError(f"nothing was written for {item.meta.binary_data_id!r}"))
            return
        size = item.outcome[0]
        self.summary.files += 1
        self.summary.bytes += size
        self.summary.paths[item.meta.binary_data_id] = item.data_path
        if self.on_item is not None:
            self.on_item(item.meta, item.data_path)
        self.bytes.add(size)
        self.files.add(1)


async def _in_thread(func: Callable[..., None], *args: Any, pool: Executor, stop: threading.Event | None = None) -> None:
    """``func(*args)`` in a thread of ``pool``.  Cancelled: a job not started yet never starts; one under
    way is told to ``stop`` and waited for before the cancellation goes on, so once a cancelled export
    returns, nothing writes in its folder."""
    job = pool.submit(func, *args)
    try:
        await asyncio.wrap_future(job)
    except asyncio.CancelledError:
        if not job.cancel():  # under way (or done): cannot be taken back
            if stop is not None:
                stop.set()
            await _finished(asyncio.wrap_future(job))
        raise


async def _finished(future: asyncio.Future[Any]) -> None:
    """Wait until ``future`` is done, cancelled again or not (the export's tasks are cancelled twice on
    the way out); its own error, if any, gives way to the cancellation under way."""
    while not future.done():
        try:
            await asyncio.wait([future])
        except asyncio.CancelledError:
            continue
    if not future.cancelled():
        future.exception()


def _names_in(folder: Path) -> set[str]:
    """The names of the entries of ``folder`` (one directory read instead of a lookup per item)."""
    with os.scandir(folder) as entries:
        return {entry.name for entry in entries}


def _check_all(items: list[_Item]) -> None:
    """(In a thread.)  Mark each item complete on disk with its (size, SHA-256) as ``outcome``."""
    for item in items:
        found = _complete(item.meta_path, item.data_path, item.meta.binary_data_id)
        item.outcome = found


def _write_all(items: list[_Item]) -> None:
    """(In a thread.)  Write each item's data file, then its metadata file; ``outcome`` says how it went."""
    for item in items:
        assert item.payload is not None
        try:
            size, digest = _write(item.data_path, item.payload)
            _write_metadata(item, size, digest)
            item.outcome = (size, digest)
        except Exception as exc:  # this item fails; the batch goes on
            item.outcome = exc
        item.payload = None


def _download_item(url: str, item: _Item, stop: threading.Event) -> None:
    """(In a thread.)  Stream the item from ``url`` to its data file, then write its metadata file."""
    size, digest = _download(url, item.data_path, int(item.meta.file_size_bytes), stop=stop)
    _write_metadata(item, size, digest)
    item.outcome = (size, digest)


def _write_metadata(item: _Item, size: int, digest: str) -> None:
    atomic_write_text(item.meta_path, _metadata_json(item.meta, item.name, digest, size), sync=False)


def _download(
    url: str,
    path: Path,
    expected: int,
    schemes: tuple[str, ...] = ("http", "https"),
    *,
    stop: threading.Event | None = None,
) -> tuple[int, str]:
    """Stream ``url`` (one of ``schemes``) to ``path`` atomically, a chunk at a time; its size and SHA-256.

    ``stop``, once set, ends the download before the next chunk (nothing is left at ``path``).

    Raises:
        ValueError: another scheme (a server may send anything), or not the size expected (0: any size).
        InterruptedError: ``stop`` was set.
    """
    if urllib.parse.urlsplit(url).scheme not in schemes:
        raise ValueError(f"the download URL's scheme is not one of {', '.join(schemes)}")
    digest = hashlib.sha256()
    size = 0
    with urllib.request.urlopen(url, timeout=SIGNED_URL_TIMEOUT) as response, atomic_open(
        path, "wb", sync=False
    ) as handle:
        while chunk := response.read(CHUNK):
            if stop is not None and stop.is_set():
                raise InterruptedError(f"the download of {path.name!r} was stopped")
            digest.update(chunk)
            handle.write(chunk)
            size += len(chunk)
        if expected and size != expected:
            raise ValueError(f"the signed URL gave {size} bytes, the metadata says {expected}")
    return size, digest.hexdigest()


def _write(path: Path, payload: bytes) -> tuple[int, str]:
    """Write ``payload`` to ``path`` atomically, a chunk at a time; its size and SHA-256."""
    digest = hashlib.sha256()
    view = memoryview(payload)
    with atomic_open(path, "wb", sync=False) as handle:
        for start in range(0, len(view), CHUNK):
            chunk = view[start : start + CHUNK]
            digest.update(chunk)
            handle.write(chunk)
    return len(payload), digest.hexdigest()
