"""AppService of the emulator: fleet management over the SQLite store.

The handlers live in topic modules (``app_orgs``, ``app_locations``,
``app_robots``, ``app_fragments``, ``app_access``, ``app_registry``,
``app_settings``, ``app_oauth_users``); this
module joins them into one ``AppServiceBase`` subclass.  RPCs none of them
handle answer UNIMPLEMENTED naming the RPC (the generated base does that).

Rules every handler follows: the caller's token is checked first
(UNAUTHENTICATED), then the ids in the request (NOT_FOUND when unknown,
PERMISSION_DENIED when out of the caller's reach), then the arguments
(INVALID_ARGUMENT); a mutating call runs as one transaction; list results come
in a stable order (by name, then id, unless the RPC has a natural order such as
newest-first logs and history).
"""

from __future__ import annotations

from viam_api._runtime import ServiceBase
from viam_api.app.v1 import AppServiceBase

from ..context import EmulatorContext
from . import (
    app_access,
    app_fragments,
    app_locations,
    app_oauth_users,
    app_orgs,
    app_registry,
    app_robot_logs,
    app_robots,
    app_settings,
)

SCHEMA = "\n".join(
    m.SCHEMA
    for m in (
        app_orgs,
        app_locations,
        app_robots,
        app_robot_logs,
        app_fragments,
        app_access,
        app_registry,
        app_settings,
        app_oauth_users,
    )
)


class AppService(
    app_orgs.OrganizationsPart,
    app_locations.LocationsPart,
    app_robots.RobotsPart,
    app_robot_logs.RobotLogsPart,
    app_fragments.FragmentsPart,
    app_access.AccessPart,
    app_registry.RegistryPart,
    app_settings.SettingsPart,
    app_oauth_users.OAuthUsersPart,
    AppServiceBase,
):
    """Every AppService RPC the emulator implements."""


def handler_names() -> list[str]:
    """Every AppService handler name of the generated base (snake_case)."""
    return sorted(n for n, v in vars(AppServiceBase).items() if callable(v) and not n.startswith("_"))


def implemented_handlers() -> list[str]:
    """The AppService handlers this emulator overrides; the others answer UNIMPLEMENTED."""
    return [n for n in handler_names() if getattr(AppService, n) is not getattr(AppServiceBase, n)]


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [AppService(ctx)]
