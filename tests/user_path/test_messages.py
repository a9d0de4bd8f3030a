"""The mistakes a new user makes, and the message each one gets (issue 16, item 4).

Each test makes one mistake the way a user would, through the public API
against a running emulator, and checks what the user reads (``str(exc)``):
it names what was wrong and what to do, shows no secret (API key, part or
location secret, access token) and no library internals (see ``_messages``).
The mistakes that need a real emulator process (killed mid-call, the command
line) are in test_messages_proc.py.
"""

from __future__ import annotations

import asyncio
import socket
import traceback
import uuid
from typing import Any

import pytest

import viam_sdk.sync
from viam_sdk import errors
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import Credentials, DialOptions
from viam_sdk.testing import Emulator

from ._messages import check

WRONG_KEY = "wR0ngKeyWr0ngKeyWr0ngKeyWr0ngKey"


def _opts(api_key: str, api_key_id: str) -> DialOptions:
    opts = DialOptions.with_api_key(api_key, api_key_id)
    opts.retry_backoff = 0.01  # connection failures are retried; no need to wait long for them here
    return opts


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _printed(exc: BaseException) -> str:
    """What Python prints for the exception when nobody catches it (the traceback's exception lines)."""
    lines = traceback.format_exception(exc)
    return "".join(line for line in lines if not line.startswith(("  ", "Traceback (most recent call last)")))


# -- 1. the API key and its id swapped ----------------------------------------------------------


def test_key_and_key_id_swapped_in_with_api_key(emulator_thread: Emulator) -> None:
    boot = emulator_thread.bootstrap
    with pytest.raises(ValueError) as err:
        DialOptions.with_api_key(boot.api_key_id, boot.api_key)  # (key id, key): the wrong way round
    check(
        "with_api_key(key_id, key): the two swapped",
        str(err.value),
        names=["api_key_id", "swapped"],
        hints=["with_api_key(api_key="],
        secrets=[boot.api_key],
    )


def test_key_id_that_is_not_a_uuid_is_not_echoed() -> None:
    # Both look like secrets: whatever was passed as the id is never printed.
    with pytest.raises(ValueError) as err:
        DialOptions.with_api_key("the-real-secret-key-0123456789abc", "another-secret-0123456789abcdefgh")
    check(
        "with_api_key(key, 'not-a-uuid')",
        str(err.value),
        names=["api_key_id", "not a valid UUID"],
        hints=["the key's id"],
        secrets=["the-real-secret-key-0123456789abc", "another-secret-0123456789abcdefgh"],
    )


async def test_key_and_key_id_swapped_in_credentials(emulator: Emulator) -> None:
    boot = emulator.bootstrap
    opts = DialOptions(
        auth_entity=boot.api_key, credentials=Credentials(type="api-key", payload=boot.api_key_id)
    )
    with pytest.raises(ValueError) as err:
        await ViamClient.create_from_dial_options(opts, emulator.app_url)
    check(
        "DialOptions(auth_entity=key, credentials=Credentials('api-key', key_id)): swapped",
        str(err.value),
        names=["auth_entity", "swapped"],
        hints=["auth_entity=<the key id>"],
        secrets=[boot.api_key],
    )


def test_key_and_key_id_swapped_in_the_blocking_client(emulator_thread: Emulator) -> None:
    boot = emulator_thread.bootstrap
    opts = DialOptions(
        auth_entity=boot.api_key, credentials=Credentials(type="api-key", payload=boot.api_key_id)
    )
    with pytest.raises(ValueError) as err:
        viam_sdk.sync.ViamClient.create_from_dial_options(opts, emulator_thread.app_url)
    check(
        "blocking client, key and key id swapped", str(err.value), names=["swapped"], secrets=[boot.api_key]
    )


