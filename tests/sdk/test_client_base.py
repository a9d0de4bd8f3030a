"""The one client base: channel, metadata, policy, stubs and a repr without secrets, for all five clients.

Every client is built as ``ViamClient`` builds it (over a real emulator), and
by hand from a channel and a header, as the official SDK allows.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from grpclib.client import Channel

from tests.data.conftest import connect
from viam_sdk.app._client import ClientBase, ServiceStub
from viam_sdk.app.app_client import AppClient
from viam_sdk.app.billing_client import BillingClient
from viam_sdk.app.data_client import DataClient
from viam_sdk.app.ml_training_client import MLTrainingClient
from viam_sdk.app.provisioning_client import ProvisioningClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc._policy import SDKPolicy, policy_for
from viam_sdk.testing import Emulator

CLIENTS = (AppClient, DataClient, BillingClient, MLTrainingClient, ProvisioningClient)


@pytest_asyncio.fixture
async def channel(emulator: Emulator) -> AsyncIterator[Channel]:
    chan = Channel(emulator.host, emulator.port)
    try:
        yield chan
    finally:
        chan.close()


@pytest_asyncio.fixture
async def viam(emulator: Emulator) -> AsyncIterator[ViamClient]:
    client = await connect(emulator)
    try:
        yield client
    finally:
        client.close()


def _stubs(client: ClientBase) -> dict[str, object]:
    """Every stub the client declares, built."""
    names = [
        name
        for klass in type(client).__mro__
        for name, value in vars(klass).items()
        if isinstance(value, ServiceStub)
    ]
    assert names, type(client).__name__
    return {name: getattr(client, name) for name in names}


@pytest.mark.parametrize("cls", CLIENTS, ids=lambda c: c.__name__)
def test_every_client_has_the_one_base_and_the_public_constructor(cls: type[ClientBase]) -> None:
    assert issubclass(cls, ClientBase)
    params = list(inspect.signature(cls).parameters)
    assert params[:2] == ["channel", "metadata"]
    assert params[2:] == (["location_id"] if cls is AppClient else [])
    # No client keeps a constructor or repr of its own.
    own_init = [k.__name__ for k in cls.__mro__ if "__init__" in vars(k) and k not in (ClientBase, object)]
    assert own_init == (["AppClientBase"] if cls is AppClient else [])  # the default location only
    assert all("__repr__" not in vars(k) for k in cls.__mro__ if k not in (ClientBase, object))


async def test_the_clients_of_a_viam_client_share_its_channel_metadata_and_policy(viam: ViamClient) -> None:
    clients: list[ClientBase] = [
        viam.app_client,
        viam.data_client,
        viam.billing_client,
        viam.ml_training_client,
        viam.provisioning_client,
    ]
    session = clients[0]._metadata
    for client in clients:
        assert client._channel is clients[0]._channel
        assert client._metadata is session  # kept as given: a renewed token is seen at once
        assert client._policy is policy_for(session)
        for name, stub in _stubs(client).items():
            assert stub.channel is client._channel, name  # type: ignore[attr-defined]
            assert stub.metadata is session, name  # type: ignore[attr-defined]
            assert stub.policy is client._policy, name  # type: ignore[attr-defined]
            assert getattr(client, name) is stub  # built once
    # The session renews tokens: its policy is the renewing one.
    assert isinstance(clients[0]._policy, SDKPolicy) and clients[0]._policy.session is not None
    # A real call goes through the declared stub.
    assert await viam.app_client.list_organizations()


async def test_a_client_built_by_hand_gets_the_default_policy_and_hides_its_token(channel: Channel) -> None:
    header = {"authorization": "Bearer sekret-token-123"}
    for cls in CLIENTS:
        client = cls(channel, header)
        assert client._policy is policy_for({}) and client._policy.session is None
        assert "sekret" not in repr(client) and "Bearer" not in repr(client)
        shown = f"<{cls.__name__} location_id=None>" if cls is AppClient else f"<{cls.__name__}>"
        assert repr(client) == shown
    assert repr(AppClient(channel, header, "loc-1")) == "<AppClient location_id='loc-1'>"


def test_a_service_stub_read_on_the_class_is_the_declaration() -> None:
    declared = inspect.getattr_static(BillingClient, "_stub")
    assert isinstance(declared, ServiceStub)
    assert BillingClient._stub is declared
    assert declared.stub_type.__name__ == "BillingServiceStub"
