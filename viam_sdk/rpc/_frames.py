"""Per-frame work of h2 and hyperframe that nobody reads: text for a trace log that is off.

h2 passes every frame it receives to its logger's ``trace`` as ``repr(frame)``,
made before the call, whatever the logger does with it; grpclib gives h2 its
no-op logger, so the text is thrown away every time.  hyperframe's repr of a
frame with a body (DATA, HEADERS, CONTINUATION, ...) hexlifies the whole body
and then keeps its first 20 hex digits: about 11 microseconds for a 16 KiB
DATA frame, for text nobody sees.

:func:`install` changes two things, process-wide, both invisible in what is
written when a trace log *is* on:

* In ``h2.connection`` the name ``repr`` (used there once, for that trace
  record) makes a :class:`FrameText`: a small object whose ``str`` is the
  frame's repr, made only when a logger formats the record.  A logger that
  writes trace records writes the same text as before.
* hyperframe's ``_raw_data_repr`` hexlifies only the bytes it shows (the first
  ten) instead of the whole body: the same text, at a cost that no longer
  grows with the frame.
* hyperframe's ``Flags`` (one per frame, made or received) works out the set
  of flag names its frame type allows once per type instead of once per frame
  (:func:`flags_init`); what ``add`` accepts and refuses, and its error
  message, are the same.

Both the SDK's channel and the emulator's server install it (importing
``viam_sdk.rpc._channel`` does); installing twice changes nothing.
"""

from __future__ import annotations

import binascii
import builtins
from typing import Any

import h2.connection
import hyperframe.flags
import hyperframe.frame

__all__ = ["FrameText", "flags_init", "install", "installed", "raw_data_repr", "uninstall"]

#: Bytes of a body that hyperframe's repr shows (as 20 hex digits, then "..." if there are more).
SHOWN_BYTES = 10

_builtin_repr = builtins.repr

# What install() replaces, as this module found it (for uninstall(), and for tests comparing both).
ORIGINAL_RAW_DATA_REPR = hyperframe.frame._raw_data_repr
ORIGINAL_FLAGS_INIT = hyperframe.flags.Flags.__init__


class FrameText:
    """A frame's repr, made when the text is asked for (``str``), not when the record is made."""

    __slots__ = ("frame",)

    def __init__(self, frame: Any) -> None:
        self.frame = frame

    def __str__(self) -> str:
        return _builtin_repr(self.frame)

    def __repr__(self) -> str:
        return _builtin_repr(self.frame)


def raw_data_repr(data: bytes | bytearray | memoryview | None) -> str:
    """hyperframe's ``_raw_data_repr``, with only the shown bytes hexlified: ``<hex:0011...>`` or ``None``."""
    if not data:
        return "None"
    shown = binascii.hexlify(data[:SHOWN_BYTES]).decode("ascii")
    return "<hex:" + shown + ("...>" if len(data) > SHOWN_BYTES else ">")


#: The allowed flag names of each list of flags seen (a frame type's ``defined_flags``), by the list's id;
#: the list is kept with them, so its id stays its own.
_ALLOWED: dict[int, tuple[Any, set[str]]] = {}
#: Lists remembered at most: hyperframe has one per frame type; any others are worked out every time.
ALLOWED_LISTS = 64


def flags_init(self: Any, defined_flags: Any) -> None:
    """hyperframe's ``Flags.__init__``, with the allowed names worked out once per list of flags."""
    entry = _ALLOWED.get(id(defined_flags))
    if entry is None or entry[0] is not defined_flags:
        entry = (defined_flags, {flag.name for flag in defined_flags})
        if type(defined_flags) is list and len(_ALLOWED) < ALLOWED_LISTS:
            _ALLOWED[id(defined_flags)] = entry
    self._valid_flags = entry[1]  # read only (``add``), so the frames of one type may share it
    self._flags = set()


def installed() -> bool:
    """Whether :func:`install` has run in this process."""
    return (
        vars(h2.connection).get("repr") is FrameText
        and hyperframe.frame._raw_data_repr is raw_data_repr
        and hyperframe.flags.Flags.__init__ is flags_init
    )


def install() -> None:
    """Make h2's received-frame trace text lazy and hyperframe's per-frame reprs and flags cheap (docstring)."""
    h2.connection.repr = FrameText  # type: ignore[attr-defined]
    hyperframe.frame._raw_data_repr = raw_data_repr
    hyperframe.flags.Flags.__init__ = flags_init  # type: ignore[method-assign]


def uninstall() -> None:
    """Put back what :func:`install` replaced (for tests and side-by-side measurements)."""
    vars(h2.connection).pop("repr", None)
    hyperframe.frame._raw_data_repr = ORIGINAL_RAW_DATA_REPR
    hyperframe.flags.Flags.__init__ = ORIGINAL_FLAGS_INIT  # type: ignore[method-assign]

