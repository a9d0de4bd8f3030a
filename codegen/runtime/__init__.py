"""The runtime of the generated layer, as real modules.

Each ``*.py`` here except this file is copied verbatim, behind the generated
file header, into the root of the generated package (``generated/viam_api/``)
by ``make regenerate`` (see ``codegen.render.runtime_files``); generated
modules import them relatively.  Kept here as an importable package so the
runtime is linted, type-checked and edited as ordinary Python.  Imports stay
relative and within this folder, so a copy works wherever it is put.

``_wire`` (reading), ``_wire_plan`` (table-driven reading) and ``_wire_encode`` (writing) are
compiled by mypyc in the installed copy (setup.py); they import only the standard library and
``_time`` (the nanosecond subclasses of datetime and timedelta, which stay pure Python).  The
other modules import one another one way: ``_time`` <- ``_wire`` <- ``_wire_encode``,
``_wire`` <- ``_wire_plan``, ``_json`` <- ``_messages``,
``_server``; ``_stubs`` <- ``_blocking``; ``_runtime`` re-exports them all.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

#: The runtime modules, in the order they are listed in the generated tree.
MODULES: tuple[str, ...] = (
    "_blocking.py",
    "_deprecation.py",
    "_json.py",
    "_messages.py",
    "_runtime.py",
    "_server.py",
    "_stubs.py",
    "_time.py",
    "_wire.py",
    "_wire_encode.py",
    "_wire_plan.py",
)
