"""The printed certificate (志愿服务记录证明) as a PDF: A4 portrait, rendered by fpdf2 with a Chinese font embedded
as a subset, so the file shows the same on any reader with nothing to download.

Contents follow the national recommended format (the domain notes, "Certificates"): certificate number;
volunteer name, ID document type, ID number masked to its last four characters, volunteer number; service period,
total hours and content (the cited activities); issuing organization (and, for a successor, whose records it
certifies), person in charge, handler, contact; issue date; a boxed place for the seal; the QR and how to verify.

The QR is drawn as vector squares from a matrix made by the ``qrcode`` package — crisp at any print size — while
segno makes the web PNG/SVG (api/qr.py). It encodes exactly the certificate's QR text.

Nothing here reads the clock, a view or the log: ``render`` turns a ``CertificateDocument`` (built by the use case
``certificate_document``) into bytes, and the same document and font give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import qrcode
import qrcode.constants
from fontTools.ttLib import TTCollection, TTFont, TTLibError
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from api.imports import ID_TYPE_NAMES
from api.qr import MAX_VERSION, QRCodeTooLargeError
from domain.errors import VledgerError
from domain.people import IdType

# Where Debian's CJK font packages put a font fpdf2 can embed, most suitable first.
WELL_KNOWN_FONTS: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "fonts-wqy-zenhei"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "fonts-wqy-microhei"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "fonts-noto-cjk"),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "fonts-noto-cjk"),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", "fonts-arphic-uming"),
)
FONT_PACKAGE = "fonts-wqy-zenhei"  # the one scripts/system-deps.sh installs
FC_MATCH = "fc-match"
FC_LIST = "fc-list"
# A font is usable when it has every one of these: the fixed text of the certificate and the characters of codes.
PROBE = ("志愿服务记录证明编号姓名证件类型号码期间累计时长内容出具单位负责人经办联系方式日期盖章验证扫描二维码"
         "0123456789ABCXZ*：")

CST = dt.timezone(dt.timedelta(hours=8))
FAMILY = "cjk"

# fontTools' subsetter logs every font table it leaves out of the subset (e.g. WenQuanYi's bitmap strikes), on
# every download: expected, and not worth a line in the service's log.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


class PdfFontMissingError(VledgerError):
    """No font with Chinese glyphs to embed: the operator's to fix (HTTP 503), never a broken PDF."""

    code = "pdf_font_missing"


@dataclass(frozen=True)
class CitedActivity:
    """One line of the service content: a record the certificate cites, at the version it cites."""

    day: dt.date
    name: str
    hours: Decimal


@dataclass(frozen=True)
class CertificateDocument:
    """Everything the printed certificate shows, and nothing more (no phone, no full ID number)."""

    number: str
    volunteer_name: str
    id_type: str  # an IdType value
    masked_id_number: str
    volunteer_number: str
    period_start: dt.date
    period_end: dt.date
    hours: Decimal
    activities: tuple[CitedActivity, ...]
    organization_name: str  # the issuer, whose key signed the QR
    records_organization_name: str | None  # the organization whose records it certifies, when not the issuer
    records_organization_dissolved: bool
    person_in_charge: str | None
    handler: str | None
    contact: str | None
    issue_date: dt.date
    qr_text: str
    code: str  # the QR text's payload, to type in at the verification form
    verify_url: str  # {PUBLIC_URL}/verify


@dataclass(frozen=True)
class FontChoice:
    path: Path
    index: int  # the face within a collection (.ttc)


# -- the font ------------------------------------------------------------------------------------------------------

_found: dict[Path | None, FontChoice] = {}
_found_lock = threading.Lock()


