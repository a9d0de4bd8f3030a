"""The emulator's HTTP front (signed-URL downloads today; the dashboard's pages next).

See :mod:`viam_sdk.testing.http.front`.  ``front_of(ctx)`` is the one front of
a running emulator, where service modules register their routes.
"""

from __future__ import annotations

from typing import Any

from .front import MAX_BODY, MAX_HEAD, HttpFront, Request, Response, safe_content_type, url_host

__all__ = [
    "FRONT_KEY",
    "MAX_BODY",
    "MAX_HEAD",
    "HttpFront",
    "Request",
    "Response",
    "front_of",
    "safe_content_type",
    "url_host",
]

#: Where the emulator keeps its front in ``EmulatorContext.extras``.
FRONT_KEY = "http_front"


def front_of(ctx: Any) -> HttpFront:
    """The HTTP front of the emulator whose context is ``ctx``.

    Raises:
        RuntimeError: the context has no front (an emulator built without one).
    """
    front = ctx.extras.get(FRONT_KEY)
    if not isinstance(front, HttpFront):
        raise RuntimeError("this emulator has no HTTP front")
    return front
