"""A mixin for ``_facade_fixture.Mixed``: its hints name things only this module imports."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fractions import Fraction

    from ._facade_fixture import Color


class Extras:
    """Methods ``Mixed`` inherits; the sync facade must offer them too."""

    async def scale(self, value: Fraction, color: Color | None = None) -> Fraction:
        """Double it.

        Example::

            doubled = await mixed.scale(Fraction(1, 3))
        """
        return value * 2

    def shout(self, text: str) -> str:
        """Shout, the mixin's way (it comes first in the MRO)."""
        return text.upper() + "!"
