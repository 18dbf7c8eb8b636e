"""The on-site form's rows and the results they suggest, against the text of seed 000 (Gangcheng plan).

Sources: seed 000 附件 《济南市钢城区志愿服务记录与证明出具抽查现场检查表》 (the rows, word for word, in order), 五 (the
checks, including (9), which the form has no row for) and 七(一) (合格 / 责令改正 / 予以处罚).

The seed lives beside the repository (``../shared/seeds/000_….txt``). The cells of its appendix and its 七(一)
items are copied below as printed there (the stray space in "志愿 服务信息系统" included), so that the rows are
checked wherever the tests run; where the seed file is present, one test checks that the copies are its own text.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from domain.checklist import FORM_ROWS, OTHER_ROW_ID, ROWS, ROWS_BY_ID, Result, Row, Section, suggested_result

SEED_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"

# The non-empty cells of the appendix's table, in reading order (seed 000, 附件).
APPENDIX_CELLS = (
    "检查内容", "存在问题", "备注",
    "志愿服务记录检查内容",
    "记录的志愿者基本信息是否完整准确",
    "记录的志愿者服务时间是否完整准确",
    "记录的志愿者服务内容是否完整准确",
    "记录的志愿者服务评价情况是否完整正确准确",
    "记录的志愿者技能培训情况是否完整准确",
    "记录的志愿者表彰奖励情况是否完整准确",
    "是否在志愿服务活动结束后10个工作日内完成志愿服务记录",
    "是否及时按规定将纸质记录录入志愿 服务信息系统",
    "是否向志愿者发放了除必要补贴之外的报酬",
    "是否将职务行为、有偿服务或者非公益性服务当作志愿服务进行记录与证明",
    "是否存在假冒志愿服务名义开展营利性活动的行为",
    "检查内容", "存在问题", "备注",
    "记录证明出具检查内容",
    "是否以志愿服务记录为依据，为志愿者如实出具志愿服务记录证明",
    "是否可以通过有其记录的志愿服务信息系统进行查验",
    "是否存在伪造、变造志愿服务记录证明的行为",
    "是否以出具记录证明为由向志愿者收取费用或者开展营利性活动",
    "其他检查事项",
)
HEADER_CELLS = {"检查内容", "存在问题", "备注"}

# Seed 000 七(一)2 (责令改正) and 3 (予以处罚), item by item.
SEVEN_ONE = {
    ("2", "1"): "志愿服务组织记录的志愿者基本信息、服务时间、服务内容、服务评价、技能培训、表彰奖励情况不完整准确。",
    ("2", "2"): "未在志愿服务活动结束后 10 个工作日内完成志愿服务记录。",
    ("2", "3"): "未及时按规定将纸质记录录入志愿服务信息系统。",
    ("2", "4"): "志愿服务时间、志愿服务内容等与志愿服务活动实际情况不一致。",
    ("2", "5"): "向志愿者发放了除必要补贴之外的报酬。",
    ("2", "6"): "将职务行为、有偿服务或者非公益性服务当作志愿服务进行记录与证明。",
    ("2", "7"): "志愿服务组织未以志愿服务记录为依据，为志愿者如实出具志愿服务记录证明。",
    ("2", "8"): "志愿服务证明不能通过志愿服务信息系统查验。",
    ("3", "1"): "存在假冒志愿服务名义开展营利性活动的行为。",
    ("3", "2"): "志愿服务组织泄露志愿者有关记录信息、侵害志愿服务对象个人隐私的。",
    ("3", "3"): "存在伪造、变造志愿服务记录证明的行为。",
    ("3", "4"): "以出具记录证明为由向志愿者收取费用或者开展营利性活动。",
}
GROUP_RESULT = {"2": Result.ORDER_TO_CORRECT, "3": Result.PENALTY}


def squeeze(text: str) -> str:
    """The seed's text with its whitespace removed (Chinese needs none; the seed has stray spaces)."""
    return re.sub(r"\s+", "", text)


