"""Provisioning: set up a smart machine through the agent running on it.

A smart machine that has not been configured yet runs the Viam agent in
provisioning mode: it lists the Wi-Fi networks it can see, accepts network
credentials and the cloud credentials of the machine part it should become,
and reports its progress.  ``ProvisioningClient`` speaks to that agent; it is
normally reached through ``ViamClient.provisioning_client`` and binds the
channel and metadata to the generated stub once.
"""

from __future__ import annotations

from viam_api.provisioning.v1 import (
    CloudConfig,
    ExitProvisioningRequest,
    GetNetworkListRequest,
    GetSmartMachineStatusRequest,
    GetSmartMachineStatusResponse,
    NetworkInfo,
    ProvisioningServiceStub,
    SetNetworkCredentialsRequest,
    SetSmartMachineCredentialsRequest,
)

from viam_sdk.app._client import ClientBase, ServiceStub
from viam_sdk.app._timeouts import with_call_timeouts
from viam_sdk.rpc._policy import DEFAULT, RetryOption

__all__ = ["ProvisioningClient"]


@with_call_timeouts
class ProvisioningClient(ClientBase):
    """Read a smart machine's provisioning status and hand it its credentials.

    Examples:
        ```python
        agent = viam_client.provisioning_client
        for network in await agent.get_network_list():
            print(network.ssid, network.signal)
        await agent.set_network_credentials("wifi", "shop-floor", "correct horse")
        ```
    """

    _stub = ServiceStub(ProvisioningServiceStub)

    async def get_network_list(self, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> list[NetworkInfo]:
        """The networks the machine can currently see, strongest signal first.

        Args:
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``NetworkInfo``, one per network: type, SSID, security, signal strength and
            whether the machine is connected to it.

        Raises:
            Unavailable: the agent cannot be reached (the machine is off or out of range).
            DeadlineExceeded: the agent did not answer within ``timeout``.

        Examples:
            ```python
            provisioning = viam_client.provisioning_client
            ssids = [n.ssid for n in await provisioning.get_network_list()]
            ```
        """
        return list((await self._stub.get_network_list(GetNetworkListRequest())).networks)

    async def get_smart_machine_status(
        self, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> GetSmartMachineStatusResponse:
        """Where the machine stands: identity, credentials, connectivity, errors.

        Args:
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``GetSmartMachineStatusResponse``: the provisioning info (fragment, model,
            manufacturer), whether cloud credentials are set, whether the machine is online,
            the latest network connection attempt, any errors and the agent version.

        Raises:
            Unavailable: the agent cannot be reached (the machine is off or out of range).
            DeadlineExceeded: the agent did not answer within ``timeout``.

        Examples:
            ```python
            provisioning = viam_client.provisioning_client
            status = await provisioning.get_smart_machine_status()
            print(status.is_online, status.has_smart_machine_credentials)
            ```
        """
        return await self._stub.get_smart_machine_status(GetSmartMachineStatusRequest())

    async def set_network_credentials(
        self, network_type: str, ssid: str, psk: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Tell the machine which network to join and its passphrase.

        Args:
            network_type: the kind of network; ``"wifi"`` is the one agents accept.
            ssid: the network's name.
            psk: its pre-shared key (empty for an open network).  It is sent to
                the machine only, never echoed in errors.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            InvalidArgument: an unknown network type, an empty SSID or a passphrase the
                network's security cannot accept.
            FailedPrecondition: the agent has left provisioning mode.

        Examples:
            ```python
            provisioning = viam_client.provisioning_client
            await provisioning.set_network_credentials("wifi", "shop-floor", "correct horse")
            ```
        """
        await self._stub.set_network_credentials(
            SetNetworkCredentialsRequest(type=network_type, ssid=ssid, psk=psk)
        )

    async def set_smart_machine_credentials(
        self, cloud_config: CloudConfig | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Give the machine the cloud identity it should run as.

        Args:
            cloud_config: the machine part's ID and secret (or an API key) and
                the app address; None sends an empty configuration, which the
                agent refuses.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            InvalidArgument: the configuration lacks the part ID or both a secret and an API key.
            FailedPrecondition: the agent has left provisioning mode.

        Examples:
            ```python
            from viam_sdk.proto.provisioning import CloudConfig

            provisioning = viam_client.provisioning_client
            part = await viam_client.app_client.get_robot_part(part_id)
            await provisioning.set_smart_machine_credentials(
                CloudConfig(id=part.id, secret=part.secret, app_address="https://app.viam.com:443"))
            ```
        """
        await self._stub.set_smart_machine_credentials(SetSmartMachineCredentialsRequest(cloud=cloud_config))

    async def exit_provisioning(self, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Tell the agent provisioning is done: it leaves provisioning mode and takes no more credentials.

        Args:
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            Unavailable: the agent cannot be reached.

        Examples:
            ```python
            provisioning = viam_client.provisioning_client
            await provisioning.exit_provisioning()
            ```
        """
        await self._stub.exit_provisioning(ExitProvisioningRequest())
