"""The transparency log's public endpoints (DESIGN §8), on SQLite and on PostgreSQL, checked the way an outside
monitor would: only the HTTP answers, the C2SP note rules and RFC 9162 written out independently
(tests/unit/test_signed_notes.py, tests/unit/test_merkle_vectors.py) — nothing of projections.merkle or
keys.notes is used to judge an answer.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.settings import Settings
from tests.api.http_world import World, assert_error_body
from tests.integration.support import all_notifications
from tests.unit.test_merkle_vectors import spec_mth, spec_verify_consistency, spec_verify_inclusion
from tests.unit.test_signed_notes import spec_checkpoint, spec_parse_vkey

PUBLIC_URL = "https://verify.example.cn"
ORIGIN = "verify.example.cn/vledger"  # the public URL's host followed by /vledger


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Every test of this module runs on both event stores."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    return Settings(data_dir=tmp_path / "data", database_url=url, public_url=PUBLIC_URL)


# -- what an outside monitor does ----------------------------------------------------------------------------------

LEAF_DOMAIN = b"vledger/leaf/v1\n"


def spec_parse_leaf(data: bytes) -> dict[str, Any]:
    """The leaf encoding as documented: domain tag ‖ notification id u64 ‖ u16-length originator id (hex) ‖
    version u64 ‖ u16-length topic ‖ SHA-256 of the event body ‖ key id (4) ‖ signature (64), all big-endian."""
    assert data.startswith(LEAF_DOMAIN)
    at = len(LEAF_DOMAIN)
    (notification_id,) = struct.unpack_from(">Q", data, at)
    (n,) = struct.unpack_from(">H", data, at + 8)
    originator_id = UUID(hex=data[at + 10:at + 10 + n].decode("ascii"))
    at += 10 + n
    (version,) = struct.unpack_from(">Q", data, at)
    (n,) = struct.unpack_from(">H", data, at + 8)
    topic = data[at + 10:at + 10 + n].decode("utf-8")
    at += 10 + n
    state_sha256, key_id, signature = data[at:at + 32], data[at + 32:at + 36], data[at + 36:at + 100]
    assert len(data) == at + 100, "nothing may follow the signature"
    return {"notification_id": notification_id, "originator_id": originator_id, "originator_version": version,
            "topic": topic, "state_sha256": state_sha256, "key_id": key_id, "signature": signature}


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def log_key(client: TestClient) -> str:
    response = client.get("/log/key")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return str(response.text.strip())


def checkpoint(client: TestClient) -> tuple[str, int, bytes, str]:
    """(origin, size, root, note) of the current checkpoint, its signature checked with the published key."""
    response = client.get("/log/checkpoint")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    origin, size, root = spec_checkpoint(response.text, log_key(client))
    return origin, size, root, response.text


def leaf(client: TestClient, index: int) -> tuple[bytes, dict[str, Any]]:
    """The leaf hash SHA-256(0x00 ‖ data) computed here, and the endpoint's answer."""
    answer = ok(client.get(f"/api/v1/log/leaves/{index}"))
    data = base64.b64decode(answer["leaf_data"], validate=True)
    return hashlib.sha256(b"\x00" + data).digest(), answer


def inclusion(client: TestClient, index: int, size: int) -> list[bytes]:
    answer = ok(client.get("/api/v1/log/proof/inclusion", params={"index": index, "tree_size": size}))
    assert (answer["index"], answer["tree_size"]) == (index, size)
    return [base64.b64decode(h, validate=True) for h in answer["hashes"]]


def consistency(client: TestClient, old: int, size: int) -> list[bytes]:
    answer = ok(client.get("/api/v1/log/proof/consistency", params={"old_size": old, "tree_size": size}))
    assert (answer["old_size"], answer["tree_size"]) == (old, size)
    return [base64.b64decode(h, validate=True) for h in answer["hashes"]]


def number_of_events(world: World) -> int:
    return len(all_notifications(world.app))


# -- checkpoint and key ----------------------------------------------------------------------------------------


def test_the_checkpoint_is_a_plain_text_note_signed_by_the_published_log_key(world: World) -> None:
    name, _kid, _public = spec_parse_vkey(log_key(world.client))
    origin, size, root, note = checkpoint(world.client)

    assert origin == ORIGIN and name == ORIGIN
    assert size == number_of_events(world)
    # The root is the RFC 9162 root of the leaves the log serves, recomputed here from their bytes.
    leaves = [base64.b64decode(leaf(world.client, i)[1]["leaf_data"]) for i in range(size)]
    assert spec_mth(leaves) == root
    assert note == world.app.checkpoints.latest().note  # type: ignore[union-attr]


