"""The annual spot-check summary (`GET /api/v1/reports/spot-checks/{year}.csv` and `.pdf`): checks done on site per
county against the quota due before September (Hunan notice 001 二(二)), results by type (seed 000 七), rectifications,
the most frequent problem rows, complaints received.

The service runs on a clock the test moves: inspections are made through the domain at chosen days and saved with
``save_and_project``; the summary is read after the quota's deadline."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from api import pdf
from api.application import VledgerApplication
from api.inspection_summary import SUMMARY_COLUMNS, TOP_ROW_COLUMNS
from api.settings import Settings
from domain.access import Principal
from domain.checklist import ROWS_BY_ID
from domain.inspection import Inspection
from tests.api.http_world import assert_error_body, bearer, make_client
from tests.conftest import running_in_ci

REGISTRY = Principal(role="registry", subject="registry")
START = dt.datetime(2025, 1, 2, 1, 0, tzinfo=dt.UTC)
CST = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), CST)


@dataclass
class Clock:
    now: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Service:
    app: VledgerApplication
    token: str
    clock: Clock
    client: TestClient
    inspectors: list[str] = field(default_factory=list)
    inspector_token: str = ""


@pytest.fixture
def service(settings: Settings) -> Iterator[Service]:
    clock = Clock()
    app, token, _ = VledgerApplication.initialize(settings, clock=clock)
    try:
        made = [app.appoint_inspector(REGISTRY, name=name) for name in ("王督查", "赵检查")]
        yield Service(app, token, clock, make_client(app), [m["id"] for m in made], made[0]["token"])
    finally:
        app.close()


def register(s: Service, name: str, region: str) -> str:
    return str(s.app.register_organization(REGISTRY, name=name, charter_purpose="为社区提供志愿服务",
                                           region_code=region)["id"])


def check(s: Service, org: str, planned_on: dt.date, *, findings: tuple[str, ...] = (), result: str | None = None,
          deadline: dt.date | None = None, report: bool = False, done: bool | None = None,
          on_site: bool = True) -> Inspection:
    """One inspection of ``org`` visited on ``planned_on``: findings on the rows given, then as far as asked."""
    a = [f"inspector:{i}" for i in s.inspectors]
    now = at(planned_on)
    insp = Inspection.plan(now=now, actor=a[0], org_id=UUID(org), period_start=dt.date(planned_on.year - 1, 1, 1),
                           period_end=dt.date(planned_on.year - 1, 12, 31), planned_on=planned_on, place="现场",
                           inspectors=[UUID(i) for i in s.inspectors], basis="manual", note="年度抽查")
    if on_site:
        for actor in a:
            insp.declare_conflict(now=now, actor=actor, conflict=False)
        insp.start_on_site(now=now, actor=a[0], inspectors=[UUID(i) for i in s.inspectors], credentials_shown=True)
        for row in findings:
            insp.record_finding(now=now, actor=a[1], row_id=row, problem=f"{row} 有问题")
    if result is not None:
        insp.record_opinion(now=now, actor=a[0], opinion="无异议", name="负责人")
        insp.decide(now=now, actor=a[0], result=result, reason="依抽查方案第七条")
    if deadline is not None:
        insp.order_rectification(now=now, actor=a[0], deadline=deadline)
    if report:
        insp.report_rectification(now=at(deadline or planned_on) - dt.timedelta(days=2), actor=f"organization:{org}",
                                  report="已整改")
    if done is not None:
        insp.follow_up(now=at(deadline or planned_on), actor=a[0], done=done, reason="复查")
    s.clock.now = max(s.clock.now, at(planned_on, 18))
    s.app.save_and_project(insp)
    return insp


@dataclass
class Year:
    orgs: dict[str, str]


def a_year(s: Service) -> Year:
    """2026 in two counties. 110105 (one organization registered at township level, 110105002): a rectified order
    to correct, an overdue one, a pass visited after the deadline. 430102: a penalty, a check still planned, two
    complaints. One 2025 check that must not count."""
    orgs = {"o1": register(s, "朝阳区阳光志愿者协会", "110105"), "o2": register(s, "朝阳区助老服务队", "110105"),
            "o3": register(s, "和平街社区志愿服务站", "110105002"), "o4": register(s, "芙蓉区义工联合会", "430102"),
            "o5": register(s, "芙蓉区青年服务队", "430102")}
    check(s, orgs["o1"], dt.date(2025, 6, 3), findings=("privacy",), result="予以处罚")
    s.clock.now = at(dt.date(2026, 3, 1))
    for org, about in ((orgs["o4"], "certificates"), (orgs["o4"], "records"), (orgs["o1"], "both")):
        s.app.file_complaint(None, UUID(org), about=about, text="证明上的时长与实际参加活动不符")
    check(s, orgs["o4"], dt.date(2026, 5, 20), findings=("fees_for_certificates", "basic_info"), result="予以处罚")
    check(s, orgs["o1"], dt.date(2026, 6, 10), findings=("basic_info", "within_10_working_days"), result="责令改正",
          deadline=dt.date(2026, 7, 10), report=True, done=True)
    check(s, orgs["o2"], dt.date(2026, 7, 1), findings=("basic_info",), result="责令改正",
          deadline=dt.date(2026, 8, 1))
    check(s, orgs["o3"], dt.date(2026, 9, 5), result="合格")
    check(s, orgs["o5"], dt.date(2026, 9, 20), on_site=False)
    s.clock.now = at(dt.date(2026, 10, 8))
    return Year(orgs)


def get_csv(s: Service, url: str, headers: dict[str, str] | None = None) -> list[list[str]]:
    response = s.client.get(url, headers=headers or bearer(s.inspector_token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel opens the Chinese headers intact
    assert b"\r\n" in response.content
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def blocks(rows: list[list[str]]) -> list[list[list[str]]]:
    out: list[list[list[str]]] = [[]]
    for row in rows:
        if not row:
            out.append([])
        else:
            out[-1].append(row)
    return out


def by_region(table: list[list[str]]) -> dict[str, dict[str, str]]:
    header = table[0]
    return {row[0]: dict(zip(header, row, strict=True)) for row in table[1:]}


def test_the_csv_counts_checks_results_rectifications_and_complaints_per_county_against_the_quota(
        service: Service) -> None:
    s = service
    a_year(s)
    counties, top = blocks(get_csv(s, "/api/v1/reports/spot-checks/2026.csv?quota=2"))
    assert tuple(counties[0]) == SUMMARY_COLUMNS
    rows = by_region(counties)
    assert list(rows) == ["110105", "430102", "合计"]
    chaoyang, furong, total = rows["110105"], rows["430102"], rows["合计"]
    # 110105: three checks on site, two of them by 31 August: the quota of two is met.
    assert (chaoyang["抽查总数"], chaoyang["现场检查数"], chaoyang["9月前现场检查数"]) == ("3", "3", "2")
    assert (chaoyang["年度任务数"], chaoyang["尚差"], chaoyang["任务完成情况"]) == ("2", "0", "已完成")
    assert (chaoyang["合格"], chaoyang["责令改正"], chaoyang["予以处罚"], chaoyang["未决定"]) == ("1", "2", "0", "0")
    assert (chaoyang["整改中"], chaoyang["整改逾期"], chaoyang["整改完成"]) == ("0", "1", "1")
    assert chaoyang["收到投诉"] == "1"
    # 430102: one on site, one still planned; the deadline has passed with the quota unmet.
    assert (furong["抽查总数"], furong["现场检查数"], furong["9月前现场检查数"]) == ("2", "1", "1")
    assert (furong["尚差"], furong["任务完成情况"]) == ("1", "未完成")
    assert (furong["合格"], furong["责令改正"], furong["予以处罚"], furong["未决定"]) == ("0", "0", "1", "1")
    assert furong["收到投诉"] == "2"
    assert (total["抽查总数"], total["现场检查数"], total["予以处罚"], total["收到投诉"]) == ("5", "4", "1", "3")
    assert total["年度任务数"] == "—"  # quotas are per county
    # The most frequent rows: basic info in three checks; the 2025 penalty (privacy) is not of this year.
    assert tuple(top[0]) == TOP_ROW_COLUMNS
    assert top[1] == ["1", "basic_info", ROWS_BY_ID["basic_info"].text, "3"]
    assert sorted((r[1], r[3]) for r in top[2:]) == [("fees_for_certificates", "1"), ("within_10_working_days", "1")]


def test_the_default_quota_is_ten_and_a_region_selects_its_counties(service: Service) -> None:
    s = service
    a_year(s)
    rows = by_region(blocks(get_csv(s, "/api/v1/reports/spot-checks/2026.csv", bearer(s.token)))[0])
    assert rows["110105"]["年度任务数"] == "10" and rows["110105"]["尚差"] == "8"
    assert rows["110105"]["任务完成情况"] == "未完成"
    only = by_region(blocks(get_csv(s, "/api/v1/reports/spot-checks/2026.csv?region=430000"))[0])
    assert list(only) == ["430102", "合计"]
    assert only["合计"]["抽查总数"] == "2" and only["合计"]["收到投诉"] == "2"
    # Before the deadline an unmet quota is in progress, not failed.
    s.clock.now = at(dt.date(2026, 8, 20))
    early = by_region(blocks(get_csv(s, "/api/v1/reports/spot-checks/2026.csv"))[0])
    assert early["430102"]["任务完成情况"] == "进行中"
    # 2025: the one penalty; nothing of 2026.
    last = by_region(blocks(get_csv(s, "/api/v1/reports/spot-checks/2025.csv"))[0])
    assert list(last) == ["110105", "合计"] and last["110105"]["予以处罚"] == "1"


def test_the_pdf_carries_the_same_figures(service: Service, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None or _no_font():
        if running_in_ci():
            pytest.fail("CI=true requires the PDF tests to run, but pdftotext or a Chinese font is missing",
                        pytrace=False)
        pytest.skip("pdftotext (poppler-utils) or a Chinese font is missing")
    s = service
    a_year(s)
    response = s.client.get("/api/v1/reports/spot-checks/2026.pdf?quota=2", headers=bearer(s.inspector_token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    path = tmp_path / f"{uuid4().hex}.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=True, timeout=60).stdout.decode("utf-8")
    assert "2026年志愿服务记录与证明出具抽查工作汇总" in text
    lines = {line.split()[0]: line.split() for line in text.splitlines() if line.split()}
    assert lines["110105"] == ["110105", "3", "3", "2", "2", "0", "已完成", "1", "2", "0", "0", "0", "1", "1", "1"]
    assert lines["430102"] == ["430102", "2", "1", "1", "2", "1", "未完成", "0", "0", "1", "1", "0", "0", "0", "2"]
    assert lines["合计"][:3] == ["合计", "5", "4"]
    squeezed = "".join(text.split())
    assert f"basic_info{ROWS_BY_ID['basic_info'].text}3" in squeezed


def _no_font() -> bool:
    try:
        pdf.find_font(None)
    except pdf.PdfFontMissingError:
        return True
    return False


def test_only_inspectors_and_the_registry_read_the_summary(service: Service) -> None:
    s = service
    org = s.app.register_organization(REGISTRY, name="阳光志愿者协会", charter_purpose="志愿服务", region_code="110105")
    for suffix in ("csv", "pdf"):
        url = f"/api/v1/reports/spot-checks/2026.{suffix}"
        assert_error_body(s.client.get(url, headers=bearer(org["token"])), 403)
        assert_error_body(s.client.get(url), 401)
    assert_error_body(s.client.get("/api/v1/reports/spot-checks/2026.csv?region=123",
                                   headers=bearer(s.token)), 422)
    assert_error_body(s.client.get("/api/v1/reports/spot-checks/2026.csv?quota=0",
                                   headers=bearer(s.token)), 422)


def test_an_empty_year_has_only_the_total_and_no_rows(service: Service) -> None:
    s = service
    counties, top = blocks(get_csv(s, "/api/v1/reports/spot-checks/2024.csv"))
    assert [r[0] for r in counties[1:]] == ["合计"]
    assert top == [list(TOP_ROW_COLUMNS)]
    summary: Any = s.app.annual_summary(Principal(role="inspector", subject=s.inspectors[0]), year=2024)
    assert summary.regions == () and summary.top_rows == ()
