"""Offline verification end to end (issue 5, item 6): a world with a certificate; its key directory fetched over HTTP
and exported with `vledger keys export`; `vledger verify --offline --keys FILE` on the code and on a PNG of its QR,
with every socket connect refused while it runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from api.cli import main
from domain.certificate_code import decode
from keys.directory import build_directory, parse_directory, signer_from_store
from keys.keyring import KeyInfo
from keys.notes import Verifier
from tests.api.http_world import World, decode_qr, payload_of, text_of

CHINA = dt.timezone(dt.timedelta(hours=8))


@contextmanager
def network_refused(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every socket connect raises (and is counted) while the block runs."""
    attempts: list[object] = []

    def refuse(self: socket.socket, *args: object) -> None:
        attempts.append(args)
        raise OSError("offline verification tried to open a network connection")

    with monkeypatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket.socket, "connect_ex", refuse)
        yield attempts


def root_verifier(world: World) -> Verifier:
    root = world.app.instance.root_key
    return Verifier(root.name, root.key_id, root.public_key)


def org_key(world: World) -> KeyInfo:
    [key] = [k for k in world.app.keyring.all() if k.kid == world.org["key_id"]]
    return key


def directory_of(world: World, keys: list[KeyInfo], *, issued_at: dt.datetime | None = None,
                 lifetime: dt.timedelta = dt.timedelta(days=7)) -> str:
    """A directory signed by the instance's real root key, listing what the test chooses."""
    root = world.app.instance.root_key
    return build_directory(keys, root_signer=signer_from_store(world.app.key_store, root.name, root.public_key),
                           issued_at=issued_at or dt.datetime.now(dt.UTC), lifetime=lifetime,
                           origin=world.app.instance.origin, public_url=world.app.settings.public_url)


def fetched_directory(world: World, tmp_path: Path) -> Path:
    response = world.client.get("/api/v1/keys/directory")
    assert response.status_code == 200, response.text
    path = tmp_path / "keys.note"
    path.write_bytes(response.content)
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def offline(world: World, keys_file: Path, code: str, capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, dict[str, Any]]:
    """`vledger verify --offline --json` trusting the instance's root key given on the command line."""
    with network_refused(monkeypatch) as attempts:
        status, out, _ = run(["verify", "--offline", "--keys", str(keys_file), "--root-key",
                              world.app.instance.root_key.verifier_key, "--json", *extra, code], capsys)
    assert attempts == []
    result: dict[str, Any] = json.loads(out)
    return status, result


def codes(result: dict[str, Any]) -> list[str]:
    return [r["code"] for r in result["reasons"]]


# -- the directory --------------------------------------------------------------------------------------------


def test_the_key_directory_is_public_text_signed_by_the_root_key_and_lists_the_organizations_key(world: World) -> None:
    response = world.client.get("/api/v1/keys/directory")  # no token
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["cache-control"] == "no-store"
    parsed = parse_directory(response.text, root_verifier(world))
    listed = {k.kid: k for k in parsed.keys}
    key = listed[world.org["key_id"]]
    assert (key.purpose, key.owner, key.status) == ("organization", world.org_id, "active")
    assert listed[world.other_org["key_id"]].owner == str(world.other_org["id"])
    assert parsed.public_url == world.app.settings.public_url
    assert parsed.origin == world.app.instance.origin
    now = dt.datetime.now(dt.UTC)
    assert parsed.issued_at <= now < parsed.expires_at == parsed.issued_at + dt.timedelta(days=7)


def test_the_route_is_public_in_the_openapi_document(world: World) -> None:
    operation = world.client.get("/openapi.json").json()["paths"]["/api/v1/keys/directory"]["get"]
    assert operation["x-roles"] == ["public"]
    assert world.client.get("/api/v1/keys").status_code == 200  # the key list beside it still answers