def find_font(configured: Path | None) -> FontChoice:
    """The font to embed: ``VLEDGER_PDF_FONT`` when set (it must be usable), else the first usable one among the
    well-known Debian paths and what fontconfig knows for Chinese. Only a success is remembered, so installing a
    font on a running server takes effect at the next request."""
    with _found_lock:
        if configured in _found:
            return _found[configured]
    if configured is not None:
        choice = usable_font(configured)
        if choice is None:
            raise PdfFontMissingError(
                "VLEDGER_PDF_FONT does not name a readable TrueType/OpenType font with Chinese glyphs; point it at "
                f"one, or unset it and install the Debian package {FONT_PACKAGE}")
    else:
        choice = next((c for c in map(usable_font, _candidates()) if c is not None), None)
        if choice is None:
            raise PdfFontMissingError(
                "no font with Chinese glyphs was found for the PDF certificate: install the Debian package "
                f"{FONT_PACKAGE} (apt-get install {FONT_PACKAGE}) or set VLEDGER_PDF_FONT to such a font")
    with _found_lock:
        _found[configured] = choice
    return choice


def _candidates() -> Iterator[Path]:
    seen: set[Path] = set()
    for path in [Path(p) for p, _ in WELL_KNOWN_FONTS] + list(_fontconfig_fonts()):
        if path not in seen:
            seen.add(path)
            yield path


def _fontconfig_fonts() -> Iterable[Path]:
    """fontconfig's best match for Chinese, then every font it says covers Chinese. The best match alone is not
    enough: without a Chinese font installed, fc-match still answers with some Latin font (the probe rejects it)."""
    commands = [[FC_MATCH, "-f", "%{file}", ":lang=zh"], [FC_LIST, ":lang=zh", "file"]]
    for command in commands:
        if shutil.which(command[0]) is None:
            continue
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        for line in out.splitlines():
            # fc-list prints "path: " per line; a path with a colon in it is not a font worth the trouble.
            name = line.split(":", 1)[0].strip()
            if name:
                yield Path(name)


def usable_font(path: Path) -> FontChoice | None:
    """The face of ``path`` to embed, if it is a TrueType/OpenType font or collection with every probe glyph."""
    if not path.is_file():
        return None
    try:
        if path.suffix.lower() in (".ttc", ".otc"):
            with TTCollection(str(path), lazy=True) as collection:
                faces = list(collection.fonts)
                order = sorted(range(len(faces)), key=lambda i: not _simplified_chinese(faces[i]))
                return next((FontChoice(path, i) for i in order if _covers(faces[i])), None)
        with TTFont(str(path), lazy=True) as font:
            return FontChoice(path, 0) if _covers(font) else None
    except (TTLibError, OSError, KeyError, AssertionError, ValueError):
        # Not a font fontTools can read (or a damaged one): not usable.
        return None


def _covers(font: TTFont) -> bool:
    cmap = font.getBestCmap() or {}
    return all(ord(ch) in cmap for ch in PROBE)


def _simplified_chinese(font: TTFont) -> bool:
    """A collection may hold Japanese, Korean and Chinese faces (Noto CJK): prefer the simplified Chinese one,
    whose glyph forms are the ones printed in mainland China."""
    family = font["name"].getDebugName(1) or ""
    return family.endswith((" SC", " GB")) or "Hei" in family or "Ming" in family


# -- formatting ----------------------------------------------------------------------------------------------------


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def hours_text(hours: Decimal) -> str:
    """3.50 → 3.5, 4 → 4 (never an exponent)."""
    text = f"{hours.normalize():f}"
    return text


