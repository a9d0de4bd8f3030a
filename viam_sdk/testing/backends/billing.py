"""Billing state and rules: tiers, priced usage, invoices (tables ``billing_accounts``, ``billing_invoices``).

The price list, the tiers' discounts and how a month is closed into an
invoice are described in ``services/billing.py``, whose handlers call
:class:`BillingBackend`.  Amounts are stored in whole cents.  Usage is counted
from the other areas' tables (machines, binary and tabular bytes, completed
training jobs), each only when its area is loaded.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from viam_api.app.v1 import UsageCostType

from ..context import EmulatorContext, iso, parse_iso
from ..errors import InvalidArgument, NotFound
from ..store import Store
from ._sql import table_exists, typed
from .captures import stored_bytes
from .machines import machine_count
from .orgs import organization_name
from .training import completed_since

__all__ = [
    "DEFAULT_TIER",
    "LABELS",
    "MAX_AMOUNT",
    "PRICES",
    "SCHEMA",
    "TIERS",
    "BillingBackend",
    "Invoice",
    "Usage",
    "current_usage",
    "money",
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
PAYMENT_TERMS = timedelta(days=30)
#: The largest amount a charge may carry (dollars): its cents stay exact in a double and in SQLite.
MAX_AMOUNT = 1e13


def _month_start(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(start: datetime) -> datetime:
    return (start + timedelta(days=32)).replace(day=1)


def _cents(dollars: float) -> int:
    return int(round(dollars * 100))


def checked_amount(name: str, dollars: float, *, zero_ok: bool = False) -> int:
    """``dollars`` as whole cents; INVALID_ARGUMENT naming ``name`` when not a sane amount."""
    low_ok = dollars >= 0 if zero_ok else dollars > 0
    if not math.isfinite(dollars) or not low_ok:
        kind = "zero or a positive amount" if zero_ok else "a positive amount"
        raise InvalidArgument(f"{name} must be {kind}, not {dollars!r}")
    if dollars > MAX_AMOUNT:
        raise InvalidArgument(f"{name} {dollars!r} is out of range (at most {MAX_AMOUNT:,.0f})")
    return _cents(dollars)


def money(cents: int) -> str:
    """Whole cents as dollars for people: ``-$1,234.05``."""
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


@dataclass(frozen=True)
class Invoice:
    """One stored invoice; amounts in whole cents, ``lines`` as (text, cents) pairs."""

    id: str
    organization_id: str
    period: str
    description: str
    invoice_date: datetime | None
    due_date: datetime | None
    paid_date: datetime | None
    status: str
    lines: tuple[tuple[str, int], ...]
    subtotal_cents: int
    discount_cents: int
    tax_cents: int
    amount_cents: int

    @property
    def outstanding(self) -> bool:
        return self.status == "outstanding"


def _invoice(row: sqlite3.Row) -> Invoice:
    return typed(
        Invoice,
        row,
        invoice_date=parse_iso(row["invoice_date"]),
        due_date=parse_iso(row["due_date"]),
        paid_date=parse_iso(row["paid_date"]),
        lines=tuple((str(text), int(cents)) for text, cents in json.loads(row["lines"])),
    )


def tier_of(store: Store, org_id: str) -> str:
    """The organization's billing tier (``free`` until one is chosen)."""
    row = store.one("SELECT billing_tier FROM billing_accounts WHERE organization_id = ?", (org_id,))
    return DEFAULT_TIER if row is None else str(row["billing_tier"])


def current_usage(store: Store, org_id: str, now: datetime) -> Usage:
    """What ``org_id`` has used so far in the month of ``now``, from the stored state."""
    start = _month_start(now)
    end = _next_month(start) - timedelta(microseconds=1)
    machines = float(machine_count(store, org_id))
    binary_bytes = tabular_bytes = trainings = 0.0
    if table_exists(store, "data_binary"):
        binary_bytes, tabular_bytes = stored_bytes(store, org_id)
    if table_exists(store, "training_jobs"):
        trainings = float(completed_since(store, org_id, iso(start)))
    return Usage(
        start=start,
        end=end,
        tier=tier_of(store, org_id),
        quantities={
            UsageCostType.USAGE_COST_TYPE_PER_MACHINE: machines,
            UsageCostType.USAGE_COST_TYPE_BINARY_DATA_CLOUD_STORAGE: binary_bytes / GB,
            UsageCostType.USAGE_COST_TYPE_TABULAR_DATA_CLOUD_STORAGE: tabular_bytes / GB,
            UsageCostType.USAGE_COST_TYPE_STANDARD_COMPUTE: trainings,
        },
    )


