"""The emulator's HTTP front (h11): signed URLs answered safely, routes by path, hostile requests refused.

Everything goes over real loopback sockets to a running emulator; raw bytes
are written where a well-behaved client would never send them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from viam_sdk.app.data_client import DataClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator
from viam_sdk.testing.backends.locations import LocationsBackend
from viam_sdk.testing.backends.machines import RobotsBackend
from viam_sdk.testing.http import MAX_HEAD, Request, Response, front_of, safe_content_type

pytestmark = pytest.mark.filterwarnings(r"ignore:.*viam\.app\.data\.v1.*is deprecated:DeprecationWarning")


async def exchange(host: str, port: int, data: bytes, *, read_until_close: bool = True) -> bytes:
    """Write ``data`` to ``host:port`` and read the answer (until the server closes, or one answer)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data)
        await writer.drain()
        if read_until_close:
            return await asyncio.wait_for(reader.read(), 30)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        length = next(
            int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
        )
        return head + await reader.readexactly(length)
    finally:
        writer.close()


def head_of(answer: bytes) -> tuple[str, dict[str, str]]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    status, *lines = head.split("\r\n")
    return status, {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


@pytest_asyncio.fixture
async def data(emulator: Emulator) -> AsyncIterator[DataClient]:
    boot = emulator.bootstrap
    client = await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emulator.app_url
    )
    try:
        yield client.data_client
    finally:
        client.close()


def make_part(emu: Emulator) -> str:
    ctx = emu.context
    loc = ctx.new_id()
    LocationsBackend(ctx).create(ctx.bootstrap.org_id, "site", "", location_id=loc, created_at=ctx.now_iso())
    return RobotsBackend(ctx).create_robot(loc, "rover")[1]


async def signed(data: DataClient, part_id: str, mime_type: str, body: bytes = b"<b>hi</b>") -> tuple[str, int, str]:
    """(host, port, path) of a signed URL to ``body`` stored with ``mime_type``."""
    bid = await data.binary_data_capture_upload(
        binary_data=body,
        part_id=part_id,
        component_type="rdk:component:camera",
        component_name="cam",
        method_name="GetImages",
        file_extension=".bin",
        mime_type=mime_type,
    )
    url, _ = await data.create_binary_data_signed_url(bid)
    hostport, path = url.split("://", 1)[1].split("/", 1)
    host, port = hostport.rsplit(":", 1)
    return host, int(port), "/" + path


def get(path: str, *, method: str = "GET", extra: str = "") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: emulator\r\n{extra}Connection: close\r\n\r\n".encode()


async def test_a_stored_mime_type_cannot_split_the_answer(emulator: Emulator, data: DataClient) -> None:
    part = make_part(emulator)
    host, port, path = await signed(data, part, "text/plain\r\nX-Injected: 1\r\n\r\n<script>alert(1)</script>")
    answer = await exchange(host, port, get(path))
    status, headers = head_of(answer)
    assert status == "HTTP/1.1 200 OK"
    assert "x-injected" not in headers and b"<script>" not in answer
    assert headers["content-type"] == "application/octet-stream"
    assert answer.endswith(b"\r\n\r\n<b>hi</b>")


@pytest.mark.parametrize("mime_type", ["image/\u732b", "caf\u00e9/latte", "text/plain; charset=\u00ff", "x" * 300])
async def test_any_stored_mime_type_gets_an_answer(emulator: Emulator, data: DataClient, mime_type: str) -> None:
    host, port, path = await signed(data, make_part(emulator), mime_type)
    status, headers = head_of(await exchange(host, port, get(path)))
    assert (status, headers["content-type"]) == ("HTTP/1.1 200 OK", "application/octet-stream")


async def test_downloads_are_sandboxed_and_typed(emulator: Emulator, data: DataClient) -> None:
    part = make_part(emulator)
    host, port, path = await signed(data, part, "text/html")
    status, headers = head_of(await exchange(host, port, get(path)))
    assert status == "HTTP/1.1 200 OK" and headers["content-type"] == "text/html"
    # An uploaded page never runs as a page of the emulator's origin (where the dashboard will live).
    assert headers["content-security-policy"] == "sandbox"
    assert headers["x-content-type-options"] == "nosniff"
    host, port, path = await signed(data, part, 'image/png; name="a b"', b"\x89PNG")
    answer = await exchange(host, port, get(path, method="HEAD"))
    status, headers = head_of(answer)
    assert headers["content-type"] == 'image/png; name="a b"' and headers["content-length"] == "4"
    assert answer.endswith(b"\r\n\r\n")  # HEAD: the headers only


