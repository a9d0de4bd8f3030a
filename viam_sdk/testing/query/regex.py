"""Regular expressions that callers send (MQL ``$regex``, ``$regexMatch``, ``$regexFind``), run in bounded time.

A caller's pattern must not be able to freeze the emulator: Python's ``re``
backtracks, so ``^(a+)+$`` over a few dozen characters runs for minutes while
holding the GIL.  Two engines, chosen at import:

* **RE2** (``google-re2``, in the ``emulator`` extra): matching is linear in
  the length of the text whatever the pattern, and the matcher lets go of the
  GIL while it works.  RE2 has no backreferences or look-around (MongoDB's PCRE
  has); such a pattern is refused with a message saying so.  ``$options``
  ``i``, ``m``, ``s`` become RE2's inline flags, ``x`` is applied here (white
  space and ``#`` comments outside character classes are dropped).
* **Python's ``re``**, when ``google-re2`` is not installed: only patterns
  whose time stays polynomial and small are taken — a repeated group may not
  itself hold a repetition or an alternation (``(a+)+``, ``(a|aa)*``) and
  backreferences are refused — and a text longer than
  ``FALLBACK_MAX_TEXT`` characters is refused, so no match runs away.

Either way a pattern is at most ``MAX_PATTERN_CHARS`` characters.  Errors are
:class:`RegexRefused` (a ``ValueError``) naming the pattern and why; the MQL
engine turns them into its own errors (INVALID_ARGUMENT).
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["ENGINE", "FALLBACK_MAX_TEXT", "MAX_PATTERN_CHARS", "Regex", "RegexRefused", "compile_regex"]

try:  # the linear-time engine, from the `emulator` extra
    import re2 as _re2
except ImportError:  # pragma: no cover - exercised where google-re2 is absent
    _re2 = None

try:  # Python 3.11+: the parser of `re` patterns
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse

# RE2's unanchored search, for the direct test (None if this google-re2 does not expose it).
_UNANCHORED = getattr(getattr(_re2, "_Anchor", None), "UNANCHORED", None)

#: Which engine runs callers' patterns: "re2" (linear time) or "re" (the bounded fallback).
ENGINE = "re2" if _re2 is not None else "re"
#: The longest pattern taken, in characters.
MAX_PATTERN_CHARS = 16_384
#: Without RE2: the longest text one pattern is run over, in characters.
FALLBACK_MAX_TEXT = 16_384


class RegexRefused(ValueError):
    """A caller's pattern that cannot be run (bad syntax, an unsupported feature, or over a limit)."""


class Regex:
    """A compiled caller pattern; ``search`` gives a match with ``group``, ``start`` and ``groups``, or None."""

    __slots__ = ("_compiled", "options", "pattern")

    def __init__(self, pattern: str, options: str, compiled: Any) -> None:
        self.pattern = pattern
        self.options = options
        self._compiled = compiled

    def search(self, text: str) -> Any:
        if isinstance(self._compiled, re.Pattern) and len(text) > FALLBACK_MAX_TEXT:
            raise RegexRefused(
                f"the text matched by /{_short(self.pattern)}/ is {len(text):,} characters, over the "
                f"limit of {FALLBACK_MAX_TEXT:,} without the linear-time engine "
                "(install google-re2, part of the emulator extra, to lift it)"
            )
        return self._compiled.search(text)

    def test(self, text: str) -> bool:
        """Whether the pattern occurs in ``text`` (``$match``'s ``$regex``, ``$regexMatch``).

        With RE2 this calls the matcher directly: no match object is built, which
        makes a test about six times quicker than ``search`` through the wrapper.
        """
        low = getattr(self._compiled, "_regexp", None)
        if low is None or _UNANCHORED is None:
            return self.search(text) is not None
        data = text.encode("utf-8", "surrogatepass")
        spans = low.Match(_UNANCHORED, data, 0, len(data))
        return bool(spans) and spans[0][0] >= 0

    def __repr__(self) -> str:
        return f"Regex({self.pattern!r}, {self.options!r})"


