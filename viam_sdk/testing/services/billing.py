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

Every call needs access to the organization (``require_org``; owner rights for
the calls that change something).  Another organization's invoice answers
PERMISSION_DENIED, an unknown one NOT_FOUND, bad amounts or tiers
INVALID_ARGUMENT.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from grpclib.exceptions import GRPCError
from viam_api._runtime import ServiceBase
from viam_api.app.mltraining.v1 import TrainingStatus
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
    GetOrgBillingInformationRequest,
    GetOrgBillingInformationResponse,
    InvoiceSummary,
    PaymentMethodCard,
    PaymentMethodType,
    ResourceUsageCosts,
    ResourceUsageCostsBySource,
    SourceType,
    UpdateOrganizationBillingTierRequest,
    UpdateOrganizationBillingTierResponse,
    UsageCost,
    UsageCostType,
)

from ..auth import Identity, caller, require_org
from ..context import EmulatorContext, iso, parse_iso
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

SCHEMA = """
CREATE TABLE IF NOT EXISTS billing_accounts (
    organization_id TEXT PRIMARY KEY,
    billing_tier TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS billing_invoices (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    period TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    invoice_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    paid_date TEXT,
    status TEXT NOT NULL,
    lines TEXT NOT NULL,
    subtotal_cents INTEGER NOT NULL,
    discount_cents INTEGER NOT NULL,
    tax_cents INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS billing_invoices_by_org ON billing_invoices(organization_id, invoice_date, seq);
"""

GB = 1_000_000_000

# usage type -> (unit, price per unit in dollars)
PRICES: dict[UsageCostType, tuple[str, float]] = {
    UsageCostType.USAGE_COST_TYPE_PER_MACHINE: ("machines", 5.00),
    UsageCostType.USAGE_COST_TYPE_BINARY_DATA_CLOUD_STORAGE: ("GB", 0.50),
    UsageCostType.USAGE_COST_TYPE_TABULAR_DATA_CLOUD_STORAGE: ("GB", 1.00),
    UsageCostType.USAGE_COST_TYPE_STANDARD_COMPUTE: ("training jobs", 2.00),
}
LABELS: dict[UsageCostType, str] = {
    UsageCostType.USAGE_COST_TYPE_PER_MACHINE: "Machines",
    UsageCostType.USAGE_COST_TYPE_BINARY_DATA_CLOUD_STORAGE: "Binary data storage",
    UsageCostType.USAGE_COST_TYPE_TABULAR_DATA_CLOUD_STORAGE: "Tabular data storage",
    UsageCostType.USAGE_COST_TYPE_STANDARD_COMPUTE: "ML training",
}
# tier -> discount rate on the month's total
TIERS: dict[str, float] = {"free": 0.0, "pro": 0.10, "enterprise": 0.20}
DEFAULT_TIER = "free"
PDF_CHUNK_SIZE = 1024
PAYMENT_TERMS = timedelta(days=30)
CARD = PaymentMethodCard(brand="visa", last_four_digits="4242")  # a test card number's tail


def _invalid(message: str) -> GRPCError:
    return InvalidArgument(message)


def _table_exists(db: sqlite3.Connection, name: str) -> bool:
    return (
        db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
        is not None
    )


