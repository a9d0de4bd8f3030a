"""ProvisioningClient against the emulator's simulated smart-machine agent."""

from __future__ import annotations

import pytest
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.provisioning.v1 import APIKey, CloudConfig, ExitProvisioningRequest, ProvisioningServiceStub

from viam_sdk.app.provisioning_client import ProvisioningClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.testing.server import Emulator


async def test_network_list_is_sorted_by_signal(viam: ViamClient) -> None:
    networks = await viam.provisioning_client.get_network_list()
    assert [n.ssid for n in networks] == ["viam-lab", "shop-floor", "guest"]
    assert [n.signal for n in networks] == sorted((n.signal for n in networks), reverse=True)
    assert {n.type for n in networks} == {"wifi"}
    assert not any(n.connected for n in networks)
    assert networks[2].security == ""


async def test_fresh_machine_status(viam: ViamClient) -> None:
    status = await viam.provisioning_client.get_smart_machine_status()
    assert status.provisioning_info is not None
    assert status.provisioning_info.manufacturer == "viam-emulator"
    assert status.has_smart_machine_credentials is False
    assert status.is_online is False
    assert status.latest_connection_attempt is None
    assert status.errors == []
    assert status.agent_version


async def test_joining_a_network_with_the_right_passphrase(viam: ViamClient) -> None:
    agent = viam.provisioning_client
    await agent.set_network_credentials("wifi", "shop-floor", "forklift-2024")
    status = await agent.get_smart_machine_status()
    assert status.is_online is True
    attempt = status.latest_connection_attempt
    assert (
        attempt is not None and attempt.ssid == "shop-floor" and attempt.connected and not attempt.last_error
    )
    connected = [n.ssid for n in await agent.get_network_list() if n.connected]
    assert connected == ["shop-floor"]


async def test_wrong_passphrase_and_hidden_network_are_reported(viam: ViamClient) -> None:
    agent = viam.provisioning_client
    await agent.set_network_credentials("wifi", "viam-lab", "not-the-passphrase")
    status = await agent.get_smart_machine_status()
    assert status.is_online is False
    assert status.latest_connection_attempt is not None
    assert status.latest_connection_attempt.last_error == "authentication failed"
    assert status.latest_connection_attempt.connected is False

    await agent.set_network_credentials("wifi", "hidden-net", "whatever-long")
    status = await agent.get_smart_machine_status()
    assert status.latest_connection_attempt is not None
    assert status.latest_connection_attempt.last_error == "network not found"
    assert len(status.errors) == 2
    # Neither passphrase is repeated anywhere in what the agent reports.
    assert "not-the-passphrase" not in repr(status) and "whatever-long" not in repr(status)


async def test_open_network_needs_no_passphrase(viam: ViamClient) -> None:
    await viam.provisioning_client.set_network_credentials("wifi", "guest", "")
    assert (await viam.provisioning_client.get_smart_machine_status()).is_online


@pytest.mark.parametrize(
    ("network_type", "ssid", "psk", "named"),
    [
        ("ethernet", "viam-lab", "robots-welcome", "'ethernet'"),
        ("wifi", "", "robots-welcome", "SSID ''"),
        ("wifi", "x" * 33, "robots-welcome", "x" * 33),
        ("wifi", "viam-lab", "short", "'viam-lab'"),
        ("wifi", "viam-lab", "", "'viam-lab'"),
    ],
)
async def test_bad_network_credentials(
    viam: ViamClient, network_type: str, ssid: str, psk: str, named: str
) -> None:
    with pytest.raises(GRPCError) as err:
        await viam.provisioning_client.set_network_credentials(network_type, ssid, psk)
    assert err.value.status == Status.INVALID_ARGUMENT
    assert named in str(err.value.message)
    if psk:
        assert psk not in str(err.value.message)
    status = await viam.provisioning_client.get_smart_machine_status()
    assert status.latest_connection_attempt is None  # nothing half-done


async def test_smart_machine_credentials(viam: ViamClient, emulator: Emulator) -> None:
    agent = viam.provisioning_client
    with pytest.raises(GRPCError) as err:
        await agent.set_smart_machine_credentials()
    assert err.value.status == Status.INVALID_ARGUMENT
    with pytest.raises(GRPCError) as err:
        await agent.set_smart_machine_credentials(
            CloudConfig(id="part-1", app_address="https://app.viam.com")
        )
    assert err.value.status == Status.INVALID_ARGUMENT and "'part-1'" in str(err.value.message)
    assert (await agent.get_smart_machine_status()).has_smart_machine_credentials is False

    await agent.set_smart_machine_credentials(
        CloudConfig(id="part-1", secret="s3cret-value", app_address=emulator.app_url)
    )
    assert (await agent.get_smart_machine_status()).has_smart_machine_credentials is True
    # An API key instead of a secret is accepted too.
    await agent.set_smart_machine_credentials(CloudConfig(id="part-1", api_key=APIKey(id="k", key="v")))


async def test_after_exit_provisioning_settings_are_refused(
    viam: ViamClient, emulator: Emulator, channel: Channel
) -> None:
    stub = ProvisioningServiceStub(channel, metadata=emulator.auth_metadata())
    await stub.exit_provisioning(ExitProvisioningRequest())
    with pytest.raises(GRPCError) as err:
        await viam.provisioning_client.set_network_credentials("wifi", "guest", "")
    assert err.value.status == Status.FAILED_PRECONDITION


async def test_requires_a_valid_token(channel: Channel) -> None:
    client = ProvisioningClient(channel, {"authorization": "Bearer not-a-token"})
    with pytest.raises(GRPCError) as err:
        await client.get_network_list()
    assert err.value.status == Status.UNAUTHENTICATED
    assert "not-a-token" not in repr(client)