async def test_key_and_key_id_swapped_in_the_environment(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    boot = emulator.bootstrap
    monkeypatch.setenv("VIAM_API_KEY", boot.api_key_id)
    monkeypatch.setenv("VIAM_API_KEY_ID", boot.api_key)
    with pytest.raises(ValueError) as err:
        await ViamClient.create_from_env_vars(app_url=emulator.app_url)
    check(
        "VIAM_API_KEY and VIAM_API_KEY_ID swapped",
        str(err.value),
        names=["VIAM_API_KEY_ID", "VIAM_API_KEY", "swapped"],
        secrets=[boot.api_key],
    )


async def test_dial_options_and_app_url_in_the_wrong_places() -> None:
    opts = _opts(WRONG_KEY, str(uuid.uuid4()))
    with pytest.raises(TypeError) as err:
        await ViamClient.create_from_dial_options("http://127.0.0.1:8080", opts)  # type: ignore[arg-type]
    check(
        "create_from_dial_options(app_url, dial_options): the two swapped",
        str(err.value),
        names=["dial_options must be a DialOptions", "not str"],
        hints=["DialOptions.with_api_key"],
        secrets=[WRONG_KEY],
    )
    with pytest.raises(TypeError) as err:
        await ViamClient.create_from_dial_options(opts, 8080)  # type: ignore[arg-type]
    check(
        "create_from_dial_options(opts, 8080)",
        str(err.value),
        names=["app_url", "not int"],
        hints=["http://"],
    )


# -- 2. a wrong key -------------------------------------------------------------------------------


async def test_a_wrong_key_names_the_key_id_not_the_key(emulator: Emulator) -> None:
    boot = emulator.bootstrap
    with pytest.raises(errors.Unauthenticated) as err:
        await ViamClient.create_from_dial_options(_opts(WRONG_KEY, boot.api_key_id), emulator.app_url)
    check(
        "a wrong (well-formed) API key",
        str(err.value),
        names=[boot.api_key_id],
        hints=["check that the API key"],
        secrets=[WRONG_KEY, boot.api_key],
    )


async def test_a_made_up_key_id_is_named(emulator: Emulator) -> None:
    boot = emulator.bootstrap
    made_up = str(uuid.uuid4())
    with pytest.raises(errors.Unauthenticated) as err:
        await ViamClient.create_from_dial_options(_opts(boot.api_key, made_up), emulator.app_url)
    check(
        "a key id that does not exist (the right key)",
        str(err.value),
        names=[made_up],
        hints=["check"],
        secrets=[boot.api_key],
    )


def test_a_wrong_key_in_the_blocking_client(emulator_thread: Emulator) -> None:
    boot = emulator_thread.bootstrap
    with pytest.raises(errors.Unauthenticated) as err:
        viam_sdk.sync.ViamClient.create_from_dial_options(
            _opts(WRONG_KEY, boot.api_key_id), emulator_thread.app_url
        )
    check("blocking client, a wrong key", str(err.value), names=[boot.api_key_id], secrets=[WRONG_KEY])


async def test_a_wrong_location_secret_names_the_address_not_the_secret(emulator: Emulator) -> None:
    boot = emulator.bootstrap
    async with await ViamClient.create_from_dial_options(
        _opts(boot.api_key, boot.api_key_id), emulator.app_url
    ) as viam:
        loc = await viam.app_client.create_location(boot.org_id, "Depot")
    address = f"rover-main.{loc.id}.viam.cloud"
    wrong = "not-the-location-secret-0123456789"
    opts = DialOptions(
        auth_entity=address, credentials=Credentials(type="robot-location-secret", payload=wrong)
    )
    with pytest.raises(errors.Unauthenticated) as err:
        await ViamClient.create_from_dial_options(opts, emulator.app_url)
    check(
        "a wrong location secret",
        str(err.value),
        names=[address],
        hints=["check the secret"],
        secrets=[wrong, *(s.secret for s in loc.auth.secrets), boot.api_key],
    )


async def test_a_machine_part_secret_is_refused_before_dialling(emulator: Emulator) -> None:
    part_secret = "the-part-secret-0123456789abcdefgh"
    opts = DialOptions(
        auth_entity="part-id", credentials=Credentials(type="robot-secret", payload=part_secret)
    )
    with pytest.raises(ValueError) as err:
        await ViamClient.create_from_dial_options(opts, emulator.app_url)
    check(
        "a machine part's secret given to ViamClient",
        str(err.value),
        names=["robot-secret"],
        hints=["use an API key"],
        secrets=[part_secret],
    )


# -- 3. app_url with a wrong scheme, or unparsable ---------------------------------------------


@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("ftp://127.0.0.1:8080", ["'ftp'", "ftp://127.0.0.1:8080"]),
        ("htp://127.0.0.1:8080", ["'htp'", "htp://127.0.0.1:8080"]),
        ("http//127.0.0.1:8080", ["http//127.0.0.1:8080"]),
        ("http://[::1:8080", ["http://[::1:8080"]),
        ("http://my host:8080", ["'my host'"]),
        ("http://127.0.0.1:80800", ["80800"]),
    ],
)
async def test_an_app_url_that_cannot_work_is_refused_before_dialling(url: str, names: list[str]) -> None:
    opts = _opts(WRONG_KEY, str(uuid.uuid4()))
    with pytest.raises(ValueError) as err:
        await ViamClient.create_from_dial_options(opts, url)
    check(
        f"app_url={url!r}",
        str(err.value),
        names=names,
        hints=["http://", "port", "host"],
        secrets=[WRONG_KEY],
    )


