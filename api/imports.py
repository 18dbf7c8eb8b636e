"""Paper-record import files (纸质记录录入, 办法 / domain.md "Records taken on paper must be entered"): CSV and XLSX.

This module only reads files and maps their cells to the keyword arguments of the domain's constructors; every
rule stays in ``domain/`` and is applied by the use case (``api/usecases/imports.py``). One declarative table,
``COLUMNS``, names each column: its English and Chinese headers, the aggregate and keyword it feeds, whether the
header must be present and how a cell is read. Adding a field to the import is one line there.

Nothing here echoes a cell's value in a message: cells hold ID and phone numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from domain.activity import Activity
from domain.errors import VledgerError
from domain.people import IdType
from domain.record import ServiceRecord
from domain.volunteer import Volunteer
from domain.workdays import CHINA_TIME
from projections.runner import Progress

# Limits: a larger file is refused before it is read (HTTP 413). 50,000 rows is five times the 10,000 an
# organization's paper archive of a year may hold; split larger archives. The unpacked limit stops a small
# "zip bomb" from filling memory while openpyxl reads it.
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_UNPACKED_XLSX_BYTES = 400 * 1024 * 1024

CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Group = Literal["volunteer", "activity", "record"]


# -- errors -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class RowError:
    """One problem of an import file: the row as the spreadsheet numbers it (1 is the header row; None for the
    file as a whole), the column header as written in the file, a rule code and a message without personal data."""

    row: int | None
    column: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}


# More problems than anyone fixes in one pass; the count still says how many there are. Bounds the answer to a
# garbage file of 50,000 rows, whose every cell could otherwise be listed.
MAX_LISTED_ERRORS = 10_000


class ImportRejectedError(VledgerError):
    """A file was not imported — all or nothing — and every problem found is listed (HTTP 422), up to
    ``MAX_LISTED_ERRORS`` of them in row order; ``total`` counts them all."""

    code = "import_rejected"

    def __init__(self, errors: Sequence[RowError]) -> None:
        ordered = sorted(errors, key=lambda e: (e.row if e.row is not None else -1, e.column or "", e.code))
        self.total = len(ordered)
        self.errors = ordered[:MAX_LISTED_ERRORS]
        rows = {e.row for e in ordered if e.row is not None}
        where = f" in {len(rows)} row{'s' if len(rows) != 1 else ''}" if rows else ""
        listed = f" (the first {len(self.errors)} are listed)" if self.total > len(self.errors) else ""
        super().__init__(f"the file was not imported: {self.total} problem{'s' if self.total != 1 else ''}"
                         f"{where}{listed}; nothing was written. Fix them and import the whole file again")

    def as_dicts(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self.errors]


def rejected(code: str, message: str, row: int | None = None, column: str | None = None) -> ImportRejectedError:
    return ImportRejectedError([RowError(row, column, code, message)])


class ImportTooLargeError(VledgerError):
    """A file above the size or row limit (HTTP 413): refused before it is read in full."""

    code = "import_too_large"


class UnsupportedImportTypeError(VledgerError):
    """A request body that is neither CSV, XLSX nor a multipart upload (HTTP 415)."""

    code = "unsupported_media_type"


class CellError(Exception):
    """A cell that cannot be read as its column's kind of value (never carries the value)."""

    def __init__(self, message: str, code: str = "invalid_value") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# -- cell readers ---------------------------------------------------------------------------------------------
# Each takes what the file holds — a str from CSV; str, int, float, bool, datetime, date or time from openpyxl —
# and returns the value the domain expects. Empty cells never reach them.