class BillingBackend:
    """Tiers, usage and invoices of every organization, over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    # -- tiers and usage -------------------------------------------------------------

    def tier(self, org_id: str) -> str:
        return tier_of(self.store, org_id)

    def set_tier(self, org_id: str, tier: str) -> None:
        """Put the organization on ``tier``; INVALID_ARGUMENT for a tier that is not offered."""
        if tier not in TIERS:
            raise InvalidArgument(f"billing tier {tier!r} is not one of {sorted(TIERS)}")
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO billing_accounts (organization_id, billing_tier) VALUES (?, ?) "
                "ON CONFLICT(organization_id) DO UPDATE SET billing_tier = excluded.billing_tier",
                (org_id, tier),
            )

    def usage(self, org_id: str) -> Usage:
        with self.store.lock:
            return current_usage(self.store, org_id, self.ctx.now())

    def organization_name(self, org_id: str) -> str:
        return organization_name(self.store, org_id)

    # -- invoices --------------------------------------------------------------------

    def invoices(self, org_id: str) -> list[Invoice]:
        """The organization's invoices, newest first (last month's is issued first if it is due)."""
        self.close_previous_month(org_id)
        rows = self.store.all(
            "SELECT * FROM billing_invoices WHERE organization_id = ? ORDER BY invoice_date DESC, seq DESC",
            (org_id,),
        )
        return [_invoice(r) for r in rows]

    def invoice(self, org_id: str, invoice_id: str) -> Invoice:
        """The invoice ``invoice_id`` (of any organization); NOT_FOUND when there is none.

        Last month's invoice of ``org_id`` is issued first if it is due.
        """
        self.close_previous_month(org_id)
        row = self.store.one("SELECT * FROM billing_invoices WHERE id = ?", (invoice_id,))
        if row is None:
            raise NotFound(f"invoice {invoice_id!r} not found")
        return _invoice(row)

    def charge(
        self, org_id: str, *, description: str, amount: float, tax: float | None = None, paid: bool
    ) -> str:
        """Add a one-line invoice for ``amount`` dollars (plus ``tax``) and return its id.

        ``tax=None`` means none is charged; amounts that are not sane answer
        INVALID_ARGUMENT (``subtotal``/``tax`` for a charge with tax, ``amount``
        otherwise).
        """
        if tax is None:
            cents, tax_cents = checked_amount("amount", amount), 0
        else:
            cents = checked_amount("subtotal", amount)
            tax_cents = checked_amount("tax", tax, zero_ok=True)
        return self.add_invoice(
            org_id,
            description=description,
            lines=[(description, cents)],
            subtotal=cents,
            discount=0,
            tax=tax_cents,
            paid=paid,
        )

    def add_invoice(
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
    ) -> str:
        """Store an invoice (cents) and return its id; one that comes to 0.00 or less is paid."""
        invoice_id = self.ctx.new_id()
        when = date or self.ctx.now()
        amount = subtotal - discount + tax
        settled = paid or amount <= 0
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO billing_invoices (id, organization_id, period, description, invoice_date, due_date, "
                "paid_date, status, lines, subtotal_cents, discount_cents, tax_cents, amount_cents) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
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
                ),
            )
        return invoice_id

    def close_previous_month(self, org_id: str) -> None:
        """Issue the invoice for last month if this organization has none yet (see services/billing.py)."""
        now = self.ctx.now()
        this_month = _month_start(now)
        last_month = _month_start(this_month - timedelta(days=1))
        period = last_month.strftime("%Y-%m")
        with self.store.transaction() as db:
            found = db.execute(
                "SELECT 1 FROM billing_invoices WHERE organization_id = ? AND period = ?", (org_id, period)
            ).fetchone()
            if found is not None:
                return
            usage = current_usage(self.store, org_id, now)
            lines = [
                (
                    f"{LABELS[kind]}: {usage.quantities[kind]:,.6g} {PRICES[kind][0]} x {money(_cents(PRICES[kind][1]))}",
                    _cents(usage.cost(kind)),
                )
                for kind in PRICES
            ]
            subtotal = sum(cents for _, cents in lines)
            discount = _cents(usage.total_without_discount * TIERS[usage.tier])
            self.add_invoice(
                org_id,
                description=f"Usage for {last_month.strftime('%B %Y')} ({usage.tier} tier)",
                lines=lines,
                subtotal=subtotal,
                discount=discount,
                tax=0,
                paid=False,
                period=period,
                date=this_month,
            )
