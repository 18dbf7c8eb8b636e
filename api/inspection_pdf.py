"""The filled on-site form (现场检查表) of one spot check as a PDF: the appendix of seed ``000_…``,
《济南市钢城区志愿服务记录与证明出具抽查现场检查表》, with its rows word for word (``domain.checklist``).

Layout, as the appendix: the title; 被检查单位 with a box for the seal (公章), 现场检查时间, 现场检查地址; the table
检查内容 / 存在问题 / 备注 with the sections 志愿服务记录检查内容 and 记录证明出具检查内容 and the appendix's rows in
order, then 其他检查事项 (the checklist's rows the form lacks, when they have findings, and free findings);
被检查对象代表人(负责人)意见 and 签名; 检查人员签名; 记录人员签名. After the form: the result §七 suggests and the
result decided with its reason; then an annex listing each finding's evidence.

A section is a shaded row across the table rather than a cell spanning its rows: fpdf2 keeps a row span on one
page, and a section of long findings may need more than a page. A finding's text is cut in the table past
``CELL_TEXT_LIMIT`` characters (a table row must fit on a page); the annex always has it whole.

Like ``api.pdf``, nothing here reads the clock, a view or the log: ``render_form`` turns an ``InspectionForm`` into
bytes, and the same form and font give the same bytes. The form holds no ID number and no phone number: findings
and evidence are ids, certificate numbers and the inspectors' own words.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from uuid import UUID

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from api.pdf import CONTENT_WIDTH, CST, FAMILY, PAGE_MARGIN, FontChoice, chinese_date
from domain.checklist import FORM_ROWS, OTHER_ROW_ID, ROWS, Result, Section

# The appendix's title, on two lines as printed there.
FORM_TITLE = ("济南市钢城区志愿服务记录与证明", "出具抽查现场检查表")
HEADINGS = ("检查内容", "存在问题", "备注")
COLUMN_WIDTHS = (70.0, 60.0, 40.0)  # mm; they add up to CONTENT_WIDTH
OTHER_BLANK_ROWS = 3  # the appendix leaves three blank rows under 其他检查事项
CELL_TEXT_LIMIT = 200  # characters of one finding shown in its cell; the annex has the rest
FOOTER_HEIGHT = 12.0

# How a finding's evidence is counted in its row (kind → name and measure word) and named in the annex.
EVIDENCE_NAMES: dict[str, tuple[str, str]] = {
    "record": ("记录", "条"), "history": ("记录历史版本", "条"), "certificate": ("记录证明", "份"),
    "activity": ("活动", "项"), "volunteer": ("志愿者", "名"), "complaint": ("投诉", "件"),
    "verification": ("查验", "次"),
}
SOURCE_NAMES = {"precheck": "线上抽查", "on_site": "现场检查"}
STAGE_NAMES = {"planned": "已计划", "on_site": "现场检查中", "decided": "已决定（待整改）", "rectifying": "整改中",
               "reported": "已报送整改情况", "not_rectified": "整改未通过", "closed": "已办结"}


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence as the annex prints it: what it is, its reference, where to read it."""

    kind: str  # an EvidenceKind value
    ref: str  # an id, a certificate number, a verification reference
    version: int | None = None
    link: str | None = None  # e.g. the record's history


@dataclass(frozen=True)
class FormFinding:
    """A finding standing on the form (withdrawn ones are not printed)."""

    row_id: str
    row_text: str  # the form's row, or a free row's own text
    problem: str
    remark: str | None
    source: str  # precheck | on_site
    evidence: tuple[EvidenceItem, ...]
    number: int = 0  # its place in the annex, set by ``form_rows``


@dataclass(frozen=True)
class FormRow:
    section: str  # a Section value
    row_id: str | None  # None for a blank row
    text: str
    findings: tuple[FormFinding, ...] = ()


