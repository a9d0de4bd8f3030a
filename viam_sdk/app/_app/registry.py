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
    UndeprecateRegistryItemRequest,
    UndeprecateRegistryItemVersionRequest,
    UpdateModuleRequest,
    UpdateRegistryItemRequest,
    UploadModuleFileRequest,
    Visibility,
)

from viam_sdk.app._app._base import AppClientBase
from viam_sdk.progress import ProgressCallback, Reporter

# Bytes per message when a module file is streamed to the app.
UPLOAD_CHUNK_SIZE = 64 * 1024


class Registry(AppClientBase):
    """Registry items and modules."""

    async def get_registry_item(self, item_id: str, include_markdown_documentation: bool = False, *, timeout: float | None = None) -> RegistryItem:
        """One registry item by ID (``namespace:name``), with its README when asked for."""
        response = await self._app_client.get_registry_item(
            GetRegistryItemRequest(item_id=item_id, include_markdown_documentation=include_markdown_documentation)
        )
        return response.item if response.item is not None else RegistryItem()

    async def create_registry_item(self, organization_id: str, name: str, type: PackageType, *, timeout: float | None = None) -> None:
        """Create a registry item of the given package type."""
        await self._app_client.create_registry_item(
            CreateRegistryItemRequest(organization_id=organization_id, name=name, type=type)
        )

    async def update_registry_item(
        self, item_id: str, type: PackageType, description: str, visibility: Visibility, *, timeout: float | None = None
    ) -> None:
        """Change a registry item's type, description and visibility."""
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
    ) -> list[RegistryItem]:
        """An organization's registry items matching every filter given (empty lists match all)."""
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

    async def delete_registry_item(self, item_id: str, *, timeout: float | None = None) -> None:
        """Delete a registry item."""
        await self._app_client.delete_registry_item(DeleteRegistryItemRequest(item_id=item_id))

    async def create_module(self, org_id: str, name: str, *, timeout: float | None = None) -> tuple[str, str]:
        """Create a module; returns its ID and URL."""
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
    ) -> str:
        """Set a module's docs URL, description, models, entrypoint and visibility; returns its URL."""
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
    ) -> str:
        """Upload a build of a module (streamed in 64 KiB pieces); returns the file's URL.

        ``progress`` is told the **bytes** sent so far and the file's size (see
        :mod:`viam_sdk.progress`).
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

    async def get_module(self, module_id: str, *, timeout: float | None = None) -> Module:
        """One module by ID."""
        response = await self._app_client.get_module(GetModuleRequest(module_id=module_id))
        return response.module if response.module is not None else Module()

    async def list_modules(self, org_id: str, *, timeout: float | None = None) -> list[Module]:
        """An organization's modules."""
        response = await self._app_client.list_modules(ListModulesRequest(organization_id=org_id))
        return list(response.modules)

    async def deprecate_registry_item(self, item_id: str, message: str, *, timeout: float | None = None) -> None:
        """Mark a registry item deprecated, with a note for its users."""
        await self._app_client.deprecate_registry_item(DeprecateRegistryItemRequest(item_id=item_id, message=message))

    async def undeprecate_registry_item(self, item_id: str, *, timeout: float | None = None) -> None:
        """Lift a registry item's deprecation."""
        await self._app_client.undeprecate_registry_item(UndeprecateRegistryItemRequest(item_id=item_id))

    async def deprecate_registry_item_version(self, item_id: str, version: str, message: str, *, timeout: float | None = None) -> None:
        """Mark one version of a registry item deprecated, with a note for its users."""
        await self._app_client.deprecate_registry_item_version(
            DeprecateRegistryItemVersionRequest(item_id=item_id, version=version, message=message)
        )

    async def undeprecate_registry_item_version(self, item_id: str, version: str, *, timeout: float | None = None) -> None:
        """Lift the deprecation of one version of a registry item."""
        await self._app_client.undeprecate_registry_item_version(
            UndeprecateRegistryItemVersionRequest(item_id=item_id, version=version)
        )
