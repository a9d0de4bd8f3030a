"""An editable install (``pip install -e``, what ``make setup`` does) keeps the staleness guard.

The session's sdist is unpacked into a temporary folder (a source tree like a
checkout, but one these tests may edit) and installed editable into a fresh venv.
Its compiled codec runs; once ``_wire.py`` is edited (as ``make regenerate`` would
rewrite it) the pure-Python module runs instead, although the extension is still
there and the times say nothing; put back, the compiled one runs again.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from .conftest import Dist, Venv, has_c_compiler, make_venv

# One worker builds the distributions once for all of them (`make test`: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("dist")


@pytest.fixture(scope="module")
def editable(built_dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> tuple[Venv, Path]:
    where = tmp_path_factory.mktemp("editable")
    with tarfile.open(built_dist.sdist) as archive:
        archive.extractall(where / "src", filter="data")
    (tree,) = (where / "src").iterdir()
    return make_venv(where, "-e", str(tree)), tree


def test_editable_install_runs_compiled_then_pure_after_an_edit(editable: tuple[Venv, Path]) -> None:
    venv, tree = editable
    package = tree / "generated" / "viam_api"
    seen = venv.probe()
    assert Path(str(seen["viam_api"])).parent.resolve() == package.resolve(), seen  # the tree, editable
    if not has_c_compiler():
        assert seen["compiled"] is False
        return
    assert seen["compiled"] is True, seen
    assert (package / "_wire.sha256").read_text(encoding="utf-8").split()[1] == "in-place"

    source = package / "_wire.py"
    original = source.read_bytes()
    source.write_bytes(original + b"\n# regenerated after the build\n")
    for built in package.glob("_wire*.so"):
        built.touch()  # newer than the edit: file times would keep the stale build
    edited = venv.probe()
    assert edited["compiled"] is False and str(edited["wire"]).endswith("_wire.py"), edited
    assert edited["round_trip"] == 7

    source.write_bytes(original)
    assert venv.probe()["compiled"] is True