def _plain(value: Any) -> str:
    """A cell as text; an integral float from Excel (e.g. 13800138000.0) loses its '.0'."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        raise CellError("expected text, found a date or time")
    return str(value).strip()


def _normalized(value: Any) -> str:
    """Text with full-width characters folded (１２ → 12, ：→ :), as Chinese input methods often type them."""
    return unicodedata.normalize("NFKC", _plain(value)).strip()


def read_text(value: Any) -> str:
    return _plain(value)


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?e\+?\d+$", re.IGNORECASE)


def read_document_number(value: Any) -> str:
    """ID document numbers must arrive as text: Excel keeps 15 significant digits and rounds longer numbers,
    so an 18-digit resident ID number stored as a number is already wrong."""
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool) and value >= 10**15):
        raise CellError("the ID number was stored as a number, which Excel rounds after 15 digits; format the "
                        "column as text (文本) and type the number again", code="id_number_not_text")
    text = _normalized(value)
    if _SCIENTIFIC.match(text):
        raise CellError("the ID number is in scientific notation (e.g. 1.1E+17): Excel rounded it; format the "
                        "column as text (文本) and type the number again", code="id_number_not_text")
    return text


def read_phone(value: Any) -> str:
    return _normalized(value)


# The Chinese names of the documents (first: the one the template documents) and common short forms. Any
# IdType code is accepted as well, so a document type the domain adds is importable by its code at once.
ID_TYPE_NAMES: dict[IdType, tuple[str, ...]] = {
    IdType.RESIDENT_ID: ("居民身份证", "身份证", "二代身份证", "大陆居民身份证"),
    IdType.PASSPORT: ("护照", "外国护照", "中国护照"),
    IdType.HK_MACAO_PERMIT: ("港澳居民来往内地通行证", "港澳通行证", "回乡证", "港澳居民通行证"),
    IdType.TAIWAN_PERMIT: ("台湾居民来往大陆通行证", "台胞证", "台湾居民通行证"),
    IdType.HK_MACAO_TAIWAN_RESIDENCE_PERMIT: ("港澳台居民居住证", "港澳居民居住证", "台湾居民居住证"),
    IdType.FOREIGN_PERMANENT_RESIDENCE_ID: ("外国人永久居留身份证", "外国人永久居留证", "永久居留身份证"),
}
_ID_TYPE_OF = {
    **{kind.value: kind.value for kind in IdType},
    **{unicodedata.normalize("NFKC", name).casefold(): kind.value
       for kind, names in ID_TYPE_NAMES.items() for name in names},
}


def read_id_type(value: Any) -> str:
    text = _normalized(value).casefold()
    try:
        return _ID_TYPE_OF[text]
    except KeyError:
        names = "、".join(names[0] for names in ID_TYPE_NAMES.values())
        raise CellError(f"expected one of {names} (or their codes: {', '.join(k.value for k in IdType)})",
                        code="invalid_id_type") from None


_GENDERS = {"男": "male", "女": "female", "male": "male", "female": "female", "m": "male", "f": "female",
            "男性": "male", "女性": "female"}


def read_gender(value: Any) -> str:
    try:
        return _GENDERS[_normalized(value).casefold()]
    except KeyError:
        raise CellError("expected 男 or 女 (or male, female)", code="invalid_gender") from None


_TRUE = {"是", "有", "同意", "已同意", "y", "yes", "true", "1", "√", "✓"}
_FALSE = {"否", "无", "不同意", "未同意", "n", "no", "false", "0"}


def read_yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _normalized(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("expected 是 or 否 (or yes, no)", code="invalid_yes_no")


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TIME = re.compile(r"^\s*T?\s*(\d{1,2})\s*[:时点]\s*(\d{1,2})(?:\s*分)?(?:\s*:\s*(\d{1,2})|\s*(\d{1,2})\s*秒)?")
_OFFSET = re.compile(r"^\s*(?:(Z)|([+-])(\d{2}):?(\d{2}))$", re.IGNORECASE)


def _date_of(match: re.Match[str]) -> dt.date:
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError("no such calendar date", code="invalid_date") from None


def read_date(value: Any) -> dt.date:
    """2026-03-01, 2026/3/1, 2026.3.1, 2026年3月1日, or a cell Excel formatted as a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError("expected a date such as 2026-03-01, found a number; format the cell as a date or text",
                        code="invalid_date")
    text = _normalized(value)
    match = _DATE.match(text)
    if match is None or text[match.end():].strip() not in ("", "00:00", "00:00:00", "0:00", "0:00:00"):
        raise CellError("expected a date such as 2026-03-01", code="invalid_date")
    return _date_of(match)


