"""The state every ``AppClient`` area works with, set up once by the client."""

from __future__ import annotations

from collections.abc import Mapping

from grpclib.client import Channel
from viam_api.app.v1 import AppServiceStub, ListOrganizationsRequest

from viam_sdk.app._common import resolve_location_id
from viam_sdk.rpc._policy import policy_for


class AppClientBase:
    """The channel, the auth metadata, the AppService stub and the default location.

    Every area mixin of ``AppClient`` derives from this class, so its methods
    see ``self._app_client`` and ``self._location`` with their types.
    """

    def __init__(self, channel: Channel, metadata: Mapping[str, str], location_id: str | None = None) -> None:
        self._channel = channel
        self._metadata = metadata
        self._location_id = location_id
        self._app_client = AppServiceStub(channel, metadata=metadata, policy=policy_for(metadata))

    def _location(self, location_id: str | None) -> str:
        return resolve_location_id(location_id, self._location_id)

    async def _org(self, org_id: str | None, what: str) -> str:
        """``org_id`` when given; else the one organization the credentials reach.

        The older guide calls ``list_locations()``, ``create_location(name=...)``
        and the like with no organization: that works when the caller belongs to
        exactly one.

        Raises:
            ValueError: no ``org_id`` and the credentials reach none, or several
                (the message lists them, id and name, to choose from).
        """
        if org_id:
            return org_id
        orgs = list((await self._app_client.list_organizations(ListOrganizationsRequest())).organizations)
        if len(orgs) == 1:
            return orgs[0].id
        if not orgs:
            raise ValueError(f"{what}: no org_id given and these credentials belong to no organization")
        choice = ", ".join(f"{o.id} ({o.name})" for o in orgs)
        raise ValueError(
            f"{what}: no org_id given and these credentials reach several organizations; pass one of: {choice}"
        )
