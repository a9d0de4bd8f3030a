"""Fixtures of the billing, ML training and provisioning tests.

``viam`` is an async ViamClient connected to a fresh in-memory emulator with
the bootstrap organization's owner key; ``stranger`` a second organization
with its own key and client, for the cross-organization checks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio
from grpclib.client import Channel

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing.context import Bootstrap
from viam_sdk.testing.server import Emulator


async def connect(emu: Emulator, boot: Bootstrap) -> ViamClient:
    return await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emu.app_url
    )


@dataclass
class Org:
    org_id: str
    api_key_id: str
    client: ViamClient


@pytest_asyncio.fixture
async def viam(emulator: Emulator) -> AsyncIterator[ViamClient]:
    client = await connect(emulator, emulator.bootstrap)
    try:
        yield client
    finally:
        client.close()


@pytest_asyncio.fixture
async def stranger(emulator: Emulator) -> AsyncIterator[Org]:
    boot = emulator.add_organization("Someone else")
    client = await connect(emulator, boot)
    try:
        yield Org(boot.org_id, boot.api_key_id, client)
    finally:
        client.close()


@pytest_asyncio.fixture
async def channel(emulator: Emulator) -> AsyncIterator[Channel]:
    """A plain grpclib channel to the emulator, for calls the SDK does not wrap."""
    chan = Channel(emulator.host, emulator.port)
    try:
        yield chan
    finally:
        chan.close()
