"""BillingClient's charging calls of viam-sdk 0.85.1 against the emulator.

``charge_organization`` issues an outstanding invoice, ``create_invoice_and_charge_immediately``
a paid one; both show up in the invoice summary and render as PDFs.
"""

from __future__ import annotations

import inspect
import math
from pathlib import Path

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.v1 import ChargeOrganizationResponse, CreateInvoiceAndChargeImmediatelyResponse

from viam_sdk.app.billing_client import BillingClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.testing.server import Emulator

from .conftest import Org
from .pdfcheck import check_pdf

_ = inspect.Parameter.empty


def _params(name: str) -> list[tuple[str, object]]:
    # Leaves out ``timeout``, which every SDK method takes (tests/sdk/test_timeouts.py).
    params = list(inspect.signature(getattr(BillingClient, name)).parameters.values())[1:]
    return [(p.name, p.default) for p in params if p.name not in ("timeout", "retry")]


def test_signatures_are_those_of_0_85_1() -> None:
    assert _params("charge_organization") == [
        ("org_id_to_charge", _),
        ("subtotal", _),
        ("tax", _),
        ("description", None),
        ("org_id_for_branding", None),
        ("disable_confirmation_email", False),
    ]
    assert _params("create_invoice_and_charge_immediately") == [
        ("org_id_to_charge", _),
        ("amount", _),
        ("description", None),
        ("org_id_for_branding", None),
        ("disable_email", False),
    ]
    assert inspect.iscoroutinefunction(BillingClient.charge_organization)
    assert inspect.iscoroutinefunction(BillingClient.create_invoice_and_charge_immediately)


async def test_charge_issues_an_outstanding_invoice(viam: ViamClient, emulator: Emulator, tmp_path: Path) -> None:
    billing = viam.billing_client
    org_id = emulator.bootstrap.org_id
    before = await billing.get_invoices_summary(org_id)

    charged = await billing.charge_organization(org_id, 120.0, 9.6, description="Support plan, June")
    assert isinstance(charged, ChargeOrganizationResponse)
    assert charged.invoice_id

    after = await billing.get_invoices_summary(org_id)
    invoice = next(i for i in after.invoices if i.id == charged.invoice_id)
    assert invoice.status == "outstanding"
    assert invoice.invoice_amount == pytest.approx(129.6)
    assert invoice.paid_date is None
    assert after.outstanding_balance == pytest.approx(before.outstanding_balance + 129.6)

    pdf = tmp_path / "charge.pdf"
    await billing.get_invoice_pdf(charged.invoice_id, org_id, str(pdf))
    text = check_pdf(pdf.read_bytes()).text
    assert "Support plan, June" in text and "$129.60" in text and "outstanding" in text


async def test_create_invoice_and_charge_immediately_is_paid_on_the_spot(
    viam: ViamClient, emulator: Emulator
) -> None:
    billing = viam.billing_client
    org_id = emulator.bootstrap.org_id
    before = await billing.get_invoices_summary(org_id)

    paid = await billing.create_invoice_and_charge_immediately(org_id, 49.5, "Onboarding", disable_email=True)
    assert isinstance(paid, CreateInvoiceAndChargeImmediatelyResponse)

    after = await billing.get_invoices_summary(org_id)
    invoice = next(i for i in after.invoices if i.id == paid.invoice_id)
    assert (invoice.status, invoice.invoice_amount) == ("paid", pytest.approx(49.5))
    assert invoice.paid_date is not None and invoice.paid_date == invoice.invoice_date
    # A paid invoice adds nothing to what is owed.
    assert after.outstanding_balance == pytest.approx(before.outstanding_balance)
    assert len(after.invoices) == len(before.invoices) + 1


@pytest.mark.parametrize("subtotal", [0.0, -5.0, math.inf, math.nan])
async def test_a_bad_subtotal_is_invalid_and_named(viam: ViamClient, emulator: Emulator, subtotal: float) -> None:
    with pytest.raises(GRPCError) as err:
        await viam.billing_client.charge_organization(emulator.bootstrap.org_id, subtotal, 0.0)
    assert err.value.status == Status.INVALID_ARGUMENT
    assert repr(subtotal) in (err.value.message or "")


