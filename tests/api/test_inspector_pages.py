"""The inspectors' pages (issue 6, item 6) through HTTP: signing in with a token kept in a strict cookie, the year's
targets with their pre-check, an organization's pre-check with evidence links, and a record's history as a
timeline — for a world with a draw, an inspection and planted findings, all made through the HTTP API.

The planted organization records on 1 June a service of 2 March (late: the 10-working-day rule), writes a phone
number into the record's content, issues a certificate and then amends the record with a reason that holds markup.
The pages must say what the use cases compute (the expected values come from the use cases, not from this file),
escape everything, hide personal numbers, and account for an inspector's read of the history.

The service runs on the fixed clock of tests/api/test_inspections_http.py (2026-06-01, China time), on SQLite
(a test edits the events file).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from httpx import Response

import api.routers.inspector_pages as inspector_pages
from api.application import VledgerApplication
from api.routers.pages import CONTENT_SECURITY_POLICY
from api.settings import Settings
from domain.access import Principal
from domain.checklist import ROWS
from tests.api.http_world import ID_NUMBER, PHONE, World, activity_body, assert_error_body, bearer, created, make_client
from tests.api.pdf_support import require_pdf_tools
from tests.api.test_draws_http import YEAR, draw, publish
from tests.api.test_inspections_http import (  # noqa: F401  (fixtures)
    Clock,
    Inspector,
    appoint,
    clock,
    initialized,
    plan,
    register_org,
    step,
)
from tests.integration.support import with_check_char
from tests.security.test_audit_tampering import EventsFile, flipped

BAD_ORG = "钢城区<b>红旗</b>志愿服务队"  # markup in a name: shown as text, never as HTML
CLEAN_ORG = "钢城区阳光志愿服务队"
VOLUNTEER_ID_NUMBER = with_check_char("11010519850101003")
CONTENT_PHONE = "13912340000"
AMEND_REASON = "核对签到表后更正<script>alert(1)</script>"
YEAR_START, TODAY = dt.date(YEAR, 1, 1), dt.date(YEAR, 6, 1)  # the pre-check period of the year so far


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Explicitly SQLite: the tamper test edits the events file (a CI database URL must not redirect it)."""
    return Settings(data_dir=tmp_path / "data", database_url=None)


@dataclass
class Inspected:
    """The world of these pages: a district draw of two targets, one with planted findings and an inspection."""

    world: World
    bad: dict[str, Any]
    clean: dict[str, Any]
    volunteer_id: str
    record_id: str
    certificate: dict[str, Any]
    draw: dict[str, Any]
    inspection_id: str
    team: list[Inspector]

    @property
    def inspector(self) -> Inspector:
        return self.team[0]

    def principal(self, token: str) -> Principal:
        return self.world.app.authenticate(token)


def build_inspected(world: World, clock: Clock) -> Inspected:  # noqa: F811
    """Made through the HTTP API on the clock at 2026-06-01 09:00 (China time)."""
    bad, clean = register_org(world, BAD_ORG), register_org(world, CLEAN_ORG)
    as_bad = bearer(bad["token"])
    volunteer = created(world.client.post(f"/api/v1/organizations/{bad['id']}/volunteers", headers=as_bad, json={
        "name": "孙志愿", "id_number": VOLUNTEER_ID_NUMBER, "phone": PHONE}))
    activity = created(world.client.post(f"/api/v1/organizations/{bad['id']}/activities", headers=as_bad,
                                         json=activity_body(start="2026-03-02T09:00:00+08:00",
                                                            end="2026-03-02T13:00:00+08:00")))
    record = created(world.client.post(f"/api/v1/activities/{activity['id']}/records", headers=as_bad, json={
        "volunteer_id": volunteer["id"], "hours": "3", "content": f"陪伴老人聊天，家属电话{CONTENT_PHONE}"}))
    certificate = created(world.client.post(f"/api/v1/volunteers/{volunteer['id']}/certificates", headers=as_bad))
    clock.advance(minutes=5)
    amended = world.client.patch(f"/api/v1/records/{record['id']}", headers=as_bad,
                                 json={"hours": "2.5", "reason": AMEND_REASON})
    assert amended.status_code == 200, amended.text

    published = created(publish(world, quota=2))
    clock.advance(minutes=5)
    drawn = draw(world, published["id"])
    assert {t["org_id"] for t in drawn["targets"]} == {bad["id"], clean["id"]}

    team = [appoint(world, "王督查"), appoint(world, "李检查")]
    inspection_id = str(created(plan(world, team, org_id=bad["id"]))["id"])
    for inspector in team:
        step(world, inspection_id, "conflict-declarations", inspector.headers, {"conflict": False})
    step(world, inspection_id, "precheck-findings", team[0].headers)
    clock.advance(minutes=5)
    return Inspected(world=world, bad=bad, clean=clean, volunteer_id=volunteer["id"], record_id=record["id"],
                     certificate=certificate, draw=drawn, inspection_id=inspection_id, team=team)