def read_time(value: Any) -> dt.datetime:
    """A date and time: ISO 8601 (2026-03-01T09:00:00+08:00), 2026-03-01 09:00, 2026/3/1 9:00, 2026年3月1日 9时00分,
    or a cell Excel formatted as a date and time. Without a UTC offset it is China Standard Time (UTC+8), the
    time a paper record in China is written in."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=CHINA_TIME)
    if isinstance(value, dt.date | dt.time) or (isinstance(value, int | float) and not isinstance(value, bool)):
        raise CellError("expected a date and a time such as 2026-03-01 09:00", code="invalid_time")
    text = _normalized(value)
    match = _DATE.match(text)
    if match is None:
        raise CellError("expected a date and a time such as 2026-03-01 09:00", code="invalid_time")
    day = _date_of(match)
    rest = text[match.end():]
    clock = _TIME.match(rest)
    if clock is None:
        raise CellError("expected a time of day after the date, such as 2026-03-01 09:00", code="invalid_time")
    offset_text = rest[clock.end():]
    offset = _OFFSET.match(offset_text) if offset_text.strip() else None
    if offset_text.strip() and offset is None:
        raise CellError("expected a date and a time such as 2026-03-01 09:00, optionally with an offset such "
                        "as +08:00", code="invalid_time")
    zone: dt.tzinfo = CHINA_TIME
    if offset is not None and offset[1] is None:
        sign = 1 if offset[2] == "+" else -1
        zone = dt.timezone(sign * dt.timedelta(hours=int(offset[3]), minutes=int(offset[4])))
    elif offset is not None:
        zone = dt.UTC
    try:
        return dt.datetime.combine(day, dt.time(int(clock[1]), int(clock[2]), int(clock[3] or clock[4] or 0)), zone)
    except ValueError:
        raise CellError("no such time of day", code="invalid_time") from None


def read_number(value: Any) -> Decimal:
    """A decimal number (hours, 元); a float from Excel is read through its shortest repr (2.5, not 2.4999…)."""
    if isinstance(value, bool) or isinstance(value, dt.datetime | dt.date | dt.time):
        raise CellError("expected a number such as 2.5", code="invalid_number")
    text = _normalized(value).replace(",", "")
    for suffix in ("小时", "元", "h"):
        text = text.removesuffix(suffix).strip()
    try:
        number = Decimal(repr(value) if isinstance(value, float) else text)
    except InvalidOperation:
        raise CellError("expected a number such as 2.5", code="invalid_number") from None
    if not number.is_finite():
        raise CellError("expected a finite number", code="invalid_number")
    return number


# -- the column table ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the template: headers, the domain keyword it feeds and how its cells are read."""

    key: str  # the English header of the template
    zh: str  # the Chinese header of the template
    group: Group  # which aggregate it belongs to
    kwarg: str  # keyword of Volunteer.register / Activity.create / ServiceRecord.record
    read: Callable[[Any], Any]
    required: bool = False  # the header must be present and every row must fill it
    aliases: tuple[str, ...] = ()
    format: str = "text"  # for the documentation

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.key, self.zh, *self.aliases)


NEW_ACTIVITY = "text; required when the row's activity is new (ignored for one already recorded)"