@pytest.mark.parametrize("tax", [-0.01, math.inf, math.nan])
async def test_a_bad_tax_is_invalid_and_named(viam: ViamClient, emulator: Emulator, tax: float) -> None:
    with pytest.raises(GRPCError) as err:
        await viam.billing_client.charge_organization(emulator.bootstrap.org_id, 10.0, tax)
    assert err.value.status == Status.INVALID_ARGUMENT
    assert "tax" in (err.value.message or "") and repr(tax) in (err.value.message or "")


@pytest.mark.parametrize("amount", [0.0, -1.0, -math.inf, math.nan])
async def test_a_bad_amount_is_invalid_and_named(viam: ViamClient, emulator: Emulator, amount: float) -> None:
    org_id = emulator.bootstrap.org_id
    before = await viam.billing_client.get_invoices_summary(org_id)
    with pytest.raises(GRPCError) as err:
        await viam.billing_client.create_invoice_and_charge_immediately(org_id, amount)
    assert err.value.status == Status.INVALID_ARGUMENT
    assert "amount" in (err.value.message or "") and repr(amount) in (err.value.message or "")
    assert len((await viam.billing_client.get_invoices_summary(org_id)).invoices) == len(before.invoices)


async def test_another_organization_cannot_be_charged(viam: ViamClient, stranger: Org) -> None:
    for call in (
        viam.billing_client.charge_organization(stranger.org_id, 10.0, 0.0),
        viam.billing_client.create_invoice_and_charge_immediately(stranger.org_id, 10.0),
    ):
        with pytest.raises(GRPCError) as err:
            await call
        assert err.value.status == Status.PERMISSION_DENIED
    # Nothing reached the other organization's books.
    theirs = await stranger.client.billing_client.get_invoices_summary(stranger.org_id)
    assert all(i.invoice_amount != 10.0 for i in theirs.invoices)


async def test_branding_must_be_an_organization_the_caller_reaches(
    viam: ViamClient, emulator: Emulator, stranger: Org
) -> None:
    org_id = emulator.bootstrap.org_id
    ok = await viam.billing_client.charge_organization(org_id, 5.0, 0.0, org_id_for_branding=org_id)
    assert ok.invoice_id
    with pytest.raises(GRPCError) as err:
        await viam.billing_client.charge_organization(org_id, 5.0, 0.0, org_id_for_branding=stranger.org_id)
    assert err.value.status == Status.PERMISSION_DENIED
    with pytest.raises(GRPCError) as err:
        await viam.billing_client.create_invoice_and_charge_immediately(
            org_id, 5.0, org_id_for_branding="no-such-org"
        )
    assert err.value.status == Status.NOT_FOUND
    assert "no-such-org" in (err.value.message or "")


async def test_an_unknown_organization_is_not_found(viam: ViamClient) -> None:
    with pytest.raises(GRPCError) as err:
        await viam.billing_client.charge_organization("org-that-is-not-there", 1.0, 0.0)
    assert err.value.status == Status.NOT_FOUND
    assert "org-that-is-not-there" in (err.value.message or "")


def test_blocking_twin_charges_too(emulator_thread: Emulator) -> None:
    from viam_sdk.rpc.dial import DialOptions
    from viam_sdk.sync import ViamClient as SyncViamClient

    boot = emulator_thread.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    with SyncViamClient.create_from_dial_options(opts, app_url=emulator_thread.app_url) as viam:
        billing = viam.billing_client
        charged = billing.charge_organization(boot.org_id, 7.25, 0.75)
        paid = billing.create_invoice_and_charge_immediately(boot.org_id, 3.0)
        summary = {i.id: i for i in billing.get_invoices_summary(boot.org_id).invoices}
    assert summary[charged.invoice_id].status == "outstanding"
    assert summary[charged.invoice_id].invoice_amount == pytest.approx(8.0)
    assert summary[paid.invoice_id].status == "paid"
