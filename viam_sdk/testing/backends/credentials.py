"""Credentials: API keys, location and part secrets, the access tokens they are traded for,
and the bootstrap organization (tables ``api_keys``, ``api_key_authorizations``,
``location_secrets``, ``part_secrets``, ``access_tokens``: :data:`CORE_SCHEMA`).

The handlers are ``services/auth.py`` (trading a credential for a token), the
key and secret RPCs of ``services/app_access.py``, ``app_locations.py`` and
``app_robots.py``; ``auth.py`` asks :meth:`CredentialsBackend.token_owner` who
a bearer token stands for.

What is kept, and how (issue 18 item 7):

* API keys: a salted SHA-256 digest only.  The API shows a key once, when it
  is made; the bootstrap key is printed once, when the database is made, and
  an in-process ``Emulator`` keeps it in memory for its caller.
* Location and part secrets: a salted digest (what authentication compares)
  and the secret *sealed* with the database's own key, because the API hands
  them back to authorised callers (``GetLocation``/``LocationAuth`` ->
  ``auth.secrets``, ``GetRobotPart`` -> ``secret``/``secrets``), as the real
  cloud does.  The key lives beside a database file, in ``<db>.key`` (mode
  0600), never in the database: a copy of the database alone reveals no
  secret.  A lost key file leaves those secrets unreadable (shown empty) but
  still usable to authenticate.  Sealing is HMAC-SHA256 in counter mode with
  an HMAC-SHA256 tag (encrypt-then-MAC, standard library only).
* Access tokens: a keyed digest, the credential that issued them (so deleting a
  key or a secret revokes its tokens) and their expiry (wall-clock seconds);
  rows expired for over an hour are dropped by later sign-ins.
  Tokens are JWT-shaped (``header.claims.signature``, HS256) and carry ``iat``
  and ``exp``, so a client can renew one before it expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Final

from ..context import Bootstrap
from ..errors import FailedPrecondition, NotFound
from ..store import Store
from ._sql import typed

__all__ = [
    "API_KEY",
    "CORE_SCHEMA",
    "LOCATION_SECRET",
    "PART_SECRET",
    "CredentialsBackend",
    "SecretRow",
    "TokenOwner",
    "database_key",
    "delete_key_rows",
    "drop_outdated_tokens",
    "drop_tokens",
    "ensure_bootstrap",
    "forget_clear_bootstrap_key",
    "forget_location_credentials",
    "forget_part_credentials",
    "key_owned_orgs",
    "new_secret",
    "provision_organization",
    "require_an_owner_left",
]

API_KEY: Final = "api-key"
LOCATION_SECRET: Final = "robot-location-secret"
PART_SECRET: Final = "robot-secret"

CORE_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    name TEXT NOT NULL,
    salt BLOB NOT NULL,
    digest BLOB NOT NULL,
    created_at TEXT NOT NULL
);
-- What an API key may reach: role "owner" or "operator" on an organization,
-- a location or a robot (resource_type "organization" / "location" / "robot").
CREATE TABLE IF NOT EXISTS api_key_authorizations (
    api_key_id TEXT NOT NULL,
    role TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    PRIMARY KEY (api_key_id, role, resource_type, resource_id)
);
-- secret: sealed with the database's key (see the module docstring).
CREATE TABLE IF NOT EXISTS location_secrets (
    id TEXT PRIMARY KEY,
    location_id TEXT NOT NULL,
    secret TEXT NOT NULL,
    salt BLOB NOT NULL,
    digest BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS part_secrets (
    id TEXT PRIMARY KEY,
    part_id TEXT NOT NULL,
    secret TEXT NOT NULL,
    salt BLOB NOT NULL,
    digest BLOB NOT NULL,
    created_at TEXT NOT NULL
);
-- credential_id: the API key id or the secret id the token was issued for.
-- expires_at: wall-clock seconds (time.time()); NULL never expires.
CREATE TABLE IF NOT EXISTS access_tokens (
    digest BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at REAL
);
CREATE INDEX IF NOT EXISTS access_tokens_by_credential ON access_tokens(credential_id);
CREATE INDEX IF NOT EXISTS access_tokens_by_expiry ON access_tokens(expires_at);
"""

