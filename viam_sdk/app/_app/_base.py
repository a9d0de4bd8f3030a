"""The state every ``AppClient`` area works with, set up once by the client."""

from __future__ import annotations

from collections.abc import Mapping

from grpclib.client import Channel
from viam_api.app.v1 import AppServiceStub

from viam_sdk.app._common import resolve_location_id


class AppClientBase:
    """The channel, the auth metadata, the AppService stub and the default location.

    Every area mixin of ``AppClient`` derives from this class, so its methods
    see ``self._app_client`` and ``self._location`` with their types.
    """

    def __init__(self, channel: Channel, metadata: Mapping[str, str], location_id: str | None = None) -> None:
        self._channel = channel
        self._metadata = metadata
        self._location_id = location_id
        self._app_client = AppServiceStub(channel, metadata=metadata)

    def _location(self, location_id: str | None) -> str:
        return resolve_location_id(location_id, self._location_id)
