"""What applies to every SDK call alike: typed errors, retries, token renewal, deadlines.

Every generated stub passes each call through a ``CallPolicy`` (see
``viam_api._runtime``); the SDK's clients hand theirs, ``SDKPolicy``, to
every stub they build.  So the rules below hold for all of the SDK's methods
without any method doing something of its own.

**Errors.**  A failed call raises the ``viam_sdk.errors`` class of its
status, naming the RPC; a connection that cannot be made or is lost raises
``viam_sdk.errors.Unavailable`` once retries are spent.  A TLS handshake
that fails for good (a certificate that cannot be verified, a server that does
not speak TLS) raises ``viam_sdk.errors.TLSError`` at once, without
retries (see ``viam_sdk.rpc._tls``).

**Retries.**  A transient failure is retried with exponential backoff and full
jitter (the n-th wait is a random time between 0 and
``min(max_backoff, initial_backoff * 2**n)``), at most
``DialOptions.max_reconnect_attempts`` times, never past the call's deadline.
Transient means: UNAVAILABLE, a connection refused or lost
(``ConnectionError``, grpclib's ``StreamTerminatedError``), and
RESOURCE_EXHAUSTED *only when the server says it is transient*.

RESOURCE_EXHAUSTED covers two different things: a quota or rate limit that
clears with time, and a refusal that will recur every time (a query past its
memory budget, a message over the size limit).  Repeating the second kind
runs the expensive work again for nothing, so the SDK asks the server, with
the rule of gRPC's server pushback (gRFC A6) read from the trailing metadata
``retry-pushback-ms``: a whole number of milliseconds, 0 or more, says
"retry after that long"; a negative or unreadable value says "do not retry".
(gRPC's own key, ``grpc-retry-pushback-ms``, is reserved: grpclib neither
sends it nor hands it to the caller, hence the key without the prefix.)  So:

* RESOURCE_EXHAUSTED with a pushback of N >= 0 ms is retried, waiting at
  least N ms (never past the call's deadline);
* RESOURCE_EXHAUSTED with a negative pushback, or with none at all, is
  raised at once as ``viam_sdk.errors.ResourceExhausted``;
* a negative pushback on UNAVAILABLE also stops its retries.

What the real Viam cloud sends: its RESOURCE_EXHAUSTED answers carry no
pushback (Viam's own CLI reads RESOURCE_EXHAUSTED from ``BinaryDataByIDs``
as "the response is over the message-size limit", a refusal that recurs), so
against the cloud the SDK never repeats a RESOURCE_EXHAUSTED; a caller who
knows a limit is a rate limit may retry it.  The emulator marks every
RESOURCE_EXHAUSTED it sends (its query budgets) with a pushback of -1.

What may be retried is decided by the call, as data:

* a call whose connection could not be opened (``ConnectFailed``: nothing of
  it was sent) is always retried, unless the TLS handshake failed for good;
* otherwise only calls that are safe to repeat: reads, told by the RPC's name
  (``is_safe_to_repeat``: the first word is a read verb such as ``Get``,
  ``List``, ``Search``, ``Tail``, ``Check``, or a noun, as in the queries
  ``TabularDataByFilter`` and ``BinaryDataByIDs``; plus a few reads named
  otherwise, such as ``Authenticate`` and ``LocationAuth``), whose requests can
  be sent again (not a one-shot request stream), and, for a stream, only
  before its first response was handed on.

**Per call.**  Every public SDK method takes ``retry=``: a ``RetrySettings``
used for that call instead of the connection's (attempts, backoff, and
optionally a ``predicate`` that decides which failures are retried), or
``None`` for no retries (a token found expired is still renewed and the call
repeated once, as below); left out (``DEFAULT``), the connection's
settings apply (``DialOptions.max_reconnect_attempts``, ``retry_backoff``,
``retry_max_backoff``).  The setting covers every RPC the method makes
(``retrying``).  A ``predicate`` is called with the error the SDK would raise
(a ``viam_sdk.errors`` exception naming the RPC) and replaces the rule above
of which calls may be retried: a write is then repeated when it says so.
What can never be repeated still is not: a one-shot request stream, a stream
that has handed on responses, a permanent TLS failure, a passed deadline.
``DialOptions.on_retry`` is called before every wait with the RPC's route, the
number of the attempt that failed (1 for the first), the error and the wait in
seconds; a hook that raises is logged and the retry goes on.

A restarted server is reached again by the next call: grpclib opens a new
connection when the old one was lost, and a call that meets the restart
midway is retried as above.

**Token renewal.**  When the server refuses a call as UNAUTHENTICATED because
the access token *expired*, the policy has the session (``AuthSession``)
authenticate again with the same credentials, once per call, and repeats the
call with the new token (unary and streaming calls alike, before a stream's
first response).  Concurrent calls that meet the same expiry share one
renewal.  A token that tells when it expires (a JWT's ``exp``) is renewed
shortly *before* then, ahead of the next call, so no call is refused for it.

**Deadlines.**  ``timeout=`` on an SDK method sets a deadline that bounds every
RPC the method makes (``deadline_after``), retries included; a stub's own
per-call ``timeout`` also applies; the earlier wins.  A deadline that passes
raises ``viam_sdk.errors.DeadlineExceeded``.

Retries are a few lines on asyncio rather than tenacity or stamina: the rules
hinge on what grpclib reports (nothing sent, a stream that has delivered
responses, a deadline shared with the server), which a generic retry library
would need all the same code to express, and streaming calls need a retrying
async generator, which neither library offers.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import enum
import inspect
import logging
import random
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final, NoReturn, Protocol, TypeVar

from grpclib.const import Status
from grpclib.exceptions import GRPCError, StreamTerminatedError
from viam_api._runtime import STARTED, CallInfo, CallPolicy, ConnectFailed, StreamAttempt, UnaryAttempt

from viam_sdk import errors
from viam_sdk.rpc import _tracing

__all__ = [
    "DEFAULT",
    "Default",
    "RetryHook",
    "RetryOption",
    "RetrySettings",
    "SDKPolicy",
    "deadline_after",
    "is_safe_to_repeat",
    "policy_for",
    "retrying",
]

LOGGER = logging.getLogger("viam_sdk.rpc")

R = TypeVar("R")

# -- which calls are safe to repeat ------------------------------------------------

# First words of RPC names that read and change nothing.  A name that starts
# with a noun (TabularDataByFilter, BinaryDataByIDs, TagsByFilter,
# SequencesByDatasetID) is a query too; every RPC that changes something starts
# with a verb (Add, Create, Delete, Update, Set, Rename, Upload, ...).
_READ_VERBS: Final = frozenset({"Get", "List", "Search", "Tail", "Check", "Is", "Read", "Export"})
_QUERY_NOUNS: Final = frozenset({"Binary", "Tabular", "Tags", "Bounding", "Sequences"})
# Reads whose names do not say so.
_OTHER_READS: Final = frozenset(
    {
        "Authenticate",
        "AuthenticateTo",
        "LocationAuth",
        "Config",
        "NeedsRestart",
        "OrganizationGetLogo",
        "OrganizationGetSupportEmail",
    }
)
_FIRST_WORD: Final = re.compile(r"[A-Z][a-z]*")


def is_safe_to_repeat(method: str) -> bool:
    """True when the RPC named ``method`` (``GetOrganization``) reads and changes nothing."""
    if method in _OTHER_READS:
        return True
    first = _FIRST_WORD.match(method)
    return first is not None and (first.group() in _READ_VERBS or first.group() in _QUERY_NOUNS)


# -- deadlines -----------------------------------------------------------------------

# The absolute deadline (event-loop time) set by an SDK method's ``timeout=``.
_DEADLINE: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "viam_sdk_deadline", default=None
)


def check_timeout(timeout: object) -> float | None:
    """``timeout`` as seconds, or None.

    Raises:
        ValueError: not a positive number of seconds (the message shows the value).
    """
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout={timeout!r}: expected a positive number of seconds, or None for no limit")
    return float(timeout)


@contextlib.contextmanager
def deadline_after(timeout: float | None) -> Iterator[None]:
    """Within the block, every SDK call must finish within ``timeout`` seconds from now.

    A deadline already in force that ends earlier is kept.  None sets nothing.
    """
    seconds = check_timeout(timeout)
    if seconds is None:
        yield
        return
    moment = asyncio.get_running_loop().time() + seconds
    outer = _DEADLINE.get()
    if outer is not None and outer[0] <= moment:
        yield
        return
    token = _DEADLINE.set((moment, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _deadline(call: CallInfo) -> tuple[float, float] | None:
    """(moment, seconds) of the call's deadline: the method's or the call's own, the earlier."""
    outer = _DEADLINE.get()
    if call.timeout is None:
        return outer
    own = (asyncio.get_running_loop().time() + call.timeout, call.timeout)
    return own if outer is None or own[0] < outer[0] else outer


