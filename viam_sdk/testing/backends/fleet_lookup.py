"""Read-only questions the data, billing and training backends ask of the app's tables.

The fleet (organizations, locations, machines, parts) belongs to the app
services; until their backend exists, the other areas read those tables only
through the functions here, so no handler outside the fleet queries
``robots`` or ``organizations`` itself.  The same goes for the registry's
``registry_items``, which training checks, and for the roles of an API key
(``api_key_authorizations``), which scope what data a key sees.  Nothing here
writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..store import Store
from ._sql import number

__all__ = [
    "PartNames",
    "RegistryItemRef",
    "machine_count",
    "organization_name",
    "part_names",
    "registry_item",
]


@dataclass(frozen=True)
class PartNames:
    """The names a capture's metadata records for a machine part."""

    part_name: str
    robot_name: str


def organization_name(store: Store, org_id: str) -> str:
    """The organization's name, or ``""`` when there is no such organization."""
    row = store.one("SELECT name FROM organizations WHERE id = ?", (org_id,))
    return "" if row is None else str(row["name"])


def machine_count(store: Store, org_id: str) -> int:
    """How many machines stand in the organization's own locations."""
    return int(
        number(
            store,
            "SELECT COUNT(*) FROM robots r JOIN locations l ON l.id = r.location_id WHERE l.organization_id = ?",
            (org_id,),
        )
    )


def part_names(store: Store, part_id: str) -> PartNames | None:
    """The part's name and its machine's name, or None for an unknown part."""
    row = store.one(
        "SELECT p.name AS part_name, r.name AS robot_name FROM robot_parts p JOIN robots r ON r.id = p.robot_id "
        "WHERE p.id = ?",
        (part_id,),
    )
    return None if row is None else PartNames(str(row["part_name"]), str(row["robot_name"]))


@dataclass(frozen=True)
class RegistryItemRef:
    """Who owns a registry item, what it is and who may see it (the stored numbers)."""

    organization_id: str
    type: int
    visibility: int


def registry_item(store: Store, item_id: str) -> RegistryItemRef | None:
    """The registry item ``item_id``, or None when there is no such item."""
    row = store.one("SELECT organization_id, type, visibility FROM registry_items WHERE id = ?", (item_id,))
    return (
        None
        if row is None
        else RegistryItemRef(str(row["organization_id"]), int(row["type"]), int(row["visibility"]))
    )


@dataclass(frozen=True)
class KeyGrant:
    """One role an API key holds on an organization, a location or a machine."""

    role: str
    resource_type: str
    resource_id: str


def key_grants(store: Store, key_id: str) -> list[KeyGrant]:
    """Every role the API key ``key_id`` holds."""
    rows = store.all(
        "SELECT role, resource_type, resource_id FROM api_key_authorizations WHERE api_key_id = ?", (key_id,)
    )
    return [KeyGrant(str(r["role"]), str(r["resource_type"]), str(r["resource_id"])) for r in rows]
