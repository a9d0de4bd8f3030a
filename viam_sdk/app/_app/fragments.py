"""``AppClient`` methods for fragments (reusable pieces of machine config)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

from viam_api.app.v1 import (
    AdditionalFragment,
    CreateFragmentRequest,
    DeleteFragmentRequest,
    DeleteFragmentTagRequest,
    FragmentTag,
    FragmentUsage,
    GetFragmentHistoryRequest,
    GetFragmentRequest,
    GetFragmentUsageRequest,
    ListFragmentsRequest,
    ListMachineFragmentsRequest,
    ListMachineFragmentsResponse,
    ListNestedFragmentsRequest,
    ListNestedFragmentsResponse,
    SetFragmentTagRequest,
    UpdateFragmentRequest,
)
from viam_api.app.v1 import Fragment as _FragmentPB

from viam_sdk.app._app._base import AppClientBase
from viam_sdk.app._app.types import (
    Fragment,
    FragmentHistoryEntry,
)
from viam_sdk.app._convert import dict_to_struct
from viam_sdk.paging import PageCheckpoint, each
from viam_sdk.progress import ProgressCallback
from viam_sdk.rpc._policy import DEFAULT, RetryOption


class Fragments(AppClientBase):
    """Fragments and their history."""

    async def list_fragments(
        self,
        org_id: str,
        show_public: bool = True,
        visibilities: list[Fragment.Visibility] | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> list[Fragment]:
        """An organization's fragments.

        Args:
            org_id: the organization.
            show_public: True also lists public fragments of other organizations (as the app reads it).
            visibilities: keep only fragments of these visibilities (for example
                ``[Fragment.Visibility.PUBLIC]``); None or empty keeps them all.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``Fragment`` objects.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            fragments = await fleet.list_fragments(org_id, show_public=False)
            ```
        """
        kinds = [Fragment.Visibility(v).to_proto() for v in (visibilities or ())]
        response = await self._app_client.list_fragments(
            ListFragmentsRequest(organization_id=org_id, show_public=show_public, fragment_visibility=kinds)
        )
        return [Fragment.from_proto(fragment) for fragment in response.fragments]

    async def get_fragment(
        self, fragment_id: str, version: str | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> Fragment:
        """One fragment by ID.

        Args:
            fragment_id: the fragment.
            version: a revision number or tag to read it as it was then; None reads the current one.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``Fragment`` (name, config, organization, visibility, ...).

        Raises:
            NotFound: no fragment has that ID, or it has no such revision or tag.
            InvalidArgument: ``fragment_id`` is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            frag = await fleet.get_fragment(fragment_id)
            print(frag.name, frag.fragment)
            ```
        """
        response = await self._app_client.get_fragment(GetFragmentRequest(id=fragment_id, version=version or None))
        return Fragment.from_proto(response.fragment if response.fragment is not None else _FragmentPB())

    async def create_fragment(
        self, org_id: str, name: str, config: Mapping[str, Any] | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> Fragment:
        """Create a private fragment, optionally with a config.

        Args:
            org_id: the organization that will own it.
            name: the fragment's name.
            config: its config as a dict; None creates an empty one.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The new ``Fragment``.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials may not add fragments to the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            frag = await fleet.create_fragment(org_id, "camera-kit", {"components": [{"name": "cam"}]})
            ```
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
        retry: RetryOption = DEFAULT,
    ) -> Fragment:
        """Rename a fragment; replace its config and/or visibility when given.

        Args:
            fragment_id: the fragment.
            name: its (new) name.
            config: the new config as a dict; None keeps the current config.
            public: True or False to make it public or private; None keeps it.
            visibility: private, public or public-unlisted (the finer form of ``public``); None keeps it.
            last_known_update: the ``last_updated`` of the fragment you read; when given, the update is
                refused if the fragment changed since.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The updated ``Fragment``.

        Raises:
            NotFound: no fragment has that ID.
            PermissionDenied: the credentials may not change the fragment.
            Aborted: the fragment changed since ``last_known_update``.

        Examples:
            ```python
            fleet = viam_client.app_client
            frag = await fleet.update_fragment(fragment_id, "camera-kit", config={"components": []})
            ```
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

    async def delete_fragment(self, fragment_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Delete a fragment no machine uses.

        Args:
            fragment_id: the fragment to delete.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no fragment has that ID.
            PermissionDenied: the credentials may not change the fragment.
            FailedPrecondition: machine parts still use the fragment in their configs.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.delete_fragment(fragment_id)
            ```
        """
        await self._app_client.delete_fragment(DeleteFragmentRequest(id=fragment_id))

    async def get_fragment_history(
        self,
        id: str,
        page_token: str | None = "",
        page_limit: int | None = 10,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> list[FragmentHistoryEntry]:
        """One page of a fragment's earlier versions (newest first).

        Args:
            id: the fragment.
            page_token: the token of the page to read; ``""`` or None reads the first page.
            page_limit: at most this many entries (10 unless given); None uses the server's default.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``FragmentHistoryEntry`` (when, who edited, the fragment as it was). Use
            ``iter_fragment_history`` to walk every page.

        Raises:
            NotFound: no fragment has that ID.
            InvalidArgument: ``page_limit`` is negative, or ``page_token`` is not one the server issued.

        Examples:
            ```python
            fleet = viam_client.app_client
            history = await fleet.get_fragment_history(fragment_id, page_limit=5)
            ```
        """
        response = await self._app_client.get_fragment_history(
            GetFragmentHistoryRequest(id=id, page_token=page_token, page_limit=page_limit)
        )
        return [FragmentHistoryEntry.from_proto(entry) for entry in response.history]

    async def iter_fragment_history(
        self,
        id: str,
        page_size: int | None = None,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        checkpoint: PageCheckpoint | None = None,
        retry: RetryOption = DEFAULT,
    ) -> AsyncIterator[FragmentHistoryEntry]:
        """Every earlier version of a fragment, newest first, across all pages.

        Args:
            id: the fragment.
            page_size: entries asked for per request; None uses the server's default.
            max_items: stop after this many entries; None walks every page.
            progress: told the number of versions handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.
            checkpoint: a ``viam_sdk.paging.PageCheckpoint`` kept up to date with the page and offset of
                each item handed out; pass a saved one to resume the pull where it was.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            An async iterator of ``FragmentHistoryEntry`` objects.

        Raises:
            ValueError: ``page_size`` is not positive or ``max_items`` is negative.
            NotFound: no fragment has that ID.

        Examples:
            ```python
            fleet = viam_client.app_client
            versions = [v async for v in fleet.iter_fragment_history(fragment_id)]
            ```
        """
        async for entry in self._paged(
            self._app_client.get_fragment_history,
            GetFragmentHistoryRequest(id=id),
            each(FragmentHistoryEntry.from_proto),
            page_size=page_size,
            max_items=max_items,
            progress=progress,
            timeout=timeout,
            checkpoint=checkpoint,
        ):
            yield entry

    async def set_fragment_tag(
        self, fragment_id: str, tag: str, revision: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[FragmentTag]:
        """Point a tag of a fragment (``"stable"``, ``"beta"``...) at one of its revisions.

        A machine config can then name the fragment by tag and follow it as the tag moves.

        Args:
            fragment_id: the fragment.
            tag: the tag's name; a tag that exists is moved.
            revision: the revision the tag points at.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            Every tag of the fragment now, as ``FragmentTag`` (tag, revision).

        Raises:
            NotFound: no fragment has that ID, or it has no such revision.
            PermissionDenied: the credentials may not change the fragment.
            InvalidArgument: ``tag`` is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            tags = await fleet.set_fragment_tag(fragment_id, "stable", revision="3")
            print([(t.tag, t.revision) for t in tags])
            ```
        """
        response = await self._app_client.set_fragment_tag(
            SetFragmentTagRequest(fragment_id=fragment_id, tag=tag, revision=revision)
        )
        return list(response.tags)

    async def delete_fragment_tag(
        self, fragment_id: str, tag: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[FragmentTag]:
        """Remove a tag from a fragment.

        Args:
            fragment_id: the fragment.
            tag: the tag to remove.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The tags the fragment has left, as ``FragmentTag`` (tag, revision).

        Raises:
            NotFound: no fragment has that ID, or it has no such tag.
            PermissionDenied: the credentials may not change the fragment.

        Examples:
            ```python
            fleet = viam_client.app_client
            remaining = await fleet.delete_fragment_tag(fragment_id, "beta")
            ```
        """
        response = await self._app_client.delete_fragment_tag(
            DeleteFragmentTagRequest(fragment_id=fragment_id, tag=tag)
        )
        return list(response.tags)

    async def get_fragment_usage(
        self, fragment_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[FragmentUsage]:
        """How widely a fragment is used: organizations and machines whose configs include it.

        Args:
            fragment_id: the fragment.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``FragmentUsage``, one per version counted (organizations, machines,
            machines in the caller's organization).

        Raises:
            NotFound: no fragment has that ID.
            PermissionDenied: the fragment is private to an organization the credentials do not reach.

        Examples:
            ```python
            fleet = viam_client.app_client
            for usage in await fleet.get_fragment_usage(fragment_id):
                print(usage.version, usage.machines)
            ```
        """
        response = await self._app_client.get_fragment_usage(GetFragmentUsageRequest(fragment_id=fragment_id))
        return list(response.version_usages)

    async def list_nested_fragments(
        self,
        fragment_id: str | None = None,
        additional_fragments: list[AdditionalFragment] | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> ListNestedFragmentsResponse:
        """The fragments a fragment includes, directly or through others, each resolved.

        Args:
            fragment_id: the fragment whose config is followed; None follows only ``additional_fragments``.
            additional_fragments: more fragments (ID and optional version or tag) to follow as well.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``ListNestedFragmentsResponse``: the fragments reached and, per fragment, its resolved
            config or the error that kept it from resolving (a cycle, a missing fragment).

        Raises:
            NotFound: no fragment has ``fragment_id``.
            PermissionDenied: the fragment is private to an organization the credentials do not reach.

        Examples:
            ```python
            fleet = viam_client.app_client
            nested = await fleet.list_nested_fragments(fragment_id)
            print([f.name for f in nested.fragments])
            ```
        """
        response = await self._app_client.list_nested_fragments(
            ListNestedFragmentsRequest(
                fragment_id=fragment_id, additional_fragments=list(additional_fragments or ())
            )
        )
        return response

    async def list_machine_fragments(
        self,
        machine_id: str,
        additional_fragment_ids: list[str] | None = None,
        additional_fragments: list[AdditionalFragment] | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> ListMachineFragmentsResponse:
        """The fragments a machine's parts use, nested ones included, each resolved.

        Args:
            machine_id: the machine.
            additional_fragment_ids: more fragments to include, by ID (current version).
            additional_fragments: more fragments to include, by ID and version or tag.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``ListMachineFragmentsResponse``: the fragments and their resolved configs (or errors).

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials do not reach the machine.

        Examples:
            ```python
            fleet = viam_client.app_client
            used = await fleet.list_machine_fragments(machine_id)
            for fragment in used.fragments:
                print(fragment.id, fragment.name)
            ```
        """
        response = await self._app_client.list_machine_fragments(
            ListMachineFragmentsRequest(
                machine_id=machine_id,
                additional_fragment_ids=list(additional_fragment_ids or ()),
                additional_fragments=list(additional_fragments or ()),
            )
        )
        return response