COLUMNS: tuple[Column, ...] = (
    # The volunteer (志愿者基本信息): matched by ID document, or registered once.
    Column("name", "姓名", "volunteer", "name", read_text, required=True,
           aliases=("volunteer_name", "志愿者姓名")),
    Column("id_type", "证件类型", "volunteer", "id_type", read_id_type,
           format="居民身份证 (default), 护照, 港澳居民来往内地通行证, 台湾居民来往大陆通行证, 港澳台居民居住证, "
                  "外国人永久居留身份证, or the codes"),
    Column("id_number", "证件号码", "volunteer", "id_number", read_document_number, required=True,
           aliases=("身份证号码", "身份证号", "证件号"), format="text (not a number: Excel rounds 18 digits)"),
    Column("gender", "性别", "volunteer", "gender", read_gender, format="男 / 女"),
    Column("birth_date", "出生日期", "volunteer", "birth_date", read_date,
           format="date; required for documents that do not encode it"),
    Column("phone", "联系电话", "volunteer", "phone", read_phone, aliases=("电话", "手机", "手机号", "手机号码"),
           format="7–12 digits, optionally +86"),
    Column("email", "电子邮箱", "volunteer", "email", read_text, aliases=("邮箱", "e-mail"), format="address"),
    Column("guardian_consent", "监护人同意", "volunteer", "guardian_consent", read_yes_no,
           aliases=("监护人是否同意",), format="是 / 否 (required 是 under 14)"),
    # The activity (项目/活动, 京民社区发〔2013〕99号 三(三)): matched by name, start and end, or created once.
    Column("activity_name", "活动名称", "activity", "name", read_text, required=True,
           aliases=("项目名称", "活动(项目)名称", "活动项目名称")),
    Column("start", "开始时间", "activity", "start", read_time, required=True,
           aliases=("活动开始时间",), format="date and time"),
    Column("end", "结束时间", "activity", "end", read_time, required=True,
           aliases=("活动结束时间",), format="date and time"),
    Column("place", "服务地点", "activity", "place", read_text, aliases=("地点", "活动地点"), format=NEW_ACTIVITY),
    Column("recipients", "服务对象", "activity", "recipients", read_text, format=NEW_ACTIVITY),
    Column("activity_content", "服务内容", "activity", "content", read_text, aliases=("活动内容",),
           format=NEW_ACTIVITY),
    Column("leader", "负责人", "activity", "leader", read_text,
           aliases=("活动负责人", "项目负责人", "活动(项目)负责人"), format=NEW_ACTIVITY),
    Column("recorder", "记录人", "activity", "recorder", read_text, format=NEW_ACTIVITY),
    Column("category", "活动类别", "activity", "category", read_text, aliases=("类别", "活动类型"),
           format="a category code (elder_care, …) or its Chinese name (敬老助残, …)"),
    Column("fee", "收费", "activity", "fee", read_number, aliases=("收费金额", "收费(元)"),
           format="元, e.g. 0 or 50.00"),
    Column("subsidy", "补贴", "activity", "subsidy", read_number, aliases=("补贴金额", "补贴(元)"),
           format="元, e.g. 20.00"),
    # The record (志愿服务记录) of this volunteer at this activity.
    Column("hours", "服务时长", "record", "hours", read_number, required=True,
           aliases=("时长", "小时数", "服务时长(小时)", "服务小时数"), format="hours, > 0, at most 2 decimals"),
    Column("record_content", "记录内容", "record", "content", read_text, aliases=("个人服务内容",)),
    Column("evaluation", "服务评价", "record", "evaluation", read_text, aliases=("评价", "服务质量评价")),
    Column("payment", "报酬", "record", "payment", read_number, aliases=("报酬(元)", "报酬金额"),
           format="元 paid to the volunteer"),
    Column("paper_date", "纸质记录日期", "record", "paper_recorded_on", read_date,
           aliases=("paper_recorded_on", "纸质记录时间", "记录日期"),
           format="date on the paper record (the entry time is kept as well)"),
)

# Paper sheets number their lines; that number is the spreadsheet's own row and is ignored.
IGNORED_HEADERS = ("序号", "no", "#")

