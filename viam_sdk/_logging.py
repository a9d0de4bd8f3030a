"""Logging of the SDK, and the filter that keeps credentials out of every log record.

The SDK logs with the standard library under ``viam_sdk.*``:

* ``viam_sdk.rpc``: connecting, authenticating, token renewals (INFO), retries
  (WARNING when a call is repeated, DEBUG for each attempt's outcome);
* ``viam_sdk.app.*``: transfers (uploads, downloads, exports) and paging.

Nothing is configured for you (no handler is added); turn it on as usual, e.g.
``logging.basicConfig(level=logging.DEBUG)``.

At DEBUG level the libraries under grpclib print what they send: hpack logs
every header block it encodes and decodes, ``authorization: Bearer <token>``
included.  ``SecretFilter`` masks credentials in every record that passes
through it: bearer tokens, ``key=``/``secret=``/``token=``/``payload=`` style
values, and every secret this process registered with ``register_secret``
(the SDK registers API keys, location secrets and access tokens as it meets
them).  ``install`` puts the filter on the ``viam_sdk``, grpclib, h2 and
hpack loggers (and their child loggers); ``ViamClient`` calls it when it
connects.  A logger-level filter sees only the records created by that very
logger, which is why the children are named one by one.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Final

__all__ = ["LOGGER_PREFIXES", "SecretFilter", "install", "mask_secrets", "register_secret"]

MASK: Final = "***"

# The libraries whose loggers get the filter (and their children), and the
# child loggers they are known to create (created up front, so a record from a
# module imported later is filtered too).
LOGGER_PREFIXES: Final = ("viam_sdk", "viam_api", "grpclib", "h2", "hpack")
_KNOWN_LOGGERS: Final = (
    "viam_sdk.rpc",
    "viam_sdk.app",
    "viam_sdk.app.viam_client",
    "viam_sdk.testing",
    "grpclib.client",
    "grpclib.server",
    "grpclib.protocol",
    "grpclib.health.check",
    "h2.connection",
    "h2.stream",
    "hpack.hpack",
    "hpack.table",
)

_PATTERNS: Final = (
    # "Bearer <token>" wherever it appears (headers, tuples of bytes, reprs).
    re.compile(r"(?i)(bearer\s+)[^\s'\",)\]}]+"),
    # key=value / key: value / 'key': 'value' for credential-like names (not
    # page_token and the like: the name must start a word).
    re.compile(
        r"(?i)(?<![\w-])((?:api[_-]?key|[a-z_]*secret|access[_-]?token|refresh[_-]?token|token|payload|password|psk)"
        r"['\"]?\s*[:=]\s*b?['\"]?)"
        r"(?!\*\*\*)[^\s'\",)\]}]+"
    ),
)

_lock = threading.Lock()
_secrets: set[str] = set()
_secret_pattern: re.Pattern[str] | None = None


def register_secret(secret: str | None) -> None:
    """Mask ``secret`` wherever it appears in a filtered record or SDK error message.

    Short strings (fewer than 8 characters) are ignored: masking them would
    garble ordinary text, and no real credential is that short.
    """
    global _secret_pattern
    if not secret or len(secret) < 8:
        return
    with _lock:
        if secret in _secrets:
            return
        _secrets.add(secret)
        # Built again on the next mask, not here: a process that authenticates
        # thousands of times (every renewal registers its token) would otherwise
        # recompile an ever longer pattern on every sign-in.
        _secret_pattern = None


def _pattern() -> re.Pattern[str] | None:
    global _secret_pattern
    pattern = _secret_pattern
    if pattern is None and _secrets:
        with _lock:
            if _secret_pattern is None:
                ordered = sorted(_secrets, key=len, reverse=True)
                _secret_pattern = re.compile("|".join(re.escape(s) for s in ordered))
            pattern = _secret_pattern
    return pattern


def mask_secrets(text: str) -> str:
    """``text`` with every credential it contains replaced by ``***``."""
    pattern = _pattern()
    if pattern is not None:
        text = pattern.sub(MASK, text)
    for regex in _PATTERNS:
        text = regex.sub(lambda m: m.group(1) + MASK, text)
    return text


class SecretFilter(logging.Filter):
    """Rewrites each record's message (and its exception text) with credentials masked.

    The record is formatted once here (``msg % args``), masked, and kept as
    the plain message; it is never dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 (a bad format string is the logging module's to report)
            return True
        masked = mask_secrets(message)
        if masked != message or record.args:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_secrets(record.stack_info)
        return True


_FILTER: Final = SecretFilter()


def _covered(name: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in LOGGER_PREFIXES)


def install() -> SecretFilter:
    """Put the masking filter on every logger of the SDK and of grpclib, h2 and hpack.

    Idempotent and cheap; safe to call again after more modules were imported
    (each call also covers the child loggers created since).
    """
    names = set(LOGGER_PREFIXES) | set(_KNOWN_LOGGERS)
    names.update(name for name in list(logging.root.manager.loggerDict) if _covered(name))
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    return _FILTER
