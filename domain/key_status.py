"""What a key's lifecycle means for something it signed (DESIGN §3, §6): one rule for online and offline checks.

Online, the verifier knows the instant the issuance was logged; offline, only the certificate's issue date (a
China calendar day). A day cannot be ordered against an instant on that same day, so offline says
``unverifiable`` there — never ``forged`` on a guess.

The rules, in order of strength:
  1. signed at or after the key's ``compromised_since`` (a revoked key) → ``forged``;
  2. signed at or after the key's ``retired_at`` (rotation, or the retirement a revocation implies) → ``forged``:
     the service never signs with a key once it is retired, so such a signature was made behind its back;
  3. a day that cannot be ordered against ``compromised_since`` (offline only) → ``unverifiable``;
  4. signed before a later compromise → ``valid_with_warnings`` naming it;
  5. signed before a rotation → no change to the verdict, the reason ``key_retired`` is added.
A forged finding wins over an unknown one: a certificate dated after the key's retirement day is forged whatever
the same-day compromise question would say.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.workdays import china_date

KEY_STATUSES = ("active", "retired", "revoked")


@dataclass(frozen=True)
class KeyStanding:
    """``verdict`` is None when the key's state does not change the verdict; ``reasons`` are added either way."""

    verdict: str | None
    reasons: tuple[str, ...] = ()


def _order(instant: dt.datetime, signed_at: dt.datetime | None, issue_date: dt.date) -> int | None:
    """-1 signed before ``instant``, 1 at or after it, None when a day cannot tell."""
    if signed_at is not None:
        return -1 if signed_at < instant else 1
    day = china_date(instant)
    if issue_date < day:
        return -1
    if issue_date > day:
        return 1
    return None


def judge_key(status: str, *, retired_at: dt.datetime | None, compromised_since: dt.datetime | None,
              signed_at: dt.datetime | None, issue_date: dt.date) -> KeyStanding:
    """How the signing key's lifecycle bears on a certificate signed at ``signed_at`` (or on ``issue_date``).

    ``signed_at`` is the logged instant of the issuance (online); None means only ``issue_date`` is known
    (offline, or a certificate that is not in the log).
    """
    if status not in KEY_STATUSES:
        # A status this code does not know (a newer directory, a damaged one) is not a reason to trust the key.
        return KeyStanding("unverifiable", ("key_status_unknown",))
    compromise = None
    if status == "revoked" and compromised_since is not None:
        compromise = _order(compromised_since, signed_at, issue_date)
        if compromise == 1:
            return KeyStanding("forged", ("key_compromised_before_issuance",))
    if status in ("retired", "revoked") and retired_at is not None:
        # On the day of a rotation offline gives the key the benefit of the doubt: it may have signed that morning.
        if _order(retired_at, signed_at, issue_date) == 1:
            return KeyStanding("forged", ("signed_after_key_retired",))
    if status == "revoked" and compromised_since is not None:
        if compromise is None:
            return KeyStanding("unverifiable", ("key_compromised_same_day",))
        return KeyStanding("valid_with_warnings", ("key_compromised_after_issuance",))
    if status == "retired" and retired_at is not None:
        return KeyStanding(None, ("key_retired",))
    return KeyStanding(None)