@dataclass(frozen=True)
class InspectionForm:
    """Everything the filled form shows, and nothing more (no ID number, no phone number)."""

    inspection_id: UUID
    year: int
    organization_name: str
    inspected_on: dt.date | None  # the on-site day; the planned day before the visit
    place: str
    period_start: dt.date
    period_end: dt.date
    stage: str
    rows: tuple[FormRow, ...]
    opinion: str | None
    representative: str | None
    inspectors: tuple[str, ...]  # names of the inspectors on site (the team, before the visit)
    suggested_result: str  # a Result value: what §七 gives for the findings standing now
    result: str | None  # decided, or None
    decision_reason: str | None
    rectification_deadline: dt.date | None
    generated_on: dt.date

    @property
    def findings(self) -> tuple[FormFinding, ...]:
        return tuple(f for row in self.rows for f in row.findings)


def form_rows(findings: Sequence[FormFinding]) -> tuple[FormRow, ...]:
    """The form's table: every row of the appendix in order, with its findings; then 其他检查事项 — the checklist's
    own rows the appendix lacks when they have findings, each free finding on its own row, blank rows up to the
    appendix's three. Findings are numbered in the order they are printed (the annex uses the numbers)."""
    by_row: dict[str, list[FormFinding]] = {}
    for finding in findings:
        by_row.setdefault(finding.row_id, []).append(finding)
    laid: list[FormRow] = [FormRow(r.section.value, r.id, r.text, tuple(by_row.get(r.id, ()))) for r in FORM_ROWS]
    others = [FormRow(Section.OTHER.value, r.id, r.text, tuple(by_row[r.id]))
              for r in ROWS if r.section is Section.OTHER and r.id in by_row]
    others += [FormRow(Section.OTHER.value, OTHER_ROW_ID, f.row_text, (f,)) for f in by_row.get(OTHER_ROW_ID, ())]
    others += [FormRow(Section.OTHER.value, None, "") for _ in range(OTHER_BLANK_ROWS - len(others))]
    numbered: list[FormRow] = []
    n = 0
    for row in (*laid, *others):
        items = []
        for finding in row.findings:
            n += 1
            items.append(replace(finding, number=n))
        numbered.append(replace(row, findings=tuple(items)))
    return tuple(numbered)


def evidence_summary(finding: FormFinding) -> str:
    """The compact reference in the 备注 column: "记录 3 条、记录证明 1 份，见附页第 2 项"."""
    if not finding.evidence:
        return ""
    counts = Counter(e.kind for e in finding.evidence)
    parts = []
    for kind, count in counts.items():
        name, measure = EVIDENCE_NAMES.get(kind, (kind, "项"))
        parts.append(f"{name} {count} {measure}")
    return f"证据：{'、'.join(parts)}，见附页第 {finding.number} 项"


def _cut(text: str) -> str:
    return text if len(text) <= CELL_TEXT_LIMIT else text[:CELL_TEXT_LIMIT] + "…（全文见附页）"


def _problem_cell(row: FormRow) -> str:
    many = len(row.findings) > 1
    lines = []
    for f in row.findings:
        origin = "（线上抽查）" if f.source == "precheck" else ""
        lines.append(f"{f'{f.number}. ' if many else ''}{_cut(f.problem)}{origin}")
    return "\n".join(lines)


def _remark_cell(row: FormRow) -> str:
    many = len(row.findings) > 1
    lines = []
    for f in row.findings:
        parts = [p for p in (_cut(f.remark) if f.remark else "", evidence_summary(f)) if p]
        if parts:
            lines.append(f"{f'{f.number}. ' if many else ''}{'；'.join(parts)}")
    return "\n".join(lines)


def result_text(value: str | None) -> str:
    if value is None:
        return "尚未决定"
    try:
        return Result(value).value
    except ValueError:
        return value


# -- rendering -----------------------------------------------------------------------------------------------------


