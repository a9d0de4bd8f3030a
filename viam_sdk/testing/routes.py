"""The emulator's route table: every RPC of the API, each behind the token check.

A caller without a valid token gets UNAUTHENTICATED from every route but
``AuthService/Authenticate`` -- served or not, known to the API or made up --
so an anonymous caller learns nothing about which routes exist.  A caller
with a token gets the real answer: the service's, UNIMPLEMENTED for an RPC
the emulator does not serve, INVALID_ARGUMENT for a request that does not
decode (the token is checked before the request is read).
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import grpclib.const
import grpclib.server
import viam_api
from grpclib.exceptions import GRPCError, StreamTerminatedError
from viam_api import _runtime
from viam_api._runtime import ServiceBase

from .auth import identify, verified
from .context import EmulatorContext
from .errors import translated

__all__ = ["OPEN_ROUTES", "RouteTable", "api_routes", "route_table"]

#: Routes served without a token: the one that hands tokens out.
OPEN_ROUTES: frozenset[str] = frozenset({"/proto.rpc.v1.AuthService/Authenticate"})

Serve = Any  # grpclib's handler function: async (grpclib.server.Stream) -> None


class Faults(Protocol):
    """What the routes need of ``viam_sdk.testing.faults.Faults``: its rules run before each call."""

    def __len__(self) -> int: ...

    async def apply(self, route: str, stream: Any) -> None: ...


def api_routes() -> dict[str, grpclib.const.Handler]:
    """Every route of every service the generated API has, each answering UNIMPLEMENTED."""
    routes: dict[str, grpclib.const.Handler] = {}
    for name in viam_api.MODULES:
        module = importlib.import_module(name)
        for exported in module.__all__:
            base = getattr(module, exported)
            if isinstance(base, type) and issubclass(base, ServiceBase) and base is not ServiceBase:
                routes.update(base().__mapping__())
    return routes


class RouteTable(dict[str, grpclib.const.Handler]):
    """grpclib's route mapping: a path it does not hold still gets a handler.

    That handler checks the token, then answers UNIMPLEMENTED, as the
    generated bases do for the RPCs nobody overrode.
    """

    def __init__(
        self, routes: Mapping[str, grpclib.const.Handler], ctx: EmulatorContext, faults: Faults | None = None
    ) -> None:
        super().__init__(routes)
        self._ctx = ctx
        self._faults = faults

    def get(self, key: str, default: Any = None) -> Any:
        found = super().get(key)
        if found is not None:
            return found
        if not isinstance(key, str) or not key.startswith("/"):
            return default
        return _guarded(self._ctx, key, _unknown_route(key), self._faults)


def _unknown_route(route: str) -> grpclib.const.Handler:
    from viam_api.google.protobuf import Struct  # any message: the request is never read

    async def serve(stream: grpclib.server.Stream[Any, Any]) -> None:
        raise _runtime.unimplemented(route)

    return grpclib.const.Handler(serve, grpclib.const.Cardinality.UNARY_UNARY, Struct, Struct)


def _guarded(
    ctx: EmulatorContext, route: str, handler: grpclib.const.Handler, faults: Faults | None = None
) -> grpclib.const.Handler:
    inner: Serve = handler.func
    open_route = route in OPEN_ROUTES

    async def serve(stream: grpclib.server.Stream[Any, Any]) -> None:
        if faults is not None and len(faults):
            # Faults on demand (testing/faults.py) act first, as an outage in front of the service.
            await faults.apply(route, stream)
        # The last request read, for naming the field an error came from.
        seen: list[Any] = [None]
        receive = stream.recv_message

        async def recv_message() -> Any:
            message = await receive()
            if message is not None:
                seen[0] = message
            return message

        stream.recv_message = recv_message  # type: ignore[method-assign]
        try:
            if open_route:
                await inner(stream)
            else:
                # Before the request is read: a bad token outranks a bad request.
                with verified(identify(ctx, stream.metadata)):
                    await inner(stream)
        except (GRPCError, asyncio.CancelledError, asyncio.TimeoutError, StreamTerminatedError):
            raise
        except Exception as exc:
            raise translated(route, exc, seen[0]) from None
        finally:
            # The wrapper refers to the stream it is set on: removed, the call's objects go
            # when it ends instead of waiting, as a reference cycle, for the garbage collector.
            del stream.recv_message

    return grpclib.const.Handler(serve, handler.cardinality, handler.request_type, handler.reply_type)


def route_table(ctx: EmulatorContext, services: Iterable[ServiceBase], faults: Faults | None = None) -> RouteTable:
    """The served routes over every API route, each behind the token check (and ``faults``, when given)."""
    routes = api_routes()
    for service in services:
        routes.update(service.__mapping__())
    return RouteTable({route: _guarded(ctx, route, h, faults) for route, h in routes.items()}, ctx, faults)
