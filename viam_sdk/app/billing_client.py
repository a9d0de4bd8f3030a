"""Billing: what an organization is spending this month, how it pays, its invoices, charges.

``BillingClient`` is normally reached through ``ViamClient.billing_client``,
which hands it the shared channel and the authorization metadata; both are
attached to the generated stub once, here, and never repeated per call.
"""

from __future__ import annotations

import os

from viam_api.app.v1 import (
    BillingServiceStub,
    ChargeOrganizationRequest,
    ChargeOrganizationResponse,
    CreateInvoiceAndChargeImmediatelyRequest,
    CreateInvoiceAndChargeImmediatelyResponse,
    GetAvailableBillingTiersRequest,
    GetCurrentMonthUsageRequest,
    GetCurrentMonthUsageResponse,
    GetInvoicePdfRequest,
    GetInvoicesSummaryRequest,
    GetInvoicesSummaryResponse,
    GetLocationBillingOrganizationRequest,
    GetOrgBillingInformationRequest,
    GetOrgBillingInformationResponse,
    SendPaymentRequiredEmailRequest,
    UpdateLocationBillingOrganizationRequest,
    UpdateOrganizationBillingTierRequest,
)

from viam_sdk._files import atomic_open
from viam_sdk.app._client import ClientBase, ServiceStub
from viam_sdk.app._timeouts import with_call_timeouts
from viam_sdk.progress import ProgressCallback, Reporter
from viam_sdk.rpc._policy import DEFAULT, RetryOption

__all__ = ["BillingClient"]