async def test_oversized_and_malformed_requests_get_a_status(emulator: Emulator, data: DataClient) -> None:
    host, port, path = await signed(data, make_part(emulator), "image/png")
    # A request line of 100 kB, arriving whole: 414.
    assert head_of(await exchange(host, port, get("/" + "a" * 100_000)))[0].startswith("HTTP/1.1 414")
    # The same, still arriving (no line end yet) when it passes the limit: 414 too.
    assert head_of(await exchange(host, port, b"GET /" + b"a" * (MAX_HEAD + 10)))[0].startswith("HTTP/1.1 414")
    # Headers over the limit: 431.
    big = "".join(f"X-{i}: {'v' * 100}\r\n" for i in range(200))
    assert head_of(await exchange(host, port, get(path, extra=big)))[0].startswith("HTTP/1.1 431")
    assert head_of(await exchange(host, port, b"NOT HTTP AT ALL\r\n\r\n"))[0].startswith("HTTP/1.1 400")
    status, headers = head_of(await exchange(host, port, get(path, method="DELETE")))
    assert status.startswith("HTTP/1.1 405") and headers["allow"] == "GET, HEAD"
    assert head_of(await exchange(host, port, get("/nowhere")))[0].startswith("HTTP/1.1 404")
    # After all that the server still answers, and keeps a connection alive between requests.
    twice = get(path).replace(b"Connection: close\r\n", b"") + get(path)
    answer = await exchange(host, port, twice)
    assert answer.count(b"HTTP/1.1 200 OK") == 2


async def test_routes_registered_by_path(emulator: Emulator) -> None:
    front = front_of(emulator.context)
    seen: list[Request] = []

    async def page(request: Request) -> Response:
        seen.append(request)
        return Response(200, b"<p>hello</p>", "text/html; charset=utf-8")

    async def injector(request: Request) -> Response:
        return Response(200, b"x", headers=[("X-Evil", "a\r\nSet-Cookie: stolen=1")])

    front.route("/dash", page)
    front.route("/dash/", page, prefix=True, methods=("GET", "POST"))
    front.route("/evil", injector)
    with pytest.raises(ValueError, match="already served"):
        front.route("/dash", page)
    with pytest.raises(ValueError, match="starts with"):
        front.route("dash", page)
    await front.start()
    host, port = front.host, front.port
    assert head_of(await exchange(host, port, get("/dash?x=1&y=%20")))[0] == "HTTP/1.1 200 OK"
    body = b"a=1&b=two"
    post = f"POST /dash/org/42 HTTP/1.1\r\nHost: e\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    assert head_of(await exchange(host, port, post.encode() + body))[0] == "HTTP/1.1 200 OK"
    assert [(r.method, r.path, r.query, r.body) for r in seen] == [
        ("GET", "/dash", {"x": ["1"], "y": [" "]}, b""),
        ("POST", "/dash/org/42", {}, body),
    ]
    # A handler's bad header never reaches the wire: the answer becomes a 500.
    answer = await exchange(host, port, get("/evil"))
    assert head_of(answer)[0] == "HTTP/1.1 500 Internal Server Error" and b"stolen" not in answer
    assert front.url("/dash") == f"http://{host}:{port}/dash"
    # A client that half-closes after its request still gets the answer.
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(get("/dash").replace(b"Connection: close\r\n", b""))
    writer.write_eof()
    assert (await asyncio.wait_for(reader.read(), 30)).endswith(b"<p>hello</p>")
    writer.close()


def test_safe_content_type() -> None:
    assert safe_content_type("image/jpeg") == "image/jpeg"
    assert safe_content_type(" text/plain; charset=utf-8 ") == "text/plain; charset=utf-8"
    for bad in ("", None, "text", "text/plain\r\nX: 1", "image/\u732b", "a/b; c", "a/b;c=\"\r\n\"", "x/" + "y" * 300):
        assert safe_content_type(bad) == "application/octet-stream"


async def test_signed_urls_bind_and_name_the_emulators_host() -> None:
    # 127.0.0.2 is loopback too on Linux; the URL must name it, and be served there.
    async with Emulator(host="127.0.0.2") as emu:
        boot = emu.bootstrap
        client = await ViamClient.create_from_dial_options(
            DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emu.app_url
        )
        try:
            host, port, path = await signed(client.data_client, make_part(emu), "image/png", b"png")
        finally:
            client.close()
        assert host == "127.0.0.2"
        assert (await exchange(host, port, get(path))).endswith(b"\r\n\r\npng")
        with pytest.raises(OSError):
            await exchange("127.0.0.1", port, get(path))