async def test_an_app_url_with_credentials_in_it_does_not_echo_them() -> None:
    opts = _opts(WRONG_KEY, str(uuid.uuid4()))
    with pytest.raises(ValueError) as err:
        await ViamClient.create_from_dial_options(opts, f"https://me:{WRONG_KEY}@app.example.org")
    check(
        "app_url with user:password@ in it",
        str(err.value),
        names=["app.example.org"],
        hints=["DialOptions"],
        secrets=[WRONG_KEY],
    )


# -- 4. an unreachable host, a refused port ------------------------------------------------------


async def test_an_unknown_host_names_host_and_port() -> None:
    key = "k" * 32
    with pytest.raises(errors.Unavailable) as err:
        await ViamClient.create_from_dial_options(
            _opts(key, str(uuid.uuid4())), "http://no-such-host.invalid:8080"
        )
    check(
        "app_url with a host that does not resolve",
        str(err.value),
        names=["no-such-host.invalid:8080"],
        hints=["check the host name"],
        secrets=[key],
    )
    # Left uncaught, Python prints the SDK's error alone, not the resolver's.
    check("(uncaught) unknown host", _printed(err.value), names=["no-such-host.invalid:8080"])


async def test_a_refused_port_says_to_start_the_server(caplog: pytest.LogCaptureFixture) -> None:
    port = _free_port()
    key = "k" * 32
    with pytest.raises(errors.Unavailable) as err:
        await ViamClient.create_from_dial_options(_opts(key, str(uuid.uuid4())), f"http://127.0.0.1:{port}")
    # The warnings about each retry (printed by Python when logging is not set up) say it in words too.
    retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert len(retries) == 3
    for text in retries:
        check("the retry warnings meanwhile", text, names=[f"cannot connect to 127.0.0.1:{port}"])
    check(
        "the emulator not running (connection refused)",
        str(err.value),
        names=[f"127.0.0.1:{port}"],
        hints=["is running"],
        secrets=[key],
    )
    check("(uncaught) connection refused", _printed(err.value), names=[f"127.0.0.1:{port}"])


def test_a_refused_port_in_the_blocking_client() -> None:
    port = _free_port()
    with pytest.raises(errors.Unavailable) as err:
        viam_sdk.sync.ViamClient.create_from_dial_options(
            _opts("k" * 32, str(uuid.uuid4())), f"http://127.0.0.1:{port}"
        )
    check(
        "blocking client, nothing listening", str(err.value), names=[f"127.0.0.1:{port}"], hints=["running"]
    )


