"""Every runtime name the generated modules use, gathered in one module.

The runtime is split by job (``_messages``, ``_stubs``, ``_blocking``,
``_server``, ``_deprecation``, ``_wire``); the generated modules import those
directly.  This module re-exports them for code that reaches the runtime as
one namespace (``from viam_api._runtime import SyncChannel``).
"""

from __future__ import annotations

from ._blocking import SyncChannel, SyncStub
from ._deprecation import ViamDeprecationWarning, warn_deprecated
from ._messages import (
    DecodeError,
    JsonParseError,
    JsonSerializeError,
    Message,
    default_message_pool,
    masked_repr,
    struct_fields_property,
    struct_from_python,
    struct_to_python,
)
from ._server import ServiceBase, current_stream, handler, unimplemented, unimplemented_stream
from ._stubs import (
    REPLAY_KEEP,
    STARTED,
    AsyncStub,
    CallInfo,
    CallPolicy,
    ConnectFailed,
    MessageSource,
    MetadataLike,
    ResponseStream,
    StreamAttempt,
    UnaryAttempt,
    merge_metadata,
)

__all__ = [
    "REPLAY_KEEP",
    "STARTED",
    "AsyncStub",
    "CallInfo",
    "CallPolicy",
    "ConnectFailed",
    "DecodeError",
    "JsonParseError",
    "JsonSerializeError",
    "Message",
    "MessageSource",
    "MetadataLike",
    "ResponseStream",
    "ServiceBase",
    "StreamAttempt",
    "SyncChannel",
    "SyncStub",
    "UnaryAttempt",
    "ViamDeprecationWarning",
    "current_stream",
    "default_message_pool",
    "handler",
    "masked_repr",
    "merge_metadata",
    "struct_fields_property",
    "struct_from_python",
    "struct_to_python",
    "unimplemented",
    "unimplemented_stream",
    "warn_deprecated",
]
