"""codegen/sync_facade.py on a small fixture API: every member shape, rendered and run."""

from __future__ import annotations

import asyncio
import inspect
import sys
import types
from collections.abc import Iterator

import pytest

from codegen import sync_facade

from . import _facade_fixture as fx


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
