"""Reading paper-record import files (纸质记录录入: "Records kept on paper must be entered into the information
system", 条例 art.19 / 办法 art.4; domain.md "Records taken on paper must be entered … keep both the paper date
and the entry time"): CSV in UTF-8 or GB18030 and XLSX, Chinese or English headers, and every way a file can be
unreadable. No rules here — those are the domain's (tests/integration/test_import_on_both_stores.py) — only that
cells become the values the domain's constructors take, and that a bad file says where and why without echoing
a cell (cells hold ID and phone numbers).
"""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from api.imports import (
    COLUMNS,
    CONSTRUCTORS,
    MAX_BYTES,
    MAX_ROWS,
    ImportRejectedError,
    ImportTooLargeError,
    ParsedFile,
    RowError,
    column_letter,
    parse_import,
    template_csv,
    template_headers,
)
from domain.people import IdType

ASSETS = Path(__file__).parent.parent / "assets"
CST = dt.timezone(dt.timedelta(hours=8))
ID_NUMBER = "11010519491231002X"  # the example printed in GB 11643 itself
PHONE = "13800138000"

MINIMAL = ["姓名", "证件号码", "活动名称", "开始时间", "结束时间", "服务时长"]


def csv_bytes(rows: list[list[Any]], *, encoding: str = "utf-8", bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], setup: Any = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if setup is not None:
        setup(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def minimal_row(**overrides: Any) -> list[Any]:
    values = {"姓名": "张三明", "证件号码": ID_NUMBER, "活动名称": "社区助老服务", "开始时间": "2026-03-01 09:00",
              "结束时间": "2026-03-01 12:00", "服务时长": "3"}
    values.update(overrides)
    return [values[h] for h in MINIMAL]


def rejected(data: bytes) -> list[RowError]:
    with pytest.raises(ImportRejectedError) as caught:
        parse_import(data)
    return caught.value.errors


def codes(errors: list[RowError]) -> list[str]:
    return [e.code for e in errors]


# -- the template -------------------------------------------------------------------------------------------


def test_the_template_is_utf8_with_a_bom_and_chinese_headers_so_excel_opens_it_in_chinese() -> None:
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    assert header == template_headers()
    assert header[:3] == ["姓名*", "证件类型", "证件号码*"]
    assert "纸质记录日期" in header  # paper records keep the paper date (domain.md, 纸质记录录入)
    assert {h.rstrip("*") for h in header if h.endswith("*")} == {"姓名", "证件号码", "活动名称", "开始时间",
                                                                   "结束时间", "服务时长"}


def test_a_filled_in_template_reads_back_every_column() -> None:
    row = {"姓名": "张三明", "证件号码": ID_NUMBER, "活动名称": "社区助老服务", "开始时间": "2026-03-01 09:00",
           "结束时间": "2026-03-01 12:00", "服务时长": "3"}
    cells = [row.get(h.rstrip("*"), "") for h in template_headers()]
    parsed = parse_import(template_csv() + csv_bytes([cells]))
    assert parsed.errors == []
    assert set(parsed.headers) == {c.key for c in COLUMNS}
    assert parsed.headers["name"] == "姓名*"  # as written in the file
    assert parsed.rows[0].values["id_number"] == ID_NUMBER


def test_every_column_feeds_a_keyword_its_domain_constructor_takes() -> None:
    """The column table maps onto Volunteer.register, Activity.create and ServiceRecord.record: a renamed or
    removed keyword fails here rather than as a TypeError in an import."""
    for column in COLUMNS:
        assert column.kwarg in inspect.signature(CONSTRUCTORS[column.group]).parameters, column.key


def test_the_template_covers_the_beijing_minimum_fields_and_the_volunteers_basic_information() -> None:
    """Seed 004 三(三): name, date, place, recipients, content, service time, evaluation, leader, recorder; domain.md:
    the volunteer's name, ID document type and number, gender, birth date and contact."""
    keys = {c.key for c in COLUMNS}
    assert {"activity_name", "start", "end", "place", "recipients", "activity_content", "hours", "evaluation",
            "leader", "recorder"} <= keys
    assert {"name", "id_type", "id_number", "gender", "birth_date", "phone", "guardian_consent"} <= keys
    assert {"category", "fee", "subsidy", "payment", "paper_date"} <= keys


# -- encodings and formats ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", True), ("utf-8", False), ("gb18030", False)],
                         ids=["utf-8 with BOM", "utf-8", "gb18030"])
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_gb18030(encoding: str, bom: bool) -> None:
    parsed = parse_import(csv_bytes([MINIMAL, minimal_row()], encoding=encoding, bom=bom))
    assert parsed.kind == "csv"
    assert parsed.errors == []
    assert parsed.rows[0].values["name"] == "张三明"
    assert parsed.headers["name"] == "姓名"


