"""The signing key's lifecycle (domain/signing_key.py): registered → retired → revoked, each step by the registry.

Guards: a revoked key is not retired, nothing is revoked twice or retired twice, a compromise is an instant with
a UTC offset that has already begun, a revocation says why, and the root and log keys have no lifecycle here.
"""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from domain.base import REGISTRY
from domain.errors import ConflictError, InvalidFieldError, RuleViolationError
from domain.signing_key import SigningKey, lifecycle_names_key, signing_key_id

NOW = dt.datetime(2026, 5, 10, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=2)
ACTOR = "registry:registry"
PUBLIC = base64.b64encode(bytes(range(32))).decode()


def key(purpose: str = "organization") -> SigningKey:
    return SigningKey.register(now=NOW, actor=ACTOR, key_id="0a1b2c3d", name="vledger.test/org/x", public_key=PUBLIC,
                               owner="b3f0c2d4-0000-4000-8000-000000000001", purpose=purpose)


def pending_types(k: SigningKey) -> list[str]:
    return [type(e).__name__ for e in k.collect_events()]


def test_a_registered_key_is_active() -> None:
    k = key()
    assert (k.status, k.retired_at, k.compromised_since) == ("active", None, None)


def test_retiring_makes_the_key_retired_from_now_by_the_registry_and_names_the_key() -> None:
    k = key()
    k.collect_events()
    k.retire(now=LATER, actor="organization:x", reason="rotated")
    assert (k.status, k.retired_at, k.lifecycle_reason) == ("retired", LATER, "rotated")
    (event,) = k.collect_events()
    assert isinstance(event, SigningKey.KeyRetired)
    assert event.authority == REGISTRY  # signed by the root, whoever asked
    assert (event.key_id, event.public_key, event.retired_at) == ("0a1b2c3d", PUBLIC, LATER)
    assert lifecycle_names_key(event)


def test_revoking_an_active_key_retires_it_in_the_same_event() -> None:
    k = key()
    k.collect_events()
    since = LATER - dt.timedelta(hours=5)
    k.revoke(now=LATER, actor=ACTOR, compromised_since=since, reason="私钥文件外泄")
    assert (k.status, k.retired_at, k.compromised_since) == ("revoked", LATER, since)
    assert pending_types(k) == ["KeyRevoked"]


def test_revoking_a_retired_key_keeps_its_retirement_instant() -> None:
    k = key()
    k.retire(now=NOW + dt.timedelta(hours=1), actor=ACTOR)
    k.revoke(now=LATER, actor=ACTOR, compromised_since=NOW + dt.timedelta(days=1), reason="旧密钥备份泄露")
    assert (k.status, k.retired_at) == ("revoked", NOW + dt.timedelta(hours=1))


def test_a_revoked_key_cannot_be_retired() -> None:
    k = key()
    k.revoke(now=LATER, actor=ACTOR, compromised_since=LATER, reason="泄露")
    k.collect_events()
    with pytest.raises(ConflictError) as raised:
        k.retire(now=LATER, actor=ACTOR)
    assert raised.value.code == "key_revoked"
    assert k.collect_events() == []


def test_a_key_is_retired_once() -> None:
    k = key()
    k.retire(now=LATER, actor=ACTOR)
    with pytest.raises(ConflictError) as raised:
        k.retire(now=LATER, actor=ACTOR)
    assert raised.value.code == "key_already_retired"


def test_a_key_is_revoked_once() -> None:
    k = key()
    k.revoke(now=LATER, actor=ACTOR, compromised_since=NOW, reason="泄露")
    k.collect_events()
    with pytest.raises(ConflictError) as raised:
        k.revoke(now=LATER, actor=ACTOR, compromised_since=NOW, reason="又一次")
    assert raised.value.code == "key_already_revoked"
    assert k.collect_events() == []


def test_a_compromise_must_carry_a_utc_offset() -> None:
    with pytest.raises(InvalidFieldError) as raised:
        key().revoke(now=LATER, actor=ACTOR, compromised_since=dt.datetime(2026, 5, 11, 9, 0), reason="泄露")
    assert raised.value.field == "compromised_since"


def test_a_compromise_cannot_begin_in_the_future() -> None:
    k = key()
    with pytest.raises(InvalidFieldError) as raised:
        k.revoke(now=LATER, actor=ACTOR, compromised_since=LATER + dt.timedelta(seconds=1), reason="泄露")
    assert raised.value.field == "compromised_since"
    assert k.status == "active"


def test_a_compromise_may_begin_right_now() -> None:
    k = key()
    k.revoke(now=LATER, actor=ACTOR, compromised_since=LATER, reason="泄露")
    assert k.compromised_since == LATER


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_revocation_must_say_why(reason: str | None) -> None:
    k = key()
    with pytest.raises(InvalidFieldError) as raised:
        k.revoke(now=LATER, actor=ACTOR, compromised_since=NOW, reason=reason)  # type: ignore[arg-type]
    assert raised.value.field == "reason"
    assert k.status == "active"


@pytest.mark.parametrize("purpose", ["root", "log"])
def test_the_root_and_log_keys_are_neither_retired_nor_revoked_here(purpose: str) -> None:
    k = key(purpose)
    with pytest.raises(RuleViolationError) as retired:
        k.retire(now=LATER, actor=ACTOR)
    with pytest.raises(RuleViolationError) as revoked:
        k.revoke(now=LATER, actor=ACTOR, compromised_since=NOW, reason="泄露")
    assert retired.value.code == revoked.value.code == "key_not_rotatable"
    assert k.status == "active"


def test_the_inspection_key_has_a_lifecycle() -> None:
    k = key("inspection")
    k.retire(now=LATER, actor=ACTOR)
    assert k.status == "retired"


def test_a_lifecycle_event_names_the_key_whose_history_it_is_in() -> None:
    k = key()
    k.retire(now=LATER, actor=ACTOR)
    event = k.collect_events()[-1]
    assert isinstance(event, SigningKey.KeyRetired)
    assert event.originator_id == signing_key_id("0a1b2c3d", PUBLIC)
    moved = SigningKey.KeyRetired(originator_id=signing_key_id("ffffffff", PUBLIC), originator_version=2,
                                  timestamp=LATER, actor=ACTOR, authority=REGISTRY, key_id="0a1b2c3d",
                                  public_key=PUBLIC, retired_at=LATER, reason=None)
    assert not lifecycle_names_key(moved)
