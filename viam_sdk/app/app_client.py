"""``AppClient``: fleet management over ``viam.app.v1.AppService``.

Organizations, locations, machines ("robots") and their parts, configs, logs,
fragments, roles, API keys, registry items and modules.  Each method is one
call to the generated async stub; this module adds what a person wants on top:
plain dicts for configs, datetimes for times, the location-ID fallback, log
paging and live tails, and atomic writes to ``dest`` files.

The methods live by area in ``viam_sdk.app._app`` (one mixin class per
module); ``AppClient`` inherits them all, and the SDK-side types are
re-exported here, so ``from viam_sdk.app.app_client import RobotPart`` works
as it always has.

Get one from a connected ``ViamClient``:

```python
fleet = viam.app_client
location = await fleet.create_location(org_id, "lab")
machine_id = await fleet.new_robot("rover", location_id=location.id)
```
"""

from __future__ import annotations

from viam_sdk.app._app.access import Access
from viam_sdk.app._app.fragments import Fragments
from viam_sdk.app._app.locations import Locations
from viam_sdk.app._app.logs import Logs
from viam_sdk.app._app.machines import Machines
from viam_sdk.app._app.notifications import Notifications
from viam_sdk.app._app.oauth_apps import OAuthApps
from viam_sdk.app._app.org_settings import OrgSettings
from viam_sdk.app._app.organizations import Organizations
from viam_sdk.app._app.parts import Parts
from viam_sdk.app._app.registry import UPLOAD_CHUNK_SIZE as UPLOAD_CHUNK_SIZE
from viam_sdk.app._app.registry import Registry
from viam_sdk.app._app.types import (
    APIKeyAuthorization,
    Fragment,
    FragmentHistoryEntry,
    LogEntry,
    LogsStream,
    RobotPart,
    RobotPartHistoryEntry,
)
from viam_sdk.app._app.types import ResourceType as ResourceType
from viam_sdk.app._app.types import Role as Role
from viam_sdk.app._timeouts import with_call_timeouts

__all__ = [
    "APIKeyAuthorization",
    "AppClient",
    "Fragment",
    "FragmentHistoryEntry",
    "LogEntry",
    "LogsStream",
    "RobotPart",
    "RobotPartHistoryEntry",
]

# The seed's name for the stream type.
_LogsStream = LogsStream


@with_call_timeouts
class AppClient(
    Organizations,
    Locations,
    Machines,
    Parts,
    Logs,
    Fragments,
    Access,
    Registry,
    Notifications,
    OrgSettings,
    OAuthApps,
):
    """Async client of the Viam app's fleet-management API.

    Made by ``ViamClient.app_client``; shares its channel and auth header.
    ``location_id`` is the default for methods whose ``location_id`` is left
    None (``ViamClient`` sets it when it connected with a location secret).
    """
