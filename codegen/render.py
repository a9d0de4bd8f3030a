"""Render the model through the templates into an output tree.

Every output file is rendered and formatted in memory first; only when all of
them succeeded is anything written, so a failure never leaves a half-updated
tree.  ``check=True`` compares instead of writing (the CI drift check).

templates/ mirrors the output tree: ``root_init.py.j2`` and ``_paging.py.j2``
make the files at the root, ``package/`` the two files of each proto package,
``namespace/`` the ``__init__`` of an intermediate package; ``partials/`` holds
the macros and the header they share, found by bare name (``"_header.j2"``).
The runtime is not a template: the modules of codegen/runtime/ are copied
verbatim, behind the header, to the root of the tree (:func:`runtime_files`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import black
import jinja2

from codegen import runtime
from codegen.loader import compile_protos, proto_files
from codegen.model import Api, build_api

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PARTIALS = TEMPLATES / "partials"
DEFAULT_ROOT = "viam_api"
DEFAULT_STRIP = ("viam", "proto")
BLACK_MODE = black.Mode(line_length=110, target_versions={black.TargetVersion.PY310})


def environment(*search: Path) -> jinja2.Environment:
    """The Jinja environment of every generated file; ``search`` folders are looked in first."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([*search, TEMPLATES, PARTIALS]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def plan(api: Api, root: str, lock: str | None) -> list[tuple[str, str, dict[str, object]]]:
    """(output path, template, context) for every file of the output tree."""
    out: list[tuple[str, str, dict[str, object]]] = [
        (f"{root}/__init__.py", "root_init.py.j2", {"api": api, "root": root, "sources": [], "lock": lock}),
        (f"{root}/_paging.py", "_paging.py.j2", {"api": api, "sources": [], "lock": lock}),
    ]
    for module in api.parent_modules:
        out.append(
            (
                f"{root}/{'/'.join(module)}/__init__.py",
                "namespace/__init__.py.j2",
                {"module": module, "sources": [], "lock": None},
            )
        )
    for package in api.packages:
        out.append(
            (
                f"{root}/{'/'.join(package.module)}/__init__.py",
                "package/__init__.py.j2",
                {"package": package, "sources": package.sources, "lock": lock},
            )
        )
        if package.messages:
            out.append(
                (
                    f"{root}/{'/'.join(package.module)}/_codec.py",
                    "package/_codec.py.j2",
                    {"package": package, "sources": package.sources, "lock": lock},
                )
            )
            out.append(
                (
                    f"{root}/{'/'.join(package.module)}/_json.py",
                    "package/_json.py.j2",
                    {"package": package, "sources": package.sources, "lock": lock},
                )
            )
    return out


def runtime_files(root: str, env: jinja2.Environment | None = None) -> dict[str, str]:
    """The runtime modules (codegen/runtime/), each behind the generated-file header.

    Copied as they are: they are formatted and linted where they live, so the
    generated copy differs from its source by the header lines only.
    """
    header = (env or environment()).get_template("_header.j2")
    return {
        f"{root}/{name}": header.render(sources=[f"codegen/runtime/{name}"], lock=None)
        + (runtime.HERE / name).read_text()
        for name in runtime.MODULES
    }


def format_python(text: str, path: str) -> str:
    """The formatter of every generated Python file (black); an unparsable ``text`` names ``path``."""
    try:
        return black.format_str(text, mode=BLACK_MODE)
    except Exception as exc:  # black reports unparsable output; name the file
        raise RuntimeError(f"generated {path} is not valid Python: {exc}") from exc


def _format(item: tuple[str, str]) -> tuple[str, str]:
    path, text = item
    return path, format_python(text, path)


def render(
    api: Api, root: str = DEFAULT_ROOT, lock: str | None = None, workers: int | None = None
) -> dict[str, str]:
    """Every output file, formatted, keyed by path relative to the output folder."""
    env = environment()
    raw = [
        (path, env.get_template(template).render(**context))
        for path, template, context in plan(api, root, lock)
    ]
    workers = workers or min(4, os.cpu_count() or 1)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            formatted = dict(pool.map(_format, raw))
    else:
        formatted = dict(map(_format, raw))
    formatted.update(runtime_files(root, env))
    formatted[f"{root}/py.typed"] = ""
    return dict(sorted(formatted.items()))


def _existing(out: Path) -> Iterable[str]:
    if not out.exists():
        return []
    return sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        # .so/.pyd and the .sha256 stamp: the optional compiled build of _wire.py (setup.py)
        if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith((".pyc", ".so", ".pyd", ".sha256"))
    )


def build_from_protos(protos: Path, strip: tuple[str, ...] = DEFAULT_STRIP) -> tuple[Api, str | None]:
    files = proto_files(protos)
    api = build_api(compile_protos(protos, files), files, strip)
    lock_file = protos / "LOCK"
    lock = lock_file.read_text().strip() if lock_file.exists() else None
    return api, lock


def generate(protos: Path, out: Path, *, check: bool = False, root: str = DEFAULT_ROOT) -> int:
    api, lock = build_from_protos(protos)
    files = render(api, root, lock)
    stale = [p for p in _existing(out) if p not in files]
    changed = [p for p, text in files.items() if not (out / p).exists() or (out / p).read_text() != text]
    if check:
        for path in changed + stale:
            print(f"out of date: {out / path}", file=sys.stderr)
        if changed or stale:
            print("generated/ differs from a fresh `make regenerate`", file=sys.stderr)
            return 1
        print(f"{out} is up to date ({len(files)} files)")
        return 0
    for path in stale:
        (out / path).unlink()
    for path in changed:
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(files[path])
        os.replace(tmp, target)
    counts = ", ".join(f"{v} {k}" for k, v in api.counts.items())
    print(f"generated {len(files)} files into {out} ({counts}); {len(changed)} changed, {len(stale)} removed")
    return 0