@with_call_timeouts
class BillingClient(ClientBase):
    """Read usage, billing details and invoices of an organization.

    Examples:
        ```python
        async with await ViamClient.create_from_dial_options(opts) as client:
            usage = await client.billing_client.get_current_month_usage(org_id)
            print(usage.subtotal)
        ```
    """

    _stub = ServiceStub(BillingServiceStub)

    async def get_current_month_usage(
        self, org_id: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT
    ) -> GetCurrentMonthUsageResponse:
        """Costs accrued by ``org_id`` since the start of the current month.

        Args:
            org_id: the organization to report on.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``GetCurrentMonthUsageResponse``: the month's start and end, the cost per resource
            type and source, and the subtotal.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            billing = viam_client.billing_client
            usage = await billing.get_current_month_usage(org_id)
            for source in usage.resource_usage_costs_by_source:
                print(source.tier_name, source.resource_usage_costs.total_with_discount)
            ```
        """
        return await self._stub.get_current_month_usage(
            GetCurrentMonthUsageRequest(org_id=org_id), timeout=timeout
        )

    async def get_invoice_pdf(
        self,
        invoice_id: str,
        org_id: str,
        dest: str,
        timeout: float | None = None,
        *,
        progress: ProgressCallback | None = None,
        retry: RetryOption = DEFAULT,
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
            timeout: seconds allowed for the whole download; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.
            progress: told the **bytes** written so far (the total, unknown until
                the end, is then the file's size).

        Raises:
            FileNotFoundError: the folder of ``dest`` does not exist (checked
                before anything is requested).
            NotFound: an unknown invoice.
            PermissionDenied: the invoice belongs to an organization the caller cannot reach.

        Examples:
            ```python
            billing = viam_client.billing_client
            summary = await billing.get_invoices_summary(org_id)
            await billing.get_invoice_pdf(summary.invoices[0].id, org_id, "invoice.pdf")
            ```
        """
        with atomic_open(os.fspath(dest), "wb") as handle:
            responses = self._stub.get_invoice_pdf(
                GetInvoicePdfRequest(id=invoice_id, org_id=org_id), timeout=timeout
            )
            reporter = Reporter(progress)
            async for response in responses:
                handle.write(response.chunk)
                reporter.add(len(response.chunk))
        reporter.finish()

    async def get_invoices_summary(
        self, org_id: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT
    ) -> GetInvoicesSummaryResponse:
        """The organization's unpaid balance and a summary line for each invoice.

        Args:
            org_id: the organization to report on.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``GetInvoicesSummaryResponse``: ``outstanding_balance`` and ``invoices``
            (id, date, amount, status, due date, ...).

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            billing = viam_client.billing_client
            summary = await billing.get_invoices_summary(org_id)
            print(f"owed: {summary.outstanding_balance:.2f}")
            ```
        """
        return await self._stub.get_invoices_summary(
            GetInvoicesSummaryRequest(org_id=org_id), timeout=timeout
        )

    async def get_org_billing_information(
        self, org_id: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT
    ) -> GetOrgBillingInformationResponse:
        """How the organization pays: payment method, billing e-mail and tier.

        Args:
            org_id: the organization to report on.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``GetOrgBillingInformationResponse``: the payment method type and details, the
            billing e-mail and the tier.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            billing = viam_client.billing_client
            info = await billing.get_org_billing_information(org_id)
            print(info.billing_tier, info.billing_email)
            ```
        """
        return await self._stub.get_org_billing_information(
            GetOrgBillingInformationRequest(org_id=org_id), timeout=timeout
        )

    async def charge_organization(
        self,
        org_id_to_charge: str,
        subtotal: float,
        tax: float,
        description: str | None = None,
        org_id_for_branding: str | None = None,
        disable_confirmation_email: bool = False,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> ChargeOrganizationResponse:
        """Bill an organization a one-off amount: a new invoice for ``subtotal`` plus ``tax``.

        This is an operator's call (Viam staff or a reseller billing its
        customers): the caller needs owner rights on ``org_id_to_charge``.

        Args:
            org_id_to_charge: the organization that pays.
            subtotal: the amount before tax, in US dollars; must be positive.
            tax: the tax on top of it, in US dollars; zero or positive.
            description: the text on the invoice (None: a generic one).
            org_id_for_branding: the organization whose branding the invoice
                and its e-mail carry (None: Viam's).
            disable_confirmation_email: True to send no confirmation e-mail.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``ChargeOrganizationResponse``, whose ``invoice_id`` names the invoice just issued.

        Raises:
            InvalidArgument: ``subtotal`` is not a positive finite number or ``tax`` is negative
                or not finite (the message names the value).
            PermissionDenied: the caller cannot manage the organization.
            NotFound: no organization has that ID.

        Examples:
            ```python
            billing = viam_client.billing_client
            charged = await billing.charge_organization(org_id, 120.0, 9.6, description="Support, June")
            print(charged.invoice_id)
            ```
        """
        request = ChargeOrganizationRequest(
            org_id_to_charge=org_id_to_charge,
            subtotal=float(subtotal),
            tax=float(tax),
            description=description,
            org_id_for_branding=org_id_for_branding,
            disable_confirmation_email=disable_confirmation_email,
        )
        return await self._stub.charge_organization(request)

    async def create_invoice_and_charge_immediately(
        self,
        org_id_to_charge: str,
        amount: float,
        description: str | None = None,
        org_id_for_branding: str | None = None,
        disable_email: bool = False,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> CreateInvoiceAndChargeImmediatelyResponse:
        """Issue an invoice for ``amount`` and take the payment at once.

        Unlike ``charge_organization`` the invoice is settled as it is made.
        Viam's own SDK at 0.85.1 no longer sends this call (it points to
        ``charge_organization``); this SDK still does, since the service and
        its emulator keep answering it.

        Args:
            org_id_to_charge: the organization that pays.
            amount: the total, in US dollars; must be positive.
            description: the text on the invoice (None: a generic one).
            org_id_for_branding: the organization whose branding the invoice carries (None: Viam's).
            disable_email: True to send no e-mail about the charge.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``CreateInvoiceAndChargeImmediatelyResponse``, whose ``invoice_id`` names the paid invoice.

        Raises:
            InvalidArgument: ``amount`` is not a positive finite number (the message names it).
            PermissionDenied: the caller cannot manage the organization.
            NotFound: no organization has that ID.

        Examples:
            ```python
            billing = viam_client.billing_client
            paid = await billing.create_invoice_and_charge_immediately(org_id, 49.0, "Onboarding")
            ```
        """
        request = CreateInvoiceAndChargeImmediatelyRequest(
            org_id_to_charge=org_id_to_charge,
            amount=float(amount),
            description=description,
            org_id_for_branding=org_id_for_branding,
            disable_email=disable_email,
        )
        return await self._stub.create_invoice_and_charge_immediately(request)

    async def get_available_billing_tiers(self, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> list[str]:
        """The names of the billing tiers an organization can be put on.

        Args:
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of tier names.

        Raises:
            Unauthenticated: the credentials are missing or expired.

        Examples:
            ```python
            billing = viam_client.billing_client
            print(await billing.get_available_billing_tiers())
            ```
        """
        response = await self._stub.get_available_billing_tiers(GetAvailableBillingTiersRequest())
        return list(response.tiers)

    async def update_organization_billing_tier(
        self, org_id: str, billing_tier: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Put an organization on another billing tier.

        Args:
            org_id: the organization.
            billing_tier: one of ``get_available_billing_tiers()``.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials may not change the organization.
            InvalidArgument: ``billing_tier`` is not a known tier.

        Examples:
            ```python
            billing = viam_client.billing_client
            tiers = await billing.get_available_billing_tiers()
            await billing.update_organization_billing_tier(org_id, tiers[0])
            ```
        """
        await self._stub.update_organization_billing_tier(
            UpdateOrganizationBillingTierRequest(organization_id=org_id, billing_tier=billing_tier)
        )

    async def get_location_billing_organization(
        self, location_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> str:
        """The organization that pays for a location's usage.

        Unless changed with ``update_location_billing_organization``, that is the
        organization owning the location.

        Args:
            location_id: the location.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The paying organization's ID.

        Raises:
            NotFound: no location has that ID.
            PermissionDenied: the credentials do not reach the location.

        Examples:
            ```python
            billing = viam_client.billing_client
            payer = await billing.get_location_billing_organization(location_id)
            ```
        """
        response = await self._stub.get_location_billing_organization(
            GetLocationBillingOrganizationRequest(location_id=location_id)
        )
        return response.billing_organization_id

    async def update_location_billing_organization(
        self, location_id: str, billing_org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Make another organization pay for a location's usage.

        The paying organization must own the location or have it shared with it,
        and the credentials must be able to change both the location and that organization.

        Args:
            location_id: the location.
            billing_org_id: the organization that pays from now on.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no location or no organization has that ID.
            PermissionDenied: the credentials may not change the location or the organization.
            FailedPrecondition: the organization neither owns the location nor has it shared with it.

        Examples:
            ```python
            billing = viam_client.billing_client
            await billing.update_location_billing_organization(location_id, org_id)
            ```
        """
        await self._stub.update_location_billing_organization(
            UpdateLocationBillingOrganizationRequest(
                location_id=location_id, billing_organization_id=billing_org_id
            )
        )

    async def send_payment_required_email(
        self, customer_org_id: str, billing_owner_org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Ask a customer organization to add a payment method, on behalf of the organization billing it.

        Args:
            customer_org_id: the organization that should pay.
            billing_owner_org_id: the organization that runs the billing service and sends the request.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no organization has one of the IDs.
            PermissionDenied: the credentials may not act for ``billing_owner_org_id``.
            FailedPrecondition: ``billing_owner_org_id`` has no billing service enabled, or the customer
                organization has no member to write to.

        Examples:
            ```python
            billing = viam_client.billing_client
            await billing.send_payment_required_email(customer_org_id, org_id)
            ```
        """
        await self._stub.send_payment_required_email(
            SendPaymentRequiredEmailRequest(
                customer_org_id=customer_org_id, billing_owner_org_id=billing_owner_org_id
            )
        )
