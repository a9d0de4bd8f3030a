"""Hostile requests against real emulator processes: refused or stopped, and another organization is served.

Issue 18 items 1, 2 and 6, through ``measure_hostile``: for each category a
fresh ``serve`` process, organization A sending the hostile request again and
again for a second, organization B calling meanwhile.  Asserted: every
hostile call ends as it should (answered at once, refused, or stopped by its
budget or its caller) and every call of B succeeds.  B's latencies are
figures for the report (printed at the end of the session), never assertions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import FIGURES
from .measure_hostile import BUDGET_ENV, BUDGET_S, CATEGORIES, Category, close_world, measure, open_world


@pytest.mark.parametrize("category", CATEGORIES, ids=[c.name for c in CATEGORIES])
async def test_a_hostile_request_is_stopped_and_another_org_is_served(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, category: Category
) -> None:
    monkeypatch.setenv(BUDGET_ENV, BUDGET_S)  # the served process stops endless queries after 3 s
    world = await open_world(tmp_path)
    try:
        outcome = await measure(world, category, window=1.0, cap=20.0)
    finally:
        await close_world(world)
    FIGURES[f"hostile: {category.name}"] = outcome.row().split(": ", 1)[1]
    assert outcome.hostile, "no hostile call was made"
    ends = {h.split(" in ")[0] for h in outcome.hostile}
    assert ends <= category.expected, (category.name, outcome.hostile[:5])
    assert not outcome.probe_errors, outcome.probe_errors[:3]
    assert outcome.during_ms, "the other organization got no answer while the hostile requests ran"