def test_the_three_sample_files_read_to_the_same_rows() -> None:
    files = ["import_sample.csv", "import_sample_gb18030.csv", "import_sample.xlsx"]
    parsed = [parse_import((ASSETS / name).read_bytes()) for name in files]
    assert [p.kind for p in parsed] == ["csv", "csv", "xlsx"]
    for p in parsed:
        assert p.errors == []
        assert len(p.rows) == 8
        assert [r.number for r in p.rows] == list(range(2, 10))
    assert [r.values for r in parsed[0].rows] == [r.values for r in parsed[1].rows] == \
        [r.values for r in parsed[2].rows]
    first = parsed[2].rows[0].values
    assert first["start"] == dt.datetime(2026, 3, 1, 9, 0, tzinfo=CST)
    assert first["paper_date"] == dt.date(2026, 3, 1)
    assert first["hours"] == Decimal("3")
    smith = parsed[2].rows[6].values
    assert smith["id_type"] == IdType.PASSPORT.value and smith["birth_date"] == dt.date(1988, 8, 8)


@pytest.mark.parametrize("data", [
    "\ufeff姓名,证件号码\r\n".encode("utf-16-le"),
    b"\xff\xfe" + "姓名".encode("utf-16-le"),
    b"\xff\xff\xff\xfe\x80\x80",
], ids=["utf-16 without BOM (NUL bytes)", "utf-16 with BOM", "neither utf-8 nor gb18030"])
def test_a_file_in_another_encoding_is_rejected_with_a_hint(data: bytes) -> None:
    errors = rejected(data)
    assert codes(errors) == ["bad_encoding"]
    assert errors[0].row is None
    assert "UTF-8" in errors[0].message


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b",,,\r\n,,\r\n"],
                         ids=["nothing", "bom only", "blank lines", "empty cells"])
def test_an_empty_file_is_rejected(data: bytes) -> None:
    assert codes(rejected(data)) == ["empty_file"]


def test_a_header_without_rows_is_rejected() -> None:
    errors = rejected(csv_bytes([MINIMAL, [""] * len(MINIMAL)]))
    assert codes(errors) == ["no_rows"] and errors[0].row == 1


def test_an_old_xls_file_is_refused_with_a_hint_to_save_as_xlsx() -> None:
    errors = rejected(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert codes(errors) == ["unsupported_format"] and ".xlsx" in errors[0].message


@pytest.mark.parametrize("data", [b"PK\x03\x04 not really a zip", None], ids=["broken zip", "zip without a workbook"])
def test_a_broken_xlsx_is_rejected_not_a_crash(data: bytes | None) -> None:
    if data is None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("hello.txt", "not a workbook")
        data = out.getvalue()
    assert codes(rejected(data)) == ["bad_xlsx"]


# -- size limits -------------------------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_read() -> None:
    with pytest.raises(ImportTooLargeError) as caught:
        parse_import(b"a" * (MAX_BYTES + 1))
    assert "20 MB" in caught.value.message


def test_a_file_over_the_row_limit_is_refused() -> None:
    header = ",".join(MINIMAL).encode() + b"\r\n"
    data = header + b"x,1,a,b,c,1\r\n" * (MAX_ROWS + 1)
    with pytest.raises(ImportTooLargeError) as caught:
        parse_import(data)
    assert f"{MAX_ROWS}" in caught.value.message


def test_an_xlsx_that_unpacks_to_too_much_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (401 * 1024 * 1024))
    with pytest.raises(ImportTooLargeError):
        parse_import(out.getvalue())