@pytest.fixture
def inspected(world: World, clock: Clock) -> Inspected:  # noqa: F811
    return build_inspected(world, clock)


def sign_in(client: TestClient, token: str, **form: str) -> Response:
    return client.post("/inspect/login", data={"token": token, **form}, follow_redirects=False)


def cookie_of(response: Response) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return jar


def signed_in(inspected: Inspected, token: str | None = None) -> TestClient:
    """A fresh browser-like client signed in through the form (the world's client stays cookie-free)."""
    client = make_client(inspected.world.app)
    answer = sign_in(client, token or inspected.inspector.token)
    assert answer.status_code == 303, answer.text
    return client


def page(client: TestClient, path: str, status: int = 200) -> str:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY" and response.headers["cache-control"] == "no-store"
    body = response.text
    assert "<script" not in body.lower()
    for secret in (PHONE, CONTENT_PHONE, ID_NUMBER, VOLUNTEER_ID_NUMBER):  # never a phone or an ID number
        assert secret not in body
    return body


def section(body: str, attribute: str, value: str) -> str:
    """The HTML of the first element carrying ``attribute="value"``, up to the end of its section or list item."""
    start = body.index(f'{attribute}="{value}"')
    ends = [i for i in (body.find("</section>", start), body.find("</li>", start)) if i >= 0]
    return body[start:min(ends)]


# -- signing in --------------------------------------------------------------------------------------------------


