"""One pager for every paged RPC of the API.

Which field of a request carries the page token, which field of the response
returns the next one, where the items and the page size are: all of that is
read from the generated table ``viam_api._paging.PAGED_RPCS`` (found by the
code generator from the descriptors), never written here per RPC.  The SDK's
``iter_*`` methods build their first request as the one-page method does and
hand it to ``iter_items`` with a function turning one proto item into what
the user gets.

A pager stops when the server returns an empty token, repeats the token it was
given (a server that never ends would otherwise loop forever), or sends an
empty page; or when ``max_items`` items have been handed out.  A page is asked
for only when the previous one has been consumed, so breaking out of an
``async for`` sends no further request.

**Checkpoints and resuming.**  Every ``iter_*`` method takes
``checkpoint=``, a ``PageCheckpoint`` the pager keeps up to date while it
hands items out: ``page_token`` (the token that fetches the page the last item
came from; empty for the first page), ``offset`` (how many items of that page
have been handed out) and ``next_page_token``.  Save those three after each
item you have dealt with; after a crash, pass a checkpoint made from them and
the pull starts at that page, skips the ``offset`` items already handed out,
and goes on (``max_items`` counts from there)::

    cp = PageCheckpoint()                         # or PageCheckpoint(**json.load(f)) to resume
    async for item in data.iter_binary_data_by_filter(flt, checkpoint=cp):
        handle(item)
        json.dump(cp.as_dict(), open("cp.json", "w"))

A page token is the server's: it is valid as long as the server keeps it
(the emulator's tokens do not expire).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from viam_api._paging import PAGED_RPCS, PagedRpc

from viam_sdk.progress import ProgressCallback, Reporter

__all__ = [
    "PAGED_RPCS",
    "PageCheckpoint",
    "PagedRpc",
    "each",
    "item",
    "iter_items",
    "iter_pages",
    "paged_rpc",
    "rpc_of",
]

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")
Out = TypeVar("Out")


@dataclass
class PageCheckpoint:
    """Where a paged pull is: pass one as ``checkpoint=`` to watch it, or to resume from a saved one.

    Attributes:
        page_token: the token that fetches the page the last item handed out came
            from ("" for the first page).  Given at the start, the pull begins there.
        offset: items of that page handed out so far.  Given at the start, that
            many items of the first page fetched are skipped (they were handed out before).
        next_page_token: the server's token for the page after ("" on the last page).
        pages: pages fetched by this pull.
    """

    page_token: str = ""
    offset: int = 0
    next_page_token: str = ""
    pages: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.page_token, str):
            raise TypeError(f"page_token must be a string, not {type(self.page_token).__name__}")
        if isinstance(self.offset, bool) or not isinstance(self.offset, int) or self.offset < 0:
            raise ValueError(f"offset must be 0 or more, not {self.offset!r}")

    def as_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict (``PageCheckpoint(**saved)`` makes it again)."""
        return asdict(self)


def paged_rpc(route: str) -> PagedRpc:
    """The paging facts of ``route`` (``/package.Service/Method``)."""
    try:
        return PAGED_RPCS[route]
    except KeyError:
        raise KeyError(f"{route} is not a paged RPC of this API (see viam_api._paging.PAGED_RPCS)") from None


# (proto service, Python method name) -> paging facts; every generated stub names its service.
_BY_METHOD: dict[tuple[str, str], PagedRpc] = {(rpc.service, rpc.method): rpc for rpc in PAGED_RPCS.values()}


def paged_rpc_of_stub(stub_type: type, method: str) -> PagedRpc:
    """The paging facts of ``stub_type.method`` (a generated stub class and one of its methods).

    Read from the generated table by the service the stub class names
    (``AppServiceStub.SERVICE == "viam.app.v1.AppService"``) and the method's
    Python name, so the SDK never spells a route.

    Raises:
        KeyError: the method is not a paged RPC of that stub.
    """
    known = _BY_METHOD.get((getattr(stub_type, "SERVICE", ""), method))
    if known is None:
        raise KeyError(
            f"{stub_type.__name__}.{method} is not a paged RPC of this API (see viam_api._paging.PAGED_RPCS)"
        )
    return known


def rpc_of(method: Callable[..., Any]) -> PagedRpc:
    """The paging facts of a bound stub method, e.g. ``rpc_of(stub.list_sequences)``.

    Raises:
        KeyError: ``method`` is not a paged RPC of a generated stub.
    """
    stub = getattr(method, "__self__", None)
    if stub is None or not type(stub).__name__.endswith("Stub"):
        raise KeyError(f"{method!r} is not a method of a generated stub")
    return paged_rpc_of_stub(type(stub), method.__name__)


def item(_response: Any, entry: Item) -> Item:
    """The ``convert`` that hands each item out as it came (``iter_items``)."""
    return entry


def each(convert: Callable[[Item], Out]) -> Callable[[Any, Item], Out]:
    """A ``convert`` for ``iter_items`` that reads the item alone: ``each(LogEntry.from_proto)``."""

    def one(_response: Any, entry: Item) -> Out:
        return convert(entry)

    return one


