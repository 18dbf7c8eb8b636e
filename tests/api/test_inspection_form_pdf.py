"""The filled on-site form (现场检查表, seed 000's appendix) as PDF, `GET /api/v1/inspections/{id}/form.pdf`, read
back with poppler: pdftotext for the words, its crop box for one column of the table, and its word boxes (-bbox)
to see that each finding stands on the row it was recorded against.

Without poppler or a Chinese font these tests skip locally, and fail under CI=true."""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from api import inspection_pdf, pdf
from api.application import VledgerApplication
from api.settings import Settings
from domain.access import Principal
from domain.checklist import FORM_ROWS, ROWS_BY_ID, Section
from domain.inspection import Inspection
from tests.api.http_world import FULL_NAME, ID_NUMBER, PHONE, World, assert_error_body, bearer
from tests.api.pdf_support import require_pdf_tools

POPPLER = ("pdftotext",)
REGISTRY = Principal(role="registry", subject="registry")
NOW = dt.datetime(2026, 6, 10, 1, 30, tzinfo=dt.UTC)  # 09:30 in China
PLACE = "北京市朝阳区和平街社区服务中心二楼"
OPINION = "对检查发现的问题无异议，将于限期内补全服务对象与评价信息并报送整改情况。"
REPRESENTATIVE = "李负责"
DECISION = "基本信息与评价记录不完整，依抽查方案第七条责令限期改正"
# Findings: row → (problem, remark). Problems are short enough for one line of their cell.
FINDINGS = {
    "basic_info": ("12名志愿者缺少性别", "已当场核对名册"),
    "evaluation": ("3月活动均无服务评价", None),
    "certificates_from_records": ("1份证明时长与记录不符", "证明所列时长多0.5小时"),
}
PRECHECK = ("within_10_working_days", "2条记录超过10个工作日", "系统录入时间晚于活动结束")
OTHER_TEXT = "活动现场照片与签到表人数不一致"
OTHER_PROBLEM = "签到20人而照片仅见9人"
WITHDRAWN = ("awards", "表彰记录缺少发文号")


def a(inspector: str) -> str:
    return f"inspector:{inspector}"


@dataclass
class Checked:
    inspection_id: str
    inspectors: dict[str, str]  # name → token
    ids: list[str]


@pytest.fixture
def initialized(settings: Settings) -> Iterator[tuple[VledgerApplication, str]]:
    """The service at a fixed instant, the inspection's day: its keys are valid from then, so the inspection's
    events, stamped with the same instant, are signed within their validity."""
    app, token, _ = VledgerApplication.initialize(settings, clock=lambda: NOW)
    try:
        yield app, token
    finally:
        app.close()


@pytest.fixture
def reader() -> None:
    """poppler's pdftotext and a Chinese font: skip without them — or fail, under CI=true."""
    require_pdf_tools(*POPPLER)


def appoint(app: VledgerApplication, *names: str) -> tuple[list[str], dict[str, str]]:
    made = [app.appoint_inspector(REGISTRY, name=name) for name in names]
    return [m["id"] for m in made], {name: m["token"] for name, m in zip(names, made, strict=True)}


def planned(app: VledgerApplication, org_id: str, ids: list[str], *, now: dt.datetime = NOW,
            planned_on: dt.date = dt.date(2026, 6, 10), place: str = PLACE) -> Inspection:
    insp = Inspection.plan(now=now, actor=a(ids[0]), org_id=UUID(org_id), period_start=dt.date(2025, 6, 1),
                           period_end=dt.date(2026, 5, 31), planned_on=planned_on, place=place,
                           inspectors=[UUID(i) for i in ids], basis="manual", note="年度重点抽查：活动频次高")
    for inspector in ids:
        insp.declare_conflict(now=now, actor=a(inspector), conflict=False)
    return insp


def on_site(insp: Inspection, ids: list[str], now: dt.datetime = NOW) -> Inspection:
    insp.start_on_site(now=now, actor=a(ids[0]), inspectors=[UUID(i) for i in ids], credentials_shown=True)
    return insp


