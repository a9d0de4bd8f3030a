"""The optional compiled build of the codec's hot helpers (everything else is in pyproject.toml).

``viam_api/_wire.py`` (reading: varints, unknown fields, Timestamp/Duration, Struct
straight to dicts), ``viam_api/_wire_plan.py`` (the table-driven decoders) and
``viam_api/_wire_encode.py`` (writing) are compiled with mypyc, in one group so that
calls between them stay native, when mypyc and a C compiler are there.  The extensions are marked optional: without a
compiler the build goes on and the pure-Python modules are used, which are always
importable and always tested.  ``VIAM_API_PURE_PYTHON=1`` at build time skips the
compiled build; at run time it makes ``viam_api`` load the pure-Python modules even
when the compiled ones are installed.

Next to the compiled ``_wire`` the build writes ``_wire.sha256``: one SHA-256 over the
sources it compiled (:func:`source_digest`), then where the build went (``wheel``: the
build directory that becomes a wheel and an installed package; ``in-place``: the
source tree of an editable install).  ``viam_api/__init__`` reads it: an installed
package's files come from one build and are trusted as they are; in a source tree,
where ``make regenerate`` rewrites the sources, it hashes them the same way and loads
them instead of the compiled build when the digests differ.  File times decide
nothing: an installer may well write a source after its extension.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
#: The compiled modules, in the order ``viam_api/__init__`` (its ``_COMPILED_MODULES``) hashes them.
HOT_MODULES = [
    "generated/viam_api/_wire.py",
    "generated/viam_api/_wire_encode.py",
    "generated/viam_api/_wire_plan.py",
]
#: The compiled module next to which the stamp is written, and the stamp's name (read by viam_api/__init__).
STAMPED_MODULE = "viam_api._wire"
STAMP_NAME = "_wire.sha256"
#: The name of the group's shared library (``viam_api/_wire__mypyc``): in the package, not at the top
#: of site-packages, where a group of several modules would put a library named by a hash.
GROUP_NAME = "viam_api._wire"


def source_digest(paths: list[Path]) -> str:
    """One SHA-256 over several sources: of a line ``<file name> <SHA-256 of the file>`` per source."""
    lines = "".join(f"{p.name} {hashlib.sha256(p.read_bytes()).hexdigest()}\n" for p in paths)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _compiled_extensions() -> list[Any]:
    if os.environ.get("VIAM_API_PURE_PYTHON") == "1":
        print("viam_api: VIAM_API_PURE_PYTHON=1, installing the pure-Python codec", file=sys.stderr)
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("viam_api: mypyc not available, using the pure-Python codec", file=sys.stderr)
        return []
    try:
        extensions = mypycify(HOT_MODULES, opt_level="3", group_name=GROUP_NAME)
    except Exception as exc:  # a failed translation must not fail the install
        print(f"viam_api: mypyc could not compile the codec ({exc}); using pure Python", file=sys.stderr)
        return []
    for extension in extensions:
        extension.optional = True  # no C compiler: skip it, keep installing
    return list(extensions)


class StampedBuildExt(build_ext):
    """``build_ext`` that records which sources the compiled codec was built from.

    The stamp is written next to the extension wherever it lands (the build
    directory, which becomes the wheel, and the source tree for an editable
    install), and only when every extension was built: an optional extension
    that failed leaves no stamp, so nothing claims a build that is not there.
    """

    def run(self) -> None:
        self._built: set[str] = set()
        super().run()
        digest = source_digest([HERE / m for m in HOT_MODULES])
        complete = bool(self.extensions) and all(e.name in self._built for e in self.extensions)
        built_name = Path(self.get_ext_filename(STAMPED_MODULE)).name
        for folder, where in self._stamp_folders():
            stamp = folder / STAMP_NAME
            if complete and (folder / built_name).exists():
                stamp.write_text(f"{digest} {where}\n", encoding="ascii")
                sources = ", ".join(Path(m).name for m in HOT_MODULES)
                print(f"viam_api: compiled codec built from {sources} sha256 {digest[:12]}... ({stamp})")
            elif stamp.exists():
                stamp.unlink()
        if not complete:
            print("viam_api: the compiled codec was not built; the pure-Python one will run", file=sys.stderr)

    def build_extension(self, ext: Any) -> None:
        super().build_extension(ext)  # raises when it fails; an optional one is then skipped
        self._built.add(ext.name)

    def _stamp_folders(self) -> list[tuple[Path, str]]:
        """Where the compiled ``_wire`` went, and what kind of place that is."""
        if not any(e.name == STAMPED_MODULE for e in self.extensions):
            return []
        relative = Path(self.get_ext_filename(STAMPED_MODULE)).parent
        folders = [(Path(self.build_lib) / relative, "wheel")]
        if self.inplace:  # editable install: setuptools copies the extensions into the source tree
            build_py = self.get_finalized_command("build_py")
            folders.append((Path(build_py.get_package_dir(STAMPED_MODULE.rpartition(".")[0])), "in-place"))
        return folders


setup(ext_modules=_compiled_extensions(), cmdclass={"build_ext": StampedBuildExt})
