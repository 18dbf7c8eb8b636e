"""The spot-check checklist (抽查事项清单) and the results it leads to — seed `000_…` (Gangcheng, 2023), §五, §七
and its appendix 《志愿服务记录与证明出具抽查现场检查表》.

The form's rows are kept word for word (the PDF prints them); each row says which result a problem on it
suggests under §七. Row (9) of §五 (time and content match what really happened) has no row of its own on the
form: it is printed among 其他检查事项 with the wording of §五, so that no check of the plan is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Result(StrEnum):
    """抽查结果类型 (§七(一)), in rising order of severity."""

    PASS = "合格"
    ORDER_TO_CORRECT = "责令改正"
    PENALTY = "予以处罚"


SEVERITY = {Result.PASS: 0, Result.ORDER_TO_CORRECT: 1, Result.PENALTY: 2}


class Section(StrEnum):
    RECORDS = "志愿服务记录检查内容"
    CERTIFICATES = "记录证明出具检查内容"
    OTHER = "其他检查事项"


@dataclass(frozen=True)
class Row:
    """One row of the on-site form."""

    id: str
    section: Section
    text: str  # as printed on the form (the appendix), or §五 for rows the form lacks
    source: str  # where the row and its result rule come from in seed 000
    problem_result: Result  # what a problem found on this row suggests (§七)
    key_point: bool  # 重点检查内容 (§五 1.2 / 2.2) rather than 基本检查内容


ROWS: tuple[Row, ...] = (
    Row("basic_info", Section.RECORDS, "记录的志愿者基本信息是否完整准确", "§五(1)1(1); §七(一)2(1)",
        Result.ORDER_TO_CORRECT, False),
    Row("service_time", Section.RECORDS, "记录的志愿者服务时间是否完整准确", "§五(1)1(2); §七(一)2(1)",
        Result.ORDER_TO_CORRECT, False),
    Row("service_content", Section.RECORDS, "记录的志愿者服务内容是否完整准确", "§五(1)1(3); §七(一)2(1)",
        Result.ORDER_TO_CORRECT, False),
    Row("evaluation", Section.RECORDS, "记录的志愿者服务评价情况是否完整正确准确", "§五(1)1(4); §七(一)2(1)",
        Result.ORDER_TO_CORRECT, False),
    Row("training", Section.RECORDS, "记录的志愿者技能培训情况是否完整准确", "§五(1)1(5); §七(一)2(1)",
        Result.ORDER_TO_CORRECT, False),
    Row("awards", Section.RECORDS, "记录的志愿者表彰奖励情况是否完整准确", "§五(1)1(6); §七(一)2(1)",
        Result.ORDER_TO_CORRECT, False),
    Row("within_10_working_days", Section.RECORDS, "是否在志愿服务活动结束后10个工作日内完成志愿服务记录",
        "§五(1)1(7); §七(一)2(2)", Result.ORDER_TO_CORRECT, False),
    Row("paper_entered", Section.RECORDS, "是否及时按规定将纸质记录录入志愿服务信息系统", "§五(1)1(8); §七(一)2(3)",
        Result.ORDER_TO_CORRECT, False),
    Row("pay_beyond_subsidy", Section.RECORDS, "是否向志愿者发放了除必要补贴之外的报酬", "§五(1)2(10); §七(一)2(5)",
        Result.ORDER_TO_CORRECT, True),
    Row("not_volunteering", Section.RECORDS, "是否将职务行为、有偿服务或者非公益性服务当作志愿服务进行记录与证明",
        "§五(1)2(11); §七(一)2(6)", Result.ORDER_TO_CORRECT, True),
    Row("profit_under_volunteer_name", Section.RECORDS, "是否存在假冒志愿服务名义开展营利性活动的行为",
        "§五(1)2(12); §七(一)3(1)", Result.PENALTY, True),
    Row("certificates_from_records", Section.CERTIFICATES,
        "是否以志愿服务记录为依据，为志愿者如实出具志愿服务记录证明", "§五(2)1(1); §七(一)2(7)",
        Result.ORDER_TO_CORRECT, False),
    Row("certificates_verifiable", Section.CERTIFICATES, "是否可以通过有其记录的志愿服务信息系统进行查验",
        "§五(2)1(2); §七(一)2(8)", Result.ORDER_TO_CORRECT, False),
    Row("forged_or_altered_certificates", Section.CERTIFICATES, "是否存在伪造、变造志愿服务记录证明的行为",
        "§五(2)2(1); §七(一)3(3)", Result.PENALTY, True),
    Row("fees_for_certificates", Section.CERTIFICATES, "是否以出具记录证明为由向志愿者收取费用或者开展营利性活动",
        "§五(2)2(2); §七(一)3(4)", Result.PENALTY, True),
    Row("matches_reality", Section.OTHER, "志愿服务时间、志愿服务内容等是否与志愿服务活动实际情况相一致",
        "§五(1)2(9); §七(一)2(4)", Result.ORDER_TO_CORRECT, True),
    Row("privacy", Section.OTHER, "是否泄露志愿者有关记录信息、侵害志愿服务对象个人隐私", "§七(一)3(2)",
        Result.PENALTY, True),
)

ROWS_BY_ID: dict[str, Row] = {row.id: row for row in ROWS}
# A free row of 其他检查事项 carrying its own text: what the form has no row for. A problem on it suggests an order
# to correct; anything graver is the inspector's decision, with a reason (domain.inspection).
OTHER_ROW_ID = "other"
FORM_ROWS: tuple[Row, ...] = tuple(r for r in ROWS if r.section is not Section.OTHER)  # the appendix's own rows


def suggested_result(rows_with_problems: set[str] | frozenset[str]) -> Result:
    """§七(一): 合格 when nothing is found; otherwise the most severe result any row with a problem calls for.
    Unknown row ids (free "other findings") suggest an order to correct: the inspector decides beyond that."""
    result = Result.PASS
    for row_id in rows_with_problems:
        row = ROWS_BY_ID.get(row_id)
        found = row.problem_result if row else Result.ORDER_TO_CORRECT
        if SEVERITY[found] > SEVERITY[result]:
            result = found
    return result
