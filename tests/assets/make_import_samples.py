"""Writes the paper-record import samples next to this script: the same eight rows as

- ``import_sample.csv``: UTF-8 with a BOM, Chinese headers (what "CSV UTF-8" in Excel writes);
- ``import_sample_gb18030.csv``: the same text in GB18030 (what "CSV (逗号分隔)" in Excel in China writes);
- ``import_sample.xlsx``: Chinese headers, times and dates as Excel date cells, ID numbers as text, hours and
  money as numbers.

Five volunteers (two resident IDs of adults, a resident ID of a child with guardian consent, a passport and a
Hong Kong/Macao permit with their birth dates) at two activities of March 2026. The ID numbers are examples with
valid check characters (the first is the one printed in GB 11643 itself), not real people's.

Run: ``.venv/bin/python tests/assets/make_import_samples.py`` (the files are committed; rerun after a change).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).parent

HEADERS = ["姓名", "证件类型", "证件号码", "性别", "出生日期", "联系电话", "电子邮箱", "监护人同意",
           "活动名称", "开始时间", "结束时间", "服务地点", "服务对象", "服务内容", "负责人", "记录人", "活动类别",
           "收费", "补贴", "服务时长", "记录内容", "服务评价", "报酬", "纸质记录日期"]

ELDERS = ("社区助老服务", dt.datetime(2026, 3, 1, 9, 0), dt.datetime(2026, 3, 1, 12, 0), "北京市朝阳区和平街社区",
          "社区独居老人", "陪伴聊天、打扫卫生", "李四", "王五", "敬老助残", Decimal("0"), Decimal("20"))
TREES = ("植树护绿活动", dt.datetime(2026, 3, 12, 8, 0), dt.datetime(2026, 3, 12, 11, 30), "奥林匹克森林公园",
         "公众", "植树、浇水", "李四", "王五", "环境保护", Decimal("0"), Decimal("0"))

# name, id type, id number, gender, birth date, phone, e-mail, guardian consent
ZHANG = ("张三明", "居民身份证", "11010519491231002X", "女", None, "13800138000", None, "否")
LI = ("李小红", "身份证", "110108199003074527", "女", None, "13912345678", "lixh@example.com", None)
CHILD = ("王小丽", "居民身份证", "110105201405010025", "女", None, "13700137000", None, "是")
SMITH = ("John Smith", "护照", "E12345678", "男", dt.date(1988, 8, 8), None, "john@example.com", None)
CHAN = ("陈大文", "港澳居民来往内地通行证", "H12345678", "男", dt.date(1990, 2, 3), "+8613600136000", None, None)

# volunteer, activity, hours, record content, evaluation, payment, paper date
ROWS = [
    (ZHANG, ELDERS, Decimal("3"), "陪老人聊天", "优秀", Decimal("20"), dt.date(2026, 3, 1)),
    (LI, ELDERS, Decimal("2.5"), "打扫卫生", "良好", None, dt.date(2026, 3, 1)),
    (CHILD, ELDERS, Decimal("2"), "为老人读报", "良好", None, dt.date(2026, 3, 1)),
    (CHAN, ELDERS, Decimal("3"), "陪老人聊天", "优秀", Decimal("20"), dt.date(2026, 3, 1)),
    (ZHANG, TREES, Decimal("3.5"), "植树", "优秀", None, dt.date(2026, 3, 12)),
    (LI, TREES, Decimal("3"), "浇水", "良好", None, dt.date(2026, 3, 12)),
    (SMITH, TREES, Decimal("3"), "植树", "合格", None, dt.date(2026, 3, 12)),
    (CHAN, TREES, Decimal("2"), "浇水", "良好", None, dt.date(2026, 3, 13)),
]


def cells(row: tuple[object, ...]) -> list[object]:
    volunteer, activity, hours, content, evaluation, payment, paper = row
    return [*volunteer, *activity, hours, content, evaluation, payment, paper]


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def csv_text() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in ROWS:
        writer.writerow([as_text(v) for v in cells(row)])
    return out.getvalue()


def write_xlsx(path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "服务记录"
    sheet.append(HEADERS)
    for row in ROWS:
        values = [float(v) if isinstance(v, Decimal) else v for v in cells(row)]
        sheet.append(values)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    # Fixed document times, so that rerunning the script changes the file only when the rows change.
    workbook.properties.created = workbook.properties.modified = dt.datetime(2026, 3, 15, 10, 0)
    workbook.save(path)


def main() -> None:
    text = csv_text()
    (HERE / "import_sample.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (HERE / "import_sample_gb18030.csv").write_bytes(text.encode("gb18030"))
    write_xlsx(HERE / "import_sample.xlsx")


if __name__ == "__main__":
    main()
