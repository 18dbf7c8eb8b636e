"""Directory views: organizations, the public key directory and access tokens."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from domain.access import AccessToken
from domain.organization import Organization
from domain.signing_key import SigningKey, lifecycle_names_key
from projections.base import View
from projections.store import ViewCursor


class DirectoryView(View):
    name = "directory"
    tables = ("view_organizations", "view_keys", "view_tokens")
    schema = (
        "CREATE TABLE IF NOT EXISTS view_organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
        "kind TEXT NOT NULL, credit_code TEXT, region_code TEXT, charter_purpose TEXT NOT NULL, "
        "identified INTEGER NOT NULL, identified_since TEXT, request_pending INTEGER NOT NULL, "
        "registered_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_organizations_listed ON view_organizations (identified, region_code)",
        "CREATE TABLE IF NOT EXISTS view_keys (key_id TEXT NOT NULL, public_key TEXT NOT NULL, name TEXT NOT NULL, "
        "owner TEXT NOT NULL, purpose TEXT NOT NULL, status TEXT NOT NULL, valid_from TEXT NOT NULL, "
        "compromised_since TEXT, notification_id BIGINT NOT NULL, retired_at TEXT, status_reason TEXT, "
        "PRIMARY KEY (key_id, public_key))",
        "CREATE TABLE IF NOT EXISTS view_tokens (token_hash TEXT PRIMARY KEY, token_id TEXT NOT NULL, "
        "role TEXT NOT NULL, subject TEXT NOT NULL, org_id TEXT, revoked INTEGER NOT NULL)",
    )

    @singledispatchmethod
    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        pass

    @apply.register
    def _(self, event: Organization.Registered, c: ViewCursor, nid: int) -> None:
        at = event.timestamp.isoformat()
        c.execute("INSERT INTO view_organizations VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                  (str(event.originator_id), event.name, event.kind, event.credit_code, event.region_code,
                   event.charter_purpose, int(event.identified), at if event.identified else None, at))

    @apply.register
    def _(self, event: Organization.IdentificationRequested, c: ViewCursor, nid: int) -> None:
        c.execute("UPDATE view_organizations SET request_pending = 1 WHERE id = ?", (str(event.originator_id),))

    @apply.register
    def _(self, event: Organization.Identified, c: ViewCursor, nid: int) -> None:
        c.execute("UPDATE view_organizations SET identified = 1, identified_since = ?, request_pending = 0 "
                  "WHERE id = ?", (event.timestamp.isoformat(), str(event.originator_id)))

    @apply.register
    def _(self, event: Organization.IdentificationRefused, c: ViewCursor, nid: int) -> None:
        c.execute("UPDATE view_organizations SET request_pending = 0 WHERE id = ?", (str(event.originator_id),))

    @apply.register
    def _(self, event: Organization.CharterAmended, c: ViewCursor, nid: int) -> None:
        c.execute("UPDATE view_organizations SET charter_purpose = ? WHERE id = ?",
                  (event.charter_purpose, str(event.originator_id)))

    @apply.register
    def _(self, event: Organization.IdentificationWithdrawn, c: ViewCursor, nid: int) -> None:
        c.execute("UPDATE view_organizations SET identified = 0, identified_since = NULL WHERE id = ?",
                  (str(event.originator_id),))

    @apply.register
    def _(self, event: SigningKey.KeyRegistered, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_keys VALUES (?, ?, ?, ?, ?, 'active', ?, NULL, ?, NULL, NULL)",
                  (event.key_id, event.public_key, event.name, event.owner, event.purpose,
                   event.valid_from.isoformat(), nid))

    @apply.register
    def _(self, event: SigningKey.KeyRetired, c: ViewCursor, nid: int) -> None:
        # Only a key the event belongs to (its aggregate id is derived from the key): a root-signed event naming
        # another key changes nothing, as in the keyring.
        if lifecycle_names_key(event):
            c.execute("UPDATE view_keys SET status = 'retired', retired_at = ?, status_reason = ? "
                      "WHERE key_id = ? AND public_key = ? AND status = 'active'",
                      (event.retired_at.isoformat(), event.reason, event.key_id, event.public_key))

    @apply.register
    def _(self, event: SigningKey.KeyRevoked, c: ViewCursor, nid: int) -> None:
        if lifecycle_names_key(event):
            c.execute("UPDATE view_keys SET status = 'revoked', retired_at = ?, compromised_since = ?, "
                      "status_reason = ? WHERE key_id = ? AND public_key = ?",
                      (event.retired_at.isoformat(), event.compromised_since.isoformat(), event.reason,
                       event.key_id, event.public_key))

    @apply.register
    def _(self, event: AccessToken.Issued, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_tokens VALUES (?, ?, ?, ?, ?, 0)",
                  (event.token_hash, str(event.originator_id), event.role, event.subject,
                   str(event.org_id) if event.org_id else None))


def find_token(c: ViewCursor, token_hash: str) -> dict[str, Any] | None:
    return c.execute("SELECT * FROM view_tokens WHERE token_hash = ? AND revoked = 0", (token_hash,)).fetchone()