#: Seconds an expired token's row is kept before a sign-in drops it.  Past that, the
#: token's own signed ``exp`` claim still lets the emulator answer "expired" for it
#: (a token moved to that state by ``expire_all`` reads as unknown once dropped).
EXPIRED_TOKENS_KEPT_S = 3600.0
#: Sign-ins drop expired rows at most this often (seconds), so a busy emulator's
#: table holds about one lifetime of tokens, not every token it ever issued.
DROP_EXPIRED_EVERY_S = 60.0

_SEALED = "sealed1:"
_TAG = 16


@dataclass(frozen=True)
class SecretRow:
    """One secret of a location or a part as the API shows it (unsealed; empty when it cannot be)."""

    id: str
    secret: str
    created_at: str


@dataclass(frozen=True)
class TokenOwner:
    """Who a live token stands for: ``kind`` and ``subject`` (key id, location id or part id).

    ``org_id`` is the organization of an API key; ``expired`` tells a token whose time ran out
    (``kind`` and ``subject`` are empty for an expired token whose row was dropped).
    """

    kind: str
    subject: str
    org_id: str | None
    expired: bool


def new_secret() -> str:
    """A fresh random secret (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def _digest(secret: str, salt: bytes) -> bytes:
    # Secrets are random 256-bit strings: a salted hash needs no stretching.
    return hashlib.sha256(salt + secret.encode()).digest()


def _matches(secret: str, salt: bytes, digest: bytes) -> bool:
    return hmac.compare_digest(_digest(secret, salt), digest)


def _salted(secret: str) -> tuple[bytes, bytes]:
    salt = secrets.token_bytes(16)
    return salt, _digest(secret, salt)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# -- the database's own key and sealing ------------------------------------------------


def _key_path(store: Store) -> str | None:
    return None if store.path == ":memory:" else f"{store.path}.key"


def database_key(store: Store) -> bytes:
    """The database's sealing key: ``<db>.key`` (made 0600 on first use), or a process-only one in memory."""
    cached = store.cache.get("sealing_key")
    if isinstance(cached, bytes):
        return cached
    path = _key_path(store)
    key = secrets.token_bytes(32)
    if path is not None:
        key = _kept_key(path, key)
    store.cache["sealing_key"] = key
    return key


def _kept_key(path: str, fresh: bytes) -> bytes:
    """The key in the file ``path``; when there is none, ``fresh``, written there first (0600).

    The file appears whole or not at all (written aside, then linked into place),
    so two emulators starting on one database agree on its key.
    """
    if not os.path.exists(path):
        aside = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(fresh.hex() + "\n")
        try:
            os.link(aside, path)
            return fresh
        except FileExistsError:
            pass  # another emulator made it first: use theirs
        finally:
            os.unlink(aside)
    with open(path, encoding="ascii") as kept:
        text = kept.read().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise OSError(
            f"the key file {path!r} of the database is damaged (expected 64 hex digits): "
            "restore it, or move it away (the stored location and part secrets then show empty)"
        )
    return key


def _subkey(store: Store, purpose: bytes) -> bytes:
    """A key for one purpose (sealing, tagging, token digests, token signatures), derived from the database's."""
    name = f"subkey:{purpose.decode()}"
    cached = store.cache.get(name)
    if isinstance(cached, bytes):
        return cached
    derived = hmac.new(database_key(store), purpose, hashlib.sha256).digest()
    store.cache[name] = derived
    return derived


