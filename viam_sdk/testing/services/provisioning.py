"""ProvisioningService of the emulator: one smart machine's agent, waiting to be set up.

On a real smart machine the Viam agent serves this API from a hotspot until
it has been told which network to join and which machine part it is.  The
emulator plays one such machine per emulator instance; its state lives in
memory and starts fresh with every emulator.

The machine (``provisioning_info``): manufacturer ``viam-emulator``, model
``smart-machine``, no fragment; agent version :data:`AGENT_VERSION`.

The networks it sees (``GetNetworkList``, strongest first), with the
passphrases that work on them:

=================  =========  ======  ===================
SSID               security   signal  passphrase
=================  =========  ======  ===================
``viam-lab``       WPA2       92      ``robots-welcome``
``shop-floor``     WPA2       71      ``forklift-2024``
``guest``          (open)     40      none
=================  =========  ======  ===================

``SetNetworkCredentials`` (type ``"wifi"``) makes a connection attempt, whose
outcome ``GetSmartMachineStatus`` reports as ``latest_connection_attempt``:
the right passphrase for a listed network connects (the machine is then
online, and that network is flagged ``connected``); a wrong one fails with
``last_error`` "authentication failed"; an SSID not in the list is taken for a
hidden network that cannot be reached ("network not found").  Failures are
also listed in ``errors``.  Bad arguments answer INVALID_ARGUMENT: a type other
than ``"wifi"``, an empty SSID or one over 32 bytes, a passphrase outside 8..63
characters for a secured network.  Passphrases are never echoed or stored:
only whether they matched is kept.

``SetSmartMachineCredentials`` needs a part id and either a secret or an API
key (id and key); afterwards ``has_smart_machine_credentials`` is true.  The
credentials themselves are not kept.  ``ExitProvisioning`` ends provisioning
mode: later ``Set*`` calls answer FAILED_PRECONDITION.

Like every emulator service, each call needs a valid access token.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from grpclib.exceptions import GRPCError
from viam_api._runtime import ServiceBase
from viam_api.provisioning.v1 import (
    ExitProvisioningRequest,
    ExitProvisioningResponse,
    GetNetworkListRequest,
    GetNetworkListResponse,
    GetSmartMachineStatusRequest,
    GetSmartMachineStatusResponse,
    NetworkInfo,
    ProvisioningInfo,
    ProvisioningServiceBase,
    SetNetworkCredentialsRequest,
    SetNetworkCredentialsResponse,
    SetSmartMachineCredentialsRequest,
    SetSmartMachineCredentialsResponse,
)

from ..auth import caller
from ..context import EmulatorContext
from ..errors import FailedPrecondition, InvalidArgument

__all__ = [
    "AGENT_VERSION",
    "NETWORKS",
    "SCHEMA",
    "ProvisioningService",
    "SimulatedNetwork",
    "create_services",
]

SCHEMA = ""

AGENT_VERSION = "0.0.0-emulator"
NETWORK_TYPE = "wifi"


@dataclass(frozen=True)
class SimulatedNetwork:
    ssid: str
    security: str
    signal: int
    passphrase: str = field(default="", repr=False)


NETWORKS: tuple[SimulatedNetwork, ...] = (
    SimulatedNetwork("viam-lab", "WPA2", 92, "robots-welcome"),
    SimulatedNetwork("shop-floor", "WPA2", 71, "forklift-2024"),
    SimulatedNetwork("guest", "", 40),
)


def _invalid(message: str) -> GRPCError:
    return InvalidArgument(message)


@dataclass
class _AgentState:
    connected_ssid: str | None = None
    attempt: NetworkInfo | None = None
    errors: list[str] = field(default_factory=list)
    has_credentials: bool = False
    provisioning: bool = True


class ProvisioningService(ProvisioningServiceBase):
    """The agent of one simulated smart machine; see the module docstring."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.state = _AgentState()

    def _network_info(self, net: SimulatedNetwork) -> NetworkInfo:
        return NetworkInfo(
            type=NETWORK_TYPE,
            ssid=net.ssid,
            security=net.security,
            signal=net.signal,
            connected=net.ssid == self.state.connected_ssid,
        )

    async def get_network_list(self, request: GetNetworkListRequest) -> GetNetworkListResponse:
        caller(self.ctx)
        ordered = sorted(NETWORKS, key=lambda net: -net.signal)
        return GetNetworkListResponse(networks=[self._network_info(net) for net in ordered])

    async def get_smart_machine_status(
        self, request: GetSmartMachineStatusRequest
    ) -> GetSmartMachineStatusResponse:
        caller(self.ctx)
        return GetSmartMachineStatusResponse(
            provisioning_info=ProvisioningInfo(
                fragment_id="", model="smart-machine", manufacturer="viam-emulator"
            ),
            has_smart_machine_credentials=self.state.has_credentials,
            is_online=self.state.connected_ssid is not None,
            latest_connection_attempt=self.state.attempt,
            errors=list(self.state.errors),
            agent_version=AGENT_VERSION,
        )

    def _require_provisioning(self) -> None:
        if not self.state.provisioning:
            raise FailedPrecondition("the agent has left provisioning mode")

    async def set_network_credentials(
        self, request: SetNetworkCredentialsRequest
    ) -> SetNetworkCredentialsResponse:
        caller(self.ctx)
        self._require_provisioning()
        if request.type != NETWORK_TYPE:
            raise _invalid(f"network type {request.type!r} is not supported; use {NETWORK_TYPE!r}")
        ssid = request.ssid
        if not ssid or len(ssid.encode()) > 32:
            raise _invalid(f"SSID {ssid!r} must be 1 to 32 bytes long")
        net = next((n for n in NETWORKS if n.ssid == ssid), None)
        secured = net is None or bool(net.security)
        psk = request.psk
        if secured and psk and not 8 <= len(psk) <= 63:
            # The passphrase itself stays out of the message.
            raise _invalid(f"the passphrase for {ssid!r} must be 8 to 63 characters long")
        if net is not None and net.security and not psk:
            raise _invalid(f"network {ssid!r} is secured ({net.security}): a passphrase is required")

        if net is None:
            error = "network not found"
            attempt = NetworkInfo(type=NETWORK_TYPE, ssid=ssid, connected=False, last_error=error)
        elif net.security and not hmac.compare_digest(psk.encode(), net.passphrase.encode()):
            error = "authentication failed"
            attempt = NetworkInfo(
                type=NETWORK_TYPE, ssid=ssid, security=net.security, signal=net.signal, last_error=error
            )
        else:
            error = ""
            attempt = NetworkInfo(
                type=NETWORK_TYPE, ssid=ssid, security=net.security, signal=net.signal, connected=True
            )
        if error:
            self.state.errors.append(f"could not join {ssid!r}: {error}")
        else:
            self.state.connected_ssid = ssid
        self.state.attempt = attempt
        return SetNetworkCredentialsResponse()

    async def set_smart_machine_credentials(
        self, request: SetSmartMachineCredentialsRequest
    ) -> SetSmartMachineCredentialsResponse:
        caller(self.ctx)
        self._require_provisioning()
        cloud = request.cloud
        if cloud is None:
            raise _invalid("cloud credentials are required (got none)")
        if not cloud.id:
            raise _invalid("the cloud credentials need the machine part's id")
        has_key = cloud.api_key is not None and bool(cloud.api_key.id) and bool(cloud.api_key.key)
        if not cloud.secret and not has_key:
            raise _invalid(
                f"the cloud credentials of part {cloud.id!r} need a secret or an API key (id and key)"
            )
        self.state.has_credentials = True
        return SetSmartMachineCredentialsResponse()

    async def exit_provisioning(self, request: ExitProvisioningRequest) -> ExitProvisioningResponse:
        caller(self.ctx)
        self.state.provisioning = False
        return ExitProvisioningResponse()


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [ProvisioningService(ctx)]
