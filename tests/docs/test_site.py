"""The documentation site as readers open it: every page in a real headless browser (``make docs-check``).

The built site (``build/site``, made here with ``mkdocs build --strict`` when it
is missing) is opened twice, page by page: from disk (``file://``, as someone
opening ``build/site/index.html`` does) and from a local HTTP server.  A page
fails when:

* a link to a page of the site leads nowhere: the file is missing, or it is a
  folder (a browser shows a directory listing from disk), or its ``#anchor`` is
  no element id on the target page;
* its text shows reST that was not rendered: ``Example::`` or a role such as
  ``:class:`` / ``:meth:`` / ``:func:``;
* it has no search box, or a script error happens while it loads;
* it is taller than ``MAX_HEIGHT`` pixels (a reference page that should be split).

Searching for a method name must find the method's page, served and from disk.

Needs Debian's ``chromium`` (``apt-get install -y chromium``; ``make docs-check``
installs it when missing), driven by playwright's Python package; without it
the test fails, saying so.
"""

from __future__ import annotations

import fcntl
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "build" / "site"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
UNRENDERED = re.compile(r"Example::|:(?:class|meth|func|attr|mod|exc|obj|data):`?\w")
# A method the search must find, and the page it lives on.
SEARCH_TERM, SEARCH_PAGE = "get_robot_part_logs", "reference/app_client/machines.html"

# Every element id and every link of the page, in one round trip.
COLLECT_JS = """() => ({
    ids: Array.from(document.querySelectorAll('[id]'), e => e.id),
    links: Array.from(document.querySelectorAll('a[href]'), a => a.href),
    text: document.body.innerText,
    search: Array.from(document.querySelectorAll('input.md-search__input')).length,
    height: document.documentElement.scrollHeight,
})"""
# The tallest a page may be at 1280x900 (the one-page AppClient reference was 97,000 px; split by
# area, the tallest page, machines and parts, is about 32,000).
MAX_HEIGHT = 50_000


def _chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if found is None:
        pytest.fail("chromium is not installed: `make docs-check` installs it (apt-get install -y chromium)")
    return found


@pytest.fixture(scope="module")
def site() -> Path:
    """The built site; built here (``mkdocs build --strict``) when it is missing."""
    SITE.parent.mkdir(exist_ok=True)
    # One build at a time (pytest-xdist workers may all get here at once).
    with open(SITE.parent / ".site-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (SITE / "index.html").exists():
            _build()
    return SITE


def _build() -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The site over HTTP on a free local port."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (the base class's name)
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Report:
    pages: int = 0
    links: int = 0
    tallest: tuple[int, str] = (0, "")
    problems: list[str] = field(default_factory=list)


def _pages(site: Path) -> list[str]:
    """Every page, relative to the site root (the 404 page is only served for errors)."""
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html") if p.name != "404.html")


def _local_target(url: str, base: str) -> tuple[str, str] | None:
    """(page relative to the site, anchor) for a link into the site; None for any other link."""
    parts = urlsplit(url)
    root = urlsplit(base)
    if (parts.scheme, parts.netloc) != (root.scheme, root.netloc) or not unquote(parts.path).startswith(
        unquote(root.path)
    ):
        return None
    relative = unquote(parts.path)[len(unquote(root.path)) :]
    return relative, unquote(parts.fragment)


def _check_site(browser: object, site: Path, base: str) -> Report:
    """Open every page under ``base`` (a file:// or http:// root of ``site``) and check it."""
    report = Report()
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    ids: dict[str, set[str]] = {}
    links: list[tuple[str, str, str]] = []  # (from page, to page, anchor)
    for name in _pages(site):
        errors.clear()
        page.goto(base + name, wait_until="load")
        seen = page.evaluate(COLLECT_JS)
        report.pages += 1
        ids[name] = set(seen["ids"])
        report.tallest = max(report.tallest, (seen["height"], name))
        if seen["height"] > MAX_HEIGHT:
            report.problems.append(f"{base}{name}: {seen['height']} px tall (at most {MAX_HEIGHT}): split it")
        if not seen["search"]:
            report.problems.append(f"{base}{name}: no search box")
        for bad in sorted(set(UNRENDERED.findall(seen["text"]))):
            report.problems.append(f"{base}{name}: unrendered reST {bad!r}")
        for error in errors:
            report.problems.append(f"{base}{name}: script error {error}")
        for href in seen["links"]:
            local = _local_target(href, base)
            if local is not None:
                links.append((name, *local))
    for source, target, anchor in sorted(set(links)):
        report.links += 1
        path = site / target
        if target == "" or path.is_dir():
            report.problems.append(f"{base}{source}: link to the folder {target or '/'!r} (a directory listing)")
        elif not path.exists():
            report.problems.append(f"{base}{source}: link to missing {target!r}")
        elif anchor and target.endswith(".html") and anchor not in ids.get(target, set()):
            report.problems.append(f"{base}{source}: link to {target}#{anchor}, an anchor that page lacks")
    context.close()
    return report


def _search(browser: object, url: str, term: str) -> list[str]:
    """The result links the site's search box gives for ``term``, typed on the page at ``url``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(url, wait_until="load")
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially(term)
    page.wait_for_selector(".md-search-result__item a", timeout=30_000)
    hrefs = page.eval_on_selector_all(".md-search-result__item a", "links => links.map(a => a.href)")
    context.close()
    return list(hrefs)


def _summary(label: str, report: Report) -> str:
    height, name = report.tallest
    return (
        f"{label}: {report.pages} pages, {report.links} distinct internal links checked; "
        f"tallest {name} ({height} px)"
    )


def test_every_page_works_opened_from_disk(browser: object, site: Path) -> None:
    report = _check_site(browser, site, site.as_uri() + "/")
    print("\n" + _summary("file://", report))
    assert report.pages >= 30, report.pages
    assert report.links > report.pages, report.links
    assert not report.problems, "\n".join(report.problems)


def test_every_page_works_served(browser: object, site: Path, served: str) -> None:
    report = _check_site(browser, site, served)
    print("\n" + _summary("http://", report))
    assert report.pages >= 30, report.pages
    assert not report.problems, "\n".join(report.problems)


def test_search_finds_a_method_served(browser: object, served: str) -> None:
    hrefs = _search(browser, served + "index.html", SEARCH_TERM)
    assert any(SEARCH_PAGE in h and SEARCH_TERM in h for h in hrefs), hrefs


def test_search_finds_a_method_opened_from_disk(browser: object, site: Path) -> None:
    hrefs = _search(browser, (site / "index.html").as_uri(), SEARCH_TERM)
    assert any(SEARCH_PAGE in h and SEARCH_TERM in h for h in hrefs), hrefs


def test_the_checker_sees_a_broken_link_and_unrendered_rest(browser: object, tmp_path: Path) -> None:
    # The checks themselves, on a two-page site with one of each fault.
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(
        '<input class="md-search__input"><a href="ok.html#here">ok</a> <a href="ok.html#gone">anchor</a>'
        ' <a href="missing.html">missing</a> <a href="sub/">folder</a>'
    )
    (tmp_path / "ok.html").write_text('<p id="here">Example::</p><p>see :class:`Thing`</p>')
    report = _check_site(browser, tmp_path, tmp_path.as_uri() + "/")
    text = "\n".join(report.problems)
    assert report.pages == 2 and report.links == 4, (report, text)
    assert "ok.html#gone, an anchor that page lacks" in text
    assert "missing 'missing.html'" in text
    assert "folder 'sub/'" in text
    assert "ok.html: no search box" in text
    assert "'Example::'" in text and "':class:`T'" in text
    assert "ok.html#here" not in text