async def test_an_app_url_pointing_at_a_web_server_names_it() -> None:
    async def web_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(web_server, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(errors.Unavailable) as err:
            await ViamClient.create_from_dial_options(
                _opts("k" * 32, str(uuid.uuid4())), f"http://127.0.0.1:{port}"
            )
    finally:
        server.close()
    check(
        "app_url pointing at a web server (not gRPC)",
        str(err.value),
        names=[f"127.0.0.1:{port}", "not a gRPC server"],
        hints=["check that app_url points at"],
    )


async def test_a_server_that_never_answers_names_the_address() -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        opts = _opts("k" * 32, str(uuid.uuid4()))
        opts.timeout = 0.5
        with pytest.raises(errors.DeadlineExceeded) as err:
            await ViamClient.create_from_dial_options(opts, f"http://127.0.0.1:{port}")
    check(
        "app_url pointing at a port that never answers (DialOptions.timeout=0.5)",
        str(err.value),
        names=[f"no answer from 127.0.0.1:{port} within 0.5 s"],
        hints=["longer timeout"],
    )


# -- 5. another organization's id, a made-up id ---------------------------------------------------


@pytest.fixture
async def viam(emulator: Emulator) -> Any:
    boot = emulator.bootstrap
    client = await ViamClient.create_from_dial_options(_opts(boot.api_key, boot.api_key_id), emulator.app_url)
    try:
        yield client
    finally:
        client.close()


def _secrets(emulator: Emulator, viam: ViamClient) -> list[str]:
    token = viam._metadata["authorization"].split()[1]
    return [emulator.bootstrap.api_key, token]


async def test_another_organizations_id_is_named(emulator: Emulator, viam: ViamClient) -> None:
    other = emulator.add_organization("Somebody else's")
    with pytest.raises(errors.PermissionDenied) as err:
        await viam.app_client.list_locations(other.org_id)
    check(
        "another organization's id",
        str(err.value),
        names=[other.org_id],
        hints=["API key"],
        secrets=[*_secrets(emulator, viam), other.api_key],
    )


@pytest.mark.parametrize(
    ("what", "call"),
    [
        ("organization", lambda app, made_up: app.get_organization(made_up)),
        ("location", lambda app, made_up: app.get_location(made_up)),
        ("machine", lambda app, made_up: app.get_robot(made_up)),
        ("machine part", lambda app, made_up: app.get_robot_part(made_up)),
    ],
)
async def test_a_made_up_id_is_named(emulator: Emulator, viam: ViamClient, what: str, call: Any) -> None:
    made_up = str(uuid.uuid4())
    with pytest.raises(errors.NotFound) as err:
        await call(viam.app_client, made_up)
    check(
        f"a made-up {what} id",
        str(err.value),
        names=[made_up, what],
        hints=["check the id"],
        secrets=_secrets(emulator, viam),
    )


# -- 6. a SQL syntax error, an MQL error ------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "names"),
    [
        ("SELEC * FROM readings", ["line 1, column 1", "'SELEC'", "SELECT"]),
        ("SELECT * FROM readings WHERE", ["line 1, column 24", "'WHERE'"]),
        ("SELECT * FORM readings", ["line 1, column 15", "'readings'", "did you mean FROM for 'FORM'"]),
        ("SELECT * FROM readings\nWHERE (component_name = 'a'", ["line 2", "')'"]),
        ("SELECT * FROM readings\nWHERE component_name = 'a", ["line 2, column 24", "'"]),
        ("SELECT * FROM readings WHERE time_received > ", ["line 1, column 44", "'>'"]),
    ],
)
async def test_a_sql_syntax_error_says_where(
    emulator: Emulator, viam: ViamClient, sql: str, names: list[str]
) -> None:
    with pytest.raises(errors.InvalidArgument) as err:
        await viam.data_client.tabular_data_by_sql(emulator.bootstrap.org_id, sql)
    check(
        f"SQL: {sql!r}",
        str(err.value),
        names=["SQL syntax error", *names],
        secrets=_secrets(emulator, viam),
    )


async def _with_a_reading(emulator: Emulator, viam: ViamClient) -> None:
    app = viam.app_client
    loc = await app.create_location(emulator.bootstrap.org_id, "Lab")
    robot_id = await app.new_robot("rover", loc.id)
    part = (await app.get_robot_parts(robot_id))[0]
    await viam.data_client.tabular_data_capture_upload(
        [{"readings": {"celsius": 21.5}}], part.id, "rdk:component:sensor", "thermo", "Readings"
    )


