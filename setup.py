"""The optional compiled build of the codec's hot helpers (everything else is in pyproject.toml).

``viam_api/_wire.py`` (varints, unknown fields, Timestamp/Duration, Struct straight
to dicts) is compiled with mypyc when mypyc and a C compiler are there.  The
extension is marked optional: without a compiler the build goes on and the
pure-Python module is used, which is always importable and always tested.
``VIAM_API_PURE_PYTHON=1`` at build time skips the compiled build; at run time
it makes ``viam_api`` load the pure-Python module even when the compiled one
is installed.
"""

from __future__ import annotations

import os
import sys

from setuptools import setup

HOT_MODULES = ["generated/viam_api/_wire.py"]


def _compiled_extensions() -> list[object]:
    if os.environ.get("VIAM_API_PURE_PYTHON") == "1":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("viam_api: mypyc not available, using the pure-Python codec", file=sys.stderr)
        return []
    try:
        extensions = mypycify(HOT_MODULES, opt_level="3")
    except Exception as exc:  # a failed translation must not fail the install
        print(f"viam_api: mypyc could not compile the codec ({exc}); using pure Python", file=sys.stderr)
        return []
    for extension in extensions:
        extension.optional = True  # no C compiler: skip it, keep installing
    return list(extensions)


setup(ext_modules=_compiled_extensions())
