"""Faults on demand (issue 22 item 3): rules that refuse, stall or cut calls, against the real SDK.

Each test sets rules on a real emulator (``Emulator.faults``, or ``serve --faults``
in a child process) and checks what the SDK does with them: retries of reads,
no retry of writes, token renewal, deadlines, streams cut after N messages.
``FIGURES`` collects which rules were exercised, for the report.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from viam_sdk import ViamClient, errors
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator, MachinePart
from viam_sdk.testing.faults import FaultRuleError, Faults, load_rules

EXERCISED: dict[str, str] = {}


@pytest_asyncio.fixture
async def viam(emulator: Emulator) -> AsyncIterator[ViamClient]:
    boot = emulator.bootstrap
    # No waiting between retries: the tests count attempts, not time.
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    opts = dataclasses.replace(opts, retry_backoff=0.0)
    async with await ViamClient.create_from_dial_options(opts, emulator.app_url) as client:
        yield client


def _fired(emulator: Emulator) -> list[int]:
    return [rule["fired"] for rule in emulator.faults.list()]


# -- the rules themselves ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"route": "GetOrganization", "status": "UNAVAILABLE"}, ["'GetOrganization'", "*/GetOrganization"]),
        ({"route": "*/GetOrganization", "status": "BROKEN"}, ["'BROKEN'", "UNAVAILABLE"]),
        ({"route": "*/GetOrganization", "status": "OK"}, ["'OK'"]),
        ({"route": "*/GetOrganization", "delay": 5}, ["'delay'", "delay_ms"]),
        ({"route": "*/GetOrganization"}, ["does nothing"]),
        ({"status": "UNAVAILABLE"}, ['"route" is required']),
        ({"route": "*/GetOrganization", "status": "ABORTED", "probability": 1.5}, ["probability", "1.5"]),
        ({"route": "*/GetOrganization", "status": "ABORTED", "probability": 0}, ["probability"]),
        ({"route": "*/GetOrganization", "status": "ABORTED", "count": 0}, ["count", "1 or more"]),
        ({"route": "*/GetOrganization", "status": "ABORTED", "count": True}, ["count"]),
        ({"route": "*/GetOrganization", "delay_ms": -1}, ["delay_ms"]),
        ({"route": "*/GetOrganization", "delay_ms": 10**9}, ["delay_ms", "600000"]),
        ({"route": "*/GetOrganization", "delay_ms": "400"}, ["delay_ms", "'400'"]),
        ({"route": "*/GetOrganization", "cut_after": -2}, ["cut_after"]),
        ({"route": "*/GetOrganization", "delay_ms": 5, "message": "x"}, ["message"]),
        ("*/GetOrganization", ["expected an object"]),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(rule: object, words: list[str]) -> None:
    faults = Faults([{"route": "*/ListLocations", "status": "UNAVAILABLE"}])
    with pytest.raises(FaultRuleError) as failure:
        faults.set([rule])  # type: ignore[list-item]
    for word in words:
        assert word in str(failure.value)
    assert "rule 1" in str(failure.value)
    # Nothing changed: the rules in force stay.
    assert [r["route"] for r in faults.list()] == ["*/ListLocations"]


def test_a_rules_file_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "faults.json"
    bad.write_text('[\n  {"route": "*/GetOrganization",\n   "status": UNAVAILABLE}\n]\n')
    with pytest.raises(FaultRuleError, match=r"not JSON: .* line 3"):
        load_rules(bad)
    with pytest.raises(FaultRuleError, match="cannot read the fault rules file"):
        load_rules(tmp_path / "missing.json")
    bad.write_text('{"route": "*/GetOrganization", "status": "UNAVAILABLE"}')
    with pytest.raises(FaultRuleError, match="expected a list of rules"):
        load_rules(bad)
    bad.write_text(json.dumps({"rules": [{"route": "*/ListLocations", "delay_ms": 400, "probability": 0.5}]}))
    assert [r.delay_ms for r in load_rules(bad)] == [400]


def test_serve_refuses_a_bad_rules_file_before_listening(tmp_path: Path) -> None:
    bad = tmp_path / "faults.json"
    bad.write_text(json.dumps([{"route": "*/GetOrganization", "status": "NOPE"}]))
    done = subprocess.run(
        [sys.executable, "-m", "viam_sdk.testing", "serve", "--port", "0", "--faults", str(bad)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "rule 1: status 'NOPE' is not a gRPC status name" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_applies_the_rules_of_its_file(tmp_path: Path) -> None:
    rules = tmp_path / "faults.json"
    rules.write_text(json.dumps([
        {"route": "*/GetOrganization", "status": "PERMISSION_DENIED"},
        {"route": "*/ListLocations", "delay_ms": 400, "probability": 0.5, "count": 3},
    ]))
    script = (
        "import asyncio, os\n"
        "from viam_sdk import ViamClient, errors\n"
        "async def main():\n"
        "    async with await ViamClient.create_from_env_vars() as v:\n"
        "        org = os.environ['VIAM_ORG_ID']\n"
        "        print(len(await v.app_client.list_locations(org)))\n"
        "        try:\n"
        "            await v.app_client.get_organization(org)\n"
        "        except errors.PermissionDenied as exc:\n"
        "            print('refused:', exc.message)\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "viam_sdk.testing", "exec", "--faults", str(rules), "--",
         sys.executable, "-c", script],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["0", "refused: call refused by the emulator's fault rule for '*/GetOrganization'"]
    EXERCISED["serve --faults FILE (exec)"] = "PERMISSION_DENIED on */GetOrganization; delay_ms 400 p 0.5 count 3"


# -- what the SDK does with them -----------------------------------------------------------


async def test_a_refusal_reaches_the_caller_as_its_typed_error(emulator: Emulator, viam: ViamClient) -> None:
    org_id = emulator.bootstrap.org_id
    emulator.faults = [{"route": "*/GetOrganization", "status": "PERMISSION_DENIED", "count": 1}]
    with pytest.raises(errors.PermissionDenied, match="fault rule"):
        await viam.app_client.get_organization(org_id)
    # The count is spent: the next call is served.
    assert (await viam.app_client.get_organization(org_id)).id == org_id
    assert emulator.faults.list()[0]["remaining"] == 0
    EXERCISED["status PERMISSION_DENIED, count 1"] = "typed error, then served"


async def test_reads_are_retried_through_unavailable(emulator: Emulator, viam: ViamClient) -> None:
    org_id = emulator.bootstrap.org_id
    emulator.faults = [{"route": "*/ListLocations", "status": "UNAVAILABLE", "count": 3}]
    assert await viam.app_client.list_locations(org_id) == []
    assert _fired(emulator) == [3]  # three refusals, then the fourth attempt was served
    emulator.faults = [{"route": "*/ListLocations", "status": "UNAVAILABLE"}]
    with pytest.raises(errors.Unavailable):
        await viam.app_client.list_locations(org_id)
    assert _fired(emulator) == [4]  # the first attempt and max_reconnect_attempts (3) retries
    EXERCISED["status UNAVAILABLE on a read"] = "retried: 3 refusals absorbed; 4 attempts then Unavailable"


async def test_writes_are_not_repeated(emulator: Emulator, viam: ViamClient) -> None:
    org_id = emulator.bootstrap.org_id
    emulator.faults = [{"route": "*/CreateLocation", "status": "UNAVAILABLE", "count": 1}]
    with pytest.raises(errors.Unavailable):
        await viam.app_client.create_location(org_id, "Depot")
    assert _fired(emulator) == [1]
    assert await viam.app_client.list_locations(org_id) == []
    EXERCISED["status UNAVAILABLE on a write"] = "not retried (1 attempt)"


async def test_an_expired_token_is_renewed_and_the_call_repeated(emulator: Emulator, viam: ViamClient) -> None:
    emulator.faults = [
        {"route": "*/ListOrganizations", "status": "UNAUTHENTICATED", "message": "the access token has expired",
         "count": 1},
        {"route": "*/Authenticate", "delay_ms": 1},  # counts the logins
    ]
    orgs = await viam.app_client.list_organizations()
    assert [org.id for org in orgs] == [emulator.bootstrap.org_id]
    assert _fired(emulator) == [1, 1]  # refused once, one renewal, then served
    emulator.faults = [{"route": "*/ListOrganizations", "status": "UNAUTHENTICATED", "message": "bad key"}]
    with pytest.raises(errors.Unauthenticated, match="bad key"):
        await viam.app_client.list_organizations()
    assert _fired(emulator) == [1]  # not an expiry: no renewal, no repeat
    EXERCISED["status UNAUTHENTICATED 'expired'"] = "token renewed once, call repeated; other UNAUTHENTICATED raised"


async def test_a_delay_longer_than_the_timeout_meets_the_deadline(emulator: Emulator, viam: ViamClient) -> None:
    org_id = emulator.bootstrap.org_id
    emulator.faults = [{"route": "*/ListLocations", "delay_ms": 400}]
    with pytest.raises(errors.DeadlineExceeded):
        await viam.app_client.list_locations(org_id, timeout=0.05)
    # Without a timeout the same delay only slows the call down.
    assert await viam.app_client.list_locations(org_id) == []
    assert _fired(emulator) == [2]
    EXERCISED["delay_ms 400"] = "DeadlineExceeded under timeout=0.05; served without one"


async def test_probability_and_count_bound_how_often_a_rule_fires(emulator: Emulator, viam: ViamClient) -> None:
    org_id = emulator.bootstrap.org_id
    emulator.faults.seed(7)
    emulator.faults = [{"route": "*/GetOrganization", "status": "ABORTED", "probability": 0.5, "count": 3}]
    outcomes = []
    for _ in range(20):
        try:
            await viam.app_client.get_organization(org_id)
            outcomes.append("ok")
        except errors.Aborted:
            outcomes.append("aborted")
    assert outcomes.count("aborted") == 3 == _fired(emulator)[0]
    # Chance let some calls through before the count was spent.
    third = [i for i, outcome in enumerate(outcomes) if outcome == "aborted"][2]
    assert third > 2
    EXERCISED["status ABORTED, probability 0.5, count 3"] = f"{outcomes.count('aborted')} of 20 calls refused"


async def test_a_stream_cut_after_n_messages(emulator: Emulator, viam: ViamClient) -> None:
    fleet = viam.app_client
    location = await fleet.create_location(emulator.bootstrap.org_id, "Lab")
    part = (await fleet.get_robot_parts(await fleet.new_robot("rover", location_id=location.id)))[0]
    emulator.faults = [{"route": "*/TailRobotPartLogs", "cut_after": 2, "count": 1}]
    stream = await fleet.tail_robot_part_logs(part.id, errors_only=False, resume=False)
    got: list[str] = []
    async with await MachinePart.connect(emulator.app_url, part.id, part.secret) as machine:
        with pytest.raises(errors.Unavailable, match="stream cut"):
            for i in range(5):
                await machine.log(f"line {i}")
                batch = await stream.next()
                got += [entry.message for entry in batch or []]
    assert got == ["line 0", "line 1"]
    EXERCISED["cut_after 2 on */TailRobotPartLogs"] = "the tail got 2 batches, then Unavailable (resume=False)"


def test_rules_change_from_another_thread_while_it_serves() -> None:
    from viam_sdk.sync import ViamClient as BlockingViamClient

    with Emulator.in_thread() as emulator:
        boot = emulator.bootstrap
        opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
        with BlockingViamClient.create_from_dial_options(opts, emulator.app_url) as viam:
            emulator.faults.add({"route": "/viam.app.v1.AppService/*", "status": "FAILED_PRECONDITION"})
            with pytest.raises(errors.FailedPrecondition):
                viam.app_client.list_organizations()
            emulator.faults.clear()
            assert len(viam.app_client.list_organizations()) == 1
    assert emulator.faults.list() == []


async def test_the_rules_in_force_are_listed_as_json(emulator: Emulator) -> None:
    emulator.faults = [
        {"route": "*/GetOrganization", "status": "permission_denied"},
        {"route": "*/ListLocations", "delay_ms": 400, "probability": 0.5, "count": 3},
    ]
    assert json.loads(json.dumps(emulator.faults.list())) == [
        {"route": "*/GetOrganization", "status": "PERMISSION_DENIED", "fired": 0, "remaining": None},
        {"route": "*/ListLocations", "delay_ms": 400, "probability": 0.5, "count": 3, "fired": 0, "remaining": 3},
    ]
    # What a list shows can be set again as it is (the dashboard's round trip).
    emulator.faults.set(emulator.faults.list())
    assert len(emulator.faults) == 2


@pytest.fixture(scope="module", autouse=True)
def _report() -> object:
    yield
    if EXERCISED:
        print("\nfault rules exercised:")
        for rule, what in EXERCISED.items():
            print(f"  {rule}: {what}")



def test_the_rules_shown_in_the_docs_validate() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "emulator.md").read_text()
    section = page[page.index("\n## Faults on demand\n") :]
    block = section[section.index("```json\n") + 8 : section.index("\n```", section.index("```json\n"))]
    faults = Faults(json.loads(block))
    assert [rule.route for rule in faults.rules][:2] == ["*/GetOrganization", "*/ListLocations"]