def _crypt(store: Store, nonce: bytes, data: bytes) -> bytes:
    """``data`` XOR the keystream of ``nonce`` (HMAC-SHA256 in counter mode): encrypts and decrypts."""
    key = _subkey(store, b"seal")
    stream = b"".join(
        hmac.new(key, nonce + i.to_bytes(8, "big"), hashlib.sha256).digest() for i in range((len(data) + 31) // 32)
    )
    mixed = int.from_bytes(data, "big") ^ int.from_bytes(stream[: len(data)], "big")
    return mixed.to_bytes(len(data), "big")


def seal(store: Store, text: str) -> str:
    """``text`` encrypted and authenticated with the database's key, as stored text."""
    plain = text.encode()
    nonce = secrets.token_bytes(16)
    body = _crypt(store, nonce, plain)
    tag = hmac.new(_subkey(store, b"tag"), nonce + body, hashlib.sha256).digest()[:_TAG]
    return _SEALED + base64.b64encode(nonce + body + tag).decode()


def unseal(store: Store, stored: str) -> str:
    """What :func:`seal` sealed; "" when it was sealed with another key (the key file was lost)."""
    if not stored.startswith(_SEALED):
        return stored  # written before sealing existed (sealed at start by :meth:`CredentialsBackend.seal_clear_secrets`)
    raw = base64.b64decode(stored[len(_SEALED) :])
    nonce, body, tag = raw[:16], raw[16:-_TAG], raw[-_TAG:]
    expected = hmac.new(_subkey(store, b"tag"), nonce + body, hashlib.sha256).digest()[:_TAG]
    if not hmac.compare_digest(tag, expected):
        return ""
    return _crypt(store, nonce, body).decode()


# -- owners ----------------------------------------------------------------------------


def _owner_count(db: sqlite3.Connection, org_id: str) -> int:
    row = db.execute(
        "SELECT (SELECT COUNT(*) FROM api_key_authorizations WHERE role = 'owner' "
        "AND resource_type = 'organization' AND resource_id = ?) + "
        "(SELECT COUNT(*) FROM user_authorizations WHERE role = 'owner' "
        "AND resource_type = 'organization' AND resource_id = ?)",
        (org_id, org_id),
    ).fetchone()
    return int(row[0])


def require_an_owner_left(db: sqlite3.Connection, orgs: Sequence[str]) -> None:
    """FAILED_PRECONDITION when one of ``orgs`` has no owner left (call after a removal, in its transaction).

    An organization without an owner (an API key or a user with the owner role
    on it) could no longer be managed by anyone.
    """
    for org_id in orgs:
        if _owner_count(db, org_id) == 0:
            raise FailedPrecondition(
                f"that would remove the last owner of organization {org_id!r}, leaving no one to manage it: "
                "make another API key or member an owner first (or delete the organization)"
            )


def key_owned_orgs(db: sqlite3.Connection, key_id: str) -> list[str]:
    """Organizations on which the API key holds the owner role."""
    rows = db.execute(
        "SELECT resource_id FROM api_key_authorizations WHERE api_key_id = ? AND role = 'owner' "
        "AND resource_type = 'organization'",
        (key_id,),
    ).fetchall()
    return [str(r[0]) for r in rows]


def delete_key_rows(db: sqlite3.Connection, key_id: str) -> int:
    """Drop an API key with its roles and the tokens issued for it; returns how many tokens those were."""
    db.execute("DELETE FROM api_key_authorizations WHERE api_key_id = ?", (key_id,))
    revoked = db.execute("DELETE FROM access_tokens WHERE credential_id = ?", (key_id,)).rowcount
    db.execute("DELETE FROM api_keys WHERE id = ?", (key_id,))
    return int(revoked)


def drop_tokens(db: sqlite3.Connection, *, keep_credential: str | None = None) -> int:
    """Revoke every access token but those ``keep_credential`` issued; returns how many went.

    For a whole-state change (``Emulator.reset()`` keeps the bootstrap key's tokens, a
    snapshot's load keeps none); call it in that change's transaction.
    """
    return int(db.execute("DELETE FROM access_tokens WHERE credential_id IS NOT ?", (keep_credential,)).rowcount)


def forget_part_credentials(db: sqlite3.Connection, part_id: str) -> int:
    """Drop a removed part's secrets and revoke every token they issued; returns how many tokens."""
    db.execute("DELETE FROM part_secrets WHERE part_id = ?", (part_id,))
    return int(
        db.execute("DELETE FROM access_tokens WHERE kind = ? AND subject = ?", (PART_SECRET, part_id)).rowcount
    )


def forget_location_credentials(db: sqlite3.Connection, location_id: str) -> int:
    """Drop a removed location's secrets and revoke every token they issued; returns how many tokens."""
    db.execute("DELETE FROM location_secrets WHERE location_id = ?", (location_id,))
    return int(
        db.execute(
            "DELETE FROM access_tokens WHERE kind = ? AND subject = ?", (LOCATION_SECRET, location_id)
        ).rowcount
    )


class CredentialsBackend:
    """Keys, secrets and tokens over the emulator's store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- minting -----------------------------------------------------------------------

    def create_api_key(
        self, *, key_id: str, org_id: str, name: str, created_at: str, authorizations: Sequence[tuple[str, str, str, str]]
    ) -> str:
        """Store a new API key with its roles ``(role, resource type, resource id, org id)``; returns the key.

        The key is only ever stored hashed: this is the one time it is seen.
        """
        key = new_secret()
        salt, digest = _salted(key)
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO api_keys(id, organization_id, name, salt, digest, created_at) VALUES (?,?,?,?,?,?)",
                (key_id, org_id, name, salt, digest, created_at),
            )
            db.executemany(
                "INSERT OR IGNORE INTO api_key_authorizations"
                "(api_key_id, role, resource_type, resource_id, organization_id) VALUES (?,?,?,?,?)",
                [(key_id, *auth) for auth in authorizations],
            )
        return key

    def _add_secret(self, table: str, column: str, owner_id: str, secret_id: str, created_at: str) -> str:
        secret = new_secret()
        salt, digest = _salted(secret)
        with self.store.transaction() as db:
            db.execute(
                f"INSERT INTO {table}(id, {column}, secret, salt, digest, created_at) VALUES (?,?,?,?,?,?)",
                (secret_id, owner_id, seal(self.store, secret), salt, digest, created_at),
            )
        return secret

    def add_location_secret(self, location_id: str, *, secret_id: str, created_at: str) -> str:
        """A new secret for the location; returns it."""
        return self._add_secret("location_secrets", "location_id", location_id, secret_id, created_at)

    def add_part_secret(self, part_id: str, *, secret_id: str, created_at: str) -> str:
        """A new secret for the machine part; returns it."""
        return self._add_secret("part_secrets", "part_id", part_id, secret_id, created_at)

    # -- secrets as the API shows them -------------------------------------------------

    def _secrets(self, table: str, column: str, owner_ids: Sequence[str]) -> dict[str, list[SecretRow]]:
        found: dict[str, list[SecretRow]] = {}
        for start in range(0, len(owner_ids), 500):
            chunk = list(owner_ids[start : start + 500])
            rows = self.store.cached_all(
                f"SELECT {column} AS owner, id, secret, created_at FROM {table} "
                f"WHERE {column} IN ({','.join('?' * len(chunk))}) ORDER BY created_at, rowid",
                tuple(chunk),
            )
            for r in rows:
                plain = self.store.memo(("unseal", r["secret"]), partial(unseal, self.store, str(r["secret"])))
                found.setdefault(str(r["owner"]), []).append(typed(SecretRow, r, secret=plain))
        return found

    def location_secrets(self, location_ids: Sequence[str]) -> dict[str, list[SecretRow]]:
        """Location id -> its secrets, oldest first."""
        return self._secrets("location_secrets", "location_id", location_ids)

    def part_secrets(self, part_id: str) -> list[SecretRow]:
        """The part's secrets, oldest first."""
        return self._secrets("part_secrets", "part_id", [part_id]).get(part_id, [])

    def _delete_secret(self, table: str, column: str, owner_id: str, secret_id: str, what: str) -> int:
        with self.store.transaction() as db:
            gone = db.execute(f"DELETE FROM {table} WHERE id = ? AND {column} = ?", (secret_id, owner_id)).rowcount
            if not gone:
                raise NotFound(f"{what} {owner_id!r} has no secret {secret_id!r}")
            return self.revoke(secret_id)

    def delete_location_secret(self, location_id: str, secret_id: str) -> int:
        """Remove the secret and revoke the tokens it issued; returns how many were revoked."""
        return self._delete_secret("location_secrets", "location_id", location_id, secret_id, "location")

    def delete_part_secret(self, part_id: str, secret_id: str) -> int:
        """Remove the secret and revoke the tokens it issued; returns how many were revoked."""
        return self._delete_secret("part_secrets", "part_id", part_id, secret_id, "part")

    # -- authentication ----------------------------------------------------------------

    def check_api_key(self, key_id: str, key: str) -> str | None:
        """The key id when ``key`` is that API key, else None."""
        row = self.store.one("SELECT salt, digest FROM api_keys WHERE id = ?", (key_id,))
        return key_id if row is not None and _matches(key, row["salt"], row["digest"]) else None

    def _check(self, table: str, column: str, owner_id: str, secret: str) -> str | None:
        rows = self.store.all(f"SELECT id, salt, digest FROM {table} WHERE {column} = ?", (owner_id,))
        return next((str(r["id"]) for r in rows if _matches(secret, r["salt"], r["digest"])), None)

    def check_location_secret(self, location_id: str, secret: str) -> str | None:
        """The id of the location's secret ``secret`` is, or None."""
        return self._check("location_secrets", "location_id", location_id, secret)

    def check_part_secret(self, entity: str, secret: str) -> tuple[str, str] | None:
        """(part id, secret id) when ``secret`` is a secret of the part ``entity`` names (id or fqdn), or None."""
        part = self.store.one("SELECT id FROM robot_parts WHERE id = ? OR fqdn = ?", (entity, entity))
        if part is None:
            return None
        secret_id = self._check("part_secrets", "part_id", str(part["id"]), secret)
        return None if secret_id is None else (str(part["id"]), secret_id)

    # -- tokens ------------------------------------------------------------------------

    def _token_digest(self, token: str) -> bytes:
        return hmac.digest(_subkey(self.store, b"token"), token.encode(), "sha256")  # hmac.new's, in one C call

    def issue_token(
        self, kind: str, subject: str, *, credential_id: str, created_at: str, ttl: float | None
    ) -> str:
        """A new bearer token for ``subject``, issued by ``credential_id``; only its keyed digest is kept.

        JWT-shaped: its claims carry ``sub``, ``iat`` and, with a ``ttl``, ``exp``
        (seconds since the epoch), signed HS256 with the database's key.
        """
        now = time.time()
        claims: dict[str, object] = {"iss": "viam-emulator", "sub": subject, "jti": new_secret(), "iat": int(now)}
        expires = None if ttl is None else now + ttl
        if expires is not None:
            claims["exp"] = int(expires)
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(_subkey(self.store, b"jwt"), f"{head}.{body}".encode(), hashlib.sha256).digest()
        token = f"{head}.{body}.{_b64(signature)}"
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO access_tokens(digest, kind, subject, credential_id, created_at, expires_at) "
                "VALUES (?,?,?,?,?,?)",
                (self._token_digest(token), kind, subject, credential_id, created_at, expires),
            )
            last = self.store.cache.get("expired_tokens_dropped_at")
            if not isinstance(last, float) or now - last >= DROP_EXPIRED_EVERY_S:
                self.store.cache["expired_tokens_dropped_at"] = now
                db.execute("DELETE FROM access_tokens WHERE expires_at < ?", (now - EXPIRED_TOKENS_KEPT_S,))
        return token

    def _expired_claims(self, token: str) -> bool:
        """Whether ``token`` carries this database's signature and an ``exp`` that has passed."""
        head, dot, rest = token.partition(".")
        body, dot2, signature = rest.partition(".")
        if not (dot and dot2):
            return False
        expected = hmac.new(_subkey(self.store, b"jwt"), f"{head}.{body}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(_b64(expected), signature):
            return False
        try:
            exp = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))).get("exp")
        except (ValueError, AttributeError):
            return False
        return isinstance(exp, int) and time.time() >= exp

    def token_owner(self, token: str) -> TokenOwner | None:
        """Who ``token`` stands for, or None when it is unknown, revoked, or its subject is gone.

        What the database says of a token is kept (:meth:`Store.memo`) until the
        database next changes, so deleting a key, a secret, a location or a part
        is seen by the very next call; the clock is read on every call.
        """
        digest = self._token_digest(token)
        found = self.store.memo(("token_owner", digest), lambda: self._token_row(digest))
        if found is None:  # unknown, revoked, or expired long enough ago to be dropped
            return TokenOwner("", "", None, expired=True) if self._expired_claims(token) else None
        kind, subject, org_id, expires_at = found
        return TokenOwner(kind, subject, org_id, expires_at is not None and time.time() >= expires_at)

    def _token_row(self, digest: bytes) -> tuple[str, str, str | None, float | None] | None:
        """(kind, subject, API key's org id, expiry) of a live token's row; None without one (or its subject)."""
        row = self.store.one("SELECT kind, subject, expires_at FROM access_tokens WHERE digest = ?", (digest,))
        if row is None:
            return None
        kind, subject = str(row["kind"]), str(row["subject"])
        expires_at = None if row["expires_at"] is None else float(row["expires_at"])
        org_id: str | None = None
        if kind == API_KEY:
            key = self.store.one("SELECT organization_id FROM api_keys WHERE id = ?", (subject,))
            if key is None:
                return None
            org_id = str(key["organization_id"])
        elif kind == LOCATION_SECRET:
            if self.store.one("SELECT 1 FROM locations WHERE id = ?", (subject,)) is None:
                return None
        elif kind != PART_SECRET or self.store.one("SELECT 1 FROM robot_parts WHERE id = ?", (subject,)) is None:
            return None
        return kind, subject, org_id, expires_at

    def revoke(self, credential_id: str) -> int:
        """Revoke every token the API key or secret ``credential_id`` issued; returns how many."""
        with self.store.transaction() as db:
            return int(db.execute("DELETE FROM access_tokens WHERE credential_id = ?", (credential_id,)).rowcount)

    def expire_all(self) -> int:
        """End now the lifetime of every token that has one; returns how many there were."""
        with self.store.transaction() as db:
            return int(
                db.execute("UPDATE access_tokens SET expires_at = ? WHERE expires_at IS NOT NULL", (time.time(),)).rowcount
            )

    # -- databases made by earlier versions ----------------------------------------------

    def seal_clear_secrets(self) -> int:
        """Seal the secrets an earlier emulator stored in clear; returns how many there were."""
        sealed = 0
        with self.store.transaction() as db:
            for table in ("location_secrets", "part_secrets"):
                clear = db.execute(f"SELECT id, secret FROM {table} WHERE secret NOT LIKE '{_SEALED}%'").fetchall()
                for r in clear:
                    db.execute(f"UPDATE {table} SET secret = ? WHERE id = ?", (seal(self.store, r["secret"]), r["id"]))
                sealed += len(clear)
        return sealed


