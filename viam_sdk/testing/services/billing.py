"""BillingService of the emulator: usage priced from what the store holds, invoices as PDFs.

Price list (US dollars, per calendar month, UTC):

=====================================  ===========================================
usage type                              price
=====================================  ===========================================
``USAGE_COST_TYPE_PER_MACHINE``         5.00 per machine in the org's locations
``USAGE_COST_TYPE_BINARY_DATA_CLOUD_    0.50 per GB (10^9 bytes) of binary data
STORAGE``                               stored (``data_binary.size_bytes``)
``USAGE_COST_TYPE_TABULAR_DATA_CLOUD_   1.00 per GB of tabular readings stored
STORAGE``                               (``data_tabular.size_bytes``)
``USAGE_COST_TYPE_STANDARD_COMPUTE``    2.00 per training job completed this month
=====================================  ===========================================

Billing tiers give a discount on the whole: ``free`` (the default) none,
``pro`` 10 %, ``enterprise`` 20 %.  ``UpdateOrganizationBillingTier`` changes
an organization's tier.

Invoices, kept in ``billing_invoices`` with amounts in whole cents:

* the first time an organization's invoices are read in a calendar month, the
  emulator closes the previous month with an invoice priced from the usage
  figures of that moment (it keeps no history, so the present stands in for
  last month).  It is dated the 1st of the current month and due 30 days
  later; it is ``outstanding`` unless it comes to 0.00, then ``paid``.
* ``ChargeOrganization`` adds an ``outstanding`` invoice (subtotal + tax);
  ``CreateInvoiceAndChargeImmediately`` adds a ``paid`` one, paid on the spot.
  Both need owner rights on the organization charged; a subtotal or amount
  that is not a positive finite number, or a negative or non-finite tax,
  answers INVALID_ARGUMENT naming the value; an ``org_id_for_branding`` must
  be an organization the caller can reach.  The emulator
  has no payment processor: nothing else changes an invoice's status.
* ``GetInvoicesSummary`` lists them newest first, with the sum of the
  outstanding ones as the balance.
* ``GetInvoicePdf`` renders the invoice as a PDF 1.4 document (see
  ``_billing_pdf``) and streams it in chunks of ``PDF_CHUNK_SIZE`` bytes.  The
  same invoice always renders to the same bytes.

Who pays for a location and payment requests to customers (``backends.payers``):
``GetLocationBillingOrganization`` needs access to the location and answers its
owner unless ``UpdateLocationBillingOrganization`` named another organization,
which needs owner rights on the location (through its own organization) and on
the paying organization, and that organization must own the location or have
it shared.  ``SendPaymentRequiredEmail`` needs owner rights on the billing
organization, whose billing service must be on, and the customer must have a
location it pays for (else FAILED_PRECONDITION); the request is recorded, not
mailed.

Every call needs access to the organization (``require_org``; owner rights for
the calls that change something).  Another organization's invoice answers
PERMISSION_DENIED, an unknown one NOT_FOUND, bad amounts or tiers
INVALID_ARGUMENT.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from viam_api._runtime import ServiceBase
from viam_api.app.v1 import (
    BillingServiceBase,
    ChargeOrganizationRequest,
    ChargeOrganizationResponse,
    CreateInvoiceAndChargeImmediatelyRequest,
    CreateInvoiceAndChargeImmediatelyResponse,
    GetAvailableBillingTiersRequest,
    GetAvailableBillingTiersResponse,
    GetCurrentMonthUsageRequest,
    GetCurrentMonthUsageResponse,
    GetInvoicePdfRequest,
    GetInvoicePdfResponse,
    GetInvoicesSummaryRequest,
    GetInvoicesSummaryResponse,
    GetLocationBillingOrganizationRequest,
    GetLocationBillingOrganizationResponse,
    GetOrgBillingInformationRequest,
    GetOrgBillingInformationResponse,
    InvoiceSummary,
    PaymentMethodCard,
    PaymentMethodType,
    ResourceUsageCosts,
    ResourceUsageCostsBySource,
    SendPaymentRequiredEmailRequest,
    SendPaymentRequiredEmailResponse,
    SourceType,
    UpdateLocationBillingOrganizationRequest,
    UpdateLocationBillingOrganizationResponse,
    UpdateOrganizationBillingTierRequest,
    UpdateOrganizationBillingTierResponse,
    UsageCost,
)

from ..auth import Identity, caller, require_location, require_org
from ..backends.billing import PRICES, TIERS, BillingBackend, Invoice, Usage, current_usage, money
from ..backends.billing import SCHEMA as _BILLING_SCHEMA
from ..backends.payers import SCHEMA as _PAYERS_SCHEMA
from ..backends.payers import PayersBackend
from ..context import EmulatorContext
from ..errors import InvalidArgument, NotFound
from ._billing_pdf import Line, render_pdf

__all__ = [
    "PDF_CHUNK_SIZE",
    "PRICES",
    "SCHEMA",
    "TIERS",
    "BillingService",
    "Usage",
    "create_services",
    "current_usage",
]

SCHEMA = _BILLING_SCHEMA + _PAYERS_SCHEMA
PDF_CHUNK_SIZE = 1024
CARD = PaymentMethodCard(brand="visa", last_four_digits="4242")  # a test card number's tail


class BillingService(BillingServiceBase):
    """Billing over the emulator's store; see the module docstring for the rules."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.billing = BillingBackend(ctx)
        self.payers = PayersBackend(ctx)

    # -- the seed's calls ------------------------------------------------------------

    async def get_current_month_usage(
        self, request: GetCurrentMonthUsageRequest
    ) -> GetCurrentMonthUsageResponse:
        require_org(self.ctx, caller(self.ctx), request.org_id)
        usage = self.billing.usage(request.org_id)
        costs = ResourceUsageCosts(
            usage_costs=[UsageCost(resource_type=kind, cost=usage.cost(kind)) for kind in PRICES],
            discount=usage.discount,
            total_with_discount=usage.total_with_discount,
            total_without_discount=usage.total_without_discount,
        )
        return GetCurrentMonthUsageResponse(
            start_date=usage.start,
            end_date=usage.end,
            resource_usage_costs_by_source=[
                ResourceUsageCostsBySource(
                    source_type=SourceType.SOURCE_TYPE_ORG, resource_usage_costs=costs, tier_name=usage.tier
                )
            ],
            subtotal=usage.total_with_discount,
        )

    async def get_org_billing_information(
        self, request: GetOrgBillingInformationRequest
    ) -> GetOrgBillingInformationResponse:
        require_org(self.ctx, caller(self.ctx), request.org_id)
        return GetOrgBillingInformationResponse(
            type=PaymentMethodType.PAYMENT_METHOD_TYPE_CARD,
            billing_email=f"billing+{request.org_id}@example.com",
            method=CARD,
            billing_tier=self.billing.tier(request.org_id),
        )

    async def get_invoices_summary(self, request: GetInvoicesSummaryRequest) -> GetInvoicesSummaryResponse:
        require_org(self.ctx, caller(self.ctx), request.org_id)
        invoices = self.billing.invoices(request.org_id)
        outstanding = sum(i.amount_cents for i in invoices if i.outstanding)
        return GetInvoicesSummaryResponse(
            outstanding_balance=outstanding / 100,
            invoices=[
                InvoiceSummary(
                    id=i.id,
                    invoice_date=i.invoice_date,
                    invoice_amount=i.amount_cents / 100,
                    status=i.status,
                    due_date=i.due_date,
                    paid_date=i.paid_date,
                )
                for i in invoices
            ],
        )

    async def get_invoice_pdf(self, request: GetInvoicePdfRequest) -> AsyncIterator[GetInvoicePdfResponse]:
        ident = caller(self.ctx)
        if not request.id:
            raise InvalidArgument("an invoice id is required")
        require_org(self.ctx, ident, request.org_id)
        invoice = self.billing.invoice(request.org_id, request.id)
        if invoice.organization_id != request.org_id:
            # Someone else's invoice: say so only to a caller who may see that organization.
            require_org(self.ctx, ident, invoice.organization_id)
            raise NotFound(f"invoice {request.id!r} not found in organization {request.org_id!r}")
        document = self._render(invoice)
        for start in range(0, len(document), PDF_CHUNK_SIZE):
            yield GetInvoicePdfResponse(chunk=document[start : start + PDF_CHUNK_SIZE])

    # -- the rest of the service that the emulator serves --------------------------------

    async def get_available_billing_tiers(
        self, request: GetAvailableBillingTiersRequest
    ) -> GetAvailableBillingTiersResponse:
        caller(self.ctx)
        return GetAvailableBillingTiersResponse(tiers=list(TIERS))

    async def update_organization_billing_tier(
        self, request: UpdateOrganizationBillingTierRequest
    ) -> UpdateOrganizationBillingTierResponse:
        require_org(self.ctx, caller(self.ctx), request.organization_id, write=True)
        self.billing.set_tier(request.organization_id, request.billing_tier)
        return UpdateOrganizationBillingTierResponse()

    async def get_location_billing_organization(
        self, request: GetLocationBillingOrganizationRequest
    ) -> GetLocationBillingOrganizationResponse:
        owner = require_location(self.ctx, caller(self.ctx), request.location_id)
        return GetLocationBillingOrganizationResponse(
            billing_organization_id=self.payers.payer(request.location_id, owner)
        )

    async def update_location_billing_organization(
        self, request: UpdateLocationBillingOrganizationRequest
    ) -> UpdateLocationBillingOrganizationResponse:
        ident = caller(self.ctx)
        owner = require_location(self.ctx, ident, request.location_id, write=True, shared=False, by_secret=False)
        require_org(self.ctx, ident, request.billing_organization_id, write=True)
        self.payers.set_payer(request.location_id, owner, request.billing_organization_id)
        return UpdateLocationBillingOrganizationResponse()

    async def send_payment_required_email(
        self, request: SendPaymentRequiredEmailRequest
    ) -> SendPaymentRequiredEmailResponse:
        ident = caller(self.ctx)
        if not request.customer_org_id:
            raise InvalidArgument("customer_org_id is required")
        require_org(self.ctx, ident, request.billing_owner_org_id, write=True)
        self.payers.request_payment(request.customer_org_id, request.billing_owner_org_id)
        return SendPaymentRequiredEmailResponse()

    async def charge_organization(self, request: ChargeOrganizationRequest) -> ChargeOrganizationResponse:
        org_id = request.org_id_to_charge
        ident = caller(self.ctx)
        require_org(self.ctx, ident, org_id, write=True)
        self._check_branding(ident, request.org_id_for_branding)
        invoice_id = self.billing.charge(
            org_id, description=request.description or "Charge", amount=request.subtotal, tax=request.tax, paid=False
        )
        return ChargeOrganizationResponse(invoice_id=invoice_id)

    async def create_invoice_and_charge_immediately(
        self, request: CreateInvoiceAndChargeImmediatelyRequest
    ) -> CreateInvoiceAndChargeImmediatelyResponse:
        org_id = request.org_id_to_charge
        ident = caller(self.ctx)
        require_org(self.ctx, ident, org_id, write=True)
        self._check_branding(ident, request.org_id_for_branding)
        invoice_id = self.billing.charge(
            org_id, description=request.description or "Charge", amount=request.amount, paid=True
        )
        return CreateInvoiceAndChargeImmediatelyResponse(invoice_id=invoice_id)

    def _check_branding(self, ident: Identity, org_id: str | None) -> None:
        """An invoice may carry the branding only of an organization the caller can reach."""
        if org_id is None:
            return
        if not org_id:
            raise InvalidArgument("org_id_for_branding must name an organization when it is set (got '')")
        require_org(self.ctx, ident, org_id)

    # -- the PDF --------------------------------------------------------------------------

    def _render(self, invoice: Invoice) -> bytes:
        org_name = self.billing.organization_name(invoice.organization_id)
        invoice_date, due_date, paid_date = invoice.invoice_date, invoice.due_date, invoice.paid_date
        assert invoice_date is not None and due_date is not None
        lines = [
            Line("INVOICE", bold=True, size=20),
            Line(""),
            Line(f"Invoice ID: {invoice.id}"),
            Line(f"Organization: {org_name} ({invoice.organization_id})"),
            Line(f"Invoice date: {invoice_date:%Y-%m-%d}"),
            Line(f"Due date: {due_date:%Y-%m-%d}"),
            Line(f"Status: {invoice.status}" + (f" (paid {paid_date:%Y-%m-%d})" if paid_date else "")),
            Line(""),
            Line(invoice.description, bold=True),
        ]
        for text, cents in invoice.lines:
            lines.append(Line(f"    {text}: {money(cents)}"))
        lines += [
            Line(""),
            Line(f"Subtotal: {money(invoice.subtotal_cents)}"),
            Line(f"Discount: {money(-invoice.discount_cents)}"),
            Line(f"Tax: {money(invoice.tax_cents)}"),
            Line(f"Total: {money(invoice.amount_cents)}", bold=True, size=13),
            Line(""),
            Line("Issued by the local Viam cloud emulator (viam_sdk.testing); not a real bill.", size=8),
        ]
        return render_pdf(lines, title=f"Invoice {invoice.id}", created=invoice_date)


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [BillingService(ctx)]
