"""The blocking flavour (viam_sdk.sync) of the billing, ML training and provisioning clients.

The emulator runs on its own thread (``emulator_thread``); these tests block
the calling thread as a plain script would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api._runtime import SyncChannel
from viam_api.app.mltraining.v1 import ModelType, TrainingStatus
from viam_api.app.v1 import (
    BillingServiceSyncStub,
    ChargeOrganizationRequest,
    GetInvoicePdfRequest,
)
from viam_api.provisioning.v1 import CloudConfig

from viam_sdk.rpc.dial import DialOptions
from viam_sdk.sync import ViamClient
from viam_sdk.testing.context import Bootstrap
from viam_sdk.testing.server import Emulator

from .fleet import SyncFleet
from .pdfcheck import check_pdf


def _connect(emu: Emulator, boot: Bootstrap) -> ViamClient:
    return ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emu.app_url
    )


@pytest.fixture
def sync_viam(emulator_thread: Emulator) -> Iterator[ViamClient]:
    with _connect(emulator_thread, emulator_thread.bootstrap) as client:
        yield client


@pytest.fixture
def sync_channel(emulator_thread: Emulator) -> Iterator[SyncChannel]:
    with SyncChannel(emulator_thread.host, emulator_thread.port) as channel:
        yield channel


def test_billing_blocking(
    sync_viam: ViamClient, emulator_thread: Emulator, sync_channel: SyncChannel, tmp_path: Path
) -> None:
    emu = emulator_thread
    org_id = emu.bootstrap.org_id
    SyncFleet(sync_channel, emu.auth_metadata(), org_id).machine("m")
    billing = sync_viam.billing_client

    usage = billing.get_current_month_usage(org_id)
    assert usage.subtotal == pytest.approx(5.0)
    assert billing.get_org_billing_information(org_id).billing_tier == "free"

    stub = BillingServiceSyncStub(sync_channel, metadata=emu.auth_metadata())
    invoice_id = stub.charge_organization(
        ChargeOrganizationRequest(org_id_to_charge=org_id, subtotal=42.0)
    ).invoice_id
    summary = billing.get_invoices_summary(org_id, timeout=10)
    assert invoice_id in {i.id for i in summary.invoices}
    assert summary.outstanding_balance == pytest.approx(47.0)  # 42 + last month's 5

    dest = tmp_path / "invoice.pdf"
    billing.get_invoice_pdf(invoice_id, org_id, str(dest))
    streamed = b"".join(
        r.chunk for r in stub.get_invoice_pdf(GetInvoicePdfRequest(id=invoice_id, org_id=org_id))
    )
    assert dest.read_bytes() == streamed
    assert "Total: $42.00" in check_pdf(streamed).text

    before = dest.read_bytes()
    with pytest.raises(GRPCError) as err:
        billing.get_invoice_pdf("missing", org_id, str(dest))
    assert err.value.status == Status.NOT_FOUND
    assert dest.read_bytes() == before
    with pytest.raises(FileNotFoundError):
        billing.get_invoice_pdf(invoice_id, org_id, str(tmp_path / "no" / "x.pdf"))


def test_billing_of_another_organization_is_refused(sync_viam: ViamClient, emulator_thread: Emulator) -> None:
    other = emulator_thread.add_organization()
    with pytest.raises(GRPCError) as err:
        sync_viam.billing_client.get_invoices_summary(other.org_id)
    assert err.value.status == Status.PERMISSION_DENIED


def test_ml_training_blocking(
    sync_viam: ViamClient, emulator_thread: Emulator, sync_channel: SyncChannel
) -> None:
    emu = emulator_thread
    org_id = emu.bootstrap.org_id
    fleet = SyncFleet(sync_channel, emu.auth_metadata(), org_id)
    dataset_id = fleet.dataset("parts")
    fleet.upload(fleet.machine("rig"), b"\x89PNG-sync", dataset_ids=[dataset_id])
    training = sync_viam.ml_training_client

    job = training.submit_training_job(
        org_id, dataset_id, "m", "1", ModelType.MODEL_TYPE_SINGLE_LABEL_CLASSIFICATION, ["good", "bad"]
    )
    custom = training.submit_custom_training_job(
        org_id, dataset_id, fleet.training_script("trainer"), "custom", "1"
    )
    states = [training.get_training_job(job).status for _ in range(3)]
    assert states == [
        TrainingStatus.TRAINING_STATUS_PENDING,
        TrainingStatus.TRAINING_STATUS_IN_PROGRESS,
        TrainingStatus.TRAINING_STATUS_COMPLETED,
    ]
    listed = training.list_training_jobs(org_id)
    assert [(j.id, j.status) for j in listed] == [
        (job, TrainingStatus.TRAINING_STATUS_COMPLETED),
        (custom, TrainingStatus.TRAINING_STATUS_PENDING),
    ]
    assert next(j for j in listed if j.id == custom).is_custom_job

    training.cancel_training_job(custom)  # it was IN_PROGRESS after that listing
    canceling = training.list_training_jobs(org_id, TrainingStatus.TRAINING_STATUS_CANCELING)
    assert [j.id for j in canceling] == [custom]
    assert training.get_training_job(custom).status == TrainingStatus.TRAINING_STATUS_CANCELED
    training.delete_completed_training_job(job)
    training.delete_completed_training_job(custom)
    assert training.list_training_jobs(org_id) == []
    with pytest.raises(GRPCError) as err:
        training.get_training_job(job)
    assert err.value.status == Status.NOT_FOUND


def test_provisioning_blocking(sync_viam: ViamClient) -> None:
    agent = sync_viam.provisioning_client
    assert [n.ssid for n in agent.get_network_list()][0] == "viam-lab"
    agent.set_network_credentials("wifi", "viam-lab", "robots-welcome")
    agent.set_smart_machine_credentials(CloudConfig(id="part", secret="part-secret"))
    status = agent.get_smart_machine_status()
    assert status.is_online and status.has_smart_machine_credentials
    with pytest.raises(GRPCError) as err:
        agent.set_network_credentials("wifi", "", "robots-welcome")
    assert err.value.status == Status.INVALID_ARGUMENT


def test_blocking_calls_inside_a_running_event_loop(sync_viam: ViamClient) -> None:
    """A notebook already runs a loop: the blocking clients must still work there."""

    async def notebook_cell() -> int:
        return len(sync_viam.provisioning_client.get_network_list())

    assert asyncio.run(notebook_cell()) == 3
