"""The verification pages a phone camera, a school clerk or an employer opens (TestClient).

A world with a certificate in every verdict reachable online (valid, with warnings, revoked, altered, forged,
malformed; `unverifiable` exists offline only and is rendered directly) is checked page by page in both languages:
the words, icon and CSS class of each verdict, masked details only, the security headers, the public "what
changed" page, the forms (a pasted code, a photo of the QR, a CSV of codes) and the JSON batch.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import Response
from PIL import Image, ImageDraw, ImageFilter

from api.routers.pages import render
from domain.verdicts import Verdict
from tests.api.http_world import (
    FULL_NAME,
    ID_NUMBER,
    MASKED_NAME,
    OTHER_ID_NUMBER,
    OTHER_PHONE,
    PHONE,
    THIRD_ID_NUMBER,
    World,
    bearer,
    code_of,
    created,
    text_of,
)
from tests.security.test_verification import hours_byte_changed, resigned_by_unknown_key

THIRD_NAME = "王小刚"
THIRD_PHONE = "13700001111"
AMENDMENT_REASON = "签到表核对后更正"
AMENDED_CONTENT = "改为陪同李小红就医"  # free text naming a person: never on a public page
CORRECTION_REASON = "我那天下午还在，请更正时长"

# What each verdict must say, written here independently of the page's own tables: (CSS class, icon, zh, en).
EXPECTED: dict[str, tuple[str, str, str, str]] = {
    "valid": ("v-valid", "✔", "证明有效", "Certificate valid"),
    "valid_with_warnings": ("v-valid_with_warnings", "!", "证明有效，但有提示", "Valid, with warnings"),
    "revoked": ("v-revoked", "⊘", "证明已撤销", "Certificate revoked"),
    "altered": ("v-altered", "≠", "证明被篡改", "Certificate altered"),
    "forged": ("v-forged", "✖", "伪造的证明", "Forged certificate"),
    "malformed": ("v-malformed", "?", "无法识别的证明码", "Unreadable certificate code"),
    "unverifiable": ("v-unverifiable", "…", "暂时无法核验", "Cannot be verified now"),
}
ONLINE = [v for v in EXPECTED if v != "unverifiable"]
SHOWS_CERTIFICATE = ("valid", "valid_with_warnings", "revoked", "altered")


@dataclass
class Codes:
    """One QR text per verdict, and what the verdicts were built from."""

    by_verdict: dict[str, str]
    warnings_record_id: str
    revoked_certificate: dict[str, Any]


def every_verdict(w: World) -> Codes:
    """A certificate (or a code) in every verdict reachable online. The valid one is the world's own."""
    org = w.as_org()
    # With warnings: the other volunteer's certificate, whose record is then amended with a reason and free text.
    record = w.record_hours(w.other_volunteer["id"], "3")
    warned = w.issue_certificate(w.other_volunteer["id"])
    amended = w.client.patch(f"/api/v1/records/{record['id']}", headers=org,
                             json={"hours": "2.5", "content": AMENDED_CONTENT, "reason": AMENDMENT_REASON})
    assert amended.status_code == 200, amended.text
    # Revoked: a third volunteer's certificate.
    third = w.register_volunteer(THIRD_NAME, THIRD_ID_NUMBER, THIRD_PHONE)
    w.record_hours(third["id"], "2")
    revoked = w.issue_certificate(third["id"])
    response = w.client.post(f"/api/v1/certificates/{revoked['id']}/revoke", headers=org, json={"reason": "出具有误"})
    assert response.status_code == 200, response.text
    base = w.certificate["qr_text"].rsplit("/V/", 1)[0]
    return Codes(by_verdict={
        "valid": w.certificate["qr_text"],
        "valid_with_warnings": warned["qr_text"],
        "revoked": revoked["qr_text"],
        "altered": hours_byte_changed(w),
        "forged": resigned_by_unknown_key(w),
        # A payload of the wrong format version (0) and length: readable base32, not a certificate.
        "malformed": f"{base}/V/{text_of(bytes(range(40)))}",
    }, warnings_record_id=str(record["id"]), revoked_certificate=revoked)


@pytest.fixture
def codes(world: World) -> Codes:
    return every_verdict(world)


def page(w: World, qr_text: str, lang: str | None = None) -> Response:
    response = w.client.get(f"/V/{code_of(qr_text)}", params={"lang": lang} if lang else None)
    assert response.status_code == 200, response.text
    return response


