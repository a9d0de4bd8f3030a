"""The location-ID fallback of ``AppClient``, and how a machine address names its location."""

from __future__ import annotations

__all__ = ["location_id_from_entity", "resolve_location_id"]


def location_id_from_entity(auth_entity: str | None) -> str | None:
    """The location ID inside a machine address used as an auth entity.

    ``<machine>.<location_id>.viam.cloud`` (or ``.local.viam.cloud``) gives
    ``<location_id>``; an entity without dots is taken to be the location ID
    itself.  Anything else gives None.
    """
    if not auth_entity:
        return None
    parts = auth_entity.split(".")
    if len(parts) == 1:
        return parts[0]
    if len(parts) >= 3 and parts[1]:
        return parts[1]
    return None


def resolve_location_id(location_id: str | None, default: str | None) -> str:
    """The location to use: the one given, else the client's default.

    Raises:
        ValueError: neither is set.
    """
    if location_id:
        return location_id
    if default:
        return default
    raise ValueError(
        "no location ID: pass location_id=..., or connect with a 'robot-location-secret' "
        "credential whose auth entity names the location (<machine>.<location_id>.viam.cloud)"
    )
