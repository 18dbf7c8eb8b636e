"""The inspectors' pages in a real headless Chromium, against a real `vledger serve`: sign in through the form, open
the targets, click through to the planted organization's pre-check, click an evidence link to the record's
timeline — each page checked against the served JSON API and screenshotted at phone width and at desktop width in
tests/artifacts/browser/inspect-*.png, and not one request to another origin.

The world is the one of tests/api/test_inspector_pages.py (a draw, an inspection, a late record amended after a
certificate), built in-process on its fixed clock of 2026-06-01 and then served on the real clock. The browser,
its phone-sized context and the other-origin check are tests/browser/test_pages_in_chromium.py's fixtures; without
Chromium or Playwright these tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from api.application import VledgerApplication
from api.settings import Settings
from tests.api.http_world import bearer, build_world, make_client
from tests.api.test_inspections_http import NOW, Clock
from tests.api.test_inspector_pages import build_inspected
from tests.api.test_server import serving
from tests.browser.test_pages_in_chromium import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    PHONE,
    WAIT_MS,
    Phone,
    browser,
    phone,
    require_chromium,
)

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1}


@dataclass
class Site:
    """The served instance (``base``, as the shared ``browser`` and ``phone`` fixtures expect) and the world's ids."""

    base: str
    inspector_token: str
    other_token: str  # the planted organization's: not for these pages
    bad_org: str
    clean_org: str
    record_id: str
    certificate_number: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    require_chromium()
    root = tmp_path_factory.mktemp("inspect-browser")
    data_dir = root / "instance"
    clock = Clock(NOW)
    app, token, _ = VledgerApplication.initialize(Settings(data_dir=data_dir, database_url=None), clock)
    try:
        inspected = build_inspected(build_world(make_client(app), app, token), clock)
    finally:
        app.close()
    with serving(data_dir, root / "serve.log") as base:
        yield Site(base=base, inspector_token=inspected.inspector.token, other_token=inspected.bad["token"],
                   bad_org=inspected.bad["id"], clean_org=inspected.clean["id"], record_id=inspected.record_id,
                   certificate_number=inspected.certificate["number"])


def api(site: Site, path: str, **params: str) -> dict[str, Any]:
    response = httpx.get(f"{site.base}{path}", params=params, headers=bearer(site.inspector_token), timeout=60)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def shoot(page: Any, name: str, width: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"inspect-{name}-{width}.png"), full_page=True)


