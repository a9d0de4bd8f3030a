"""``AppClient`` methods for machines ("robots"): create, list, rename, delete, metadata, favorites."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from viam_api.app.v1 import (
    AddFavoriteMachineRequest,
    APIKeyWithAuthorizations,
    DeleteRobotRequest,
    FavoriteMachine,
    GetRobotAPIKeysRequest,
    GetRobotMetadataRequest,
    GetRobotRequest,
    GetRoverRentalRobotsRequest,
    ListFavoriteMachinesRequest,
    ListMachineSummariesRequest,
    ListRobotsForLocationsRequest,
    ListRobotsForOrgRequest,
    ListRobotsRequest,
    LocationSummary,
    NewRobotRequest,
    RemoveFavoriteMachineRequest,
    Robot,
    RoverRentalRobot,
    UpdateRobotMetadataRequest,
    UpdateRobotRequest,
)

from viam_sdk.app._app._base import AppClientBase
from viam_sdk.app._convert import dict_to_struct, struct_to_dict
from viam_sdk.rpc._policy import DEFAULT, RetryOption


class Machines(AppClientBase):
    """Machines: create, list, rename and delete them, their metadata and API keys, favorites."""

    async def get_robot(self, robot_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> Robot:
        """One machine by ID.

        Args:
            robot_id: the machine's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``Robot`` message (id, name, location, last access, ...).

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials do not reach the machine.
            InvalidArgument: ``robot_id`` is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            rover = await fleet.get_robot(robot_id)
            print(rover.name, rover.location)
            ```
        """
        response = await self._app_client.get_robot(GetRobotRequest(id=robot_id))
        return response.robot if response.robot is not None else Robot()

    async def get_rover_rental_robots(
        self, org_id: str = "", *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[RoverRentalRobot]:
        """The rental rovers of an organization (without ``org_id``: the caller's only one).

        Args:
            org_id: the organization; ``""`` means the one organization the credentials belong to.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``RoverRentalRobot`` messages (the emulator rents none out, so it is empty there).

        Raises:
            ValueError: no ``org_id`` and the credentials reach no organization, or several.
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            rovers = await fleet.get_rover_rental_robots(org_id)
            ```
        """
        org_id = await self._org(org_id, "get_rover_rental_robots")
        response = await self._app_client.get_rover_rental_robots(GetRoverRentalRobotsRequest(org_id=org_id))
        return list(response.robots)

    async def get_robot_api_keys(
        self, robot_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[APIKeyWithAuthorizations]:
        """The API keys that reach a machine.

        Args:
            robot_id: the machine.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``APIKeyWithAuthorizations`` (each key and the roles it holds).

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials do not reach the machine.

        Examples:
            ```python
            fleet = viam_client.app_client
            keys = await fleet.get_robot_api_keys(robot_id)
            print([k.api_key.name for k in keys])
            ```
        """
        response = await self._app_client.get_robot_api_keys(GetRobotAPIKeysRequest(robot_id=robot_id))
        return list(response.api_keys)

    async def list_robots(
        self, location_id: str | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[Robot]:
        """The machines of a location, ordered by name.

        Args:
            location_id: the location; None means the client's location (or the only one reached).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``Robot`` messages.

        Raises:
            ValueError: no ``location_id`` and none can be inferred.
            NotFound: no location has that ID.
            PermissionDenied: the credentials do not reach the location.

        Examples:
            ```python
            fleet = viam_client.app_client
            robots = await fleet.list_robots(location_id)
            print([r.name for r in robots])
            ```
        """
        response = await self._app_client.list_robots(ListRobotsRequest(location_id=await self._location(location_id)))
        return list(response.robots)

    async def new_robot(
        self, name: str, location_id: str | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> str:
        """Create a machine (with a main part named ``<name>-main``).

        Args:
            name: the machine's name, unique within its location.
            location_id: the location; None means the client's location (or the only one reached).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The new machine's ID.

        Raises:
            ValueError: no ``location_id`` and none can be inferred.
            NotFound: no location has that ID.
            PermissionDenied: the credentials may not add machines to the location.
            AlreadyExists: the location already has a machine with that name.
            InvalidArgument: ``name`` is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            lab = (await fleet.list_locations(org_id))[0]
            machine_id = await fleet.new_robot("rover", location_id=lab.id)
            ```
        """
        response = await self._app_client.new_robot(NewRobotRequest(name=name, location=await self._location(location_id)))
        return response.id

    async def update_robot(
        self, robot_id: str, name: str, location_id: str | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> Robot:
        """Rename a machine, or move it to another location.

        Args:
            robot_id: the machine.
            name: its new name.
            location_id: the location it should be in; None means the client's location.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The updated ``Robot`` message.

        Raises:
            ValueError: no ``location_id`` and none can be inferred.
            NotFound: no machine (or location) has that ID.
            PermissionDenied: the credentials may not change the machine or the target location.
            AlreadyExists: the location already has another machine with that name.

        Examples:
            ```python
            fleet = viam_client.app_client
            lab = (await fleet.list_locations(org_id))[0]
            rover = await fleet.update_robot(robot_id, "rover-2", location_id=lab.id)
            ```
        """
        response = await self._app_client.update_robot(
            UpdateRobotRequest(id=robot_id, name=name, location=await self._location(location_id))
        )
        return response.robot if response.robot is not None else Robot()

    async def delete_robot(self, robot_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Delete a machine and its parts.

        Args:
            robot_id: the machine to delete.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials may not change the machine.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.delete_robot(robot_id)
            ```
        """
        await self._app_client.delete_robot(DeleteRobotRequest(id=robot_id))

    async def list_robots_for_locations(
        self, location_ids: list[str], *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[Robot]:
        """The machines of several locations at once.

        Args:
            location_ids: the locations; each one is listed once even if repeated.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``Robot`` messages, location by location.

        Raises:
            NotFound: one of the locations does not exist.
            PermissionDenied: the credentials do not reach one of the locations.

        Examples:
            ```python
            fleet = viam_client.app_client
            lab, depot = (await fleet.list_locations(org_id))[:2]
            robots = await fleet.list_robots_for_locations([lab.id, depot.id])
            ```
        """
        response = await self._app_client.list_robots_for_locations(
            ListRobotsForLocationsRequest(location_ids=list(location_ids))
        )
        return list(response.robots)

    async def get_robot_metadata(self, robot_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> Mapping[str, Any]:
        """The user-defined metadata of a machine.

        Args:
            robot_id: the machine.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The metadata as a dict (empty when none was set).

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials do not reach the machine.

        Examples:
            ```python
            fleet = viam_client.app_client
            meta = await fleet.get_robot_metadata(robot_id)
            ```
        """
        response = await self._app_client.get_robot_metadata(GetRobotMetadataRequest(id=robot_id))
        return struct_to_dict(response.data)

    async def update_robot_metadata(
        self, robot_id: str, metadata: Mapping[str, Any], *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Replace a machine's user-defined metadata with ``metadata``.

        Args:
            robot_id: the machine.
            metadata: the new metadata (JSON-like values); it replaces the old one whole.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials may not change the machine.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.update_robot_metadata(robot_id, {"site": "north", "serial": 42})
            ```
        """
        await self._app_client.update_robot_metadata(
            UpdateRobotMetadataRequest(id=robot_id, data=dict_to_struct(metadata))
        )

    async def add_favorite_machine(self, machine_id: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT) -> None:
        """Mark a machine as one of the caller's favourites (again is a no-op).

        Args:
            machine_id: the machine.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials do not reach the machine.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.add_favorite_machine(robot_id)
            ```
        """
        await self._app_client.add_favorite_machine(AddFavoriteMachineRequest(machine_id=machine_id), timeout=timeout)

    async def remove_favorite_machine(self, machine_id: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT) -> None:
        """Take a machine off the caller's favourites.

        Args:
            machine_id: the machine.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: the machine is not among the caller's favourites.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.remove_favorite_machine(robot_id)
            ```
        """
        await self._app_client.remove_favorite_machine(
            RemoveFavoriteMachineRequest(machine_id=machine_id), timeout=timeout
        )

    async def list_favorite_machines(self, timeout: float | None = None, *, retry: RetryOption = DEFAULT) -> list[FavoriteMachine]:
        """The caller's favourite machines, ordered by name.

        Args:
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``FavoriteMachine`` (the machine, its organization, when it was marked).

        Raises:
            Unauthenticated: the credentials are not valid.

        Examples:
            ```python
            fleet = viam_client.app_client
            favourites = await fleet.list_favorite_machines()
            print([f.machine.name for f in favourites])
            ```
        """
        response = await self._app_client.list_favorite_machines(ListFavoriteMachinesRequest(), timeout=timeout)
        return list(response.favorites)

    async def list_robots_for_org(self, org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> list[Robot]:
        """Every machine of an organization, across its locations.

        Args:
            org_id: the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``Robot`` messages.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            machines = await fleet.list_robots_for_org(org_id)
            print(len(machines), "machines")
            ```
        """
        response = await self._app_client.list_robots_for_org(ListRobotsForOrgRequest(org_id=org_id))
        return list(response.robots)

    async def list_machine_summaries(
        self,
        org_id: str,
        fragment_ids: list[str] | None = None,
        location_ids: list[str] | None = None,
        limit: int | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> list[LocationSummary]:
        """An organization's machines and their parts, grouped by location, in one call.

        Args:
            org_id: the organization.
            fragment_ids: keep only machines whose config uses one of these fragments; None keeps all.
            location_ids: keep only these locations; None keeps all.
            limit: at most this many machines in all; None lists every one.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``LocationSummary`` (location ID and name, and a ``MachineSummary`` per machine
            with its parts' summaries).

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.
            InvalidArgument: ``limit`` is negative.

        Examples:
            ```python
            fleet = viam_client.app_client
            for loc in await fleet.list_machine_summaries(org_id, limit=50):
                print(loc.location_name, [m.machine_name for m in loc.machine_summaries])
            ```
        """
        response = await self._app_client.list_machine_summaries(
            ListMachineSummariesRequest(
                organization_id=org_id,
                fragment_ids=list(fragment_ids or ()),
                location_ids=list(location_ids or ()),
                limit=limit,
            )
        )
        return list(response.location_summaries)
