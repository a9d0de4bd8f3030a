"""Safe, distinct file names for what the server names: every ``dest=`` and export goes through here.

A binary item's file name comes from text the server returns (a file id, an
uploader's file name and extension), so it may be anything: ``..``, empty, a
path with separators, a NUL, 1,000 characters, ``CON``.  ``safe_name``
turns such text into one plain file name, and ``NameClaims`` makes sure
two items never get the same one.

The rules, in order:

* every character outside the allowed set (letters, digits, ``.``, ``_``,
  ``-`` by default) becomes ``_``: path separators, NUL and other control
  characters, ``:`` and the other characters Windows refuses;
* a name made only of dots, or empty, is prefixed with ``_`` (empty -> ``_``),
  and a trailing dot or space becomes ``_`` (Windows drops them), so ``..``
  -> ``_._``;
* a Windows device name (``CON``, ``PRN``, ``AUX``, ``NUL``, ``COM1``-``COM9``,
  ``LPT1``-``LPT9``, in any case, with or without an extension) is prefixed
  with ``_``;
* a name over 200 bytes (UTF-8) is shortened, keeping its extension.

**Disambiguation.**  When the rules changed the name, or when another item
already holds it, the item's name gets ``~`` and the first 10 hex digits of
the SHA-256 of its binary data id before its extension:
``..`` -> ``_._~3f2a9c01b4``.  ``~`` is never kept by the rules, so such a
name cannot be another item's clean name; the suffix depends on the item's
id alone, so an item gets the same name on every run, whatever order the
items come in (the first holder of a clean name keeps it; an export records
each file's binary data id in its metadata, which a rerun reads back).
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["MAX_NAME_BYTES", "NameClaims", "id_suffix", "safe_name", "with_suffix"]

#: The longest name ``safe_name`` gives, in UTF-8 bytes (file systems allow 255; room is left for
#: a ``.json`` beside it and for the temporary name of an atomic write).
MAX_NAME_BYTES = 200

_PLAIN = re.compile(r"[^A-Za-z0-9._-]")
_WIDE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*~]')
_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)} | {f"LPT{i}" for i in range(1, 10)}
)


def id_suffix(ident: str) -> str:
    """``~`` and 10 hex digits of the SHA-256 of ``ident``: the stable tag that keeps two names apart."""
    return "~" + hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def _split_ext(name: str) -> tuple[str, str]:
    dot = name.rfind(".")
    if dot <= 0 or not 2 <= len(name) - dot <= 16:
        return name, ""
    return name[:dot], name[dot:]


def _shorten(name: str, limit: int) -> str:
    if len(name.encode()) <= limit:
        return name
    stem, ext = _split_ext(name)
    room = max(limit - len(ext.encode()), 1)
    stem = stem.encode()[:room].decode("utf-8", "ignore")
    return stem + ext


def safe_name(raw: str, *, plain: bool = True) -> tuple[str, bool]:
    """``raw`` as one safe file name, and whether the rules had to change it.

    ``plain`` keeps ASCII letters, digits, ``.``, ``_`` and ``-`` only (the
    ``dest=`` folders' ``<file id><extension>`` names); otherwise any
    printable character but the path separators and Windows' reserved ones
    is kept (the export's names, which carry the uploader's file names).
    """
    name = (_PLAIN if plain else _WIDE).sub("_", raw)
    if not name.strip("."):
        name = "_" + name
    if name[-1] in ". ":
        name = name[:-1] + "_"
    if name.split(".", 1)[0].upper().rstrip(" ") in _DEVICES:
        name = "_" + name
    name = _shorten(name, MAX_NAME_BYTES - len(id_suffix("")))
    return name, name != raw


def with_suffix(name: str, ident: str) -> str:
    """``name`` with the id tag of ``ident`` before its extension."""
    stem, ext = _split_ext(name)
    return stem + id_suffix(ident) + ext


class NameClaims:
    """The names given out in one folder: each item gets a safe name no other item holds.

    ``owner`` (optional) tells who holds a name already on disk (an export
    reads the binary data id from the file's metadata); a name held by
    another id is not given again.
    """

    def __init__(self, owner: object = None) -> None:
        self._held: dict[str, str] = {}
        self._owner = owner

    def claim(self, raw: str, ident: str, *, plain: bool = True) -> str:
        """The name for the item ``ident`` whose server-given name is ``raw``."""
        name, changed = safe_name(raw, plain=plain)
        if changed or self._taken(name, ident):
            name = with_suffix(name, ident)
        self._held.setdefault(name, ident)
        return name

    def _taken(self, name: str, ident: str) -> bool:
        holder = self._held.get(name)
        if holder is None and callable(self._owner):
            holder = self._owner(name)
        return holder is not None and holder != ident
