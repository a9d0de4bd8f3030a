"""API keys' roles as other areas need them (table ``api_key_authorizations``, created by
``store.CORE_SCHEMA``).

The keys and roles handlers (``services/app_access.py``) and ``auth.py`` still run
their own SQL; this module is where their backend grows.  The data handlers ask
it which roles a key holds, to scope what data the key sees.  Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..store import Store
from ._sql import typed

__all__ = ["KeyGrant", "key_grants"]


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
    return [typed(KeyGrant, r) for r in rows]
