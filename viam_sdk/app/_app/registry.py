"""``AppClient`` methods for registry items and modules."""

from __future__ import annotations

from collections.abc import AsyncIterator

from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import (
    CreateModuleRequest,
    CreateRegistryItemRequest,
    DeleteRegistryItemRequest,
    DeprecateRegistryItemRequest,
    DeprecateRegistryItemVersionRequest,
    GetModuleRequest,
    GetRegistryItemRequest,
    ListModulesRequest,
    ListRegistryItemsRequest,
    Model,
    Module,
    ModuleFileInfo,
    RegistryItem,
    RegistryItemStatus,
    RenameRegistryItemRequest,
    TransferRegistryItemRequest,
    UndeprecateRegistryItemRequest,
    UndeprecateRegistryItemVersionRequest,
    UpdateModuleRequest,
    UpdateRegistryItemRequest,
    UploadModuleFileRequest,
    Visibility,
)

from viam_sdk.app._app._base import AppClientBase
from viam_sdk.progress import ProgressCallback, Reporter
from viam_sdk.rpc._policy import DEFAULT, RetryOption

# Bytes per message when a module file is streamed to the app.
UPLOAD_CHUNK_SIZE = 64 * 1024


class Registry(AppClientBase):
    """Registry items and modules."""

    async def get_registry_item(
        self, item_id: str, include_markdown_documentation: bool = False, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> RegistryItem:
        """One registry item by ID (``namespace:name``), with its README when asked for.

        Args:
            item_id: the item's ID, ``"<public namespace>:<name>"``.
            include_markdown_documentation: True also fetches the item's README text.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``RegistryItem`` message (type, visibility, description, versions, ...).

        Raises:
            NotFound: no registry item has that ID.
            PermissionDenied: the item is private to an organization the caller does not reach.

        Examples:
            ```python
            fleet = viam_client.app_client
            item = await fleet.get_registry_item("acme:lidar-driver")
            ```
        """
        response = await self._app_client.get_registry_item(
            GetRegistryItemRequest(item_id=item_id, include_markdown_documentation=include_markdown_documentation)
        )
        return response.item if response.item is not None else RegistryItem()

    async def create_registry_item(
        self, organization_id: str, name: str, type: PackageType, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Create a registry item of the given package type.

        Args:
            organization_id: the organization that will own it (it needs a public namespace).
            name: the item's name within the namespace.
            type: its ``PackageType`` (module, ML model, training script, ...).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials are not an owner of the organization.
            AlreadyExists: the namespace already has an item with that name.
            InvalidArgument: no package type given.

        Examples:
            ```python
            from viam_sdk.proto.app.packages import PackageType

            fleet = viam_client.app_client
            await fleet.create_registry_item(org_id, "lidar-driver", PackageType.PACKAGE_TYPE_MODULE)
            ```
        """
        await self._app_client.create_registry_item(
            CreateRegistryItemRequest(organization_id=organization_id, name=name, type=type)
        )

    async def update_registry_item(
        self,
        item_id: str,
        type: PackageType,
        description: str,
        visibility: Visibility,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> None:
        """Change a registry item's type, description and visibility.

        Args:
            item_id: the item's ID.
            type: its ``PackageType``.
            description: the new description.
            visibility: the new ``Visibility`` (private, public, public-unlisted).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no registry item has that ID.
            PermissionDenied: the credentials are not an owner of the item's organization.
            InvalidArgument: the type does not match the item's.

        Examples:
            ```python
            from viam_sdk.proto.app import Visibility
            from viam_sdk.proto.app.packages import PackageType

            fleet = viam_client.app_client
            await fleet.update_registry_item(item_id, PackageType.PACKAGE_TYPE_MODULE, "Lidar driver",
                                             Visibility.VISIBILITY_PUBLIC)
            ```
        """
        await self._app_client.update_registry_item(
            UpdateRegistryItemRequest(item_id=item_id, type=type, description=description, visibility=visibility)
        )

    async def list_registry_items(
        self,
        organization_id: str,
        types: list[PackageType],
        visibilities: list[Visibility],
        platforms: list[str],
        statuses: list[RegistryItemStatus],
        search_term: str | None = None,
        page_token: str | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> list[RegistryItem]:
        """An organization's registry items matching every filter given (empty lists match all).

        The reply carries no next-page token, so one call returns what the server sends.

        Args:
            organization_id: the organization.
            types: keep only these ``PackageType`` values.
            visibilities: keep only these ``Visibility`` values.
            platforms: keep only items built for these platforms (``"linux/arm64"``, ...).
            statuses: keep only these ``RegistryItemStatus`` values (published, in development).
            search_term: keep only items whose name or description contains this text; None keeps all.
            page_token: passed on to the server as it is; None sends none.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``RegistryItem`` messages.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            from viam_sdk.proto.app.packages import PackageType

            fleet = viam_client.app_client
            items = await fleet.list_registry_items(org_id, [PackageType.PACKAGE_TYPE_MODULE], [], [], [])
            ```
        """
        response = await self._app_client.list_registry_items(
            ListRegistryItemsRequest(
                organization_id=organization_id,
                types=list(types),
                visibilities=list(visibilities),
                platforms=list(platforms),
                statuses=list(statuses),
                search_term=search_term,
                page_token=page_token,
            )
        )
        return list(response.items)

    async def delete_registry_item(self, item_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Delete a registry item.

        Args:
            item_id: the item's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no registry item has that ID.
            PermissionDenied: the credentials are not an owner of the item's organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.delete_registry_item("acme:lidar-driver")
            ```
        """
        await self._app_client.delete_registry_item(DeleteRegistryItemRequest(item_id=item_id))

    async def create_module(self, org_id: str, name: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> tuple[str, str]:
        """Create a module in an organization's namespace.

        Args:
            org_id: the organization (it needs a public namespace).
            name: the module's name.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A tuple ``(module_id, url)``: the module's ID and its registry page.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials are not an owner of the organization.
            AlreadyExists: the namespace already has an item with that name.

        Examples:
            ```python
            fleet = viam_client.app_client
            module_id, url = await fleet.create_module(org_id, "lidar-driver")
            ```
        """
        response = await self._app_client.create_module(CreateModuleRequest(organization_id=org_id, name=name))
        return response.module_id, response.url

    async def update_module(
        self,
        module_id: str,
        url: str,
        description: str,
        models: list[Model] | None,
        entrypoint: str,
        public: bool = False,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> str:
        """Set a module's docs URL, description, models, entrypoint and visibility.

        Args:
            module_id: the module's ID.
            url: the module's documentation or source URL.
            description: a short description.
            models: the ``Model`` entries (API and model triplets) the module provides; None sends none.
            entrypoint: the executable that starts the module.
            public: True makes it public; False private.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The module's URL.

        Raises:
            NotFound: no module has that ID.
            PermissionDenied: the credentials are not an owner of the module's organization.
            InvalidArgument: ``entrypoint`` is empty.

        Examples:
            ```python
            from viam_sdk.proto.app import Model

            fleet = viam_client.app_client
            model = Model(api="rdk:component:camera", model="acme:lidar:v2")
            url = await fleet.update_module(module_id, "https://github.com/acme/lidar", "Lidar driver",
                                            [model], "bin/lidar")
            ```
        """
        response = await self._app_client.update_module(
            UpdateModuleRequest(
                module_id=module_id,
                visibility=Visibility.VISIBILITY_PUBLIC if public else Visibility.VISIBILITY_PRIVATE,
                url=url,
                description=description,
                models=list(models or ()),
                entrypoint=entrypoint,
            )
        )
        return response.url

    async def upload_module_file(
        self,
        module_file_info: ModuleFileInfo | None,
        file: bytes,
        *,
        timeout: float | None = None,
        progress: ProgressCallback | None = None,
        retry: RetryOption = DEFAULT,
    ) -> str:
        """Upload a build of a module (streamed in 64 KiB pieces).

        Args:
            module_file_info: the version, platform and module the file is; None sends the bytes only.
            file: the archive's bytes.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.
            progress: told the **bytes** sent so far and the file's size (see ``viam_sdk.progress``).

        Returns:
            The uploaded file's URL.

        Raises:
            NotFound: no module has the ID in ``module_file_info``.
            PermissionDenied: the credentials are not an owner of the module's organization.
            AlreadyExists: that version is already uploaded for that platform.
            InvalidArgument: no ``module_file_info``, a version that is not semantic, or an empty file.

        Examples:
            ```python
            from pathlib import Path

            from viam_sdk.proto.app import ModuleFileInfo

            fleet = viam_client.app_client
            info = ModuleFileInfo(module_id=module_id, version="1.0.0", platform="linux/arm64")
            url = await fleet.upload_module_file(info, Path("module.tar.gz").read_bytes())
            ```
        """
        view = memoryview(file)
        reporter = Reporter(progress, len(view))

        async def messages() -> AsyncIterator[UploadModuleFileRequest]:
            if module_file_info is not None:
                yield UploadModuleFileRequest(module_file_info=module_file_info)
            for start in range(0, len(view), UPLOAD_CHUNK_SIZE):
                piece = bytes(view[start : start + UPLOAD_CHUNK_SIZE])
                yield UploadModuleFileRequest(file=piece)
                reporter.add(len(piece))  # the transport took it

        response = await self._app_client.upload_module_file(messages())
        reporter.finish()
        return response.url

    async def get_module(self, module_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> Module:
        """One module by ID.

        Args:
            module_id: the module's ID (``namespace:name``).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``Module`` message (visibility, models, versions, entrypoint, ...).

        Raises:
            NotFound: no module has that ID.
            PermissionDenied: the module is private to an organization the caller does not reach.

        Examples:
            ```python
            fleet = viam_client.app_client
            module = await fleet.get_module("acme:lidar-driver")
            ```
        """
        response = await self._app_client.get_module(GetModuleRequest(module_id=module_id))
        return response.module if response.module is not None else Module()

    async def list_modules(self, org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> list[Module]:
        """An organization's modules.

        Args:
            org_id: the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``Module`` messages.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            modules = await fleet.list_modules(org_id)
            ```
        """
        response = await self._app_client.list_modules(ListModulesRequest(organization_id=org_id))
        return list(response.modules)

    async def deprecate_registry_item(
        self, item_id: str, message: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Mark a registry item deprecated, with a note for its users.

        Args:
            item_id: the item's ID.
            message: the note shown to its users (what to use instead, ...).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no registry item has that ID.
            PermissionDenied: the credentials are not an owner of the item's organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.deprecate_registry_item(item_id, "use acme:lidar-v2")
            ```
        """
        await self._app_client.deprecate_registry_item(DeprecateRegistryItemRequest(item_id=item_id, message=message))

    async def undeprecate_registry_item(self, item_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Lift a registry item's deprecation.

        Args:
            item_id: the item's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no registry item has that ID.
            PermissionDenied: the credentials are not an owner of the item's organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.undeprecate_registry_item(item_id)
            ```
        """
        await self._app_client.undeprecate_registry_item(UndeprecateRegistryItemRequest(item_id=item_id))

    async def deprecate_registry_item_version(
        self, item_id: str, version: str, message: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Mark one version of a registry item deprecated, with a note for its users.

        Args:
            item_id: the item's ID.
            version: the version to deprecate (``"1.2.0"``).
            message: the note shown to its users.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no such item, or it has no such version.
            PermissionDenied: the credentials are not an owner of the item's organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.deprecate_registry_item_version(item_id, "1.2.0", "crashes on arm64; use 1.2.1")
            ```
        """
        await self._app_client.deprecate_registry_item_version(
            DeprecateRegistryItemVersionRequest(item_id=item_id, version=version, message=message)
        )

    async def undeprecate_registry_item_version(
        self, item_id: str, version: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Lift the deprecation of one version of a registry item.

        Args:
            item_id: the item's ID.
            version: the version whose deprecation is lifted.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no such item or version, or the version is not deprecated.
            PermissionDenied: the credentials are not an owner of the item's organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.undeprecate_registry_item_version(item_id, "1.2.0")
            ```
        """
        await self._app_client.undeprecate_registry_item_version(
            UndeprecateRegistryItemVersionRequest(item_id=item_id, version=version)
        )

    async def rename_registry_item(
        self, item_id: str, new_name: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> RegistryItem:
        """Rename a registry item; its ID (``namespace:name``) changes with it.

        Args:
            item_id: the item's current ID.
            new_name: its new name within the same namespace.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``RegistryItem`` under its new ID.

        Raises:
            NotFound: no item has that ID.
            PermissionDenied: the credentials may not change the item's organization.
            InvalidArgument: ``new_name`` is empty or not a valid item name.
            AlreadyExists: the namespace already has an item of that name.

        Examples:
            ```python
            fleet = viam_client.app_client
            item = await fleet.rename_registry_item("acme:old-name", "new-name")
            print(item.item_id)
            ```
        """
        response = await self._app_client.rename_registry_item(
            RenameRegistryItemRequest(item_id=item_id, new_name=new_name)
        )
        return response.item if response.item is not None else RegistryItem()

    async def transfer_registry_item(
        self, item_id: str, new_public_namespace: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Move a registry item to the organization that has ``new_public_namespace``.

        The caller must be able to change both organizations.

        Args:
            item_id: the item's ID.
            new_public_namespace: the public namespace of the organization receiving it.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no item has that ID, or no organization has that namespace.
            PermissionDenied: the credentials may not change one of the two organizations.
            InvalidArgument: ``new_public_namespace`` is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.transfer_registry_item("acme:camera-driver", "acme-labs")
            ```
        """
        await self._app_client.transfer_registry_item(
            TransferRegistryItemRequest(item_id=item_id, new_public_namespace=new_public_namespace)
        )