class _FormPDF(FPDF):
    def __init__(self, form: InspectionForm) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.form = form

    def footer(self) -> None:
        self.set_y(-FOOTER_HEIGHT)
        self.set_font(FAMILY, size=8)
        self.set_text_color(90, 90, 90)
        self.cell(CONTENT_WIDTH / 2, 4, f"抽查编号 {self.form.inspection_id}")
        self.cell(CONTENT_WIDTH / 2, 4, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align=Align.R)
        self.set_text_color(0, 0, 0)


def render_form(form: InspectionForm, font: FontChoice) -> bytes:
    """The filled on-site form as PDF bytes (A4 portrait)."""
    pdf = _FormPDF(form)
    pdf.set_title(f"{''.join(FORM_TITLE)} {form.year}")  # the document, never a person
    pdf.set_creator("vledger")
    pdf.set_lang("zh-CN")
    pdf.set_creation_date(dt.datetime.combine(form.generated_on, dt.time(0, 0), CST))
    pdf.add_font(FAMILY, "", str(font.path), collection_font_number=font.index)
    pdf.set_margins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
    pdf.set_auto_page_break(True, margin=FOOTER_HEIGHT + 6)
    pdf.add_page()
    _heading(pdf, form)
    _table(pdf, form)
    _signatures(pdf, form)
    _results(pdf, form)
    _annex(pdf, form)
    return bytes(pdf.output())


