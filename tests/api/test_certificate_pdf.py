"""The printed certificate (志愿服务记录证明, DESIGN §8 `GET /api/v1/certificates/{id}/pdf`), read back the way a
person or a scanner would: poppler's pdftotext for the words, poppler's pdftoppm for a 150 dpi image of page 1, and
zxing-cpp (an independent decoder) for the QR in that image.

Without poppler or a Chinese font these tests skip locally, and fail under CI=true: CI must never pass by skipping
the printed certificate."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from api import pdf
from api.application import VledgerApplication
from domain.access import Principal, check_acts_for
from tests.api.http_world import (
    FULL_NAME,
    ID_NUMBER,
    OTHER_ID_NUMBER,
    OTHER_PHONE,
    PHONE,
    World,
    assert_error_body,
    bearer,
    created,
    decode_qr,
    version_of,
)
from tests.api.pdf_support import require_pdf_tools

POPPLER = ("pdftotext", "pdftoppm", "pdfinfo")
SIGNATORIES: dict[str, Any] = {"person_in_charge": "刘志强", "handler": "陈静", "contact": "010-8579 0000"}
MASKED_ID = "*" * 14 + ID_NUMBER[-4:]


@pytest.fixture
def reader() -> None:
    """poppler and a Chinese font: skip without them — or fail, under CI=true."""
    require_pdf_tools(*POPPLER)


def issue(world: World, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
          volunteer_id: str | None = None) -> dict[str, Any]:
    vid = volunteer_id or world.volunteer["id"]
    return created(world.client.post(f"/api/v1/volunteers/{vid}/certificates", json=body,
                                     headers=headers or world.as_org()))


def download(world: World, certificate_id: str, headers: dict[str, str] | None = None) -> bytes:
    response = world.client.get(f"/api/v1/certificates/{certificate_id}/pdf", headers=headers or world.as_org())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return response.content


def text_of(document: bytes, tmp_path: Path) -> str:
    path = tmp_path / f"{uuid4().hex}.pdf"
    path.write_bytes(document)
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=True, timeout=60).stdout.decode("utf-8")


def info_of(document: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / f"{uuid4().hex}.pdf"
    path.write_bytes(document)
    out = subprocess.run(["pdfinfo", "-enc", "UTF-8", str(path)], capture_output=True, check=True,
                         timeout=60).stdout.decode("utf-8")
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def first_page_png(document: bytes, tmp_path: Path) -> bytes:
    path = tmp_path / f"{uuid4().hex}.pdf"
    path.write_bytes(document)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", str(path),
                    str(path.with_suffix(""))], check=True, timeout=60)
    return path.with_suffix(".png").read_bytes()


def test_the_printed_certificate_shows_the_national_contents_with_the_id_masked_and_no_phone(
        world: World, tmp_path: Path, reader: None) -> None:
    certificate = issue(world, SIGNATORIES)
    response = world.client.get(f"/api/v1/certificates/{certificate['id']}/pdf", headers=world.as_org())
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == f'attachment; filename="{certificate["number"]}.pdf"'
    assert response.headers["cache-control"] == "no-store"

    text = text_of(response.content, tmp_path)
    for expected in ("志愿服务记录证明", certificate["number"], FULL_NAME, "居民身份证", MASKED_ID,
                     world.volunteer["volunteer_number"], "2026年3月1日 至 2026年3月1日", "3.5 小时",
                     "社区助老服务", "阳光志愿者协会", *SIGNATORIES.values(), "（盖章）", "/verify"):
        assert expected in text, f"{expected!r} is not in the PDF text:\n{text}"
    # The full ID number in any form, and no phone, anywhere in the words of the document.
    squeezed = "".join(text.split())
    for secret in (ID_NUMBER, ID_NUMBER[:-4], ID_NUMBER[6:14], PHONE):
        assert secret not in squeezed
    # Another organization's name is not printed where there is no successor.
    assert "蓝天救援队" not in text and "委托" not in text and "注销" not in text


def test_the_pdf_metadata_names_the_document_and_no_person(world: World, tmp_path: Path, reader: None) -> None:
    certificate = issue(world, SIGNATORIES)
    info = info_of(download(world, certificate["id"]), tmp_path)
    assert info["Title"] == f"志愿服务记录证明 {certificate['number']}"
    assert info["Creator"] == "vledger"
    assert info["Page size"].startswith("595.28 x 841.89")  # A4 portrait in points
    everything = " ".join(info.values())
    for personal in (FULL_NAME, ID_NUMBER, ID_NUMBER[-4:], PHONE, world.volunteer["volunteer_number"]):
        assert personal not in everything


def test_the_qr_on_the_rendered_page_is_the_certificates_qr_text_and_verifies_valid(
        world: World, tmp_path: Path, reader: None) -> None:
    certificate = issue(world, SIGNATORIES)
    result = decode_qr(first_page_png(download(world, certificate["id"]), tmp_path))
    assert result.text == certificate["qr_text"]
    assert version_of(result) <= 10 and result.ec_level in {"M", "Q", "H"}
    verdict = world.client.post("/api/v1/verify", json={"code": result.text})
    assert verdict.status_code == 200, verdict.text
    assert verdict.json()["verdict"] == "valid"


def test_the_verification_code_printed_for_typing_in_is_the_qr_texts_payload(
        world: World, tmp_path: Path, reader: None) -> None:
    certificate = issue(world)
    squeezed = "".join(text_of(download(world, certificate["id"]), tmp_path).split())
    assert certificate["qr_text"].rsplit("/V/", 1)[1] in squeezed
    verdict = world.client.post("/api/v1/verify", json={"code": certificate["qr_text"].rsplit("/V/", 1)[1]})
    assert verdict.json()["verdict"] == "valid"


def test_a_record_amended_after_issuance_still_prints_at_the_version_the_certificate_cites(
        world: World, tmp_path: Path, reader: None) -> None:
    certificate = issue(world)
    amended = world.client.patch(f"/api/v1/records/{world.record['id']}", headers=world.as_org(),
                                 json={"hours": "2", "reason": "签到表核对后更正"})
    assert amended.status_code == 200, amended.text
    text = text_of(download(world, certificate["id"]), tmp_path)
    assert "3.5 小时" in text and "2 小时" not in text  # the certificate's total
    # The activity's line: number, date, name, and the hours of the version the certificate cites.
    rows = [line.split() for line in text.splitlines() if "社区助老服务" in line]
    assert rows == [["1", "2026年3月1日", "社区助老服务", "3.5"]]


def test_the_volunteer_may_download_their_own_pdf_and_no_other_volunteer_or_organization_may(
        world: World, tmp_path: Path, reader: None) -> None:
    certificate = issue(world, SIGNATORIES)
    own = download(world, certificate["id"], bearer(world.volunteer["token"]))
    assert certificate["number"] in text_of(own, tmp_path)
    url = f"/api/v1/certificates/{certificate['id']}/pdf"
    assert_error_body(world.client.get(url, headers=bearer(world.other_volunteer["token"])), 403)
    assert_error_body(world.client.get(url, headers=bearer(world.other_org["token"])), 403)
    assert_error_body(world.client.get(url, headers=bearer(world.appoint_inspector())), 403)
    assert_error_body(world.client.get(url, headers=bearer(world.registry_token)), 403)
    assert_error_body(world.client.get(url), 401)
    assert_error_body(world.client.get(f"/api/v1/certificates/{uuid4()}/pdf", headers=world.as_org()), 404)


def test_another_volunteers_certificate_shows_their_own_masked_id_and_not_the_first_volunteers(
        world: World, tmp_path: Path, reader: None) -> None:
    world.record_hours(world.other_volunteer["id"], "2.5")
    certificate = issue(world, volunteer_id=world.other_volunteer["id"])
    text = text_of(download(world, certificate["id"], bearer(world.other_volunteer["token"])), tmp_path)
    assert "*" * 14 + OTHER_ID_NUMBER[-4:] in text
    assert world.other_volunteer["volunteer_number"] in text
    assert MASKED_ID not in text and world.volunteer["volunteer_number"] not in text and FULL_NAME not in text
    squeezed = "".join(text.split())
    assert OTHER_ID_NUMBER not in squeezed and OTHER_PHONE not in squeezed


def test_after_a_dissolution_the_successors_certificate_names_the_dissolved_organization_and_itself(
        world: World, tmp_path: Path, reader: None) -> None:
    dissolved = world.client.post(f"/api/v1/organizations/{world.org_id}/dissolve",
                                  headers=bearer(world.registry_token),
                                  json={"successor_id": world.other_org["id"], "reason": "协会经登记管理机关核准注销"})
    assert dissolved.status_code == 200, dissolved.text
    certificate = issue(world, SIGNATORIES, bearer(world.other_org["token"]))
    text = text_of(download(world, certificate["id"], bearer(world.volunteer["token"])), tmp_path)
    squeezed = "".join(text.split())  # sentences may wrap anywhere
    assert "阳光志愿者协会已注销，由蓝天救援队依据其志愿服务记录出具本证明" in squeezed
    assert "出具单位蓝天救援队" in squeezed
    assert "参加阳光志愿者协会组织的志愿服务活动" in squeezed
    assert "委托" not in squeezed
    assert MASKED_ID in text and world.volunteer["volunteer_number"] in text
    # The successor hands it out too; its QR verifies.
    result = decode_qr(first_page_png(download(world, certificate["id"], bearer(world.other_org["token"])), tmp_path))
    assert result.text == certificate["qr_text"]
    assert world.client.post("/api/v1/verify", json={"code": result.text}).json()["verdict"] == "valid"


def test_a_certificate_issued_on_behalf_of_an_organization_that_still_exists_says_so(
        world: World, service: VledgerApplication, tmp_path: Path, reader: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Today only a dissolution lets another organization issue from a volunteer's records. The printed wording for
    # an organization that still exists (受 X 委托) is checked with a fake of that rule, so the certificate is
    # still issued through the real path: the other organization may issue for the volunteer's.
    kept_by, successor = UUID(world.org_id), UUID(world.other_org["id"])

    def successor_may_issue(principal: Principal, records_org_id: UUID) -> UUID:
        assert records_org_id == kept_by
        check_acts_for(principal, successor)
        return successor

    monkeypatch.setattr(service, "_check_may_issue", successor_may_issue)
    certificate = issue(world, SIGNATORIES, bearer(world.other_org["token"]))
    text = text_of(download(world, certificate["id"], bearer(world.other_org["token"])), tmp_path)
    squeezed = "".join(text.split())  # sentences may wrap anywhere
    assert "受阳光志愿者协会委托，由蓝天救援队依据其志愿服务记录出具本证明" in squeezed
    assert "出具单位蓝天救援队" in squeezed
    assert "参加阳光志愿者协会组织的志愿服务活动" in squeezed
    # The successor's certificate is the volunteer's too; the organization that only kept the records is not its
    # issuer and does not hand it out.
    download(world, certificate["id"], bearer(world.volunteer["token"]))
    assert_error_body(world.client.get(f"/api/v1/certificates/{certificate['id']}/pdf", headers=world.as_org()),
                      403)


def test_a_revoked_certificate_is_not_printed(world: World, reader: None) -> None:
    certificate = issue(world)
    revoked = world.client.post(f"/api/v1/certificates/{certificate['id']}/revoke", headers=world.as_org(),
                                json={"reason": "出具期间有误"})
    assert revoked.status_code == 200, revoked.text
    error = assert_error_body(world.client.get(f"/api/v1/certificates/{certificate['id']}/pdf",
                                               headers=bearer(world.volunteer["token"])), 409)
    assert error["code"] == "certificate_revoked"


def test_the_same_certificate_prints_to_the_same_bytes(world: World, reader: None) -> None:
    certificate = issue(world, SIGNATORIES)
    assert download(world, certificate["id"]) == download(world, certificate["id"], bearer(world.volunteer["token"]))


def test_signatories_are_bounded_strings(world: World) -> None:
    too_long = world.client.post(f"/api/v1/volunteers/{world.volunteer['id']}/certificates", headers=world.as_org(),
                                 json={"person_in_charge": "张" * 101})
    assert "person_in_charge" in assert_error_body(too_long, 422)["message"]
    not_text = world.client.post(f"/api/v1/volunteers/{world.volunteer['id']}/certificates", headers=world.as_org(),
                                 json={"handler": ["陈静"]})
    assert "handler" in assert_error_body(not_text, 422)["message"]


@pytest.mark.parametrize("configured", ["absent", "not_a_font"])
def test_a_configured_font_that_is_missing_or_unusable_is_a_503_naming_the_package(
        world: World, service: VledgerApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        configured: str) -> None:
    font = tmp_path / f"{configured}.ttf"
    if configured == "not_a_font":
        font.write_bytes(b"\x00\x01\x00\x00 not really a font " * 40)
    monkeypatch.setattr(service.settings, "pdf_font", font)
    response = world.client.get(f"/api/v1/certificates/{world.certificate['id']}/pdf", headers=world.as_org())
    error = assert_error_body(response, 503)
    assert error["code"] == "pdf_font_missing"
    assert "fonts-wqy-zenhei" in error["message"] and "VLEDGER_PDF_FONT" in error["message"]
    assert str(tmp_path) not in error["message"]  # no server path to the caller


def test_no_chinese_font_anywhere_is_a_503_naming_the_package_and_a_stranger_still_gets_403(
        world: World, service: VledgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "_found", {})
    monkeypatch.setattr(pdf, "WELL_KNOWN_FONTS", ())
    monkeypatch.setattr(pdf, "FC_MATCH", "vledger-test-no-fc-match")
    monkeypatch.setattr(pdf, "FC_LIST", "vledger-test-no-fc-list")
    url = f"/api/v1/certificates/{world.certificate['id']}/pdf"
    error = assert_error_body(world.client.get(url, headers=world.as_org()), 503)
    assert "apt-get install fonts-wqy-zenhei" in error["message"]
    assert_error_body(world.client.get(url, headers=bearer(world.other_org["token"])), 403)