CONSTRUCTORS: dict[Group, Callable[..., Any]] = {
    "volunteer": Volunteer.register, "activity": Activity.create, "record": ServiceRecord.record}
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


def _key(header: str) -> str:
    """Headers are matched loosely: case, spaces, underscores, full-width forms, a trailing '*' (the template's
    mark of a required column) and a parenthesized note such as （小时） do not matter."""
    text = unicodedata.normalize("NFKC", header).strip().casefold()
    text = re.sub(r"\s*\([^()]*\)\s*$", "", text) or text
    text = text.rstrip("*").strip()
    return re.sub(r"[\s_\-.]+", "", text)


_HEADER_INDEX: dict[str, Column] = {_key(h): c for c in COLUMNS for h in c.headers}
_IGNORED = frozenset(_key(h) for h in IGNORED_HEADERS)


def column_for(header: str) -> Column | None:
    return _HEADER_INDEX.get(_key(header))


def shown_header(header: str, position: int) -> str:
    """A header as written, unless it looks like data (a file without a header row starts with a person's ID or
    phone number): then the column letter stands in for it."""
    text = header.strip()
    if not text or re.search(r"\d{5}", text) or len(text) > 40:
        return f"column {column_letter(position)}"
    return text


def column_letter(position: int) -> str:
    """A, B, …, Z, AA, … for a 0-based column position, as spreadsheets label columns."""
    letters = ""
    n = position + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# -- the template ------------------------------------------------------------------------------------------------


def template_headers() -> list[str]:
    """The template's header row: Chinese headers, a '*' marking columns every row must fill."""
    return [c.zh + ("*" if c.required else "") for c in COLUMNS]


def columns_markdown() -> str:
    """The template's columns as the README documents them (a test keeps the README equal to this)."""
    lines = ["| English header | Chinese header | required | format / accepted values | also accepted |",
             "|---|---|---|---|---|"]
    lines += [f"| `{c.key}` | {c.zh} | {'yes' if c.required else ''} | {c.format} | {', '.join(c.aliases)} |"
              for c in COLUMNS]
    return "\n".join(lines) + "\n"


def template_csv() -> bytes:
    """The import template: UTF-8 with a BOM, so that Excel in China opens it with the Chinese headers intact."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(template_headers())
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


# -- reading a file -------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One data row: its number as the spreadsheet shows it and its cells read into domain values (a column
    whose cell is empty is absent, so the domain's default applies)."""

    number: int
    values: dict[str, Any]
    unreadable: set[str] = field(default_factory=set)  # keys of columns whose cell could not be read


@dataclass
class ParsedFile:
    kind: Literal["csv", "xlsx"]
    headers: dict[str, str]  # column key → header as written in the file
    rows: list[Row]
    errors: list[RowError] = field(default_factory=list)

    def header_of(self, key: str) -> str:
        """The column as the file names it (the Chinese template header if the file lacks the column)."""
        return self.headers.get(key) or COLUMN_BY_KEY[key].zh


def check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise ImportTooLargeError(f"the file has {size} bytes, more than the {MAX_BYTES // (1024 * 1024)} MB an "
                                  f"import may have; split it into smaller files")