def _remaining(
    call: CallInfo, deadline: tuple[float, float] | None, address: str | None = None
) -> float | None:
    if deadline is None:
        return None
    left = deadline[0] - asyncio.get_running_loop().time()
    if left <= 0:
        raise errors.DeadlineExceeded(message=_deadline_text(deadline[1], address), rpc=call.route)
    return left


def _deadline_text(seconds: float, address: str | None) -> str:
    # The limit as the caller gave it (0.0001), not the remainder the last attempt had left.
    where = f" from {address}" if address else ""
    return f"no answer{where} within {seconds:g} s; give the call a longer timeout if the server is only slow"


# -- the policy --------------------------------------------------------------------


@dataclass(frozen=True)
class RetrySettings:
    """How failed attempts are retried: a connection's (``DialOptions``) or one call's (``retry=``).

    See the module's docstring for which failures are retried and how the
    waits grow.

    Args:
        max_attempts: retries after the first attempt (0: none).
        initial_backoff: seconds; the first wait is up to this long.
        max_backoff: seconds; no wait is longer.
        predicate: called with the error a failed attempt would raise (a
            ``viam_sdk.errors`` exception; its ``rpc`` names the RPC); True
            retries it.  None (the default) retries transient failures of
            calls that are safe to repeat.

    Example:
        Retry a write through UNAVAILABLE, five times, for one call:

        ```python
        from viam_sdk import errors
        from viam_sdk.rpc import RetrySettings

        patient = RetrySettings(
            max_attempts=5, initial_backoff=0.5, predicate=lambda e: isinstance(e, errors.Unavailable)
        )
        await app_client.create_location(org_id, "Depot", retry=patient)
        await app_client.get_organization(org_id, retry=None)  # one attempt only
        ```
    """

    max_attempts: int = 3
    initial_backoff: float = 0.1
    max_backoff: float = 5.0
    predicate: Callable[[Exception], bool] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) or self.max_attempts < 0:
            raise ValueError(
                f"max_attempts={self.max_attempts!r} (DialOptions: max_reconnect_attempts={self.max_attempts!r}): "
                "expected a whole number, 0 or more"
            )
        for name in ("initial_backoff", "max_backoff"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name}={value!r}: expected a number of seconds, 0 or more")
        if self.predicate is not None and not callable(self.predicate):
            raise TypeError(
                f"predicate={self.predicate!r}: expected a function taking the error and returning True to retry"
            )

    def backoff(self, retry: int) -> float:
        """A random wait before retry number ``retry`` (0 for the first)."""
        return random.uniform(0, min(self.max_backoff, self.initial_backoff * (2**retry)))