def test_keys_export_writes_the_directory_and_shows_the_root_key(world: World, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "exported.note"
    status, stdout, stderr = run(["keys", "export", "--data-dir", str(world.app.settings.data_dir), "--out", str(out),
                                  "--lifetime-days", "3"], capsys)
    assert status == 0, stderr
    assert world.app.instance.root_key.verifier_key in stderr and str(out) in stderr
    assert stdout == ""
    parsed = parse_directory(out.read_text(encoding="utf-8"), root_verifier(world))
    assert parsed.expires_at - parsed.issued_at == dt.timedelta(days=3)
    assert world.org["key_id"] in {k.kid for k in parsed.keys}
    # Without --out it goes to standard output, ready for a pipe.
    status, stdout, _ = run(["keys", "export", "--data-dir", str(world.app.settings.data_dir)], capsys)
    assert status == 0 and parse_directory(stdout, root_verifier(world)).keys == parsed.keys


def test_keys_export_refuses_a_lifetime_of_zero(world: World, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    status, _, stderr = run(["keys", "export", "--data-dir", str(world.app.settings.data_dir), "--out",
                             str(tmp_path / "x"), "--lifetime-days", "0"], capsys)
    assert status == 2 and "lifetime" in stderr
    assert not (tmp_path / "x").exists()


# -- verifying offline ----------------------------------------------------------------------------------------


def test_the_network_guard_really_refuses_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    with network_refused(monkeypatch) as attempts, pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    assert len(attempts) == 1


def test_a_certificate_verifies_offline_from_its_code_and_from_a_photo_of_its_qr(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    keys_file = fetched_directory(world, tmp_path)
    qr_text = world.certificate["qr_text"]
    status, result = offline(world, keys_file, qr_text, capsys, monkeypatch)
    assert status == 0 and result["verdict"] == "valid"
    assert codes(result) == ["signature_valid", "checked_offline", "claims_not_checked_offline"]
    shown = result["certificate"]
    assert shown["source"] == "certificate_claims"
    assert (shown["id"], shown["masked_name"], shown["hours"]) == (world.certificate["id"], "张*明", "3.5")
    assert shown["organization_id"] == world.org_id

    png = world.client.get(f"/api/v1/certificates/{world.certificate['id']}/qr.png", headers=world.as_org())
    assert png.status_code == 200
    assert decode_qr(png.content).text == qr_text  # the image really holds this certificate
    photo = tmp_path / "scan.png"
    photo.write_bytes(png.content)
    status, from_photo = offline(world, keys_file, str(photo), capsys, monkeypatch)
    assert status == 0 and from_photo == result

    # The bare code (no URL) is the same certificate.
    status, bare = offline(world, keys_file, qr_text.rsplit("/V/", 1)[1], capsys, monkeypatch)
    assert status == 0 and bare["verdict"] == "valid"


def test_the_local_instance_is_the_trust_anchor_when_no_root_key_is_given(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    keys_file = fetched_directory(world, tmp_path)
    with network_refused(monkeypatch) as attempts:
        status, out, _ = run(["verify", "--offline", "--keys", str(keys_file), "--data-dir",
                              str(world.app.settings.data_dir), world.certificate["qr_text"]], capsys)
    assert attempts == []
    assert status == 0
    assert out.startswith("valid: Signature valid") and "the certificate's own claims" in out  # a human line


def test_no_trust_anchor_and_no_directory_are_unverifiable(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    keys_file = fetched_directory(world, tmp_path)
    qr_text = world.certificate["qr_text"]
    with network_refused(monkeypatch):
        status, out, _ = run(["verify", "--offline", "--keys", str(keys_file), "--data-dir", str(tmp_path / "none"),
                              "--json", qr_text], capsys)
    assert status == 3 and codes(json.loads(out)) == ["no_trust_anchor"]
    status, missing = offline(world, tmp_path / "no-such-file.note", qr_text, capsys, monkeypatch)
    assert status == 3 and codes(missing) == ["key_directory_missing"]


def test_a_directory_signed_by_another_root_is_unverifiable(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    keys_file = fetched_directory(world, tmp_path)
    impostor = "example.org/vledger/root+00000000+" + "A" * 44
    with network_refused(monkeypatch):
        status, _, err = run(["verify", "--offline", "--keys", str(keys_file), "--root-key", impostor,
                              world.certificate["qr_text"]], capsys)
    assert status == 2 and "verifier key" in err  # a root key that is no key is a usage error
    with network_refused(monkeypatch):
        status, out, _ = run(["verify", "--offline", "--keys", str(keys_file), "--root-key",
                              org_key(world).verifier_key, "--json", world.certificate["qr_text"]], capsys)
    assert status == 3 and codes(json.loads(out)) == ["key_directory_untrusted"]


def test_a_stale_directory_gives_unverifiable(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "stale.note"
    stale.write_text(directory_of(world, world.app.keyring.all(),
                                  issued_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8)), encoding="utf-8")
    status, result = offline(world, stale, world.certificate["qr_text"], capsys, monkeypatch)
    assert (status, result["verdict"], codes(result)) == (3, "unverifiable", ["key_directory_stale"])
    assert result["certificate"] is None


def test_a_directory_without_the_key_gives_unverifiable(world: World, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    partial = tmp_path / "partial.note"
    partial.write_text(directory_of(world, [k for k in world.app.keyring.all() if k.kid != world.org["key_id"]]),
                       encoding="utf-8")
    status, result = offline(world, partial, world.certificate["qr_text"], capsys, monkeypatch)
    assert (status, result["verdict"], codes(result)) == (3, "unverifiable", ["key_not_in_directory"])


def test_altered_claims_are_altered_offline_as_online(world: World, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    keys_file = fetched_directory(world, tmp_path)
    payload = bytearray(payload_of(world.certificate["qr_text"]))
    payload[27:31] = (100_000).to_bytes(4, "big")  # centi-hours: 3.5 hours become 1000
    altered = text_of(bytes(payload))
    assert decode(bytes(payload)).claims.hours == 1000
    status, result = offline(world, keys_file, altered, capsys, monkeypatch)
    assert (status, result["verdict"], codes(result)) == (1, "altered", ["signature_mismatch"])
    assert result["certificate"] is None  # altered claims are never shown as the certificate's
    assert world.client.post("/api/v1/verify", json={"code": altered}).json()["verdict"] == "altered"


def test_a_url_under_a_foreign_host_is_malformed_and_so_is_garbage(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    keys_file = fetched_directory(world, tmp_path)
    foreign = "HTTPS://VERIFY.EVIL.EXAMPLE/V/" + world.certificate["qr_text"].rsplit("/V/", 1)[1]
    status, result = offline(world, keys_file, foreign, capsys, monkeypatch)
    assert (status, result["verdict"], codes(result)) == (1, "malformed", ["foreign_url"])
    status, result = offline(world, keys_file, "THIS-IS-NOT-A-CODE", capsys, monkeypatch)
    assert (status, result["verdict"]) == (1, "malformed")


def china_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=CHINA)


@pytest.mark.parametrize(("days_after_issue", "verdict", "reason", "exit_code"), [
    (1, "valid_with_warnings", "key_compromised_after_issuance", 0),
    (-1, "forged", "key_compromised_before_issuance", 1),
    (0, "unverifiable", "key_compromised_same_day", 3),
])
def test_a_revoked_key_is_judged_against_the_certificates_issue_date(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        days_after_issue: int, verdict: str, reason: str, exit_code: int) -> None:
    # Built directly (status revoked, compromised_since): what a revocation event makes the directory list.
    issue_date = decode(payload_of(world.certificate["qr_text"])).claims.issue_date
    revoked = dataclasses.replace(org_key(world), status="revoked",
                                  compromised_since=china_noon(issue_date + dt.timedelta(days=days_after_issue)))
    keys = [revoked if k.kid == revoked.kid else k for k in world.app.keyring.all()]
    keys_file = tmp_path / "revoked.note"
    keys_file.write_text(directory_of(world, keys), encoding="utf-8")
    assert "revoked" in [k.status for k in parse_directory(keys_file.read_text(), root_verifier(world)).keys]
    status, result = offline(world, keys_file, world.certificate["qr_text"], capsys, monkeypatch)
    assert (status, result["verdict"]) == (exit_code, verdict)
    assert reason in codes(result)


def test_usage_errors_exit_2(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    qr_text = world.certificate["qr_text"]
    keys_file = fetched_directory(world, tmp_path)
    assert run(["verify", "--keys", str(keys_file), qr_text], capsys)[0] == 2  # --keys without --offline
    assert run(["verify", "--offline", "--server", "http://127.0.0.1:9", qr_text], capsys)[0] == 2
    not_an_image = tmp_path / "photo.png"
    not_an_image.write_bytes(b"not an image")
    assert run(["verify", "--offline", "--keys", str(keys_file), str(not_an_image)], capsys)[0] == 2


def test_verifying_against_the_local_instance_still_works_from_a_code_or_an_image(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = str(world.app.settings.data_dir)
    status, out, _ = run(["verify", "--data-dir", data_dir, "--json", world.certificate["qr_text"]], capsys)
    result = json.loads(out)
    assert status == 0 and result["verdict"] == "valid" and "in_log" in codes(result)
    png = world.client.get(f"/api/v1/certificates/{world.certificate['id']}/qr.png", headers=world.as_org())
    photo = tmp_path / "scan.png"
    photo.write_bytes(png.content)
    status, out, _ = run(["verify", "--data-dir", data_dir, str(photo)], capsys)
    assert status == 0 and out.startswith("valid: ")


def test_a_key_revoked_through_the_lifecycle_route_is_listed_revoked_and_judged_so_offline(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    issue_date = decode(payload_of(world.certificate["qr_text"])).claims.issue_date
    # Compromised the day before the certificate was issued: it must now read as forged offline too.
    since = china_noon(issue_date - dt.timedelta(days=1))
    response = world.client.post(f"/api/v1/keys/{world.org['key_id']}/revoke", headers=world.as_org(),
                                 json={"compromised_since": since.isoformat(), "reason": "私钥文件泄露"})
    assert response.status_code == 200, response.text
    keys_file = fetched_directory(world, tmp_path)
    listed = {k.kid: k for k in parse_directory(keys_file.read_text(encoding="utf-8"), root_verifier(world)).keys}
    revoked = listed[world.org["key_id"]]
    assert (revoked.status, revoked.compromised_since) == ("revoked", since)
    status, result = offline(world, keys_file, world.certificate["qr_text"], capsys, monkeypatch)
    assert (status, result["verdict"], codes(result)) == (1, "forged", ["key_compromised_before_issuance"])
