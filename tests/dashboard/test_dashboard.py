"""The emulator's dashboard in a real headless browser (Debian's chromium driven by playwright).

A script makes a small fleet through the SDK; each test opens dashboard pages
and checks that they show it, that live logs appear, that the console answers,
that actions need the page's token, and that no page holds a secret.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest

from viam_sdk.testing import Emulator
from viam_sdk.testing.dashboard import is_loopback

from ._world import CHROMIUM_ARGS, World, build, chromium, push_log

pytestmark = pytest.mark.xdist_group("dashboard")

T = TypeVar("T")

PAGES = ["", "data", "console", "datasets", "pipelines", "training", "keys", "faults"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator.in_thread() as emu:
        yield emu


@pytest.fixture(scope="module")
def world(emulator: Emulator) -> World:
    return _run(build(emulator))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on("dialog", lambda dialog: errors.append(f"a dialog opened: {dialog.message}"))
    try:
        yield opened
    finally:
        context.close()
    assert errors == [], errors


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run an SDK script to its end on a thread of its own (playwright's loop holds this one)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


def _url(emulator: Emulator, path: str) -> str:
    assert emulator.dashboard_url is not None
    return emulator.dashboard_url + path


def _body(page: Any) -> str:
    return str(page.inner_text("body"))


def test_every_page_loads_and_holds_no_secret(emulator: Emulator, world: World, page: Any) -> None:
    paths = [*PAGES, f"machine?id={world.robot_id}", f"logs?part={world.part_id}"]
    for path in paths:
        response = page.goto(_url(emulator, path))
        assert response is not None and response.status == 200, path
        html = page.content()
        for secret in world.secrets:
            assert secret and secret not in html, f"a secret is in the page {path!r}"
        assert "Viam emulator" in _body(page)


def test_fleet_shows_what_the_script_made(emulator: Emulator, world: World, page: Any) -> None:
    page.goto(_url(emulator, ""))
    text = _body(page)
    assert "Greenhouse" in text and "rover-<b>1</b>" in text  # the name as text: escaped, not markup
    assert page.locator("table.machines b").count() == 0
    row = page.locator("table.machines tr", has_text="rover")
    assert "online" in row.inner_text()
    page.click("text=rover-<b>1</b>")
    machine = _body(page)
    assert '"thermo"' in machine and "(hidden)" in machine and world.part_id in machine


def test_live_logs_appear_as_they_arrive(emulator: Emulator, world: World, page: Any) -> None:
    page.goto(_url(emulator, f"logs?part={world.part_id}"))
    assert "wheels ready <script>alert(1)</script>" in _body(page)  # shown as text, not run
    _run(push_log(emulator, world, world.part_secret, "a line pushed after the page opened"))
    page.wait_for_selector("#logs td:text('a line pushed after the page opened')", timeout=30_000)


def test_captured_data_shows_readings_and_thumbnails(emulator: Emulator, world: World, page: Any) -> None:
    page.goto(_url(emulator, ""))
    page.click("text=Data")
    assert '"celsius"' in page.inner_text("table.readings")
    width = page.eval_on_selector("img.thumb", "img => img.complete ? img.naturalWidth : -1")
    assert width == 32
    page.fill("input[name=component]", "nothing-by-this-name")
    page.click("text=Filter")
    assert page.locator("table.readings").count() == 0 and "Readings (0," in _body(page)


def test_console_answers_sql_and_mql(emulator: Emulator, world: World, page: Any) -> None:
    page.goto(_url(emulator, "console"))
    page.fill("textarea[name=query]", "SELECT component_name, data FROM readings")
    page.click("#run")
    assert "1 row(s)" in _body(page) and "thermo" in page.inner_text("table.results")
    page.check("input[value=mql]")
    page.fill("textarea[name=query]", '[{"$match": {"component_name": "thermo"}}, {"$count": "n"}]')
    page.click("#run")
    assert page.inner_text("table.results").split() == ["n", "1"]
    page.fill("textarea[name=query]", "SELECT FROM WHERE")
    page.check("input[value=sql]")
    page.click("#run")
    assert page.locator("#result .error").count() == 1


def test_org_areas_show_datasets_and_keys(emulator: Emulator, world: World, page: Any) -> None:
    page.goto(_url(emulator, "datasets"))
    assert "plants" in _body(page) and world.dataset_id in _body(page)
    page.goto(_url(emulator, "keys"))
    text = _body(page)
    assert "dashboard-test-key" in text and "operator" in text and world.robot_id in text


def test_faults_set_from_the_page_apply_to_calls(emulator: Emulator, world: World, page: Any) -> None:
    page.goto(_url(emulator, "faults"))
    page.fill("textarea[name=rules]", '[{"route": "*/ListLocations", "status": "UNAVAILABLE", "count": 1}]')
    page.click("#set-faults")
    assert emulator.faults.list()[0]["route"] == "*/ListLocations"
    assert "*/ListLocations" in page.inner_text("table.faults")
    page.fill("textarea[name=rules]", '[{"route": "*/X", "status": "NOT_A_STATUS"}]')
    page.click("#set-faults")
    assert "not set" in _body(page) and len(emulator.faults) == 1  # a bad rule set changes nothing
    page.click("text=Clear every rule")
    assert len(emulator.faults) == 0


def _post(url: str, data: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        with exc:  # it holds the answer's connection open until closed
            return int(exc.code)


def test_actions_need_the_page_token_and_the_local_host(emulator: Emulator, world: World) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    rules = json.dumps([{"route": "*/GetOrganization", "status": "UNAVAILABLE"}])
    body = urllib.parse.urlencode({"rules": rules, "token": "guessed"}).encode()
    assert _post(_url(emulator, "faults"), body, form) == 403
    assert _post(_url(emulator, "faults/clear"), b"", form) == 403
    assert len(emulator.faults) == 0
    # A page reached through another host name (DNS rebinding) is refused.
    request = urllib.request.Request(_url(emulator, ""), headers={"Host": f"evil.example:{emulator.port}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    with refused.value:  # it holds the answer's connection open until closed
        assert refused.value.code == 403


def test_serve_names_the_dashboard_and_it_answers() -> None:
    command = [sys.executable, "-m", "viam_sdk.testing", "serve", "--port", "0", "--json"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as serve:
        try:
            assert serve.stdout is not None
            told = json.loads(serve.stdout.readline())
            url = told["dashboard"]
            assert url.startswith("http://127.0.0.1:") and url.endswith("/dashboard/")
            with urllib.request.urlopen(url) as answer:
                assert answer.status == 200 and "Fleet" in answer.read().decode()
        finally:
            serve.terminate()


def test_only_loopback_addresses_get_a_dashboard() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.7", "example.com", ""))


def test_snapshot_download_and_reset_from_the_page(page: Any) -> None:
    with Emulator.in_thread() as emu:
        world = _run(build(emu))
        page.goto(_url(emu, "faults"))
        with page.expect_download() as download:
            page.click("text=Download a snapshot")
        saved = download.value.path()
        with open(saved, encoding="utf-8") as snap:
            text = snap.read()
        assert world.location_id in text and world.robot_id in text
        page.goto(_url(emu, "faults"))
        page.click("text=Reset the emulator")
        assert "Greenhouse" not in _body(page) and "Machines (0)" in _body(page)
        emu.load_snapshot(saved)  # the download is a snapshot the emulator loads
        page.goto(_url(emu, ""))
        assert "Greenhouse" in _body(page)
