"""The errors SDK calls raise: one class per gRPC status family.

Every class derives from ``ViamError``, which derives from grpclib's
``GRPCError``: code written against the reference (``except GRPCError as e:
e.status``) keeps working, and new code can catch just what it means:

```python
from viam_sdk.errors import NotFound, PermissionDenied

fleet = viam_client.app_client
try:
    location = await fleet.get_location(location_id)
except NotFound:
    location = await fleet.create_location(org_id, "Depot")
```

Attributes are grpclib's (``status``, ``message``: the server's own text,
``details``) plus ``rpc``, the route of the call that failed
(``/viam.app.v1.AppService/GetLocation``).  ``str(error)`` reads as one line
naming the RPC, the status and the server's text.  Messages never carry a
credential: a bearer token, API key or secret the server might echo is masked
(see ``viam_sdk._logging``).

A connection that could not be made or was lost, once retries are spent,
raises ``Unavailable``; a deadline (``timeout=``) that passed raises
``DeadlineExceeded``.  A TLS handshake that fails (a certificate that
cannot be verified, a server that does not speak TLS) raises
``TLSError`` (a kind of ``Unavailable``) at once, never retried:
``TLSVerificationError`` when the certificate is what failed.
"""

from __future__ import annotations

from typing import Any

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from viam_sdk._logging import mask_secrets

__all__ = [
    "Aborted",
    "AlreadyExists",
    "Cancelled",
    "DataLoss",
    "DeadlineExceeded",
    "FailedPrecondition",
    "Internal",
    "InvalidArgument",
    "NotFound",
    "OutOfRange",
    "PermissionDenied",
    "ResourceExhausted",
    "TLSError",
    "TLSVerificationError",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "Unknown",
    "ViamError",
    "error_for_status",
    "from_grpc_error",
]


class ViamError(GRPCError):
    """A failed SDK call: the base of every status family below.

    Args:
        status: the gRPC status.
        message: the server's text (or ours, for a failure on this side).
        details: grpclib's decoded error details, if any.
        rpc: the route of the call, e.g. ``/viam.app.v1.AppService/GetLocation``.
    """

    #: The status this class stands for (the base accepts any).
    STATUS: Status | None = None

    def __init__(
        self,
        status: Status | None = None,
        message: str | None = None,
        details: Any = None,
        *,
        rpc: str | None = None,
    ) -> None:
        if status is None:
            if self.STATUS is None:
                raise TypeError(f"{type(self).__name__} needs a status")
            status = self.STATUS
        clean = mask_secrets(message) if message else message
        super().__init__(status, clean, details)
        self.rpc = rpc

    @property
    def method(self) -> str | None:
        """The RPC's own name (``GetLocation``), or None when the call is unknown."""
        return self.rpc.rsplit("/", 1)[-1] if self.rpc else None

    def __str__(self) -> str:
        where = f"{self.rpc}: " if self.rpc else ""
        text = f": {self.message}" if self.message else ""
        return f"{where}{self.status.name}{text}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status.name}, rpc={self.rpc!r}, message={self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.status, self.message, self.details, self.rpc))


def _rebuild(cls: type[ViamError], status: Status, message: str | None, details: Any, rpc: str | None) -> ViamError:
    return cls(status, message, details, rpc=rpc)


class Cancelled(ViamError):
    """The call was cancelled (CANCELLED)."""

    STATUS = Status.CANCELLED


class Unknown(ViamError):
    """The server failed without saying why (UNKNOWN)."""

    STATUS = Status.UNKNOWN


class InvalidArgument(ViamError):
    """The request itself is wrong: a bad id, value or combination (INVALID_ARGUMENT)."""

    STATUS = Status.INVALID_ARGUMENT


class DeadlineExceeded(ViamError):
    """The call's ``timeout`` passed before it completed (DEADLINE_EXCEEDED)."""

    STATUS = Status.DEADLINE_EXCEEDED


class NotFound(ViamError):
    """What the request names does not exist (NOT_FOUND)."""

    STATUS = Status.NOT_FOUND


class AlreadyExists(ViamError):
    """Something with that name or id exists already (ALREADY_EXISTS)."""

    STATUS = Status.ALREADY_EXISTS


