"""Paper-record import over HTTP (issue 4 item 11; 纸质记录录入, 办法 / domain.md): `POST
/api/v1/organizations/{org_id}/imports` takes the file as a multipart `file` field or as the raw body (text/csv or
the .xlsx type) and answers 201 with counts, or 422 `import_rejected` with every problem; `GET
/api/v1/imports/template.csv` serves the template to anyone. Bad input is a 4xx with a message — never a 500,
never a partial write — and no error body carries an ID or phone number (条例 art.20).
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Any

import pytest

from api.imports import MAX_BYTES, XLSX_TYPE
from tests.api.http_world import ID_NUMBER, World, assert_error_body, bearer

ASSETS = Path(__file__).parent.parent / "assets"
SAMPLE_CSV = (ASSETS / "import_sample.csv").read_bytes()
SAMPLE_XLSX = (ASSETS / "import_sample.xlsx").read_bytes()
COUNTS = {"rows": 8, "volunteers_created": 5, "volunteers_matched": 0, "activities_created": 2,
          "activities_matched": 0, "records_created": 8}


def path(world: World, org_id: str | None = None) -> str:
    return f"/api/v1/organizations/{org_id or world.org_id}/imports"


def other_org(world: World) -> tuple[str, dict[str, str]]:
    """Path and headers of the world's other organization, which has no volunteers yet: the sample's people are
    new there (the world's own organization registered two of them, with a record that overlaps the sample's)."""
    return path(world, world.other_org["id"]), bearer(world.other_org["token"])


def counts(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "warnings"}


def bad_file(bad: bool = True) -> bytes:
    """Two good rows and (``bad``) two bad ones: an ID number whose check character is wrong, and zero hours."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["姓名", "证件号码", "联系电话", "活动名称", "开始时间", "结束时间", "服务地点", "服务对象",
                     "服务内容", "负责人", "记录人", "服务时长"])
    activity = ["植树", "2026-03-12 08:00", "2026-03-12 11:00", "奥森公园", "公众", "植树", "李四", "王五"]
    writer.writerow(["赵六", "110105200501010012", "13700000001", *activity, "3"])
    if bad:
        writer.writerow(["钱七", ID_NUMBER.replace("X", "7"), "13700000002", *activity, "2"])
        writer.writerow(["孙八", "440306199508170033", "13700000003", *activity, "0"])
    writer.writerow(["周九", "310104198812046910", "13700000004", *activity, "3"])
    return out.getvalue().encode("utf-8")


def test_a_multipart_upload_of_the_sample_csv_imports_it(world: World) -> None:
    url, headers = other_org(world)
    response = world.client.post(url, headers=headers, files={"file": ("纸质记录.csv", SAMPLE_CSV, "text/csv")})
    assert response.status_code == 201, response.text
    assert counts(response.json()) == COUNTS
    assert response.json()["warnings"] == {"paper_entered_late": 8}


@pytest.mark.parametrize(("content_type", "data"), [
    ("text/csv; charset=utf-8", SAMPLE_CSV), (XLSX_TYPE, SAMPLE_XLSX), ("application/octet-stream", SAMPLE_XLSX),
    ("text/csv", (ASSETS / "import_sample_gb18030.csv").read_bytes()),
], ids=["csv body", "xlsx body", "octet-stream xlsx", "gb18030 csv body"])
def test_the_file_may_be_the_raw_body(world: World, content_type: str, data: bytes) -> None:
    url, headers = other_org(world)
    response = world.client.post(url, headers={**headers, "Content-Type": content_type}, content=data)
    assert response.status_code == 201, response.text
    assert counts(response.json()) == COUNTS


def test_the_samples_people_registered_before_are_matched_and_checked_against_their_records(world: World) -> None:
    """The world registered 张三明 and 李小红 with the sample's ID numbers and recorded 张三明 at 09:00–13:00 on
    2026-03-01: the sample's row 2 (09:00–12:00 that day) overlaps that stored record."""
    response = world.client.post(path(world), headers={**world.as_org(), "Content-Type": "text/csv"},
                                 content=SAMPLE_CSV)
    error = assert_error_body(response, 422)
    assert [(e["row"], e["column"], e["code"]) for e in error["errors"]] == [(2, "开始时间", "overlapping_activities")]
    assert "a record already stored" in error["errors"][0]["message"]


def test_a_bad_file_is_422_with_every_problem_and_writes_nothing(world: World) -> None:
    before = world.app.recorder.max_notification_id()
    response = world.client.post(path(world), headers={**world.as_org(), "Content-Type": "text/csv"},
                                 content=bad_file())
    error = assert_error_body(response, 422)
    assert error["code"] == "import_rejected"
    assert "nothing was written" in error["message"]
    assert error["error_count"] == 2
    assert [(e["row"], e["column"], e["code"]) for e in error["errors"]] == [
        (3, "证件号码", "id_number_checksum"), (4, "服务时长", "hours_not_positive")]
    assert all(set(e) == {"row", "column", "code", "message"} for e in error["errors"])
    assert world.app.recorder.max_notification_id() == before


def test_no_error_body_carries_an_id_or_phone_number(world: World) -> None:
    """条例 art.20 / 36: the invalid ID number of row 3 and the phones are not sent back."""
    response = world.client.post(path(world), headers={**world.as_org(), "Content-Type": "text/csv"},
                                 content=bad_file())
    text = response.text
    assert response.status_code == 422
    for secret in (ID_NUMBER.replace("X", "7"), "110105200501010012", "13700000002", "1370000000"):
        assert secret not in text


