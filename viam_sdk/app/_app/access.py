"""``AppClient`` methods for who may do what: roles, permissions and API keys."""

from __future__ import annotations

import time
from typing import Literal

from viam_api.app.v1 import AddRoleRequest as _AddRoleRequest
from viam_api.app.v1 import (
    APIKeyWithAuthorizations,
    Authorization,
    AuthorizedPermissions,
    ChangeRoleRequest,
    CheckPermissionsRequest,
    CreateKeyFromExistingKeyAuthorizationsRequest,
    CreateKeyRequest,
    DeleteKeyRequest,
    ListAuthorizationsRequest,
    ListKeysRequest,
    RemoveRoleRequest,
    RenameKeyRequest,
    RotateKeyRequest,
)

from viam_sdk.app._app._base import AppClientBase
from viam_sdk.app._app.types import APIKeyAuthorization
from viam_sdk.rpc._policy import DEFAULT, RetryOption

_ROLES: tuple[str, ...] = ("owner", "operator")
_RESOURCE_TYPES: tuple[str, ...] = ("organization", "location", "robot")


def _check_literal(argument: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        choices = ", ".join(repr(item) for item in allowed)
        raise ValueError(f"{argument} must be one of {choices}, not {value!r}")


def _role_authorization(
    *,
    organization_id: str,
    identity_id: str,
    identity_type: str,
    role: str,
    resource_type: str,
    resource_id: str,
    prefix: str = "",
) -> Authorization:
    """A role grant as the app expects it; ValueError for a role or resource type outside the literals."""
    _check_literal(f"{prefix}role", role, _ROLES)
    _check_literal(f"{prefix}resource_type", resource_type, _RESOURCE_TYPES)
    return Authorization(
        authorization_type="role",
        authorization_id=f"{resource_type}_{role}",
        resource_type=resource_type,
        resource_id=resource_id,
        identity_id=identity_id,
        organization_id=organization_id,
        identity_type=identity_type,
    )


class Access(AppClientBase):
    """Role grants, permission checks and API keys."""

    async def add_role(
        self,
        org_id: str,
        identity_id: str,
        role: Literal["owner", "operator"],
        resource_type: Literal["organization", "location", "robot"],
        resource_id: str,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> None:
        """Grant ``identity_id`` a role on an organization, location or machine.

        Args:
            org_id: the organization the grant belongs to.
            identity_id: the user or API key that receives the role.
            role: ``"owner"`` (may change the resource) or ``"operator"`` (may use it).
            resource_type: what the role is on: ``"organization"``, ``"location"`` or ``"robot"``.
            resource_id: the ID of that organization, location or machine.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            ValueError: ``role`` or ``resource_type`` is not one of the allowed words
                (checked before anything is sent).
            NotFound: the organization does not exist, or the identity is neither a user nor a key.
            PermissionDenied: the credentials are not an owner of the organization.
            AlreadyExists: the identity already holds that role on the resource.

        Examples:
            ```python
            fleet = viam_client.app_client
            lab = (await fleet.list_locations(org_id))[0]
            await fleet.add_role(org_id, user_id, "operator", "location", lab.id)
            ```
        """
        authorization = _role_authorization(
            organization_id=org_id,
            identity_id=identity_id,
            identity_type="",
            role=role,
            resource_type=resource_type,
            resource_id=resource_id,
        )
        await self._app_client.add_role(_AddRoleRequest(authorization=authorization))

    async def remove_role(
        self,
        org_id: str,
        identity_id: str,
        role: Literal["owner", "operator"],
        resource_type: Literal["organization", "location", "robot"],
        resource_id: str,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> None:
        """Take a role away (same arguments and checks as ``add_role``).

        Args:
            org_id: the organization the grant belongs to.
            identity_id: the user or API key that holds the role.
            role: ``"owner"`` (may change the resource) or ``"operator"`` (may use it).
            resource_type: what the role is on: ``"organization"``, ``"location"`` or ``"robot"``.
            resource_id: the ID of that organization, location or machine.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            ValueError: ``role`` or ``resource_type`` is not one of the allowed words.
            NotFound: the identity does not hold that role on the resource.
            PermissionDenied: the credentials are not an owner of the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            lab = (await fleet.list_locations(org_id))[0]
            await fleet.remove_role(org_id, user_id, "operator", "location", lab.id)
            ```
        """
        authorization = _role_authorization(
            organization_id=org_id,
            identity_id=identity_id,
            identity_type="",
            role=role,
            resource_type=resource_type,
            resource_id=resource_id,
        )
        await self._app_client.remove_role(RemoveRoleRequest(authorization=authorization))

    async def change_role(
        self,
        organization_id: str,
        old_identity_id: str,
        old_role: Literal["owner", "operator"],
        old_resource_type: Literal["organization", "location", "robot"],
        old_resource_id: str,
        new_identity_id: str,
        new_role: Literal["owner", "operator"],
        new_resource_type: Literal["organization", "location", "robot"],
        new_resource_id: str,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> None:
        """Replace one role grant with another in a single call.

        Args:
            organization_id: the organization both grants belong to.
            old_identity_id: the user or key holding the grant to replace.
            old_role: that grant's role, ``"owner"`` or ``"operator"``.
            old_resource_type: that grant's resource type (organization, location or robot).
            old_resource_id: that grant's resource ID.
            new_identity_id: the user or key that receives the new grant.
            new_role: the new grant's role.
            new_resource_type: the new grant's resource type.
            new_resource_id: the new grant's resource ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            ValueError: a role or resource type is not one of the allowed words.
            NotFound: the old grant does not exist.
            PermissionDenied: the credentials are not an owner of the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            lab = (await fleet.list_locations(org_id))[0]
            await fleet.change_role(org_id, user_id, "operator", "location", lab.id,
                                    user_id, "owner", "location", lab.id)
            ```
        """
        old = _role_authorization(
            organization_id=organization_id,
            identity_id=old_identity_id,
            identity_type="",
            role=old_role,
            resource_type=old_resource_type,
            resource_id=old_resource_id,
            prefix="old_",
        )
        new = _role_authorization(
            organization_id=organization_id,
            identity_id=new_identity_id,
            identity_type="",
            role=new_role,
            resource_type=new_resource_type,
            resource_id=new_resource_id,
            prefix="new_",
        )
        await self._app_client.change_role(ChangeRoleRequest(old_authorization=old, new_authorization=new))

    async def list_authorizations(
        self, org_id: str, resource_ids: list[str] | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[Authorization]:
        """The role grants of an organization, or only those on ``resource_ids``.

        Args:
            org_id: the organization.
            resource_ids: keep only grants on these resources; None or empty lists them all.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``Authorization`` messages (identity, role, resource type and ID).

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            lab = (await fleet.list_locations(org_id))[0]
            grants = await fleet.list_authorizations(org_id, resource_ids=[lab.id])
            ```
        """
        response = await self._app_client.list_authorizations(
            ListAuthorizationsRequest(organization_id=org_id, resource_ids=list(resource_ids or ()))
        )
        return list(response.authorizations)

    async def check_permissions(
        self, permissions: list[AuthorizedPermissions], *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[AuthorizedPermissions]:
        """The subset of ``permissions`` the caller actually holds.

        Args:
            permissions: ``AuthorizedPermissions`` to test, each a resource type, resource ID and
                the permission names wanted on it.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``AuthorizedPermissions`` the caller holds (resources it cannot reach are left out).

        Raises:
            InvalidArgument: ``permissions`` is empty or names an unknown resource type.

        Examples:
            ```python
            from viam_sdk.proto.app import AuthorizedPermissions

            fleet = viam_client.app_client
            lab = (await fleet.list_locations(org_id))[0]
            wanted = AuthorizedPermissions(resource_type="location", resource_id=lab.id, permissions=["read"])
            held = await fleet.check_permissions([wanted])
            ```
        """
        response = await self._app_client.check_permissions(CheckPermissionsRequest(permissions=list(permissions)))
        return list(response.authorized_permissions)

    # -- API keys --

    async def create_key(
        self,
        org_id: str,
        authorizations: list[APIKeyAuthorization],
        name: str | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> tuple[str, str]:
        """Create an API key with the given role grants.

        The reference's form leaves the organization out, ``create_key([auth], "my_key")``:
        that works too, for the one organization the credentials belong to.

        Args:
            org_id: the organization the key belongs to.
            authorizations: what the key may do, one ``APIKeyAuthorization`` per role grant.
            name: the key's name; None names it after the current local time.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A tuple ``(key, key_id)``: the secret key and its ID.

        Raises:
            ValueError: an authorization's role or resource type is not allowed.
            TypeError: the reference's form ``create_key(authorizations, name)`` got a third argument.
            PermissionDenied: the credentials are not an owner of the organization.
            InvalidArgument: ``authorizations`` is empty.

        Examples:
            ```python
            from viam_sdk.app.app_client import APIKeyAuthorization

            fleet = viam_client.app_client
            lab = (await fleet.list_locations(org_id))[0]
            key, key_id = await fleet.create_key(
                org_id, [APIKeyAuthorization(role="operator", resource_type="location", resource_id=lab.id)])
            ```
        """
        if isinstance(org_id, (list, tuple)):  # create_key(authorizations, name)
            if name is not None:
                raise TypeError("create_key(authorizations, name) takes no third argument")
            name = authorizations if isinstance(authorizations, str) else None
            authorizations, org_id = list(org_id), await self._org("", "create_key")
        grants = [
            _role_authorization(
                organization_id=org_id,
                identity_id="",
                identity_type="api-key",
                role=item.role,
                resource_type=item.resource_type,
                resource_id=item.resource_id,
            )
            for item in authorizations
        ]
        key_name = name if name is not None else time.strftime("%Y-%m-%dT%H:%M:%S")
        response = await self._app_client.create_key(CreateKeyRequest(authorizations=grants, name=key_name))
        return response.key, response.id

    async def delete_key(self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Delete an API key (calls made with it stop working).

        Args:
            id: the key's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no key has that ID.
            PermissionDenied: the credentials are not an owner of the key's organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.delete_key(key_id)
            ```
        """
        await self._app_client.delete_key(DeleteKeyRequest(id=id))

    async def create_key_from_existing_key_authorizations(
        self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> tuple[str, str]:
        """Create a key with the same role grants as key ``id``.

        Args:
            id: the ID of the key whose grants are copied.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A tuple ``(key, key_id)`` for the new key.

        Raises:
            NotFound: no key has that ID.
            PermissionDenied: the credentials are not an owner of the key's organization.
            FailedPrecondition: the key has no grants to copy.

        Examples:
            ```python
            fleet = viam_client.app_client
            key, key_id = await fleet.create_key_from_existing_key_authorizations(old_key_id)
            ```
        """
        response = await self._app_client.create_key_from_existing_key_authorizations(
            CreateKeyFromExistingKeyAuthorizationsRequest(id=id)
        )
        return response.key, response.id

    async def list_keys(
        self, org_id: str = "", *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[APIKeyWithAuthorizations]:
        """An organization's API keys with what each may do.

        Args:
            org_id: the organization; ``""`` means the one organization the credentials belong to.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``APIKeyWithAuthorizations`` (the key's ID, name and its role grants).

        Raises:
            ValueError: no ``org_id`` and the credentials reach none or several organizations.
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            keys = await fleet.list_keys(org_id)
            print([k.api_key.name for k in keys])
            ```
        """
        org_id = await self._org(org_id, "list_keys")
        response = await self._app_client.list_keys(ListKeysRequest(org_id=org_id))
        return list(response.api_keys)

    async def rotate_key(self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> tuple[str, str]:
        """Replace a key's secret (the old secret stops working).

        Args:
            id: the key's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A tuple ``(key, key_id)`` with the new secret.

        Raises:
            NotFound: no key has that ID.
            PermissionDenied: the credentials are not an owner of the key's organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            new_key, new_id = await fleet.rotate_key(key_id)
            ```
        """
        response = await self._app_client.rotate_key(RotateKeyRequest(id=id))
        return response.key, response.id

    async def rename_key(self, id: str, name: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> tuple[str, str]:
        """Give an API key a new name (the key itself does not change).

        Args:
            id: the key's ID.
            name: its new name.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            ``(id, name)`` of the key as it is now.

        Raises:
            NotFound: no key has that ID.
            PermissionDenied: the credentials may not manage the key's organization.
            InvalidArgument: ``name`` is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            key_id, name = await fleet.rename_key(key_id, "ci-deployer")
            ```
        """
        response = await self._app_client.rename_key(RenameKeyRequest(id=id, name=name))
        return response.id, response.name
