"""The state every ``AppClient`` area works with, set up once by the client."""

from __future__ import annotations

from collections.abc import Mapping

from grpclib.client import Channel
from viam_api.app.v1 import AppServiceStub, ListLocationsRequest, ListOrganizationsRequest

from viam_sdk.app._client import ClientBase, ServiceStub
from viam_sdk.app._locations import resolve_location_id


class AppClientBase(ClientBase):
    """The AppService stub and the default location.

    Every area mixin of ``AppClient`` derives from this class, so its methods
    see ``self._app_client`` and ``self._location`` with their types.
    """

    _app_client = ServiceStub(AppServiceStub)

    def __init__(self, channel: Channel, metadata: Mapping[str, str], location_id: str | None = None) -> None:
        """Wrap ``channel``; ``metadata`` (the auth header) rides on every call.

        Args:
            channel: an open grpclib channel to the Viam app (or the emulator).
            metadata: headers sent with each request, normally the bearer token.
            location_id: the default of methods whose ``location_id`` is left None.
        """
        super().__init__(channel, metadata)
        self._location_id = location_id

    def _repr_details(self) -> str:
        return f"location_id={self._location_id!r}"

    async def _location(self, location_id: str | None) -> str:
        """``location_id`` when given, else the client's default, else the one location the caller reaches.

        The client has a default when it connected with a location secret (the
        location named in the machine address).  Without one, an API key that
        reaches exactly one location (in all its organizations) means that one,
        as the reference's examples (``new_robot(name=...)``,
        ``create_location_secret()``) expect.

        Raises:
            ValueError: none of those gives a single location (the message lists
                the choices when there are several).
        """
        if location_id or self._location_id:
            return resolve_location_id(location_id, self._location_id)
        orgs = (await self._app_client.list_organizations(ListOrganizationsRequest())).organizations
        reached: dict[str, str] = {}
        for org in orgs:
            listed = await self._app_client.list_locations(ListLocationsRequest(organization_id=org.id))
            reached.update((loc.id, loc.name) for loc in listed.locations)
        if len(reached) == 1:
            return next(iter(reached))
        if not reached:
            return resolve_location_id(None, None)  # raises, saying how to name one
        choice = ", ".join(f"{lid} ({name})" for lid, name in reached.items())
        raise ValueError(f"no location ID given and these credentials reach several locations; pass one of: {choice}")

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