# -- headers --------------------------------------------------------------------------------------------------------


def test_english_headers_are_accepted_as_well_as_chinese_ones() -> None:
    english = ["name", "id_number", "activity_name", "start", "end", "hours", "paper_date"]
    parsed = parse_import(csv_bytes([english, minimal_row() + ["2026-03-01"]]))
    assert parsed.errors == []
    assert parsed.rows[0].values["paper_date"] == dt.date(2026, 3, 1)
    assert parsed.headers["paper_date"] == "paper_date"


@pytest.mark.parametrize(("header", "replaces", "key"), [
    ("姓名*", "姓名", "name"), (" 姓名 ", "姓名", "name"), ("Name", "姓名", "name"),
    ("ID Number", "证件号码", "id_number"), ("id-number", "证件号码", "id_number"),
    ("身份证号码", "证件号码", "id_number"), ("服务时长（小时）", "服务时长", "hours"),
    ("服务时长(小时)", "服务时长", "hours"), ("活动(项目)名称", "活动名称", "activity_name"),
    ("Paper Recorded On", None, "paper_date"), ("手机号", None, "phone"),
])
def test_headers_are_matched_loosely(header: str, replaces: str | None, key: str) -> None:
    """Case, spaces, underscores or hyphens, full-width brackets, a trailing * and a bracketed unit do not matter."""
    headers = [header if h == replaces else h for h in MINIMAL] + ([] if replaces else [header])
    row = minimal_row() + ([] if replaces else [""])
    parsed = parse_import(csv_bytes([headers, row]))
    assert parsed.errors == []
    assert parsed.headers[key] == header.strip()


def test_every_header_problem_is_listed_at_once_with_the_header_as_written() -> None:
    headers = ["姓名", "证件号码", "活动名称", "开始时间", "备注", "Remarks", "姓名"]
    errors = rejected(csv_bytes([headers, ["张三明", ID_NUMBER, "x", "2026-03-01 09:00", "", "", ""]]))
    assert {(e.column, e.code) for e in errors} == {
        ("备注", "unknown_column"), ("Remarks", "unknown_column"), ("姓名", "duplicate_column"),
        ("结束时间", "missing_column"), ("服务时长", "missing_column")}
    assert all(e.row == 1 for e in errors)


def test_a_file_without_a_header_row_does_not_echo_its_first_row() -> None:
    """The first row of a headerless file is someone's data: its ID and phone numbers must not come back."""
    row = ["张三明", ID_NUMBER, PHONE, "社区助老服务", "2026-03-01 09:00", "2026-03-01 12:00", "3"]
    with pytest.raises(ImportRejectedError) as caught:
        parse_import(csv_bytes([row, row]))
    text = repr(caught.value.as_dicts()) + caught.value.message
    assert ID_NUMBER not in text and PHONE not in text
    assert "column B" in text and "column C" in text


def test_a_row_number_column_is_ignored() -> None:
    parsed = parse_import(csv_bytes([["序号", *MINIMAL], ["1", *minimal_row()]]))
    assert parsed.errors == [] and "序号" not in parsed.headers.values()


def test_a_value_right_of_the_last_header_is_an_error() -> None:
    parsed = parse_import(csv_bytes([MINIMAL, [*minimal_row(), "遗漏的备注"]]))
    assert [(e.row, e.code) for e in parsed.errors] == [(2, "cell_without_header")]
    assert column_letter(len(MINIMAL) - 1) in parsed.errors[0].message


# -- rows and cells -------------------------------------------------------------------------------------------------


def test_rows_are_numbered_as_the_spreadsheet_shows_them() -> None:
    """Header is row 1; blank lines are skipped but still counted; a quoted line break stays in its row."""
    data = csv_bytes([MINIMAL, minimal_row(), [""] * 6, minimal_row(服务时长="x"),
                      minimal_row(活动名称="多行\n名称", 服务时长="y")])
    parsed = parse_import(data)
    assert [r.number for r in parsed.rows] == [2, 4, 5]
    assert [(e.row, e.column, e.code) for e in parsed.errors] == [(4, "服务时长", "invalid_number"),
                                                                  (5, "服务时长", "invalid_number")]


