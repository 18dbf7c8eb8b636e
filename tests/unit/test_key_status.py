"""What a key's lifecycle means for something it signed (domain/key_status.py): one table, online and offline.

Online the verifier has the logged instant of issuance (``signed_at``); offline only the issue date, a China
calendar day. Times below are UTC; China time is UTC+8, so 2026-05-10T12:00Z is 20:00 on 10 May in China, and
2026-05-10T18:00Z is already 11 May there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from domain.key_status import KeyStanding, judge_key
from domain.verdicts import REASONS

RETIRED_AT = dt.datetime(2026, 5, 10, 12, 0, tzinfo=dt.UTC)  # 20:00 on 10 May, China time
COMPROMISED_SINCE = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)  # 20:00 on 1 May, China time
SECOND = dt.timedelta(seconds=1)


@dataclass(frozen=True)
class Case:
    status: str
    retired_at: dt.datetime | None
    compromised_since: dt.datetime | None
    signed_at: dt.datetime | None
    issue_date: dt.date
    verdict: str | None
    reasons: tuple[str, ...]


CASES: dict[str, Case] = {
    "an active key changes nothing": Case("active", None, None, RETIRED_AT, dt.date(2026, 5, 10), None, ()),
    "rotation: signed a second before retirement → no change, the retirement named":
        Case("retired", RETIRED_AT, None, RETIRED_AT - SECOND, dt.date(2026, 5, 10), None, ("key_retired",)),
    "rotation: signed at the instant of retirement → forged":
        Case("retired", RETIRED_AT, None, RETIRED_AT, dt.date(2026, 5, 10), "forged", ("signed_after_key_retired",)),
    "rotation: signed after retirement → forged":
        Case("retired", RETIRED_AT, None, RETIRED_AT + SECOND, dt.date(2026, 5, 10), "forged",
             ("signed_after_key_retired",)),
    "rotation offline: issued the day before → no change":
        Case("retired", RETIRED_AT, None, None, dt.date(2026, 5, 9), None, ("key_retired",)),
    "rotation offline: issued on the day of retirement → benefit of the doubt":
        Case("retired", RETIRED_AT, None, None, dt.date(2026, 5, 10), None, ("key_retired",)),
    "rotation offline: issued the day after → forged":
        Case("retired", RETIRED_AT, None, None, dt.date(2026, 5, 11), "forged", ("signed_after_key_retired",)),
    "revoked: signed before the compromise → warning":
        Case("revoked", RETIRED_AT, COMPROMISED_SINCE, COMPROMISED_SINCE - SECOND, dt.date(2026, 5, 1),
             "valid_with_warnings", ("key_compromised_after_issuance",)),
    "revoked: signed at the instant of the compromise → forged":
        Case("revoked", RETIRED_AT, COMPROMISED_SINCE, COMPROMISED_SINCE, dt.date(2026, 5, 1), "forged",
             ("key_compromised_before_issuance",)),
    "revoked: signed after the compromise, before the revocation retired it → forged":
        Case("revoked", RETIRED_AT, COMPROMISED_SINCE, COMPROMISED_SINCE + dt.timedelta(days=3),
             dt.date(2026, 5, 4), "forged", ("key_compromised_before_issuance",)),
    "revoked offline: issued the day before the compromise → warning":
        Case("revoked", RETIRED_AT, COMPROMISED_SINCE, None, dt.date(2026, 4, 30), "valid_with_warnings",
             ("key_compromised_after_issuance",)),
    "revoked offline: issued on the day of the compromise → unverifiable, never forged":
        Case("revoked", RETIRED_AT, COMPROMISED_SINCE, None, dt.date(2026, 5, 1), "unverifiable",
             ("key_compromised_same_day",)),
    "revoked offline: issued the day after the compromise → forged":
        Case("revoked", RETIRED_AT, COMPROMISED_SINCE, None, dt.date(2026, 5, 2), "forged",
             ("key_compromised_before_issuance",)),
    # Leaked after it was retired: what it signed while retired is forged, whatever the compromise says.
    "revoked after retirement, compromise later: signed between the two → forged as signed after retirement":
        Case("revoked", COMPROMISED_SINCE, RETIRED_AT, COMPROMISED_SINCE + SECOND, dt.date(2026, 5, 2), "forged",
             ("signed_after_key_retired",)),
    "revoked after retirement, compromise later: signed before both → warning":
        Case("revoked", COMPROMISED_SINCE, RETIRED_AT, COMPROMISED_SINCE - SECOND, dt.date(2026, 5, 1),
             "valid_with_warnings", ("key_compromised_after_issuance",)),
    "revoked offline: the compromise day is unknown but the retirement day is past → forged, not unverifiable":
        Case("revoked", dt.datetime(2026, 4, 20, 12, 0, tzinfo=dt.UTC), COMPROMISED_SINCE, None,
             dt.date(2026, 5, 1), "forged", ("signed_after_key_retired",)),
    # In UTC the retirement would fall on 10 May, and a certificate of 11 May would be a day late: forged.
    "offline days are China's: retired 18:00 UTC on 10 May is 11 May in China, the day of a certificate of 11 May":
        Case("retired", RETIRED_AT + dt.timedelta(hours=6), None, None, dt.date(2026, 5, 11), None,
             ("key_retired",)),
    "a status this verifier does not know is not trusted": Case("suspended", None, None, RETIRED_AT,
                                                                 dt.date(2026, 5, 10), "unverifiable",
                                                                 ("key_status_unknown",)),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_keys_lifecycle_decides_or_annotates_the_verdict(case: Case) -> None:
    standing = judge_key(case.status, retired_at=case.retired_at, compromised_since=case.compromised_since,
                         signed_at=case.signed_at, issue_date=case.issue_date)
    assert standing == KeyStanding(case.verdict, case.reasons)


def test_every_reason_judge_key_gives_has_text_in_both_languages() -> None:
    given = {reason for case in CASES.values() for reason in case.reasons}
    assert given <= set(REASONS)
    assert all(REASONS[r][0] and REASONS[r][1] for r in given)
