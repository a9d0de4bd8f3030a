"""Command line: ``python -m viam_sdk.testing serve [--host H] [--port P] [--db FILE] [--token-ttl S] [--json]``.

Prints the bootstrap credentials once the server listens (``org id: ...``,
``api key id: ...``, ``api key: ...``, ``address: ...`` and ``app_url: http://...``,
ready to paste, one per line, or one JSON object with ``--json``) and serves
until SIGINT or SIGTERM.  When it cannot start (a busy port, a database path
that cannot be opened) it prints one line saying why and what to do, and exits
with status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import signal
import socket
import sys
from collections.abc import Sequence

from .server import Emulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m viam_sdk.testing", description="Local Viam cloud emulator"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the emulator until interrupted")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8080, help="TCP port, 0 for any free one (default 8080)")
    serve.add_argument("--db", default=":memory:", help="SQLite file keeping the fleet (default: in memory)")
    serve.add_argument("--json", action="store_true", help="print the credentials as one JSON object")
    serve.add_argument(
        "--token-ttl",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="seconds an access token stays valid (default: no expiry)",
    )
    return parser


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0 to 65535; 0 picks a free one)")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a positive number of seconds")
    return value


async def _serve(host: str, port: int, db: str, as_json: bool, token_ttl: float | None = None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Emulator(db=db, host=host, port=port, token_ttl=token_ttl) as emu:
        boot = emu.bootstrap
        if as_json:
            print(json.dumps({**boot.as_dict(), "address": emu.address, "app_url": emu.app_url}), flush=True)
        else:
            print(f"org id: {boot.org_id}")
            print(f"api key id: {boot.api_key_id}")
            print(f"api key: {boot.api_key}")
            print(f"address: {emu.address}")
            print(f"app_url: {emu.app_url}", flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        asyncio.run(_serve(args.host, args.port, args.db, args.json, args.token_ttl))
    except OSError as exc:
        print(f"cannot start the emulator: {_why(exc, args.host, args.port)}", file=sys.stderr)
        return 1
    return 0


def _why(exc: OSError, host: str, port: int) -> str:
    """What stopped the server from listening, in words, with what to pass instead."""
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use (another emulator or program listens there); "
            "stop it, choose another --port, or pass --port 0 for any free port"
        )
    if exc.errno == errno.EACCES:
        return (
            f"no permission to listen on port {port} (ports below 1024 need root); "
            "use --port 8080 or --port 0"
        )
    if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return (
            f"--host {host!r} is not an address of this machine; use 127.0.0.1 (this machine only) "
            "or 0.0.0.0 (every network interface)"
        )
    return str(exc)


def serve_main() -> int:
    """The ``viam-emulator`` console script: ``python -m viam_sdk.testing serve`` under a short name."""
    return main(["serve", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
