"""Use cases of organizations: registration, the published directory, and identification (标识)."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from api.usecases.base import MAX_PAGE, UseCases, check_page
from domain.access import Principal, check_acts_for, check_registry
from domain.base import REGISTRY
from domain.errors import InvalidFieldError, NotFoundError
from domain.organization import Organization, check_kind, region_prefix

log = logging.getLogger("vledger")


class OrganizationCases(UseCases):
    """Use cases of organizations: registration, the published directory, and identification (标识)."""

    # -- organizations ------------------------------------------------------------------------------------

    def register_organization(self, principal: Principal, *, name: str, charter_purpose: str,
                              credit_code: str | None = None, region_code: str | None = None,
                              kind: str | None = None) -> dict[str, Any]:
        """The registry registers an organization, its signing key and its first token."""
        check_registry(principal)
        now = self.clock()
        org = Organization.register(now=now, actor=principal.actor, name=name, charter_purpose=charter_purpose,
                                    credit_code=credit_code, region_code=region_code, kind=kind)
        key = self._new_key_for(now, principal.actor, str(org.id), "organization")
        token, secret = self._new_token(now, principal.actor, REGISTRY, "organization", str(org.id), org.id)
        self.save_and_project(key, org, token)
        log.info("organization registered id=%s key=%s", org.id, key.key_id)
        return {"id": str(org.id), "token": secret, "key_id": key.key_id, "identified": org.identified,
                "kind": org.kind}

    def get_organization(self, org_id: UUID) -> dict[str, Any]:
        """One organization as the public directory shows it (anyone may ask: it holds no personal data)."""
        with self.read() as c:
            row = c.execute("SELECT * FROM view_organizations WHERE id = ?", (str(org_id),)).fetchone()
            dissolution = c.execute("SELECT successor_id, reason, dissolved_at FROM view_dissolutions WHERE org_id = ?",
                                    (str(org_id),)).fetchone()
        if row is None:
            raise NotFoundError(f"no organization with id {org_id}")
        return {**organization_json(row), "charter_purpose": row["charter_purpose"],
                "identification_requested": bool(row["request_pending"]), "registered_at": row["registered_at"],
                # Public like the rest: a verifier of an old certificate learns who holds the records now.
                "dissolved": dissolution is not None, "dissolution": dict(dissolution) if dissolution else None}

    def list_organizations(self, *, identified: bool | None = None, region_code: str | None = None,
                           kind: str | None = None, limit: int = MAX_PAGE, offset: int = 0) -> dict[str, Any]:
        """The published list (Hunan notice 001 二(一): the bureau publishes its identified organizations), by
        name; ``region_code`` selects everything within a division (430000: all of Hunan)."""
        check_page(limit, offset)
        where: list[str] = []
        params: list[Any] = []
        if identified is not None:
            where.append("identified = ?")
            params.append(int(identified))
        if region_code is not None:
            # Prefix on the significant digits: a text comparison the index can use on both stores (no LIKE,
            # whose escaping and collation differ between SQLite and PostgreSQL).
            prefix = region_prefix(region_code)
            where.append("region_code >= ? AND region_code < ?")
            params.extend([prefix, prefix + ":"])  # ':' sorts right after '9'
        if kind is not None:
            where.append("kind = ?")
            params.append(check_kind(kind).value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self.read() as c:
            total = c.execute(f"SELECT COUNT(*) AS n FROM view_organizations{clause}", tuple(params)).fetchone()["n"]
            rows = c.execute(f"SELECT * FROM view_organizations{clause} ORDER BY name, id LIMIT ? OFFSET ?",
                             (*params, limit, offset)).fetchall()
        return {"total": int(total), "organizations": [organization_json(r) for r in rows]}

    # -- identification (标识, Hunan notice 001 二(一)) ------------------------------------------------------

    def request_identification(self, principal: Principal, org_id: UUID) -> dict[str, Any]:
        """The organization itself asks to be identified; the registry reviews its charter next."""
        check_acts_for(principal, org_id)
        org = self.load(Organization, org_id, "organization")
        org.request_identification(now=self.clock(), actor=principal.actor)
        self.save_and_project(org)
        return self.get_organization(org_id)

    def decide_identification(self, principal: Principal, org_id: UUID, *, decision: str,
                              reason: str | None = None) -> dict[str, Any]:
        """The registry identifies the organization after reviewing its charter, or refuses with a reason."""
        check_registry(principal)
        org = self.load(Organization, org_id, "organization")
        org.decide_identification(now=self.clock(), actor=principal.actor, decision=decision, reason=reason)
        self.save_and_project(org)
        return self.get_organization(org_id)

    def amend_charter(self, principal: Principal, org_id: UUID, *, charter_purpose: str,
                      reason: str | None) -> dict[str, Any]:
        """The registry records an amended charter purpose; identification follows in the same save."""
        check_registry(principal)
        org = self.load(Organization, org_id, "organization")
        org.amend_charter(now=self.clock(), actor=principal.actor, charter_purpose=charter_purpose, reason=reason)
        self.save_and_project(org)
        return self.get_organization(org_id)

    # -- dissolution and succession (domain.succession) ------------------------------------------------------

    def dissolve_organization(self, principal: Principal, org_id: UUID, *, successor_id: UUID,
                              reason: str | None) -> dict[str, Any]:
        """The registry records that an organization was dissolved and names the registered organization that
        issues certificates from its records from now on. Its tokens stop changing anything; the certificates it
        issued stay valid."""
        check_registry(principal)
        org = self.load(Organization, org_id, "organization")
        try:
            successor = self.load(Organization, successor_id, "organization")
        except NotFoundError:
            raise InvalidFieldError("successor_id", f"no registered organization with id {successor_id}",
                                    code="successor_not_registered") from None
        org.dissolve(now=self.clock(), actor=principal.actor, successor=successor, reason=reason)
        self.save_and_project(org)
        log.info("organization dissolved id=%s successor=%s", org_id, successor_id)
        return self.get_organization(org_id)


def organization_json(row: dict[str, Any]) -> dict[str, Any]:
    """An organization in the published list: public facts about the body, nothing about any person."""
    return {"id": row["id"], "name": row["name"], "kind": row["kind"], "credit_code": row["credit_code"],
            "region_code": row["region_code"], "identified": bool(row["identified"]),
            "identified_since": row["identified_since"]}