def verdict_section(html: str) -> str:
    found = re.search(r'<section id="verdict"[^>]*>.*?</section>', html, re.S)
    assert found, html[:500]
    return found.group(0)


PERSONAL = (FULL_NAME, "李小红", THIRD_NAME, ID_NUMBER, OTHER_ID_NUMBER, THIRD_ID_NUMBER, PHONE, OTHER_PHONE,
            THIRD_PHONE, ID_NUMBER[:-1])


def assert_nothing_personal(text: str) -> None:
    for secret in PERSONAL:
        assert secret not in text, f"{secret!r} is on a public page"


# -- each verdict's page -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_verdict_page_says_its_verdict_in_words_icon_and_class(world: World, codes: Codes, lang: str) -> None:
    for verdict, qr_text in codes.by_verdict.items():
        css, icon, zh, en = EXPECTED[verdict]
        html = page(world, qr_text, lang if lang == "en" else None).text
        section = verdict_section(html)
        assert f'data-verdict="{verdict}"' in section, verdict
        assert f'class="verdict {css}"' in section, verdict
        assert f'<div class="icon" aria-hidden="true">{icon}</div>' in section, verdict
        assert f"<h1>{en if lang == 'en' else zh}</h1>" in section, verdict
        assert f'<html lang="{"en" if lang == "en" else "zh-CN"}">' in html
        # The other language is one visible link away.
        assert re.search(r'<a class="lang" id="lang-switch" href="[^"]*\?lang=' + ("zh" if lang == "en" else "en"),
                         html), verdict


def test_every_verdict_has_its_own_class_icon_and_words() -> None:
    for lang in ("zh", "en"):
        pages = {v: render(Verdict(v, ("malformed",)), lang) for v in EXPECTED}
        sections = {v: verdict_section(html) for v, html in pages.items()}
        classes = {re.search(r'class="verdict ([^"]+)"', s).group(1) for s in sections.values()}  # type: ignore[union-attr]
        icons = {re.search(r'<div class="icon"[^>]*>(.*?)</div>', s).group(1) for s in sections.values()}  # type: ignore[union-attr]
        headlines = {re.search(r"<h1>(.*?)</h1>", s).group(1) for s in sections.values()}  # type: ignore[union-attr]
        assert len(classes) == len(icons) == len(headlines) == len(EXPECTED)


def test_each_colour_class_has_its_own_background_in_the_inline_css() -> None:
    html = render(Verdict("valid", ("signature_valid",)), "zh")
    colours = {v: re.search(r"\.v-" + v + r" \{ background: (#[0-9a-f]{6}); \}", html) for v in EXPECTED}
    assert all(colours.values()), colours
    assert len({m.group(1) for m in colours.values() if m}) == len(EXPECTED)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unverifiable_is_rendered_with_its_words_and_never_called_forged(lang: str) -> None:
    html = render(Verdict("unverifiable", ("key_directory_missing",)), lang)
    section = verdict_section(html)
    assert 'data-verdict="unverifiable"' in section and 'class="verdict v-unverifiable"' in section
    assert EXPECTED["unverifiable"][3 if lang == "en" else 2] in section
    assert EXPECTED["forged"][2] not in html and EXPECTED["forged"][3] not in html
    assert 'data-code="key_directory_missing"' in html


def test_a_genuine_certificate_shows_its_masked_details_and_log_position(world: World, codes: Codes) -> None:
    html = page(world, codes.by_verdict["valid"]).text
    details = re.search(r'<section class="card" id="details">.*?</section>', html, re.S)
    assert details, html
    shown = details.group(0)
    for expected in (world.certificate["number"], MASKED_NAME, "3.50", "阳光志愿者协会",
                     world.certificate["period_start"], world.certificate["period_end"]):
        assert expected in shown, expected
    assert 'data-code="claims_match_log"' in html and "证明内容与日志记载一致" in html
    # The log position links to the public inclusion proof, which answers.
    link = re.search(r'id="inclusion-link" href="([^"]+)"', html)
    assert link, html
    href = link.group(1).replace("&amp;", "&")
    assert href.startswith(f"/api/v1/log/proof/inclusion?index={world.certificate['log_index']}&tree_size=")
    proof = world.client.get(href)
    assert proof.status_code == 200, proof.text
    assert isinstance(proof.json()["hashes"], list)


