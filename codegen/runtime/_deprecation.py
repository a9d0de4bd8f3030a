"""The one warning category of the API's ``deprecated`` options, and the one place it is raised.

A deprecated message, field or RPC warns with :class:`ViamDeprecationWarning`,
a :class:`DeprecationWarning` subclass, so a program (or a library built on
the generated layer) can silence exactly these warnings by category::

    warnings.filterwarnings("ignore", category=ViamDeprecationWarning)

and leave every other deprecation warning alone.  Only the standard library
is imported here.
"""

from __future__ import annotations

import warnings

__all__ = ["ViamDeprecationWarning", "warn_deprecated"]


class ViamDeprecationWarning(DeprecationWarning):
    """A message, field or RPC the API marks ``deprecated`` was used."""


def warn_deprecated(what: str, stacklevel: int = 1) -> None:
    """Warn that ``what`` (a proto name or an RPC route) is deprecated.

    ``stacklevel`` counts from the caller of this function, as it does for
    :func:`warnings.warn`: 1 names the line that called this.
    """
    warnings.warn(f"{what} is deprecated", ViamDeprecationWarning, stacklevel=stacklevel + 1)
