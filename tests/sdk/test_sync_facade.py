"""tools/sync_facade.py on a small fixture API: every member shape, rendered and run."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools import sync_facade

from . import _facade_fixture as fx

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def twin() -> Iterator[types.ModuleType]:
    targets = ((fx.__name__, "Root"), (fx.__name__, "Child"))
    modules = sync_facade.build(targets)
    assert len(modules) == 1
    module = modules[0]
    assert any("Root.lonely" in note for note in module.notes)
    text = sync_facade.render(modules)[module.path]
    assert text == sync_facade.render(sync_facade.build(targets))[module.path]  # deterministic
    generated = types.ModuleType(module.sync_module)
    sys.modules[module.sync_module] = generated
    try:
        exec(compile(text, str(module.path), "exec"), generated.__dict__)
        yield generated
    finally:
        del sys.modules[module.sync_module]


@pytest.mark.parametrize("where", ["script", "inside a running loop"])
def test_factory_properties_and_close(twin: types.ModuleType, where: str) -> None:
    if where == "script":
        _factory_properties_and_close(twin, "direct")
    else:

        async def cell() -> None:
            _factory_properties_and_close(twin, "thread")

        asyncio.run(cell())


def _factory_properties_and_close(twin: types.ModuleType, mode: str) -> None:
    root = twin.Root.connect()
    assert isinstance(root, twin.Root)
    assert root.Nested is fx.Helper and root.LIMIT == 3 and root.version() == "1"
    assert not hasattr(twin.Root, "lonely")  # would hand out an async client
    runner = root._runner
    with root:
        child = root.child
        assert isinstance(child, twin.Child)
        assert child.echo("ab", times=2) == ">abab:BLUE"
        assert child.echo("x", color=fx.Color.RED) == ">x:RED"
        assert list(child.count(4)) == [0, 1, 2, 3]
        assert child.total(iter([1, 2, 3])) == 6
        assert child.shout("hey") == "HEY"
        assert runner.mode == mode
    assert root._impl.closed == 1 and runner.closed and runner.loop.is_closed()
    root.close()
    assert root._impl.closed == 1


def test_signatures_and_docs(twin: types.ModuleType) -> None:
    echo = inspect.signature(twin.Child.echo)
    assert str(echo) == "(self, text: 'str', *, times: 'int' = 1, color: 'Color' = <Color.BLUE: 2>) -> 'str'"
    assert "await" not in (twin.Child.echo.__doc__ or "") and "child.echo(\"hi\")" in twin.Child.echo.__doc__
    total = inspect.signature(twin.Child.total)
    assert [p.kind for p in total.parameters.values()][1] is inspect.Parameter.POSITIONAL_ONLY
    assert "Iterable[int]" in str(total) and "AsyncIterable" not in str(total)
    assert "Iterator[int]" in str(inspect.signature(twin.Child.count))
    assert str(inspect.signature(twin.Root.connect)) == "(name: 'str' = 'root') -> 'Self'"


def test_unsupported_members_fail_clearly() -> None:
    class Odd:
        @classmethod
        def make(cls) -> int:
            return 1

    Odd.__module__ = fx.__name__
    fx.Odd = Odd  # type: ignore[attr-defined]
    try:
        with pytest.raises(sync_facade.FacadeError, match="Odd.make"):
            sync_facade.build(((fx.__name__, "Odd"),))
    finally:
        del fx.Odd  # type: ignore[attr-defined]


def test_members_inherited_from_own_package_mixins() -> None:
    """Mixins of the class's own package are walked (class first, MRO order); each member's hints
    resolve in its defining module, TYPE_CHECKING imports included; other packages' bases are skipped."""
    import fractions
    import typing

    names = [name for name, _, _ in sync_facade.public_members(fx.Mixed)]
    assert names == ["scale", "shout", "echo", "count", "total"]
    targets = ((fx.__name__, "Mixed"),)
    modules = sync_facade.build(targets)
    text = sync_facade.render(modules)[modules[0].path]
    generated = types.ModuleType(modules[0].sync_module)
    exec(compile(text, str(modules[0].path), "exec"), generated.__dict__)
    mixed = generated.Mixed
    assert not hasattr(mixed, "encode") and not hasattr(mixed, "iterencode")
    assert str(inspect.signature(mixed.scale)) == "(self, value: 'Fraction', color: 'Color | None' = None) -> 'Fraction'"
    assert typing.get_type_hints(mixed.scale)["return"] is fractions.Fraction
    assert "mixin's way" in (mixed.shout.__doc__ or "")
    assert "await" not in (mixed.scale.__doc__ or "")


def _ruff_import_findings(text: str, path: str) -> str:
    """What ruff's import-order rule (I, as ``make lint`` runs it) says of ``text``; "" when content."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "I", "--output-format", "concise",
         "--stdin-filename", path, "-"],
        input=text, capture_output=True, text=True, cwd=ROOT,
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr


def test_import_blocks_are_what_ruff_asks_for() -> None:
    """The facades are formatted by codegen's formatter (black) only, so the tool orders imports itself."""
    entries = [
        ("__future__", "annotations", "annotations"),
        ("viam_sdk.app.data_client", "DataClient", "_viam_sdk_app_data_client_DataClient"),
        ("viam_sdk.app.data_client", "read_tabular_file", "read_tabular_file"),
        ("viam_sdk.app.data_client", "CHUNK_SIZE", "CHUNK_SIZE"),
        ("viam_sdk.app.data_client", "ValueTypes", "ValueTypes"),
        ("viam_sdk.app._data.captures", "TabularDataPoint", "TabularDataPoint"),
        ("viam_sdk.app", "data_client", "_impl"),
        ("typing", "TYPE_CHECKING", "TYPE_CHECKING"),
        ("typing", "Any", "Any"),
        ("collections.abc", "Iterator", "Iterator"),
        ("typing_extensions", "Self", "Self"),
        ("viam_api.app.data.v1", "Sequence", "_viam_api_app_data_v1_Sequence"),
        *(("viam_api.app.v1", f"Name{n:02d}Long", f"Name{n:02d}Long") for n in range(12)),
        ("viam_api.app.v1", "OrgDetails", "OrgDetails"),
        ("viam_api.app.v1", "OrganizationMember", "OrganizationMember"),
        ("viam_api.app.v2", "Robot", "Robot"),
    ]
    block = sync_facade.import_block(entries, comments={"viam_sdk.app.data_client": "re-exported unchanged"})
    text = f'"""A module."""\n\n{block}\n\n__all__ = ["x"]\n'
    assert _ruff_import_findings(text, "viam_sdk/sync/example.py") == ""
    assert "from viam_sdk.app.data_client import (  # re-exported unchanged\n    CHUNK_SIZE,\n    ValueTypes," in block
    assert block.count("\n\n") == 3  # __future__, standard library, third party, first party
    nested = sync_facade.import_block([("viam_sdk.sync.b", "B", "B"), ("viam_sdk.sync.a", "A", "A")], indent="    ")
    assert nested == "    from viam_sdk.sync.a import A\n    from viam_sdk.sync.b import B"


def test_rendered_facades_pass_the_linters_import_rule() -> None:
    modules = sync_facade.build(((fx.__name__, "Root"), (fx.__name__, "Child"), (fx.__name__, "Mixed")))
    for path, text in sync_facade.render(modules).items():
        assert _ruff_import_findings(text, str(path.relative_to(ROOT))) == "", path