def filled(world: World) -> Checked:
    """An inspection of the world's organization with findings on several rows (one from the online pre-check,
    one on a free row, one withdrawn), the representative's opinion, an order to correct with a deadline."""
    app = world.app
    ids, tokens = appoint(app, "王督查", "赵检查")
    record, certificate = world.record["id"], world.certificate["id"]
    insp = planned(app, world.org_id, ids)
    row, problem, remark = PRECHECK
    insp.record_finding(now=NOW, actor=a(ids[0]), row_id=row, problem=problem, remark=remark, source="precheck",
                        evidence=[{"kind": "record", "ref": record}, {"kind": "history", "ref": record, "version": 1}])
    on_site(insp, ids)
    evidence: dict[str, list[dict[str, Any]]] = {
        "basic_info": [{"kind": "volunteer", "ref": world.volunteer["id"]}],
        "evaluation": [{"kind": "record", "ref": record}],
        "certificates_from_records": [{"kind": "certificate", "ref": certificate}, {"kind": "record", "ref": record}],
    }
    for row_id, (text, note) in FINDINGS.items():
        insp.record_finding(now=NOW, actor=a(ids[1]), row_id=row_id, problem=text, remark=note,
                            evidence=evidence[row_id])
    insp.record_finding(now=NOW, actor=a(ids[0]), row_id="other", other_text=OTHER_TEXT, problem=OTHER_PROBLEM,
                        evidence=[{"kind": "activity", "ref": world.activity["id"]}])
    gone = insp.record_finding(now=NOW, actor=a(ids[0]), row_id=WITHDRAWN[0], problem=WITHDRAWN[1])
    insp.withdraw_finding(now=NOW, actor=a(ids[0]), finding_id=gone, reason="发文号见纸质档案，问题不成立")
    insp.record_opinion(now=NOW, actor=a(ids[1]), opinion=OPINION, name=REPRESENTATIVE)
    insp.decide(now=NOW, actor=a(ids[0]), result="责令改正", reason=DECISION)
    insp.order_rectification(now=NOW, actor=a(ids[0]), deadline=dt.date(2026, 7, 10), instructions="补全信息")
    app.save_and_project(insp)
    return Checked(str(insp.id), tokens, ids)


def download(world: World, inspection_id: str, headers: dict[str, str]) -> bytes:
    response = world.client.get(f"/api/v1/inspections/{inspection_id}/form.pdf", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    assert response.content.startswith(b"%PDF-")
    return response.content


def saved(document: bytes, tmp_path: Path) -> Path:
    path = tmp_path / f"{uuid4().hex}.pdf"
    path.write_bytes(document)
    return path


def text_of(document: bytes, tmp_path: Path, *crop: str) -> str:
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", *crop, str(saved(document, tmp_path)), "-"],
                          capture_output=True, check=True, timeout=60).stdout.decode("utf-8")


FOOTER = re.compile(r"抽查编号[0-9a-f-]{36}第[0-9]+页/共[0-9]+页")


def squeezed(text: str) -> str:
    """The words without spaces or line ends (text wraps anywhere) and without page footers (a page may break
    inside a text)."""
    return FOOTER.sub("", "".join(text.split()))


def points(mm: float) -> int:
    return round(mm * 72 / 25.4)


def first_column(document: bytes, tmp_path: Path) -> str:
    """The words inside the table's first column (检查内容) on every page, read top to bottom."""
    left = pdf.PAGE_MARGIN
    width = inspection_pdf.COLUMN_WIDTHS[0]
    return text_of(document, tmp_path, "-r", "72", "-x", str(points(left)), "-y", "0", "-W",
                   str(points(width) - 2), "-H", "842")


@dataclass(frozen=True)
class Word:
    page: int
    x: float
    y: float
    text: str


def words_of(document: bytes, tmp_path: Path) -> list[Word]:
    out = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(saved(document, tmp_path)), "-"],
                         capture_output=True, check=True, timeout=60).stdout.decode("utf-8")
    found: list[Word] = []
    for number, page in enumerate(re.split(r"<page ", out)[1:], start=1):
        for m in re.finditer(r'<word xMin="([0-9.]+)" yMin="([0-9.]+)"[^>]*>([^<]*)</word>', page):
            found.append(Word(number, float(m[1]), float(m[2]), html.unescape(m[3])))
    return found


def top_of(words: list[Word], text: str, min_x: float, max_x: float) -> tuple[int, float]:
    """Page and top of the first line of ``text`` in a column: the word there that starts the text."""
    hits = [w for w in words if min_x <= w.x < max_x and len(w.text) >= 4
            and (text.startswith(w.text) or w.text.startswith(text))]
    assert hits, f"{text!r} does not start any line between x={min_x} and x={max_x}"
    return hits[0].page, hits[0].y