def forget_clear_bootstrap_key(store: Store) -> bool:
    """Remove the bootstrap key an earlier emulator kept in clear (kept in memory for this start only)."""
    legacy = store.get_meta("bootstrap_api_key")
    if not legacy:
        return False
    store.cache["legacy_bootstrap_key"] = legacy
    with store.transaction() as db:
        db.execute("DELETE FROM emulator_meta WHERE key = 'bootstrap_api_key'")
    return True


def drop_outdated_tokens(store: Store) -> None:
    """Drop an ``access_tokens`` table an earlier emulator made (before :data:`CORE_SCHEMA` runs).

    Its tokens do not name the credential that issued them, so they could not be
    revoked one by one: clients authenticate again.
    """
    with store.lock:
        columns = {r[1] for r in store.db.execute("PRAGMA table_info(access_tokens)").fetchall()}
        if columns and "credential_id" not in columns:
            store.db.execute("DROP TABLE access_tokens")


def provision_organization(
    store: Store, *, name: str, new_id: Callable[[], str], now_iso: str, key_name: str = "owner key"
) -> Bootstrap:
    """Create an organization and an API key holding the owner role on it."""
    org_id, key_id = new_id(), new_id()
    with store.transaction() as db:
        db.execute("INSERT INTO organizations(id, name, created_at) VALUES (?,?,?)", (org_id, name, now_iso))
        key = CredentialsBackend(store).create_api_key(
            key_id=key_id,
            org_id=org_id,
            name=key_name,
            created_at=now_iso,
            authorizations=[("owner", "organization", org_id, org_id)],
        )
    return Bootstrap(org_id=org_id, api_key_id=key_id, api_key=key)


