"""Who pays for a location, and the payment requests a billing organization sends its customers
(tables ``location_billing``, ``payment_requests``).

The handlers are in ``services/billing.py``.  Rules kept here:

* a location is paid for by the organization owning it unless another was set;
  only an organization that owns the location or has it shared with it may pay
  for it (FAILED_PRECONDITION otherwise);
* an organization is a *customer* of another when that other pays for one of
  its locations (and bills it for it);
* a payment request (``SendPaymentRequiredEmail``) goes from an organization
  whose billing service is on (the ``org_settings`` of the app area) to one of
  its customers with at least one member; nothing is mailed, the request is
  recorded with its recipients (``requests_to``) so a test can look.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..context import EmulatorContext
from ..errors import FailedPrecondition, NotFound
from ._sql import table_exists

__all__ = ["SCHEMA", "PayersBackend", "PaymentRequest"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS location_billing (
    location_id TEXT PRIMARY KEY,
    billing_organization_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS payment_requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_org_id TEXT NOT NULL,
    billing_owner_org_id TEXT NOT NULL,
    recipients TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class PaymentRequest:
    """One recorded payment request: who asked whom, and which addresses it went to."""

    customer_org_id: str
    billing_owner_org_id: str
    recipients: tuple[str, ...]
    sent_at: str


class PayersBackend:
    """Location payers and payment requests over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def payer(self, location_id: str, owner_org_id: str) -> str:
        """The organization paying for the location (its owner unless another, still there, was set)."""
        row = self.store.one(
            "SELECT b.billing_organization_id FROM location_billing b "
            "JOIN organizations o ON o.id = b.billing_organization_id WHERE b.location_id = ?",
            (location_id,),
        )
        return str(row["billing_organization_id"]) if row is not None else owner_org_id

    def set_payer(self, location_id: str, owner_org_id: str, payer_org_id: str) -> None:
        """Make ``payer_org_id`` pay for the location; it must own the location or have it shared."""
        if payer_org_id != owner_org_id and (
            self.store.one(
                "SELECT 1 FROM location_shares WHERE location_id = ? AND organization_id = ?",
                (location_id, payer_org_id),
            )
            is None
        ):
            raise FailedPrecondition(
                f"organization {payer_org_id!r} neither owns location {location_id!r} nor has it shared with it: "
                "share the location first (share_location)"
            )
        with self.store.transaction() as db:
            if payer_org_id == owner_org_id:
                db.execute("DELETE FROM location_billing WHERE location_id = ?", (location_id,))
            else:
                db.execute(
                    "INSERT INTO location_billing(location_id, billing_organization_id) VALUES (?, ?) "
                    "ON CONFLICT(location_id) DO UPDATE SET billing_organization_id = excluded.billing_organization_id",
                    (location_id, payer_org_id),
                )

    def request_payment(self, customer_org_id: str, billing_owner_org_id: str) -> PaymentRequest:
        """Record a payment request to the customer's members (see the module docstring for the rules)."""
        if self.store.one("SELECT 1 FROM organizations WHERE id = ?", (customer_org_id,)) is None:
            raise NotFound(f"organization {customer_org_id!r} not found")
        enabled = table_exists(self.store, "org_settings") and self.store.one(
            "SELECT 1 FROM org_settings WHERE organization_id = ? AND billing_enabled = 1", (billing_owner_org_id,)
        )
        if not enabled:
            raise FailedPrecondition(
                f"organization {billing_owner_org_id!r} has no billing service enabled (enable_billing_service)"
            )
        customer = self.store.one(
            "SELECT 1 FROM locations l JOIN location_billing b ON b.location_id = l.id "
            "WHERE l.organization_id = ? AND b.billing_organization_id = ?",
            (customer_org_id, billing_owner_org_id),
        )
        if customer is None:
            raise FailedPrecondition(
                f"organization {customer_org_id!r} is not a customer of {billing_owner_org_id!r}: "
                "none of its locations is billed to it"
            )
        recipients: tuple[str, ...] = ()
        if table_exists(self.store, "org_members"):
            rows = self.store.all(
                "SELECT u.email FROM org_members m JOIN users u ON u.id = m.user_id "
                "WHERE m.organization_id = ? ORDER BY u.email",
                (customer_org_id,),
            )
            recipients = tuple(str(r["email"]) for r in rows)
        if not recipients:
            raise FailedPrecondition(f"organization {customer_org_id!r} has no member to write to")
        sent = PaymentRequest(customer_org_id, billing_owner_org_id, recipients, self.ctx.now_iso())
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO payment_requests(customer_org_id, billing_owner_org_id, recipients, sent_at)"
                " VALUES (?,?,?,?)",
                (customer_org_id, billing_owner_org_id, json.dumps(list(recipients)), sent.sent_at),
            )
        return sent

    def requests_to(self, customer_org_id: str) -> list[PaymentRequest]:
        """The payment requests sent to an organization, oldest first."""
        rows = self.store.all(
            "SELECT * FROM payment_requests WHERE customer_org_id = ? ORDER BY seq", (customer_org_id,)
        )
        return [
            PaymentRequest(
                str(r["customer_org_id"]),
                str(r["billing_owner_org_id"]),
                tuple(json.loads(r["recipients"])),
                str(r["sent_at"]),
            )
            for r in rows
        ]
