"""Lazy re-export of one generated module under a seed name (``viam_sdk.proto.*``).

A generated message module can take tens of milliseconds to import
(``viam_api.app.v1`` is ~15k lines), so ``viam_sdk.proto.app`` does not import
it until one of its names is asked for.  Each re-exporting module does::

    if TYPE_CHECKING:
        from viam_api.app.v1 import *  # what mypy and editors see
    else:
        __getattr__, __dir__ = lazy_reexport(__name__, "viam_api.app.v1")

On first use of an exported name (or of ``__all__``, ``dir()`` or ``import *``)
the source is imported and its ``__all__`` names are copied into the module,
so later lookups are plain attribute reads and the objects are the generated
ones themselves.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["lazy_reexport"]


def lazy_reexport(module_name: str, source_name: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for a module that re-exports ``source_name``'s ``__all__``."""

    def load() -> dict[str, Any]:
        namespace = vars(sys.modules[module_name])
        if "__all__" not in namespace:
            source = importlib.import_module(source_name)
            exported = list(source.__all__)
            namespace.update({name: getattr(source, name) for name in exported})
            namespace["__all__"] = exported
        return namespace

    def __getattr__(name: str) -> Any:
        # Every generated export is a PascalCase class; anything else (a
        # subpackage not imported yet, a probe such as ``__wrapped__``) is
        # answered without importing the generated module.
        if name == "__all__" or name[:1].isupper():
            namespace = load()
            if name in namespace:
                return namespace[name]
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(load())

    return __getattr__, __dir__