def ensure_bootstrap(store: Store, *, new_id: Callable[[], str], now_iso: str) -> Bootstrap:
    """The bootstrap organization and key: made on a fresh database, named again otherwise.

    The key itself is only known when it is made (``api_key`` is "" on a later
    start: it is stored hashed).  If the bootstrap organization or key was
    deleted through the API, new ones are made.
    """
    org_id = store.get_meta("bootstrap_org_id")
    key_id = store.get_meta("bootstrap_api_key_id")
    # An earlier emulator kept the key in clear: hand it out this once more (it is forgotten already).
    legacy = store.cache.pop("legacy_bootstrap_key", "")
    assert isinstance(legacy, str)
    if org_id and key_id:
        alive = store.one(
            "SELECT 1 FROM organizations o JOIN api_keys k ON k.organization_id = o.id WHERE o.id = ? AND k.id = ?",
            (org_id, key_id),
        )
        if alive is not None:
            return Bootstrap(org_id=org_id, api_key_id=key_id, api_key=legacy)
    with store.transaction():
        boot = provision_organization(
            store, name="Emulator organization", new_id=new_id, now_iso=now_iso, key_name="bootstrap owner key"
        )
        store.set_meta("bootstrap_org_id", boot.org_id)
        store.set_meta("bootstrap_api_key_id", boot.api_key_id)
    return boot