class Default(enum.Enum):
    """The type of ``DEFAULT``: an argument left out, so the connection's setting applies."""

    DEFAULT = "DEFAULT"

    def __repr__(self) -> str:
        return "DEFAULT"


#: ``retry=DEFAULT`` (what a method's ``retry`` is when not given): the connection's retry settings.
DEFAULT: Final = Default.DEFAULT

#: What a method's ``retry=`` takes: settings for the call, None (one attempt only) or DEFAULT.
RetryOption = RetrySettings | None | Default

#: ``DialOptions.on_retry``: called as ``hook(rpc, attempt, error, wait)`` before each wait (module docstring).
RetryHook = Callable[[str, int, Exception, float], object]

# The retry settings that replace the connection's within ``retrying`` (one SDK method's ``retry=``).
_RETRY: contextvars.ContextVar[RetrySettings | None] = contextvars.ContextVar("viam_sdk_retry", default=None)
_ONE_ATTEMPT: Final = RetrySettings(max_attempts=0)


def check_retry(retry: object) -> RetrySettings | Default:
    """``retry`` as settings (None: one attempt only), or DEFAULT.

    Raises:
        TypeError: not a ``RetrySettings``, None or DEFAULT (the message shows the value).
    """
    if retry is None:
        return _ONE_ATTEMPT
    if isinstance(retry, (RetrySettings, Default)):
        return retry
    raise TypeError(
        f"retry={retry!r}: expected a viam_sdk.rpc.RetrySettings, None for a single attempt, "
        "or DEFAULT for the connection's settings"
    )


