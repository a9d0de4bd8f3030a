"""A small async API for testing tools/sync_facade.py on every member shape it handles."""

from __future__ import annotations

import enum
import json
from collections.abc import AsyncIterable, AsyncIterator

from typing_extensions import Self

from . import _facade_mixin


class Color(enum.Enum):
    RED = 1
    BLUE = 2


class Helper:
    """A plain class: aliased into the blocking twin unchanged."""


class Lonely:
    """An async client that is not a target: members handing it out are left out."""

    async def ping(self) -> str:
        return "pong"


class Child:
    """A client handed out by Root."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    async def echo(self, text: str, *, times: int = 1, color: Color = Color.BLUE) -> str:
        """Say it back.

        Example::

            said = await child.echo("hi")
        """
        return f"{self.prefix}{text * times}:{color.name}"

    async def count(self, upto: int) -> AsyncIterator[int]:
        for i in range(upto):
            yield i

    async def total(self, numbers: AsyncIterable[int], /) -> int:
        return sum([n async for n in numbers])

    def shout(self, text: str) -> str:
        return text.upper()


class Root:
    """The connection: made by an async factory, closed with close()."""

    Nested = Helper
    LIMIT = 3

    def __init__(self) -> None:
        self.closed = 0
        self._child = Child(">")

    @classmethod
    async def connect(cls, name: str = "root") -> Self:
        return cls()

    @property
    def child(self) -> Child:
        return self._child

    @property
    def lonely(self) -> Lonely:
        return Lonely()

    @staticmethod
    def version() -> str:
        return "1"

    def close(self) -> None:
        self.closed += 1


class Mixed(_facade_mixin.Extras, Child, json.JSONEncoder):
    """Members from a mixin of this package and from Child; none from json.JSONEncoder."""
