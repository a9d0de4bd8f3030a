"""Command line: ``python -m viam_sdk.testing serve [--host H] [--port P] [--db FILE] [--token-ttl S] [--json]``
``[--tls DIR | --cert FILE --key FILE] [--faults FILE.json]``, and
``python -m viam_sdk.testing exec [the same options] -- CMD ...`` (``viam-emulator exec -- CMD``).

``exec`` starts a fresh emulator (on a free port unless ``--port``), runs CMD
with ``VIAM_APP_URL``, ``VIAM_API_KEY``, ``VIAM_API_KEY_ID`` and ``VIAM_ORG_ID``
set to reach it, and ends with CMD's exit status (see ``exec_command``).

``--faults FILE.json`` loads fault rules (``viam_sdk.testing.faults``); a file
that does not validate stops the command with a message naming the rule and field.

``--max-message-size BYTES``, ``--max-connections N`` and ``--idle-timeout S`` set the
transport limits (:class:`viam_sdk.testing.transport.Limits`): the largest request
message (default 4 MiB, RESOURCE_EXHAUSTED beyond), the open connections over all
the emulator's ports, and the seconds a connection may stay open with no call in
progress.

With ``--tls DIR`` the emulator serves TLS with a private CA and a server
certificate kept in DIR (made on first use, reused after) and prints the CA
file clients should trust (``ca cert: DIR/ca.pem``); ``--cert``/``--key``
serve a certificate made elsewhere.

Prints the bootstrap credentials once the server listens (``org id: ...``,
``api key id: ...``, ``api key: ...``, ``address: ...`` and ``app_url: http://...``,
ready to paste, one per line, then ``dashboard: http://...`` on loopback, or one JSON object with ``--json``) and serves
until SIGINT or SIGTERM.  When it cannot start (a busy port, a database path
that cannot be opened) it prints one line saying why and what to do, and exits
with status 1.

``serve --load SNAP.json`` starts from a snapshot, ``serve --export-on-exit FILE``
writes one when stopped, and ``python -m viam_sdk.testing export --db FILE --out SNAP.json``
writes one of a database (see ``snapshot.py`` and docs/emulator.md).

The API key is shown once, when the database is made: it is stored hashed, so a
later start on the same file prints its id only (``"api_key": ""`` in JSON).
Keep it then, or start on a new file for a new one.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import gc
import json
import os
import signal
import socket
import sys
from collections.abc import Sequence
from typing import Any

from .faults import FaultRule, FaultRuleError, load_rules
from .server import DEFAULT_TOKEN_TTL, Emulator
from .snapshot import SnapshotError, export_main, read_snapshot, remove_database
from .transport import DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_MESSAGE_SIZE, Limits

_NOT_SHOWN = "(shown once, when this database was made; it is stored hashed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m viam_sdk.testing", description="Local Viam cloud emulator"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the emulator until interrupted")
    _emulator_arguments(serve, default_port=8080)
    serve.add_argument("--json", action="store_true", help="print the credentials as one JSON object")
    serve.add_argument("--load", metavar="SNAP.json", default=None, help="start from a snapshot `export` wrote")
    serve.add_argument("--export-on-exit", metavar="FILE", default=None, help="write a snapshot there when stopped")
    export = commands.add_parser("export", help="write a database's state as a JSON snapshot (0600)")
    export.add_argument("--db", required=True, help="the SQLite file of the emulator (it may be serving)")
    export.add_argument("--out", required=True, metavar="SNAP.json", help="the snapshot file to write")
    run = commands.add_parser(
        "exec",
        help="run a command against a fresh emulator, then stop it",
        description="Start an emulator, run CMD with VIAM_APP_URL, VIAM_API_KEY, VIAM_API_KEY_ID and "
        "VIAM_ORG_ID pointing at it, stop the emulator and exit with CMD's status.",
    )
    _emulator_arguments(run, default_port=0)
    run.add_argument("command_line", nargs=argparse.REMAINDER, metavar="-- CMD ...", help="the command to run")
    return parser


def _emulator_arguments(parser: argparse.ArgumentParser, default_port: int) -> None:
    """The options ``serve`` and ``exec`` share: where to listen, the database, tokens, TLS, faults."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=default_port, help=f"TCP port, 0 for any free one (default {default_port})"
    )
    parser.add_argument("--db", default=":memory:", help="SQLite file keeping the fleet (default: in memory)")
    parser.add_argument(
        "--faults", metavar="FILE", default=None, help="JSON file of fault rules (viam_sdk.testing.faults)"
    )
    parser.add_argument(
        "--token-ttl",
        type=_seconds,
        default=DEFAULT_TOKEN_TTL,
        metavar="SECONDS",
        help=f"seconds an access token stays valid (default {DEFAULT_TOKEN_TTL:g}: an hour)",
    )
    parser.add_argument(
        "--tls",
        metavar="DIR",
        default=None,
        help="serve TLS with a CA and a server certificate (127.0.0.1, localhost, ::1) kept in DIR, "
        "made when missing; clients trust DIR/ca.pem",
    )
    parser.add_argument("--cert", metavar="FILE", default=None, help="serve TLS with this PEM certificate chain")
    parser.add_argument("--key", metavar="FILE", default=None, help="the PEM private key of --cert")
    parser.add_argument(
        "--max-message-size",
        type=_count,
        default=None,
        metavar="BYTES",
        help=f"largest request message accepted (default {DEFAULT_MAX_MESSAGE_SIZE}, 4 MiB)",
    )
    parser.add_argument(
        "--max-connections",
        type=_count,
        default=None,
        metavar="N",
        help="open connections over all ports (default 512, or half the descriptor limit when lower)",
    )
    parser.add_argument(
        "--idle-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help=f"close a connection with no call in progress after this long (default {DEFAULT_IDLE_TIMEOUT:g})",
    )


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


