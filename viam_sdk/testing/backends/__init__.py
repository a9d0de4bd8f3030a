"""The emulator's backends: per area, the tables, every SQL statement and the domain rules.

Handlers (``services/``) identify the caller, authorize, call a backend and
build the answer; backends read and write the store and return typed rows
(frozen dataclasses).  Imports go one way: services -> backends -> store.
See README.md in this folder for the layout.
"""

from __future__ import annotations

from ..store import Store

__all__ = ["create_core_tables"]


def create_core_tables(store: Store) -> None:
    """Make the tables every area joins on (organizations, locations, machines, credentials).

    Each belongs to its backend (``CORE_SCHEMA`` there); they exist whatever
    service modules an emulator loads, since every handler checks access
    through them.  A database an earlier emulator made is brought up to date.
    """
    from . import credentials, locations, machines, orgs

    credentials.database_key(store)  # made or read now: a damaged key file stops the start, not a call
    credentials.drop_outdated_tokens(store)
    for ddl in (orgs.CORE_SCHEMA, locations.CORE_SCHEMA, machines.CORE_SCHEMA, credentials.CORE_SCHEMA):
        store.execute_schema(ddl)
    sealed = credentials.CredentialsBackend(store).seal_clear_secrets()
    forgotten = credentials.forget_clear_bootstrap_key(store)
    if sealed or forgotten:
        store.checkpoint()  # no earlier page version of the clear values stays in the WAL