def test_an_empty_required_cell_is_an_error_and_an_empty_optional_one_is_absent() -> None:
    parsed = parse_import(csv_bytes([[*MINIMAL, "联系电话"], [*minimal_row(姓名=" "), ""]]))
    assert [(e.row, e.column, e.code) for e in parsed.errors] == [(2, "姓名", "missing_value")]
    assert "phone" not in parsed.rows[0].values and "name" in parsed.rows[0].unreadable


@pytest.mark.parametrize(("text", "expected"), [
    ("居民身份证", "resident_id"), ("身份证", "resident_id"), ("护照", "passport"),
    ("港澳居民来往内地通行证", "hk_macao_permit"), ("台湾居民来往大陆通行证", "taiwan_permit"),
    ("台胞证", "taiwan_permit"), ("港澳台居民居住证", "hk_macao_taiwan_residence_permit"),
    ("外国人永久居留身份证", "foreign_permanent_residence_id"), ("passport", "passport"),
    ("Resident_ID", "resident_id"),
])
def test_id_types_are_read_from_their_chinese_names_or_codes(text: str, expected: str) -> None:
    parsed = parse_import(csv_bytes([[*MINIMAL, "证件类型"], [*minimal_row(), text]]))
    assert parsed.rows[0].values["id_type"] == expected


@pytest.mark.parametrize(("column", "text", "key", "expected"), [
    ("性别", "男", "gender", "male"), ("性别", "女", "gender", "female"), ("性别", "F", "gender", "female"),
    ("监护人同意", "是", "guardian_consent", True), ("监护人同意", "否", "guardian_consent", False),
    ("监护人同意", "同意", "guardian_consent", True), ("监护人同意", "yes", "guardian_consent", True),
    ("出生日期", "2014/5/1", "birth_date", dt.date(2014, 5, 1)),
    ("出生日期", "2014年5月1日", "birth_date", dt.date(2014, 5, 1)),
    ("出生日期", "2014.05.01", "birth_date", dt.date(2014, 5, 1)),
    ("纸质记录日期", "２０２６－０３－０１", "paper_date", dt.date(2026, 3, 1)),
    ("收费", "50.00", "fee", Decimal("50.00")), ("补贴", "20元", "subsidy", Decimal("20")),
    ("报酬", "1,000", "payment", Decimal("1000")), ("联系电话", "+86 138 0013 8000", "phone", "+86 138 0013 8000"),
    ("活动类别", "敬老助残", "category", "敬老助残"),
])
def test_chinese_values_are_read_where_natural(column: str, text: str, key: str, expected: Any) -> None:
    parsed = parse_import(csv_bytes([[*MINIMAL, column], [*minimal_row(), text]]))
    assert parsed.errors == []
    assert parsed.rows[0].values[key] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-01 09:00", dt.datetime(2026, 3, 1, 9, 0, tzinfo=CST)),
    ("2026-03-01T09:00:00+08:00", dt.datetime(2026, 3, 1, 9, 0, tzinfo=CST)),
    ("2026-03-01T01:00:00Z", dt.datetime(2026, 3, 1, 9, 0, tzinfo=CST)),
    ("2026/3/1 9:00", dt.datetime(2026, 3, 1, 9, 0, tzinfo=CST)),
    ("2026年3月1日 9时00分", dt.datetime(2026, 3, 1, 9, 0, tzinfo=CST)),
    ("2026年3月1日9点30分15秒", dt.datetime(2026, 3, 1, 9, 30, 15, tzinfo=CST)),
    ("2026-03-01 09:00:30", dt.datetime(2026, 3, 1, 9, 0, 30, tzinfo=CST)),
    ("2026-03-01 10:00+09:00", dt.datetime(2026, 3, 1, 9, 0, tzinfo=CST)),
])
def test_times_without_an_offset_are_china_standard_time(text: str, expected: dt.datetime) -> None:
    parsed = parse_import(csv_bytes([MINIMAL, minimal_row(开始时间=text)]))
    assert parsed.errors == []
    assert parsed.rows[0].values["start"] == expected