def test_the_pages_show_the_masked_name_only_never_a_full_name_id_number_or_phone(world: World, codes: Codes) -> None:
    for verdict, qr_text in codes.by_verdict.items():
        for lang in ("zh", "en"):
            html = page(world, qr_text, lang).text
            assert_nothing_personal(html)
            if verdict in SHOWS_CERTIFICATE:
                assert "*" in re.search(r'id="d-masked_name">([^<]*)<', html).group(1)  # type: ignore[union-attr]
    assert MASKED_NAME in page(world, codes.by_verdict["valid"]).text


def test_an_id_number_sent_as_a_code_is_not_echoed_back(world: World) -> None:
    # Each request has one answer: the page and the pasted code are judged malformed; the unreadable photo sends the
    # form back with a message (422).
    for response, status, marker in (
            (world.client.get(f"/V/{ID_NUMBER}"), 200, 'data-verdict="malformed"'),
            (world.client.post("/verify", data={"code": ID_NUMBER}), 200, 'data-verdict="malformed"'),
            (world.client.post("/verify", data={"code": PHONE}, files={"photo": ("x.png", b"x", "image/png")}), 422,
             'id="message"')):
        assert response.status_code == status, response.text
        assert marker in response.text
        assert_nothing_personal(response.text)


def test_headers_forbid_every_other_origin_and_the_page_names_none(world: World, codes: Codes) -> None:
    for qr_text in codes.by_verdict.values():
        response = page(world, qr_text)
        csp = response.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'none'"
        assert "script-src" not in directives  # falls back to 'none': no script at all
        assert "unsafe-inline" not in csp and "http" not in csp and "*" not in csp
        assert directives["form-action"] == "'self'" and directives["frame-ancestors"] == "'none'"
        # The one inline style block is allowed by its hash, so the colours do apply.
        style = re.search(r"<style>(.*?)</style>", response.text, re.S).group(1)  # type: ignore[union-attr]
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert directives["style-src"] == f"'sha256-{digest}'"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert not re.search(r"https?://", response.text, re.I), "the page names an absolute URL"
        assert "<script" not in response.text.lower() and "@import" not in response.text and "url(" not in style


def test_data_from_the_log_is_html_escaped(world: World) -> None:
    hostile = '<img src=x onerror=alert(1)>"&'
    verdict = Verdict("valid", ("signature_valid",), certificate={
        "number": hostile, "masked_name": hostile, "hours": "1", "period_start": "2026-01-01",
        "period_end": "2026-01-02", "organization": hostile, "issue_date": "2026-01-03"})
    html = render(verdict, "zh")
    assert "<img" not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;&quot;&amp;") == 3


def test_lowercased_urls_open_the_same_page(world: World, codes: Codes) -> None:
    lower = world.client.get(f"/v/{code_of(codes.by_verdict['valid']).lower()}")
    assert lower.status_code == 200
    assert 'data-verdict="valid"' in lower.text