def compile_regex(pattern: str, options: str = "") -> Regex:
    """Compile a caller's pattern with MongoDB's ``$options`` letters (``i``, ``m``, ``s``, ``x``)."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise RegexRefused(
            f"the pattern /{_short(pattern)}/ is {len(pattern):,} characters, over the limit of "
            f"{MAX_PATTERN_CHARS:,}"
        )
    unknown = set(options) - set("imsxu")
    if unknown:
        raise RegexRefused(f"unknown $options letter(s) {''.join(sorted(unknown))!r} (use i, m, s or x)")
    return _compiled(pattern, "".join(sorted(set(options) - {"u"})))


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str, options: str) -> Regex:
    if "x" in options:
        pattern_text = _extended(pattern)
    else:
        pattern_text = pattern
    flags = "".join(letter for letter in options if letter in "ims")
    if ENGINE == "re2" and _re2 is not None:
        re2_options = _re2.Options()
        re2_options.max_mem = 8 << 20  # RE2's own default, stated: a pattern's automaton stays small
        re2_options.log_errors = False
        source = f"(?{flags}){pattern_text}" if flags else pattern_text
        try:
            compiled = _re2.compile(source, re2_options)
        except _re2.error as exc:
            raise RegexRefused(_re2_reason(pattern, str(exc))) from None
        return Regex(pattern, options, compiled)
    _check_fallback(pattern, pattern_text)
    python_flags = 0
    for letter in flags:
        python_flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}[letter]
    try:
        return Regex(pattern, options, re.compile(pattern_text, python_flags))
    except re.error as exc:
        raise RegexRefused(f"bad $regex /{_short(pattern)}/: {exc}") from None


def _re2_reason(pattern: str, error: str) -> str:
    shown = _short(pattern)
    if re.search(r"\\[1-9]|\(\?[=!<]|\(\?P?<[A-Za-z]|\(\?>|\\k<", pattern):
        return (
            f"the $regex /{shown}/ uses backreferences or look-around, which the emulator's linear-time "
            "regex engine (RE2) does not run; rewrite it without them"
        )
    if "pattern too large" in error:
        return f"the $regex /{shown}/ is too large to run in bounded memory; simplify it"
    return f"bad $regex /{shown}/: {error}"


def _extended(pattern: str) -> str:
    """PCRE's extended mode (``x``): white space and ``#`` comments outside classes dropped, escapes kept."""
    out: list[str] = []
    index, size, in_class = 0, len(pattern), False
    while index < size:
        char = pattern[index]
        if char == "\\" and index + 1 < size:
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
        elif char == "#":
            end = pattern.find("\n", index)
            index = size if end < 0 else end
            continue
        elif not char.isspace():
            out.append(char)
        index += 1
    return "".join(out)


_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}


def _check_fallback(pattern: str, text: str) -> None:
    """Without RE2: refuse what makes Python's backtracking explode (nested repetition, backreferences)."""
    try:
        parsed = _sre_parse.parse(text)
    except re.error as exc:
        raise RegexRefused(f"bad $regex /{_short(pattern)}/: {exc}") from None

    def walk(items: Any, inside_repeat: bool) -> None:
        for op, arg in items:
            name = str(op)
            if name in ("GROUPREF", "GROUPREF_EXISTS"):
                raise RegexRefused(
                    f"the $regex /{_short(pattern)}/ uses a backreference, which is refused without "
                    "the linear-time engine (install google-re2, part of the emulator extra)"
                )
            if name in _REPEATS:
                if inside_repeat:
                    raise _nested(pattern)
                walk(arg[2], True)
            elif name == "BRANCH":
                if inside_repeat:
                    raise _nested(pattern)
                for branch in arg[1]:
                    walk(branch, inside_repeat)
            elif name == "SUBPATTERN":
                walk(arg[-1], inside_repeat)
            elif name in ("ASSERT", "ASSERT_NOT"):
                walk(arg[1], inside_repeat)

    walk(parsed, False)


def _nested(pattern: str) -> RegexRefused:
    return RegexRefused(
        f"the $regex /{_short(pattern)}/ repeats a group that itself repeats or alternates; without the "
        "linear-time engine (google-re2, part of the emulator extra) such patterns can take exponential "
        "time, so they are refused"
    )


def _short(pattern: str) -> str:
    return pattern if len(pattern) <= 60 else pattern[:57] + "..."
