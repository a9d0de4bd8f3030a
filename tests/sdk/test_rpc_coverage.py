"""Issue 19 item 1: every RPC of the eight services the clients speak is called by a public SDK method.

The RPCs come from the generated stubs (each names its proto service in
``SERVICE``; its public methods are the RPCs); the SDK side is read from the
source of every public method of the five clients (their area mixins
included): a method calls an RPC when its body reaches the stub attribute the
client declares for that service (``_app_client = ServiceStub(AppServiceStub)``)
and the stub method named after the RPC.  A new RPC in the API, or a method
removed from the SDK, fails here until a method calls it or ``EXCLUDED`` says
why not.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

import pytest
from viam_api.app.data.v1 import DataServiceStub
from viam_api.app.datapipelines.v1 import DataPipelinesServiceStub
from viam_api.app.dataset.v1 import DatasetServiceStub
from viam_api.app.datasync.v1 import DataSyncServiceStub
from viam_api.app.mltraining.v1 import MLTrainingServiceStub
from viam_api.app.v1 import AppServiceStub, BillingServiceStub
from viam_api.provisioning.v1 import ProvisioningServiceStub

from viam_sdk.app._client import ServiceStub
from viam_sdk.app.app_client import AppClient
from viam_sdk.app.billing_client import BillingClient
from viam_sdk.app.data_client import DataClient
from viam_sdk.app.ml_training_client import MLTrainingClient
from viam_sdk.app.provisioning_client import ProvisioningClient

STUBS = (
    AppServiceStub,
    DataServiceStub,
    DatasetServiceStub,
    DataSyncServiceStub,
    DataPipelinesServiceStub,
    BillingServiceStub,
    MLTrainingServiceStub,
    ProvisioningServiceStub,
)
CLIENTS = (AppClient, DataClient, BillingClient, MLTrainingClient, ProvisioningClient)

#: "Service/Method" -> why no SDK method calls it.  Empty: every RPC has one.
EXCLUDED: dict[str, str] = {}


def api_rpcs() -> set[str]:
    """Every RPC of the eight services, as ``"viam.app.v1.AppService/GetOrganization"``-like names
    (the Python method name after the slash)."""
    found: set[str] = set()
    for stub in STUBS:
        found.update(
            f"{stub.SERVICE}/{name}"
            for name, member in vars(stub).items()
            if not name.startswith("_") and inspect.isfunction(member)
        )
    return found


def _stub_attributes(client: type) -> dict[str, str]:
    """The client's stub attributes and the proto service each reaches."""
    attributes: dict[str, str] = {}
    for klass in reversed(client.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, ServiceStub):
                attributes[name] = value.stub_type.SERVICE
    return attributes


def _self_attributes(function: object) -> set[tuple[str, str]]:
    """``(a, b)`` for every ``self.a.b`` in the function's body, and ``(a, "")`` for every ``self.a``."""
    try:
        source = textwrap.dedent(inspect.getsource(inspect.unwrap(function)))  # type: ignore[arg-type]
    except (OSError, TypeError):
        return set()
    found: set[tuple[str, str]] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            found.add((node.attr, ""))
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id == "self"
        ):
            found.add((node.value.attr, node.attr))
    return found


def _called_by(client: type) -> dict[str, set[str]]:
    """RPC -> the public methods of ``client`` whose bodies call it (through private helpers too)."""
    stubs = _stub_attributes(client)
    calls: dict[str, set[str]] = {}
    for name, member in inspect.getmembers(client):
        if name.startswith("_") or not callable(member) or inspect.isclass(member):
            continue
        todo, seen = [member], {name}
        while todo:
            for owner, attr in _self_attributes(todo.pop()):
                if owner in stubs and attr:
                    calls.setdefault(f"{stubs[owner]}/{attr}", set()).add(f"{client.__name__}.{name}")
                helper = getattr(client, owner, None)
                if owner.startswith("_") and owner not in seen and owner not in stubs and callable(helper):
                    seen.add(owner)
                    todo.append(helper)
    return calls


def sdk_calls() -> dict[str, set[str]]:
    merged: dict[str, set[str]] = {}
    for client in CLIENTS:
        for rpc, methods in _called_by(client).items():
            merged.setdefault(rpc, set()).update(methods)
    return merged


def test_the_eight_services_have_212_rpcs() -> None:
    # The figure the issue counts against; a new API version changes it on purpose.
    assert len(api_rpcs()) == 212


def test_every_rpc_is_called_by_a_public_sdk_method() -> None:
    rpcs = api_rpcs()
    called = {rpc for rpc in sdk_calls() if rpc in rpcs}
    missing = sorted(rpcs - called - set(EXCLUDED))
    assert missing == [], f"{len(missing)} RPCs without an SDK method:\n" + "\n".join(missing)
    assert not set(EXCLUDED) - rpcs, "EXCLUDED names an RPC the API does not have"
    print(f"\nRPCs of the eight services called by an SDK method: {len(called)}/{len(rpcs)}")


def test_the_check_catches_an_rpc_without_a_method() -> None:
    """The scan reads method bodies: a client lacking a method lacks its RPC, and only public methods count."""

    class Partial(ProvisioningClient):
        async def exit_provisioning(self, *, timeout: float | None = None) -> None:
            """Overridden without calling the stub."""

    class Hidden(ProvisioningClient):
        async def _private(self) -> None:
            await self._stub.exit_provisioning(None)  # type: ignore[arg-type]

    rpc = "viam.provisioning.v1.ProvisioningService/exit_provisioning"
    assert rpc in _called_by(ProvisioningClient)
    assert rpc not in _called_by(Partial)
    assert set(_called_by(Hidden)) == set(_called_by(ProvisioningClient))


@pytest.mark.parametrize(
    "rpc, method",
    [
        ("viam.app.data.v1.DataService/create_saved_query", "DataClient.create_saved_query"),
        ("viam.app.v1.AppService/create_oauth_app", "AppClient.create_oauth_app"),
        ("viam.app.v1.BillingService/send_payment_required_email", "BillingClient.send_payment_required_email"),
        ("viam.app.mltraining.v1.MLTrainingService/list_supported_containers", "MLTrainingClient.list_supported_containers"),
    ],
)
def test_a_new_rpc_is_reached_by_its_snake_case_method(rpc: str, method: str) -> None:
    assert method in sdk_calls()[rpc]