def test_the_form_prints_every_row_of_the_appendix_in_order_with_each_finding_on_its_row(
        world: World, tmp_path: Path, reader: None) -> None:
    checked = filled(world)
    document = download(world, checked.inspection_id, bearer(checked.inspectors["王督查"]))
    text = squeezed(text_of(document, tmp_path))
    assert "济南市钢城区志愿服务记录与证明" in text and "出具抽查现场检查表" in text
    for label in ("被检查单位(公章)：阳光志愿者协会", "现场检查时间：2026年6月10日", f"现场检查地址：{PLACE}",
                  "（公章）", "检查内容", "存在问题", "备注"):
        assert squeezed(label) in text, label

    # Column 1, read alone: both sections and the appendix's rows word for word and in the appendix's order,
    # then 其他检查事项 with the free row.
    column = squeezed(first_column(document, tmp_path))
    expected = [Section.RECORDS.value, *(r.text for r in FORM_ROWS if r.section is Section.RECORDS),
                Section.CERTIFICATES.value, *(r.text for r in FORM_ROWS if r.section is Section.CERTIFICATES),
                Section.OTHER.value, OTHER_TEXT]
    at = 0
    for item in expected:
        found = column.find(item, at)
        assert found >= 0, f"{item!r} is missing from the first column, or out of order:\n{column}"
        at = found + len(item)
    assert len(FORM_ROWS) == 15  # the appendix: 11 record rows and 4 certificate rows

    # Each finding's problem starts on the line its row starts on, in the 存在问题 column; its remark in 备注.
    words = words_of(document, tmp_path)
    x0 = points(pdf.PAGE_MARGIN)
    x1 = x0 + points(inspection_pdf.COLUMN_WIDTHS[0])
    x2 = x1 + points(inspection_pdf.COLUMN_WIDTHS[1])
    placed = {**{row: problem for row, (problem, _) in FINDINGS.items()}, PRECHECK[0]: PRECHECK[1]}
    for row_id, problem in placed.items():
        row_top = top_of(words, ROWS_BY_ID[row_id].text, x0 - 1, x1 - 1)
        problem_top = top_of(words, problem, x1 - 1, x2 - 1)
        assert row_top[0] == problem_top[0] and abs(row_top[1] - problem_top[1]) < 1.5, (row_id, row_top,
                                                                                         problem_top)
    other_top = top_of(words, OTHER_TEXT, x0 - 1, x1 - 1)
    assert other_top[0] == top_of(words, OTHER_PROBLEM, x1 - 1, x2 - 1)[0]
    assert abs(other_top[1] - top_of(words, OTHER_PROBLEM, x1 - 1, x2 - 1)[1]) < 1.5
    remark_top = top_of(words, "已当场核对名册", x2 - 1, 600)
    assert abs(remark_top[1] - top_of(words, ROWS_BY_ID["basic_info"].text, x0 - 1, x1 - 1)[1]) < 1.5

    # The withdrawn finding is not on the form; the pre-check's is, and says where it came from.
    assert WITHDRAWN[1] not in text
    assert squeezed(PRECHECK[1]) + "（线上抽查）" in text
    # The compact evidence reference in the row, the evidence itself on the annex page.
    assert "证据：记录证明1份、记录1条，见附页第" in text
    assert "附页：问题与证据清单" in text
    assert world.certificate["number"] in text  # certificate evidence given by id is printed by its number
    assert squeezed(f"/api/v1/records/{world.record['id']}/history") in text
    assert "第1版" in text  # the history entry's version


def test_the_form_shows_the_opinion_the_signatories_and_the_suggested_and_decided_results(
        world: World, tmp_path: Path, reader: None) -> None:
    checked = filled(world)
    text = squeezed(text_of(download(world, checked.inspection_id, bearer(world.registry_token)), tmp_path))
    assert "被检查对象代表人(负责人)意见：" in text
    assert squeezed(OPINION) in text
    assert f"签名：{REPRESENTATIVE}" in text
    assert "检查人员签名：王督查、赵检查" in text
    assert "记录人员签名：" in text
    # Rows with problems are of 责令改正 under §七; the decision and its reason; the deadline.
    assert "建议抽查结果（依抽查方案第七条）：责令改正" in text
    assert "决定抽查结果：责令改正" in text
    assert f"决定理由：{squeezed(DECISION)}" in text
    assert "整改期限：2026年7月10日" in text


