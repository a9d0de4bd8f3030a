"""The emulator as a real process: started on a database file, killed with SIGKILL, started again."""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmulatorProcess:
    """``python -m viam_sdk.testing serve --db FILE --port PORT`` in a child process.

    The same file and port on every start, so a client made before a kill
    can call again after the restart.
    """

    def __init__(
        self, db: Path, port: int | None = None, *, args: Sequence[str] = (), max_files: int | None = None
    ) -> None:
        self.db = db
        self.args = tuple(args)  # more `serve` options
        self.max_files = max_files  # the child's descriptor limit (RLIMIT_NOFILE), when given
        self.port = port or free_port()
        self.proc: subprocess.Popen[str] | None = None
        self.boot: dict[str, Any] = {}
        self.log = db.with_suffix(".log")

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> dict[str, Any]:
        assert self.proc is None, "already running"
        cmd = [sys.executable, "-m", "viam_sdk.testing", "serve", "--db", str(self.db)]
        cmd += ["--port", str(self.port), "--json", *self.args]
        limit = self.max_files

        def limit_files() -> None:
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        with open(self.log, "a") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=log, text=True, preexec_fn=limit_files if limit else None
            )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise RuntimeError(f"the emulator did not start: {self.log_text()}")
        boot = json.loads(line)
        if not boot.get("api_key") and boot.get("api_key_id") == self.boot.get("api_key_id"):
            # A restart names the key without showing it (stored hashed): keep the one the first start showed.
            boot["api_key"] = self.boot["api_key"]
        self.boot = boot
        return self.boot

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind runs in the emulator."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._close_pipes()
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._close_pipes()
        self.proc = None

    def rss(self) -> int:
        """The process's resident memory now, in bytes (Linux /proc)."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS line")

    def open_files(self) -> int:
        """How many descriptors the process holds now (Linux /proc)."""
        assert self.proc is not None
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def log_text(self) -> str:
        """What the emulator wrote to stderr over all its runs."""
        return self.log.read_text() if self.log.exists() else ""

    def _close_pipes(self) -> None:
        assert self.proc is not None
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the database file directly (WAL lets a reader in beside the server)."""
        conn = sqlite3.connect(self.db, timeout=5)
        try:
            return list(conn.execute(sql, params).fetchall())
        finally:
            conn.close()


class CountingProxy:
    """A TCP forwarder on loopback that counts the bytes each way and can act on a count.

    ``on_download(n)`` / ``on_upload(n)`` are called with the running totals
    of server-to-client and client-to-server bytes; they may kill the server
    in the middle of a transfer at a byte count the test chooses.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.down = 0
        self.up = 0
        self.on_download: Any = None
        self.on_upload: Any = None
        self._server: Any = None

    async def start(self) -> None:
        import asyncio

        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader: Any, writer: Any) -> None:
        import asyncio

        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return

        async def pipe(src: Any, dst: Any, upstream: bool) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
                    if upstream:
                        self.up += len(data)
                        if self.on_upload is not None:
                            self.on_upload(self.up)
                    else:
                        self.down += len(data)
                        if self.on_download is not None:
                            self.on_download(self.down)
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