@contextlib.contextmanager
def retrying(retry: RetrySettings | None | Default) -> Iterator[None]:
    """Within the block, SDK calls retry as ``retry`` says instead of as their connection does.

    What an SDK method's ``retry=`` does, for a block of calls: a
    ``RetrySettings``, None (one attempt only) or DEFAULT (changes nothing).

    Raises:
        TypeError: ``retry`` is none of those.
    """
    settings = check_retry(retry)
    if isinstance(settings, Default):
        yield
        return
    token = _RETRY.set(settings)
    try:
        yield
    finally:
        _RETRY.reset(token)


@dataclass
class CallStats:
    """What a policy did, for logs and tests: calls made, retries, token renewals used."""

    retries: int = 0
    renewed_calls: int = 0
    failures: dict[str, int] = field(default_factory=dict)


_TRANSIENT_STATUSES: Final = frozenset({Status.UNAVAILABLE, Status.RESOURCE_EXHAUSTED})


def _is_expired_token(exc: BaseException) -> bool:
    return (
        isinstance(exc, GRPCError)
        and exc.status is Status.UNAUTHENTICATED
        and "expired" in (exc.message or "").lower()
    )


#: Server pushback (gRFC A6's rule, without the reserved ``grpc-`` prefix): ms to wait; negative: do not retry.
PUSHBACK_KEY: Final = "retry-pushback-ms"


def server_pushback(exc: BaseException) -> float | None:
    """The server's word on repeating ``exc``: seconds to wait (>= 0), -1.0 for "do not", None if silent.

    Read from the trailing metadata the stub keeps on a status error; a value
    that is not a whole number counts as "do not retry", as gRFC A6 says.
    """
    trailers = getattr(exc, "trailing_metadata", None)
    if not trailers:
        return None
    raw = trailers.get(PUSHBACK_KEY)
    if raw is None:
        return None
    try:
        millis = int(raw.decode() if isinstance(raw, bytes) else raw)
    except (UnicodeDecodeError, ValueError):
        return -1.0
    return -1.0 if millis < 0 else millis / 1000


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, GRPCError):
        if exc.status not in _TRANSIENT_STATUSES:
            return False
        pushback = server_pushback(exc)
        if exc.status is Status.RESOURCE_EXHAUSTED:
            return pushback is not None and pushback >= 0
        return pushback is None or pushback >= 0
    return isinstance(exc, (ConnectionError, StreamTerminatedError))


