"""Organization settings: support email, logo, the billing service an organization runs
for its customers, its auth service, Firebase configs, device push tokens and the
organization search (tables ``org_settings``, ``firebase_configs``, ``device_push_tokens``).

The handlers are ``services/app_settings.py``.  The emulator only stores these
settings; nothing is billed, mailed or pushed.  Rules kept here: the billing
service and the auth service are enabled once and disabled only when enabled;
a billing address names every line a letter needs.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from viam_api.app.v1 import BillingAddress

from ..context import EmulatorContext
from ..errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from ._sql import marks, typed
from .orgs import OrgRow

__all__ = ["ADDRESS_FIELDS", "SCHEMA", "OrgSettings", "SettingsBackend", "check_address"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS org_settings (
    organization_id TEXT PRIMARY KEY,
    support_email TEXT NOT NULL DEFAULT '',
    logo BLOB,
    billing_enabled INTEGER NOT NULL DEFAULT 0,
    billing_address BLOB,
    auth_service_enabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS firebase_configs (
    organization_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    config_json TEXT NOT NULL,
    PRIMARY KEY (organization_id, app_id)
);
CREATE TABLE IF NOT EXISTS device_push_tokens (
    identity TEXT NOT NULL,
    app_id TEXT NOT NULL,
    device_uuid TEXT NOT NULL,
    device_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (identity, app_id, device_uuid)
);
"""

#: The lines a billing address must fill.
ADDRESS_FIELDS = ("address_line_1", "city", "state", "zipcode", "country")


@dataclass(frozen=True)
class OrgSettings:
    """An organization's settings; ``billing_address`` is a serialized ``BillingAddress``."""

    organization_id: str
    support_email: str
    logo: bytes | None
    billing_enabled: bool
    billing_address: bytes | None
    auth_service_enabled: bool


def _settings_row(row: sqlite3.Row) -> OrgSettings:
    return typed(
        OrgSettings,
        row,
        billing_enabled=bool(row["billing_enabled"]),
        auth_service_enabled=bool(row["auth_service_enabled"]),
    )


def _ensure(db: sqlite3.Connection, org_id: str) -> OrgSettings:
    db.execute("INSERT OR IGNORE INTO org_settings(organization_id) VALUES (?)", (org_id,))
    return _settings_row(db.execute("SELECT * FROM org_settings WHERE organization_id = ?", (org_id,)).fetchone())


def check_address(address: BillingAddress | None) -> bytes:
    """The billing address as stored; INVALID_ARGUMENT unless it names every line."""
    if address is None:
        raise InvalidArgument("a billing address is required")
    for field in ADDRESS_FIELDS:
        if not str(getattr(address, field)).strip():
            raise InvalidArgument(f"the billing address needs {field}")
    return bytes(address)