def sniff_kind(data: bytes) -> Literal["csv", "xlsx"]:
    """By content, not by name or declared type: an .xlsx is a ZIP archive; anything else is read as CSV."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise rejected("unsupported_format", "this is an old Excel .xls file; save it as .xlsx or CSV (UTF-8)")
    return "csv"


def parse_import(data: bytes, progress: Progress | None = None) -> ParsedFile:
    """Read an import file into rows of domain values; cell problems are collected in ``errors``.

    Problems of the file as a whole (empty, unreadable, bad header) raise ImportRejectedError at once, since no
    row can be read without them; too large a file raises ImportTooLargeError.
    """
    check_size(len(data))
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise rejected("empty_file", "the file is empty; expected a header row and at least one data row")
    kind = sniff_kind(data)
    raw = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    return _read_rows(kind, raw, progress)


def _read_rows(kind: Literal["csv", "xlsx"], raw: Iterator[tuple[int, list[Any]]],
               progress: Progress | None) -> ParsedFile:
    header_row: tuple[int, list[Any]] | None = None
    for number, cells in raw:
        if any(not _blank(c) for c in cells):
            header_row = (number, cells)
            break
    if header_row is None:
        raise rejected("empty_file", "the file is empty; expected a header row and at least one data row")
    header_number, header_cells = header_row
    positions, headers = _read_header(header_number, header_cells)

    data_rows: list[tuple[int, list[Any]]] = []
    for number, cells in raw:
        if all(_blank(c) for c in cells):
            continue  # spreadsheets keep empty lines at the end; they are no rows
        data_rows.append((number, cells))
        if len(data_rows) > MAX_ROWS:
            raise ImportTooLargeError(f"the file has more than {MAX_ROWS} rows; split it into smaller files")
    if not data_rows:
        raise rejected("no_rows", "the file has a header row but no data rows", row=header_number)

    parsed = ParsedFile(kind=kind, headers=headers, rows=[])
    total = len(data_rows)
    for done, (number, cells) in enumerate(data_rows, start=1):
        row = Row(number, {})
        for position, column in positions.items():
            cell = cells[position] if position < len(cells) else None
            if isinstance(cell, _Formula):
                row.unreadable.add(column.key)
                parsed.errors.append(RowError(number, headers[column.key], "formula_not_allowed",
                                              "the cell holds a formula; a record keeps what the paper says: copy "
                                              "the column and paste it as values (选择性粘贴 → 数值)"))
                continue
            if isinstance(cell, _ExcelError):
                row.unreadable.add(column.key)
                parsed.errors.append(RowError(number, headers[column.key], "excel_error_value",
                                              "the cell holds an Excel error value such as #N/A or #VALUE!"))
                continue
            if _blank(cell):
                if column.required:
                    row.unreadable.add(column.key)
                    parsed.errors.append(RowError(number, headers[column.key], "missing_value",
                                                  "must not be empty"))
                continue
            try:
                row.values[column.key] = column.read(cell)
            except CellError as e:
                row.unreadable.add(column.key)
                parsed.errors.append(RowError(number, headers[column.key], e.code, e.message))
        if len(cells) > len(header_cells) and any(not _blank(c) for c in cells[len(header_cells):]):
            parsed.errors.append(RowError(number, None, "cell_without_header",
                                          f"the row has a value right of the last column "
                                          f"({column_letter(len(header_cells) - 1)}), under no header"))
        parsed.rows.append(row)
        if progress is not None and (done % 500 == 0 or done == total):
            progress(done, total)
    return parsed


def _read_header(number: int, cells: list[Any]) -> tuple[dict[int, Column], dict[str, str]]:
    """Which column each position holds; every problem of the header at once."""
    problems: list[RowError] = []
    positions: dict[int, Column] = {}
    headers: dict[str, str] = {}
    for position, cell in enumerate(cells):
        if _blank(cell):
            continue
        text = cell if isinstance(cell, str) else str(cell)
        shown = shown_header(text, position)
        column = column_for(text)
        if column is None:
            if _key(text) in _IGNORED:
                continue
            problems.append(RowError(number, shown, "unknown_column",
                                     f"unknown column; expected one of the template's headers (GET "
                                     f"/api/v1/imports/template.csv or `vledger import --template`), e.g. "
                                     f"{'、'.join(c.zh for c in COLUMNS[:4])} …"))
            continue
        if column.key in headers:
            problems.append(RowError(number, shown, "duplicate_column",
                                     f"the column {column.key} ({column.zh}) appears twice (also as "
                                     f"{headers[column.key]})"))
            continue
        positions[position] = column
        headers[column.key] = shown
    for column in COLUMNS:
        if column.required and column.key not in headers:
            problems.append(RowError(number, column.zh, "missing_column",
                                     f"the required column {column.zh} ({column.key}) is missing"))
    if problems:
        raise ImportRejectedError(problems)
    return positions, headers


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


# -- CSV ---------------------------------------------------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without a BOM) first; else GB18030, which Excel in China writes for "CSV (逗号分隔)"."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise rejected("bad_encoding", "the file is UTF-16 (Excel's \"Unicode text\"); save it as CSV UTF-8 (逗号分隔) "
                       "or as .xlsx")
    if b"\x00" in data:
        raise rejected("bad_encoding", "the file holds NUL bytes: it is not a CSV text file; save it as CSV UTF-8 "
                       "or as .xlsx")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise rejected("bad_encoding", "the file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8 "
                       "(逗号分隔) or as .xlsx") from None


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    text = decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    # A spreadsheet shows one CSV record per row, even one with a line break inside quotes: count records.
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise rejected("bad_csv", f"the CSV cannot be read after row {number} ({e}); save it again from the "
                           "spreadsheet as CSV UTF-8") from None
        number += 1
        yield number, list(cells)


# -- XLSX ------------------------------------------------------------------------------------------------------------


class _Formula:
    """Marks a formula cell: its cached value may be stale or missing, so it is refused, never guessed."""


class _ExcelError:
    """Marks a cell holding an Excel error such as #N/A."""


