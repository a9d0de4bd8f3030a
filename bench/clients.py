"""Connecting each of the three clients to the emulator.

* ours-async: ``viam_sdk.app.viam_client.ViamClient`` (the SDK of this repository);
* ours-sync: ``viam_sdk.sync.ViamClient`` (the blocking facade of the same SDK);
* official: ``viam.app.viam_client.ViamClient`` from viam-sdk 0.85.1.

The official SDK dials app with ``_dial_direct``: when ``DialOptions.insecure`` is
true it opens a plain grpclib ``Channel`` to ``host:port`` (no TLS handshake, no
WebRTC), then authenticates with AuthService/Authenticate exactly like ours.  So
``DialOptions.with_api_key(key, key_id)`` with ``insecure = True`` and
``app_url="127.0.0.1:PORT"`` reaches the plain-HTTP emulator.
"""

from __future__ import annotations

import inspect
from typing import Any

from bench.env import BenchEnv


class NotBuilt(Exception):
    """A piece of our SDK or of the emulator that this workload needs is missing."""


class Unsupported(Exception):
    """The client cannot do this workload at all (shown as n/a with the reason)."""


async def connect_ours_async(env: BenchEnv) -> Any:
    try:
        from viam_sdk.app.viam_client import ViamClient
        from viam_sdk.rpc.dial import DialOptions
    except ImportError as exc:
        raise NotBuilt(f"viam_sdk ViamClient: {exc}") from exc
    options = DialOptions.with_api_key(env.api_key, env.api_key_id)
    return await ViamClient.create_from_dial_options(options, app_url=env.app_url)


def connect_ours_sync(env: BenchEnv) -> Any:
    try:
        from viam_sdk.rpc.dial import DialOptions
        from viam_sdk.sync import ViamClient
    except ImportError as exc:
        raise NotBuilt(f"viam_sdk.sync ViamClient: {exc}") from exc
    options = DialOptions.with_api_key(env.api_key, env.api_key_id)
    return ViamClient.create_from_dial_options(options, app_url=env.app_url)


async def connect_official(env: BenchEnv) -> Any:
    from viam.app.viam_client import ViamClient
    from viam.rpc.dial import DialOptions

    options = DialOptions.with_api_key(env.api_key, env.api_key_id)
    # Plain HTTP/2 to the emulator; see the module docstring.
    options.insecure = True
    return await ViamClient.create_from_dial_options(options, app_url=env.address)


async def close_async(client: Any) -> None:
    """Close a client whose ``close`` may be a plain method or a coroutine."""
    result = client.close()
    if inspect.isawaitable(result):
        await result


def close_sync(client: Any) -> None:
    client.close()


def ours_attr(obj: Any, name: str) -> Any:
    """``getattr`` for our SDK, turning a missing method into :class:`NotBuilt`."""
    try:
        return getattr(obj, name)
    except (AttributeError, ImportError) as exc:
        raise NotBuilt(f"{type(obj).__name__}.{name}: {exc}") from exc