@pytest.mark.parametrize(
    ("pipeline", "names", "hints"),
    [
        ([{"$matc": {}}], ["$matc", "stage 0"], ["$match"]),
        ([{"$match": {"data.readings.celsius": {"$gtt": 20}}}], ["$gtt"], ["not supported"]),
        ([{"$match": {}, "$limit": 1}], ["stage 0"], ["exactly one key"]),
        ([{"$project": {"c": {"$nosuch": "$data"}}}], ["$nosuch"], ["not supported"]),
        ([{"$group": {"n": {"$sum": 1}}}], ["$group", "_id"], ["needs"]),
    ],
)
async def test_an_mql_error_is_clear(
    emulator: Emulator, viam: ViamClient, pipeline: list[dict[str, Any]], names: list[str], hints: list[str]
) -> None:
    await _with_a_reading(emulator, viam)  # an expression is only looked at when a document reaches it
    with pytest.raises(errors.InvalidArgument) as err:
        await viam.data_client.tabular_data_by_mql(emulator.bootstrap.org_id, pipeline)
    check(f"MQL: {pipeline!r}", str(err.value), names=names, hints=hints, secrets=_secrets(emulator, viam))


# -- 7. a misspelt keyword argument -----------------------------------------------------------------


async def test_a_misspelt_keyword_is_named(emulator: Emulator, viam: ViamClient) -> None:
    org_id = emulator.bootstrap.org_id
    with pytest.raises(TypeError) as err:
        await viam.app_client.list_locations(orgid=org_id)  # type: ignore[call-arg]
    # Named as the user calls it (AppClient), not after the private part of it that holds the code.
    check(
        "list_locations(orgid=...)",
        str(err.value),
        names=["'orgid'", "AppClient.list_locations"],
        hints=["unexpected"],
    )
    with pytest.raises(TypeError) as err:
        await viam.data_client.tabular_data_by_sql(org_id, sql_querry="SELECT 1")  # type: ignore[call-arg]
    check(
        "tabular_data_by_sql(sql_querry=...)",
        str(err.value),
        names=["'sql_querry'", "DataClient.tabular_data_by_sql"],
        hints=["unexpected"],
    )


def test_a_misspelt_keyword_in_the_blocking_client(emulator_thread: Emulator) -> None:
    boot = emulator_thread.bootstrap
    with viam_sdk.sync.ViamClient.create_from_dial_options(
        _opts(boot.api_key, boot.api_key_id), emulator_thread.app_url
    ) as viam:
        with pytest.raises(TypeError) as err:
            viam.app_client.list_locations(orgid=boot.org_id)  # type: ignore[call-arg]
        check("blocking list_locations(orgid=...)", str(err.value), names=["'orgid'", "list_locations"])
        with pytest.raises(TypeError) as err:
            viam.app_client.create_location(
                boot.org_id, name="Lab", parent_location="x"  # type: ignore[call-arg]
            )
        check("blocking create_location(parent_location=...)", str(err.value), names=["'parent_location'"])


# -- 9. a tiny timeout ------------------------------------------------------------------------------


async def test_a_tiny_timeout_is_reported_as_given(emulator: Emulator, viam: ViamClient) -> None:
    for _ in range(5):  # every attempt times out, and each says 0.0001 s, as given
        with pytest.raises(errors.DeadlineExceeded) as err:
            await viam.app_client.list_organizations(timeout=0.0001)
        check(
            "timeout=0.0001",
            str(err.value),
            names=["0.0001 s"],
            hints=["longer timeout"],
            secrets=_secrets(emulator, viam),
        )


def test_a_tiny_timeout_in_the_blocking_client(emulator_thread: Emulator) -> None:
    boot = emulator_thread.bootstrap
    with viam_sdk.sync.ViamClient.create_from_dial_options(
        _opts(boot.api_key, boot.api_key_id), emulator_thread.app_url
    ) as viam:
        with pytest.raises(errors.DeadlineExceeded) as err:
            viam.data_client.tabular_data_by_sql(boot.org_id, "SELECT 1", timeout=0.0001)
        check("blocking timeout=0.0001", str(err.value), names=["0.0001 s"], hints=["longer timeout"])
