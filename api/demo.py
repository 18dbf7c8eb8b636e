"""`vledger demo`: a realistic instance to look at, made through the same use cases the HTTP API calls.

Seven organizations of one county (Chaoyang, 110105) with their volunteers, training, a season of activities and
records, awards and evaluations, corrections asked for by volunteers, amendments, an identification request, and
certificates — each naming its signatories — one revoked, one whose record was amended after issuance, one asked
for by its volunteer (another request is declined with a reason). One organization rotates its signing key in
mid-season: what the old key signed stays valid, later certificates carry the new key.

The spot checks of the year run on the same data (issue 6): one organization is clean and well run, another has
planted violations — one of each kind the online pre-check (``domain.precheck``) can find and the write rules let
through — and a complaint against it. The registry publishes a fixed demo seed and draws the targets and the
inspectors (one inspector has declared a conflict of interest); the planted organization and the clean one are
inspected from plan to decision, the pre-check's findings imported into the on-site form.

The content is deterministic (``random.Random(SEED)``, a fixed draw seed). On a new data directory the demo replays
the season on a demo clock, so each step is dated when it would have happened (records a few days after their
activity, as the 10-working-day rule expects); the clock never runs ahead of the real time. On an instance
initialized earlier, steps cannot be dated before its keys, so they take the real time (and the records are then
flagged as late, and the demo's expectations about the spot checks' findings are not checked).
A marker file ``demo.json`` (mode 0600, it holds tokens) makes a second run print the URLs again instead of
creating a second set; each run writes a fresh signed key directory for offline verification. Nothing printed
here carries an ID number or a phone number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

from stdnum.cn import ric, uscc

from api.application import VledgerApplication, utc_now
from api.instance import ADMIN_TOKEN_FILE, Instance, announce_initialized
from api.offline import key_directory_note
from api.progress import progress_bar
from api.settings import Settings
from domain.access import Principal
from domain.errors import VledgerError
from domain.workdays import china_date
from keys.store import write_private_file

SEED = 20260301
DEMO_FILE = "demo.json"
KEY_DIRECTORY_FILE = "keys-directory.txt"
KEY_DIRECTORY_DAYS = 30  # long enough to try offline verification for a while after the demo ran
YEAR = 2026
CST = dt.timezone(dt.timedelta(hours=8))
COUNTY = "110105"  # 北京市朝阳区: a county of the default `region_populations`
COUNTY_NAME = "北京市朝阳区"
# The draw's seed is fixed so that the demo is the same every time; a real draw takes it from a source nobody
# controls. Its origin is published with it ("demo").
DRAW_SEED_HEX = hashlib.sha256(f"vledger demo draw {YEAR} {COUNTY}".encode()).hexdigest()
DRAW_SEED_SOURCE = "demo"
# Hunan 001 二(二) asks for at least 10 checks per county; the demo county has 7 organizations, and a quota of 10
# would take every one of them, leaving nothing to draw. The demo's county publishes 4.
DRAW_QUOTA = 4
INSPECTED_PERIOD = (dt.date(YEAR, 1, 1), dt.date(YEAR, 6, 30))  # the first half-year, checked in summer

# GB 11643 check character: ISO 7064 MOD 11-2 with these weights, remainder → character.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# Areas of birth (county-level codes) for the volunteers' test ID numbers; the first four exist since 1960.
BIRTH_AREAS = ("110105", "110108", "110101", "110102", "130102", "370202", "420106", "510107", "320102",
               "410105", "430104", "610113", "350203", "220102", "330106")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = {
    "male": ("伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "浩然", "子轩", "宇航", "建华", "志刚",
             "国栋", "文博", "俊杰", "振宇", "嘉诚", "晨阳", "思远", "立新", "海峰"),
    "female": ("静", "敏", "丽", "艳", "娟", "霞", "婷", "雪", "慧", "佳", "秀英", "桂兰", "晓燕", "淑珍", "雨桐",
               "欣怡", "梓涵", "诗琪", "春梅", "玉兰", "思琪", "文静", "丽华", "梦瑶"),
}
EVALUATIONS = ("优秀", "优秀", "良好", "良好", "服务认真，服务对象满意", "积极主动，表现突出", "按时到岗，完成服务任务")


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    charter_purpose: str
    credit: str | None  # GB 32100 category of a registered social organization (51 group, 52 private non-profit)
    volunteers: int
    training: tuple[str, str, Decimal]  # the course every volunteer takes before serving: title, provider, hours
    signatories: dict[str, str]  # printed on its certificates: 负责人, 经办人, the organization's contact
    paper_sign_in: bool = False  # records taken on a paper sign-in sheet first, entered later
    everyone_reachable: bool = False  # every volunteer left a phone or an e-mail (else about a third left none)
    kind: str | None = None


def _landline(number: str, office: str) -> str:
    # Landlines of the 010 area in a range no one is given: the contact printed on certificates.
    return f"010-{number} 0000（{office}）"


ORGS = (
    OrgSpec("association", "北京市朝阳区阳光志愿者协会",
            "弘扬奉献、友爱、互助、进步的志愿精神，组织会员开展敬老助残、文化服务、健康宣传等志愿服务活动，"
            "促进社区和谐与社会文明进步。", "51", 12,
            ("志愿服务通用培训", "朝阳区志愿服务联合会", Decimal(2)),
            {"person_in_charge": "王建国", "handler": "周晓梅", "contact": _landline("8579", "协会秘书处")}),
    OrgSpec("community", "北京市朝阳区东湖街道望花路东里社区居民委员会志愿服务队",
            "组织社区居民就近就便开展环境清洁、邻里互助、关爱老人和健康宣传等志愿服务，服务社区居民。", None, 8,
            ("社区志愿服务安全与垃圾分类指导培训", "东湖街道社区服务中心", Decimal("1.5")),
            {"person_in_charge": "赵桂兰", "handler": "孙晓燕", "contact": _landline("6437", "社区居委会")},
            paper_sign_in=True, kind="internal_team"),
    # The clean one: complete basic information, every record evaluated and entered on time, payments declared
    # and within the subsidy, training and awards on the record.
    OrgSpec("clean", "北京市朝阳区晨光志愿服务中心",
            "组织志愿者开展助老、助残、关爱儿童和社区环境等志愿服务，规范记录志愿服务信息，弘扬志愿精神。",
            "52", 15, ("志愿服务基础与助老服务技能培训", "朝阳区志愿服务联合会", Decimal(3)),
            {"person_in_charge": "林慧敏", "handler": "郑雨桐", "contact": _landline("8457", "中心办公室")},
            everyone_reachable=True),
    # The one with planted violations (see ACTIVITIES and _Season.plant_* below).
    OrgSpec("planted", "北京市朝阳区启航青少年发展服务中心",
            "为青少年提供课外教育、社会实践和研学交流服务，组织开展公益活动。", "52", 10,
            ("青少年活动安全培训", "启航青少年发展服务中心", Decimal(1)),
            {"person_in_charge": "韩立军", "handler": "宋佳", "contact": _landline("6436", "中心前台")}),
    OrgSpec("green", "北京市朝阳区绿色家园环保志愿者协会",
            "组织会员开展河湖清洁、垃圾分类宣传等环境保护志愿服务，倡导绿色生活方式。", "51", 6,
            ("环保志愿服务入门培训", "朝阳区志愿服务联合会", Decimal(2)),
            {"person_in_charge": "吴海峰", "handler": "黄丽", "contact": _landline("6591", "协会办公室")}),
    OrgSpec("neighbours", "北京市朝阳区麦子店街道枣营南里社区居民委员会志愿服务队",
            "组织社区居民开展邻里互助、环境清洁等志愿服务。", None, 5,
            ("社区志愿服务安全培训", "麦子店街道社区服务中心", Decimal(1)),
            {"person_in_charge": "冯桂英", "handler": "田静", "contact": _landline("6506", "社区居委会")},
            paper_sign_in=True, kind="internal_team"),
    OrgSpec("elders", "北京市朝阳区乐龄助老志愿者协会",
            "组织会员开展探访独居老人、助老助餐等志愿服务，弘扬敬老爱老的志愿精神。", "51", 6,
            ("助老志愿服务技能培训", "朝阳区志愿服务联合会", Decimal(2)),
            {"person_in_charge": "潘建华", "handler": "许文静", "contact": _landline("8471", "协会办公室")}),
)

# What the pre-check finds for each planted violation: its finding code → the form row it belongs to.
PLANTED_ROWS = {
    "volunteer_basic_info_incomplete": "basic_info",
    "records_without_evaluation": "evaluation",
    "late_record": "within_10_working_days",
    "paper_entered_late": "paper_entered",
    "pay_beyond_subsidy": "pay_beyond_subsidy",
    "ineligible_fee_charging_trip": "not_volunteering",
    "fee_charging_activity": "profit_under_volunteer_name",  # a note, not a problem: see PLANTED_NOTES
    "certificate_fails_verification": "certificates_verifiable",
    "burst_of_entries": "matches_reality",
    "hours_far_above_norm": "matches_reality",
}
# Planted violations the pre-check notes for the visit rather than calls a problem: a fee is not yet profit, so
# whether the study tour made money under the name of volunteering is for the accounts seen on site.
PLANTED_NOTES = frozenset({"fee_charging_activity"})
PROBLEM_ROWS = sorted({row for code, row in PLANTED_ROWS.items() if code not in PLANTED_NOTES})
# Which records of a planted activity are the evidence: all of them, or the one of the first volunteer.
_FIRST_RECORD_ONLY = frozenset({"pay_beyond_subsidy", "hours_far_above_norm"})
_ACTIVITY_PLANTS = frozenset({"ineligible_fee_charging_trip", "fee_charging_activity"})


def nth_saturday(month: int, n: int) -> dt.date:
    first = dt.date(YEAR, month, 1)
    day = first + dt.timedelta(days=(5 - first.weekday()) % 7 + 7 * (n - 1))
    if day.month != month:
        raise ValueError(f"{YEAR}-{month:02d} has no Saturday number {n}")
    return day


@dataclass(frozen=True)
class ActivitySpec:
    org: str
    day: dt.date
    start: tuple[int, int]
    hours: Decimal
    name: str
    place: str
    recipients: str
    content: str
    leader: str
    recorder: str
    category: str
    fee: Decimal = Decimal(0)  # charged to participants (元)
    subsidy: Decimal = Decimal(0)  # necessary subsidy per volunteer (元: meals, transport), paid and declared
    entry_delay_days: int = 2  # when the records are entered after the activity ends
    team: tuple[int, int] = (4, 8)  # how many volunteers take part, at least and at most
    paper: bool | None = None  # a paper sign-in sheet (None: as the organization usually does)
    evaluated: bool = True  # each record carries a service evaluation
    entered_at: dt.datetime | None = None  # the records entered at this instant instead of after the delay
    overpaid: Decimal | None = None  # the first volunteer is paid this instead of the subsidy
    shift: Decimal | None = None  # everyone but the first volunteer serves a shift of these hours
    plants: tuple[str, ...] = ()  # the violations planted with this activity (PLANTED_ROWS codes)


sat = nth_saturday
_AFTER_SCHOOL = ("青少年课后陪伴", "启航中心活动室", "社区双职工家庭儿童", "课后看护，陪伴完成作业，组织体育游戏",
                 "韩立军", "宋佳", "关爱儿童")

ACTIVITIES = (
    ActivitySpec("association", sat(3, 2), (9, 0), Decimal(3), "敬老院探访", "朝阳区东湖街道康乐敬老院",
                 "敬老院入住老人", "陪伴老人聊天、读报，协助整理房间，表演文艺节目", "刘志强", "陈静", "敬老助残"),
    ActivitySpec("association", sat(4, 2), (14, 0), Decimal("2.5"), "图书馆导读", "朝阳区图书馆少儿阅览室",
                 "社区儿童及家长", "绘本共读，借阅指导，图书整理上架", "陈静", "周晓梅", "文化服务"),
    ActivitySpec("association", sat(5, 3), (9, 0), Decimal(4), "助残陪伴", "朝阳区温馨家园残疾人职业康复站",
                 "智力及肢体残疾学员", "陪同康复训练，指导手工制作，协助午餐", "刘志强", "陈静", "敬老助残"),
    ActivitySpec("association", sat(6, 2), (9, 30), Decimal(2), "防疫宣传", "朝阳区东湖街道社区卫生服务中心门前广场",
                 "社区居民", "发放夏季传染病防治宣传册，讲解洗手与疫苗接种知识，协助老人预约接种",
                 "王建国", "周晓梅", "卫生健康", subsidy=Decimal(30)),
    ActivitySpec("association", sat(7, 3), (9, 0), Decimal(3), "敬老院探访", "朝阳区东湖街道康乐敬老院",
                 "敬老院入住老人", "为老人理发、剪指甲，陪同散步，组织手指操", "刘志强", "陈静", "敬老助残"),
    ActivitySpec("association", sat(8, 2), (9, 0), Decimal(3), "暑期儿童安全课堂", "朝阳区东湖街道社区活动中心",
                 "社区儿童", "讲解防溺水、防诈骗和交通安全知识，组织情景演练", "王建国", "周晓梅", "关爱儿童"),
    ActivitySpec("association", sat(8, 4), (14, 0), Decimal(3), "图书馆导读（暑期）", "朝阳区图书馆少儿阅览室",
                 "暑期来馆的中小学生", "暑期阅读分享会，指导使用电子阅览室，整理归还图书", "陈静", "周晓梅",
                 "文化服务"),
    ActivitySpec("association", sat(9, 3), (9, 0), Decimal("3.5"), "助残陪伴", "朝阳区温馨家园残疾人职业康复站",
                 "智力及肢体残疾学员", "组织园艺康复活动，陪同户外散步，协助午餐", "王建国", "陈静", "敬老助残"),
    ActivitySpec("association", sat(10, 3), (9, 0), Decimal(3), "敬老院探访", "朝阳区东湖街道康乐敬老院",
                 "敬老院入住老人", "秋季健康讲座，协助测量血压，陪伴老人包饺子", "刘志强", "周晓梅", "敬老助残"),
    ActivitySpec("community", sat(3, 3), (9, 0), Decimal(2), "社区环境清洁", "望花路东里社区中心花园及各楼道",
                 "社区居民", "清理楼道杂物和小广告，捡拾绿地垃圾，擦拭健身器材", "赵桂兰", "孙晓燕", "环境保护"),
    ActivitySpec("community", sat(4, 4), (14, 0), Decimal("2.5"), "防疫宣传", "望花路东里社区居委会活动室及各单元门口",
                 "社区居民", "张贴春季防病海报，入户发放宣传页，解答居民疑问", "赵桂兰", "孙晓燕", "卫生健康"),
    ActivitySpec("community", sat(5, 5), (9, 0), Decimal(3), "垃圾分类指导", "望花路东里社区垃圾分类驿站",
                 "社区居民", "桶前值守，指导居民分类投放，讲解厨余垃圾破袋要求", "马卫东", "孙晓燕", "环境保护"),
    ActivitySpec("community", sat(7, 2), (8, 30), Decimal(2), "社区环境清洁", "望花路东里社区中心花园及各楼道",
                 "社区居民", "清理雨后积水和落叶，清扫非机动车棚", "马卫东", "孙晓燕", "环境保护"),
    ActivitySpec("community", sat(8, 5), (14, 0), Decimal(3), "独居老人探访", "望花路东里社区独居、空巢老人家中",
                 "独居、空巢老人", "上门探访，协助测量血压，代购生活用品，检查燃气与用电安全", "赵桂兰", "孙晓燕",
                 "敬老助残"),
    ActivitySpec("community", sat(10, 4), (9, 0), Decimal(4), "社区环境清洁（秋季大扫除）", "望花路东里社区全域",
                 "社区居民", "清理楼顶和地下室堆物，修剪绿篱，清洗宣传栏", "赵桂兰", "孙晓燕", "环境保护"),
    # The clean organization: a monthly programme, a meal subsidy paid and declared on every record.
    ActivitySpec("clean", sat(3, 4), (9, 0), Decimal(3), "助老餐桌服务", "朝阳区望京街道晨光社区老年餐桌",
                 "社区高龄、独居老人", "协助备餐、分餐，为行动不便的老人送餐上门，餐后清洁", "林慧敏", "郑雨桐",
                 "敬老助残", subsidy=Decimal(20), team=(5, 8)),
    ActivitySpec("clean", sat(4, 3), (14, 0), Decimal("2.5"), "儿童绘本共读", "晨光社区儿童之家",
                 "社区儿童", "绘本共读，手工课，陪伴完成作业", "郑雨桐", "林慧敏", "关爱儿童", subsidy=Decimal(20),
                 team=(5, 8)),
    ActivitySpec("clean", sat(5, 3), (9, 0), Decimal(3), "助老餐桌服务", "朝阳区望京街道晨光社区老年餐桌",
                 "社区高龄、独居老人", "协助备餐、分餐，陪伴老人用餐，测量血压", "林慧敏", "郑雨桐", "敬老助残",
                 subsidy=Decimal(20), team=(5, 8)),
    ActivitySpec("clean", sat(6, 3), (9, 0), Decimal(2), "社区环境清洁", "晨光社区中心花园",
                 "社区居民", "清理绿地垃圾，擦拭健身器材，清扫楼门口", "郑雨桐", "林慧敏", "环境保护",
                 subsidy=Decimal(20), team=(5, 8)),
    ActivitySpec("clean", sat(7, 3), (9, 0), Decimal(3), "助残康复陪伴", "朝阳区温馨家园残疾人职业康复站",
                 "智力及肢体残疾学员", "陪同康复训练，指导手工编织，协助午餐", "林慧敏", "郑雨桐", "敬老助残",
                 subsidy=Decimal(20), team=(5, 8)),
    ActivitySpec("clean", sat(9, 3), (9, 0), Decimal(3), "助老餐桌服务", "朝阳区望京街道晨光社区老年餐桌",
                 "社区高龄、独居老人", "协助备餐、分餐，为老人送餐上门", "林慧敏", "郑雨桐", "敬老助残",
                 subsidy=Decimal(20), team=(5, 8)),
    ActivitySpec("clean", sat(10, 3), (9, 0), Decimal(3), "重阳敬老探访", "晨光社区高龄老人家中",
                 "社区高龄老人", "重阳节上门探访，送去重阳糕，陪老人聊天", "林慧敏", "郑雨桐", "敬老助残",
                 subsidy=Decimal(20), team=(5, 8)),
    # The planted organization: one violation of each kind the pre-check can find, all in the inspected period.
    ActivitySpec("planted", sat(3, 2), (9, 0), Decimal(3), "周末课业辅导", "启航中心活动室", "社区困难家庭儿童",
                 "辅导作业，陪伴阅读", "韩立军", "宋佳", "关爱儿童", evaluated=False,
                 plants=("records_without_evaluation",)),
    # A fee-charging study tour recorded as volunteering (Hunan 001 二(二)④; Gangcheng 000 五(1)2(11), 2(12)).
    ActivitySpec("planted", sat(4, 2), (8, 0), Decimal(6), "春季研学志愿营", "北京市昌平区十三陵景区",
                 "参加研学营的中学生", "参观明十三陵，讲解历史知识，撰写研学报告，景区捡拾垃圾", "韩立军", "宋佳",
                 "文化服务", fee=Decimal(980), plants=("ineligible_fee_charging_trip", "fee_charging_activity")),
    # One volunteer paid well beyond the declared meal subsidy (Gangcheng 000 五(1)2(10)).
    ActivitySpec("planted", sat(4, 4), (9, 0), Decimal(2), "社区防诈骗宣传", "朝阳区望京街道社区广场", "社区居民",
                 "发放防诈骗宣传册，讲解常见骗局", "宋佳", "韩立军", "社区服务", subsidy=Decimal(30),
                 overpaid=Decimal(300), plants=("pay_beyond_subsidy",)),
    # A paper sign-in sheet entered five weeks later (及时录入, Gangcheng 000 五(1)1(8)).
    ActivitySpec("planted", sat(5, 2), (9, 0), Decimal(3), "敬老院探访", "朝阳区望京街道敬老院", "敬老院入住老人",
                 "陪伴老人聊天，协助整理房间", "韩立军", "宋佳", "敬老助残", paper=True, entry_delay_days=34,
                 plants=("paper_entered_late",)),
    # Five evenings "recorded" in one sitting (Gangcheng 000 五(1)2(9): does the record match what happened?).
    *(ActivitySpec("planted", dt.date(YEAR, 5, day), (18, 30), Decimal(2), f"{_AFTER_SCHOOL[0]}（5月{day}日）",
                   *_AFTER_SCHOOL[1:], team=(5, 5), entered_at=dt.datetime(YEAR, 5, 18, 10, 0, tzinfo=CST),
                   plants=("burst_of_entries",)) for day in range(11, 16)),
    # A day-long event where everyone served a four-hour shift, and one record says the whole eleven hours.
    ActivitySpec("planted", dt.date(YEAR, 5, 24), (7, 0), Decimal(11), "城市半程马拉松赛会服务",
                 "朝阳区奥林匹克公园", "参赛选手及观众", "赛道补给站服务，引导观众，赛后清理", "宋佳", "韩立军",
                 "大型赛会", team=(5, 6), shift=Decimal(4), plants=("hours_far_above_norm",)),
    # Records completed three weeks after the activity (Gangcheng 000 五(1)1(7): within 10 working days).
    ActivitySpec("planted", sat(6, 2), (9, 0), Decimal(3), "端午敬老包粽子", "朝阳区望京街道敬老院", "敬老院入住老人",
                 "和老人一起包粽子，表演节目", "韩立军", "宋佳", "敬老助残", entry_delay_days=20,
                 plants=("late_record",)),
    ActivitySpec("green", sat(4, 3), (9, 0), Decimal(3), "温榆河畔垃圾清理", "朝阳区温榆河公园", "公园游客",
                 "捡拾河岸垃圾，劝导不文明行为", "吴海峰", "黄丽", "环境保护", team=(3, 5)),
    ActivitySpec("green", sat(6, 1), (9, 0), Decimal(2), "垃圾分类入户宣传", "朝阳区望京街道花家地社区",
                 "社区居民", "入户发放分类指南，讲解厨余垃圾分类", "吴海峰", "黄丽", "环境保护", team=(3, 5)),
    ActivitySpec("neighbours", sat(4, 4), (14, 0), Decimal(2), "邻里互助理发", "枣营南里社区活动室",
                 "社区老人", "为老人义务理发，测量血压", "冯桂英", "田静", "社区服务", team=(3, 5)),
    ActivitySpec("neighbours", sat(6, 4), (9, 0), Decimal(2), "社区环境清洁", "枣营南里社区各楼道",
                 "社区居民", "清理楼道杂物，擦拭扶手", "冯桂英", "田静", "环境保护", team=(3, 5)),
    ActivitySpec("elders", sat(5, 5), (9, 0), Decimal(3), "独居老人探访", "朝阳区六里屯街道独居老人家中",
                 "独居老人", "上门探访，陪老人聊天，检查用电安全", "潘建华", "许文静", "敬老助残", team=(3, 5)),
    ActivitySpec("elders", sat(9, 4), (9, 0), Decimal(3), "重阳节敬老义诊协助", "朝阳区六里屯街道社区卫生服务站",
                 "社区老人", "协助医生义诊，引导老人排队，讲解慢病防治知识", "潘建华", "许文静", "卫生健康",
                 team=(3, 5)),
)

# The inspectors the registry appoints for the county; the last one declared a conflict of interest with the
# planted organization (a relative sits on its board) before the draw, and is never drawn for it.
INSPECTORS = ("马晓东", "钱丽萍", "孙志明", "周建平")
CONFLICTED = "周建平"


class DemoError(VledgerError):
    code = "demo"


class DemoClock:
    """The demo's time: set forward step by step, never back, never past the real time."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = min(start, utc_now())

    def __call__(self) -> dt.datetime:
        return self.now

    def at(self, when: dt.datetime) -> None:
        # Strictly forward, so that steps keep their order even when they cannot be dated in the past (an instance
        # initialized earlier): a key rotated "after" a certificate must be after it. A microsecond per step never
        # overtakes the real time, which moves on by more while each step runs.
        self.now = max(self.now + dt.timedelta(microseconds=1), min(when, utc_now()))


