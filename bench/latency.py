"""A loopback path with added latency: a TCP relay that holds every chunk ``delay`` seconds each way.

``python -m bench.latency --target HOST:PORT --delay 0.025`` listens on two free
loopback ports and prints one JSON line, ``{"tcp": PORT, "http_proxy": PORT}``:

* ``tcp`` relays every connection to ``--target`` (the emulator's gRPC port);
* ``http_proxy`` is a forward HTTP proxy (what ``http_proxy=http://...`` makes
  urllib use): it reads the request line ``GET http://host:port/path HTTP/1.1``,
  connects to that host and port (loopback only), sends the request in origin
  form and relays the rest, so signed-URL downloads cross the same delay.

Each direction of each connection delays its bytes by ``delay`` (25 ms each way:
a 50 ms round trip) without limiting bandwidth: a chunk read at time t is written
at t + delay, in order, while later chunks keep being read.  The relay runs in its
own process, so it never takes CPU from the client being measured; both SDKs are
measured through it alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit

CHUNK = 1 << 16


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Copy ``reader`` to ``writer``, each chunk ``delay`` seconds after it was read."""
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def read() -> None:
        while chunk := await reader.read(CHUNK):
            queue.put_nowait((time.monotonic() + delay, chunk))
        queue.put_nowait((time.monotonic() + delay, b""))

    reading = asyncio.ensure_future(read())
    try:
        while True:
            due, chunk = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not chunk:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        return
    finally:
        reading.cancel()


async def _relay(
    client_r: asyncio.StreamReader,
    client_w: asyncio.StreamWriter,
    server_r: asyncio.StreamReader,
    server_w: asyncio.StreamWriter,
    delay: float,
) -> None:
    try:
        await asyncio.gather(_pipe(client_r, server_w, delay), _pipe(server_r, client_w, delay))
    finally:
        for w in (client_w, server_w):
            w.close()


def serve_tcp(host: str, port: int, delay: float):  # type: ignore[no-untyped-def]
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection(host, port)
        except OSError:
            writer.close()
            return
        await _relay(reader, writer, up_r, up_w, delay)

    return handle


def serve_http_proxy(delay: float):  # type: ignore[no-untyped-def]
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await reader.readline()
            method, target, version = line.decode("latin-1").split()
            parts = urlsplit(target)
            if parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None:
                raise ValueError("loopback targets only")
            up_r, up_w = await asyncio.open_connection(parts.hostname, parts.port)
        except (OSError, ValueError, UnicodeDecodeError):
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            writer.close()
            return
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        await asyncio.sleep(delay)  # the request line crosses the path too
        up_w.write(f"{method} {path or '/'} {version}\r\n".encode("latin-1"))
        await _relay(reader, writer, up_r, up_w, delay)

    return handle


async def main_async(target: str, delay: float) -> None:
    host, _, port = target.rpartition(":")
    tcp = await asyncio.start_server(serve_tcp(host, int(port), delay), "127.0.0.1", 0)
    proxy = await asyncio.start_server(serve_http_proxy(delay), "127.0.0.1", 0)
    ports = {"tcp": tcp.sockets[0].getsockname()[1], "http_proxy": proxy.sockets[0].getsockname()[1]}
    print(json.dumps(ports), flush=True)
    async with tcp, proxy:
        await asyncio.gather(tcp.serve_forever(), proxy.serve_forever())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="HOST:PORT the tcp relay forwards to")
    parser.add_argument("--delay", type=float, default=0.025, help="seconds added to each direction")
    args = parser.parse_args()
    try:
        asyncio.run(main_async(args.target, args.delay))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
