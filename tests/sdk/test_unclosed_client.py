"""A client nobody closes: its resources are released, with one warning in the SDK's words.

Like a file left open, a ``ViamClient`` dropped without ``close()`` (blocking or
async) gives back its socket, and the blocking client its private event loop and
thread, when it is garbage-collected; the one ``ResourceWarning`` names the class, the
address and what to do, at the line that created the client.  Nothing of asyncio's or
grpclib's own (an unclosed event loop, socket, transport or connection) is printed,
neither then nor at interpreter exit.

Each scenario runs in a fresh interpreter with ``-W always::ResourceWarning``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from viam_sdk.testing import Emulator

_SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, os, sys, threading
    import viam_sdk.sync
    from viam_sdk import ViamClient
    from viam_sdk.rpc.dial import DialOptions

    mode, url, key, key_id = sys.argv[1:5]
    opts = DialOptions.with_api_key(key, key_id)


    def open_fds():
        return sorted(os.listdir("/proc/self/fd"))


    def blocking_dropped():
        before = open_fds()
        viam_sdk.sync.ViamClient.create_from_dial_options(opts, url)  # CREATE blocking_dropped
        gc.collect()
        assert open_fds() == before, (before, open_fds())


    def blocking_used_and_dropped():
        before = open_fds()
        viam = viam_sdk.sync.ViamClient.create_from_dial_options(opts, url)  # CREATE blocking_used_and_dropped
        fleet = viam.app_client
        assert len(fleet.list_organizations()) == 1
        del viam  # the app client still works: the connection goes with the last user
        assert len(fleet.list_organizations()) == 1
        del fleet
        gc.collect()
        assert open_fds() == before, (before, open_fds())


    def blocking_threaded_dropped():
        before = open_fds()
        viam = viam_sdk.sync.ViamClient.create_from_dial_options(opts, url)  # CREATE blocking_threaded_dropped
        fleet = viam.app_client
        other = threading.Thread(target=fleet.list_organizations)  # a call from another thread: thread mode
        other.start()
        other.join()
        [helper] = [t for t in threading.enumerate() if t.name == "viam-sdk-sync"]
        del viam, fleet, other
        gc.collect()
        helper.join()
        assert open_fds() == before, (before, open_fds())


    def async_dropped():
        async def main():
            before = open_fds()
            await ViamClient.create_from_dial_options(opts, url)  # CREATE async_dropped
            gc.collect()
            for _ in range(3):
                await asyncio.sleep(0)
            assert open_fds() == before, (before, open_fds())

        asyncio.run(main())


    def async_dropped_in_another_thread():
        async def main():
            before = open_fds()
            viam = await ViamClient.create_from_dial_options(opts, url)  # CREATE async_dropped_in_another_thread
            holder = [viam]
            del viam
            dropper = threading.Thread(target=holder.clear)  # the last reference goes away on another thread
            dropper.start()
            dropper.join()
            for _ in range(3):
                await asyncio.sleep(0)
            assert open_fds() == before, (before, open_fds())

        asyncio.run(main())


    KEPT = []


    def kept_until_exit():
        KEPT.append(viam_sdk.sync.ViamClient.create_from_dial_options(opts, url))  # CREATE kept_until_exit

        async def main():
            KEPT.append(await ViamClient.create_from_dial_options(opts, url))  # CREATE kept_until_exit

        asyncio.run(main())  # the async client outlives its loop


    def kept_in_thread_mode_until_exit():
        viam = viam_sdk.sync.ViamClient.create_from_dial_options(opts, url)  # CREATE kept_in_thread_mode_until_exit
        KEPT.append(viam)
        other = threading.Thread(target=viam.app_client.list_organizations)  # thread mode from now on
        other.start()
        other.join()
        KEPT.append(KEPT)  # and in a reference cycle: shutdown's collection may never reach it


    globals()[mode]()
    print("ok", flush=True)
    """
)


def _created_at(script: Path, mode: str) -> list[int]:
    lines = script.read_text().splitlines()
    return [n for n, line in enumerate(lines, 1) if line.endswith(f"# CREATE {mode}")]


def _run(emu: Emulator, script: Path, mode: str) -> subprocess.CompletedProcess[str]:
    boot = emu.bootstrap
    return subprocess.run(
        [sys.executable, "-W", "always::ResourceWarning", str(script), mode, emu.app_url]
        + [boot.api_key, boot.api_key_id],
        capture_output=True,
        text=True,
        timeout=120,
    )


_NEVER_CLOSED = "{name} for {{address}} was never closed: call its close() or use it in {block} block"
_BLOCKING = _NEVER_CLOSED.format(name="viam_sdk.sync.ViamClient", block="a `with`")
_ASYNC = _NEVER_CLOSED.format(name="viam_sdk.ViamClient", block="an `async with`")


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator.in_thread() as emu:
        yield emu


@pytest.mark.parametrize(
    ("mode", "wording"),
    [
        ("blocking_dropped", [_BLOCKING]),
        ("blocking_used_and_dropped", [_BLOCKING]),
        ("blocking_threaded_dropped", [_BLOCKING]),
        ("async_dropped", [_ASYNC]),
        ("async_dropped_in_another_thread", [_ASYNC]),
        ("kept_until_exit", [_BLOCKING, _ASYNC]),
        ("kept_in_thread_mode_until_exit", [_BLOCKING]),
    ],
)
def test_a_client_never_closed_is_released_with_one_warning(
    emulator: Emulator, tmp_path: Path, mode: str, wording: list[str]
) -> None:
    script = tmp_path / "script.py"
    script.write_text(_SCRIPT)
    done = _run(emulator, script, mode)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok", done.stdout
    address = emulator.app_url.removeprefix("http://")
    lines = _created_at(script, mode)
    expected = [
        f"{script}:{line}: ResourceWarning: {text.format(address=address)}"
        for line, text in zip(lines, wording, strict=True)
    ]
    printed = [line for line in done.stderr.splitlines() if re.search(r"\w+Warning\b|Exception|Error", line)]
    assert sorted(printed) == sorted(expected), done.stderr