def test_an_over_large_body_is_413_with_a_message_and_never_read_whole(world: World) -> None:
    before = world.app.recorder.max_notification_id()
    big = b"a" * (MAX_BYTES + 1)
    for headers, kwargs in (({"Content-Type": "text/csv"}, {"content": big}),
                            ({}, {"files": {"file": ("big.csv", big, "text/csv")}})):
        response = world.client.post(path(world), headers={**world.as_org(), **headers}, **kwargs)
        error = assert_error_body(response, 413)
        assert error["code"] == "import_too_large" and "20 MB" in error["message"]
    assert world.app.recorder.max_notification_id() == before


@pytest.mark.parametrize(("headers", "kwargs", "status", "code"), [
    ({"Content-Type": "application/json"}, {"content": b"{}"}, 415, "unsupported_media_type"),
    ({}, {"content": b""}, 415, "unsupported_media_type"),
    ({}, {"files": {"other": ("a.csv", SAMPLE_CSV, "text/csv")}}, 422, "missing_file"),
    ({}, {"data": {"file": "not a file"}, "files": {"other": ("a.csv", b"x", "text/csv")}}, 422, "missing_file"),
    ({}, {"data": {"file": "not a file"}}, 415, "unsupported_media_type"),
    ({"Content-Type": "text/csv"}, {"content": b""}, 422, "import_rejected"),
    ({"Content-Type": "text/csv"}, {"content": "姓名,证件号码\r\n".encode("utf-16")}, 422, "import_rejected"),
    ({"Content-Type": XLSX_TYPE}, {"content": b"PK\x03\x04broken"}, 422, "import_rejected"),
    ({"Content-Type": "multipart/form-data; boundary=x"}, {"content": b"--x\r\nbroken"}, 422, "missing_file"),
    ({"Content-Type": "multipart/form-data"}, {"content": b"--x\r\nbroken"}, 400, "http_error"),
], ids=["json", "no content type", "multipart without file", "file field as text", "url-encoded form",
        "empty csv", "utf-16", "broken xlsx", "broken multipart", "multipart without boundary"])
def test_what_cannot_be_read_is_a_4xx_with_a_message(world: World, headers: dict[str, str], kwargs: dict[str, Any],
                                                     status: int, code: str) -> None:
    before = world.app.recorder.max_notification_id()
    response = world.client.post(path(world), headers={**world.as_org(), **headers}, **kwargs)
    error = assert_error_body(response, status)
    assert error["code"] == code
    assert world.app.recorder.max_notification_id() == before


def test_the_template_is_public_csv_with_a_bom_and_chinese_headers(world: World) -> None:
    response = world.client.get("/api/v1/imports/template.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    header = response.content[3:].decode("utf-8").strip().split(",")
    assert header[0] == "姓名*" and "纸质记录日期" in header


def test_the_openapi_document_names_the_roles_of_both_endpoints(world: World) -> None:
    operations = world.client.get("/openapi.json").json()["paths"]
    assert operations["/api/v1/organizations/{org_id}/imports"]["post"]["x-roles"] == ["organization"]
    assert operations["/api/v1/imports/template.csv"]["get"]["x-roles"] == ["public"]
    assert "multipart/form-data" in operations["/api/v1/organizations/{org_id}/imports"]["post"]["requestBody"][
        "content"]


# -- who may import ----------------------------------------------------------------------------------------------

ROLES = ("none", "bad_token", "registry", "own_org", "other_org", "volunteer", "other_volunteer", "inspector")
EXPECTED = {"none": 401, "bad_token": 401, "registry": 403, "own_org": 201, "other_org": 403, "volunteer": 403,
            "other_volunteer": 403, "inspector": 403}


def token_of(world: World, role: str) -> str | None:
    if role == "inspector":
        return world.appoint_inspector()
    return {"none": None, "bad_token": "vl_" + "A" * 43, "registry": world.registry_token,
            "own_org": world.org["token"], "other_org": world.other_org["token"],
            "volunteer": world.volunteer["token"], "other_volunteer": world.other_volunteer["token"]}[role]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_organization_itself_may_import_and_a_refusal_writes_nothing(world: World, role: str) -> None:
    token = token_of(world, role)
    before = world.app.recorder.max_notification_id()
    response = world.client.post(path(world), headers={**(bearer(token) if token else {}),
                                                       "Content-Type": "text/csv"}, content=bad_file(bad=False))
    if EXPECTED[role] >= 400:
        assert_error_body(response, EXPECTED[role])
        assert world.app.recorder.max_notification_id() == before
    else:
        assert response.status_code == 201, response.text


def test_a_refused_caller_is_refused_before_a_large_body_is_read(world: World) -> None:
    """The right to import is checked first: another organization gets 403, not 413, for an over-large body."""
    response = world.client.post(path(world), headers={**bearer(world.other_org["token"]), "Content-Type": "text/csv"},
                                 content=b"a" * (MAX_BYTES + 1))
    assert_error_body(response, 403)


@pytest.mark.parametrize("role", ROLES)
def test_anyone_may_fetch_the_template(world: World, role: str) -> None:
    token = token_of(world, role)
    response = world.client.get("/api/v1/imports/template.csv", headers=bearer(token) if token else {})
    assert response.status_code == 200


def test_no_log_line_of_an_import_carries_an_id_or_phone_number(world: World,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    """条例 art.20, 36: logs are a surface too."""
    url, headers = other_org(world)
    with caplog.at_level(logging.DEBUG):
        assert world.client.post(url, headers={**headers, "Content-Type": "text/csv"},
                                 content=SAMPLE_CSV).status_code == 201
        assert world.client.post(path(world), headers={**world.as_org(), "Content-Type": "text/csv"},
                                 content=bad_file()).status_code == 422
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "import org=" in logged
    for secret in (ID_NUMBER, ID_NUMBER.replace("X", "7"), "110105200501010012", "13800138000", "13700000002"):
        assert secret not in logged