_FORMULA = _Formula()
_EXCEL_ERROR = _ExcelError()


def _check_unpacked_size(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise rejected("bad_xlsx", "the file looks like a ZIP archive but cannot be opened as .xlsx") from None
    if unpacked > MAX_UNPACKED_XLSX_BYTES:
        raise ImportTooLargeError(f"the .xlsx unpacks to {unpacked} bytes, more than the "
                                  f"{MAX_UNPACKED_XLSX_BYTES // (1024 * 1024)} MB an import may have; split it")


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """Rows of the first worksheet, read-only (streaming). Formulas are read as formulas (data_only=False) so
    that they are refused instead of trusting a cached value that a generating program may never have set."""
    import openpyxl

    _check_unpacked_size(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - any failure of the parser on an untrusted file is a bad file, not a 500
        raise rejected("bad_xlsx", "the file cannot be read as .xlsx; save it again from the spreadsheet") from None
    return _worksheet_rows(workbook)


def _worksheet_rows(workbook: Any) -> Iterator[tuple[int, list[Any]]]:
    try:
        if not workbook.worksheets:
            raise rejected("empty_file", "the workbook has no worksheet")
        sheet = workbook.worksheets[0]
        # Programs other than Excel often write a wrong size (<dimension>) into the sheet, and read-only mode
        # would cut the rows to it; read every cell that is there instead.
        sheet.reset_dimensions()
        try:
            for number, row in enumerate(sheet.iter_rows(min_row=1), start=1):
                yield number, [_cell_value(c) for c in row]
        except VledgerError:
            raise
        except Exception:  # noqa: BLE001 - a malformed sheet part is a bad file, not a 500
            raise rejected("bad_xlsx", "the worksheet cannot be read; save the file again from the spreadsheet") \
                from None
    finally:
        workbook.close()


def _cell_value(cell: Any) -> Any:
    kind = getattr(cell, "data_type", None)
    if kind == "f":
        return _FORMULA
    if kind == "e":
        return _EXCEL_ERROR
    value = cell.value
    if isinstance(value, dt.datetime) and value.time() == dt.time(0) \
            and "h" not in str(getattr(cell, "number_format", "") or "").lower():
        # openpyxl reads every date cell as a datetime; one formatted without hours is a date, and a start or end
        # given as a bare date must be refused, not read as midnight.
        return value.date()
    return value
