"""DataClient matches the reference API: every seed method, its parameters in order, defaults, return type.

The seed (shared/seeds/002_..., the ``DataClient`` section) is parsed here; our
methods may add parameters with defaults after the seed's (viam-sdk 0.85.1's newer
ones: ``dataset_ids``, ``mime_type``, ``file_name`` on uploads, ``confidence_score``,
``filter``, ``type``, ...), positional or keyword-only, nothing else.  The blocking twin in
``viam_sdk.sync`` must have the very same parameters.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from viam_sdk.app.data_client import DataClient
from viam_sdk.sync.data_client import DataClient as SyncDataClient

# The reference's declaration lines only (facts), committed beside the tests.
SEED = Path(__file__).resolve().parents[1] / "reference" / "002_signatures.txt"
_ALIASES = {"List": "list", "Tuple": "tuple", "Dict": "dict", "Sequence": "Sequence"}
_NOISE = {"Optional", "Union", "None", "ValueType", "typing"}


def _split(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "[("
        depth -= char in "])"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [p for p in [*parts, current.strip()] if p]


def seed_methods() -> dict[str, tuple[list[tuple[str, str | None]], str]]:
    """name -> ([(parameter, default source or None)], return annotation) of the seed's DataClient."""
    text = SEED.read_text(encoding="utf-8")
    start = text.index(".. py:class:: DataClient")
    end = text.index("\n.. py:class::", start + 1)
    out = {}
    for line in text[start:end].splitlines():
        match = re.match(r"\s+\.\. py:method:: (\w+)\((.*)\)(?: -> (.*))?$", line)
        if match and not match.group(1).startswith("__"):  # __str__/__eq__ belong to TabularData
            params = []
            for chunk in _split(match.group(2)):
                head, _, default = chunk.partition("=")
                params.append((head.partition(":")[0].strip(), default.strip() or None))
            out[match.group(1)] = (params, match.group(3) or "None")
    return out


def type_names(annotation: str) -> set[str]:
    names = set()
    for word in re.findall(r"[A-Za-z_][\w.]*", annotation):
        leaf = word.split(".")[-2] if word.endswith(".ValueType") else word.rsplit(".", 1)[-1]
        leaf = _ALIASES.get(leaf, leaf)
        if leaf not in _NOISE:
            names.add(leaf)
    return names


# Seed parameters that became optional because 0.85.1 offers another name for them
# (``tabular_data_by_mql(org, query=...)``); the call still fails without either.
OPTIONAL_NOW = {
    ("tabular_data_by_mql", "mql_binary"),
    # the reference's own examples call these with org_id=; organization_id keeps its
    # place and name, and a call with neither still fails (TypeError)
    ("tabular_data_by_mql", "organization_id"),
    ("tabular_data_by_sql", "organization_id"),
    ("tabular_data_by_sql", "sql_query"),
    ("get_database_connection", "organization_id"),
}

pytestmark = pytest.mark.skipif(
    not SEED.exists(), reason="the reference documents are not beside the checkout"
)


def compare(cls: type, name: str, params: list[tuple[str, str | None]], returns: str) -> list[str]:
    member = getattr(cls, name, None)
    if member is None:
        return [f"{name}: missing"]
    sig = inspect.signature(member)
    ours = [p for p in sig.parameters.values() if p.name != "self"]
    problems = []
    names = [p.name for p in ours[: len(params)]]
    if names != [p for p, _ in params]:
        return [f"{name}: parameters {names} != seed {[p for p, _ in params]}"]
    for mine, (_, default) in zip(ours, params, strict=False):
        if default is None and mine.default is not inspect.Parameter.empty and (name, mine.name) not in OPTIONAL_NOW:
            problems.append(f"{name}({mine.name}) has a default; the seed's is required")
        if default is not None and (
            mine.default is inspect.Parameter.empty or mine.default != ast.literal_eval(default)
        ):
            problems.append(f"{name}({mine.name}) default {mine.default!r} != seed {default}")
    for extra in ours[len(params) :]:
        if extra.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD) or (
            extra.default is inspect.Parameter.empty
        ):
            problems.append(f"{name}({extra.name}): an extra parameter must have a default")
    ours_return = type_names(str(sig.return_annotation))
    theirs_return = type_names(returns)
    # The seed's viam.utils.ValueTypes is our ValueTypes; TabularData is DataClient.TabularData.
    if not theirs_return <= ours_return | {"DataClient"}:
        problems.append(f"{name}: returns {sorted(ours_return)}, seed {sorted(theirs_return)}")
    return problems


def test_every_seed_method_is_present_with_the_seeds_signature() -> None:
    seed = seed_methods()
    assert len(seed) == 32  # 31 methods and the create_filter static method
    problems = [
        p for name, (params, returns) in seed.items() for p in compare(DataClient, name, params, returns)
    ]
    matching = sum(
        1 for name, (params, returns) in seed.items() if not compare(DataClient, name, params, returns)
    )
    print(f"DataClient: {matching}/{len(seed)} seed methods present with matching signatures")
    assert problems == []
    assert isinstance(inspect.getattr_static(DataClient, "create_filter"), staticmethod)
    fields = DataClient.TabularData.__dataclass_fields__
    assert list(fields) == ["data", "metadata", "time_requested", "time_received"]


def test_the_blocking_twin_has_the_same_parameters() -> None:
    for name in seed_methods():
        ours = inspect.signature(getattr(DataClient, name))
        twin = inspect.signature(getattr(SyncDataClient, name))
        assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
            (p.name, p.kind, p.default) for p in twin.parameters.values()
        ], name