def test_the_language_link_leads_to_the_other_language(world: World, codes: Codes) -> None:
    html = page(world, codes.by_verdict["valid"]).text
    href = re.search(r'id="lang-switch" href="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    english = world.client.get(f"/V/{code_of(codes.by_verdict['valid'])}{href}" if href.startswith("?") else href)
    assert "Certificate valid" in english.text and '<html lang="en">' in english.text


# -- what changed --------------------------------------------------------------------------------------------


def changes_link(w: World, qr_text: str, lang: str = "zh") -> str:
    html = page(w, qr_text, lang).text
    link = re.search(r'id="changes-link" href="([^"]+)"', html)
    assert link, html
    return link.group(1).replace("&amp;", "&")


def test_a_warning_links_to_a_public_page_of_what_changed_without_reasons_texts_or_names(
        world: World, codes: Codes) -> None:
    qr_text = codes.by_verdict["valid_with_warnings"]
    href = changes_link(world, qr_text)
    assert href == f"/V/{code_of(qr_text)}/changes?lang=zh"
    response = world.client.get(href)
    assert response.status_code == 200, response.text
    html = response.text
    row = re.search(r'<tr data-version="2">(.*?)</tr>', html, re.S)
    assert row, html
    assert "<td>3.00 → 2.50</td>" in row.group(1), row.group(1)
    assert "服务时长" in row.group(1) and "服务内容" in row.group(1)  # which fields, by name
    assert "出具时为第 1 版" in html
    # No free text and no one who made the change.
    history = world.client.get(f"/api/v1/records/{codes.warnings_record_id}/history", headers=world.as_org()).json()
    actors = {e["actor"] for e in history["events"]} | {e["authority"] for e in history["events"]}
    for secret in (AMENDMENT_REASON, AMENDED_CONTENT, "陪伴聊天", *actors):
        assert secret not in html, secret
    assert_nothing_personal(html)
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    english = world.client.get(changes_link(world, qr_text, "en"))
    assert "What changed after issuance" in english.text
    assert re.search(r'<tr data-version="2">.*?Amended: content, hours</td>', english.text, re.S), english.text


def test_a_correction_asked_and_made_after_issuance_is_listed_by_version_without_its_words(world: World) -> None:
    asked = created(world.client.post(f"/api/v1/records/{world.record['id']}/corrections",
                                      headers=bearer(world.volunteer["token"]),
                                      json={"hours": "4", "reason": CORRECTION_REASON}))
    qr_text = world.certificate["qr_text"]
    # A request changes nothing on the record: the certificate stays valid until the organization amends.
    assert 'data-verdict="valid"' in page(world, qr_text).text
    amended = world.client.patch(f"/api/v1/records/{world.record['id']}", headers=world.as_org(),
                                 json={"hours": "4", "reason": AMENDMENT_REASON, "correction_id": asked["id"]})
    assert amended.status_code == 200, amended.text
    assert 'data-verdict="valid_with_warnings"' in page(world, qr_text).text
    html = world.client.get(changes_link(world, qr_text)).text
    assert re.search(r'<tr data-version="2">.*?志愿者申请更正（记录未变）.*?3.50 → 3.50</td>', html, re.S), html
    assert re.search(r'<tr data-version="3">.*?修改：服务时长</td><td>3.50 → 4.00</td>', html, re.S), html
    assert CORRECTION_REASON not in html and AMENDMENT_REASON not in html


def test_a_valid_certificate_has_no_changes_to_show(world: World, codes: Codes) -> None:
    response = world.client.get(f"/V/{code_of(codes.by_verdict['valid'])}/changes")
    assert response.status_code == 200
    assert "出具后，证明所依据的记录没有变动" in response.text and "<tr data-version" not in response.text


@pytest.mark.parametrize("verdict", ["altered", "forged", "malformed"])
def test_changes_are_shown_only_for_a_code_issued_through_the_log(world: World, codes: Codes, verdict: str) -> None:
    response = world.client.get(f"/V/{code_of(codes.by_verdict[verdict])}/changes")
    assert response.status_code == 404
    assert "不能核验为经日志出具的证明" in response.text
    assert "<tr data-version" not in response.text
    assert response.headers["cache-control"] == "no-store"


# -- the forms -------------------------------------------------------------------------------------------------


def test_the_form_page_offers_a_code_a_photo_from_the_camera_and_a_csv(world: World) -> None:
    response = world.client.get("/verify")
    assert response.status_code == 200
    html = response.text
    assert '<form method="post" action="/verify?lang=zh" enctype="application/x-www-form-urlencoded">' in html
    assert re.search(r'<input type="file" id="photo" name="photo" accept="image/\*" capture="environment"', html)
    assert 'action="/verify/batch.csv?lang=zh" enctype="multipart/form-data"' in html
    assert 'name="file"' in html and "content-security-policy" in response.headers
    assert "Check a volunteer service certificate" in world.client.get("/verify?lang=en").text


def test_a_pasted_code_or_url_shows_the_verdict_page(world: World, codes: Codes) -> None:
    for verdict, qr_text in codes.by_verdict.items():
        for text in (qr_text, code_of(qr_text)):
            response = world.client.post("/verify", data={"code": f"  {text}\n"})
            assert response.status_code == 200, response.text
            assert f'data-verdict="{verdict}"' in response.text
    english = world.client.post("/verify?lang=en", data={"code": codes.by_verdict["revoked"]})
    assert "Certificate revoked" in english.text


def test_nothing_submitted_gives_the_form_again_with_a_message(world: World) -> None:
    response = world.client.post("/verify", data={"code": "   "})
    assert response.status_code == 422
    assert 'id="message"' in response.text and "请输入证明码或选择一张二维码照片" in response.text


def qr_png(w: World, certificate_id: str) -> bytes:
    response = w.client.get(f"/api/v1/certificates/{certificate_id}/qr.png", headers=w.as_org())
    assert response.status_code == 200
    return response.content


def test_a_photo_of_the_qr_shows_the_verdict_page(world: World, codes: Codes) -> None:
    png = qr_png(world, world.certificate["id"])
    response = world.client.post("/verify", files={"photo": ("qr.png", png, "image/png")})
    assert response.status_code == 200, response.text
    assert 'data-verdict="valid"' in response.text
    revoked = qr_png(world, codes.revoked_certificate["id"])
    response = world.client.post("/verify?lang=en", files={"photo": ("qr.png", revoked, "image/png")},
                                 data={"code": ""})
    assert 'data-verdict="revoked"' in response.text and "Certificate revoked" in response.text


def test_a_large_blurred_phone_photo_of_the_qr_is_read(world: World) -> None:
    qr = Image.open(io.BytesIO(qr_png(world, world.certificate["id"]))).convert("L")
    photo = Image.new("L", (4000, 3000), 200)
    photo.paste(qr.resize((1800, 1800), Image.Resampling.NEAREST), (1100, 600))
    ImageDraw.Draw(photo).text((100, 100), "志愿服务记录证明", fill=0)
    photo = photo.filter(ImageFilter.GaussianBlur(3))
    jpeg = io.BytesIO()
    photo.save(jpeg, "JPEG", quality=70)
    response = world.client.post("/verify", files={"photo": ("IMG_0001.jpg", jpeg.getvalue(), "image/jpeg")})
    assert response.status_code == 200, response.text
    assert 'data-verdict="valid"' in response.text


@pytest.mark.parametrize(("name", "data", "message"), [
    ("blank.png", "blank", "照片中没有找到二维码"),
    ("notes.png", b"this is not an image at all", "无法读取这个文件"),
], ids=["an image without a QR", "a file that is not an image"])
def test_a_photo_without_a_readable_qr_gives_the_form_with_a_message(world: World, name: str, data: Any,
                                                                     message: str) -> None:
    if data == "blank":
        buffer = io.BytesIO()
        Image.new("RGB", (800, 600), (240, 240, 240)).save(buffer, "PNG")
        data = buffer.getvalue()
    response = world.client.post("/verify", files={"photo": (name, data, "image/png")})
    assert response.status_code == 422, response.text
    assert message in response.text and 'id="by-photo"' in response.text


def test_an_oversize_photo_is_refused_with_413_and_a_message(world: World) -> None:
    response = world.client.post("/verify", files={"photo": ("big.jpg", b"\xff\xd8\xff" + b"0" * (11 * 1024 * 1024),
                                                             "image/jpeg")})
    assert response.status_code == 413
    assert "照片超过 10 MB" in response.text


# -- the CSV batch ---------------------------------------------------------------------------------------------


def upload_csv(w: World, data: bytes, lang: str = "zh") -> Response:
    return w.client.post(f"/verify/batch.csv?lang={lang}", files={"file": ("codes.csv", data, "text/csv")})


def answer_rows(response: Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.content.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel shows the Chinese
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_csv_of_three_codes_gives_three_verdicts_in_order(world: World, codes: Codes) -> None:
    by = codes.by_verdict
    data = f"code\r\n{by['forged']}\r\n{by['valid']}\r\n{by['revoked']}\r\n".encode()
    rows = answer_rows(upload_csv(world, data))
    assert [r["verdict"] for r in rows] == ["forged", "valid", "revoked"]
    assert [r["row"] for r in rows] == ["2", "3", "4"]
    assert [r["code"] for r in rows] == [by["forged"][:200], by["valid"][:200], by["revoked"][:200]]
    assert list(rows[0]) == ["row", "code", "verdict", "reasons", "certificate_number", "masked_name", "hours",
                             "period", "organization"]
    valid = rows[1]
    assert valid["certificate_number"] == world.certificate["number"] and valid["masked_name"] == MASKED_NAME
    assert valid["hours"] == "3.50" and valid["organization"] == "阳光志愿者协会"
    assert valid["period"] == f"{world.certificate['period_start']}/{world.certificate['period_end']}"
    assert valid["reasons"].split(";") == ["signature_valid", "in_log", "claims_match_log"]
    assert rows[0]["reasons"] == "unknown_key" and rows[2]["reasons"] == "revoked"
    assert_nothing_personal(upload_csv(world, data).text)


def test_a_csv_in_gb18030_with_a_chinese_header_and_extra_columns_works(world: World, codes: Codes) -> None:
    data = ("证明码,学生姓名\r\n" + f"{codes.by_verdict['valid']},张同学\r\n,\r\n"
            + f"{code_of(codes.by_verdict['altered'])},李同学\r\n").encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the case is really GB18030
    rows = answer_rows(upload_csv(world, data))
    assert [(r["row"], r["verdict"]) for r in rows] == [("2", "valid"), ("4", "altered")]


def test_a_csv_in_utf8_with_a_bom_and_junk_rows_works(world: World, codes: Codes) -> None:
    data = "\ufeff".encode() + f"{codes.by_verdict['valid']}\n=1+1\nnot a code\n".encode()
    rows = answer_rows(upload_csv(world, data))
    assert [r["verdict"] for r in rows] == ["valid", "malformed", "malformed"]
    # A cell a spreadsheet would run as a formula is neutralised.
    assert rows[1]["code"] == "'=1+1"


def test_a_csv_of_1001_codes_is_refused_and_one_of_1000_answered(world: World) -> None:
    refused = upload_csv(world, "\n".join(["X"] * 1001).encode())
    assert refused.status_code == 422
    assert "超过 1000 个" in refused.text and 'id="by-file"' in refused.text
    assert "more than 1000 codes" in upload_csv(world, "\n".join(["X"] * 1001).encode(), "en").text
    rows = answer_rows(upload_csv(world, "\n".join(["X"] * 1000).encode()))
    assert len(rows) == 1000 and {r["verdict"] for r in rows} == {"malformed"}


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    bytes(range(256)) * 8,
    "code\nA".encode("utf-16"),
    b"",
    b"\n\n  \n",
], ids=["a PNG", "random bytes", "UTF-16", "empty", "only blank rows"])
def test_a_file_that_is_not_a_csv_of_codes_is_refused_with_a_message(world: World, data: bytes) -> None:
    response = upload_csv(world, data)
    assert response.status_code == 422, response.text
    assert 'class="message"' in response.text and "text/html" in response.headers["content-type"]


