"""The emulator's layering holds: handlers -> backends -> store, one way (see testing/backends/README.md).

Read from the source with ``ast``: no backend imports a handler module, the
auth or server modules or a generated server base, and the handlers whose
area has a backend run no SQL of their own.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import viam_sdk.testing

TESTING = Path(viam_sdk.testing.__file__).parent
BACKENDS = sorted((TESTING / "backends").glob("*.py"))
#: Handler modules whose area lives in a backend: every SQL statement of theirs moved there.
SPLIT_HANDLERS = (
    "billing",
    "mltraining",
    "dataset",
    "datapipelines",
    "_pipeline_runs",
    "data",
    "data_extras",
    "data_sequences",
    "datasync",
    "_data_common",
    "_binary_messages",
    "app_orgs",
    "app_locations",
    "_app_common",
    "app_fragments",
    "app_settings",
    "app_oauth_users",
    "app_registry",
    "provisioning",
    "app",
    "app_robots",
    "app_robot_logs",
    "robot",
    "app_access",
    "auth",
)
_FORBIDDEN = (
    "viam_sdk.testing.services",
    "viam_sdk.testing.auth",
    "viam_sdk.testing.server",
    "viam_sdk.testing.routes",
)
_SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b")


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(absolute module, imported names) of every import in ``path``."""
    package = "viam_sdk.testing." + path.parent.name
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, [alias.name for alias in node.names]))
    return found


def test_the_backends_are_there() -> None:
    names = {p.stem for p in BACKENDS}
    assert {"billing", "training", "datasets", "pipelines", "captures"} <= names
    assert {"orgs", "locations", "machines", "fragments", "registry", "settings", "oauth", "access", "logs"} <= names
    assert "credentials" in names


def test_keys_secrets_and_tokens_are_written_by_their_backend_only() -> None:
    """The access checks (testing/auth.py) and the server read credentials; only backends/credentials.py mints them."""
    for path in (TESTING / "auth.py", TESTING / "server.py"):
        writes = [
            node.value
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.search(r"\b(INSERT|UPDATE|DELETE)\b", node.value)
        ]
        assert writes == [], f"{path.name} writes: {writes[:3]}"


def test_each_core_table_belongs_to_a_backend() -> None:
    """store.py keeps its own table only; the tables every area joins on are made from the backends' CORE_SCHEMA."""
    from viam_sdk.testing import store
    from viam_sdk.testing.backends import credentials, locations, machines, orgs

    assert re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", store.CORE_SCHEMA) == ["emulator_meta"]
    owned = {
        module.__name__.rsplit(".", 1)[-1]: set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", module.CORE_SCHEMA))
        for module in (credentials, locations, machines, orgs)
    }
    assert owned == {
        "credentials": {"api_keys", "api_key_authorizations", "location_secrets", "part_secrets", "access_tokens"},
        "locations": {"locations", "location_shares"},
        "machines": {"robots", "robot_parts"},
        "orgs": {"organizations"},
    }


@pytest.mark.parametrize("path", BACKENDS, ids=lambda p: p.name)
def test_a_backend_imports_nothing_above_it(path: Path) -> None:
    for module, names in _imports(path):
        assert not module.startswith(_FORBIDDEN), f"{path.name} imports {module}"
        bases = [n for n in names if n.endswith("ServiceBase")]
        assert not bases, f"{path.name} imports the server base(s) {bases}"


@pytest.mark.parametrize("name", SPLIT_HANDLERS)
def test_a_split_handler_runs_no_sql(name: str) -> None:
    source = (TESTING / "services" / f"{name}.py").read_text()
    tree = ast.parse(source)
    calls = [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("execute", "executemany", "executescript")
    ]
    assert calls == [], f"services/{name}.py calls {calls}"
    statements = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _SQL.search(node.value)
        and (" FROM " in node.value or " INTO " in node.value or " SET " in node.value)
    ]
    assert statements == [], f"services/{name}.py holds SQL: {statements[:3]}"


def test_secrets_and_tokens_are_read_and_written_in_one_module() -> None:
    """Statements on the secret and token tables live in backends/credentials.py only (it seals and revokes)."""
    tables = re.compile(r"\b(access_tokens|location_secrets|part_secrets)\b")
    for path in sorted(TESTING.rglob("*.py")):
        if path == TESTING / "backends" / "credentials.py":
            continue
        found = [
            node.value
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _SQL.search(node.value)
            and tables.search(node.value)
        ]
        assert found == [], f"{path.relative_to(TESTING)} runs {found[:2]}"
