"""``timeout=`` on every public SDK method (async and blocking), and deadlines that really pass."""

from __future__ import annotations

import inspect

import pytest
from grpclib.client import Channel
from grpclib.exceptions import GRPCError

import viam_sdk.sync
from viam_sdk import errors
from viam_sdk.app.app_client import AppClient
from viam_sdk.app.billing_client import BillingClient
from viam_sdk.app.data_client import DataClient
from viam_sdk.app.ml_training_client import MLTrainingClient
from viam_sdk.app.provisioning_client import ProvisioningClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc import DEFAULT
from viam_sdk.sync import app_client as sync_app
from viam_sdk.sync import billing_client as sync_billing
from viam_sdk.sync import data_client as sync_data
from viam_sdk.sync import ml_training_client as sync_ml
from viam_sdk.sync import provisioning_client as sync_provisioning
from viam_sdk.testing import Emulator

from ._scripted_server import Script, ScriptedServer

CLIENTS = [
    (AppClient, sync_app.AppClient),
    (DataClient, sync_data.DataClient),
    (BillingClient, sync_billing.BillingClient),
    (MLTrainingClient, sync_ml.MLTrainingClient),
    (ProvisioningClient, sync_provisioning.ProvisioningClient),
]
# Methods of these clients that make no RPC (helpers the official SDK keeps on the class).
NO_RPC = {"create_filter"}


def _public_methods(cls: type) -> dict[str, object]:
    found = {}
    for name in dir(cls):
        if name.startswith("_") or name in NO_RPC:
            continue
        member = inspect.getattr_static(cls, name)
        if isinstance(member, (staticmethod, classmethod, property, type)):
            continue
        if inspect.isfunction(member):
            found[name] = member
    return found


@pytest.mark.parametrize(("async_cls", "sync_cls"), CLIENTS, ids=[c.__name__ for c, _ in CLIENTS])
def test_every_public_method_takes_timeout_and_retry_async_and_blocking(async_cls: type, sync_cls: type) -> None:
    methods = _public_methods(async_cls)
    assert len(methods) >= 4
    missing = []
    for name, func in methods.items():
        for flavour, target in (("async", func), ("blocking", getattr(sync_cls, name))):
            parameters = inspect.signature(target).parameters
            timeout = parameters.get("timeout")
            if timeout is None or timeout.default is not None:
                missing.append(f"{flavour} {async_cls.__name__}.{name}: timeout")
            # retry= (tests/sdk/test_call_controls.py): keyword-only, the connection's settings when left out.
            retry = parameters.get("retry")
            if retry is None or retry.default is not DEFAULT or retry.kind is not inspect.Parameter.KEYWORD_ONLY:
                missing.append(f"{flavour} {async_cls.__name__}.{name}: retry")
    assert missing == []


@pytest.fixture
async def viam(emulator: Emulator) -> ViamClient:
    boot = emulator.bootstrap
    from viam_sdk.rpc.dial import DialOptions

    client = await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emulator.app_url
    )
    yield client  # type: ignore[misc]
    client.close()


async def test_a_deadline_that_cannot_be_met_raises_deadline_exceeded(viam: ViamClient, emulator: Emulator) -> None:
    fleet, data = viam.app_client, viam.data_client
    org_id = emulator.bootstrap.org_id
    with pytest.raises(errors.DeadlineExceeded) as exceeded:
        await fleet.list_organizations(timeout=1e-6)
    assert isinstance(exceeded.value, GRPCError) and exceeded.value.status.name == "DEADLINE_EXCEEDED"
    assert exceeded.value.rpc == "/viam.app.v1.AppService/ListOrganizations"
    # Positional where 0.85.1 has it positional; through every kind of call the method makes.
    with pytest.raises(errors.DeadlineExceeded):
        await fleet.list_favorite_machines(1e-6)
    with pytest.raises(errors.DeadlineExceeded):
        await data.tabular_data_by_sql(org_id, "SELECT * FROM readings", timeout=1e-6)
    with pytest.raises(errors.DeadlineExceeded):
        await fleet.tail_robot_part_logs("no-such-part", timeout=1e-6)
    # A deadline that can be met changes nothing.
    assert [o.id for o in await fleet.list_organizations(timeout=30)] == [org_id]


async def test_the_deadline_reaches_the_server_and_a_slow_answer_is_cut_off() -> None:
    script = Script(delay=5.0)
    async with ScriptedServer(script) as server:
        channel = Channel("127.0.0.1", server.port)
        try:
            fleet = AppClient(channel, {"authorization": "Bearer scripted"})
            with pytest.raises(errors.DeadlineExceeded):
                await fleet.get_organization("org-1", timeout=0.2)
        finally:
            channel.close()
    # The server was told (grpc-timeout): its deadline was at most the 0.2 s given.
    assert script.calls["GetOrganization"] == 1  # a passed deadline is not retried
    (remaining,) = script.deadlines
    assert remaining is not None and 0 < remaining <= 0.2


def test_the_blocking_client_honours_timeout(emulator_thread: Emulator) -> None:
    from viam_sdk.rpc.dial import DialOptions

    boot = emulator_thread.bootstrap
    with viam_sdk.sync.ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emulator_thread.app_url
    ) as viam:
        with pytest.raises(errors.DeadlineExceeded):
            viam.app_client.get_organization(boot.org_id, timeout=1e-6)
        assert viam.app_client.get_organization(boot.org_id, timeout=30).id == boot.org_id


@pytest.mark.parametrize("bad", [-1, 0, "5", True])
async def test_a_bad_timeout_is_refused_naming_it(viam: ViamClient, bad: object) -> None:
    with pytest.raises(ValueError, match=rf"timeout={bad!r}"):
        await viam.app_client.list_organizations(timeout=bad)  # type: ignore[arg-type]