def _owner(message: Any, path: str) -> tuple[Any, str]:
    """The message holding the last field of a dotted ``path``, and that field's name."""
    *outer, name = path.split(".")
    for part in outer:
        inner = getattr(message, part)
        if inner is None:
            raise ValueError(f"{type(message).__name__}.{part} must be set to page through it")
        message = inner
    return message, name


def get_field(message: Any, path: str) -> Any:
    owner, name = _owner(message, path)
    return getattr(owner, name)


def set_field(message: Any, path: str, value: Any) -> None:
    owner, name = _owner(message, path)
    setattr(owner, name, value)


def check_page_size(page_size: int | None) -> None:
    if page_size is not None and (isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1):
        raise ValueError(f"page_size must be a positive integer or None, not {page_size!r}")


def check_max_items(max_items: int | None) -> None:
    if max_items is not None and (isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0):
        raise ValueError(f"max_items must be 0 or more, or None for all, not {max_items!r}")


async def iter_pages(
    call: Callable[[Req], Awaitable[Resp]],
    request: Req,
    rpc: PagedRpc,
    *,
    page_size: int | None = None,
    max_items: int | None = None,
    progress: ProgressCallback | None = None,
    total: int | None = None,
    checkpoint: PageCheckpoint | None = None,
) -> AsyncGenerator[Resp, None]:
    """Every response of a paged RPC, starting from ``request`` as it is (its token included).

    Args:
        call: sends one request and returns its response (the stub method, with
            the timeout and metadata bound).
        request: the first request; the pager changes its token (and its page
            size when ``page_size`` is given) between calls.
        rpc: the RPC's entry of ``PAGED_RPCS``.
        page_size: items per page, written to the RPC's limit field; None leaves
            the request's own value (0: the server's default).
        max_items: hand out no more than this many items in all: the last
            response's items are cut to fit, and no request follows it (None:
            every page; 0: no request at all).
        progress: told the number of items handed out after each page (and
            ``total`` if the caller knows it, else the final count at the end).
        total: the number of items expected, for ``progress``.
        checkpoint: started from (its ``page_token``) and kept up to date with
            each page's tokens (the items' ``offset`` is ``iter_items``' business).

    Raises:
        ValueError: ``page_size`` is given but the RPC has no page-size field,
            or is not a positive integer; ``max_items`` is negative.
    """
    check_page_size(page_size)
    check_max_items(max_items)
    if page_size is not None:
        if rpc.limit is None:
            raise ValueError(f"{rpc.route} has no page size to set (page_size={page_size!r})")
        set_field(request, rpc.limit, page_size)
    reporter = Reporter(progress, total if max_items is None or total is None else min(total, max_items))
    if max_items == 0:
        reporter.finish()
        return
    if checkpoint is not None and checkpoint.page_token:
        set_field(request, rpc.request_token, checkpoint.page_token)
    sent = get_field(request, rpc.request_token) or ""
    while True:
        response = await call(request)
        if checkpoint is not None:
            checkpoint.page_token = sent
            checkpoint.next_page_token = getattr(response, rpc.response_token) or ""
            checkpoint.pages += 1
        items = getattr(response, rpc.items)
        if max_items is not None and reporter.done + len(items) > max_items:
            del items[max_items - reporter.done :]
        yield response
        reporter.add(len(items))
        if max_items is not None and reporter.done >= max_items:
            break
        token = getattr(response, rpc.response_token) or ""
        if not token or token == sent or not items:
            break
        set_field(request, rpc.request_token, token)
        sent = token
    reporter.finish()


async def iter_items(
    call: Callable[[Req], Awaitable[Resp]],
    request: Req,
    rpc: PagedRpc,
    convert: Callable[[Resp, Any], Out],
    *,
    page_size: int | None = None,
    max_items: int | None = None,
    progress: ProgressCallback | None = None,
    total: int | None = None,
    checkpoint: PageCheckpoint | None = None,
) -> AsyncIterator[Out]:
    """Every item of a paged RPC, converted by ``convert(response, item)``, page after page.

    ``progress`` is told the number of items handed out after each page (and
    ``total`` if the caller knows it, else the final count at the end).
    ``max_items`` stops after that many items (None: all; 0: none, no call).
    ``checkpoint`` (see ``PageCheckpoint``) is resumed from and kept up to
    date: its ``offset`` counts each item before it is handed out.
    """
    skip = checkpoint.offset if checkpoint is not None else 0
    if skip and max_items is not None:
        max_items += skip  # the skipped items come first on the first page
    pages = iter_pages(
        call,
        request,
        rpc,
        page_size=page_size,
        max_items=max_items,
        progress=progress,
        total=total,
        checkpoint=checkpoint,
    )
    async with aclosing(pages):
        async for response in pages:
            entries = getattr(response, rpc.items)
            if checkpoint is not None:
                checkpoint.offset = min(skip, len(entries))
            for entry in entries[skip:]:
                if checkpoint is not None:
                    checkpoint.offset += 1
                yield convert(response, entry)
            skip = 0
