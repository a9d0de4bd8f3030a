"""``AppClient`` methods for fragments (reusable pieces of machine config)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from viam_api.app.v1 import (
    CreateFragmentRequest,
    DeleteFragmentRequest,
    GetFragmentHistoryRequest,
    GetFragmentRequest,
    ListFragmentsRequest,
    UpdateFragmentRequest,
)
from viam_api.app.v1 import Fragment as _FragmentPB

from viam_sdk.app._app._base import AppClientBase
from viam_sdk.app._app.types import (
    Fragment,
    FragmentHistoryEntry,
)
from viam_sdk.app._common import dict_to_struct


class Fragments(AppClientBase):
    """Fragments and their history."""

    async def list_fragments(
        self, org_id: str, show_public: bool = True, visibilities: list[Fragment.Visibility] | None = None, *, timeout: float | None = None
    ) -> list[Fragment]:
        """An organization's fragments (``show_public`` as the app interprets it).

        With ``visibilities``, only fragments of those visibilities come back
        (for example ``[Fragment.Visibility.PUBLIC]``); empty or None keeps them all.
        """
        kinds = [Fragment.Visibility(v).to_proto() for v in (visibilities or ())]
        response = await self._app_client.list_fragments(
            ListFragmentsRequest(organization_id=org_id, show_public=show_public, fragment_visibility=kinds)
        )
        return [Fragment.from_proto(fragment) for fragment in response.fragments]

    async def get_fragment(self, fragment_id: str, version: str | None = None, *, timeout: float | None = None) -> Fragment:
        """One fragment by ID; with ``version``, as it was at that revision."""
        response = await self._app_client.get_fragment(GetFragmentRequest(id=fragment_id, version=version or None))
        return Fragment.from_proto(response.fragment if response.fragment is not None else _FragmentPB())

    async def create_fragment(self, org_id: str, name: str, config: Mapping[str, Any] | None = None, *, timeout: float | None = None) -> Fragment:
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
        return Fragment.from_proto(response.fragment if response.fragment is not None else _FragmentPB())

    async def update_fragment(
        self,
        fragment_id: str,
        name: str,
        config: Mapping[str, Any] | None = None,
        public: bool | None = None,
        visibility: Fragment.Visibility | None = None,
        last_known_update: datetime | None = None,
        *,
        timeout: float | None = None,
    ) -> Fragment:
        """Rename a fragment; replace its config and/or visibility when given.

        ``visibility`` (private, public or public-unlisted) is the finer form of
        ``public``.  With ``last_known_update`` (the ``last_updated`` of the
        fragment you read), the update is refused when the fragment changed since.
        """
        response = await self._app_client.update_fragment(
            UpdateFragmentRequest(
                id=fragment_id,
                name=name,
                config=dict_to_struct(config) if config is not None else None,
                public=public,
                visibility=Fragment.Visibility(visibility).to_proto() if visibility is not None else None,
                last_known_update=last_known_update,
            )
        )
        return Fragment.from_proto(response.fragment if response.fragment is not None else _FragmentPB())

    async def delete_fragment(self, fragment_id: str, *, timeout: float | None = None) -> None:
        """Delete a fragment."""
        await self._app_client.delete_fragment(DeleteFragmentRequest(id=fragment_id))

    async def get_fragment_history(
        self, id: str, page_token: str | None = "", page_limit: int | None = 10, *, timeout: float | None = None
    ) -> list[FragmentHistoryEntry]:
        """One page of a fragment's earlier versions (newest first)."""
        response = await self._app_client.get_fragment_history(
            GetFragmentHistoryRequest(id=id, page_token=page_token, page_limit=page_limit)
        )
        return [FragmentHistoryEntry.from_proto(entry) for entry in response.history]
