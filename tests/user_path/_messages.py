"""What a message a user sees must be: it names the problem and what to do, without secrets or internals."""

from __future__ import annotations

import re
from collections.abc import Iterable

#: mistake -> the message it now gets (filled by the tests, printed by conftest.py).
TABLE: dict[str, str] = {}

# Words that only mean something to someone reading the SDK's or a library's source.
INTERNALS = (
    "sqlglot",
    "grpclib",
    "h2.",
    "<class '",
    "Traceback",
    "[Errno",
    "gaierror",
    "ConnectFailed",
    "StreamTerminatedError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "OSError",
    "OperationalError",
    "sqlite3",
    "Required keyword",
    'File "',
)
# A duration printed with more digits than anyone typed (4.522800008999184e-05).
_LONG_FLOAT = re.compile(r"\b\d+\.\d{6,}\b|\b\d(?:\.\d+)?e-\d+\b")


def check(
    mistake: str,
    text: str,
    *,
    names: Iterable[str] = (),
    hints: Iterable[str] = (),
    secrets: Iterable[str] = (),
) -> str:
    """Assert ``text`` is a helpful message for ``mistake``, record it, and return it.

    Args:
        names: every one of these must appear (what was wrong: the value, the id, the host:port).
        hints: at least one of these must appear, ignoring case (what to do).
        secrets: none of these may appear.
    """
    for name in names:
        assert name in text, f"{mistake}: {name!r} is not named in {text!r}"
    wanted = [h.lower() for h in hints]
    if wanted:
        assert any(h in text.lower() for h in wanted), f"{mistake}: none of {wanted} in {text!r}"
    for secret in secrets:
        assert secret, "an empty secret proves nothing"
        assert secret not in text, f"{mistake}: a secret shows in {text!r}"
    for word in INTERNALS:
        assert word not in text, f"{mistake}: library internals ({word!r}) in {text!r}"
    assert not _LONG_FLOAT.search(text), f"{mistake}: an unrounded number in {text!r}"
    TABLE[mistake] = text.strip()
    return text