def _is_tls_failure(exc: BaseException) -> bool:
    if not isinstance(exc, ConnectFailed):
        return False
    from viam_sdk.rpc._tls import is_permanent_tls_failure

    return is_permanent_tls_failure(exc)


def translate(call: CallInfo, exc: Exception, *, address: str | None = None, trust: str | None = None) -> Exception:
    """The exception the SDK raises for ``exc``, met by ``call`` on the connection to ``address``.

    ``trust`` says what the server's certificate was checked against, for TLS failures' messages.
    """
    if isinstance(exc, GRPCError):
        return errors.from_grpc_error(exc, call.route)
    if _is_tls_failure(exc):
        from viam_sdk.rpc._tls import tls_failure

        return tls_failure(exc, address=address, trust=trust, rpc=call.route)
    if isinstance(exc, ConnectFailed):
        return errors.Unavailable(message=_cannot_connect(exc, address), rpc=call.route)
    if isinstance(exc, (ConnectionError, StreamTerminatedError)):
        return errors.Unavailable(message=_connection_lost(call, address), rpc=call.route)
    return exc


def _cannot_connect(exc: ConnectFailed, address: str | None) -> str:
    """Why a connection could not be opened, in words, with what to check (no library reprs)."""
    import socket

    where = address or "the server"
    cause = exc.__cause__
    if isinstance(cause, socket.gaierror):
        host = address.rsplit(":", 1)[0] if address else "the host"
        return (
            f"cannot connect to {where}: the host name {host!r} was not found; check the host name in app_url"
        )
    if isinstance(cause, ConnectionRefusedError):
        return (
            f"cannot connect to {where}: the connection was refused; check that the server is running and "
            "listening on that port (a local emulator: python -m viam_sdk.testing serve --port PORT)"
        )
    if isinstance(cause, TimeoutError):
        return (
            f"cannot connect to {where}: no answer to the connection attempt; "
            "check the address and the network"
        )
    reason = "it could not be opened"
    if isinstance(cause, OSError) and cause.strerror:
        reason = str(cause.strerror)
    reason = reason[:1].lower() + reason[1:]
    return f"cannot connect to {where}: {reason}; check the address in app_url and the network"


def _connection_lost(call: CallInfo, address: str | None) -> str:
    text = (
        f"the connection to {address or 'the server'} was lost before the answer came (the server stopped, "
        "the network failed, or what listens there is not a gRPC server); check that app_url points at the "
        "Viam app or the emulator and that it is still running"
    )
    if not is_safe_to_repeat(call.method):
        text += f"; {call.method} changes data and was not repeated: check whether it took effect"
    return text


def _raise_translated(
    call: CallInfo,
    exc: Exception,
    address: str | None = None,
    trust: str | None = None,
    deadline: tuple[float, float] | None = None,
) -> NoReturn:
    new = translate(call, exc, address=address, trust=trust)
    if new is exc:
        raise exc
    if (
        isinstance(new, errors.DeadlineExceeded)
        and deadline is not None
        and asyncio.get_running_loop().time() >= deadline[0]
    ):
        text = _deadline_text(deadline[1], address)
        new = errors.DeadlineExceeded(message=text, details=new.details, rpc=call.route)
    # The SDK's message says it all (a status error's, a TLS failure's, a lost
    # connection's): the library's exception stays reachable as __context__
    # but is not printed beneath it.
    raise new from None


class TokenRenewal(Protocol):
    """What the policy needs of the auth session (``viam_sdk.rpc._session.AuthSession``) to renew a token."""

    #: Bumped by every new token.
    generation: int

    async def renew(self, seen_generation: int) -> None:
        """Get a new token, unless one newer than ``seen_generation`` is already in place."""
        ...

    async def renew_if_due(self) -> None:
        """Get a new token now when the current one is about to expire (tokens that tell when)."""
        ...


