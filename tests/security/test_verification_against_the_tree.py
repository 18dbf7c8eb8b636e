"""Verification checks the certificate's inclusion in the signed tree itself, not only the event store."""

from __future__ import annotations

from tests.api.http_world import World


def verify(world: World) -> dict:
    response = world.client.post("/api/v1/verify", json={"code": world.certificate["qr_text"]})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_valid_certificate_carries_a_checked_inclusion_proof(world: World) -> None:
    answer = verify(world)
    assert answer["verdict"] == "valid", answer
    log = answer["log"]
    assert log["index"] is not None and log["tree_size"] > log["index"]
    assert log["inclusion"] and log["checkpoint"].startswith(world.app.instance.origin + "\n")


def test_changed_hashes_in_the_stored_tree_make_the_certificate_altered(world: World) -> None:
    index = verify(world)["log"]["index"]
    # Every stored subtree hash but the certificate's own leaf: whichever of them its audit path uses is wrong.
    with world.app.views.store.transaction() as c:
        rows = c.execute("SELECT level, idx, hash FROM view_merkle_nodes").fetchall()
        for row in rows:
            if (row["level"], row["idx"]) != (0, index):
                flipped = ("0" if row["hash"][0] != "0" else "1") + row["hash"][1:]
                c.execute("UPDATE view_merkle_nodes SET hash = ? WHERE level = ? AND idx = ?",
                          (flipped, row["level"], row["idx"]))

    answer = verify(world)

    assert answer["verdict"] == "altered"
    assert "log_inclusion_failed" in [r["code"] for r in answer["reasons"]]