def _month_start(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(start: datetime) -> datetime:
    return (start + timedelta(days=32)).replace(day=1)


#: The largest amount a charge may carry (dollars): its cents stay exact in a double and in SQLite.
MAX_AMOUNT = 1e13


def _cents(dollars: float) -> int:
    return int(round(dollars * 100))


def _checked_amount(name: str, dollars: float, *, zero_ok: bool = False) -> int:
    """``dollars`` as whole cents; INVALID_ARGUMENT naming ``name`` when not a sane amount."""
    low_ok = dollars >= 0 if zero_ok else dollars > 0
    if not math.isfinite(dollars) or not low_ok:
        kind = "zero or a positive amount" if zero_ok else "a positive amount"
        raise _invalid(f"{name} must be {kind}, not {dollars!r}")
    if dollars > MAX_AMOUNT:
        raise _invalid(f"{name} {dollars!r} is out of range (at most {MAX_AMOUNT:,.0f})")
    return _cents(dollars)


def _money(cents: int) -> str:
    return f"{'-' if cents < 0 else ''}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


@dataclass(frozen=True)
class Usage:
    """One organization's priced usage for the month starting at ``start``."""

    start: datetime
    end: datetime
    tier: str
    quantities: dict[UsageCostType, float]

    def cost(self, kind: UsageCostType) -> float:
        return self.quantities[kind] * PRICES[kind][1]

    @property
    def total_without_discount(self) -> float:
        return sum(self.cost(kind) for kind in PRICES)

    @property
    def discount(self) -> float:
        return self.total_without_discount * TIERS[self.tier]

    @property
    def total_with_discount(self) -> float:
        return self.total_without_discount - self.discount


def _tier(db: sqlite3.Connection, org_id: str) -> str:
    row = db.execute(
        "SELECT billing_tier FROM billing_accounts WHERE organization_id = ?", (org_id,)
    ).fetchone()
    return DEFAULT_TIER if row is None else str(row["billing_tier"])


def _scalar(db: sqlite3.Connection, sql: str, params: tuple[object, ...]) -> float:
    row = db.execute(sql, params).fetchone()
    return float(row[0] or 0) if row is not None else 0.0


def current_usage(db: sqlite3.Connection, org_id: str, now: datetime) -> Usage:
    """What ``org_id`` has used so far in the month of ``now``, from the stored state."""
    start = _month_start(now)
    end = _next_month(start) - timedelta(microseconds=1)
    machines = _scalar(
        db,
        "SELECT COUNT(*) FROM robots r JOIN locations l ON l.id = r.location_id WHERE l.organization_id = ?",
        (org_id,),
    )
    binary_bytes = tabular_bytes = trainings = 0.0
    if _table_exists(db, "data_binary"):
        binary_bytes = _scalar(
            db, "SELECT SUM(size_bytes) FROM data_binary WHERE organization_id = ?", (org_id,)
        )
    if _table_exists(db, "data_tabular"):
        tabular_bytes = _scalar(
            db, "SELECT SUM(size_bytes) FROM data_tabular WHERE organization_id = ?", (org_id,)
        )
    if _table_exists(db, "training_jobs"):
        trainings = _scalar(
            db,
            "SELECT COUNT(*) FROM training_jobs WHERE organization_id = ? AND status = ? AND training_ended >= ?",
            (org_id, int(TrainingStatus.TRAINING_STATUS_COMPLETED), iso(start)),
        )
    return Usage(
        start=start,
        end=end,
        tier=_tier(db, org_id),
        quantities={
            UsageCostType.USAGE_COST_TYPE_PER_MACHINE: machines,
            UsageCostType.USAGE_COST_TYPE_BINARY_DATA_CLOUD_STORAGE: binary_bytes / GB,
            UsageCostType.USAGE_COST_TYPE_TABULAR_DATA_CLOUD_STORAGE: tabular_bytes / GB,
            UsageCostType.USAGE_COST_TYPE_STANDARD_COMPUTE: trainings,
        },
    )


class BillingService(BillingServiceBase):
    """Billing over the emulator's store; see the module docstring for the rules."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx

    # -- the seed's calls ------------------------------------------------------------

    async def get_current_month_usage(
        self, request: GetCurrentMonthUsageRequest
    ) -> GetCurrentMonthUsageResponse:
        require_org(self.ctx, caller(self.ctx), request.org_id)
        with self.ctx.store.lock:
            usage = current_usage(self.ctx.store.db, request.org_id, self.ctx.now())
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
        with self.ctx.store.lock:
            tier = _tier(self.ctx.store.db, request.org_id)
        return GetOrgBillingInformationResponse(
            type=PaymentMethodType.PAYMENT_METHOD_TYPE_CARD,
            billing_email=f"billing+{request.org_id}@example.com",
            method=CARD,
            billing_tier=tier,
        )

    async def get_invoices_summary(self, request: GetInvoicesSummaryRequest) -> GetInvoicesSummaryResponse:
        require_org(self.ctx, caller(self.ctx), request.org_id)
        self._close_previous_month(request.org_id)
        rows = self.ctx.store.all(
            "SELECT * FROM billing_invoices WHERE organization_id = ? ORDER BY invoice_date DESC, seq DESC",
            (request.org_id,),
        )
        outstanding = sum(int(r["amount_cents"]) for r in rows if r["status"] == "outstanding")
        return GetInvoicesSummaryResponse(
            outstanding_balance=outstanding / 100,
            invoices=[
                InvoiceSummary(
                    id=str(r["id"]),
                    invoice_date=parse_iso(str(r["invoice_date"])),
                    invoice_amount=int(r["amount_cents"]) / 100,
                    status=str(r["status"]),
                    due_date=parse_iso(str(r["due_date"])),
                    paid_date=parse_iso(r["paid_date"]),
                )
                for r in rows
            ],
        )

    async def get_invoice_pdf(self, request: GetInvoicePdfRequest) -> AsyncIterator[GetInvoicePdfResponse]:
        ident = caller(self.ctx)
        if not request.id:
            raise _invalid("an invoice id is required")
        require_org(self.ctx, ident, request.org_id)
        self._close_previous_month(request.org_id)
        row = self.ctx.store.one("SELECT * FROM billing_invoices WHERE id = ?", (request.id,))
        if row is None:
            raise NotFound(f"invoice {request.id!r} not found")
        if row["organization_id"] != request.org_id:
            # Someone else's invoice: say so only to a caller who may see that organization.
            require_org(self.ctx, ident, str(row["organization_id"]))
            raise NotFound(f"invoice {request.id!r} not found in organization {request.org_id!r}")
        document = self._render(row)
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
        if request.billing_tier not in TIERS:
            raise _invalid(f"billing tier {request.billing_tier!r} is not one of {sorted(TIERS)}")
        with self.ctx.store.transaction() as db:
            db.execute(
                "INSERT INTO billing_accounts (organization_id, billing_tier) VALUES (?, ?) "
                "ON CONFLICT(organization_id) DO UPDATE SET billing_tier = excluded.billing_tier",
                (request.organization_id, request.billing_tier),
            )
        return UpdateOrganizationBillingTierResponse()

    async def charge_organization(self, request: ChargeOrganizationRequest) -> ChargeOrganizationResponse:
        org_id = request.org_id_to_charge
        ident = caller(self.ctx)
        require_org(self.ctx, ident, org_id, write=True)
        self._check_branding(ident, request.org_id_for_branding)
        subtotal = _checked_amount("subtotal", request.subtotal)
        tax = _checked_amount("tax", request.tax, zero_ok=True)
        description = request.description or "Charge"
        invoice_id = self._add_invoice(
            org_id,
            description=description,
            lines=[(description, subtotal)],
            subtotal=subtotal,
            discount=0,
            tax=tax,
            paid=False,
        )
        return ChargeOrganizationResponse(invoice_id=invoice_id)

    async def create_invoice_and_charge_immediately(
        self, request: CreateInvoiceAndChargeImmediatelyRequest
    ) -> CreateInvoiceAndChargeImmediatelyResponse:
        org_id = request.org_id_to_charge
        ident = caller(self.ctx)
        require_org(self.ctx, ident, org_id, write=True)
        self._check_branding(ident, request.org_id_for_branding)
        amount = _checked_amount("amount", request.amount)
        description = request.description or "Charge"
        invoice_id = self._add_invoice(
            org_id,
            description=description,
            lines=[(description, amount)],
            subtotal=amount,
            discount=0,
            tax=0,
            paid=True,
        )
        return CreateInvoiceAndChargeImmediatelyResponse(invoice_id=invoice_id)

    def _check_branding(self, ident: Identity, org_id: str | None) -> None:
        """An invoice may carry the branding only of an organization the caller can reach."""
        if org_id is None:
            return
        if not org_id:
            raise _invalid("org_id_for_branding must name an organization when it is set (got '')")
        require_org(self.ctx, ident, org_id)

    # -- invoices -------------------------------------------------------------------------

    def _add_invoice(
        self,
        org_id: str,
        *,
        description: str,
        lines: list[tuple[str, int]],
        subtotal: int,
        discount: int,
        tax: int,
        paid: bool,
        period: str = "",
        date: datetime | None = None,
        db: sqlite3.Connection | None = None,
    ) -> str:
        invoice_id = self.ctx.new_id()
        when = date or self.ctx.now()
        amount = subtotal - discount + tax
        settled = paid or amount <= 0
        values = (
            invoice_id,
            org_id,
            period,
            description,
            iso(when),
            iso(when + PAYMENT_TERMS),
            iso(when) if settled else None,
            "paid" if settled else "outstanding",
            json.dumps(lines),
            subtotal,
            discount,
            tax,
            amount,
        )
        sql = (
            "INSERT INTO billing_invoices (id, organization_id, period, description, invoice_date, due_date, "
            "paid_date, status, lines, subtotal_cents, discount_cents, tax_cents, amount_cents) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        if db is not None:
            db.execute(sql, values)
        else:
            with self.ctx.store.transaction() as conn:
                conn.execute(sql, values)
        return invoice_id

    def _close_previous_month(self, org_id: str) -> None:
        """Issue the invoice for last month if this organization has none yet (see module doc)."""
        now = self.ctx.now()
        this_month = _month_start(now)
        last_month = _month_start(this_month - timedelta(days=1))
        period = last_month.strftime("%Y-%m")
        with self.ctx.store.transaction() as db:
            found = db.execute(
                "SELECT 1 FROM billing_invoices WHERE organization_id = ? AND period = ?", (org_id, period)
            ).fetchone()
            if found is not None:
                return
            usage = current_usage(db, org_id, now)
            lines = [
                (
                    f"{LABELS[kind]}: {usage.quantities[kind]:,.6g} {PRICES[kind][0]} x {_money(_cents(PRICES[kind][1]))}",
                    _cents(usage.cost(kind)),
                )
                for kind in PRICES
            ]
            subtotal = sum(cents for _, cents in lines)
            discount = _cents(usage.total_without_discount * TIERS[usage.tier])
            self._add_invoice(
                org_id,
                description=f"Usage for {last_month.strftime('%B %Y')} ({usage.tier} tier)",
                lines=lines,
                subtotal=subtotal,
                discount=discount,
                tax=0,
                paid=False,
                period=period,
                date=this_month,
                db=db,
            )

    def _render(self, row: sqlite3.Row) -> bytes:
        org = self.ctx.store.one("SELECT name FROM organizations WHERE id = ?", (row["organization_id"],))
        org_name = "" if org is None else str(org["name"])
        invoice_date = parse_iso(str(row["invoice_date"]))
        due_date = parse_iso(str(row["due_date"]))
        paid_date = parse_iso(row["paid_date"])
        assert invoice_date is not None and due_date is not None

        lines = [
            Line("INVOICE", bold=True, size=20),
            Line(""),
            Line(f"Invoice ID: {row['id']}"),
            Line(f"Organization: {org_name} ({row['organization_id']})"),
            Line(f"Invoice date: {invoice_date:%Y-%m-%d}"),
            Line(f"Due date: {due_date:%Y-%m-%d}"),
            Line(f"Status: {row['status']}" + (f" (paid {paid_date:%Y-%m-%d})" if paid_date else "")),
            Line(""),
            Line(str(row["description"]), bold=True),
        ]
        for text, cents in json.loads(row["lines"]):
            lines.append(Line(f"    {text}: {_money(int(cents))}"))
        lines += [
            Line(""),
            Line(f"Subtotal: {_money(int(row['subtotal_cents']))}"),
            Line(f"Discount: {_money(-int(row['discount_cents']))}"),
            Line(f"Tax: {_money(int(row['tax_cents']))}"),
            Line(f"Total: {_money(int(row['amount_cents']))}", bold=True, size=13),
            Line(""),
            Line("Issued by the local Viam cloud emulator (viam_sdk.testing); not a real bill.", size=8),
        ]
        return render_pdf(lines, title=f"Invoice {row['id']}", created=invoice_date)


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [BillingService(ctx)]
