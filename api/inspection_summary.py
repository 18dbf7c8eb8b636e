"""The annual spot-check summary (抽查工作汇总, CSV and PDF) and the annual list of identified volunteer organizations
(志愿服务组织标识名单, CSV), built by ``api.usecases.inspection_reports``.

Sources: Hunan notice 001 二(二) — before September each city and county checks at least 10 organizations on site,
and reports by the end of October; 二(一) — the list of identified organizations is published each year by 30 June,
with at least 20 identified organizations per million residents; Gangcheng plan 000 七 — results 合格 / 责令改正 /
予以处罚, rectification within a deadline, everything summarized for the city and province.

CSV files are UTF-8 with a BOM (Excel in China then opens the Chinese headers intact), CRLF line ends, and a cell
that a spreadsheet would run as a formula gets a leading apostrophe. Like ``api.pdf``, the renderers read neither
the clock nor a view: the same summary and font give the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from api.csv_cells import safe_cell
from api.pdf import CST, FAMILY, FontChoice, chinese_date

IDENTIFICATION_TARGET = 20  # Hunan notice 001 二(一): 每百万人口不少于20家
PER_MILLION = Decimal(1_000_000)
UNKNOWN = "unknown"  # a region whose population is not configured: no ratio, never a division by zero
NO_REGION = "未登记区划"  # organizations registered without a division code


# -- the annual summary ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionSummary:
    """One county's (or, for the total, every selected county's) checks of the year."""

    region_code: str | None  # a 6-digit county code; None: no division code (or the total row)
    inspections: int  # every check of the year, planned ones included
    done_on_site: int  # checks that went on site (their stage is past "planned")
    counted: int | None  # done on site by the quota's deadline (31 August); None for the total
    quota: int | None  # None where no quota applies (no division code; the total row)
    passed: int
    ordered_to_correct: int
    penalised: int
    undecided: int
    rectifying: int  # ordered to correct, not yet closed, deadline not passed
    overdue: int  # ordered to correct, not closed, deadline passed without a report (or rectification refused)
    rectified: int  # ordered to correct and closed after a successful follow-up
    complaints: int  # complaints of the year about the region's organizations

    @property
    def remaining(self) -> int | None:
        return None if self.quota is None or self.counted is None else max(0, self.quota - self.counted)

    @property
    def met(self) -> bool | None:
        return None if self.quota is None or self.counted is None else self.counted >= self.quota


@dataclass(frozen=True)
class ProblemRowCount:
    row_id: str
    text: str
    count: int  # checks with at least one standing finding on the row


@dataclass(frozen=True)
class AnnualSummary:
    year: int
    region: str | None  # the selection (``?region=``), None: everything
    as_of: dt.date  # China date the summary was computed
    deadline: dt.date  # the quota's last day (31 August)
    quota: int
    regions: tuple[RegionSummary, ...]
    total: RegionSummary
    top_rows: tuple[ProblemRowCount, ...]

    def quota_label(self, row: RegionSummary) -> str:
        """已完成 / 进行中 / 未完成 (the deadline passed with the quota unmet) / — (no quota applies)."""
        if row.met is None:
            return "—"
        if row.met:
            return "已完成"
        return "未完成" if self.as_of > self.deadline else "进行中"


SUMMARY_COLUMNS = ("区划代码", "抽查总数", "现场检查数", "9月前现场检查数", "年度任务数", "尚差", "任务完成情况",
                   "合格", "责令改正", "予以处罚", "未决定", "整改中", "整改逾期", "整改完成", "收到投诉")
TOP_ROW_COLUMNS = ("排名", "检查事项", "检查内容", "存在问题的抽查数")


def _blank(value: int | None) -> str:
    return "—" if value is None else str(value)


def summary_row(summary: AnnualSummary, row: RegionSummary, label: str | None = None) -> list[str]:
    region = label or row.region_code or NO_REGION
    return [region, str(row.inspections), str(row.done_on_site), _blank(row.counted), _blank(row.quota),
            _blank(row.remaining), summary.quota_label(row), str(row.passed), str(row.ordered_to_correct),
            str(row.penalised), str(row.undecided), str(row.rectifying), str(row.overdue), str(row.rectified),
            str(row.complaints)]


def summary_title(summary: AnnualSummary) -> str:
    where = f"（区划 {summary.region}）" if summary.region else ""
    return f"{summary.year}年志愿服务记录与证明出具抽查工作汇总{where}"


def _csv(blocks: Iterable[Sequence[Sequence[Any]]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    for n, block in enumerate(blocks):
        if n:
            writer.writerow([])
        writer.writerows([[safe_cell(v) for v in row] for row in block])
    return out.getvalue().encode("utf-8-sig")


def summary_csv(summary: AnnualSummary) -> bytes:
    """Two tables: per county (then 合计) against the quota; the most frequent problem rows."""
    counties = [SUMMARY_COLUMNS, *(summary_row(summary, r) for r in summary.regions),
                summary_row(summary, summary.total, "合计")]
    rows = [TOP_ROW_COLUMNS, *([str(n), r.row_id, r.text, str(r.count)]
                               for n, r in enumerate(summary.top_rows, start=1))]
    return _csv([counties, rows])


class _SummaryPDF(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.title_text = title

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, f"{self.title_text}    第 {self.page_no()} 页 / 共 {{nb}} 页", align=Align.R)
        self.set_text_color(0, 0, 0)


LANDSCAPE_MARGIN = 12.0
LANDSCAPE_WIDTH = 297.0 - 2 * LANDSCAPE_MARGIN


def summary_pdf(summary: AnnualSummary, font: FontChoice) -> bytes:
    """The summary on A4 landscape: the per-county table, results, rectifications, the most frequent rows."""
    title = summary_title(summary)
    pdf = _SummaryPDF(title)
    pdf.set_title(title)
    pdf.set_creator("vledger")
    pdf.set_lang("zh-CN")
    pdf.set_creation_date(dt.datetime.combine(summary.as_of, dt.time(0, 0), CST))
    pdf.add_font(FAMILY, "", str(font.path), collection_font_number=font.index)
    pdf.set_margins(LANDSCAPE_MARGIN, LANDSCAPE_MARGIN, LANDSCAPE_MARGIN)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font(FAMILY, size=15)
    pdf.cell(LANDSCAPE_WIDTH, 9, title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=9)
    pdf.multi_cell(LANDSCAPE_WIDTH, 5, f"统计日期：{chinese_date(summary.as_of)}。年度任务：每个县级区划于"
                   f"{chinese_date(summary.deadline)}前现场抽查不少于 {summary.quota} 家（湖南通知 二(二)）；"
                   "结果类型依钢城区抽查方案第七条。", align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    shaded = FontFace(emphasis="", fill_color=(235, 235, 235))
    widths = (24, 15, 15, 19, 16, 12, 20, 14, 16, 16, 15, 15, 16, 16, 16)
    pdf.set_font(FAMILY, size=8)
    with pdf.table(col_widths=widths, text_align="CENTER", line_height=5, first_row_as_headings=True,
                   headings_style=shaded) as table:
        table.row(SUMMARY_COLUMNS)
        for region in summary.regions:
            table.row(summary_row(summary, region))
        table.row(summary_row(summary, summary.total, "合计"), style=shaded)
    pdf.ln(5)
    pdf.set_font(FAMILY, size=11)
    pdf.cell(LANDSCAPE_WIDTH, 7, "问题最多的检查事项", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=9)
    if not summary.top_rows:
        pdf.cell(LANDSCAPE_WIDTH, 6, "本年度抽查未记录问题。", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        with pdf.table(col_widths=(14, 50, 170, 39), text_align=("CENTER", "LEFT", "LEFT", "CENTER"),
                       line_height=5.5, first_row_as_headings=True, headings_style=shaded) as table:
            table.row(TOP_ROW_COLUMNS)
            for n, row in enumerate(summary.top_rows, start=1):
                table.row((str(n), row.row_id, row.text, str(row.count)))
    return bytes(pdf.output())


# -- the identification list -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentifiedOrganization:
    id: UUID
    name: str
    kind: str
    credit_code: str | None
    region_code: str | None
    identified_since: dt.date  # China date of its (latest) identification on or before the cut-off


@dataclass(frozen=True)
class RegionIdentification:
    region_code: str | None  # a 6-digit county code, None: no division code (or the total row)
    population: int | None  # residents, from VLEDGER_REGION_POPULATIONS; None: unknown
    identified: int
    target: int = IDENTIFICATION_TARGET

    @property
    def per_million(self) -> Decimal | None:
        if not self.population:  # unknown (or a nonsensical 0): no ratio, never a division by zero
            return None
        return (Decimal(self.identified) * PER_MILLION / Decimal(self.population)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def meets_target(self) -> bool | None:
        ratio = self.per_million
        return None if ratio is None else ratio >= self.target

    def as_dict(self) -> dict[str, Any]:
        ratio = self.per_million
        met = self.meets_target
        return {"region_code": self.region_code, "population": self.population if self.population else UNKNOWN,
                "identified": self.identified, "per_million": str(ratio) if ratio is not None else UNKNOWN,
                "target_per_million": self.target, "meets_target": met if met is not None else UNKNOWN}


@dataclass(frozen=True)
class IdentificationList:
    year: int
    region: str | None
    cutoff: dt.date  # 30 June of the year: identified on or before it, not withdrawn or dissolved by then
    final: bool  # the cut-off has passed (China time): the list no longer changes
    regions: tuple[RegionIdentification, ...]
    total: RegionIdentification
    organizations: tuple[IdentifiedOrganization, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "region": self.region, "as_of": self.cutoff.isoformat(), "final": self.final,
                "target_per_million": IDENTIFICATION_TARGET,
                "total": self.total.as_dict(), "regions": [r.as_dict() for r in self.regions],
                "organizations": [{"id": str(o.id), "name": o.name, "kind": o.kind, "credit_code": o.credit_code,
                                   "region_code": o.region_code,
                                   "identified_since": o.identified_since.isoformat()}
                                  for o in self.organizations]}


IDENTIFIED_COLUMNS = ("序号", "组织名称", "统一社会信用代码", "区划代码", "组织类型", "标识日期")
RATIO_COLUMNS = ("区划代码", "常住人口", "已标识组织数", "每百万人口组织数", "目标（每百万人口）", "是否达标")
KIND_NAMES = {"volunteer_organization": "志愿服务组织", "charity": "慈善组织",
              "village_community_committee": "基层群众性自治组织", "public_benefit_organizer": "公益活动举办单位",
              "public_service_institution": "公共服务机构", "internal_team": "志愿服务团体"}


def _ratio_row(row: RegionIdentification, label: str | None = None) -> list[str]:
    ratio, met = row.per_million, row.meets_target
    return [label or row.region_code or NO_REGION, str(row.population) if row.population else "未知",
            str(row.identified), str(ratio) if ratio is not None else "未知", str(row.target),
            "人口未知" if met is None else ("是" if met else "否")]


def identification_csv(listing: IdentificationList) -> bytes:
    """Two tables: the identified organizations (by region, then name); per county against the target."""
    organizations = [IDENTIFIED_COLUMNS, *([str(n), o.name, o.credit_code or "", o.region_code or "",
                                            KIND_NAMES.get(o.kind, o.kind), o.identified_since.isoformat()]
                                           for n, o in enumerate(listing.organizations, start=1))]
    ratios = [RATIO_COLUMNS, *(_ratio_row(r) for r in listing.regions), _ratio_row(listing.total, "合计")]
    return _csv([organizations, ratios])
