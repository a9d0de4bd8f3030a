"""``make test`` prints the figures the suites measure, also when pytest-xdist spreads the tests.

The README says that ``make test`` (``pytest -n auto``) prints the reliability and
generator figures (the messages table of tests/user_path goes the same way).  Under
pytest-xdist the tests run in worker processes and the summary is printed by the
controller, so the figures must travel from the workers (tests/conftest.py).  Here a
small selection is run in a separate pytest, with two workers and without, and its
output read.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SELECTION = [
    "tests/reliability/test_routes.py::test_every_route_refuses_an_anonymous_caller_first",
    "tests/generated/test_imports.py::test_counts_match_the_modules_and_cover_the_issue",
    "tests/generated/test_properties.py::test_message_round_trips_and_matches_google[viam.app.v1.Location]",
    "tests/generated/test_properties.py::test_message_round_trips_and_matches_google[viam.app.v1.Robot]",
    "tests/user_path/test_messages.py::test_key_id_that_is_not_a_uuid_is_not_echoed",
]


@pytest.mark.parametrize("workers", [["-n", "2"], []], ids=["xdist", "one-process"])
def test_the_summary_prints_the_reliability_and_generator_figures(workers: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *workers, *SELECTION],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "5 passed" in out
    lines = out.splitlines()
    for section in (
        "reliability figures:",
        "generator figures:",
        "messages a new user gets (mistake: message):",
    ):
        assert section in lines, out
    assert re.search(r"^  anonymous calls: \d+ routes, \d+ UNAUTHENTICATED$", out, re.M), out
    assert re.search(
        r"^  generated: \d+ packages, \d+ messages, \d+ enums, \d+ services, \d+ rpcs$", out, re.M
    ), out
    # The two message types may have run on different workers: their examples are added up.
    examples = re.search(r"^  property tests: (\d+) examples over 2 message types$", out, re.M)
    assert examples and int(examples.group(1)) >= 2, out
    assert re.search(r"^  with_api_key\(key, 'not-a-uuid'\): .*api_key_id", out, re.M), out