class SDKPolicy(CallPolicy):
    """The SDK's call policy: typed errors, retries, renewal, deadlines (module docstring).

    Args:
        retry: how transient failures are retried.
        session: renews the access token when the server says it expired;
            None: no renewal (the error is raised).
        address: ``host:port`` of the connection, named by connection and TLS errors.
        trust: what server certificates are checked against, for TLS errors' messages.
    """

    def __init__(
        self,
        retry: RetrySettings | None = None,
        session: TokenRenewal | None = None,
        *,
        address: str | None = None,
        trust: str | None = None,
    ) -> None:
        self.retry = retry or RetrySettings()
        self.session = session
        #: ``host:port`` the calls go to, named by connection errors (None: not known).
        self.address = address
        #: What the server's certificate is checked against, named by TLS failures.
        self.trust = trust
        self.stats = CallStats()
        #: ``DialOptions.on_retry``: told of every retry before its wait (None: no one is).
        self.on_retry: RetryHook | None = None

    def _settings(self) -> RetrySettings:
        """The retry settings of a call starting now: its method's ``retry=``, else the connection's."""
        return _RETRY.get() or self.retry

    def __repr__(self) -> str:
        return f"<SDKPolicy retries={self.retry.max_attempts} renewal={'on' if self.session else 'off'}>"

    # What to do after a failed attempt: "renew", "retry" or None (raise).
    def _next_step(
        self, call: CallInfo, exc: Exception, retries: int, renewed: bool, delivered: bool, retry: RetrySettings
    ) -> str | None:
        if delivered or not call.replayable:
            return None
        if _is_expired_token(exc):
            return "renew" if self.session is not None and not renewed else None
        if retries >= retry.max_attempts or _is_tls_failure(exc):
            return None
        if retry.predicate is not None:
            return "retry" if retry.predicate(translate(call, exc, address=self.address, trust=self.trust)) else None
        if isinstance(exc, ConnectFailed):
            return "retry"
        if _is_transient(exc) and is_safe_to_repeat(call.method):
            return "retry"
        return None

    async def _recover(
        self,
        call: CallInfo,
        exc: Exception,
        step: str,
        retries: int,
        generation: int,
        deadline: tuple[float, float] | None,
        retry: RetrySettings,
        attempt: int,
    ) -> bool:
        """Prepare the next attempt; False when there is no time left for it."""
        name = type(exc).__name__ if not isinstance(exc, GRPCError) else exc.status.name
        self.stats.failures[name] = self.stats.failures.get(name, 0) + 1
        if step == "renew":
            assert self.session is not None
            LOGGER.info("%s: the access token expired; renewing it and repeating the call", call.method)
            self.stats.renewed_calls += 1
            await self.session.renew(generation)
            return True
        wait = max(retry.backoff(retries), server_pushback(exc) or 0.0)
        if deadline is not None and asyncio.get_running_loop().time() + wait >= deadline[0]:
            return False
        self.stats.retries += 1
        if self.on_retry is not None:
            await self._report(call, exc, attempt, wait)
        if isinstance(exc, ConnectFailed):
            name = f"cannot connect to {self.address or 'the server'}"
        elif isinstance(exc, (ConnectionError, StreamTerminatedError)):
            name = f"the connection to {self.address or 'the server'} was lost"
        LOGGER.warning(
            "%s failed (%s); retry %d of %d in %.3f s", call.method, name, retries + 1, retry.max_attempts, wait
        )
        await asyncio.sleep(wait)
        return True

    async def _report(self, call: CallInfo, exc: Exception, attempt: int, wait: float) -> None:
        """Tell ``on_retry`` of the retry ahead; its own failure is logged, never raised."""
        assert self.on_retry is not None
        try:
            told = self.on_retry(call.route, attempt, translate(call, exc, address=self.address, trust=self.trust), wait)
            if inspect.isawaitable(told):
                await told
        except Exception:
            LOGGER.exception("%s: the on_retry hook failed; the retry goes ahead", call.method)

    async def _renew_if_due(self) -> None:
        if self.session is not None:
            await self.session.renew_if_due()

    def _generation(self) -> int:
        return self.session.generation if self.session is not None else 0

    async def unary(self, call: CallInfo, attempt: UnaryAttempt[R]) -> R:
        deadline = _deadline(call)
        retry = _RETRY.get() or self.retry
        retries = 0
        renewed = False
        number = 0
        session = self.session
        started = asyncio.get_running_loop().time() if LOGGER.isEnabledFor(logging.DEBUG) else None
        while True:
            generation = 0
            if session is not None:
                await session.renew_if_due()
                generation = session.generation
            number += 1
            try:
                seconds = None if deadline is None else _remaining(call, deadline, self.address)
                if _tracing.ENABLED:
                    result = await _tracing.attempt_unary(call, number, attempt, seconds)
                else:
                    result = await attempt(seconds)
                if started is not None:
                    elapsed = asyncio.get_running_loop().time() - started
                    LOGGER.debug("%s answered in %.3f s", call.method, elapsed)
                return result
            except Exception as exc:
                step = self._next_step(call, exc, retries, renewed, False, retry)
                if step is None or not await self._recover(
                    call, exc, step, retries, generation, deadline, retry, number
                ):
                    _raise_translated(call, exc, self.address, self.trust, deadline)
                if step == "renew":
                    renewed = True
                else:
                    retries += 1

    def stream(self, call: CallInfo, attempt: StreamAttempt) -> AsyncIterator[Any]:
        # The deadline, retry settings and trace context are read now, while the SDK method's context is current.
        return self._stream(call, attempt, _deadline(call), self._settings(), _tracing.current_context())

    async def _stream(
        self,
        call: CallInfo,
        attempt: StreamAttempt,
        deadline: tuple[float, float] | None,
        retry: RetrySettings,
        trace: object,
    ) -> AsyncIterator[Any]:
        retries = 0
        renewed = False
        delivered = False
        received = 0
        number = 0
        started = asyncio.get_running_loop().time()
        while True:
            await self._renew_if_due()
            generation = self._generation()
            number += 1
            source = attempt(_remaining(call, deadline, self.address))
            if _tracing.ENABLED:
                source = _tracing.attempt_stream(call, number, source, trace)
            try:
                try:
                    async for item in source:
                        if item is not STARTED:
                            delivered = True
                            received += 1
                        yield item
                    if LOGGER.isEnabledFor(logging.DEBUG):
                        elapsed = asyncio.get_running_loop().time() - started
                        LOGGER.debug("%s: the stream ended after %d responses, %.3f s", call.method, received, elapsed)
                    return
                except Exception as exc:
                    step = self._next_step(call, exc, retries, renewed, delivered, retry)
                    if step is None or not await self._recover(
                        call, exc, step, retries, generation, deadline, retry, number
                    ):
                        _raise_translated(call, exc, self.address, self.trust, deadline)
                    if step == "renew":
                        renewed = True
                    else:
                        retries += 1
            finally:
                closer = getattr(source, "aclose", None)
                if closer is not None:
                    await closer()


_DEFAULT_POLICY: SDKPolicy | None = None


def policy_for(metadata: object) -> SDKPolicy:
    """The policy for stubs built with ``metadata``.

    The ``AuthSession`` a ``ViamClient`` hands its clients carries the policy
    that renews its token and follows its DialOptions (its ``policy``
    attribute); any other mapping (a client built by hand from a channel and a
    header) gets typed errors and the default retries, without renewal.
    """
    own = getattr(metadata, "policy", None)
    if isinstance(own, SDKPolicy):
        return own
    global _DEFAULT_POLICY
    if _DEFAULT_POLICY is None:
        _DEFAULT_POLICY = SDKPolicy()
    return _DEFAULT_POLICY
