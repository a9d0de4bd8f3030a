"""Issue 22 item 2: state you can keep -- snapshots (export, load), ``Emulator.reset()``, the shared fixture.

Real emulators throughout: in-process ones and ``serve`` subprocesses.  A fleet
is made through the SDK (a location, a machine, a second API key, a fragment, a
dataset, logs pushed and data uploaded by the part itself), exported, and loaded
elsewhere: the same API key and part secret authenticate there, and every table
reads back equal.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from viam_sdk.app.app_client import APIKeyAuthorization
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator, MachinePart
from viam_sdk.testing.snapshot import FORMAT, SnapshotError, dump_state, export_file, read_snapshot

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4  # not text: travels as base64


@dataclass
class Made:
    """What :func:`_populate` made and the credentials that reach it."""

    org_id: str
    location_id: str
    robot_id: str
    part_id: str
    part_secret: str
    key_id: str
    key: str
    fragment_id: str
    dataset_id: str


async def _client(app_url: str, key: str, key_id: str) -> ViamClient:
    return await ViamClient.create_from_dial_options(DialOptions.with_api_key(key, key_id), app_url)


async def _populate(app_url: str, org_id: str, key: str, key_id: str) -> Made:
    async with await _client(app_url, key, key_id) as viam:
        fleet = viam.app_client
        loc = await fleet.create_location(org_id, "Depot")
        robot_id = await fleet.new_robot("rover", loc.id)
        part = (await fleet.get_robot_parts(robot_id))[0]
        auth = APIKeyAuthorization(role="owner", resource_type="organization", resource_id=org_id)
        second_key, second_id = await fleet.create_key(org_id, [auth], "kept")
        fragment = await fleet.create_fragment(org_id, "arm", {"components": [{"name": "arm"}]})
        dataset_id = await viam.data_client.create_dataset("pictures", org_id)
        secret = (await fleet.get_robot_part(part.id)).secret
    now = datetime.now(timezone.utc)
    async with await MachinePart.connect(app_url, part.id, secret) as machine:
        await machine.check_in()
        for i in range(3):
            await machine.log(f"line {i}")
        await machine.data_client.tabular_data_capture_upload(
            [{"celsius": 21.5}, {"celsius": 22.0}],
            part_id=part.id,
            component_type="rdk:component:sensor",
            component_name="thermo",
            method_name="Readings",
            data_request_times=[(now, now), (now, now)],
        )
        await machine.data_client.binary_data_capture_upload(
            JPEG, part.id, "rdk:component:camera", "cam", "ReadImage", ".jpg", data_request_times=(now, now)
        )
    return Made(org_id, loc.id, robot_id, part.id, secret, second_id, second_key, fragment.id, dataset_id)


def _tables(emu: Emulator) -> dict[str, Any]:
    return dict(dump_state(emu.store)["tables"])


async def _check_reachable(app_url: str, made: Made) -> None:
    """The second API key and the part secret work, and what they read is what was made."""
    async with await _client(app_url, made.key, made.key_id) as viam:
        fleet = viam.app_client
        assert [loc.id for loc in await fleet.list_locations(made.org_id)] == [made.location_id]
        assert [r.id for r in await fleet.list_robots(made.location_id)] == [made.robot_id]
        assert (await fleet.get_robot_part(made.part_id)).secret == made.part_secret
        logs = await fleet.get_robot_part_logs(made.part_id)
        assert sorted(entry.message for entry in logs) == ["line 0", "line 1", "line 2"]
        rows = await viam.data_client.tabular_data_by_sql(made.org_id, "SELECT data FROM readings")
        assert len(rows) == 2
        binary, _, _ = await viam.data_client.binary_data_by_filter(include_binary_data=True)
        assert [b.binary for b in binary] == [JPEG]
    async with await MachinePart.connect(app_url, made.part_id, made.part_secret) as machine:
        await machine.log("after the load")


# -- in-process -------------------------------------------------------------------------------


async def test_export_then_load_elsewhere_keeps_everything_and_the_credentials(tmp_path: Path) -> None:
    snap = tmp_path / "fleet.json"
    async with Emulator(db=str(tmp_path / "a.db")) as source:
        boot = source.bootstrap
        made = await _populate(source.app_url, boot.org_id, boot.api_key, boot.api_key_id)
        size = source.export_snapshot(snap)
        before = _tables(source)
    assert size == snap.stat().st_size
    assert stat.S_IMODE(snap.stat().st_mode) == 0o600  # it holds the sealing key: owner only
    document = json.loads(snap.read_text())
    assert (document["format"], document["version"]) == (FORMAT, 1)
    assert "access_tokens" not in document["tables"]
    assert made.part_secret not in snap.read_text()  # secrets travel sealed, keys as digests
    assert made.key not in snap.read_text()

    # Another database with its own sealing key: the secrets are sealed again under it.
    async with Emulator(db=str(tmp_path / "b.db")) as target:
        target.load_snapshot(snap)
        assert (target.bootstrap.org_id, target.bootstrap.api_key_id) == (boot.org_id, boot.api_key_id)
        after = _tables(target)
        sealed = {"location_secrets", "part_secrets"}
        assert {k: v for k, v in after.items() if k not in sealed} == {
            k: v for k, v in before.items() if k not in sealed
        }
        await _check_reachable(target.app_url, made)
        # The bootstrap key (known by its digest only) works too.
        async with await _client(target.app_url, boot.api_key, boot.api_key_id) as viam:
            assert (await viam.app_client.get_organization(boot.org_id)).id == boot.org_id


async def test_a_loaded_in_memory_emulator_keeps_the_snapshot_rows_exactly(tmp_path: Path) -> None:
    snap = tmp_path / "s.json"
    async with Emulator() as source:
        boot = source.bootstrap
        await _populate(source.app_url, boot.org_id, boot.api_key, boot.api_key_id)
        source.export_snapshot(snap)
        before = _tables(source)
        source.load_snapshot(snap)  # onto itself: same key, nothing sealed again
        assert _tables(source) == before
        assert source.bootstrap.api_key == boot.api_key  # this instance still knows the key it made


async def test_a_bad_row_loads_nothing(tmp_path: Path) -> None:
    async with Emulator() as emu:
        boot = emu.bootstrap
        await _populate(emu.app_url, boot.org_id, boot.api_key, boot.api_key_id)
        snap = tmp_path / "s.json"
        emu.export_snapshot(snap)
        document = json.loads(snap.read_text())
        rows = document["tables"]["robots"]["rows"]
        rows.append(list(rows[0]))  # the same primary key twice: the insert fails late, after other tables
        before = _tables(emu)
        with pytest.raises(SnapshotError, match="robots|UNIQUE") as caught:
            emu.load_snapshot(document)
        assert "nothing was changed" in str(caught.value)
        assert _tables(emu) == before


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{not json", "is not JSON"),
        ('{"format": "something else"}', "is not an emulator snapshot"),
        (json.dumps({"format": FORMAT, "version": 99, "tables": {}}), "version 99"),
        (json.dumps({"format": FORMAT, "version": 1, "tables": []}), '"tables" must be'),
        (json.dumps({"format": FORMAT, "version": 1, "tables": {"robots": {"columns": ["id"], "rows": [[1, 2]]}}}), "row 0"),
        (json.dumps({"format": FORMAT, "version": 1, "sealing_key": "zz", "tables": {}}), "sealing_key"),
    ],
)
def test_malformed_or_unknown_files_are_refused_by_name(tmp_path: Path, text: str, needle: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    with pytest.raises(SnapshotError, match="bad.json") as caught:
        read_snapshot(bad)
    assert needle in str(caught.value)


async def test_unknown_tables_columns_and_cells_are_refused_before_any_change(tmp_path: Path) -> None:
    cases = [
        ({"no_such_table": {"columns": ["a"], "rows": []}}, "no_such_table"),
        ({"robots": {"columns": ["id", "wheels"], "rows": []}}, "wheels"),
        ({"organizations": {"columns": ["id", "name", "created_at"], "rows": [["o", {"x": 1}, "t"]]}}, "cell value"),
    ]
    async with Emulator() as emu:
        before = _tables(emu)
        for tables, needle in cases:
            with pytest.raises(SnapshotError, match=needle):
                emu.load_snapshot({"format": FORMAT, "version": 1, "sealing_key": None, "tables": tables})
            assert _tables(emu) == before


# -- serve subprocesses -----------------------------------------------------------------------


def _serve(*args: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "viam_sdk.testing", "serve", "--port", "0", "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        _, err = proc.communicate(timeout=30)
        raise AssertionError(f"serve did not start: {err}")
    return proc, json.loads(line)


def _stop(proc: subprocess.Popen[str], how: int = signal.SIGTERM) -> str:
    proc.send_signal(how)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return err


async def test_serve_export_kill_then_load_in_a_new_process(tmp_path: Path) -> None:
    db, snap, on_exit = tmp_path / "a.db", tmp_path / "a.json", tmp_path / "exit.json"
    first, creds = _serve("--db", str(db), "--export-on-exit", str(on_exit))
    try:
        made = await _populate(creds["app_url"], creds["org_id"], creds["api_key"], creds["api_key_id"])
        exported = subprocess.run(
            [sys.executable, "-m", "viam_sdk.testing", "export", "--db", str(db), "--out", str(snap)],
            capture_output=True,
            text=True,
            timeout=60,
        )  # while it serves
        assert exported.returncode == 0, exported.stderr
    finally:
        _stop(first)
    assert stat.S_IMODE(snap.stat().st_mode) == 0o600
    assert stat.S_IMODE(on_exit.stat().st_mode) == 0o600
    assert json.loads(snap.read_text())["tables"] == json.loads(on_exit.read_text())["tables"]

    for args in (["--load", str(snap)], ["--load", str(on_exit), "--db", str(tmp_path / "b.db")]):
        second, again = _serve(*args)
        try:
            assert (again["org_id"], again["api_key_id"]) == (creds["org_id"], creds["api_key_id"])
            assert again["api_key"] == ""  # kept as a digest: not shown, but it works
            await _check_reachable(again["app_url"], made)
            async with await _client(again["app_url"], creds["api_key"], creds["api_key_id"]) as viam:
                fragments = await viam.app_client.list_fragments(creds["org_id"])
                assert [f.id for f in fragments] == [made.fragment_id]
        finally:
            err = _stop(second)
        assert creds["api_key"] not in err and made.part_secret not in err


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "viam_sdk.testing", *args], capture_output=True, text=True, timeout=60
    )


def test_the_command_line_says_what_is_wrong(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": FORMAT, "version": 2, "tables": {}}))
    loaded = _cli("serve", "--port", "0", "--load", str(bad), "--db", str(tmp_path / "new.db"))
    assert loaded.returncode == 1
    assert "version 2" in loaded.stderr and "reads version 1" in loaded.stderr
    assert not (tmp_path / "new.db").exists()  # nothing made

    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"format": FORMAT, "version": 1, "tables": {"nope": {"columns": ["a"], "rows": []}}}))
    late = _cli("serve", "--port", "0", "--load", str(unknown), "--db", str(tmp_path / "late.db"))
    assert late.returncode == 1 and "'nope'" in late.stderr
    assert not any(p.name.startswith("late.db") for p in tmp_path.iterdir())  # the database made for it is gone

    (tmp_path / "there.db").write_bytes(b"")
    existing = _cli("serve", "--port", "0", "--load", str(bad), "--db", str(tmp_path / "there.db"))
    assert existing.returncode == 2 and "exists" in existing.stderr

    missing = _cli("export", "--db", str(tmp_path / "missing.db"), "--out", str(tmp_path / "o.json"))
    assert missing.returncode == 1 and "no database file" in missing.stderr
    not_ours = _cli("export", "--db", str(bad), "--out", str(tmp_path / "o.json"))
    assert not_ours.returncode == 1 and "not an emulator's database" in not_ours.stderr
    assert not (tmp_path / "o.json").exists()


async def test_a_database_without_its_key_file_exports_secrets_that_still_authenticate(tmp_path: Path) -> None:
    """A lost ``<db>.key``: the secrets were unreadable there and stay so, but they still open the part."""
    db = tmp_path / "a.db"
    async with Emulator(db=str(db)) as source:
        boot = source.bootstrap
        made = await _populate(source.app_url, boot.org_id, boot.api_key, boot.api_key_id)
    Path(f"{db}.key").unlink()
    export_file(str(db), tmp_path / "s.json")
    assert not Path(f"{db}.key").exists()  # exporting made no new key
    document = read_snapshot(tmp_path / "s.json")
    assert document["sealing_key"] is None
    async with Emulator() as target:
        target.load_snapshot(document)
        async with await _client(target.app_url, made.key, made.key_id) as viam:
            assert (await viam.app_client.get_robot_part(made.part_id)).secret == ""
        async with await MachinePart.connect(target.app_url, made.part_id, made.part_secret) as machine:
            await machine.log("still mine")
