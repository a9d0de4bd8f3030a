"""Atomic file writes: the one helper behind every ``dest=`` argument.

A write goes to a temporary file in the destination's own folder and is renamed
over the destination only when it completed, so readers see either the old
file, whole, or the new one, whole.  Errors propagate; nothing is swallowed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, overload


def _target(dest: str | os.PathLike[str]) -> Path:
    path = Path(dest)
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {str(path)!r}: folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {str(path)!r}: it is a folder")
    return path


@overload
def atomic_open(
    dest: str | os.PathLike[str], mode: Literal["w"], *, sync: bool = ...
) -> contextlib.AbstractContextManager[IO[str]]: ...
@overload
def atomic_open(
    dest: str | os.PathLike[str], mode: Literal["wb"] = ..., *, sync: bool = ...
) -> contextlib.AbstractContextManager[IO[bytes]]: ...
def atomic_open(
    dest: str | os.PathLike[str], mode: str = "wb", *, sync: bool = True
) -> contextlib.AbstractContextManager[IO[Any]]:
    """Open ``dest`` for writing ("w" text, UTF-8, or "wb"); it appears only on a clean exit.

    Raises FileNotFoundError when the folder is missing; on any error inside
    the ``with`` block the temporary file is removed and an earlier ``dest``
    is left untouched.  ``sync=False`` skips the fsync before the rename: a
    crash of the process still leaves the old file or the new one, whole, but
    a power cut may leave an empty or short file (for callers that check what
    they wrote, such as the bulk export, and would rather be fast).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open mode must be 'w' or 'wb', not {mode!r}")
    return _atomic(_target(dest), mode, sync)


def _temp_file(path: Path) -> tuple[int, str]:
    """A new, empty temporary file beside ``path``, created with the process umask applied.

    ``tempfile.mkstemp`` creates its files 0600 whatever the umask, so a file
    renamed over ``dest`` would be unreadable to the group and others the
    user's umask lets in; this one is created 0666 less the umask, like
    ``open(dest, "w")`` would be.
    """
    stem = path.name.encode()[:100].decode("utf-8", "ignore")
    for _ in range(100):
        tmp = os.path.join(path.parent, f".{stem}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file beside {str(path)!r}")


@contextlib.contextmanager
def _atomic(path: Path, mode: str, sync: bool) -> Iterator[IO[Any]]:
    fd, tmp = _temp_file(path)
    try:
        handle: IO[Any] = os.fdopen(fd, mode, encoding="utf-8") if mode == "w" else os.fdopen(fd, "wb")
        with handle:
            yield handle
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(dest: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``dest`` atomically; returns the destination path."""
    with atomic_open(dest, "wb") as handle:
        handle.write(data)
    return Path(dest)


def atomic_write_text(dest: str | os.PathLike[str], text: str, *, sync: bool = True) -> Path:
    """Write ``text`` (UTF-8) to ``dest`` atomically; returns the destination path (``sync``: as ``atomic_open``)."""
    with atomic_open(dest, "w", sync=sync) as handle:
        handle.write(text)
    return Path(dest)
