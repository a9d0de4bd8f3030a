"""Command line: ``python -m viam_sdk.testing serve [--host H] [--port P] [--db FILE] [--token-ttl S] [--json]``
``[--tls DIR | --cert FILE --key FILE] [--max-message-size BYTES] [--max-connections N] [--idle-timeout S]``.

The last three are the transport limits (:class:`viam_sdk.testing.transport.Limits`):
the largest request message (default 4 MiB, RESOURCE_EXHAUSTED beyond), the
open connections over all the emulator's ports, and the seconds a connection
may stay open with no call in progress.

With ``--tls DIR`` the emulator serves TLS with a private CA and a server
certificate kept in DIR (made on first use, reused after) and prints the CA
file clients should trust (``ca cert: DIR/ca.pem``); ``--cert``/``--key``
serve a certificate made elsewhere.

Prints the bootstrap credentials once the server listens (``org id: ...``,
``api key id: ...``, ``api key: ...``, ``address: ...`` and ``app_url: http://...``,
ready to paste, one per line, or one JSON object with ``--json``) and serves
until SIGINT or SIGTERM.  When it cannot start (a busy port, a database path
that cannot be opened) it prints one line saying why and what to do, and exits
with status 1.

The API key is shown once, when the database is made: it is stored hashed, so a
later start on the same file prints its id only (``"api_key": ""`` in JSON).
Keep it then, or start on a new file for a new one.
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

from .server import DEFAULT_TOKEN_TTL, Emulator
from .transport import DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_MESSAGE_SIZE, Limits

_NOT_SHOWN = "(shown once, when this database was made; it is stored hashed)"


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
        default=DEFAULT_TOKEN_TTL,
        metavar="SECONDS",
        help=f"seconds an access token stays valid (default {DEFAULT_TOKEN_TTL:g}: an hour)",
    )
    serve.add_argument(
        "--tls",
        metavar="DIR",
        default=None,
        help="serve TLS with a CA and a server certificate (127.0.0.1, localhost, ::1) kept in DIR, "
        "made when missing; clients trust DIR/ca.pem",
    )
    serve.add_argument("--cert", metavar="FILE", default=None, help="serve TLS with this PEM certificate chain")
    serve.add_argument("--key", metavar="FILE", default=None, help="the PEM private key of --cert")
    serve.add_argument(
        "--max-message-size",
        type=_count,
        default=None,
        metavar="BYTES",
        help=f"largest request message accepted (default {DEFAULT_MAX_MESSAGE_SIZE}, 4 MiB)",
    )
    serve.add_argument(
        "--max-connections",
        type=_count,
        default=None,
        metavar="N",
        help="open connections over all ports (default 512, or half the descriptor limit when lower)",
    )
    serve.add_argument(
        "--idle-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help=f"close a connection with no call in progress after this long (default {DEFAULT_IDLE_TIMEOUT:g})",
    )
    return parser


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a positive whole number")
    return value


def _limits(args: argparse.Namespace) -> Limits:
    """The Emulator's limits from ``--max-message-size``/``--max-connections``/``--idle-timeout``."""
    given = {
        name: value
        for name, value in (
            ("max_message_size", args.max_message_size),
            ("max_connections", args.max_connections),
            ("idle_timeout", args.idle_timeout),
        )
        if value is not None
    }
    return Limits(**given)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0 to 65535; 0 picks a free one)")
    return value


def _tls_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, str]:
    """The Emulator's TLS keywords from ``--tls``/``--cert``/``--key``; a wrong combination exits with usage."""
    if args.tls is not None and (args.cert or args.key):
        parser.error("give either --tls DIR or --cert FILE --key FILE, not both")
    if bool(args.cert) != bool(args.key):
        parser.error("--cert and --key go together: give both files")
    if args.tls is None and not args.cert:
        return {}
    from . import tls

    # Made (or checked) here, so that a bad folder or file is reported as such, before serving.
    try:
        if args.tls is not None:
            tls.ensure_certificates(args.tls, host=args.host)
            return {"tls": args.tls}
        tls.server_context(args.cert, args.key)
    except (ValueError, OSError, ImportError) as exc:
        parser.error(f"cannot serve TLS: {exc}")
    return {"cert": args.cert, "key": args.key}


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a positive number of seconds")
    return value


async def _serve(
    host: str,
    port: int,
    db: str,
    as_json: bool,
    token_ttl: float | None = DEFAULT_TOKEN_TTL,
    tls: dict[str, str] | None = None,
    limits: Limits | None = None,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tls = tls or {}
    async with Emulator(
        db=db,
        host=host,
        port=port,
        token_ttl=token_ttl,
        tls=tls.get("tls"),
        cert=tls.get("cert"),
        key=tls.get("key"),
        limits=limits,
    ) as emu:
        boot = emu.bootstrap
        if as_json:
            extra = {"ca_cert": emu.ca_cert} if emu.ca_cert else {}
            print(json.dumps({**boot.as_dict(), "address": emu.address, "app_url": emu.app_url, **extra}), flush=True)
        else:
            print(f"org id: {boot.org_id}")
            print(f"api key id: {boot.api_key_id}")
            print(f"api key: {boot.api_key or _NOT_SHOWN}")
            if emu.ca_cert:
                print(f"ca cert: {emu.ca_cert}")
            print(f"address: {emu.address}")
            print(f"app_url: {emu.app_url}", flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    tls = _tls_arguments(parser, args)
    try:
        asyncio.run(_serve(args.host, args.port, args.db, args.json, args.token_ttl, tls, _limits(args)))
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
