"""``AppClient`` methods for fragments (reusable pieces of machine config)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from viam_api.app.v1 import (
    CreateFragmentRequest,
    DeleteFragmentRequest,
    GetFragmentHistoryRequest,
    GetFragmentRequest,
    ListFragmentsRequest,
    UpdateFragmentRequest,
)

from viam_sdk.app._app._base import AppClientBase
from viam_sdk.app._app.types import (
    Fragment,
    FragmentHistoryEntry,
)
from viam_sdk.app._common import dict_to_struct


class Fragments(AppClientBase):
    """Fragments and their history."""

    async def list_fragments(self, org_id: str, show_public: bool = True) -> list[Fragment]:
        """An organization's fragments (``show_public`` as the app interprets it)."""
        response = await self._app_client.list_fragments(
            ListFragmentsRequest(organization_id=org_id, show_public=show_public)
        )
        return [Fragment.from_proto(fragment) for fragment in response.fragments]

    async def get_fragment(self, fragment_id: str) -> Fragment:
        """One fragment by ID."""
        response = await self._app_client.get_fragment(GetFragmentRequest(id=fragment_id))
        assert response.fragment is not None
        return Fragment.from_proto(response.fragment)

    async def create_fragment(self, org_id: str, name: str, config: Mapping[str, Any] | None = None) -> Fragment:
        """Create a private fragment, optionally with a config.

        Example::

            frag = await fleet.create_fragment(org_id, "camera-kit", {"components": [{"name": "cam"}]})
        """
        response = await self._app_client.create_fragment(
            CreateFragmentRequest(
                name=name,
                config=dict_to_struct(config) if config is not None else None,
                organization_id=org_id,
            )
        )
        assert response.fragment is not None
        return Fragment.from_proto(response.fragment)

    async def update_fragment(
        self,
        fragment_id: str,
        name: str,
        config: Mapping[str, Any] | None = None,
        public: bool | None = None,
    ) -> Fragment:
        """Rename a fragment; replace its config and/or visibility when given."""
        response = await self._app_client.update_fragment(
            UpdateFragmentRequest(
                id=fragment_id,
                name=name,
                config=dict_to_struct(config) if config is not None else None,
                public=public,
            )
        )
        assert response.fragment is not None
        return Fragment.from_proto(response.fragment)

    async def delete_fragment(self, fragment_id: str) -> None:
        """Delete a fragment."""
        await self._app_client.delete_fragment(DeleteFragmentRequest(id=fragment_id))

    async def get_fragment_history(
        self, id: str, page_token: str | None = "", page_limit: int | None = 10
    ) -> list[FragmentHistoryEntry]:
        """One page of a fragment's earlier versions (newest first)."""
        response = await self._app_client.get_fragment_history(
            GetFragmentHistoryRequest(id=id, page_token=page_token, page_limit=page_limit)
        )
        return [FragmentHistoryEntry.from_proto(entry) for entry in response.history]
