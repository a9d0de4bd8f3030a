"""Connection settings for the Viam cloud (``viam_sdk.rpc.dial``), and the retry settings of each call.

``RetrySettings``, ``DEFAULT``, ``RetryHook`` and ``retrying`` live in
``viam_sdk.rpc._policy`` with the rest of the call policy, which needs the
gRPC machinery; they are loaded from there on first use, so that importing
``DialOptions`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from viam_sdk.rpc.dial import Credentials, DialOptions

if TYPE_CHECKING:
    from viam_sdk.rpc._policy import DEFAULT, RetryHook, RetrySettings, retrying

__all__ = ["DEFAULT", "Credentials", "DialOptions", "RetryHook", "RetrySettings", "retrying"]

_FROM_POLICY = frozenset({"DEFAULT", "RetryHook", "RetrySettings", "retrying"})


def __getattr__(name: str) -> Any:
    if name in _FROM_POLICY:
        from viam_sdk.rpc import _policy

        return getattr(_policy, name)
    raise AttributeError(f"module 'viam_sdk.rpc' has no attribute {name!r}")