def test_an_oversize_csv_is_refused_with_413(world: World) -> None:
    response = upload_csv(world, b"A" * (1024 * 1024 + 100 * 1024))
    assert response.status_code == 413
    assert "KB" in response.text


def test_the_json_batch_answers_junk_entries_in_place(world: World, codes: Codes) -> None:
    entries: list[Any] = [None, codes.by_verdict["valid"], 42, "", {"code": "x"}, "garbage",
                          codes.by_verdict["forged"], ["A"], codes.by_verdict["valid_with_warnings"]]
    response = world.client.post("/api/v1/verify/batch", json={"codes": entries})
    assert response.status_code == 200, response.text
    assert [r["verdict"] for r in response.json()["results"]] == [
        "malformed", "valid", "malformed", "malformed", "malformed", "malformed", "forged", "malformed",
        "valid_with_warnings"]


def test_a_csv_sent_as_the_raw_body_is_answered_too(world: World, codes: Codes) -> None:
    data = f"{codes.by_verdict['valid']}\n{codes.by_verdict['revoked']}\n".encode()
    response = world.client.post("/verify/batch.csv", content=data, headers={"Content-Type": "text/csv"})
    assert [r["verdict"] for r in answer_rows(response)] == ["valid", "revoked"]
    too_large = world.client.post("/verify/batch.csv", content=b"A" * (1024 * 1024 + 1),
                                  headers={"Content-Type": "text/csv"})
    assert too_large.status_code == 413


def test_a_photo_with_too_many_pixels_is_refused_before_it_is_decoded() -> None:
    """A small file can announce a huge image (a decompression bomb): the header's size is checked first."""
    import io

    from PIL import Image

    from api import photos
    from domain.errors import InvalidFieldError

    buffer = io.BytesIO()
    Image.new("1", (7000, 6000), 1).save(buffer, format="PNG")  # 42 million pixels in a few kB
    assert len(buffer.getvalue()) < photos.MAX_PHOTO_BYTES
    with pytest.raises(InvalidFieldError) as refused:
        photos.decode_qr_image(buffer.getvalue())
    assert refused.value.code == "photo_too_large"
