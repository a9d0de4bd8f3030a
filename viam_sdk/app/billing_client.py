"""Billing: what an organization is spending this month, how it pays, its invoices.

``BillingClient`` is normally reached through ``ViamClient.billing_client``,
which hands it the shared channel and the authorization metadata; both are
attached to the generated stub once, here, and never repeated per call.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from grpclib.client import Channel
from viam_api.app.v1 import (
    BillingServiceStub,
    GetCurrentMonthUsageRequest,
    GetCurrentMonthUsageResponse,
    GetInvoicePdfRequest,
    GetInvoicesSummaryRequest,
    GetInvoicesSummaryResponse,
    GetOrgBillingInformationRequest,
    GetOrgBillingInformationResponse,
)

from viam_sdk._files import atomic_open

__all__ = ["BillingClient"]


class BillingClient:
    """Read usage, billing details and invoices of an organization.

    Example::

        async with await ViamClient.create_from_dial_options(opts) as client:
            usage = await client.billing_client.get_current_month_usage(org_id)
            print(usage.subtotal)
    """

    def __init__(self, channel: Channel, metadata: Mapping[str, str]) -> None:
        """Wrap ``channel``; ``metadata`` (the auth header) rides on every call.

        Args:
            channel: an open grpclib channel to the Viam app (or the emulator).
            metadata: headers sent with each request, normally the bearer token.
        """
        self._channel = channel
        self._metadata = metadata  # kept as given: the owner may renew the token in place
        self._stub = BillingServiceStub(channel, metadata=self._metadata)

    def __repr__(self) -> str:
        # The metadata holds a bearer token: never show it.
        return f"{type(self).__name__}()"

    async def get_current_month_usage(
        self, org_id: str, timeout: float | None = None
    ) -> GetCurrentMonthUsageResponse:
        """Costs accrued by ``org_id`` since the start of the current month.

        Args:
            org_id: the organization to report on.
            timeout: seconds to wait for the answer (None: no limit).

        Returns:
            The month's start and end, the cost per resource type and the subtotal.

        Raises:
            GRPCError: PERMISSION_DENIED for an organization the caller can't
                reach, NOT_FOUND for an unknown one.

        Example::

            usage = await billing.get_current_month_usage(org_id)
            for source in usage.resource_usage_costs_by_source:
                print(source.tier_name, source.resource_usage_costs.total_with_discount)
        """
        return await self._stub.get_current_month_usage(
            GetCurrentMonthUsageRequest(org_id=org_id), timeout=timeout
        )

    async def get_invoice_pdf(
        self, invoice_id: str, org_id: str, dest: str, timeout: float | None = None
    ) -> None:
        """Download one invoice as a PDF into ``dest``.

        The server sends the document in chunks; they are written as they come
        to a temporary file beside ``dest``, which replaces ``dest`` only once
        the whole document has arrived.  If anything fails on the way, an
        earlier file at ``dest`` is left as it was.

        Args:
            invoice_id: the invoice, as listed by ``get_invoices_summary``.
            org_id: the organization the invoice belongs to.
            dest: path of the PDF file to write.
            timeout: seconds allowed for the whole download (None: no limit).

        Raises:
            FileNotFoundError: the folder of ``dest`` does not exist (checked
                before anything is requested).
            GRPCError: NOT_FOUND for an unknown invoice, PERMISSION_DENIED for
                another organization's.

        Example::

            summary = await billing.get_invoices_summary(org_id)
            await billing.get_invoice_pdf(summary.invoices[0].id, org_id, "invoice.pdf")
        """
        with atomic_open(os.fspath(dest), "wb") as handle:
            responses = self._stub.get_invoice_pdf(
                GetInvoicePdfRequest(id=invoice_id, org_id=org_id), timeout=timeout
            )
            async for response in responses:
                handle.write(response.chunk)

    async def get_invoices_summary(
        self, org_id: str, timeout: float | None = None
    ) -> GetInvoicesSummaryResponse:
        """The organization's unpaid balance and a summary line for each invoice.

        Args:
            org_id: the organization to report on.
            timeout: seconds to wait for the answer (None: no limit).

        Returns:
            ``outstanding_balance`` and ``invoices`` (id, date, amount, status, due date, ...).

        Raises:
            GRPCError: PERMISSION_DENIED or NOT_FOUND as for the other calls.

        Example::

            summary = await billing.get_invoices_summary(org_id)
            print(f"owed: {summary.outstanding_balance:.2f}")
        """
        return await self._stub.get_invoices_summary(
            GetInvoicesSummaryRequest(org_id=org_id), timeout=timeout
        )

    async def get_org_billing_information(
        self, org_id: str, timeout: float | None = None
    ) -> GetOrgBillingInformationResponse:
        """How the organization pays: payment method, billing e-mail and tier.

        Args:
            org_id: the organization to report on.
            timeout: seconds to wait for the answer (None: no limit).

        Returns:
            The payment method type and details, the billing e-mail and tier.

        Raises:
            GRPCError: PERMISSION_DENIED or NOT_FOUND as for the other calls.

        Example::

            info = await billing.get_org_billing_information(org_id)
            print(info.billing_tier, info.billing_email)
        """
        return await self._stub.get_org_billing_information(
            GetOrgBillingInformationRequest(org_id=org_id), timeout=timeout
        )
