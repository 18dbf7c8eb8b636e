"""Organizations (志愿服务组织 and the other bodies allowed to record volunteer service), and their
identification as volunteer service organizations (标识, Hunan notice 001 二(一)).

Identification has three ways in and one way out, each an event on the Organization (authority: registry):
- directly, when a registered social organization whose name has 志愿服务/志愿者/义工 has a charter whose purpose is
  volunteer service — at registration (``Registered.identified``) or when an amended charter gains that purpose;
- on request: the organization asks (``IdentificationRequested``, actor ``organization:<id>``), the registry
  reviews its charter and identifies it (``Identified``) or refuses with a reason (``IdentificationRefused``);
- withdrawn (``IdentificationWithdrawn``) when an amended charter (``CharterAmended``) no longer has volunteer
  service as its purpose — in the same save as the amendment ("在核准其章程时同步取消").
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from domain.base import REGISTRY, VledgerAggregate, check_text
from domain.errors import ConflictError, InvalidFieldError, RuleViolationError

VOLUNTEER_NAME_WORDS = ("志愿服务", "志愿者", "义工")
# Words by which a charter purpose (宗旨) states volunteer service. 义工 is the older word for the same thing.
VOLUNTEER_PURPOSE_WORDS = ("志愿", "义工")
# GB 32100: registering authority 5 = civil affairs; organization types 1 社会团体, 2 民办非企业单位, 3 基金会 are
# the social organizations (社会组织) whose identification the Hunan notice governs; 9 (other) is not one.
CIVIL_AFFAIRS = "5"
SOCIAL_ORGANIZATION_TYPES = ("1", "2", "3")


class OrganizationKind(StrEnum):
    """The bodies that record volunteer service and are spot-checked (Hunan notice 001 二(二); Gangcheng plan
    000 三): volunteer organizations, and also charities, village/community committees, public-benefit activity
    organizers, public service institutions and the volunteer teams of communities and units."""

    VOLUNTEER_ORGANIZATION = "volunteer_organization"  # 志愿服务组织
    CHARITY = "charity"  # 慈善组织
    VILLAGE_COMMUNITY_COMMITTEE = "village_community_committee"  # 基层群众性自治组织
    PUBLIC_BENEFIT_ORGANIZER = "public_benefit_organizer"  # 公益活动举办单位
    PUBLIC_SERVICE_INSTITUTION = "public_service_institution"  # 公共服务机构
    INTERNAL_TEAM = "internal_team"  # 城乡社区、单位内部成立的志愿服务团体


DEFAULT_KIND = OrganizationKind.VOLUNTEER_ORGANIZATION


class IdentificationDecision(StrEnum):
    """What the registry decides on a request for identification."""

    IDENTIFY = "identify"
    REFUSE = "refuse"


class IdentificationBasis(StrEnum):
    """Why an organization was identified: directly by its name and charter, or after reviewing its request."""

    DIRECT = "direct"
    CHARTER_REVIEW = "charter_review"


def check_kind(value: str | None) -> OrganizationKind:
    """One of the organization kinds; absent means a volunteer organization (what every caller meant before
    kinds existed)."""
    if value is None:
        return DEFAULT_KIND
    try:
        return OrganizationKind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in OrganizationKind)
        raise InvalidFieldError("kind", f"expected one of {allowed}") from None


def is_registered_social_organization(credit_code: str | None) -> bool:
    """A social organization registered with civil affairs: credit code registering authority 5 and type 1, 2 or 3
    (GB 32100). Unregistered teams have no code; bodies registered elsewhere are not social organizations."""
    return credit_code is not None and credit_code[:1] == CIVIL_AFFAIRS and credit_code[1:2] in \
        SOCIAL_ORGANIZATION_TYPES


def is_volunteer_service_purpose(charter_purpose: str) -> bool:
    """Whether a charter purpose (宗旨) states volunteer service (Hunan notice 001 二(一): 以开展志愿服务为宗旨)."""
    return any(w in charter_purpose for w in VOLUNTEER_PURPOSE_WORDS)


def is_identified_on_registration(name: str, charter_purpose: str, credit_code: str | None) -> bool:
    """Hunan notice 二(一): a social organization registered with civil affairs (credit code registering
    authority 5, type 1-3) whose name has 志愿服务/志愿者/义工 and whose charter purpose is volunteer service is
    identified directly. Others are identified only on request after charter review."""
    return (is_registered_social_organization(credit_code) and any(w in name for w in VOLUNTEER_NAME_WORDS)
            and is_volunteer_service_purpose(charter_purpose))


def check_credit_code(value: str | None) -> str | None:
    """Unified social credit code (GB 32100); optional for unregistered teams."""
    if value is None or not value.strip():
        return None
    try:
        return str(uscc.validate(value.strip().upper()))
    except ValidationError:
        raise InvalidFieldError(
            "credit_code", "expected an 18-character unified social credit code with a valid GB 32100 check character"
        ) from None


def check_region_code(value: str | None) -> str | None:
    """An administrative division code: 6 digits (county), 9 (township) or 12 (village), or none."""
    region = check_text("region_code", value, max_length=12, required=False) or None
    if region is not None and not (region.isascii() and region.isdigit() and len(region) in (6, 9, 12)):
        raise InvalidFieldError("region_code", "expected a 6-, 9- or 12-digit administrative division code")
    return region


# Segments of an administrative division code: province, city, county (GB/T 2260), township, village.
REGION_SEGMENTS = (2, 2, 2, 3, 3)


def region_prefix(region_code: str) -> str:
    """The significant prefix of a division code, for "everything within": 430000 → 43 (Hunan), 430100 → 4301
    (Changsha), 430102 → 430102. Trailing all-zero segments mean "the whole area above"."""
    code = region_code.strip()
    if not (code.isascii() and code.isdigit() and len(code) in (2, 4, 6, 9, 12)):
        raise InvalidFieldError("region_code", "expected a 2-, 4-, 6-, 9- or 12-digit administrative division code")
    bounds, at = [], 0
    for size in REGION_SEGMENTS:
        if at >= len(code):
            break
        bounds.append((at, at + size))
        at += size
    while bounds and set(code[bounds[-1][0]:bounds[-1][1]]) == {"0"}:
        bounds.pop()
    if not bounds:
        raise InvalidFieldError("region_code", "expected a division code that is not all zeros")
    return code[:bounds[-1][1]]


class Organization(VledgerAggregate):
    """An organization that records volunteer service and certifies it."""

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    name: str
    kind: str
    credit_code: str | None
    charter_purpose: str
    region_code: str | None
    identified: bool
    identified_since: dt.datetime | None
    request_pending: bool
    dissolved: bool  # dissolution and succession: see ``Organization.dissolve`` and domain.succession
    successor_id: UUID | None

    class Registered(VledgerAggregate.Created):
        # v2 added ``kind``: organizations registered before kinds existed were all registered as volunteer
        # organizations (the API's default ever since).
        class_version = 2

        name: str
        kind: str
        credit_code: str | None
        charter_purpose: str
        region_code: str | None
        identified: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("kind", DEFAULT_KIND.value)

        def apply(self, aggregate: Organization) -> None:
            aggregate.name = self.name
            aggregate.kind = self.kind
            aggregate.credit_code = self.credit_code
            aggregate.charter_purpose = self.charter_purpose
            aggregate.region_code = self.region_code
            aggregate.identified = self.identified
            aggregate.identified_since = self.timestamp if self.identified else None
            aggregate.request_pending = False
            aggregate.dissolved = False
            aggregate.successor_id = None

    class IdentificationRequested(VledgerAggregate.Event):
        """The organization asks to be identified (its actor is the organization, its authority the registry)."""

        def apply(self, aggregate: Organization) -> None:
            aggregate.request_pending = True

    class Identified(VledgerAggregate.Event):
        basis: str
        reason: str | None

        def apply(self, aggregate: Organization) -> None:
            aggregate.identified = True
            aggregate.identified_since = self.timestamp
            aggregate.request_pending = False

    class IdentificationRefused(VledgerAggregate.Event):
        reason: str

        def apply(self, aggregate: Organization) -> None:
            aggregate.request_pending = False

    class CharterAmended(VledgerAggregate.Event):
        charter_purpose: str
        reason: str

        def apply(self, aggregate: Organization) -> None:
            aggregate.charter_purpose = self.charter_purpose

    class IdentificationWithdrawn(VledgerAggregate.Event):
        reason: str

        def apply(self, aggregate: Organization) -> None:
            aggregate.identified = False
            aggregate.identified_since = None

    class Dissolved(VledgerAggregate.Event):
        """The registry records that the organization was dissolved (注销) and names the successor that issues
        certificates from its records from now on (domain.md, "Certificates")."""

        successor_id: UUID
        reason: str

        def apply(self, aggregate: Organization) -> None:
            aggregate.dissolved = True
            aggregate.successor_id = self.successor_id

    @classmethod
    def register(
        cls,
        *,
        now: dt.datetime,
        actor: str,
        name: str,
        charter_purpose: str,
        credit_code: str | None = None,
        region_code: str | None = None,
        kind: str | None = None,
        id: UUID | None = None,  # noqa: A002
    ) -> Organization:
        """Register an organization on behalf of the registry; it is identified directly when the Hunan rule
        allows (``is_identified_on_registration``)."""
        name = check_text("name", name, max_length=100)
        purpose = check_text("charter_purpose", charter_purpose, max_length=1000)
        region = check_region_code(region_code)
        code = check_credit_code(credit_code)
        return cls._create(
            cls.Registered,
            id=id or uuid4(),
            timestamp=now,
            actor=actor,
            authority=REGISTRY,
            name=name,
            kind=check_kind(kind).value,
            credit_code=code,
            charter_purpose=purpose,
            region_code=region,
            identified=is_identified_on_registration(name, purpose, code),
        )

    # -- identification (标识, Hunan notice 001 二(一)) --------------------------------------------------------

    def check_not_identified(self) -> None:
        """Identification is a mark an organization has or has not: it is not given twice."""
        if self.identified:
            raise ConflictError("the organization is already identified as a volunteer service organization",
                                code="already_identified")

    def check_volunteer_charter(self) -> None:
        """Only a charter whose purpose is volunteer service qualifies (Hunan notice 001 二(一): 其章程以开展志愿服务为
        宗旨): the organization can see that in its own charter, so it is checked when it asks and when decided."""
        if not is_volunteer_service_purpose(self.charter_purpose):
            raise RuleViolationError("the charter's purpose is not volunteer service: amend the charter first",
                                     code="charter_not_volunteer_service")

    def check_may_be_identified(self) -> None:
        """The registry's review (Hunan notice 001 二(一)): only a social organization registered with civil affairs
        whose charter purpose is volunteer service is identified. Registration is the registry's own record, so it
        is checked at the decision: an unregistered body that asks gets a refusal with a reason, on the record."""
        if not is_registered_social_organization(self.credit_code):
            raise RuleViolationError(
                "only a social organization registered with civil affairs (credit code 51, 52 or 53…) can be "
                "identified as a volunteer service organization; refuse the request with a reason",
                code="not_a_registered_social_organization")
        self.check_volunteer_charter()

    def request_identification(self, *, now: dt.datetime, actor: str) -> None:
        """The organization asks to be identified; the registry then reviews its charter."""
        self.check_not_identified()
        if self.request_pending:
            raise ConflictError("a request for identification is already waiting for the registry's decision",
                                code="request_pending")
        self.check_volunteer_charter()
        self.trigger_event(self.IdentificationRequested, timestamp=now, actor=actor, authority=REGISTRY)

    def check_request_pending(self) -> None:
        """The registry decides only on a request the organization made (identification is on request)."""
        self.check_not_identified()
        if not self.request_pending:
            raise ConflictError("the organization has no request for identification waiting for a decision",
                                code="no_pending_request")

    def identify(self, *, now: dt.datetime, actor: str, reason: str | None = None) -> None:
        """The registry identifies the organization after reviewing its charter (核准其章程后予以标识)."""
        self.check_request_pending()
        self.check_may_be_identified()  # the charter may have been amended since the request
        why = check_text("reason", reason, max_length=500, required=False) or None
        self.trigger_event(self.Identified, timestamp=now, actor=actor, authority=REGISTRY,
                           basis=IdentificationBasis.CHARTER_REVIEW.value, reason=why)

    def refuse_identification(self, *, now: dt.datetime, actor: str, reason: str | None) -> None:
        """The registry refuses a request, always with a reason the organization can act on."""
        self.check_request_pending()
        why = check_text("reason", reason, max_length=500)
        self.trigger_event(self.IdentificationRefused, timestamp=now, actor=actor, authority=REGISTRY, reason=why)

    def decide_identification(self, *, now: dt.datetime, actor: str, decision: str,
                              reason: str | None = None) -> None:
        """The registry's decision on a pending request: ``identify`` or ``refuse`` (with a reason)."""
        try:
            chosen = IdentificationDecision(decision)
        except ValueError:
            allowed = ", ".join(d.value for d in IdentificationDecision)
            raise InvalidFieldError("decision", f"expected one of {allowed}") from None
        if chosen is IdentificationDecision.IDENTIFY:
            self.identify(now=now, actor=actor, reason=reason)
        else:
            self.refuse_identification(now=now, actor=actor, reason=reason)

    def amend_charter(self, *, now: dt.datetime, actor: str, charter_purpose: str, reason: str | None) -> None:
        """The registry records an amended charter purpose (章程修改核准), with a reason.

        In the same change (Hunan notice 001 二(一), 在核准其章程时同步): an identified organization whose purpose is no
        longer volunteer service loses the mark; one that now meets the direct rule is identified directly.
        """
        purpose = check_text("charter_purpose", charter_purpose, max_length=1000)
        why = check_text("reason", reason, max_length=500)
        if purpose == self.charter_purpose:
            raise InvalidFieldError("charter_purpose", "is the same as the current charter purpose",
                                    code="charter_unchanged")
        self.trigger_event(self.CharterAmended, timestamp=now, actor=actor, authority=REGISTRY,
                           charter_purpose=purpose, reason=why)
        if self.identified and not is_volunteer_service_purpose(purpose):
            self.trigger_event(self.IdentificationWithdrawn, timestamp=now, actor=actor, authority=REGISTRY,
                               reason="the amended charter's purpose is no longer volunteer service")
        elif not self.identified and is_identified_on_registration(self.name, purpose, self.credit_code):
            self.trigger_event(self.Identified, timestamp=now, actor=actor, authority=REGISTRY,
                               basis=IdentificationBasis.DIRECT.value, reason=None)

    # -- dissolution and succession (domain.succession) -----------------------------------------------------

    def check_not_dissolved(self) -> None:
        """An organization is dissolved once (409)."""
        if self.dissolved:
            raise ConflictError(f"the organization was already dissolved; its successor is {self.successor_id}",
                                code="already_dissolved")

    def check_may_succeed(self, dissolved_id: UUID) -> None:
        """A successor is another organization (422) that is not dissolved itself (409): it must be able to issue
        certificates from the records it takes over, and no chain of successors can then loop."""
        if self.id == dissolved_id:
            raise RuleViolationError("an organization cannot be its own successor", code="successor_is_itself")
        if self.dissolved:
            raise ConflictError(f"organization {self.id} was dissolved itself and cannot be a successor; name its "
                                f"successor {self.successor_id} instead", code="successor_dissolved")

    def dissolve(self, *, now: dt.datetime, actor: str, successor: Organization, reason: str | None) -> None:
        """The registry records the dissolution (注销) with a reason, naming the registered organization that
        issues certificates from this one's records from now on. Certificates already issued stay valid."""
        why = check_text("reason", reason, max_length=500)
        self.check_not_dissolved()
        successor.check_may_succeed(self.id)
        self.trigger_event(self.Dissolved, timestamp=now, actor=actor, authority=REGISTRY,
                           successor_id=successor.id, reason=why)