def form_rows(cells: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """(section, row text) for each row of the table: a section cell opens a section, header cells are skipped."""
    sections = {s.value for s in Section}
    rows, section = [], ""
    for cell in cells:
        if cell in HEADER_CELLS:
            continue
        if cell in sections:
            section = cell
            continue
        rows.append((section, squeeze(cell)))
    return rows


def seed_000() -> str:
    found = sorted(SEED_DIR.glob("000_*.txt")) if SEED_DIR.is_dir() else []
    if not found:
        pytest.skip("seed 000 is not beside the repository (../shared/seeds): the copies above are checked instead")
    return found[0].read_text(encoding="utf-8")


def test_the_forms_rows_are_the_appendixs_in_order_word_for_word() -> None:
    """Seed 000 附件: 11 rows of 志愿服务记录检查内容, then 4 of 记录证明出具检查内容, as printed."""
    assert [(row.section.value, row.text) for row in FORM_ROWS] == form_rows(APPENDIX_CELLS)
    assert [row.section for row in FORM_ROWS].count(Section.RECORDS) == 11
    assert [row.section for row in FORM_ROWS].count(Section.CERTIFICATES) == 4


def test_the_copies_in_this_file_are_the_seeds_text() -> None:
    """Where seed 000 is present: the appendix cells and the 七(一) items above are its text, character for
    character (whitespace inside the appendix's cells kept as printed)."""
    text = seed_000()
    start = text.index("出具抽查现场检查表", text.index("附 件 ："))
    table = text[start:text.index("被检查对象代表人", start)]
    assert tuple(line.strip() for line in table.splitlines() if line.startswith("\t") and line.strip()) == \
        APPENDIX_CELLS
    seven = text[text.index("（一）抽查结果类型"):text.index("（二）抽查结果处理")]
    group, items = "", {}
    for line in seven.splitlines():
        if found := re.match(r"([123])、", line.strip()):
            group = found.group(1)
        elif (found := re.match(r"（(\d)）(.*)", line.strip())) and group in GROUP_RESULT:
            items[(group, found.group(1))] = found.group(2)
    assert items == SEVEN_ONE


def test_the_rows_the_form_lacks_are_worded_as_in_the_plan() -> None:
    """Seed 000 五(1)2(9) has no row on the form; it is printed among 其他检查事项 in the plan's words, as is the
    privacy case of 七(一)3(2)."""
    other = [row for row in ROWS if row.section is Section.OTHER]
    assert [row.id for row in other] == ["matches_reality", "privacy"]
    text = seed_000()
    assert "（9）" + ROWS_BY_ID["matches_reality"].text + "；" in squeeze(text)
    assert ROWS_BY_ID["privacy"].text.removeprefix("是否") in squeeze(text)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_each_row_cites_the_seven_one_item_closest_to_its_words_and_suggests_that_items_result(row: Row) -> None:
    """Seed 000 七(一): the item a row cites is the one whose wording is nearest the row's, and the row suggests
    that item's result (2 → 责令改正, 3 → 予以处罚)."""
    cited = re.search(r"§七\(一\)([23])\((\d)\)", row.source)
    assert cited is not None, row.source
    key = (cited.group(1), cited.group(2))
    nearest = max(SEVEN_ONE, key=lambda k: difflib.SequenceMatcher(None, row.text, squeeze(SEVEN_ONE[k])).ratio())
    assert nearest == key
    assert row.problem_result is GROUP_RESULT[key[0]]


def test_every_case_of_seven_one_has_a_row() -> None:
    cited = {m for row in ROWS for m in re.findall(r"§七\(一\)([23])\((\d)\)", row.source)}
    assert cited == set(SEVEN_ONE)


def test_the_suggested_result_is_the_gravest_of_the_rows_with_problems() -> None:
    """Seed 000 七(一)1: nothing found → 合格; otherwise the gravest result any row with a problem calls for."""
    assert suggested_result(set()) is Result.PASS
    assert suggested_result({"training", "paper_entered"}) is Result.ORDER_TO_CORRECT
    assert suggested_result({"training", "fees_for_certificates"}) is Result.PENALTY
    assert suggested_result({OTHER_ROW_ID}) is Result.ORDER_TO_CORRECT
    assert OTHER_ROW_ID not in ROWS_BY_ID and len(ROWS_BY_ID) == len(ROWS)
