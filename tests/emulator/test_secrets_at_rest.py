"""Issue 18 item 7: what the emulator's database file keeps is readable by its owner only, and holds no secret.

A real emulator on a file: the file and its ``-wal``/``-shm`` siblings are
created 0600 whatever the umask; no API key, location secret or part secret
(nor the bootstrap key) is found in their bytes; the bootstrap key is shown
once, when the database is made, and an in-process ``Emulator`` keeps it in
memory for its caller.  Location and part secrets, which the API hands back to
authorised callers, are stored sealed with a per-database key kept beside the
database (``<db>.key``, 0600), and come back unchanged after a restart.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from grpclib.client import Channel
from viam_api.app.v1 import (
    AppServiceStub,
    CreateKeyRequest,
    CreateLocationRequest,
    GetLocationRequest,
    GetRobotPartRequest,
    GetRobotPartsRequest,
    NewRobotRequest,
)

from viam_sdk.testing import Emulator

from ._helpers import token_metadata
from .test_revocation import _org_owner

#: File -> mode, as measured, for the closing figures.
MODES: dict[str, str] = {}


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The common default umask (022): files would be world-readable unless made otherwise."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _files(db: Path) -> list[Path]:
    return [p for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}.key")) if p.exists()]


def _bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in _files(db))


async def _secrets(emu: Emulator) -> dict[str, str]:
    """Make one of each credential through the API; returns name -> the secret."""
    chan = Channel(emu.host, emu.port)
    try:
        app = AppServiceStub(chan, metadata=emu.auth_metadata())
        org_id = emu.bootstrap.org_id
        loc = (await app.create_location(CreateLocationRequest(organization_id=org_id, name="Lab"))).location
        assert loc is not None and loc.auth is not None
        robot_id = (await app.new_robot(NewRobotRequest(name="rover", location=loc.id))).id
        part = (await app.get_robot_parts(GetRobotPartsRequest(robot_id=robot_id))).parts[0]
        key = await app.create_key(CreateKeyRequest(authorizations=[_org_owner(org_id, "")], name="second"))
        return {
            "bootstrap key": emu.bootstrap.api_key,
            "api key": key.key,
            "location secret": loc.auth.secrets[0].secret,
            "part secret": part.secret,
            "location id": loc.id,
            "part id": part.id,
        }
    finally:
        chan.close()


async def test_the_database_files_are_private_and_hold_no_secret(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "fleet.db"
    async with Emulator(db=str(db)) as emu:
        made = await _secrets(emu)
        names = {p.name: p for p in _files(db)}
        assert {"fleet.db", "fleet.db-wal", "fleet.db-shm"} <= set(names)
        for name, path in names.items():
            mode = stat.S_IMODE(path.stat().st_mode)
            MODES[name] = oct(mode)
            assert mode == 0o600, f"{name} is {oct(mode)}"
        stored = _bytes(db)
        for what in ("bootstrap key", "api key", "location secret", "part secret"):
            assert made[what].encode() not in stored, f"the {what} is in the database files in clear"
        assert made["location id"].encode() in stored  # the search would find a stored string


async def test_a_restart_keeps_working_secrets_but_not_the_bootstrap_key(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "fleet.db"
    async with Emulator(db=str(db)) as first:
        boot = first.bootstrap
        made = await _secrets(first)
    assert boot.api_key  # the in-process caller got the key in memory
    async with Emulator(db=str(db)) as second:
        again = second.bootstrap
        assert (again.org_id, again.api_key_id) == (boot.org_id, boot.api_key_id)
        assert again.api_key == ""  # not stored, so not shown again
        chan = Channel(second.host, second.port)
        try:
            meta = await token_metadata(chan, boot.api_key_id, "api-key", boot.api_key)
            app = AppServiceStub(chan, metadata=meta)
            location = (await app.get_location(GetLocationRequest(location_id=made["location id"]))).location
            assert location is not None and location.auth is not None
            assert [s.secret for s in location.auth.secrets] == [made["location secret"]]
            part = (await app.get_robot_part(GetRobotPartRequest(id=made["part id"]))).part
            assert part is not None and part.secret == made["part secret"]
            assert await token_metadata(chan, made["part id"], "robot-secret", made["part secret"])
            assert await token_metadata(chan, made["location id"], "robot-location-secret", made["location secret"])
        finally:
            chan.close()
        assert made["bootstrap key"].encode() not in _bytes(db)


def _serve_once(db: Path) -> dict[str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "viam_sdk.testing", "serve", "--port", "0", "--db", str(db), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    printed: dict[str, str] = json.loads(line)
    return printed


def test_serve_prints_the_bootstrap_key_once(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "cli.db"
    first = _serve_once(db)
    assert first["api_key"]
    second = _serve_once(db)
    assert (second["org_id"], second["api_key_id"]) == (first["org_id"], first["api_key_id"])
    assert second["api_key"] == ""
    assert first["api_key"].encode() not in _bytes(db)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


async def test_a_database_of_an_earlier_version_is_sealed_on_start(tmp_path: Path, open_umask: None) -> None:
    """Clear secrets, a clear bootstrap key and tokens that name no credential, as earlier versions kept them."""
    import sqlite3

    db = tmp_path / "old.db"
    async with Emulator(db=str(db)) as first:
        boot = first.bootstrap
        made = await _secrets(first)
    # Put the file back into the shape an earlier emulator left (raw SQL: no backend writes that shape).
    old = sqlite3.connect(db)
    with old:
        old.execute("UPDATE location_secrets SET secret = ?", (made["location secret"],))
        old.execute("UPDATE part_secrets SET secret = ?", (made["part secret"],))
        old.execute("INSERT INTO emulator_meta VALUES ('bootstrap_api_key', ?)", (boot.api_key,))
        old.execute("DROP TABLE access_tokens")
        old.execute("CREATE TABLE access_tokens (digest BLOB PRIMARY KEY, kind TEXT, subject TEXT, created_at TEXT)")
        old.execute("INSERT INTO access_tokens VALUES (x'00', 'api-key', ?, '')", (boot.api_key_id,))
    old.close()
    os.chmod(db, 0o644)

    async with Emulator(db=str(db)) as second:
        assert second.bootstrap.api_key == boot.api_key  # handed out this once more ...
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
        stored = _bytes(db)
        for what in ("bootstrap key", "location secret", "part secret"):
            assert made[what].encode() not in stored, f"the {what} is still in clear"
        chan = Channel(second.host, second.port)
        try:
            meta = await token_metadata(chan, made["location id"], "robot-location-secret", made["location secret"])
            location = (await AppServiceStub(chan, metadata=meta).get_location(
                GetLocationRequest(location_id=made["location id"])
            )).location
            assert location is not None and location.auth is not None
            assert [s.secret for s in location.auth.secrets] == [made["location secret"]]
        finally:
            chan.close()
    async with Emulator(db=str(db)) as third:
        assert third.bootstrap.api_key == ""  # ... and then forgotten


async def test_a_damaged_key_file_stops_the_start_with_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "fleet.db"
    async with Emulator(db=str(db)):
        pass
    Path(f"{db}.key").write_text("not hex\n")
    with pytest.raises(OSError, match=r"fleet\.db\.key.*damaged"):
        async with Emulator(db=str(db)):
            pass
