"""``AuthSession``: the ``authorization`` header every stub of a ``ViamClient`` shares, and its renewal.

The session is a read-only mapping (``{"authorization": "Bearer <token>"}``)
that the stubs read at every call.  When the token expires, ``renew``
authenticates again with the same credentials and swaps the header in place,
so every client sees the new token on its next call; nothing is rebuilt.

The credentials and the token stay private: ``repr`` shows neither, and both
are registered with the log filter (``viam_sdk._logging``) so no log record
or error message carries them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from viam_sdk import _logging
from viam_sdk.rpc._policy import RetrySettings, SDKPolicy

if TYPE_CHECKING:
    from grpclib.client import Channel

    from viam_sdk.rpc.dial import Credentials

__all__ = ["AuthSession"]

LOGGER = logging.getLogger("viam_sdk.rpc")

_HEADER = "authorization"


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

    async def renew(self, seen_generation: int) -> None:
        """Get a new token, unless one newer than ``seen_generation`` is already in place.

        Calls that meet the same expiry together wait for one renewal.
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.generation != seen_generation:
                return  # another call renewed it meanwhile
            await self.authenticate()
            self.renewals += 1
            LOGGER.info("renewed the access token of %s (renewal %d)", self._credentials.type, self.renewals)