class SettingsBackend:
    """Every organization's settings over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def get(self, org_id: str) -> OrgSettings | None:
        """The stored settings (None while the organization has set none)."""
        row = self.store.one("SELECT * FROM org_settings WHERE organization_id = ?", (org_id,))
        return None if row is None else _settings_row(row)

    def set_support_email(self, org_id: str, email: str) -> None:
        with self.store.transaction() as db:
            _ensure(db, org_id)
            db.execute("UPDATE org_settings SET support_email = ? WHERE organization_id = ?", (email, org_id))

    def set_logo(self, org_id: str, logo: bytes | None) -> None:
        with self.store.transaction() as db:
            _ensure(db, org_id)
            db.execute("UPDATE org_settings SET logo = ? WHERE organization_id = ?", (logo, org_id))

    # -- billing service ---------------------------------------------------------------

    def enable_billing(self, org_id: str, address: bytes) -> None:
        with self.store.transaction() as db:
            if _ensure(db, org_id).billing_enabled:
                raise AlreadyExists(f"organization {org_id!r} already has the billing service enabled")
            db.execute(
                "UPDATE org_settings SET billing_enabled = 1, billing_address = ? WHERE organization_id = ?",
                (address, org_id),
            )

    def billing(self, org_id: str) -> OrgSettings:
        """The settings of an organization with its billing service on; FAILED_PRECONDITION otherwise."""
        found = self.get(org_id)
        if found is None or not found.billing_enabled:
            raise FailedPrecondition(f"organization {org_id!r} has no billing service enabled")
        return found

    def disable_billing(self, org_id: str) -> None:
        self.billing(org_id)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE org_settings SET billing_enabled = 0, billing_address = NULL WHERE organization_id = ?",
                (org_id,),
            )

    def set_billing_address(self, org_id: str, address: bytes) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE org_settings SET billing_address = ? WHERE organization_id = ?", (address, org_id))

    # -- auth service ------------------------------------------------------------------

    def set_auth_service(self, org_id: str, enabled: bool) -> None:
        """Turn the org auth service on or off; it must be off to enable it and on to disable it."""
        with self.store.transaction() as db:
            current = _ensure(db, org_id).auth_service_enabled
            if enabled and current:
                raise AlreadyExists(f"organization {org_id!r} already has its auth service enabled")
            if not enabled and not current:
                raise FailedPrecondition(f"organization {org_id!r} has no auth service enabled")
            db.execute(
                "UPDATE org_settings SET auth_service_enabled = ? WHERE organization_id = ?", (int(enabled), org_id)
            )

    # -- Firebase and push tokens ------------------------------------------------------

    def set_firebase_config(self, org_id: str, app_id: str, config_json: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO firebase_configs(organization_id, app_id, config_json) VALUES (?,?,?) "
                "ON CONFLICT(organization_id, app_id) DO UPDATE SET config_json = excluded.config_json",
                (org_id, app_id, config_json),
            )

    def firebase_app_id(self, org_id: str) -> str:
        """The first app id with a Firebase config; NOT_FOUND when there is none."""
        row = self.store.one(
            "SELECT app_id FROM firebase_configs WHERE organization_id = ? ORDER BY app_id LIMIT 1", (org_id,)
        )
        if row is None:
            raise NotFound(f"organization {org_id!r} has no Firebase config")
        return str(row["app_id"])

    def delete_firebase_config(self, org_id: str, app_id: str) -> None:
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM firebase_configs WHERE organization_id = ? AND app_id = ?", (org_id, app_id)
            ).rowcount
            if not gone:
                raise NotFound(f"organization {org_id!r} has no Firebase config for {app_id!r}")

    def set_push_token(self, owner: str, app_id: str, device_uuid: str, token: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO device_push_tokens(identity, app_id, device_uuid, device_token, created_at) "
                "VALUES (?,?,?,?,?) ON CONFLICT(identity, app_id, device_uuid) "
                "DO UPDATE SET device_token = excluded.device_token",
                (owner, app_id, device_uuid, token, self.ctx.now_iso()),
            )

    def delete_push_token(self, owner: str, app_id: str, device_uuid: str) -> None:
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM device_push_tokens WHERE identity = ? AND app_id = ? AND device_uuid = ?",
                (owner, app_id, device_uuid),
            ).rowcount
            if not gone:
                raise NotFound(f"no push token for device {device_uuid!r} of app {app_id!r}")

    def push_tokens(self, owner: str, app_id: str) -> list[str]:
        rows = self.store.all(
            "SELECT device_token FROM device_push_tokens WHERE identity = ? AND app_id = ? "
            "ORDER BY created_at, device_uuid",
            (owner, app_id),
        )
        return [str(r["device_token"]) for r in rows]

    # -- search ------------------------------------------------------------------------

    def search_organizations(
        self, ids: list[str], *, org_id: str = "", cid: str = "", public_namespace: str = "", name: str = ""
    ) -> list[OrgRow]:
        """Among ``ids``, the organizations matching every criterion given (name: a substring, any case)."""
        if not ids:
            return []
        where, params = [f"id IN ({marks(len(ids))})"], list(ids)
        for column, value in (("id", org_id), ("cid", cid), ("public_namespace", public_namespace)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if name:
            where.append("instr(lower(name), ?) > 0")
            params.append(name.lower())
        rows = self.store.all(f"SELECT * FROM organizations WHERE {' AND '.join(where)} ORDER BY name, id", params)
        return [typed(OrgRow, r) for r in rows]
