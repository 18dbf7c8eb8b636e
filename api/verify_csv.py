"""Batch verification by spreadsheet, for schools: a CSV of codes in, a CSV of verdicts out, in input order.

In: one code per row in the first column (the QR text, its URL or the bare code), an optional header row, UTF-8
with or without a BOM or GB18030 (what Excel in China writes). Blank rows are skipped; each answer keeps the row
number the clerk sees in the spreadsheet. Out: UTF-8 with a BOM so that Excel opens it with Chinese intact.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from api.csv_cells import safe_cell
from domain.errors import InvalidFieldError
from domain.verdicts import Verdict

MAX_BATCH = 1000  # codes per request, the JSON batch and the CSV alike
MAX_CSV_BYTES = 1024 * 1024  # 1,000 codes of a few hundred characters each fit many times over
MAX_CODE_SHOWN = 200  # characters of each code echoed back in the answer

COLUMNS = ("row", "code", "verdict", "reasons", "certificate_number", "masked_name", "hours", "period",
           "organization")

# First cells that name the column rather than hold a code (compared case-insensitively, spaces removed).
HEADER_NAMES = frozenset({"code", "codes", "qr", "qrcode", "qr_text", "qrtext", "url", "link", "certificate",
                          "certificatecode", "证明码", "核验码", "二维码", "二维码内容", "编码", "链接", "证明链接",
                          "证明二维码", "核验链接"})
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Bytes that open common binary files people pick by mistake: PNG, JPEG, GIF, ZIP (.xlsx, .docx), PDF, OLE (.xls).
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")
# Control characters never found in a text file (tab, line feed, carriage return and form feed are allowed).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class BatchFileError(InvalidFieldError):
    """The uploaded file is not a CSV of codes that can be answered (HTTP 422)."""

    code = "invalid_batch_file"

    def __init__(self, message: str, zh: str) -> None:
        super().__init__("file", message)
        self.zh = zh  # the same in Chinese, for the page


@dataclass(frozen=True)
class CodeRow:
    """One code of the upload and the row of the file it came from (1-based, as a spreadsheet numbers rows)."""

    row: int
    code: str


def decode_text(data: bytes) -> str:
    """The file as text: UTF-8 (a BOM is dropped) first, else GB18030; anything binary is refused."""
    if data.startswith(_BINARY_MAGIC):
        raise BatchFileError("the file is an image, a PDF or a spreadsheet workbook, not a CSV; save the list "
                             "as CSV (逗号分隔) with one code per row",
                             "文件是图片、PDF 或 Excel 工作簿，不是 CSV：请另存为“CSV（逗号分隔）”，每行一个证明码")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BatchFileError("the file is UTF-16 (Excel's \"Unicode text\"); save it as CSV UTF-8 (逗号分隔)",
                             "文件是 UTF-16（Excel 的“Unicode 文本”）：请另存为“CSV UTF-8（逗号分隔）”")
    if b"\x00" in data:
        raise BatchFileError("the file holds NUL bytes: it is not a CSV text file",
                             "文件含有二进制内容，不是 CSV 文本文件")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise BatchFileError("the file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8",
                                 "文件既不是 UTF-8 也不是 GB18030 文本：请另存为“CSV UTF-8”") from None
    if _CONTROL.search(text):
        raise BatchFileError("the file holds control characters: it is not a CSV text file",
                             "文件含有控制字符，不是 CSV 文本文件")
    return text


def is_header(cell: str) -> bool:
    """Whether a first row's first cell names the column: a known name, or Chinese words (never in a code)."""
    key = re.sub(r"\s+", "", cell).casefold()
    return key in HEADER_NAMES or (bool(_CJK.search(cell)) and "/" not in cell)


def read_codes(data: bytes) -> list[CodeRow]:
    """The codes of an uploaded CSV in file order; ``BatchFileError`` for a file that is not one, holds no code
    or holds more than ``MAX_BATCH``."""
    if len(data) > MAX_CSV_BYTES:
        raise BatchFileError(f"the file is larger than {MAX_CSV_BYTES // 1024} KB",
                             f"文件超过 {MAX_CSV_BYTES // 1024} KB")
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    codes: list[CodeRow] = []
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise BatchFileError(f"the CSV cannot be read after row {number} ({e})",
                                 f"第 {number} 行之后的 CSV 内容无法读取（{e}）") from None
        number += 1
        first = cells[0].strip() if cells else ""
        if not first or (number == 1 and is_header(first)):
            continue
        codes.append(CodeRow(number, first))
        if len(codes) > MAX_BATCH:
            raise BatchFileError(f"the file holds more than {MAX_BATCH} codes; split it into files of at most "
                                 f"{MAX_BATCH}",
                                 f"文件中的证明码超过 {MAX_BATCH} 个：请拆分为每个不超过 {MAX_BATCH} 个的文件")
    if not codes:
        raise BatchFileError("the file holds no code: put one code per row in the first column",
                             "文件中没有证明码：请在第一列每行放一个证明码")
    return codes


def verdict_row(row: CodeRow, verdict: Verdict) -> list[str]:
    """One answer line: the row, the code as given (shortened), the verdict, its reason codes, and the certificate
    as the log records it (masked; empty when there is none)."""
    cert = verdict.certificate or {}
    period = f"{cert['period_start']}/{cert['period_end']}" if cert.get("period_start") else ""
    values = [row.row, row.code[:MAX_CODE_SHOWN], verdict.verdict, ";".join(verdict.reasons), cert.get("number"),
              cert.get("masked_name"), cert.get("hours"), period, cert.get("organization")]
    return [safe_cell(v) for v in values]


def write_verdicts(answers: Iterable[tuple[CodeRow, Verdict]]) -> bytes:
    """The answer file: a header row, then one line per code in input order; UTF-8 with a BOM for Excel."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row, verdict in answers:
        writer.writerow(verdict_row(row, verdict))
    return out.getvalue().encode("utf-8-sig")
