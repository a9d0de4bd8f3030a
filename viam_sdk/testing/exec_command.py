"""``viam-emulator exec -- CMD ...``: run one command against a fresh emulator, then stop it.

The emulator starts (in memory unless ``--db``, on a free loopback port unless
``--port``), and CMD runs with these in its environment:

* ``VIAM_APP_URL``: the emulator's ``app_url`` (``http://127.0.0.1:PORT``, or
  ``https://...`` with ``--tls``), which ``ViamClient.create_from_env_vars()``
  and ``create_from_dial_options`` use when no ``app_url`` is passed;
* ``VIAM_API_KEY`` and ``VIAM_API_KEY_ID``: the bootstrap owner key; on a ``--db``
  made by an earlier run (which keeps keys hashed) a new owner key of the
  bootstrap organization, made for this run and deleted after it;
* ``VIAM_ORG_ID``: the bootstrap organization;
* with ``--tls DIR``: ``SSL_CERT_FILE``, a bundle of the CAs the machine already
  trusts plus the emulator's, so the command verifies the emulator's certificate
  and can still reach other hosts.

``exec`` ends with CMD's exit status (128 + N when a signal N ended it), after
stopping the emulator.  SIGTERM, SIGHUP and SIGQUIT sent to ``exec`` are passed
on to CMD, and so is SIGINT unless it came from the terminal (which sends it to
CMD itself).  A command that cannot be started ends ``exec`` with status 127
(not found) or 126 (not executable), as a shell does.
"""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .server import Emulator

__all__ = ["FORWARDED_SIGNALS", "emulator_environment", "run_command"]

FORWARDED_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def emulator_environment(
    emu: Emulator, folder: str | os.PathLike[str] | None = None, key: tuple[str, str] | None = None
) -> dict[str, str]:
    """The variables that point a script at ``emu`` (see the module's docstring).

    ``folder`` receives the CA bundle when the emulator serves TLS with a CA of its own;
    ``key`` (id, key) replaces the bootstrap key.
    """
    boot = emu.bootstrap
    key_id, api_key = key or (boot.api_key_id, boot.api_key)
    env = {
        "VIAM_APP_URL": emu.app_url,
        "VIAM_API_KEY": api_key,
        "VIAM_API_KEY_ID": key_id,
        "VIAM_ORG_ID": boot.org_id,
    }
    if emu.ca_cert and folder is not None:
        bundle = Path(folder) / "ca-bundle.pem"
        bundle.write_text(_trusted_pem() + Path(emu.ca_cert).read_text())
        env["SSL_CERT_FILE"] = str(bundle)
    return env


def _run_key(emu: Emulator) -> tuple[str, str]:
    """A new owner key of the bootstrap organization, for one run on a database made earlier."""
    from .backends.credentials import CredentialsBackend

    ctx = emu.context
    key_id, org_id = ctx.new_id(), emu.bootstrap.org_id
    key = CredentialsBackend(ctx.store).create_api_key(
        key_id=key_id,
        org_id=org_id,
        name="viam-emulator exec key",
        created_at=ctx.now_iso(),
        authorizations=[("owner", "organization", org_id, org_id)],
    )
    return key_id, key


def _drop_key(emu: Emulator, key_id: str) -> None:
    from .backends.credentials import delete_key_rows

    with emu.store.transaction() as db:
        delete_key_rows(db, key_id)


def _trusted_pem() -> str:
    """The CA certificates this machine trusts by file (``SSL_CERT_FILE`` or OpenSSL's default), as PEM."""
    paths = ssl.get_default_verify_paths()
    candidates = [os.environ.get("SSL_CERT_FILE"), paths.cafile, paths.openssl_cafile, "/etc/ssl/certs/ca-certificates.crt"]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate):
            text = Path(candidate).read_text(errors="replace")
            return text if text.endswith("\n") else text + "\n"
    return ""


def _from_terminal(sig: int) -> bool:
    """Whether a SIGINT most likely came from the terminal, which sent it to the command too."""
    if sig != signal.SIGINT:
        return False
    try:
        return os.isatty(0) and os.tcgetpgrp(0) == os.getpgrp()
    except OSError:
        return False


async def run_command(command: Sequence[str], emulator_options: dict[str, Any]) -> int:
    """Start an emulator, run ``command`` against it and return its exit status."""
    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory(prefix="viam-emulator-exec-") as folder:
        async with Emulator(**emulator_options) as emu:
            key = _run_key(emu) if not emu.bootstrap.api_key else None
            env = {**os.environ, **emulator_environment(emu, folder, key)}
            print(f"viam-emulator: serving {emu.app_url}; running {' '.join(command)}", file=sys.stderr, flush=True)
            try:
                child = await asyncio.create_subprocess_exec(*command, env=env)
            except FileNotFoundError:
                print(f"viam-emulator exec: command not found: {command[0]!r}", file=sys.stderr)
                return 127
            except PermissionError:
                print(f"viam-emulator exec: cannot run {command[0]!r}: permission denied", file=sys.stderr)
                return 126

            def forward(sig: int) -> None:
                if child.returncode is None and not _from_terminal(sig):
                    child.send_signal(sig)

            for sig in FORWARDED_SIGNALS:
                loop.add_signal_handler(sig, forward, sig)
            try:
                code = await child.wait()
            finally:
                for sig in FORWARDED_SIGNALS:
                    loop.remove_signal_handler(sig)
                if key is not None:
                    _drop_key(emu, key[0])
    return code if code >= 0 else 128 - code
