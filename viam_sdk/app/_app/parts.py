"""``AppClient`` methods for machine parts: their configs, history, secrets and metadata."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

from viam_api.app.v1 import (
    ConfigPropertyChange,
    ConfigPropertyChangeResult,
    CreateRobotPartSecretRequest,
    DeleteRobotPartRequest,
    DeleteRobotPartSecretRequest,
    GetRobotPartByNameAndLocationRequest,
    GetRobotPartHistoryRequest,
    GetRobotPartMetadataRequest,
    GetRobotPartRequest,
    GetRobotPartsRequest,
    MarkPartAsMainRequest,
    MarkPartForRestartRequest,
    NewRobotPartRequest,
    SetConfigPropertyRequest,
    UpdateRobotPartMetadataRequest,
    UpdateRobotPartRequest,
)
from viam_api.app.v1 import RobotPart as _RobotPartPB

from viam_sdk._files import atomic_open
from viam_sdk.app._app._base import AppClientBase
from viam_sdk.app._app.types import (
    RobotPart,
    RobotPartHistoryEntry,
)
from viam_sdk.app._convert import dict_to_struct, python_to_value, struct_to_dict
from viam_sdk.paging import PageCheckpoint, each
from viam_sdk.progress import ProgressCallback
from viam_sdk.rpc._policy import DEFAULT, RetryOption


class Parts(AppClientBase):
    """Machine parts: configs, history, secrets, metadata and config properties."""

    async def get_robot_parts(self, robot_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> list[RobotPart]:
        """Every part of a machine, the main part first.

        Args:
            robot_id: the machine's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``RobotPart`` objects (secrets shown only to callers allowed to see them).

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials do not reach the machine.

        Examples:
            ```python
            fleet = viam_client.app_client
            parts = await fleet.get_robot_parts(robot_id)
            main = next(p for p in parts if p.main_part)
            ```
        """
        response = await self._app_client.get_robot_parts(GetRobotPartsRequest(robot_id=robot_id))
        return [RobotPart.from_proto(part) for part in response.parts]

    async def get_robot_part(
        self, robot_part_id: str, dest: str | None = None, indent: int = 4, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> RobotPart:
        """One machine part; with ``dest``, its config is also saved there as JSON.

        The file is written atomically (a temporary file beside it, then a
        rename), so an earlier file at ``dest`` survives any failure whole.

        Args:
            robot_part_id: the part's ID.
            dest: a file path to write the part's config to as JSON; None writes nothing.
            indent: the JSON indentation (spaces) used for ``dest``.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``RobotPart`` (name, machine, config, secrets, FQDNs, ...).

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials do not reach the part.
            FileNotFoundError: ``dest``'s folder does not exist (nothing is written).

        Examples:
            ```python
            fleet = viam_client.app_client
            part = await fleet.get_robot_part(part_id, dest="part.json")
            ```
        """
        response = await self._app_client.get_robot_part(GetRobotPartRequest(id=robot_part_id))
        part = RobotPart.from_proto(response.part if response.part is not None else _RobotPartPB())
        if dest is not None:
            config: Any = json.loads(response.config_json) if response.config_json else (part.robot_config or {})
            with atomic_open(dest, "w") as out:
                json.dump(config, out, indent=indent)
                out.write("\n")
        return part

    async def get_robot_part_history(
        self,
        robot_part_id: str,
        start: datetime | None = None,
        end: datetime | None = None,
        page_limit: int | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> list[RobotPartHistoryEntry]:
        """Earlier states of a part, one entry per change, newest first.

        Args:
            robot_part_id: the part.
            start: keep only changes made at or after this time; None sets no lower bound.
            end: keep only changes made before this time; None sets no upper bound.
            page_limit: at most this many entries; None uses the server's default page size.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``RobotPartHistoryEntry`` (when, who edited, and the part as it was before).

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials do not reach the part.
            InvalidArgument: ``page_limit`` is negative.

        Examples:
            ```python
            fleet = viam_client.app_client
            history = await fleet.get_robot_part_history(part_id, page_limit=5)
            print([entry.when for entry in history])
            ```
        """
        response = await self._app_client.get_robot_part_history(
            GetRobotPartHistoryRequest(id=robot_part_id, start=start, end=end, page_limit=page_limit)
        )
        return [RobotPartHistoryEntry.from_proto(entry) for entry in response.history]

    async def iter_robot_part_history(
        self,
        robot_part_id: str,
        start: datetime | None = None,
        end: datetime | None = None,
        page_size: int | None = None,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        checkpoint: PageCheckpoint | None = None,
        retry: RetryOption = DEFAULT,
    ) -> AsyncIterator[RobotPartHistoryEntry]:
        """Every earlier state of a part, newest first, across all pages.

        Args:
            robot_part_id: the part.
            start: keep only changes made at or after this time; None sets no lower bound.
            end: keep only changes made before this time; None sets no upper bound.
            page_size: entries asked for per request; None uses the server's default.
            max_items: stop after this many entries; None walks every page.
            progress: told the number of history entries handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.
            checkpoint: a ``viam_sdk.paging.PageCheckpoint`` kept up to date with the page and offset of
                each item handed out; pass a saved one to resume the pull where it was.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            An async iterator of ``RobotPartHistoryEntry`` objects.

        Raises:
            ValueError: ``page_size`` is not positive or ``max_items`` is negative.
            NotFound: no part has that ID.
            PermissionDenied: the credentials do not reach the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            async for change in fleet.iter_robot_part_history(part_id):
                print(change.when, change.edited_by)
            ```
        """
        request = GetRobotPartHistoryRequest(id=robot_part_id, start=start, end=end)
        async for entry in self._paged(
            self._app_client.get_robot_part_history,
            request,
            each(RobotPartHistoryEntry.from_proto),
            page_size=page_size,
            max_items=max_items,
            progress=progress,
            timeout=timeout,
            checkpoint=checkpoint,
        ):
            yield entry

    async def update_robot_part(
        self,
        robot_part_id: str,
        name: str = "",
        robot_config: Mapping[str, Any] | None = None,
        last_known_update: datetime | None = None,
        robot_config_json: str | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> RobotPart:
        """Rename a part and, when ``robot_config`` is given, replace its config.

        Args:
            robot_part_id: the part.
            name: the new name; ``""`` keeps the current one (the SDK reads it first).
            robot_config: the new config as a dict; None keeps the current config.
            last_known_update: the ``last_updated`` of the part you read; when given, the update is
                refused if the part changed since then, so a concurrent edit is not overwritten.
            robot_config_json: the new config as JSON text instead (it wins over ``robot_config``).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The updated ``RobotPart``.

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials may not change the part (owner role needed).
            AlreadyExists: the machine already has another part with that name.
            Aborted: the part changed since ``last_known_update``.
            InvalidArgument: ``robot_config_json`` is not a JSON object.

        Examples:
            ```python
            fleet = viam_client.app_client
            part = await fleet.update_robot_part(part_id, "main", robot_config={"components": []})
            ```
        """
        if not name:
            name = (await self.get_robot_part(robot_part_id)).name
        response = await self._app_client.update_robot_part(
            UpdateRobotPartRequest(
                id=robot_part_id,
                name=name,
                robot_config=dict_to_struct(robot_config) if robot_config is not None else None,
                last_known_update=last_known_update,
                robot_config_json=robot_config_json or None,
            )
        )
        return RobotPart.from_proto(response.part if response.part is not None else _RobotPartPB())

    async def new_robot_part(self, robot_id: str, part_name: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> str:
        """Add a part to a machine (the main part if the machine has none).

        Args:
            robot_id: the machine.
            part_name: the new part's name, unique within the machine.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The new part's ID.

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials may not change the machine.
            AlreadyExists: the machine already has a part with that name.
            InvalidArgument: ``part_name`` is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            part_id = await fleet.new_robot_part(robot_id, "arm-controller")
            ```
        """
        response = await self._app_client.new_robot_part(NewRobotPartRequest(robot_id=robot_id, part_name=part_name))
        return response.part_id

    async def delete_robot_part(self, robot_part_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Delete a machine part.

        Args:
            robot_part_id: the part to delete.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials may not change the part.
            FailedPrecondition: it is its machine's main part (mark another one as main first).

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.delete_robot_part(spare_part_id)
            ```
        """
        await self._app_client.delete_robot_part(DeleteRobotPartRequest(part_id=robot_part_id))

    async def mark_part_as_main(self, robot_part_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Make a part its machine's main part (the former main part stops being one).

        Args:
            robot_part_id: the part to promote.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials may not change the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.mark_part_as_main(part_id)
            ```
        """
        await self._app_client.mark_part_as_main(MarkPartAsMainRequest(part_id=robot_part_id))

    async def mark_part_for_restart(self, robot_part_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Ask a part to restart the next time it checks in.

        Args:
            robot_part_id: the part.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials may not change the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.mark_part_for_restart(part_id)
            ```
        """
        await self._app_client.mark_part_for_restart(MarkPartForRestartRequest(part_id=robot_part_id))

    async def create_robot_part_secret(
        self, robot_part_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> RobotPart:
        """Add a secret to a part.

        Args:
            robot_part_id: the part.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``RobotPart`` with all its secrets, the new one included.

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials may not change the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            part = await fleet.create_robot_part_secret(part_id)
            newest = part.secrets[-1]
            ```
        """
        response = await self._app_client.create_robot_part_secret(CreateRobotPartSecretRequest(part_id=robot_part_id))
        return RobotPart.from_proto(response.part if response.part is not None else _RobotPartPB())

    async def delete_robot_part_secret(
        self, robot_part_id: str, secret_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Remove one secret of a part.

        Args:
            robot_part_id: the part.
            secret_id: the ID of the secret to remove (from ``RobotPart.secrets``).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no part has that ID, or it has no such secret.
            PermissionDenied: the credentials may not change the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            old_secret = (await fleet.get_robot_part(part_id)).secrets[0]
            await fleet.delete_robot_part_secret(part_id, old_secret.id)
            ```
        """
        await self._app_client.delete_robot_part_secret(
            DeleteRobotPartSecretRequest(part_id=robot_part_id, secret_id=secret_id)
        )

    async def get_robot_part_metadata(
        self, robot_part_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> Mapping[str, Any]:
        """The user-defined metadata of a machine part.

        Args:
            robot_part_id: the part.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The metadata as a dict (empty when none was set).

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials do not reach the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            meta = await fleet.get_robot_part_metadata(part_id)
            ```
        """
        response = await self._app_client.get_robot_part_metadata(GetRobotPartMetadataRequest(id=robot_part_id))
        return struct_to_dict(response.data)

    async def update_robot_part_metadata(
        self, robot_part_id: str, metadata: Mapping[str, Any], *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Replace a machine part's user-defined metadata with ``metadata``.

        Args:
            robot_part_id: the part.
            metadata: the new metadata (JSON-like values); it replaces the old one whole.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials may not change the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.update_robot_part_metadata(part_id, {"firmware": "1.4.2"})
            ```
        """
        await self._app_client.update_robot_part_metadata(
            UpdateRobotPartMetadataRequest(id=robot_part_id, data=dict_to_struct(metadata))
        )

    async def set_config_property(
        self, robot_part_id: str, property_changes: Mapping[str, Any], timeout: float | None = None, *, retry: RetryOption = DEFAULT
    ) -> list[ConfigPropertyChangeResult]:
        """Set single values inside a part's config, by dot-separated path.

        Args:
            robot_part_id: the part.
            property_changes: maps a path (``"components.0.attributes.pin"``) to its new value.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            One ``ConfigPropertyChangeResult`` per change (path, value, ``success`` and ``error``).

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials may not change the part.
            InvalidArgument: ``property_changes`` is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            results = await fleet.set_config_property(part_id, {"network.bind_address": ":8081"})
            ```
        """
        changes = [ConfigPropertyChange(path=path, value=python_to_value(value)) for path, value in property_changes.items()]
        response = await self._app_client.set_config_property(
            SetConfigPropertyRequest(robot_part_id=robot_part_id, property_changes=changes), timeout=timeout
        )
        return list(response.property_changes)

    async def get_robot_part_by_name_and_location(
        self, name: str, location_id: str | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> RobotPart:
        """The machine part of a location found by its name.

        Args:
            name: the part's name.
            location_id: the location; None means the client's location (or the only one reached).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``RobotPart``.

        Raises:
            ValueError: no ``location_id`` and none can be inferred.
            NotFound: no location has that ID, or no part of it has that name.
            PermissionDenied: the credentials do not reach the location.

        Examples:
            ```python
            fleet = viam_client.app_client
            part = await fleet.get_robot_part_by_name_and_location("rover-main", location_id)
            print(part.id)
            ```
        """
        response = await self._app_client.get_robot_part_by_name_and_location(
            GetRobotPartByNameAndLocationRequest(name=name, location_id=await self._location(location_id))
        )
        return RobotPart.from_proto(response.part if response.part is not None else _RobotPartPB())