def test_signing_in_keeps_the_token_in_a_strict_http_only_cookie_for_inspect_only(inspected: Inspected) -> None:
    client = make_client(inspected.world.app)
    away = client.get("/inspect", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"].startswith("/inspect/login")

    form = page(client, "/inspect/login")
    assert 'type="password"' in form and 'name="token"' in form and 'action="/inspect/login?lang=zh"' in form

    answer = sign_in(client, inspected.inspector.token)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/inspect?lang=zh"
    morsel = cookie_of(answer)[inspector_pages.COOKIE]
    assert morsel.value == inspected.inspector.token
    assert morsel["httponly"] is True and morsel["samesite"].lower() == "strict" and morsel["path"] == "/inspect"
    assert not morsel["secure"]  # the world's public URL is http
    assert not morsel["max-age"] and not morsel["expires"]  # a session cookie

    assert "data-org=" in page(client, "/inspect")
    out = client.post("/inspect/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/inspect/login")
    gone = cookie_of(out)[inspector_pages.COOKIE]
    assert gone.value == "" and gone["max-age"] == "0" and gone["path"] == "/inspect"
    assert client.get("/inspect", follow_redirects=False).status_code == 303


def test_the_cookie_is_secure_when_the_public_url_is_https(tmp_path: Path) -> None:
    app, token, _ = VledgerApplication.initialize(Settings(data_dir=tmp_path / "tls", database_url=None,
                                                           public_url="https://verify.example.org"))
    try:
        answer = sign_in(make_client(app), token)
        assert answer.status_code == 303, answer.text
        assert cookie_of(answer)[inspector_pages.COOKIE]["secure"] is True
    finally:
        app.close()


@pytest.mark.parametrize("who", ["organization", "volunteer", "unknown", "empty", "too long"])
def test_only_inspectors_and_the_registry_can_sign_in(inspected: Inspected, who: str) -> None:
    token = {"organization": inspected.bad["token"], "volunteer": inspected.world.volunteer["token"],
             "unknown": "vl_" + "A" * 43, "empty": "  ", "too long": "vl_" + "A" * 400}[who]
    client = make_client(inspected.world.app)
    answer = sign_in(client, token)
    assert answer.status_code == 401, answer.text
    assert inspector_pages.COOKIE not in cookie_of(answer)
    assert 'id="message"' in answer.text and 'name="token"' in answer.text
    assert token.strip() == "" or token not in answer.text  # what was pasted is never echoed
    assert client.get("/inspect", follow_redirects=False).status_code == 303


def test_the_registry_signs_in_too(inspected: Inspected) -> None:
    client = signed_in(inspected, inspected.world.registry_token)
    assert f'data-org="{inspected.bad["id"]}"' in page(client, "/inspect")


def test_sign_in_returns_to_the_page_asked_for_and_never_to_another_site(inspected: Inspected) -> None:
    client = make_client(inspected.world.app)
    wanted = f"/inspect/records/{inspected.record_id}"
    away = client.get(wanted, follow_redirects=False)
    assert away.status_code == 303 and "next=%2Finspect%2Frecords%2F" in away.headers["location"]
    assert f'value="{wanted}"' in page(client, away.headers["location"])
    assert sign_in(client, inspected.inspector.token, next=wanted).headers["location"] == wanted
    for evil in ("https://evil.example/", "//evil.example/inspect", "/inspect/../api/v1/log", "/inspectx"):
        assert sign_in(client, inspected.inspector.token, next=evil).headers["location"] == "/inspect?lang=zh"


def test_a_stale_or_foreign_cookie_is_dropped_and_the_browser_signs_in_again(inspected: Inspected) -> None:
    for token in ("vl_" + "B" * 43, inspected.world.volunteer["token"], inspected.bad["token"]):
        client = make_client(inspected.world.app)
        client.cookies.set(inspector_pages.COOKIE, token, path="/inspect")
        away = client.get("/inspect", follow_redirects=False)
        assert away.status_code == 303 and away.headers["location"].startswith("/inspect/login")
        assert cookie_of(away)[inspector_pages.COOKIE]["max-age"] == "0"


def paths(inspected: Inspected) -> dict[str, str]:
    return {"targets": "/inspect", "organization": f"/inspect/organizations/{inspected.bad['id']}",
            "record": f"/inspect/records/{inspected.record_id}"}


def test_bearer_clients_get_the_apis_answers(inspected: Inspected) -> None:
    """401 for an unknown token, 403 for a role the pages are not for (JSON error bodies, as the API answers),
    200 for an inspector; the registry reads the targets and pre-checks but not a record's history."""
    world = inspected.world
    for name, path in paths(inspected).items():
        error = assert_error_body(world.client.get(path, headers=bearer("vl_" + "A" * 43)), 401)
        assert error["code"]
        assert world.client.get(path, headers=bearer("vl_" + "A" * 43)).headers["www-authenticate"] == "Bearer"
        for token in (inspected.bad["token"], world.org_token, world.volunteer["token"]):
            assert_error_body(world.client.get(path, headers=bearer(token)), 403)
        assert world.client.get(path, headers=inspected.inspector.headers).status_code == 200, name
        registry = world.client.get(path, headers=bearer(world.registry_token))
        if name == "record":
            assert assert_error_body(registry, 403)["code"] == "history_not_yours"
        else:
            assert registry.status_code == 200, registry.text


# -- the targets -------------------------------------------------------------------------------------------------


def test_the_targets_show_each_ones_reasons_pre_check_and_inspection(inspected: Inspected) -> None:
    body = page(signed_in(inspected), "/inspect")
    inspector = inspected.principal(inspected.inspector.token)
    assert "2026" in body and f'data-draw="{inspected.draw["id"]}"' in body
    for target in inspected.draw["targets"]:
        card = section(body, "data-org", target["org_id"])
        assert f'data-reasons="{",".join(target["reasons"])}"' in card
        report = inspected.world.app.precheck_organization(inspector, UUID(target["org_id"]),
                                                           period_start=YEAR_START, period_end=TODAY)
        assert f'data-problems="{len(report["problem_rows"])}"' in card
        assert f'data-suggested="{report["suggested_result"]}"' in card
        assert f"/inspect/organizations/{target['org_id']}?period_start=2026-01-01&amp;period_end=2026-06-01" in card

    planted = section(body, "data-org", inspected.bad["id"])
    assert "within_10_working_days" in inspected.world.app.precheck_organization(
        inspector, UUID(inspected.bad["id"]), period_start=YEAR_START, period_end=TODAY)["problem_rows"]
    assert "✖" in planted and "data-problems=\"0\"" not in planted
    assert 'data-stage="planned"' in planted
    assert f'href="/inspect/inspections/{inspected.inspection_id}/form.pdf"' in planted
    assert "&lt;b&gt;红旗&lt;/b&gt;" in planted and "<b>红旗" not in body

    clean = section(body, "data-org", inspected.clean["id"])
    assert 'data-stage="none"' in clean and "form.pdf" not in clean
    assert 'data-problems="0"' in clean and 'data-suggested="合格"' in clean


def test_the_targets_page_computes_a_bounded_number_of_pre_checks(inspected: Inspected,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    client = signed_in(inspected)
    calls: list[UUID] = []
    real = inspected.world.app.precheck_organization

    def counted(principal: Principal, org_id: UUID, **period: Any) -> dict[str, Any]:
        calls.append(org_id)
        return real(principal, org_id, **period)

    monkeypatch.setattr(inspected.world.app, "precheck_organization", counted)
    monkeypatch.setattr(inspector_pages, "TARGETS_PER_PAGE", 1)
    first = page(client, "/inspect")
    assert len(calls) == 1 and first.count('class="card target"') == 1 and 'id="next-page"' in first
    second = page(client, "/inspect?year=2026&page=2")
    assert len(calls) == 2 and second.count('class="card target"') == 1 and 'id="previous-page"' in second
    assert {str(c) for c in calls} == {t["org_id"] for t in inspected.draw["targets"]}


def test_a_year_without_a_draw_says_so(inspected: Inspected) -> None:
    body = page(signed_in(inspected), "/inspect?year=2025")
    assert 'id="no-draws"' in body and 'class="card target"' not in body


# -- an organization's pre-check ---------------------------------------------------------------------------------

def org_path(inspected: Inspected) -> str:
    return f"/inspect/organizations/{inspected.bad['id']}?period_start=2026-01-01&period_end=2026-06-01"


def test_the_pre_check_page_shows_every_row_with_its_status_and_the_findings_evidence(inspected: Inspected) -> None:
    body = page(signed_in(inspected), org_path(inspected))
    report = inspected.world.app.precheck_organization(inspected.principal(inspected.inspector.token),
                                                       UUID(inspected.bad["id"]), period_start=YEAR_START,
                                                       period_end=TODAY)
    assert [r["id"] for r in report["rows"]] == [r.id for r in ROWS]
    for row in report["rows"]:
        shown = section(body, "data-row", row["id"])
        assert f'data-status="{row["status"]}"' in shown
        for finding in row["findings"]:
            assert f'data-code="{finding["code"]}"' in body
        if row["status"] == "not_computable":
            assert 'class="note not-computable"' in shown
    assert f'id="problem-count">{len(report["problem_rows"])}<' in body
    assert f'id="suggested-result">{report["suggested_result"]}<' in body
    assert 'data-result="责令改正"' in body  # the late record alone calls for an order to correct

    late = section(body, "data-row", "within_10_working_days")
    assert 'data-status="problem"' in late and "✖" in late
    assert f'href="/inspect/records/{inspected.record_id}?lang=zh"' in late
    assert f'data-inspection="{inspected.inspection_id}"' in body
    assert "&lt;b&gt;红旗&lt;/b&gt;" in body


def test_the_pre_check_page_names_certificates_by_number(inspected: Inspected) -> None:
    body = page(signed_in(inspected), org_path(inspected))
    start = body.index('data-code="records_amended_after_certificate"')
    amended = body[start:body.index("</section>", start)]  # the finding with its nested evidence lists
    assert inspected.certificate["number"] in amended and inspected.certificate["id"] not in amended


def test_the_pre_check_page_refuses_a_bad_period_with_a_page(inspected: Inspected) -> None:
    client = signed_in(inspected)
    assert 'id="message"' in page(client, f"/inspect/organizations/{inspected.bad['id']}?period_start=soon", 422)
    reversed_ = f"/inspect/organizations/{inspected.bad['id']}?period_start=2026-06-01&period_end=2026-01-01"
    assert 'id="message"' in page(client, reversed_, 422)
    assert 'id="message"' in page(client, "/inspect/organizations/00000000-0000-0000-0000-000000000000", 404)


@pytest.mark.parametrize("query", ["year=0", "year=99999", "year=²", "year=２０２６", "page=٣", "page=-1"])
def test_the_targets_page_refuses_a_bad_year_or_page_with_a_page(inspected: Inspected, query: str) -> None:
    """Found in review: year 0 reached ``dt.date`` and "²" passed ``str.isdigit`` — both were a 500."""
    assert 'id="message"' in page(signed_in(inspected), f"/inspect?{query}", 422)


def test_a_signed_in_browser_downloads_the_filled_form_through_its_cookie(inspected: Inspected) -> None:
    """The session cookie is limited to /inspect, so the form the targets page links to is served there too."""
    require_pdf_tools("pdftotext")
    path = f"/inspect/inspections/{inspected.inspection_id}/form.pdf"
    answer = signed_in(inspected).get(path, follow_redirects=False)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "no-store" and answer.content.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=answer.content, capture_output=True, check=True).stdout
    assert "现场检查表" in text.decode("utf-8")
    # The same bytes as the API's, for the same reader.
    api = inspected.world.client.get(f"/api/v1/inspections/{inspected.inspection_id}/form.pdf",
                                     headers=inspected.inspector.headers)
    assert api.status_code == 200 and len(api.content) > 1000
    # Without a session: to the sign-in form; an organization's bearer token: refused like the other pages.
    anonymous = make_client(inspected.world.app).get(path, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/inspect/login")
    refused = inspected.world.client.get(path, headers=bearer(inspected.bad["token"]))
    assert refused.status_code == 403


# -- a record's history ------------------------------------------------------------------------------------------


def test_the_record_timeline_hides_numbers_however_they_are_typed_and_keeps_ordinary_ones(
        inspected: Inspected) -> None:
    """One reading with the complaints (domain.people): +86, separators, full-width digits, 15-digit IDs."""
    world = inspected.world
    as_bad = bearer(inspected.bad["token"])
    typed = ["+8613912340001", "139-1234-0002", "139 1234 0003", "１３９１２３４０００４", "110105491231002"]
    activity = created(world.client.post(f"/api/v1/organizations/{inspected.bad['id']}/activities", headers=as_bad,
                                         json=activity_body(start="2026-03-09T09:00:00+08:00",
                                                            end="2026-03-09T12:00:00+08:00")))
    content = "陪伴老人；联系 " + "、".join(typed) + "；2026-03-09 09:00 起 3.5 小时"
    record = created(world.client.post(f"/api/v1/activities/{activity['id']}/records", headers=as_bad, json={
        "volunteer_id": inspected.volunteer_id, "hours": "3", "content": content}))
    body = page(signed_in(inspected), f"/inspect/records/{record['id']}")
    assert "联系 " + "、".join(["［已隐去］"] * len(typed)) + "；2026-03-09 09:00 起 3.5 小时" in body
    for number in typed:
        assert number not in body and number[-4:] + "；" not in body and number[-4:] + "、" not in body


def test_the_record_timeline_says_who_when_what_why_the_signature_and_the_certificates(inspected: Inspected) -> None:
    world = inspected.world
    history = world.client.get(f"/api/v1/records/{inspected.record_id}/history",
                               headers=inspected.inspector.headers).json()
    body = page(signed_in(inspected), f"/inspect/records/{inspected.record_id}")
    number = inspected.certificate["number"]

    assert [int(v) for v in re.findall(r'<li class="event" data-version="(\d+)"', body)] == [
        e["version"] for e in history["events"]] == [1, 2]
    assert 'data-intact="true"' in body and body.count('data-valid="true"') == 2 and "✔ 签名有效" in body
    created_event, amendment = section(body, 'data-version', "1"), section(body, 'data-version', "2")
    assert "创建记录" in created_event and "修改记录" in amendment
    assert f"组织：{BAD_ORG.replace('<', '&lt;').replace('>', '&gt;')}" in created_event
    assert "2026-06-01 09:00" in created_event and "2026-06-01 09:05" in amendment  # China time
    hours = history["events"][1]["changes"]["hours"]
    assert (float(hours["from"]), float(hours["to"])) == (3, 2.5)
    assert f'<tr data-field="hours"><td>服务时长（小时）</td><td>{hours["from"]} → {hours["to"]}</td></tr>' in amendment
    assert "核对签到表后更正&lt;script&gt;alert(1)&lt;/script&gt;" in amendment
    assert "陪伴老人聊天，家属电话［已隐去］" in created_event  # the phone typed into the content is hidden
    # The certificate was issued between the two events: after the first, before the amendment.
    assert history["events"][1]["certificates_issued_before"] == [number]
    assert f'class="note issued-after" data-numbers="{number}"' in created_event
    assert "issued-before" not in created_event
    assert f'class="note issued-before" data-numbers="{number}"' in amendment
    certificates = section(body, 'id', "certificates")
    assert number in certificates and "出具后记录被修改（第 2 版）" in certificates


def test_an_inspectors_look_at_the_timeline_is_accounted_for(inspected: Inspected) -> None:
    world, inspector = inspected.world, inspected.inspector

    def reads() -> list[dict[str, Any]]:
        answer = world.client.get(f"/api/v1/volunteers/{inspected.volunteer_id}/reads", headers=inspector.headers)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["reads"])

    before = reads()
    page(signed_in(inspected), f"/inspect/records/{inspected.record_id}")
    after = reads()
    assert len(after) == len(before) + 1
    (new,) = [r for r in after if r not in before]
    assert new["inspector_id"] == inspector.id and new["what"] == "history"


def test_the_registry_signed_in_is_refused_a_records_history_with_a_page(inspected: Inspected) -> None:
    body = page(signed_in(inspected, inspected.world.registry_token), f"/inspect/records/{inspected.record_id}", 403)
    assert 'id="message"' in body and 'id="inspect-nav"' in body
    assert 'id="message"' in page(signed_in(inspected), "/inspect/records/00000000-0000-0000-0000-000000000000", 404)


def tamper(settings: Settings, record_id: str, version: int) -> None:
    """One flipped byte near the end of a stored event of the record (its signature no longer verifies)."""
    events = EventsFile(settings.data_dir)
    row = events.row(UUID(record_id), version)
    events.set_state(row.rowid, flipped(row.state, len(row.state) - 3))


def test_a_tampered_amendment_is_marked_invalid_on_the_timeline(inspected: Inspected, settings: Settings) -> None:
    tamper(settings, inspected.record_id, 2)

    body = page(signed_in(inspected), f"/inspect/records/{inspected.record_id}")
    assert 'data-intact="false"' in body and "✖ 历史不完整" in body
    tampered = section(body, "data-version", "2")
    assert 'data-valid="false"' in tampered and "✖ 签名无效（bad_signature）" in tampered
    assert "核对签到表后更正" not in tampered and 'data-field="hours"' not in tampered  # nothing of it is shown
    assert 'data-valid="true"' in section(body, "data-version", "1")


def test_a_tampered_first_event_is_marked_invalid_on_the_timeline(inspected: Inspected, settings: Settings) -> None:
    tamper(settings, inspected.record_id, 1)

    body = page(signed_in(inspected), f"/inspect/records/{inspected.record_id}")
    assert 'data-intact="false"' in body
    assert 'data-valid="false"' in section(body, "data-version", "1")


def test_every_page_has_an_english_version(inspected: Inspected) -> None:
    client = signed_in(inspected)
    assert 'lang="en"' in page(client, "/inspect/login?lang=en")
    targets = page(client, "/inspect?lang=en")
    assert 'lang="en"' in targets and "Targets of 2026" in targets and "Pre-check" in targets
    org = page(client, org_path(inspected) + "&lang=en")
    assert "Suggested result" in org and f'href="/inspect/records/{inspected.record_id}?lang=en"' in org
    record = page(client, f"/inspect/records/{inspected.record_id}?lang=en")
    assert "✔ Signature valid" in record and "Certificates issued before this change" in record


@pytest.fixture
def no_world_client(service: VledgerApplication) -> Iterator[TestClient]:
    yield make_client(service)


def test_pages_answer_without_any_draw(no_world_client: TestClient, registry_token: str) -> None:
    assert sign_in(no_world_client, registry_token).status_code == 303
    body = page(no_world_client, "/inspect")
    assert 'id="no-draws"' in body
