"""Fixtures of the TLS tests: an emulator serving TLS with its own CA, and a counting TCP relay.

The relay forwards bytes both ways between the client and a real emulator and
counts the connections it accepts: a client that retried a failed handshake
would open more than one, whatever the time it took.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator


@pytest.fixture
async def tls_emulator(tmp_path: Path) -> AsyncIterator[Emulator]:
    async with Emulator(tls=tmp_path / "tls") as emu:
        yield emu


def key_options(emu: Emulator, **extra: object) -> DialOptions:
    """DialOptions with the emulator's bootstrap key, plus ``extra`` settings."""
    boot = emu.bootstrap
    keyed = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    return DialOptions(auth_entity=keyed.auth_entity, credentials=keyed.credentials, **extra)  # type: ignore[arg-type]


class CountingRelay:
    """``async with CountingRelay(port) as relay:`` -- 127.0.0.1:``relay.port`` reaches 127.0.0.1:``port``."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.connections = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> CountingRelay:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._server.wait_closed(), timeout=5)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except ConnectionError:
        pass
    finally:
        sink.close()
