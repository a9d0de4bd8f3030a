"""BillingClient against the emulator: priced usage, billing details, invoices and their PDFs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import grpclib.server
import pytest
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.mltraining.v1 import ModelType, TrainingStatus
from viam_api.app.v1 import (
    BillingServiceBase,
    BillingServiceStub,
    ChargeOrganizationRequest,
    CreateInvoiceAndChargeImmediatelyRequest,
    GetAvailableBillingTiersRequest,
    GetCurrentMonthUsageResponse,
    GetInvoicePdfRequest,
    GetInvoicePdfResponse,
    PaymentMethodType,
    SourceType,
    UpdateOrganizationBillingTierRequest,
    UsageCostType,
)

from viam_sdk.app.billing_client import BillingClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.testing.server import Emulator

from .conftest import Org, connect
from .fleet import Fleet
from .pdfcheck import check_pdf

PER_MACHINE = UsageCostType.USAGE_COST_TYPE_PER_MACHINE
BINARY = UsageCostType.USAGE_COST_TYPE_BINARY_DATA_CLOUD_STORAGE
TABULAR = UsageCostType.USAGE_COST_TYPE_TABULAR_DATA_CLOUD_STORAGE
COMPUTE = UsageCostType.USAGE_COST_TYPE_STANDARD_COMPUTE


def _costs(usage: GetCurrentMonthUsageResponse) -> dict[UsageCostType, float]:
    costs = usage.resource_usage_costs_by_source[0].resource_usage_costs
    assert costs is not None
    return {c.resource_type: c.cost for c in costs.usage_costs}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


async def _charge(
    channel: Channel, emulator: Emulator, org_id: str, subtotal: float, tax: float = 0.0
) -> str:
    stub = BillingServiceStub(channel, metadata=emulator.auth_metadata())
    response = await stub.charge_organization(
        ChargeOrganizationRequest(
            org_id_to_charge=org_id, subtotal=subtotal, tax=tax, description="Support plan"
        )
    )
    return response.invoice_id


async def _stream(channel: Channel, emulator: Emulator, invoice_id: str, org_id: str) -> list[bytes]:
    stub = BillingServiceStub(channel, metadata=emulator.auth_metadata())
    return [r.chunk async for r in stub.get_invoice_pdf(GetInvoicePdfRequest(id=invoice_id, org_id=org_id))]


# -- usage and billing details -------------------------------------------------------


async def test_usage_of_an_empty_organization(viam: ViamClient, emulator: Emulator) -> None:
    usage = await viam.billing_client.get_current_month_usage(emulator.bootstrap.org_id)
    now = datetime.now(timezone.utc)
    assert usage.start_date is not None and usage.end_date is not None
    assert (usage.start_date.year, usage.start_date.month, usage.start_date.day) == (now.year, now.month, 1)
    assert usage.start_date <= now <= usage.end_date
    assert usage.subtotal == 0.0
    (source,) = usage.resource_usage_costs_by_source
    assert source.source_type == SourceType.SOURCE_TYPE_ORG
    assert source.tier_name == "free"
    assert set(_costs(usage)) == {
        PER_MACHINE,
        BINARY,
        UsageCostType.USAGE_COST_TYPE_TABULAR_DATA_CLOUD_STORAGE,
        UsageCostType.USAGE_COST_TYPE_STANDARD_COMPUTE,
    }


async def test_usage_is_priced_from_stored_machines_and_data(
    viam: ViamClient, emulator: Emulator, channel: Channel
) -> None:
    org_id = emulator.bootstrap.org_id
    fleet = Fleet(channel, emulator.auth_metadata(), org_id)
    part = await fleet.machine("rover-1")
    await fleet.machine("rover-2")
    await fleet.upload(part, b"\x89PNG" + bytes(996))

    usage = await viam.billing_client.get_current_month_usage(org_id)
    costs = _costs(usage)
    assert costs[PER_MACHINE] == pytest.approx(10.0)
    assert costs[BINARY] == pytest.approx(1000 / 1e9 * 0.50)
    assert usage.subtotal == pytest.approx(sum(costs.values()))


async def test_billing_tier_sets_the_discount(viam: ViamClient, emulator: Emulator, channel: Channel) -> None:
    org_id = emulator.bootstrap.org_id
    await Fleet(channel, emulator.auth_metadata(), org_id).machine("m")
    stub = BillingServiceStub(channel, metadata=emulator.auth_metadata())
    tiers = (await stub.get_available_billing_tiers(GetAvailableBillingTiersRequest())).tiers
    assert "pro" in tiers and "free" in tiers

    await stub.update_organization_billing_tier(
        UpdateOrganizationBillingTierRequest(organization_id=org_id, billing_tier="pro")
    )
    usage = await viam.billing_client.get_current_month_usage(org_id)
    costs = usage.resource_usage_costs_by_source[0].resource_usage_costs
    assert costs is not None
    assert costs.total_without_discount == pytest.approx(5.0)
    assert costs.discount == pytest.approx(0.5)
    assert usage.subtotal == pytest.approx(4.5)
    info = await viam.billing_client.get_org_billing_information(org_id)
    assert info.billing_tier == "pro"

    with pytest.raises(GRPCError) as err:
        await stub.update_organization_billing_tier(
            UpdateOrganizationBillingTierRequest(organization_id=org_id, billing_tier="platinum")
        )
    assert err.value.status == Status.INVALID_ARGUMENT and "'platinum'" in str(err.value.message)
    assert (await viam.billing_client.get_org_billing_information(org_id)).billing_tier == "pro"


async def test_org_billing_information(viam: ViamClient, emulator: Emulator) -> None:
    org_id = emulator.bootstrap.org_id
    info = await viam.billing_client.get_org_billing_information(org_id)
    assert info.type == PaymentMethodType.PAYMENT_METHOD_TYPE_CARD
    assert info.method is not None and len(info.method.last_four_digits) == 4
    assert org_id in info.billing_email
    assert info.billing_tier == "free"


# -- invoices ----------------------------------------------------------------------------


async def test_invoices_summary_and_balance(viam: ViamClient, emulator: Emulator, channel: Channel) -> None:
    org_id = emulator.bootstrap.org_id
    fleet = Fleet(channel, emulator.auth_metadata(), org_id)
    await fleet.machine("a")
    await fleet.machine("b")

    summary = await viam.billing_client.get_invoices_summary(org_id)
    (monthly,) = summary.invoices  # last month's, priced from today's figures: 2 machines
    assert monthly.invoice_amount == pytest.approx(10.0)
    assert monthly.status == "outstanding" and monthly.paid_date is None
    assert monthly.invoice_date is not None and monthly.due_date is not None
    assert monthly.due_date - monthly.invoice_date == timedelta(days=30)
    assert summary.outstanding_balance == pytest.approx(10.0)

    charged = await _charge(channel, emulator, org_id, 20.0, 1.5)
    stub = BillingServiceStub(channel, metadata=emulator.auth_metadata())
    paid = (
        await stub.create_invoice_and_charge_immediately(
            CreateInvoiceAndChargeImmediatelyRequest(org_id_to_charge=org_id, amount=7.0)
        )
    ).invoice_id

    summary = await viam.billing_client.get_invoices_summary(org_id)
    by_id = {i.id: i for i in summary.invoices}
    assert set(by_id) == {monthly.id, charged, paid}
    assert by_id[charged].invoice_amount == pytest.approx(21.5) and by_id[charged].status == "outstanding"
    assert by_id[paid].status == "paid" and by_id[paid].paid_date is not None
    assert summary.outstanding_balance == pytest.approx(31.5)
    assert summary.invoices[-1].id == monthly.id  # newest first; the monthly one is dated the 1st

    with pytest.raises(GRPCError) as err:
        await _charge(channel, emulator, org_id, -3.0)
    assert err.value.status == Status.INVALID_ARGUMENT and "-3.0" in str(err.value.message)
    assert len((await viam.billing_client.get_invoices_summary(org_id)).invoices) == 3


async def test_monthly_invoice_with_a_fixed_clock(tmp_path: Path) -> None:
    moment = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc)
    async with Emulator(clock=lambda: moment) as emu:
        viam = await connect(emu, emu.bootstrap)
        try:
            org_id = emu.bootstrap.org_id
            usage = await viam.billing_client.get_current_month_usage(org_id)
            assert usage.start_date == datetime(2026, 3, 1, tzinfo=timezone.utc)
            assert usage.end_date == datetime(2026, 4, 1, tzinfo=timezone.utc) - timedelta(microseconds=1)
            summary = await viam.billing_client.get_invoices_summary(org_id)
            (invoice,) = summary.invoices
            assert invoice.invoice_date == datetime(2026, 3, 1, tzinfo=timezone.utc)
            assert invoice.due_date == datetime(2026, 3, 31, tzinfo=timezone.utc)
            assert invoice.status == "paid"  # nothing used: 0.00
            # Reading again in the same month issues nothing new.
            assert len((await viam.billing_client.get_invoices_summary(org_id)).invoices) == 1
            dest = tmp_path / "march.pdf"
            await viam.billing_client.get_invoice_pdf(invoice.id, org_id, str(dest))
            text = check_pdf(dest.read_bytes()).text
            assert "Usage for February 2026 (free tier)" in text
            assert "Invoice date: 2026-03-01" in text
        finally:
            viam.close()


async def test_invoice_pdf_written_to_dest_equals_the_stream(
    viam: ViamClient, emulator: Emulator, channel: Channel, tmp_path: Path
) -> None:
    org_id = emulator.bootstrap.org_id
    invoice_id = await _charge(channel, emulator, org_id, 1234.5, 98.76)
    dest = tmp_path / "invoice.pdf"
    await viam.billing_client.get_invoice_pdf(invoice_id, org_id, str(dest))

    chunks = await _stream(channel, emulator, invoice_id, org_id)
    assert len(chunks) > 1, "the PDF should arrive in several chunks"
    assert dest.read_bytes() == b"".join(chunks)
    assert _leftovers(tmp_path) == []

    pdf = check_pdf(dest.read_bytes())
    assert pdf.version == "1.4" and pdf.pages == 1
    assert invoice_id in pdf.text
    assert "Emulator organization" in pdf.text
    assert "Total: $1,333.26" in pdf.text
    assert "Status: outstanding" in pdf.text


async def test_failed_download_leaves_the_earlier_file_whole(
    viam: ViamClient, emulator: Emulator, channel: Channel, tmp_path: Path
) -> None:
    org_id = emulator.bootstrap.org_id
    invoice_id = await _charge(channel, emulator, org_id, 10.0)
    dest = tmp_path / "invoice.pdf"
    await viam.billing_client.get_invoice_pdf(invoice_id, org_id, str(dest))
    before = dest.read_bytes()

    with pytest.raises(GRPCError) as err:
        await viam.billing_client.get_invoice_pdf("no-such-invoice", org_id, str(dest))
    assert err.value.status == Status.NOT_FOUND and "'no-such-invoice'" in str(err.value.message)
    assert dest.read_bytes() == before
    assert _leftovers(tmp_path) == []


class _BreaksMidStream(BillingServiceBase):
    """A billing server whose PDF stream fails after the first chunk."""

    async def get_invoice_pdf(self, request: GetInvoicePdfRequest) -> AsyncIterator[GetInvoicePdfResponse]:
        yield GetInvoicePdfResponse(chunk=b"%PDF-1.4\n% half a document")
        raise GRPCError(Status.INTERNAL, "storage went away")


async def test_stream_broken_midway_leaves_the_earlier_file_whole(tmp_path: Path) -> None:
    server = grpclib.server.Server([_BreaksMidStream()])
    await server.start("127.0.0.1", 0)
    port = server._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    channel = Channel("127.0.0.1", port)
    try:
        dest = tmp_path / "invoice.pdf"
        dest.write_bytes(b"the earlier invoice")
        with pytest.raises(GRPCError) as err:
            await BillingClient(channel, {}).get_invoice_pdf("inv", "org", str(dest))
        assert err.value.status == Status.INTERNAL
        assert dest.read_bytes() == b"the earlier invoice"
        assert _leftovers(tmp_path) == []
    finally:
        channel.close()
        server.close()
        await server.wait_closed()


async def test_dest_in_a_missing_folder(viam: ViamClient, emulator: Emulator, tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "invoice.pdf"
    with pytest.raises(FileNotFoundError) as err:
        await viam.billing_client.get_invoice_pdf("any", emulator.bootstrap.org_id, str(missing))
    assert "nope" in str(err.value)


# -- scoping ---------------------------------------------------------------------------------


async def test_another_organizations_billing_is_invisible(
    viam: ViamClient, stranger: Org, emulator: Emulator, channel: Channel, tmp_path: Path
) -> None:
    billing = viam.billing_client
    their_invoice = (
        (await stranger.client.billing_client.get_invoices_summary(stranger.org_id)).invoices[0].id
    )
    for call in (
        billing.get_current_month_usage(stranger.org_id),
        billing.get_org_billing_information(stranger.org_id),
        billing.get_invoices_summary(stranger.org_id),
        billing.get_invoice_pdf(their_invoice, stranger.org_id, str(tmp_path / "a.pdf")),
        # Their invoice asked for under our own organization: still refused.
        billing.get_invoice_pdf(their_invoice, emulator.bootstrap.org_id, str(tmp_path / "b.pdf")),
    ):
        with pytest.raises(GRPCError) as err:
            await call
        assert err.value.status == Status.PERMISSION_DENIED
    assert list(tmp_path.iterdir()) == []

    with pytest.raises(GRPCError) as err:
        await billing.get_current_month_usage("no-such-org")
    assert err.value.status == Status.NOT_FOUND and "'no-such-org'" in str(err.value.message)
    with pytest.raises(GRPCError) as err:
        await billing.get_invoices_summary("")
    assert err.value.status == Status.INVALID_ARGUMENT


async def test_usage_counts_readings_and_finished_training(
    viam: ViamClient, emulator: Emulator, channel: Channel
) -> None:
    org_id = emulator.bootstrap.org_id
    fleet = Fleet(channel, emulator.auth_metadata(), org_id)
    part = await fleet.machine("sensor-rig")
    readings = [{"temperature": 20.5 + n, "humidity": 40 + n} for n in range(3)]
    await viam.data_client.tabular_data_capture_upload(readings, part, "sensor", "thermo", "Readings")
    dataset_id = await fleet.dataset("frames")
    await fleet.upload(part, b"\x89PNG-frame", dataset_ids=[dataset_id])
    training = viam.ml_training_client
    job = await training.submit_training_job(
        org_id, dataset_id, "m", "1", ModelType.MODEL_TYPE_SINGLE_LABEL_CLASSIFICATION, ["x"]
    )
    usage = await viam.billing_client.get_current_month_usage(org_id)
    assert _costs(usage)[COMPUTE] == 0.0  # not trained yet
    states = [(await training.get_training_job(job)).status for _ in range(3)]
    assert states[-1] == TrainingStatus.TRAINING_STATUS_COMPLETED

    usage = await viam.billing_client.get_current_month_usage(org_id)
    costs = _costs(usage)
    stored = emulator.store.one(
        "SELECT SUM(size_bytes) AS n FROM data_tabular WHERE organization_id = ?", (org_id,)
    )
    assert stored is not None and stored["n"] > 0
    assert costs[TABULAR] == pytest.approx(stored["n"] / 1e9 * 1.00)
    assert costs[COMPUTE] == pytest.approx(2.0)
    assert costs[PER_MACHINE] == pytest.approx(5.0)