def test_each_write_signs_a_larger_checkpoint_and_every_checkpoint_is_kept(world: World) -> None:
    _, size_before, root_before, note_before = checkpoint(world.client)
    kept_before = world.app.checkpoints.all()

    world.record_hours(world.other_volunteer["id"], "2")

    _, size_after, root_after, note_after = checkpoint(world.client)
    assert size_after > size_before and size_after == number_of_events(world)
    assert note_after != note_before
    kept = world.app.checkpoints.all()
    assert kept[:len(kept_before)] == kept_before  # nothing signed before is changed or dropped
    assert kept[-1].note == note_after and len(kept) == len(kept_before) + 1
    # The new tree extends the old one, by a proof checked here.
    proof = consistency(world.client, size_before, size_after)
    assert spec_verify_consistency(size_before, size_after, root_before, root_after, proof)


def test_every_kept_checkpoint_verifies_and_each_extends_the_one_before(world: World) -> None:
    world.record_hours(world.other_volunteer["id"], "1.5")
    vkey = log_key(world.client)
    kept = world.app.checkpoints.all()
    assert len(kept) >= 5  # init, then one per write of the world

    previous: tuple[int, bytes] | None = None
    for stored in kept:
        assert spec_checkpoint(stored.note, vkey) == (ORIGIN, stored.tree_size, stored.root)
        if previous is not None:
            assert previous[0] < stored.tree_size
            proof = consistency(world.client, previous[0], stored.tree_size)
            assert spec_verify_consistency(previous[0], stored.tree_size, previous[1], stored.root, proof)
            assert not spec_verify_consistency(previous[0], stored.tree_size, stored.root, stored.root, proof)
        previous = (stored.tree_size, stored.root)


# -- leaves and inclusion --------------------------------------------------------------------------------------


def test_every_leaf_is_its_event_and_is_included_under_the_checkpoint_root(world: World) -> None:
    _, size, root, _ = checkpoint(world.client)
    events = all_notifications(world.app)
    assert len(events) == size
    for index in range(size):
        leaf_hash, answer = leaf(world.client, index)
        fields = spec_parse_leaf(base64.b64decode(answer["leaf_data"]))
        event = events[index]
        assert answer["index"] == index
        assert answer["notification_id"] == fields["notification_id"] == event.id
        assert UUID(answer["originator_id"]) == fields["originator_id"] == UUID(str(event.originator_id))
        assert answer["originator_version"] == fields["originator_version"] == event.originator_version
        assert fields["topic"] == event.topic
        proof = inclusion(world.client, index, size)
        assert spec_verify_inclusion(leaf_hash, index, size, proof, root), index
        if index + 1 < size:
            assert not spec_verify_inclusion(leaf_hash, index + 1, size, proof, root)