@pytest.mark.parametrize(("column", "text", "code"), [
    ("开始时间", "2026-03-01", "invalid_time"), ("开始时间", "明天上午", "invalid_time"),
    ("开始时间", "2026-02-30 09:00", "invalid_date"), ("开始时间", "2026-03-01 25:00", "invalid_time"),
    ("开始时间", "2026-03-01 09:00 CST", "invalid_time"), ("服务时长", "三小时", "invalid_number"),
    ("服务时长", "NaN", "invalid_number"),
])
def test_unreadable_cells_are_errors_naming_row_column_and_code(column: str, text: str, code: str) -> None:
    parsed = parse_import(csv_bytes([MINIMAL, minimal_row(**{column: text})]))
    assert [(e.row, e.column, e.code) for e in parsed.errors] == [(2, column, code)]


@pytest.mark.parametrize(("header", "text", "code"), [
    ("证件类型", "驾驶证", "invalid_id_type"), ("性别", "未知", "invalid_gender"),
    ("监护人同意", "也许", "invalid_yes_no"), ("出生日期", "2014-13-01", "invalid_date"),
])
def test_unknown_values_are_errors_that_list_what_is_accepted(header: str, text: str, code: str) -> None:
    parsed = parse_import(csv_bytes([[*MINIMAL, header], [*minimal_row(), text]]))
    assert [(e.column, e.code) for e in parsed.errors] == [(header, code)]
    assert text not in parsed.errors[0].message


def test_an_id_number_excel_turned_into_scientific_notation_is_explained_not_echoed() -> None:
    """Excel shows an 18-digit number as 1.10105E+17 and keeps only 15 digits: the number is already lost."""
    parsed = parse_import(csv_bytes([MINIMAL, minimal_row(证件号码="1.10105E+17")]))
    assert [(e.column, e.code) for e in parsed.errors] == [("证件号码", "id_number_not_text")]
    assert "1.10105" not in parsed.errors[0].message


# -- XLSX specifics --------------------------------------------------------------------------------------------------


def test_xlsx_dates_and_times_stored_as_excel_dates_are_read() -> None:
    def dates(sheet: Any) -> None:
        for cell in ("D2", "E2"):
            sheet[cell].number_format = "yyyy-mm-dd hh:mm"
        sheet["G2"].number_format = "yyyy-mm-dd"

    row = ["张三明", ID_NUMBER, "社区助老服务", dt.datetime(2026, 3, 1, 9), dt.datetime(2026, 3, 1, 12), 3,
           dt.date(2026, 3, 1)]
    parsed = parse_import(xlsx_bytes([[*MINIMAL, "纸质记录日期"], row], dates))
    assert parsed.kind == "xlsx" and parsed.errors == []
    values = parsed.rows[0].values
    assert values["start"] == dt.datetime(2026, 3, 1, 9, tzinfo=CST)
    assert values["end"] == dt.datetime(2026, 3, 1, 12, tzinfo=CST)
    assert values["paper_date"] == dt.date(2026, 3, 1)
    assert values["hours"] == Decimal(3)


def test_an_xlsx_date_without_a_time_in_a_time_column_is_an_error_not_midnight() -> None:
    def formats(sheet: Any) -> None:
        sheet["D2"].number_format = "yyyy-mm-dd"  # a date cell: openpyxl reads it as midnight
        sheet["E2"].number_format = "yyyy-mm-dd hh:mm"  # a date-time cell that happens to be midnight

    row = ["张三明", ID_NUMBER, "社区助老服务", dt.date(2026, 3, 1), dt.datetime(2026, 3, 2, 0, 0), 3]
    parsed = parse_import(xlsx_bytes([MINIMAL, row], formats))
    assert [(e.column, e.code) for e in parsed.errors] == [("开始时间", "invalid_time")]
    assert parsed.rows[0].values["end"] == dt.datetime(2026, 3, 2, 0, 0, tzinfo=CST)


def test_an_xlsx_serial_number_in_a_date_column_is_refused() -> None:
    """46082 is 2026-03-01 only if the cell is formatted as a date; unformatted, it is a number."""
    parsed = parse_import(xlsx_bytes([MINIMAL, ["张三明", ID_NUMBER, "x", 46082, "2026-03-01 12:00", 3]]))
    assert [(e.column, e.code) for e in parsed.errors] == [("开始时间", "invalid_time")]


