"""``ClientBase``: what each cloud client holds, set up in one place.

The five clients (``AppClient``, ``DataClient``, ``BillingClient``,
``MLTrainingClient``, ``ProvisioningClient``) are built from a channel and the
metadata every request carries (normally the ``authorization`` header).  The
base keeps both as given (the owner may renew the token in place, and the
stubs read the mapping at every call), picks the call policy that goes with
that metadata (typed errors, retries, token renewal: ``policy_for``), builds
the generated stubs a client declares with ``ServiceStub``, and gives every
client a ``repr`` that never shows the metadata.

It also holds the plumbing every ``iter_*`` method shares: ``_paged`` hands
out the items of a paged RPC across its pages, ``_pages`` its responses; both
find the RPC's paging facts in the generated table from the stub method
itself, so no client names a route.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar, overload

from grpclib.client import Channel
from viam_api._runtime import AsyncStub

from viam_sdk.paging import PageCheckpoint, item, iter_items, iter_pages, rpc_of
from viam_sdk.progress import ProgressCallback
from viam_sdk.rpc import _tracing
from viam_sdk.rpc._policy import policy_for

__all__ = ["ClientBase", "ServiceStub"]

S = TypeVar("S", bound=AsyncStub)


def _sender(method: Callable[..., Awaitable[Any]], timeout: float | None) -> Callable[[Any], Awaitable[Any]]:
    """What a pager calls to send one request through the stub method ``method``."""

    def call(request: Any) -> Awaitable[Any]:
        return method(request, timeout=timeout)

    return call


class ServiceStub(Generic[S]):
    """A client attribute holding one generated stub, over the client's channel, metadata and policy.

    Declared once per service in the client's class body
    (``_stub = ServiceStub(BillingServiceStub)``); the stub is built on first
    use and kept on the instance.
    """

    def __init__(self, stub_type: type[S]) -> None:
        self.stub_type = stub_type
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, client: None, owner: type | None = None) -> ServiceStub[S]: ...
    @overload
    def __get__(self, client: ClientBase, owner: type | None = None) -> S: ...
    def __get__(self, client: ClientBase | None, owner: type | None = None) -> ServiceStub[S] | S:
        if client is None:
            return self
        stub = self.stub_type(client._channel, metadata=client._metadata, policy=client._policy)
        # Kept in the instance: later reads find it there without coming back here.
        client.__dict__[self._name] = stub
        return stub


class ClientBase:
    """The channel, the metadata, the call policy and the stubs of one client (module docstring)."""

    def __init__(self, channel: Channel, metadata: Mapping[str, str]) -> None:
        """Wrap ``channel``; ``metadata`` (the auth header) rides on every call.

        Args:
            channel: an open grpclib channel to the Viam app, the agent or the emulator.
            metadata: headers sent with each request, normally ``authorization: Bearer ...``.
        """
        self._channel = channel
        self._metadata = metadata  # kept as given: the owner may renew the token in place
        self._policy = policy_for(metadata)  # typed errors, retries, token renewal
        _tracing.instrument(channel)  # with the `otel` extra: traceparent on every request

    def _repr_details(self) -> str:
        """What ``repr`` shows besides the class name (never the metadata, which holds a token)."""
        return ""

    def __repr__(self) -> str:
        details = self._repr_details()
        return f"<{type(self).__name__}{' ' + details if details else ''}>"

    def _pages(
        self,
        method: Callable[..., Awaitable[Any]],
        request: Any,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> AsyncGenerator[Any, None]:
        """Every response of the paged RPC ``method`` (a bound stub method), from ``request`` on.

        ``timeout`` bounds each request.  See ``viam_sdk.paging.iter_pages``
        for the rest.
        """
        return iter_pages(
            _sender(method, timeout),
            request,
            rpc_of(method),
            page_size=page_size,
            max_items=max_items,
            progress=progress,
        )

    async def _paged(
        self,
        method: Callable[..., Awaitable[Any]],
        request: Any,
        convert: Callable[[Any, Any], Any] = item,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        checkpoint: PageCheckpoint | None = None,
    ) -> AsyncIterator[Any]:
        """Every item of the paged RPC ``method``, as ``convert(response, item)`` makes it, across all pages.

        The body of every ``iter_*`` method.  Bad ``page_size``/``max_items``
        raise ValueError when iteration starts, before any request.
        """
        async for out in iter_items(
            _sender(method, timeout),
            request,
            rpc_of(method),
            convert,
            page_size=page_size,
            max_items=max_items,
            progress=progress,
            checkpoint=checkpoint,
        ):
            yield out