def test_an_old_checkpoint_still_proves_its_leaves(world: World) -> None:
    world.record_hours(world.other_volunteer["id"], "1")
    for stored in world.app.checkpoints.all():
        for index in {0, stored.tree_size // 2, stored.tree_size - 1}:
            leaf_hash, _ = leaf(world.client, index)
            assert spec_verify_inclusion(leaf_hash, index, stored.tree_size,
                                         inclusion(world.client, index, stored.tree_size), stored.root)


# -- bad requests -----------------------------------------------------------------------------------------------

BIG = str(10**30)

BAD_REQUESTS: list[tuple[str, Callable[[int], str]]] = [
    ("negative leaf", lambda n: "/api/v1/log/leaves/-1"),
    ("word leaf", lambda n: "/api/v1/log/leaves/abc"),
    ("fraction leaf", lambda n: "/api/v1/log/leaves/1.5"),
    ("superscript leaf", lambda n: "/api/v1/log/leaves/%C2%B2"),  # "²": str.isdigit() is true
    ("arabic-indic leaf", lambda n: "/api/v1/log/leaves/%D9%A1"),  # "١": int() would read 1
    ("leaf = size", lambda n: f"/api/v1/log/leaves/{n}"),
    ("leaf > size", lambda n: f"/api/v1/log/leaves/{n + 5}"),
    ("huge leaf", lambda n: f"/api/v1/log/leaves/{BIG}"),
    ("leaf past int64", lambda n: f"/api/v1/log/leaves/{2**63}"),
    ("inclusion, no parameters", lambda n: "/api/v1/log/proof/inclusion"),
    ("inclusion, no size", lambda n: "/api/v1/log/proof/inclusion?index=0"),
    ("inclusion, negative index", lambda n: f"/api/v1/log/proof/inclusion?index=-1&tree_size={n}"),
    ("inclusion, word index", lambda n: f"/api/v1/log/proof/inclusion?index=abc&tree_size={n}"),
    ("inclusion, index = size", lambda n: f"/api/v1/log/proof/inclusion?index={n}&tree_size={n}"),
    ("inclusion, index > size", lambda n: "/api/v1/log/proof/inclusion?index=3&tree_size=2"),
    ("inclusion, empty tree", lambda n: "/api/v1/log/proof/inclusion?index=0&tree_size=0"),
    ("inclusion, size > current", lambda n: f"/api/v1/log/proof/inclusion?index=0&tree_size={n + 1}"),
    ("inclusion, huge size", lambda n: f"/api/v1/log/proof/inclusion?index=0&tree_size={BIG}"),
    ("inclusion, huge index", lambda n: f"/api/v1/log/proof/inclusion?index={BIG}&tree_size={n}"),
    ("inclusion, negative size", lambda n: "/api/v1/log/proof/inclusion?index=0&tree_size=-1"),
    ("consistency, no parameters", lambda n: "/api/v1/log/proof/consistency"),
    ("consistency, old > size", lambda n: "/api/v1/log/proof/consistency?old_size=3&tree_size=2"),
    ("consistency, size > current", lambda n: f"/api/v1/log/proof/consistency?old_size=1&tree_size={n + 1}"),
    ("consistency, both > current", lambda n: f"/api/v1/log/proof/consistency?old_size={n + 1}&tree_size={n + 1}"),
    ("consistency, negative old", lambda n: f"/api/v1/log/proof/consistency?old_size=-1&tree_size={n}"),
    ("consistency, word old", lambda n: f"/api/v1/log/proof/consistency?old_size=x&tree_size={n}"),
    ("consistency, huge old", lambda n: f"/api/v1/log/proof/consistency?old_size={BIG}&tree_size={n}"),
    ("consistency, huge size", lambda n: f"/api/v1/log/proof/consistency?old_size=1&tree_size={BIG}"),
]


@pytest.mark.parametrize("url", [case[1] for case in BAD_REQUESTS], ids=[case[0] for case in BAD_REQUESTS])
def test_a_bad_index_or_size_is_a_400_that_says_what_was_expected(url: Callable[[int], str], world: World) -> None:
    _, size, _, _ = checkpoint(world.client)
    error = assert_error_body(world.client.get(url(size)), 400)
    assert error["code"] == "bad_log_request"
    assert any(word in error["message"] for word in ("index", "tree_size", "old_size")), error


def test_the_edges_of_the_tree_are_answered(world: World) -> None:
    _, size, root, _ = checkpoint(world.client)
    leaf_hash, _ = leaf(world.client, size - 1)
    assert spec_verify_inclusion(leaf_hash, size - 1, size, inclusion(world.client, size - 1, size), root)
    assert consistency(world.client, 0, size) == []
    assert consistency(world.client, size, size) == []
    assert consistency(world.client, 0, 0) == []


# -- certificates in the log ---------------------------------------------------------------------------------------


def test_certificate_issuance_returns_the_index_of_its_leaf(world: World) -> None:
    index = world.certificate["log_index"]
    assert isinstance(index, int) and index >= 0
    _, answer = leaf(world.client, index)
    fields = spec_parse_leaf(base64.b64decode(answer["leaf_data"]))
    assert fields["originator_id"] == UUID(world.certificate["id"])
    assert fields["originator_version"] == 1
    assert fields["topic"].endswith("Certificate.Issued")
    assert fields["key_id"] == bytes.fromhex(world.org["key_id"])  # signed by the issuing organization's key

    # The next certificate is a later leaf.
    second = world.issue_certificate(world.volunteer["id"])
    assert second["log_index"] > index
    assert spec_parse_leaf(base64.b64decode(leaf(world.client, second["log_index"])[1]["leaf_data"]))[
        "originator_id"] == UUID(second["id"])


def verified_log(world: World, qr_text: str) -> dict[str, Any]:
    answer = ok(world.client.post("/api/v1/verify", json={"code": qr_text}))
    assert answer["verdict"] == "valid", answer
    log: dict[str, Any] = answer["log"]
    assert set(log) >= {"index", "tree_size", "inclusion", "checkpoint"}
    return log


def test_verification_carries_an_inclusion_proof_that_verifies_independently(world: World) -> None:
    log = verified_log(world, world.certificate["qr_text"])

    assert log["index"] == world.certificate["log_index"]
    origin, size, root = spec_checkpoint(log["checkpoint"], log_key(world.client))
    assert origin == ORIGIN and size == log["tree_size"] > log["index"]
    leaf_hash, answer = leaf(world.client, log["index"])
    assert spec_parse_leaf(base64.b64decode(answer["leaf_data"]))["originator_id"] == UUID(world.certificate["id"])
    proof = [base64.b64decode(h, validate=True) for h in log["inclusion"]]
    assert spec_verify_inclusion(leaf_hash, log["index"], size, proof, root)


def test_after_more_writes_verification_proves_inclusion_in_the_newest_checkpoint(world: World) -> None:
    extra = world.record_hours(world.other_volunteer["id"], "3")
    amended = world.client.patch(f"/api/v1/records/{extra['id']}", headers=world.as_org(),
                                 json={"hours": "1", "reason": "签到表核对后更正"})
    assert amended.status_code == 200, amended.text
    _, size_now, root_now, note_now = checkpoint(world.client)

    log = verified_log(world, world.certificate["qr_text"])

    assert log["tree_size"] == size_now and log["checkpoint"] == note_now
    leaf_hash, _ = leaf(world.client, log["index"])
    proof = [base64.b64decode(h, validate=True) for h in log["inclusion"]]
    assert spec_verify_inclusion(leaf_hash, log["index"], size_now, proof, root_now)