def test_an_inspector_signs_in_and_clicks_from_the_targets_to_a_records_timeline(  # noqa: F811
        phone: Phone, browser: Any, site: Site) -> None:  # noqa: F811
    page = phone.page
    page.goto(f"{site.base}/inspect")
    page.wait_for_url("**/inspect/login**")  # no cookie yet: the sign-in form
    shoot(page, "login", "phone")
    page.fill("#token", site.inspector_token)
    page.click("#sign-in-button")
    page.wait_for_url(re.compile(r"/inspect(\?.*)?$"))  # back to the page asked for
    assert page.evaluate("document.cookie") == ""  # HttpOnly: the token is out of any script's reach
    # The layout's stylesheet is applied: the CSP hash admits it.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(245, 245, 244)"

    # -- the targets: each one's pre-check as the JSON API computes it -------------------------------------------
    targets = page.locator("section.target")
    assert targets.count() == 2
    for org_id in (site.bad_org, site.clean_org):
        card = page.locator(f'section.target[data-org="{org_id}"]')
        query = parse_qs(urlsplit(card.locator("a.org-link").get_attribute("href")).query)
        report = api(site, f"/api/v1/organizations/{org_id}/precheck", period_start=query["period_start"][0],
                     period_end=query["period_end"][0])
        shown = card.locator("dd.precheck")
        assert shown.get_attribute("data-problems") == str(len(report["problem_rows"]))
        assert shown.get_attribute("data-suggested") == report["suggested_result"]
    planted = page.locator(f'section.target[data-org="{site.bad_org}"]')
    assert planted.locator("dd.inspection").get_attribute("data-stage") == "planned"
    form_href = planted.locator("a.form-pdf").get_attribute("href") or ""
    assert form_href.startswith("/inspect/inspections/") and form_href.endswith("/form.pdf")
    form = page.request.get(f"{site.base}{form_href}")  # with the browser's own session cookie, no token
    assert form.status == 200 and form.headers["content-type"] == "application/pdf"
    assert "<b>红旗</b>" in planted.locator("a.org-link").inner_text()  # the name's markup shown as text
    shoot(page, "targets", "phone")

    # -- the planted organization's pre-check ------------------------------------------------------------------
    planted.locator("a.org-link").click()
    page.wait_for_url(f"**/inspect/organizations/{site.bad_org}**")
    query = parse_qs(urlsplit(page.url).query)
    report = api(site, f"/api/v1/organizations/{site.bad_org}/precheck", period_start=query["period_start"][0],
                 period_end=query["period_end"][0])
    rows = page.locator("section.row")
    assert rows.count() == len(report["rows"])
    for row in report["rows"]:
        assert page.locator(f'section.row[data-row="{row["id"]}"]').get_attribute("data-status") == row["status"]
    assert page.locator("#suggested-result").inner_text() == report["suggested_result"]
    late = page.locator('section.row[data-row="within_10_working_days"]')
    assert late.get_attribute("data-status") == "problem" and "✖" in late.locator("p.status").inner_text()
    shoot(page, "organization", "phone")

    # -- an evidence link to the record's timeline ---------------------------------------------------------------
    late.locator(f'a.evidence-record[data-record="{site.record_id}"]').first.click()
    page.wait_for_url(f"**/inspect/records/{site.record_id}**")
    history = api(site, f"/api/v1/records/{site.record_id}/history")
    events = page.locator("li.event")
    assert events.count() == len(history["events"]) == 2
    for n, event in enumerate(history["events"]):
        shown = events.nth(n)
        assert shown.get_attribute("data-version") == str(event["version"])
        assert shown.locator("p.signature").get_attribute("data-valid") == "true"
        assert "✔" in shown.locator("p.signature").inner_text()
    amendment = page.locator('li.event[data-version="2"]')
    assert amendment.locator("p.issued-before").get_attribute("data-numbers") == site.certificate_number
    assert "核对签到表后更正<script>alert(1)</script>" in amendment.locator("span.reason").inner_text()
    at = dt.datetime.fromisoformat(history["events"][1]["at"]).astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert at.strftime("%Y-%m-%d %H:%M") in amendment.inner_text()  # China time
    assert page.locator("#integrity").get_attribute("data-intact") == "true"
    shoot(page, "record", "phone")

    # -- the same three pages at desktop width, with the same sign-in --------------------------------------------
    desktop = browser.new_context(**DESKTOP)
    desktop.set_default_timeout(WAIT_MS)
    requests: list[str] = []
    desktop.on("request", lambda request: requests.append(request.url))
    try:
        desktop.add_cookies(page.context.cookies())
        wide = desktop.new_page()
        for name, url in (("targets", f"{site.base}/inspect"),
                          ("organization", f"{site.base}/inspect/organizations/{site.bad_org}"),
                          ("record", f"{site.base}/inspect/records/{site.record_id}")):
            response = wide.goto(url)
            assert response is not None and response.status == 200, name
            assert wide.locator("#inspect-nav").count() == 1
            shoot(wide, name, "desktop")
    finally:
        desktop.close()
    origin = urlsplit(site.base)
    assert requests and all((urlsplit(u).scheme, urlsplit(u).netloc) == (origin.scheme, origin.netloc)
                            for u in requests), requests


def test_a_token_of_another_role_is_refused_and_signing_out_ends_the_session(phone: Phone,  # noqa: F811
                                                                             site: Site) -> None:
    page = phone.page
    page.goto(f"{site.base}/inspect/login")
    page.fill("#token", site.other_token)
    with page.expect_response(lambda r: r.url.startswith(f"{site.base}/inspect/login")
                              and r.request.method == "POST") as answer:
        page.click("#sign-in-button")
    assert answer.value.status == 401
    assert page.locator("#message").is_visible() and page.locator("#token").input_value() == ""

    page.fill("#token", site.inspector_token)
    page.click("#sign-in-button")
    page.wait_for_url("**/inspect?lang=zh")
    page.click("#sign-out")
    page.wait_for_url("**/inspect/login**")
    page.goto(f"{site.base}/inspect/records/{site.record_id}")
    page.wait_for_url("**/inspect/login?**")  # signed out: back to the form, which will return to the record
    assert page.locator('input[name="next"]').input_value() == f"/inspect/records/{site.record_id}"