def test_an_xlsx_formula_is_refused_not_guessed() -> None:
    """A record keeps what the paper says; a formula's cached value may be stale or absent (files generated by a
    program have none), so the import asks for values."""
    row = ["张三明", ID_NUMBER, "社区助老服务", "2026-03-01 09:00", "2026-03-01 12:00", "=1+2"]
    parsed = parse_import(xlsx_bytes([MINIMAL, row]))
    assert [(e.row, e.column, e.code) for e in parsed.errors] == [(2, "服务时长", "formula_not_allowed")]
    assert "hours" in parsed.rows[0].unreadable


def test_an_xlsx_id_number_stored_as_a_number_is_refused_without_echoing_it() -> None:
    row = ["张三明", 110105194912310020, "社区助老服务", "2026-03-01 09:00", "2026-03-01 12:00", 3]
    parsed = parse_import(xlsx_bytes([MINIMAL, row]))
    assert [(e.column, e.code) for e in parsed.errors] == [("证件号码", "id_number_not_text")]
    assert "1101051949" not in parsed.errors[0].message


def test_an_xlsx_phone_stored_as_a_number_is_read_as_its_digits() -> None:
    parsed = parse_import(xlsx_bytes([[*MINIMAL, "联系电话"], [*minimal_row(服务时长=3), 13800138000]]))
    assert parsed.errors == [] and parsed.rows[0].values["phone"] == PHONE


def test_an_xlsx_error_value_is_an_error() -> None:
    def error(sheet: Any) -> None:
        sheet["F2"] = "#N/A"
        sheet["F2"].data_type = "e"

    parsed = parse_import(xlsx_bytes([MINIMAL, minimal_row()], error))
    assert [(e.column, e.code) for e in parsed.errors] == [("服务时长", "excel_error_value")]


def test_only_the_first_worksheet_is_read() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(MINIMAL)
    workbook.active.append(minimal_row())
    other = workbook.create_sheet("说明")
    other.append(["本表为填写说明"])
    out = io.BytesIO()
    workbook.save(out)
    parsed: ParsedFile = parse_import(out.getvalue())
    assert len(parsed.rows) == 1 and parsed.errors == []


def test_errors_are_sorted_by_row_and_the_summary_counts_them() -> None:
    error = ImportRejectedError([RowError(5, "服务时长", "b", "m"), RowError(None, None, "a", "m"),
                                 RowError(2, "姓名", "c", "m")])
    assert [e.row for e in error.errors] == [None, 2, 5]
    assert "3 problems in 2 rows" in error.message and "nothing was written" in error.message


def test_a_rejection_lists_at_most_ten_thousand_problems_and_counts_them_all() -> None:
    """A garbage file of 50,000 rows could otherwise answer with a million entries."""
    error = ImportRejectedError([RowError(n, "服务时长", "invalid_number", "m") for n in range(2, 12_002)])
    assert (error.total, len(error.errors), len(error.as_dicts())) == (12_000, 10_000, 10_000)
    assert error.errors[-1].row == 10_001
    assert "12000 problems in 12000 rows (the first 10000 are listed)" in error.message


def test_an_xlsx_with_a_wrong_stored_size_is_read_in_full() -> None:
    """Programs other than Excel often write a wrong <dimension>; read-only openpyxl would cut rows to it."""
    data = xlsx_bytes([MINIMAL, minimal_row()])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<dimension ref="A1:F2" />', b'<dimension ref="A1:B1" />')
                assert b'ref="A1:B1"' in content
            target.writestr(item, content)
    parsed = parse_import(out.getvalue())
    assert parsed.errors == [] and parsed.rows[0].values["hours"] == Decimal(3)


def test_the_readme_documents_the_template_exactly_as_the_column_table_reads_it() -> None:
    """The README's table of import columns is the column table rendered: it cannot drift from the code."""
    from pathlib import Path

    from api.imports import columns_markdown

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert columns_markdown() in readme
