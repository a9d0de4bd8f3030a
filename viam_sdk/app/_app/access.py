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
    RotateKeyRequest,
)

from viam_sdk.app._app._base import AppClientBase
from viam_sdk.app._app.types import APIKeyAuthorization

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
    ) -> None:
        """Grant ``identity_id`` a role on an organization, location or machine.

        Raises:
            ValueError: ``role`` or ``resource_type`` is not one of the allowed words
                (checked before anything is sent).

        Example::

            await fleet.add_role(org_id, user_id, "operator", "location", lab.id)
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
    ) -> None:
        """Take a role away (same arguments and checks as ``add_role``)."""
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
    ) -> None:
        """Replace one role grant with another in a single call.

        Raises:
            ValueError: a role or resource type is not one of the allowed words.
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

    async def list_authorizations(self, org_id: str, resource_ids: list[str] | None = None, *, timeout: float | None = None) -> list[Authorization]:
        """The role grants of an organization, or only those on ``resource_ids``."""
        response = await self._app_client.list_authorizations(
            ListAuthorizationsRequest(organization_id=org_id, resource_ids=list(resource_ids or ()))
        )
        return list(response.authorizations)

    async def check_permissions(self, permissions: list[AuthorizedPermissions], *, timeout: float | None = None) -> list[AuthorizedPermissions]:
        """The subset of ``permissions`` the caller actually holds."""
        response = await self._app_client.check_permissions(CheckPermissionsRequest(permissions=list(permissions)))
        return list(response.authorized_permissions)

    # -- API keys --

    async def create_key(
        self, org_id: str, authorizations: list[APIKeyAuthorization], name: str | None = None, *, timeout: float | None = None
    ) -> tuple[str, str]:
        """Create an API key; returns the key and its ID.  ``name`` defaults to the current time.

        Raises:
            ValueError: an authorization's role or resource type is not allowed.

        Example::

            key, key_id = await fleet.create_key(
                org_id, [APIKeyAuthorization(role="operator", resource_type="location", resource_id=lab.id)])

        The reference's example leaves the organization out,
        ``create_key([auth], "my_key")``: that form works too, for the one
        organization the credentials belong to.
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

    async def delete_key(self, id: str, *, timeout: float | None = None) -> None:
        """Delete an API key."""
        await self._app_client.delete_key(DeleteKeyRequest(id=id))

    async def create_key_from_existing_key_authorizations(self, id: str, *, timeout: float | None = None) -> tuple[str, str]:
        """Create a key with the same authorizations as key ``id``; returns the key and its ID."""
        response = await self._app_client.create_key_from_existing_key_authorizations(
            CreateKeyFromExistingKeyAuthorizationsRequest(id=id)
        )
        return response.key, response.id

    async def list_keys(self, org_id: str = "", *, timeout: float | None = None) -> list[APIKeyWithAuthorizations]:
        """An organization's API keys with what each may do.

        Without ``org_id``, the one organization the credentials belong to (the
        reference's example calls ``list_keys()``).
        """
        org_id = await self._org(org_id, "list_keys")
        response = await self._app_client.list_keys(ListKeysRequest(org_id=org_id))
        return list(response.api_keys)

    async def rotate_key(self, id: str, *, timeout: float | None = None) -> tuple[str, str]:
        """Replace a key's secret; returns the new key and its ID."""
        response = await self._app_client.rotate_key(RotateKeyRequest(id=id))
        return response.key, response.id
