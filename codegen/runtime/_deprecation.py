"""The one warning category of the API's ``deprecated`` options, and the one place it is raised.

A deprecated message, field or RPC warns with :class:`ViamDeprecationWarning`,
a :class:`DeprecationWarning` subclass, so a program (or a library built on
the generated layer) can silence exactly these warnings by category::

    warnings.filterwarnings("ignore", category=ViamDeprecationWarning)

and leave every other deprecation warning alone.

A library built on the generated layer may use deprecated parts of the API on
its own account, inside methods that are not deprecated themselves; its
callers should not hear of it.  It says so once, in its top-level package::

    __quiet_api_deprecations__ = True   # in mylib/__init__.py

and uses made from code of that package then do not warn, whatever filters
are in force (a test runner's, ``-W error``); uses made anywhere else still
do.  Only the standard library is imported here.
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["QUIET_MARK", "ViamDeprecationWarning", "warn_deprecated"]

#: The attribute a top-level package sets to True to use deprecated API parts without warnings.
QUIET_MARK = "__quiet_api_deprecations__"


class ViamDeprecationWarning(DeprecationWarning):
    """A message, field or RPC the API marks ``deprecated`` was used."""


def warn_deprecated(what: str, stacklevel: int = 1) -> None:
    """Warn that ``what`` (a proto name or an RPC route) is deprecated.

    ``stacklevel`` counts from the caller of this function, as it does for
    :func:`warnings.warn`: 1 names the line that called this.  Nothing is
    said when that line belongs to a package that set :data:`QUIET_MARK`.
    """
    if _quiet(stacklevel):
        return
    warnings.warn(f"{what} is deprecated", ViamDeprecationWarning, stacklevel=stacklevel + 1)


def _quiet(stacklevel: int) -> bool:
    """Whether the line ``stacklevel`` names (counted as by warn_deprecated) is in a package that set QUIET_MARK."""
    try:  # frame 0 is this function, 1 warn_deprecated, 2 its caller
        module = sys._getframe(stacklevel + 1).f_globals.get("__name__")
    except ValueError:  # the stack is not that deep
        return False
    package = sys.modules.get(str(module).partition(".")[0])
    return getattr(package, QUIET_MARK, False) is True