class PermissionDenied(ViamError):
    """The credentials are valid but do not reach this resource (PERMISSION_DENIED)."""

    STATUS = Status.PERMISSION_DENIED


class ResourceExhausted(ViamError):
    """A quota or rate limit was hit (RESOURCE_EXHAUSTED); reads are retried with backoff first."""

    STATUS = Status.RESOURCE_EXHAUSTED


class FailedPrecondition(ViamError):
    """The resource is not in a state that allows this call (FAILED_PRECONDITION)."""

    STATUS = Status.FAILED_PRECONDITION


class Aborted(ViamError):
    """The call was aborted, typically by a concurrent change (ABORTED)."""

    STATUS = Status.ABORTED


class OutOfRange(ViamError):
    """A value lies past the valid range, e.g. a page past the end (OUT_OF_RANGE)."""

    STATUS = Status.OUT_OF_RANGE


class Unimplemented(ViamError):
    """The server does not offer this RPC (UNIMPLEMENTED)."""

    STATUS = Status.UNIMPLEMENTED


class Internal(ViamError):
    """The server broke an invariant of its own (INTERNAL)."""

    STATUS = Status.INTERNAL


class Unavailable(ViamError):
    """The service could not be reached, or the connection was lost (UNAVAILABLE)."""

    STATUS = Status.UNAVAILABLE


class TLSError(Unavailable):
    """The TLS handshake with the server failed; retrying would not help, so it is raised at once.

    The message names the ``host:port`` dialled, what went wrong and what would
    fix it.  Raised as it is, without retries: a certificate, or a server that
    does not speak TLS, does not change between attempts.

    Attributes:
        address: the ``host:port`` the handshake was with (None when unknown).
        reason: a short reason, e.g. ``"self-signed certificate"`` or ``"not TLS"``.
    """

    def __init__(
        self,
        status: Status | None = None,
        message: str | None = None,
        details: Any = None,
        *,
        rpc: str | None = None,
        address: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(status, message, details, rpc=rpc)
        self.address = address
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_tls, (type(self), self.message, self.rpc, self.address, self.reason))


def _rebuild_tls(cls: type[TLSError], message: str | None, rpc: str | None, address: str | None, reason: str | None) -> TLSError:
    return cls(message=message, rpc=rpc, address=address, reason=reason)


class TLSVerificationError(TLSError):
    """The server's certificate could not be verified: an unknown CA, a self-signed
    certificate, a host name it does not cover, or one that expired.

    Trust the server's CA with ``DialOptions(ca_file=...)`` or ``ssl_context=...``,
    or ``SSL_CERT_FILE``/``SSL_CERT_DIR``; the message says which applies.
    """


class DataLoss(ViamError):
    """Unrecoverable loss or corruption of data (DATA_LOSS)."""

    STATUS = Status.DATA_LOSS


class Unauthenticated(ViamError):
    """No valid credentials: missing, unknown or expired token (UNAUTHENTICATED)."""

    STATUS = Status.UNAUTHENTICATED


_BY_STATUS: dict[Status, type[ViamError]] = {
    cls.STATUS: cls
    for cls in (
        Cancelled,
        Unknown,
        InvalidArgument,
        DeadlineExceeded,
        NotFound,
        AlreadyExists,
        PermissionDenied,
        ResourceExhausted,
        FailedPrecondition,
        Aborted,
        OutOfRange,
        Unimplemented,
        Internal,
        Unavailable,
        DataLoss,
        Unauthenticated,
    )
    if cls.STATUS is not None
}


def error_for_status(status: Status) -> type[ViamError]:
    """The class raised for ``status`` (``ViamError`` itself for OK, which no call raises)."""
    return _BY_STATUS.get(status, ViamError)


def from_grpc_error(error: GRPCError, rpc: str | None) -> ViamError:
    """``error`` as the SDK raises it: its family's class, naming ``rpc``.

    An error that is already a ``ViamError`` comes back as it is.
    """
    if isinstance(error, ViamError):
        if error.rpc is None:
            error.rpc = rpc
        return error
    message = error.message
    # The runtime's own messages start with the route; it is said once, in front.
    if message and rpc and message.startswith(f"{rpc}: "):
        message = message[len(rpc) + 2 :]
    return error_for_status(error.status)(error.status, message, error.details, rpc=rpc)