SEASON_START = dt.datetime(YEAR, 2, 20, 9, 0, tzinfo=CST)
SEASON_END = dt.datetime(YEAR, 11, 16, 12, 0, tzinfo=CST)  # the last step of the season


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(YEAR, month, day, hour, minute, tzinfo=CST)


def id_check_char(first17: str) -> str:
    """GB 11643: ISO 7064 MOD 11-2 over the first 17 digits."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def sample_id_number(rng: random.Random, gender: str) -> str:
    """A well-formed test resident ID number: area, birth date 1960-2008, sequence (odd = male), check char."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange((dt.date(2008, 12, 31) - dt.date(1960, 1, 1)).days))
    sequence = rng.randrange(0, 1000)
    if (sequence % 2 == 1) != (gender == "male"):
        sequence = (sequence + 1) % 1000
    # Many county codes were assigned in the 1980s: take an area that existed in the year of birth.
    for area in rng.sample(BIRTH_AREAS, len(BIRTH_AREAS)):
        first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
        number = first17 + id_check_char(first17)
        if ric.is_valid(number):  # the independent implementation must agree
            return number
    raise AssertionError("BIRTH_AREAS holds Beijing districts, which exist for every birth year")


def sample_credit_code(rng: random.Random, region_code: str, category: str = "51") -> str:
    """A well-formed GB 32100 code of a civil-affairs organization (51 social group, 52 private non-profit
    unit): category, region, GB 11714 code, mod-31 check."""
    body = "".join(str(rng.randrange(10)) for _ in range(8))
    # GB 11714 organization code check character: weights 3 7 9 10 5 8 4 2, 11 − sum mod 11 (10 → X, 11 → 0).
    c = 11 - sum(int(d) * w for d, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    first17 = f"{category}{region_code}{body}{'X' if c == 10 else '0' if c == 11 else c}"
    return str(uscc.validate(first17 + uscc.calc_check_digit(first17)))


def people(rng: random.Random, count: int, taken: set[str]) -> list[tuple[str, str]]:
    """(name, gender) pairs, unique across the demo."""
    out: list[tuple[str, str]] = []
    while len(out) < count:
        gender = ("male", "female")[len(out) % 2]
        name = rng.choice(SURNAMES) + rng.choice(GIVEN[gender])
        if name not in taken:
            taken.add(name)
            out.append((name, gender))
    return out


def page_url(settings: Settings, payload: str) -> str:
    return f"{settings.public_url}/V/{payload}"


def run_demo(settings: Settings) -> int:
    """Create the demo instance (initializing the data directory if needed) or show the existing one."""
    marker = settings.data_dir / DEMO_FILE
    if marker.exists():
        demo = json.loads(marker.read_text(encoding="utf-8"))
        print(f"{settings.data_dir} already holds the demo (created {demo['created_at']}); reusing it")
        app = VledgerApplication(settings)
        try:
            _verify_all(app, demo["certificates"])  # today's verdicts: a certificate may have been revoked since
            root_key = _export_key_directory(app)
        finally:
            app.close()
        _print_summary(settings, demo, marker, root_key)
        return 0

    if Instance.exists(settings.data_dir):
        token_file = settings.data_dir / ADMIN_TOKEN_FILE
        if not token_file.exists():
            raise DemoError(f"{settings.data_dir} is initialized but holds no {ADMIN_TOKEN_FILE}: "
                            "the demo needs the registry token")
        # Its keys were registered at the real time: nothing may be dated before them.
        clock = DemoClock(utc_now())
        app = VledgerApplication(settings, clock)
        token = token_file.read_text(encoding="utf-8").strip()
        replayed = False
    else:
        clock = DemoClock(SEASON_START)
        app, token, generated = VledgerApplication.initialize(settings, clock)
        announce_initialized(settings.data_dir, token, generated)
        replayed = clock.now == SEASON_START and utc_now() > SEASON_END
    try:
        demo = _Season(app, app.authenticate(token), clock, replayed=replayed).populate()
    finally:
        app.close()
    write_private_file(marker, (json.dumps(demo, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    # The key directory is issued at the real time (not the demo clock's): its lifetime starts now.
    app = VledgerApplication(settings)
    try:
        root_key = _export_key_directory(app)
    finally:
        app.close()
    _print_summary(settings, demo, marker, root_key)
    return 0


@dataclass(order=True)
class _Step:
    when: dt.datetime
    seq: int
    weight: int = field(compare=False)
    run: Callable[[], Any] = field(compare=False)


class _Season:
    """The demo's year as dated steps, run in date order on the demo clock."""

    def __init__(self, app: VledgerApplication, registry: Principal, clock: DemoClock, *, replayed: bool) -> None:
        self.app = app
        self.registry = registry
        self.clock = clock
        self.replayed = replayed
        self.rng = random.Random(SEED)
        self.steps: list[_Step] = []
        self.specs = {o.key: o for o in ORGS}
        self.orgs: dict[str, dict[str, Any]] = {}
        self.principals: dict[str, Principal] = {}
        self.reachable: set[str] = set()  # volunteers who left a phone or an e-mail
        self.records: dict[str, list[dict[str, Any]]] = {}  # volunteer id → its records
        self.all_records: list[dict[str, Any]] = []
        self.certificates: list[dict[str, Any]] = []
        self.planted: dict[str, dict[str, Any]] = {}  # finding code → its form row and the planted ids
        self.activity_ids: dict[ActivitySpec, str] = {}
        self.pending: dict[str, Any] = {}  # correction requests waiting for the organization
        self.wrong: dict[str, Any] = {}  # the certificate issued for the wrong period
        self.requests: dict[str, dict[str, Any]] = {}
        self.inspectors: list[dict[str, Any]] = []
        self.inspector_principals: dict[str, Principal] = {}
        self.draw: dict[str, Any] = {}
        self.inspections: dict[str, dict[str, Any]] = {}
        self.rotation: dict[str, Any] = {}
        self.compromise: dict[str, Any] = {}
        self.complaint: dict[str, Any] = {}

    # -- the timeline ---------------------------------------------------------------------------------------

    def at(self, when: dt.datetime, run: Callable[[], Any], weight: int = 1) -> None:
        self.steps.append(_Step(when, len(self.steps), weight, run))

    def populate(self) -> dict[str, Any]:
        self.plan()
        total = sum(s.weight for s in self.steps) + 1
        progress = progress_bar("demo")
        done = 0
        for step in sorted(self.steps):
            self.clock.at(step.when)
            step.run()
            done += step.weight
            progress(done, total)
        result = self.finish()
        progress(total, total)
        return result

    def plan(self) -> None:
        self.at(SEASON_START, self.register, sum(1 + o.volunteers for o in ORGS))
        # Training before the first activity (条例 art.19: training is part of the record).
        self.at(at(3, 7, 16), self.train, sum(o.volunteers for o in ORGS))
        self.at(at(3, 9, 10), self.ask_identification)
        self.at(at(3, 12, 15), self.refuse_identification)
        for spec in ACTIVITIES:
            start = dt.datetime.combine(spec.day, dt.time(*spec.start), CST)
            end = start + dt.timedelta(hours=float(spec.hours))
            self.at(start - dt.timedelta(days=5), partial(self.create_activity, spec))
            self.at(spec.entered_at or end + dt.timedelta(days=spec.entry_delay_days),
                    partial(self.record_activity, spec), spec.team[1])
        self.at(at(5, 20, 10), self.award_clean)
        self.plan_key_compromise()
        self.at(at(6, 20, 20), self.file_complaint)
        self.at(at(6, 24, 10), lambda: self.issue("clean", self.busiest("clean"), "valid"))
        self.plan_certificate_requests()
        self.plan_spot_checks()
        self.at(at(8, 3, 10), self.rotate_association_key)
        self.plan_corrections_and_certificates()

    # -- organizations, volunteers, training, identification ----------------------------------------------

    def register(self) -> None:
        taken: set[str] = set()
        for spec in ORGS:
            created = self.app.register_organization(
                self.registry, name=spec.name, charter_purpose=spec.charter_purpose, region_code=COUNTY,
                credit_code=sample_credit_code(self.rng, COUNTY, spec.credit) if spec.credit else None,
                kind=spec.kind)
            self.principals[spec.key] = self.app.authenticate(created["token"])
            self.orgs[spec.key] = {"key": spec.key, "id": created["id"], "name": spec.name,
                                   "region_code": COUNTY, "identified": created["identified"],
                                   "key_id": created["key_id"], "token": created["token"], "volunteers": []}
            for i, (name, gender) in enumerate(people(self.rng, spec.volunteers, taken)):
                phone = email = None
                if spec.everyone_reachable:
                    if i % 2:
                        phone = f"1390013{self.rng.randrange(10000):04d}"
                    else:
                        email = f"volunteer{i + 1:02d}@example.org"
                elif i % 3:  # not everyone leaves a phone
                    phone = f"1380013{self.rng.randrange(10000):04d}"
                volunteer = self.app.register_volunteer(
                    self.principals[spec.key], UUID(created["id"]), name=name, gender=gender,
                    id_number=sample_id_number(self.rng, gender), phone=phone, email=email)
                self.orgs[spec.key]["volunteers"].append(
                    {k: volunteer[k] for k in ("id", "volunteer_number", "masked_name", "token")})
                if phone or email:
                    self.reachable.add(volunteer["id"])

    def train(self) -> None:
        for spec in ORGS:
            title, provider, hours = spec.training
            for volunteer in self.orgs[spec.key]["volunteers"]:
                self.app.record_training(self.principals[spec.key], UUID(volunteer["id"]), title=title,
                                         provider=provider, date=dt.date(YEAR, 3, 7), hours=hours)

    def ask_identification(self) -> None:
        # The community team asks to be identified as a volunteer organization; it is not a registered social
        # organization, so the registry refuses, with the reason (Hunan 001 二(一)).
        self.app.request_identification(self.principals["community"], UUID(self.orgs["community"]["id"]))

    def refuse_identification(self) -> None:
        self.app.decide_identification(self.registry, UUID(self.orgs["community"]["id"]), decision="refuse",
                                       reason="该服务队未在民政部门登记为社会组织，不适用直接标识；登记后可再次申请")

    # -- activities and records ------------------------------------------------------------------------------

    def create_activity(self, spec: ActivitySpec) -> None:
        start = dt.datetime.combine(spec.day, dt.time(*spec.start), CST)
        activity = self.app.create_activity(
            self.principals[spec.org], UUID(self.orgs[spec.org]["id"]), name=spec.name, start=start,
            end=start + dt.timedelta(hours=float(spec.hours)), place=spec.place, recipients=spec.recipients,
            content=spec.content, leader=spec.leader, recorder=spec.recorder, category=spec.category, fee=spec.fee,
            subsidy=spec.subsidy)
        self.activity_ids[spec] = activity["id"]
        for code in spec.plants:
            if code in _ACTIVITY_PLANTS:
                self._plant(code, "activities", activity["id"])

    def record_activity(self, spec: ActivitySpec) -> None:
        pool = self.orgs[spec.org]["volunteers"]
        team = self.rng.sample(pool, self.rng.randint(spec.team[0], min(spec.team[1], len(pool))))
        paper = (self.specs[spec.org].paper_sign_in if spec.paper is None else spec.paper) \
            and spec.day <= china_date(self.clock())
        for n, volunteer in enumerate(team):
            if spec.shift is not None and n > 0:
                hours = spec.shift
            elif spec.shift is not None:
                hours = spec.hours  # the whole day: far above everyone else's shift
            else:
                hours = spec.hours - self.rng.choice((Decimal(0), Decimal(0), Decimal(0), Decimal("0.5")))
            evaluation = self.rng.choice(EVALUATIONS) if spec.evaluated else None
            payment = spec.overpaid if spec.overpaid is not None and n == 0 else spec.subsidy or None
            record = self.app.record_service(
                self.principals[spec.org], UUID(self.activity_ids[spec]), volunteer_id=UUID(volunteer["id"]),
                hours=hours, content=spec.content, evaluation=evaluation,
                paper_recorded_on=spec.day if paper else None, payment=payment)
            entry = {"id": record["id"], "org": spec.org, "day": spec.day, "hours": hours,
                     "activity_hours": spec.hours, "volunteer": volunteer["id"], "evaluation": evaluation or ""}
            self.records.setdefault(volunteer["id"], []).append(entry)
            self.all_records.append(entry)
            for code in spec.plants:
                if code not in _ACTIVITY_PLANTS and (n == 0 or code not in _FIRST_RECORD_ONLY):
                    self._plant(code, "records", record["id"])

    def _plant(self, code: str, kind: str, ref: str) -> None:
        self.planted.setdefault(code, {"row": PLANTED_ROWS[code]}).setdefault(kind, []).append(ref)

    def busiest(self, org: str, exclude: tuple[str, ...] = ()) -> str:
        """Whoever served most at the organization so far (ties: the first registered)."""
        candidates = [v["id"] for v in self.orgs[org]["volunteers"] if v["id"] in self.records
                      and v["id"] not in exclude]
        return max(candidates, key=lambda v: len([r for r in self.records[v] if r["org"] == org]))

    def award_clean(self) -> None:
        # The clean organization keeps its volunteers' awards on the record too (条例 art.19).
        self.app.record_award(self.principals["clean"], UUID(self.busiest("clean")),
                              title=f"{YEAR - 1}年度朝阳区优秀志愿者", awarded_by="朝阳区志愿服务联合会",
                              date=dt.date(YEAR, 5, 18), level="county")

    # -- certificates ---------------------------------------------------------------------------------------

    def issue(self, org: str, volunteer_id: str, role: str, start: dt.date | None = None,
              end: dt.date | None = None) -> dict[str, Any]:
        signed = self.specs[org].signatories
        issued = self.app.issue_certificate(self.principals[org], UUID(volunteer_id), period_start=start,
                                            period_end=end, person_in_charge=signed["person_in_charge"],
                                            handler=signed["handler"], contact=signed["contact"])
        return self._keep_certificate(org, volunteer_id, role, issued)

    def _keep_certificate(self, org: str, volunteer_id: str, role: str, issued: dict[str, Any]) -> dict[str, Any]:
        cert = {"id": issued["id"], "number": issued["number"], "org_id": self.orgs[org]["id"],
                "volunteer_id": volunteer_id, "hours": issued["hours"], "period_start": issued["period_start"],
                "period_end": issued["period_end"], "payload": issued["qr_text"].rsplit("/V/", 1)[1], "role": role}
        self.certificates.append(cert)
        return cert

    def plan_key_compromise(self) -> None:
        """The planted organization's signing key leaks (a backup disk is lost): it reports the key compromised
        since 1 June. A certificate signed before stays valid with a warning; one signed after is forged to every
        verifier — the pre-check's row "can it be verified through the system" (§五(2)1(2)) finds it."""
        since = at(6, 1, 0)

        signed: list[dt.datetime] = []

        def before() -> None:
            self.issue("planted", self.busiest("planted"), "signed_before_key_compromise")
            signed.append(self.clock())

        def after() -> None:
            cert = self.issue("planted", self.busiest("planted", (self.certificates[-1]["volunteer_id"],)),
                              "signed_after_key_compromise")
            signed.append(self.clock())
            self._plant("certificate_fails_verification", "certificates", cert["id"])

        def revoke() -> None:
            # 1 June lies between the two signatures on the demo clock; at the real time (an instance initialized
            # earlier) the compromise starts with the second one.
            first, second = signed
            revoked = self.app.revoke_key(self.principals["planted"], self.orgs["planted"]["key_id"],
                                          compromised_since=since if first < since <= second else second,
                                          reason="存放签名密钥备份的移动硬盘遗失，自6月1日起密钥可能被他人使用")
            self.compromise = {"org_id": self.orgs["planted"]["id"], "kid": revoked["kid"],
                               "compromised_since": revoked["compromised_since"],
                               "replaced_by": (revoked["replaced_by"] or {}).get("kid")}

        self.at(at(5, 26, 10), before)
        self.at(at(6, 10, 10), after)
        self.at(at(6, 29, 10), revoke)

    def plan_certificate_requests(self) -> None:
        """A volunteer asks for a certificate of the first half-year (a summer programme wants one) and the
        association issues it; another asks for a year in which the team kept no record of them: declined."""
        def ask_fulfilled() -> None:
            volunteer = self.busiest("association")
            asked = self.app.request_certificate(
                self.app.authenticate(self.volunteer_token(volunteer)), UUID(volunteer),
                period_start=dt.date(YEAR, 3, 1), period_end=dt.date(YEAR, 6, 30), purpose="报名暑期社会实践项目")
            self.requests["fulfilled"] = {"id": asked["id"], "volunteer_id": volunteer}

        def fulfil() -> None:
            signed = self.specs["association"].signatories
            issued = self.app.issue_from_request(self.principals["association"],
                                                 UUID(self.requests["fulfilled"]["id"]),
                                                 person_in_charge=signed["person_in_charge"],
                                                 handler=signed["handler"], contact=signed["contact"])
            cert = self._keep_certificate("association", self.requests["fulfilled"]["volunteer_id"],
                                          "requested_before_key_rotation", issued)
            self.requests["fulfilled"]["certificate_number"] = cert["number"]

        def ask_declined() -> None:
            volunteer = self.busiest("community")
            asked = self.app.request_certificate(
                self.app.authenticate(self.volunteer_token(volunteer)), UUID(volunteer),
                period_start=dt.date(YEAR - 1, 1, 1), period_end=dt.date(YEAR - 1, 12, 31), purpose="单位年度考核")
            self.requests["declined"] = {"id": asked["id"], "volunteer_id": volunteer}

        def decline() -> None:
            reason = (f"经核对，{YEAR - 1}年度本服务队没有您的志愿服务记录（本队自{YEAR}年3月起记录），无法出具；"
                      f"如需证明{YEAR}年的服务，请重新申请")
            self.app.decline_certificate_request(self.principals["community"], UUID(self.requests["declined"]["id"]),
                                                 reason=reason)
            self.requests["declined"]["reason"] = reason

        self.at(at(7, 6, 19), ask_fulfilled)
        self.at(at(7, 7, 20), ask_declined)
        self.at(at(7, 8, 10), fulfil)
        self.at(at(7, 9, 15), decline)

    def rotate_association_key(self) -> None:
        # The association rotates its key mid-season: what the old key signed stays valid.
        rotated = self.app.rotate_key(self.principals["association"], UUID(self.orgs["association"]["id"]))
        self.rotation = {"org_id": self.orgs["association"]["id"], "retired_kid": rotated["retired"]["kid"],
                         "new_kid": rotated["key"]["kid"], "at": self.clock().isoformat()}

    def plan_corrections_and_certificates(self) -> None:
        self.at(at(10, 30, 10), self.corrections, 3)
        self.at(at(11, 2, 9, 30), self.amend_from_correction)
        self.at(at(11, 2, 10), self.decline_and_reevaluate, 2)
        self.at(at(11, 4, 10), self.awards_and_evaluations, 2)
        self.at(at(11, 5, 10), self.certificates_of_the_year, 5)
        self.at(at(11, 6, 14), self.revoke_wrong_certificate)
        self.at(at(11, 12, 11), self.amend_after_issuance)
        self.at(at(11, 16, 9), self.inspector_reads)

    def corrections(self) -> None:
        # Corrections before any certificate of the year: the history keeps the old values and the reason.
        shortened = next(r for r in self.all_records if r["org"] == "community" and r["hours"] == r["activity_hours"])
        self.app.amend_record(self.principals["community"], UUID(shortened["id"]), hours=shortened["hours"] - 1,
                              reason="纸质签到表核对后更正时长")
        shortened["hours"] -= 1
        # A volunteer finds a gap and asks for a correction; the organization checks and amends (办法: 纠错).
        added = next(r for r in self.all_records if r["org"] == "association" and r["day"].month == 5)
        correction = self.app.request_correction(
            self.app.authenticate(self.volunteer_token(added["volunteer"])), UUID(added["id"]),
            content="陪同康复训练，指导手工制作，协助午餐；活动结束后协助清洁康复站活动室",
            reason="活动结束后我还协助清洁了康复站活动室，记录里漏记了")
        self.pending = {"added": added, "correction": correction["id"]}
        # Another asks for more hours than the sign-in sheet shows.
        disputed = next(r for r in self.all_records if r["org"] == "community" and r["hours"] < r["activity_hours"])
        asked = self.app.request_correction(self.app.authenticate(self.volunteer_token(disputed["volunteer"])),
                                            UUID(disputed["id"]), hours=disputed["activity_hours"],
                                            reason="我记得一直服务到活动结束")
        self.pending.update(disputed=disputed, asked=asked["id"])

    def amend_from_correction(self) -> None:
        self.app.amend_record(self.principals["association"], UUID(self.pending["added"]["id"]),
                              content="陪同康复训练，指导手工制作，协助午餐；活动结束后协助清洁康复站活动室",
                              reason="志愿者反映漏记服务内容，经活动负责人核实后补充",
                              correction_id=UUID(self.pending["correction"]))

    def decline_and_reevaluate(self) -> None:
        self.app.decline_correction(self.principals["community"], UUID(self.pending["disputed"]["id"]),
                                    UUID(self.pending["asked"]),
                                    reason="经核对纸质签到表，签退时间早于活动结束半小时，记录时长无误")
        rated = next(r for r in self.all_records if r["org"] == "association" and r["day"].month == 8
                     and r["evaluation"] != "优秀")
        self.app.amend_record(self.principals["association"], UUID(rated["id"]), evaluation="优秀",
                              reason="活动负责人复核签到表与服务对象反馈后更正服务评价")

    def awards_and_evaluations(self) -> None:
        # Recognition for the year's most active volunteer, and the season's evaluations (条例 art.19).
        a, b = self.busiest("association"), self.busiest("association", (self.busiest("association"),))
        self.app.record_award(self.principals["association"], UUID(a), title=f"{YEAR}年度朝阳区优秀志愿者",
                              awarded_by="朝阳区志愿服务联合会", date=dt.date(YEAR, 11, 3), level="county")
        for volunteer in self.orgs["association"]["volunteers"]:
            if volunteer["id"] in self.records:
                self.app.record_evaluation(self.principals["association"], UUID(volunteer["id"]),
                                           period_start=dt.date(YEAR, 3, 1), period_end=dt.date(YEAR, 10, 31),
                                           rating="excellent" if volunteer["id"] in (a, b) else "good")

    def certificates_of_the_year(self) -> None:
        # Whoever served most at each organization asks for one, signed with the association's new key.
        a = self.busiest("association")
        b = self.busiest("association", (a,))
        c = self.busiest("community")
        self.wrong = self.issue("association", a, "revoked", dt.date(YEAR, 3, 1), dt.date(YEAR, 6, 30))
        self.issue("association", a, "valid", dt.date(YEAR, 3, 1), dt.date(YEAR, 10, 31))
        self.issue("association", b, "amended_after_issuance")
        self.issue("community", c, "valid")
        self.issue("community", self.busiest("community", (c,)), "valid")

    def revoke_wrong_certificate(self) -> None:
        self.app.revoke_certificate(self.principals["association"], UUID(self.wrong["id"]),
                                    reason="出具时服务期间选择有误，已按志愿者申请的期间重新出具")

    def amend_after_issuance(self) -> None:
        # A correction after issuance: that certificate stays valid but verifiers are told, with what changed.
        warned = next(c for c in self.certificates if c["role"] == "amended_after_issuance")
        fixed = next(r for r in self.records[warned["volunteer_id"]] if r["org"] == "association" and r["hours"] > 1)
        self.app.amend_record(self.principals["association"], UUID(fixed["id"]),
                              hours=fixed["hours"] - Decimal("0.5"),
                              reason="纸质签到表核对后更正时长（签退时间登记有误）")

    def inspector_reads(self) -> None:
        # An inspector's read of a volunteer's data is itself on the record (the volunteer sees it).
        self.app.get_volunteer(self.inspector_principals[self.inspectors[0]["id"]],
                               UUID(self.busiest("community")))

    def volunteer_token(self, volunteer_id: str) -> str:
        return volunteer_token(self.orgs, volunteer_id)

    # -- spot checks (issue 6) --------------------------------------------------------------------------------

    def file_complaint(self) -> None:
        # A volunteer who went on the study tour complains about the records (Gangcheng 000 三: checked that year).
        tour = next(s for s in ACTIVITIES if "fee_charging_activity" in s.plants)
        volunteer = next(r["volunteer"] for r in self.all_records if r["org"] == "planted" and r["day"] == tour.day)
        filed = self.app.file_complaint(
            self.app.authenticate(self.volunteer_token(volunteer)), UUID(self.orgs["planted"]["id"]),
            about="records", text="参加春季研学营每人交了980元，机构却把研学时间登记成了我的志愿服务时长；"
                                  "另外几次课后陪伴活动的记录是几周后一次性补录的，时间对不上。")
        self.complaint = {"id": filed["id"], "org_id": filed["org_id"], "year": filed["year"]}

    def plan_spot_checks(self) -> None:
        self.at(at(7, 15, 9), self.appoint_inspectors, len(INSPECTORS))
        self.at(at(7, 20, 10), self.publish_draw)
        self.at(at(7, 20, 10, 5), self.draw_targets)
        self.at(at(7, 20, 10, 10), self.draw_inspectors)
        self.at(at(7, 22, 9), self.plan_inspections, 2)
        self.at(at(7, 23, 10), self.declare_no_conflicts, 4)
        self.at(at(7, 24, 10), self.import_precheck, 2)
        self.at(at(8, 4, 9, 30), lambda: self.visit("planted"), 3)
        self.at(at(8, 11, 9, 30), lambda: self.visit("clean"), 3)

    def appoint_inspectors(self) -> None:
        for name in INSPECTORS:
            appointed = self.app.appoint_inspector(self.registry, name=name, region_code=COUNTY)
            self.inspectors.append({"id": appointed["id"], "name": name, "token": appointed["token"]})
            self.inspector_principals[appointed["id"]] = self.app.authenticate(appointed["token"])

    def publish_draw(self) -> None:
        published = self.app.publish_draw_seed(self.registry, region=COUNTY, year=china_date(self.clock()).year,
                                               seed_hex=DRAW_SEED_HEX, seed_source=DRAW_SEED_SOURCE,
                                               quota=DRAW_QUOTA)
        self.draw = {"id": published["id"], "region": COUNTY, "year": published["year"],
                     "seed_hex": published["seed_hex"], "quota": DRAW_QUOTA}

    def draw_targets(self) -> None:
        drawn = self.app.draw_targets(self.registry, UUID(self.draw["id"]))
        names = {o["id"]: o["name"] for o in self.orgs.values()}
        self.draw["targets"] = [{"org_id": t["org_id"], "name": names.get(t["org_id"], t["org_id"]),
                                 "reasons": t["reasons"]} for t in drawn["targets"]]
        targeted = {t["org_id"] for t in drawn["targets"]}
        missing = [k for k in ("planted", "clean") if self.orgs[k]["id"] not in targeted]
        if missing:
            raise DemoError(f"the draw did not select the demo's {' and '.join(missing)} organization")

    def draw_inspectors(self) -> None:
        conflicted = next(UUID(i["id"]) for i in self.inspectors if i["name"] == CONFLICTED)
        self.draw["teams"] = {}
        for key in ("planted", "clean"):
            drawn = self.app.draw_inspectors_for(self.registry, UUID(self.draw["id"]), UUID(self.orgs[key]["id"]),
                                                 conflicts=[{"inspector_id": conflicted, "reason": "亲属任该组织理事"}]
                                                 if key == "planted" else [])
            self.draw["teams"][key] = drawn["inspectors"]
        self.draw["conflict"] = {"inspector_id": str(conflicted), "org_id": self.orgs["planted"]["id"]}

    def plan_inspections(self) -> None:
        for key, day in (("planted", dt.date(YEAR, 8, 4)), ("clean", dt.date(YEAR, 8, 11))):
            planned = self.app.plan_inspection(
                self.registry, org_id=UUID(self.orgs[key]["id"]), period_start=INSPECTED_PERIOD[0],
                period_end=INSPECTED_PERIOD[1], planned_on=day, place=f"{self.orgs[key]['name']}办公场所",
                inspectors=[UUID(i) for i in self.draw["teams"][key]], basis="draw", draw_id=UUID(self.draw["id"]))
            self.inspections[key] = {"id": planned["id"], "org_id": self.orgs[key]["id"],
                                     "team": self.draw["teams"][key]}

    def declare_no_conflicts(self) -> None:
        for inspection in self.inspections.values():
            for member in inspection["team"]:
                self.app.declare_conflict(self.inspector_principals[member], UUID(inspection["id"]), conflict=False)

    def import_precheck(self) -> None:
        """Before the visit, a team member imports the online pre-check's findings into the form."""
        for inspection in self.inspections.values():
            imported = self.app.import_precheck_findings(self.inspector_principals[inspection["team"][0]],
                                                         UUID(inspection["id"]))
            inspection["precheck_rows"] = sorted(i["row_id"] for i in imported["imported"])

    def visit(self, key: str) -> None:
        """On site: start, hear the representative, decide as the rules of §七 suggest, order the rectification."""
        inspection = self.inspections[key]
        inspector = self.inspector_principals[inspection["team"][0]]
        inspection_id = UUID(inspection["id"])
        self.app.start_on_site(inspector, inspection_id, credentials_shown=True)
        self.clock.at(self.clock() + dt.timedelta(hours=2))
        person = self.specs[key].signatories["person_in_charge"]
        if not inspection["precheck_rows"]:
            opinion = "无异议。"
        elif key == "planted":
            opinion = ("对检查发现的问题无异议。研学营今后不再登记为志愿服务时长，将补录服务评价和志愿者联系方式，"
                       "纸质签到表按时录入。")
        else:
            opinion = "对检查发现的问题无异议，将按要求整改。"
        self.app.record_opinion(inspector, inspection_id, opinion=opinion, name=person)
        suggested = self.app.get_inspection(inspector, inspection_id)["suggested_result"]
        reasons = {
            "合格": "线上抽查各项均未发现问题；现场抽查纸质签到表、培训记录和补贴发放凭证，与系统记录一致。",
            "责令改正": "线上抽查发现的问题经现场核实属实，依抽查方案第七条责令限期改正。",
            "予以处罚": "线上抽查发现的问题经现场核实属实，且查阅账目确认以志愿服务名义开展营利性活动，"
                        "依抽查方案第七条予以处罚，其余问题一并责令改正。",
        }
        decided = self.app.decide_inspection(inspector, inspection_id, result=suggested, reason=reasons[suggested])
        if suggested == "责令改正":
            self.app.order_rectification(inspector, inspection_id,
                                         deadline=china_date(self.clock()) + dt.timedelta(days=30),
                                         instructions="补录缺失的服务评价和志愿者联系方式，纸质记录在10个工作日内录入。")
        inspection.update(result=decided["result"], suggested=suggested, stage=decided["stage"])

    # -- the end --------------------------------------------------------------------------------------------

    def finish(self) -> dict[str, Any]:
        served = {r["volunteer"] for r in self.all_records if r["org"] == "planted"}
        unreachable = [v["id"] for v in self.orgs["planted"]["volunteers"] if v["id"] in served
                       and v["id"] not in self.reachable]
        for volunteer in unreachable:
            self._plant("volunteer_basic_info_incomplete", "volunteers", volunteer)
        with self.app.read() as c:
            kids = {r["id"]: r["key_id"] for r in c.execute("SELECT id, key_id FROM view_certificates").fetchall()}
        for cert in self.certificates:
            cert["key_id"] = kids[cert["id"]]
        _verify_all(self.app, self.certificates)
        self.check_verdicts()
        if self.replayed:  # at the real time every record is late, and the clean organization is not clean
            self.check_findings()
        return {"created_at": self.clock().isoformat(), "seed": SEED, "organizations": list(self.orgs.values()),
                "activities": len(ACTIVITIES), "records": len(self.all_records), "amendments": 4,
                "inspectors": self.inspectors, "certificates": self.certificates, "requests": self.requests,
                "key_rotation": self.rotation, "key_compromise": self.compromise, "complaint": self.complaint,
                "draw": self.draw, "inspections": self.inspections, "planted": self.planted}

    def check_verdicts(self) -> None:
        """What the demo promises, checked before it says so: the certificates' verdicts."""
        expected = {"valid": "valid", "revoked": "revoked", "amended_after_issuance": "valid_with_warnings",
                    "requested_before_key_rotation": "valid", "signed_before_key_compromise": "valid_with_warnings",
                    "signed_after_key_compromise": "forged"}
        wrong = [c for c in self.certificates if c["verdict"] != expected[c["role"]]]
        if wrong:
            raise DemoError("demo certificates did not verify as expected: " + ", ".join(
                f"{c['number']} is {c['verdict']}, expected {expected[c['role']]}" for c in wrong))

    def check_findings(self) -> None:
        """The spot checks: every planted violation found, nothing found at the clean organization."""
        planted_rows = PROBLEM_ROWS
        if self.inspections["planted"]["precheck_rows"] != planted_rows:
            raise DemoError(f"the pre-check of the planted organization found rows "
                            f"{self.inspections['planted']['precheck_rows']}, expected {planted_rows}")
        if self.inspections["clean"]["precheck_rows"] or self.inspections["clean"]["result"] != "合格":
            raise DemoError("the clean organization's inspection did not pass without findings")


def volunteer_token(orgs: dict[str, dict[str, Any]], volunteer_id: str) -> str:
    return next(str(v["token"]) for o in orgs.values() for v in o["volunteers"] if v["id"] == volunteer_id)


def _verify_all(app: VledgerApplication, certificates: list[dict[str, Any]]) -> None:
    for cert in certificates:
        # The demo checking its own work is not a verifier presenting a certificate: not counted as seen.
        cert["verdict"] = app.verify(page_url(app.settings, cert["payload"]), record=False).verdict


def _export_key_directory(app: VledgerApplication) -> str:
    """Write a fresh signed key directory into the data directory; return the root verifier key that checks it."""
    note = key_directory_note(app, lifetime=dt.timedelta(days=KEY_DIRECTORY_DAYS))
    # Bytes: the signature covers these exact newlines.
    (app.settings.data_dir / KEY_DIRECTORY_FILE).write_bytes(note.encode("utf-8"))
    return str(app.instance.root_key.verifier_key)


def _print_summary(settings: Settings, demo: dict[str, Any], marker: Path, root_key: str) -> None:
    """What the demo holds and where to look. A ``demo.json`` of an earlier version (no requests, rotation or spot
    checks) prints what it has."""
    base = settings.public_url
    certificates = demo["certificates"]
    for org in demo["organizations"]:
        mark = "，已标识为志愿服务组织" if org["identified"] else ""
        print(f"organization {org['name']}（{len(org['volunteers'])} 名志愿者{mark}）: {org['id']}")
    print(f"{demo['activities']} activities, {demo['records']} service records, {demo['amendments']} amendments, "
          f"{len(certificates)} certificates")
    for cert in certificates:
        print(f"  {cert['number']}  {cert['hours']:>6} h  {cert['period_start']} – {cert['period_end']}  "
              f"key {cert.get('key_id', '?')}  {cert['verdict']}")

    def url(role: str) -> str | None:
        found = next((c for c in certificates if c["role"] == role), None)
        return page_url(settings, found["payload"]) if found else None

    valid = next(c for c in certificates if c["role"] == "valid")
    holder = next(i for i, o in enumerate(demo["organizations"]) if o["id"] == valid["org_id"])
    print(f"verify a demo certificate:        {url('valid')}")
    print(f"a revoked certificate:            {url('revoked')}")
    print(f"a record amended after issuance:  {url('amended_after_issuance')}")
    print(f"  what changed since it was issued: {url('amended_after_issuance')}/changes")
    rotation = demo.get("key_rotation")
    if rotation:
        print(f"signed before the key rotation:   {url('requested_before_key_rotation')}"
              f"  (key {rotation['retired_kid']} retired {rotation['at'][:10]}; new key {rotation['new_kid']})")
    if url("signed_after_key_compromise"):
        print(f"signed after a key compromise:    {url('signed_after_key_compromise')}")
    print(f"paste a code or upload a photo:   {base}/verify")
    print(f"the printed certificate (PDF):    {base}/api/v1/certificates/{valid['id']}/pdf  with "
          f"'Authorization: Bearer <organizations[{holder}].token in {marker}>'")
    directory = settings.data_dir / KEY_DIRECTORY_FILE
    print(f"verify offline (key directory valid {KEY_DIRECTORY_DAYS} days, no network):")
    print(f"  vledger verify --offline --keys {shlex.quote(str(directory))} --root-key {shlex.quote(root_key)} "
          f"{url('valid')}")
    requests = demo.get("requests")
    if requests:
        print(f"certificate requests: one fulfilled ({requests['fulfilled']['certificate_number']}), "
              f"one declined with a reason")
    if demo.get("draw"):
        _print_spot_checks(settings, demo, marker)
    else:
        print(f"(made by an earlier vledger, without spot checks: remove {settings.data_dir} to replay the new demo)")
    print(f"tokens: registry in {settings.data_dir / ADMIN_TOKEN_FILE}; organizations, volunteers and inspectors in "
          f"{marker}")


def _print_spot_checks(settings: Settings, demo: dict[str, Any], marker: Path) -> None:
    base = settings.public_url
    draw = demo["draw"]
    year = draw["year"]
    print(f"spot checks {year} in {COUNTY_NAME} ({draw['region']}): seed published ({DRAW_SEED_SOURCE}), "
          f"quota {draw['quota']}")
    print(f"  the draw (re-run it from what it publishes): {base}/api/v1/draws/{draw['id']}")
    for target in draw["targets"]:
        print(f"    {target['name']}: {', '.join(target['reasons'])}")
    for key, inspection in demo["inspections"].items():
        name = next(o["name"] for o in demo["organizations"] if o["key"] == key)
        rows = len(inspection["precheck_rows"])
        print(f"  on-site form of {name} ({inspection['result']}, {rows} row{'' if rows == 1 else 's'} with "
              f"findings): {base}/api/v1/inspections/{inspection['id']}/form.pdf")
    team = demo["inspections"]["planted"]["team"]
    inspector = next(i for i, x in enumerate(demo["inspectors"]) if x["id"] == team[0])
    print(f"  inspector pages:                {base}/inspect  (token: inspectors[{inspector}].token in {marker}, "
          f"{demo['inspectors'][inspector]['name']})")
    print(f"  annual summary:                 {base}/api/v1/reports/spot-checks/{year}.pdf?region={COUNTY}"
          f"&quota={draw['quota']}  (also .csv)")
    print(f"  identified organizations:       {base}/api/v1/reports/identified-organizations/{year}?region={COUNTY}")
