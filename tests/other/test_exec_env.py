"""Issue 22 item 4: scripts pointed at the emulator without edits.

* ``VIAM_APP_URL`` is the ``app_url`` of ``ViamClient.create_from_env_vars()``,
  of ``create_from_dial_options`` without one, and of ``MachinePart.connect(None, ...)``;
  an ``app_url`` in code wins; a bad value is refused naming the variable.
* ``viam-emulator exec -- CMD`` (and ``python -m viam_sdk.testing exec``) runs CMD
  against a fresh emulator, with the variables set, over plain HTTP/2 or TLS,
  and ends with CMD's status; signals sent to it reach CMD.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from viam_sdk import ViamClient
from viam_sdk.app.viam_client import app_url_from_env
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator, MachinePart

SCRIPT = textwrap.dedent(
    """
    import asyncio, os, sys
    from viam_sdk import ViamClient

    async def main() -> None:
        async with await ViamClient.create_from_env_vars() as viam_client:
            orgs = await viam_client.app_client.list_organizations()
            print(os.environ["VIAM_APP_URL"].split(":")[0], [org.id for org in orgs] == [os.environ["VIAM_ORG_ID"]])

    asyncio.run(main())
    sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    """
)


async def test_create_from_env_vars_follows_viam_app_url(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    boot = emulator.bootstrap
    monkeypatch.setenv("VIAM_API_KEY", boot.api_key)
    monkeypatch.setenv("VIAM_API_KEY_ID", boot.api_key_id)
    monkeypatch.setenv("VIAM_APP_URL", emulator.app_url)
    async with await ViamClient.create_from_env_vars() as viam_client:
        assert [org.id for org in await viam_client.app_client.list_organizations()] == [boot.org_id]
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    async with await ViamClient.create_from_dial_options(opts) as viam_client:
        assert repr(viam_client) == f"<ViamClient {emulator.address} open>"


async def test_an_app_url_in_code_wins_over_the_variable(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    boot = emulator.bootstrap
    monkeypatch.setenv("VIAM_APP_URL", "http://127.0.0.1:9")  # nothing listens there
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    async with await ViamClient.create_from_dial_options(opts, emulator.app_url) as viam_client:
        assert len(await viam_client.app_client.list_organizations()) == 1


async def test_a_machine_part_follows_viam_app_url(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    boot = emulator.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    async with await ViamClient.create_from_dial_options(opts, emulator.app_url) as viam_client:
        fleet = viam_client.app_client
        location = await fleet.create_location(boot.org_id, "Lab")
        part = (await fleet.get_robot_parts(await fleet.new_robot("rover", location_id=location.id)))[0]
        monkeypatch.setenv("VIAM_APP_URL", emulator.app_url)
        async with await MachinePart.connect(None, part.id, part.secret) as machine:
            await machine.log("hello from the environment")
        assert [e.message for e in await fleet.get_robot_part_logs(part.id)] == ["hello from the environment"]


def test_a_bad_viam_app_url_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIAM_APP_URL", "ftp://127.0.0.1:8080")
    with pytest.raises(ValueError, match=r"VIAM_APP_URL .*'ftp'"):
        app_url_from_env(None)
    monkeypatch.setenv("VIAM_APP_URL", "  ")
    assert app_url_from_env(None) is None  # empty: the default, app.viam.com
    assert app_url_from_env("http://127.0.0.1:1") == "http://127.0.0.1:1"


def _exec(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "viam_sdk.testing", "exec", *args], capture_output=True, text=True, timeout=timeout
    )


def test_exec_runs_the_script_against_a_fresh_emulator_and_keeps_its_status(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    done = _exec("--", sys.executable, str(script), "3")
    assert done.returncode == 3, done.stderr
    assert done.stdout.split() == ["http", "True"]
    assert "viam-emulator: serving http://127.0.0.1:" in done.stderr


def test_exec_on_a_database_made_earlier_gets_a_key_for_the_run(tmp_path: Path) -> None:
    import sqlite3

    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    db = tmp_path / "fleet.db"
    for _ in range(2):  # the second run cannot see the bootstrap key: it is stored hashed
        done = _exec("--db", str(db), "--", sys.executable, str(script))
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["http", "True"]
    conn = sqlite3.connect(db)
    try:
        names = [row[0] for row in conn.execute("SELECT name FROM api_keys")]
    finally:
        conn.close()
    assert names == ["bootstrap owner key"]  # the run's own key was deleted after it


def test_exec_over_tls_trusts_the_emulator_and_the_usual_authorities(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    console = Path(sys.executable).with_name("viam-emulator")
    done = subprocess.run(
        [str(console), "exec", "--tls", str(tmp_path / "tls"), "--", sys.executable, str(script)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["https", "True"]
    # The bundle holds the emulator's CA after those the machine trusted already.
    env = subprocess.run(
        [str(console), "exec", "--tls", str(tmp_path / "tls"), "--", sys.executable, "-c",
         "import os; print(open(os.environ['SSL_CERT_FILE']).read().count('BEGIN CERTIFICATE'))"],
        capture_output=True, text=True, timeout=120,
    )
    assert int(env.stdout) >= 2, env.stderr


def test_exec_without_a_command_or_with_a_missing_one_says_so() -> None:
    done = _exec()
    assert done.returncode == 2 and "exec needs a command to run" in done.stderr
    done = _exec("--", "no-such-command-anywhere")
    assert done.returncode == 127
    assert "command not found: 'no-such-command-anywhere'" in done.stderr


def test_exec_passes_signals_on_and_reports_a_signal_death() -> None:
    child = textwrap.dedent(
        """
        import signal, sys, time
        signal.signal(signal.SIGTERM, lambda *a: (print("got SIGTERM", flush=True), sys.exit(42)))
        print("ready", flush=True)
        time.sleep(120)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "viam_sdk.testing", "exec", "--", sys.executable, "-c", child],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert out.strip() == "got SIGTERM"
    assert proc.returncode == 42
    done = _exec("--", sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
    assert done.returncode == 128 + signal.SIGKILL


def test_viam_emulator_without_a_command_still_serves(tmp_path: Path) -> None:
    console = Path(sys.executable).with_name("viam-emulator")
    proc = subprocess.Popen([str(console), "--port", "0", "--json"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline()
        assert line.startswith("{") and '"app_url": "http://127.0.0.1:' in line
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == 0