def _fault_rules(parser: argparse.ArgumentParser, path: str | None) -> list[FaultRule]:
    """The rules of ``--faults``, checked before serving; a bad file exits with usage."""
    if path is None:
        return []
    try:
        return load_rules(path)
    except FaultRuleError as exc:
        parser.error(str(exc))


async def _serve(
    as_json: bool, options: dict[str, Any], keep: tuple[dict[str, Any] | None, str | None] = (None, None)
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Emulator(**options) as emu:
        loaded, export_on_exit = keep
        if loaded is not None:
            emu.load_snapshot(loaded)
        # What start-up made (the API's modules and classes, the services) stays for the life
        # of the process: taken out of the collector's view, the full collections that calls
        # now and then trigger no longer walk it all (~40 ms each, ~15 µs a call on average).
        gc.collect()
        gc.freeze()
        boot = emu.bootstrap
        if as_json:
            extra: dict[str, Any] = {"ca_cert": emu.ca_cert} if emu.ca_cert else {}
            if len(emu.faults):
                extra["faults"] = emu.faults.list()
            if emu.dashboard_url:
                extra["dashboard"] = emu.dashboard_url
            print(json.dumps({**boot.as_dict(), "address": emu.address, "app_url": emu.app_url, **extra}), flush=True)
        else:
            print(f"org id: {boot.org_id}")
            print(f"api key id: {boot.api_key_id}")
            print(f"api key: {boot.api_key or _NOT_SHOWN}")
            if emu.ca_cert:
                print(f"ca cert: {emu.ca_cert}")
            if len(emu.faults):
                print(f"faults: {len(emu.faults)} rule(s) in force")
            print(f"address: {emu.address}")
            print(f"app_url: {emu.app_url}", flush=True)
            if emu.dashboard_url:  # after the five lines scripts read first
                print(f"dashboard: {emu.dashboard_url}", flush=True)
        await stop.wait()
        if export_on_exit is not None:
            try:
                emu.export_snapshot(export_on_exit)
            except OSError as exc:
                print(f"cannot export on exit: {exc}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "export":
        return export_main(args.db, args.out)
    tls = _tls_arguments(parser, args)
    options: dict[str, Any] = {
        "db": args.db,
        "host": args.host,
        "port": args.port,
        "token_ttl": args.token_ttl,
        "tls": tls.get("tls"),
        "cert": tls.get("cert"),
        "key": tls.get("key"),
        "faults": _fault_rules(parser, args.faults),
        "limits": _limits(args),
    }
    try:
        if args.command == "exec":
            command = args.command_line[1:] if args.command_line[:1] == ["--"] else args.command_line
            if not command:
                parser.error("exec needs a command to run: exec [options] -- CMD [ARG ...]")
            from .exec_command import run_command

            return asyncio.run(run_command(command, options))
        return _serve_main(parser, args, options)
    except OSError as exc:
        print(f"cannot start the emulator: {_why(exc, args.host, args.port)}", file=sys.stderr)
        return 1
    return 0


def _serve_main(parser: argparse.ArgumentParser, args: argparse.Namespace, options: dict[str, Any]) -> int:
    """``serve``, with ``--load`` checked (a bad file is told before anything is made) and undone when it fails."""
    if args.load is not None and args.db != ":memory:" and os.path.exists(args.db):
        parser.error(f"--load fills a new database, and {args.db!r} exists: remove it or give another --db")
    try:
        loaded = None if args.load is None else read_snapshot(args.load)
        asyncio.run(_serve(args.json, options, (loaded, args.export_on_exit)))
    except SnapshotError as exc:
        if args.load is not None and args.db != ":memory:":
            remove_database(args.db)  # it was made for the load: nothing half-made is left behind
        print(f"cannot load the snapshot: {exc}", file=sys.stderr)
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
    """The ``viam-emulator`` console script: ``python -m viam_sdk.testing serve`` under a short name.

    ``viam-emulator exec -- CMD`` (and ``viam-emulator serve ...``) name the command instead.
    """
    args = sys.argv[1:]
    if args[:1] in (["exec"], ["serve"]):
        return main(args)
    return main(["serve", *args])


if __name__ == "__main__":
    sys.exit(main())
