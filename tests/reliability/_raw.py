"""Calls of any route with any bytes, over a real loopback channel.

The codec sends the request bytes as given and hands the answers back as
bytes, so the emulator's own decoder (the generated codec) meets them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import grpclib.const
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from viam_sdk.testing.routes import api_routes

#: Every route of the API with its cardinality, in a fixed order.
ROUTES: dict[str, grpclib.const.Cardinality] = {
    route: handler.cardinality for route, handler in sorted(api_routes().items())
}


class RawCodec:
    __content_subtype__ = "proto"

    def encode(self, message: Any, message_type: Any) -> bytes:
        return bytes(message)

    def decode(self, data: bytes, message_type: Any) -> bytes:
        return data


def raw_channel(host: str, port: int) -> Channel:
    return Channel(host, port, codec=RawCodec())  # type: ignore[arg-type]


@dataclass
class Answer:
    status: Status
    message: str | None = None
    replies: list[bytes] = field(default_factory=list)


async def call(
    channel: Channel,
    route: str,
    body: bytes,
    metadata: dict[str, str] | None = None,
    *,
    cardinality: grpclib.const.Cardinality | None = None,
    timeout: float = 10.0,
) -> Answer:
    """One call of ``route`` with ``body`` as its (only) request message."""
    kind = cardinality or ROUTES.get(route, grpclib.const.Cardinality.UNARY_UNARY)
    replies: list[bytes] = []
    try:
        async with channel.request(route, kind, bytes, bytes, metadata=metadata, timeout=timeout) as stream:
            await stream.send_message(body, end=True)
            while (reply := await stream.recv_message()) is not None:
                replies.append(reply)
                if not kind.server_streaming:
                    break
    except GRPCError as exc:
        return Answer(exc.status, exc.message, replies)
    return Answer(Status.OK, None, replies)
