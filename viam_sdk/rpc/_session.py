"""``AuthSession``: the ``authorization`` header every stub of a ``ViamClient`` shares, and its renewal.

The session is a read-only mapping (``{"authorization": "Bearer <token>"}``)
that the stubs read at every call.  When the token expires, ``renew``
authenticates again with the same credentials and swaps the header in place,
so every client sees the new token on its next call; nothing is rebuilt.

A token that says how long it lives (a JWT whose claims carry ``exp``, as
Viam's access tokens and the emulator's do) is renewed *before* it expires:
the call policy asks :meth:`AuthSession.renew_if_due` ahead of every attempt,
and once a tenth of the lifetime (at most five minutes) is left, the session
authenticates again first.  The lifetime is read as ``exp - iat`` and counted
on this process's monotonic clock from the moment the token arrived, so a
client whose clock differs from the server's still renews in time.  Opaque
tokens, and calls that meet an expiry anyway, keep the renewal on refusal.

The credentials and the token stay private: ``repr`` shows neither, and both
are registered with the log filter (``viam_sdk._logging``) so no log record
or error message carries them.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import time
from collections.abc import Callable, ItemsView, Iterator, Mapping
from typing import TYPE_CHECKING, TypeGuard

from viam_sdk import _logging
from viam_sdk.rpc._policy import RetrySettings, SDKPolicy

if TYPE_CHECKING:
    from grpclib.client import Channel

    from viam_sdk.rpc.dial import Credentials

__all__ = ["AuthSession"]

LOGGER = logging.getLogger("viam_sdk.rpc")

_HEADER = "authorization"

#: A token is renewed once this share of its lifetime is left ...
RENEW_AHEAD_FRACTION = 0.1
#: ... or this many seconds, whichever is less.
RENEW_AHEAD_MAX = 300.0
#: Seconds before an early renewal that failed is tried again.
RETRY_EARLY_RENEWAL = 10.0


def token_lifetime(token: str) -> float | None:
    """Seconds a JWT access token lives from its issue (``exp - iat``); None when the token does not say.

    Only the claims are read (the signature is the server's business); an
    opaque token, or claims without a numeric ``exp``, give None.  Without
    ``iat`` the lifetime is counted from now by this machine's clock.
    """
    pieces = token.split(".")
    if len(pieces) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(pieces[1] + "=" * (-len(pieces[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(claims, dict):
        return None
    exp, iat = claims.get("exp"), claims.get("iat")
    if not _is_number(exp):
        return None
    lifetime = float(exp) - (float(iat) if _is_number(iat) else time.time())
    return lifetime if lifetime > 0 else None


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class AuthSession(Mapping[str, str]):
    """The auth metadata of one connection, renewed in place when the token expires.

    Args:
        channel: the connection to authenticate over.
        entity: who the credentials belong to (API key id, machine address, ...).
        credentials: the secret to authenticate with.
        retry: how transient failures of every call (Authenticate included) are retried.
        timeout: seconds allowed for each authentication.
        address: ``host:port`` of the connection, for error messages.
        trust: what the server's certificate is checked against (TLS), for error messages.
    """

    def __init__(
        self,
        channel: Channel,
        entity: str,
        credentials: Credentials,
        *,
        retry: RetrySettings | None = None,
        timeout: float | None = None,
        address: str | None = None,
        trust: str | None = None,
    ) -> None:
        self._channel = channel
        self._entity = entity
        self._credentials = credentials
        self._timeout = timeout
        self._header: dict[str, str] = {}
        self._lock: asyncio.Lock | None = None
        #: Bumped by every new token; a call remembers it to tell whether another call renewed already.
        self.generation = 0
        #: How many times the token was renewed (the first authentication not counted).
        self.renewals = 0
        #: How many of those renewals came before the token expired (``renew_if_due``).
        self.early_renewals = 0
        #: Where the session reads the time (seconds, monotonic); tests move it on instead of sleeping.
        self.clock: Callable[[], float] = time.monotonic
        #: When (by ``clock``) the current token is due for renewal; None: it does not say when it expires.
        self.renew_at: float | None = None
        retry = retry or RetrySettings()
        # Every SDK stub of this connection uses this policy; authentication
        # itself gets retries but no renewal.
        self.policy = SDKPolicy(retry, self, address=address, trust=trust)
        self._auth_policy = SDKPolicy(retry, address=address, trust=trust)
        _logging.register_secret(credentials.payload)

    def __repr__(self) -> str:
        state = "authenticated" if self._header else "not authenticated"
        return f"<AuthSession {self._entity!r} {state}, renewed {self.renewals} times>"

    # -- the mapping the stubs read ------------------------------------------------

    def __getitem__(self, key: str) -> str:
        return self._header[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._header)

    def __len__(self) -> int:
        return len(self._header)

    def items(self) -> ItemsView[str, str]:
        """The header, as the stubs read it at every call (the dict's own view, without a Python step per key)."""
        return self._header.items()

    # -- tokens -----------------------------------------------------------------------

    async def authenticate(self) -> None:
        """Exchange the credentials for an access token and put it in the header."""
        from viam_api.rpc.v1 import AuthenticateRequest, AuthServiceStub
        from viam_api.rpc.v1 import Credentials as CredentialsPB

        stub = AuthServiceStub(self._channel, policy=self._auth_policy)
        response = await stub.authenticate(
            AuthenticateRequest(
                entity=self._entity,
                credentials=CredentialsPB(type=self._credentials.type, payload=self._credentials.payload),
            ),
            timeout=self._timeout,
        )
        _logging.register_secret(response.access_token)
        self._header = {_HEADER: f"Bearer {response.access_token}"}
        self.generation += 1
        lifetime = token_lifetime(response.access_token)
        if lifetime is None:
            self.renew_at = None
        else:
            self.renew_at = self.clock() + lifetime - min(RENEW_AHEAD_MAX, lifetime * RENEW_AHEAD_FRACTION)

    async def renew(self, seen_generation: int) -> None:
        """Get a new token, unless one newer than ``seen_generation`` is already in place.

        Calls that meet the same expiry together wait for one renewal.
        """
        await self._renew(seen_generation, early=False)

    async def renew_if_due(self) -> None:
        """Renew the token now if it is close to its expiry (only tokens that tell their expiry).

        A failed early renewal is logged and the call goes on with the current
        token, which is still valid for a while; the next try comes
        ``RETRY_EARLY_RENEWAL`` seconds later (or on a refusal, whichever first).
        """
        due = self.renew_at
        if due is None or self.clock() < due:
            return
        try:
            await self._renew(self.generation, early=True)
        except Exception as exc:  # noqa: BLE001 -- the current token still works; the refusal path remains
            self.renew_at = self.clock() + RETRY_EARLY_RENEWAL
            LOGGER.warning("could not renew the access token ahead of its expiry (%s); trying again later", exc)

    async def _renew(self, seen_generation: int, *, early: bool) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.generation != seen_generation:
                return  # another call renewed it meanwhile
            await self.authenticate()
            self.renewals += 1
            self.early_renewals += early
            LOGGER.info(
                "renewed the access token of %s %s (renewal %d)",
                self._credentials.type,
                "ahead of its expiry" if early else "after it expired",
                self.renewals,
            )