def test_no_id_number_phone_or_volunteer_name_reaches_the_form(world: World, tmp_path: Path, reader: None) -> None:
    checked = filled(world)
    text = squeezed(text_of(download(world, checked.inspection_id, bearer(checked.inspectors["赵检查"])), tmp_path))
    for secret in (ID_NUMBER, ID_NUMBER[:-4], ID_NUMBER[6:14], PHONE, FULL_NAME):
        assert secret not in text
    assert world.volunteer["id"] in text  # volunteers are referred to by their id only


def test_a_penalty_with_an_undecided_finding_and_a_long_problem_wraps_and_continues_across_pages(
        world: World, tmp_path: Path, reader: None) -> None:
    app = world.app
    ids, tokens = appoint(app, "孙检查", "周检查")
    insp = on_site(planned(app, world.org_id, ids), ids)
    long_problem = "。".join(f"第{n}次活动的服务时长按捐赠金额折算计入，与实际服务不符" for n in range(1, 40))[:1000]
    insp.record_finding(now=NOW, actor=a(ids[0]), row_id="fees_for_certificates", problem=long_problem)
    for row in FORM_ROWS:
        insp.record_finding(now=NOW, actor=a(ids[0]), row_id=row.id, problem=f"{row.id}：" + "记录不完整" * 30)
    app.save_and_project(insp)
    document = download(world, str(insp.id), bearer(tokens["孙检查"]))
    text = squeezed(text_of(document, tmp_path))
    pages = text_of(document, tmp_path).count("\f")
    assert pages >= 3  # the table went on over more than one page, then the annex
    assert "建议抽查结果（依抽查方案第七条）：予以处罚" in text  # fees for certificates: a penalty under §七
    assert "决定抽查结果：尚未决定" in text
    assert "（全文见附页）" in text
    assert squeezed(long_problem) in text  # whole, on the annex
    column = squeezed(first_column(document, tmp_path))
    at = 0
    for row in FORM_ROWS:
        found = column.find(row.text, at)
        assert found >= 0, row.text
        at = found + len(row.text)


def test_who_may_download_the_form(world: World, tmp_path: Path, reader: None) -> None:
    checked = filled(world)
    url = f"/api/v1/inspections/{checked.inspection_id}/form.pdf"
    # The inspected organization downloads its own form once the on-site check has started.
    assert "阳光志愿者协会" in text_of(download(world, checked.inspection_id, world.as_org()), tmp_path)
    assert_error_body(world.client.get(url, headers=bearer(world.other_org["token"])), 403)
    assert_error_body(world.client.get(url, headers=bearer(world.volunteer["token"])), 403)
    assert_error_body(world.client.get(url), 401)
    assert_error_body(world.client.get(f"/api/v1/inspections/{uuid4()}/form.pdf",
                                       headers=bearer(checked.inspectors["王督查"])), 404)
    # Before the visit, the form holds only the online pre-check: not the organization's to see.
    ids = checked.ids
    early = planned(world.app, world.org_id, ids)
    early.record_finding(now=NOW, actor=a(ids[0]), row_id="within_10_working_days", problem="录入迟延",
                         source="precheck")
    world.app.save_and_project(early)
    refused = assert_error_body(world.client.get(f"/api/v1/inspections/{early.id}/form.pdf",
                                                 headers=world.as_org()), 403)
    assert refused["code"] == "form_not_yet_shown"
    assert "录入迟延" in squeezed(text_of(download(world, str(early.id), bearer(checked.inspectors["王督查"])),
                                         tmp_path))


def test_a_form_without_findings_prints_the_blank_rows_and_a_pass(world: World, tmp_path: Path,
                                                                  reader: None) -> None:
    app = world.app
    ids, tokens = appoint(app, "钱检查", "吴检查")
    insp = on_site(planned(app, world.org_id, ids), ids)
    insp.record_opinion(now=NOW, actor=a(ids[0]), opinion="无异议", name="陈主任")
    insp.decide(now=NOW, actor=a(ids[0]), result="合格", reason="未发现问题")
    app.save_and_project(insp)
    form = app.inspection_form(Principal(role="inspector", subject=ids[0]), insp.id)
    assert [r.row_id for r in form.rows] == [*(r.id for r in FORM_ROWS), None, None, None]
    assert not form.findings
    text = squeezed(text_of(download(world, str(insp.id), bearer(tokens["钱检查"])), tmp_path))
    assert "建议抽查结果（依抽查方案第七条）：合格" in text and "决定抽查结果：合格" in text
    assert "本次抽查未记录问题。" in text
