"""Organizations (志愿服务组织 and the other bodies allowed to record volunteer service)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID, uuid4

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from domain.base import REGISTRY, VledgerAggregate, check_text
from domain.errors import InvalidFieldError

VOLUNTEER_NAME_WORDS = ("志愿服务", "志愿者", "义工")


def is_identified_on_registration(name: str, charter_purpose: str, credit_code: str | None) -> bool:
    """Hunan notice 二(一): a social organization registered with civil affairs (credit code registering
    authority 5) whose name has 志愿服务/志愿者/义工 and whose charter purpose is volunteer service is
    identified directly. Others are identified only on request after charter review."""
    registered_social_org = credit_code is not None and credit_code.startswith("5")
    return registered_social_org and any(w in name for w in VOLUNTEER_NAME_WORDS) and "志愿" in charter_purpose


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


class Organization(VledgerAggregate):
    """An organization that records volunteer service and certifies it."""

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    name: str
    credit_code: str | None
    charter_purpose: str
    region_code: str | None
    identified: bool

    class Registered(VledgerAggregate.Created):
        name: str
        credit_code: str | None
        charter_purpose: str
        region_code: str | None
        identified: bool

        def apply(self, aggregate: Organization) -> None:
            aggregate.name = self.name
            aggregate.credit_code = self.credit_code
            aggregate.charter_purpose = self.charter_purpose
            aggregate.region_code = self.region_code
            aggregate.identified = self.identified

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
        id: UUID | None = None,  # noqa: A002
    ) -> Organization:
        """Register an organization on behalf of the registry."""
        name = check_text("name", name, max_length=100)
        purpose = check_text("charter_purpose", charter_purpose, max_length=1000)
        region = check_text("region_code", region_code, max_length=12, required=False) or None
        if region is not None and not (region.isascii() and region.isdigit() and len(region) in (6, 9, 12)):
            raise InvalidFieldError("region_code", "expected a 6-, 9- or 12-digit administrative division code")
        code = check_credit_code(credit_code)
        return cls._create(
            cls.Registered,
            id=id or uuid4(),
            timestamp=now,
            actor=actor,
            authority=REGISTRY,
            name=name,
            credit_code=code,
            charter_purpose=purpose,
            region_code=region,
            identified=is_identified_on_registration(name, purpose, code),
        )