def id_type_name(id_type: str) -> str:
    try:
        return ID_TYPE_NAMES[IdType(id_type)][0]
    except (ValueError, KeyError):
        return id_type


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR modules of ``text`` (quiet zone included), made by the ``qrcode`` package at level M, version ≤ 10
    — the same bounds as the web images of api/qr.py."""
    symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    symbol.add_data(text)
    symbol.make(fit=True)
    if symbol.version is None or symbol.version > MAX_VERSION:
        raise QRCodeTooLargeError(f"the certificate URL needs QR version {symbol.version}; at most {MAX_VERSION} "
                                  "is allowed: shorten VLEDGER_PUBLIC_URL")
    return [[bool(m) for m in row] for row in symbol.get_matrix()]


# -- rendering -----------------------------------------------------------------------------------------------------

PAGE_MARGIN = 20.0  # mm
CONTENT_WIDTH = 210.0 - 2 * PAGE_MARGIN
QR_SIZE = 42.0  # mm: at 150 dpi each module of a version-10 symbol is still 3.8 pixels
FOOTER_HEIGHT = 24.0


class _CertificatePDF(FPDF):
    """A4 portrait with a footer on every page: how to verify, the certificate number and the page."""

    def __init__(self, document: CertificateDocument) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.document = document

    def footer(self) -> None:
        d = self.document
        self.set_y(-FOOTER_HEIGHT)
        self.set_draw_color(150, 150, 150)
        self.line(PAGE_MARGIN, self.get_y(), PAGE_MARGIN + CONTENT_WIDTH, self.get_y())
        self.set_y(self.get_y() + 1.5)
        self.set_font(FAMILY, size=8)
        self.set_text_color(60, 60, 60)
        self.multi_cell(CONTENT_WIDTH, 4, f"验证方法：用手机相机扫描本证明的二维码，或在浏览器打开 {d.verify_url} "
                        "并输入下列验证码。 To verify: scan the QR code with a phone camera, or open "
                        f"{d.verify_url} and enter this code:", align=Align.L, new_x=XPos.LMARGIN,
                        new_y=YPos.NEXT)
        self.set_font(FAMILY, size=7)
        self.multi_cell(CONTENT_WIDTH, 3.5, d.code, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, size=8)
        self.cell(CONTENT_WIDTH / 2, 4, f"证明编号 {d.number}")
        self.cell(CONTENT_WIDTH / 2, 4, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align=Align.R)
        self.set_text_color(0, 0, 0)


def render(document: CertificateDocument, font: FontChoice) -> bytes:
    """The certificate as PDF bytes."""
    pdf = _CertificatePDF(document)
    # Metadata: what the file is, never whom it is about.
    pdf.set_title(f"志愿服务记录证明 {document.number}")
    pdf.set_creator("vledger")
    pdf.set_lang("zh-CN")
    pdf.set_creation_date(dt.datetime.combine(document.issue_date, dt.time(0, 0), CST))  # same inputs, same bytes
    pdf.add_font(FAMILY, "", str(font.path), collection_font_number=font.index)
    pdf.set_margins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
    pdf.set_auto_page_break(True, margin=FOOTER_HEIGHT + 6)
    pdf.add_page()
    _heading(pdf, document)
    _holder(pdf, document)
    _service(pdf, document)
    _issuer(pdf, document)
    return bytes(pdf.output())


def _heading(pdf: FPDF, d: CertificateDocument) -> None:
    pdf.set_font(FAMILY, size=24)
    pdf.cell(CONTENT_WIDTH, 13, "志愿服务记录证明", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=9)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(CONTENT_WIDTH, 5, "Volunteer Service Record Certificate", align=Align.C, new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    pdf.set_font(FAMILY, size=11)
    pdf.cell(CONTENT_WIDTH, 7, f"证明编号：{d.number}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    # The QR at the top right of the first page: wherever the list of activities ends, page 1 carries it.
    x, y = PAGE_MARGIN + CONTENT_WIDTH - QR_SIZE, pdf.get_y() + 1
    _draw_qr(pdf, d.qr_text, x, y, QR_SIZE)
    pdf.set_xy(x, y + QR_SIZE)
    pdf.set_font(FAMILY, size=8)
    pdf.cell(QR_SIZE, 4, "扫码验证 Scan to verify", align=Align.C)
    pdf.set_xy(PAGE_MARGIN, y + 2)


def _draw_qr(pdf: FPDF, text: str, x: float, y: float, size: float) -> None:
    matrix = qr_matrix(text)
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_number, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            run = column
            while run < len(row) and row[run]:
                run += 1
            # One rectangle per run of dark modules, a hair taller than a module so rows leave no seam when
            # a renderer anti-aliases their edges.
            pdf.rect(x + column * module, y + row_number * module, (run - column) * module, module * 1.02,
                     style="F")
            column = run


def _field(pdf: FPDF, label: str, value: str, width: float) -> None:
    pdf.set_font(FAMILY, size=10)
    pdf.set_text_color(80, 80, 80)
    pdf.cell(30, 8, label)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FAMILY, size=12)
    pdf.multi_cell(width - 30, 8, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _holder(pdf: FPDF, d: CertificateDocument) -> None:
    width = CONTENT_WIDTH - QR_SIZE - 6
    _field(pdf, "姓名", d.volunteer_name, width)
    _field(pdf, "证件类型", id_type_name(d.id_type), width)
    _field(pdf, "证件号码", d.masked_id_number, width)
    _field(pdf, "志愿者编号", d.volunteer_number, width)
    _field(pdf, "服务期间", f"{chinese_date(d.period_start)} 至 {chinese_date(d.period_end)}", width)
    _field(pdf, "累计服务时长", f"{hours_text(d.hours)} 小时", width)
    pdf.ln(4)


def _service(pdf: FPDF, d: CertificateDocument) -> None:
    kept_by = d.records_organization_name or d.organization_name
    pdf.set_font(FAMILY, size=11)
    # Chinese prose has no spaces between words: fpdf2 then wraps it between any two characters, as it should.
    pdf.multi_cell(CONTENT_WIDTH, 7, f"兹证明{d.volunteer_name}于{chinese_date(d.period_start)}至"
                   f"{chinese_date(d.period_end)}期间参加{kept_by}组织的志愿服务活动{len(d.activities)}次，"
                   f"累计服务时长{hours_text(d.hours)}小时。服务内容如下：", align=Align.L, new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FAMILY, size=10)
    with pdf.table(col_widths=(12, 34, 94, 30), text_align=("CENTER", "CENTER", "LEFT", "RIGHT"),
                   line_height=6.5, first_row_as_headings=True,
                   # The font has no bold face: headings stand out by their shading instead.
                   headings_style=FontFace(emphasis="", fill_color=(235, 235, 235))) as table:
        table.row(("序号", "日期", "活动名称", "时长（小时）"))
        for n, activity in enumerate(d.activities, start=1):
            table.row((str(n), chinese_date(activity.day), activity.name, hours_text(activity.hours)))
    pdf.ln(3)


SIGNATURE_BLOCK = 62.0  # mm the issuer's block and the seal box need, kept together on one page


def _issuer(pdf: FPDF, d: CertificateDocument) -> None:
    pdf.set_font(FAMILY, size=10)
    if d.records_organization_name is not None:
        if d.records_organization_dissolved:
            line = f"{d.records_organization_name}已注销，由{d.organization_name}依据其志愿服务记录出具本证明。"
        else:
            line = f"受{d.records_organization_name}委托，由{d.organization_name}依据其志愿服务记录出具本证明。"
        pdf.multi_cell(CONTENT_WIDTH, 6, line, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(CONTENT_WIDTH, 6, "本证明依据志愿服务信息系统中的志愿服务记录出具，免费出具；"
                   "证明内容以系统验证结果为准。", align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    if pdf.will_page_break(SIGNATURE_BLOCK):
        pdf.add_page()
    top = pdf.get_y()
    width = CONTENT_WIDTH - 55
    blank = "____________________"
    _field(pdf, "出具单位", d.organization_name, width)
    _field(pdf, "负责人", d.person_in_charge or blank, width)
    _field(pdf, "经办人", d.handler or blank, width)
    _field(pdf, "联系方式", d.contact or blank, width)
    _field(pdf, "出具日期", chinese_date(d.issue_date), width)
    # The seal goes over the issuing organization's name, in a box kept free for it.
    box_x, box_y = PAGE_MARGIN + CONTENT_WIDTH - 45, top + 2
    pdf.set_draw_color(120, 120, 120)
    pdf.set_dash_pattern(dash=1.5, gap=1)
    pdf.rect(box_x, box_y, 45, 45, style="D")
    pdf.set_dash_pattern()
    pdf.set_xy(box_x, box_y + 45 / 2 - 4)
    pdf.set_font(FAMILY, size=11)
    pdf.set_text_color(120, 120, 120)
    pdf.cell(45, 8, "（盖章）", align=Align.C)
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_y(max(pdf.get_y(), box_y + 47))