def _line(pdf: FPDF, label: str, value: str, width: float = CONTENT_WIDTH, size: float = 11) -> None:
    pdf.set_font(FAMILY, size=size)
    pdf.multi_cell(width, 7, f"{label}{value}", align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _heading(pdf: FPDF, form: InspectionForm) -> None:
    pdf.set_font(FAMILY, size=16)
    for line in FORM_TITLE:
        pdf.cell(CONTENT_WIDTH, 9, line, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    seal = 36.0
    top = pdf.get_y()
    # The seal goes beside the organization's name, in a box kept free for it.
    _line(pdf, "被检查单位(公章)：", form.organization_name, CONTENT_WIDTH - seal - 4)
    day = chinese_date(form.inspected_on) if form.inspected_on else "    年   月    日"
    _line(pdf, "现场检查时间：", day, CONTENT_WIDTH - seal - 4)
    _line(pdf, "现场检查地址：", form.place, CONTENT_WIDTH - seal - 4)
    pdf.set_font(FAMILY, size=9)
    pdf.set_text_color(80, 80, 80)
    pdf.multi_cell(CONTENT_WIDTH - seal - 4, 5, f"检查期间：{chinese_date(form.period_start)}至"
                   f"{chinese_date(form.period_end)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    box_x = PAGE_MARGIN + CONTENT_WIDTH - seal
    pdf.set_draw_color(120, 120, 120)
    pdf.set_dash_pattern(dash=1.5, gap=1)
    pdf.rect(box_x, top, seal, seal * 0.8, style="D")
    pdf.set_dash_pattern()
    pdf.set_draw_color(0, 0, 0)
    bottom = pdf.get_y()
    pdf.set_xy(box_x, top + seal * 0.4 - 4)
    pdf.set_font(FAMILY, size=10)
    pdf.set_text_color(120, 120, 120)
    pdf.cell(seal, 8, "（公章）", align=Align.C)
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(PAGE_MARGIN, max(bottom, top + seal * 0.8) + 3)


def _table(pdf: FPDF, form: InspectionForm) -> None:
    pdf.set_font(FAMILY, size=9)
    shaded = FontFace(emphasis="", fill_color=(235, 235, 235))
    with pdf.table(col_widths=COLUMN_WIDTHS, text_align=("LEFT", "LEFT", "LEFT"), v_align="TOP", line_height=5,
                   first_row_as_headings=True, repeat_headings=1, headings_style=shaded) as table:
        heading = table.row()
        for title in HEADINGS:
            heading.cell(title, align="CENTER")
        section = None
        for row in form.rows:
            if row.section != section:
                section = row.section
                table.row().cell(section, colspan=3, style=shaded)
            cells = table.row()
            cells.cell(row.text)
            cells.cell(_problem_cell(row))
            cells.cell(_remark_cell(row))
    pdf.ln(4)


def _signatures(pdf: FPDF, form: InspectionForm) -> None:
    blank = "____________________"
    if pdf.will_page_break(60):
        pdf.add_page()
    _line(pdf, "被检查对象代表人(负责人)意见：", "")
    pdf.set_font(FAMILY, size=11)
    pdf.multi_cell(CONTENT_WIDTH, 7, form.opinion or "（未记录）", align=Align.L, new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.ln(2)
    _line(pdf, "签名：", form.representative or blank)
    pdf.ln(3)
    _line(pdf, "检查人员签名：", "、".join(form.inspectors) or blank)
    _line(pdf, "记录人员签名：", blank)
    pdf.ln(4)


def _results(pdf: FPDF, form: InspectionForm) -> None:
    if pdf.will_page_break(40):
        pdf.add_page()
    pdf.set_draw_color(150, 150, 150)
    pdf.line(PAGE_MARGIN, pdf.get_y(), PAGE_MARGIN + CONTENT_WIDTH, pdf.get_y())
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(2)
    _line(pdf, "建议抽查结果（依抽查方案第七条）：", result_text(form.suggested_result))
    _line(pdf, "决定抽查结果：", result_text(form.result))
    if form.decision_reason:
        _line(pdf, "决定理由：", form.decision_reason)
    if form.rectification_deadline:
        _line(pdf, "整改期限：", chinese_date(form.rectification_deadline))
    pdf.set_font(FAMILY, size=8)
    pdf.set_text_color(90, 90, 90)
    stage = STAGE_NAMES.get(form.stage, form.stage)
    pdf.multi_cell(CONTENT_WIDTH, 4.5, f"本表由志愿服务记录系统依抽查记录生成（{chinese_date(form.generated_on)}，"
                   f"抽查阶段：{stage}）；每一步均为签名事件，可在系统中核查。", align=Align.L,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)


def _evidence_line(item: EvidenceItem) -> str:
    name = EVIDENCE_NAMES.get(item.kind, (item.kind, ""))[0]
    version = f" 第 {item.version} 版" if item.version is not None else ""
    link = f"  {item.link}" if item.link else ""
    return f"· {name} {item.ref}{version}{link}"


def _annex(pdf: FPDF, form: InspectionForm) -> None:
    pdf.add_page()
    pdf.set_font(FAMILY, size=14)
    pdf.cell(CONTENT_WIDTH, 9, "附页：问题与证据清单", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    findings = form.findings
    if not findings:
        _line(pdf, "", "本次抽查未记录问题。", size=10)
        return
    for f in findings:
        pdf.set_font(FAMILY, size=10)
        source = SOURCE_NAMES.get(f.source, f.source)
        pdf.multi_cell(CONTENT_WIDTH, 6, f"第 {f.number} 项（{source}）  检查内容：{f.row_text}", align=Align.L,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, size=9)
        pdf.multi_cell(CONTENT_WIDTH, 5, f"存在问题：{f.problem}", align=Align.L, new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
        if f.remark:
            pdf.multi_cell(CONTENT_WIDTH, 5, f"备注：{f.remark}", align=Align.L, new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT)
        if f.evidence:
            pdf.multi_cell(CONTENT_WIDTH, 5, "证据：", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            for item in f.evidence:
                # Links are long and have no spaces: wrapped anywhere, as Chinese text is.
                pdf.multi_cell(CONTENT_WIDTH, 4.5, _evidence_line(item), align=Align.L, new_x=XPos.LMARGIN,
                               new_y=YPos.NEXT)
        else:
            pdf.multi_cell(CONTENT_WIDTH, 5, "证据：（无）", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
