"""`vledger demo`: a realistic instance to look at — two organizations, twenty volunteers, a season of activities,
records, training, awards, evaluations, corrections asked for by volunteers, amendments, screening warnings,
an identification request, an inspector's read and five certificates (one revoked) — made through the same use
cases the HTTP API calls.

The content is deterministic (``random.Random(SEED)``). On a new data directory the demo replays the season on a
demo clock, so each step is dated when it would have happened (records a few days after their activity, as the
10-working-day rule expects); the clock never runs ahead of the real time. On an instance initialized earlier,
steps cannot be dated before its keys, so they take the real time (and the records are then flagged as late).
A marker file ``demo.json`` (mode 0600, it holds tokens) makes a second run print the URLs again instead of
creating a second set. Nothing printed here carries an ID number or a phone number.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from stdnum.cn import ric, uscc

from api.application import VledgerApplication, utc_now
from api.instance import ADMIN_TOKEN_FILE, Instance, announce_initialized
from api.progress import progress_bar
from api.settings import Settings
from domain.access import Principal
from domain.errors import VledgerError
from keys.store import write_private_file

SEED = 20260301
DEMO_FILE = "demo.json"
YEAR = 2026
CST = dt.timezone(dt.timedelta(hours=8))

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
# Training every volunteer takes before serving: (course, provider, hours).
TRAINING = {"association": ("志愿服务通用培训", "朝阳区志愿服务联合会", Decimal(2)),
            "community": ("社区志愿服务安全与垃圾分类指导培训", "学院路街道社区服务中心", Decimal("1.5"))}
EVALUATIONS = ("优秀", "优秀", "良好", "良好", "服务认真，服务对象满意", "积极主动，表现突出", "按时到岗，完成服务任务")


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    charter_purpose: str
    region_code: str
    registered: bool  # a registered social organization has a credit code; a community team has none
    volunteers: int
    paper_sign_in: bool  # records taken on a paper sign-in sheet first, entered later


@dataclass(frozen=True)
class ActivitySpec:
    org: str
    month: int
    saturday: int  # the n-th Saturday of the month: volunteering off working hours
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
    subsidy: Decimal = Decimal(0)  # necessary subsidy per volunteer (元: meals, transport)
    entry_delay_days: int = 2  # when the records are entered after the activity ends


ORGS = (
    OrgSpec("association", "北京市朝阳区阳光志愿者协会",
            "弘扬奉献、友爱、互助、进步的志愿精神，组织会员开展敬老助残、文化服务、健康宣传等志愿服务活动，"
            "促进社区和谐与社会文明进步。", "110105", True, 12, False),
    OrgSpec("community", "北京市海淀区学院路街道和平里社区居民委员会志愿服务队",
            "组织社区居民就近就便开展环境清洁、邻里互助、关爱老人和健康宣传等志愿服务，服务社区居民。",
            "110108", False, 8, True),
)

ACTIVITIES = (
    ActivitySpec("association", 3, 2, (9, 0), Decimal(3), "敬老院探访", "朝阳区东湖街道康乐敬老院",
                 "敬老院入住老人", "陪伴老人聊天、读报，协助整理房间，表演文艺节目", "刘志强", "陈静", "敬老助残"),
    ActivitySpec("association", 4, 2, (14, 0), Decimal("2.5"), "图书馆导读", "朝阳区图书馆少儿阅览室",
                 "社区儿童及家长", "绘本共读，借阅指导，图书整理上架", "陈静", "周晓梅", "文化服务"),
    ActivitySpec("association", 5, 3, (9, 0), Decimal(4), "助残陪伴", "朝阳区温馨家园残疾人职业康复站",
                 "智力及肢体残疾学员", "陪同康复训练，指导手工制作，协助午餐", "刘志强", "陈静", "敬老助残"),
    ActivitySpec("association", 6, 2, (9, 30), Decimal(2), "防疫宣传", "朝阳区东湖街道社区卫生服务中心门前广场",
                 "社区居民", "发放夏季传染病防治宣传册，讲解洗手与疫苗接种知识，协助老人预约接种",
                 "王建国", "周晓梅", "卫生健康", subsidy=Decimal(30)),
    ActivitySpec("association", 7, 3, (9, 0), Decimal(3), "敬老院探访", "朝阳区东湖街道康乐敬老院",
                 "敬老院入住老人", "为老人理发、剪指甲，陪同散步，组织手指操", "刘志强", "陈静", "敬老助残"),
    # Planted for screening: a fee-charging summer study tour run under the name of volunteering (Hunan 001 二(二)4).
    ActivitySpec("association", 8, 2, (9, 0), Decimal(6), "暑期研学志愿营", "北京市延庆区八达岭镇",
                 "参加研学营的中学生", "参观长城，撰写研学报告，景区捡拾垃圾", "王建国", "周晓梅", "文化服务",
                 fee=Decimal(1280)),
    ActivitySpec("association", 8, 4, (14, 0), Decimal(3), "图书馆导读（暑期）", "朝阳区图书馆少儿阅览室",
                 "暑期来馆的中小学生", "暑期阅读分享会，指导使用电子阅览室，整理归还图书", "陈静", "周晓梅",
                 "文化服务"),
    ActivitySpec("association", 9, 3, (9, 0), Decimal("3.5"), "助残陪伴", "朝阳区温馨家园残疾人职业康复站",
                 "智力及肢体残疾学员", "组织园艺康复活动，陪同户外散步，协助午餐", "王建国", "陈静", "敬老助残"),
    ActivitySpec("association", 10, 3, (9, 0), Decimal(3), "敬老院探访", "朝阳区东湖街道康乐敬老院",
                 "敬老院入住老人", "秋季健康讲座，协助测量血压，陪伴老人包饺子", "刘志强", "周晓梅", "敬老助残"),
    ActivitySpec("community", 3, 3, (9, 0), Decimal(2), "社区环境清洁", "和平里社区中心花园及各楼道",
                 "社区居民", "清理楼道杂物和小广告，捡拾绿地垃圾，擦拭健身器材", "赵桂兰", "孙晓燕", "环境保护"),
    ActivitySpec("community", 4, 4, (14, 0), Decimal("2.5"), "防疫宣传", "和平里社区居委会活动室及各单元门口",
                 "社区居民", "张贴春季防病海报，入户发放宣传页，解答居民疑问", "赵桂兰", "孙晓燕", "卫生健康"),
    ActivitySpec("community", 5, 5, (9, 0), Decimal(3), "垃圾分类指导", "和平里社区垃圾分类驿站",
                 "社区居民", "桶前值守，指导居民分类投放，讲解厨余垃圾破袋要求", "马卫东", "孙晓燕", "环境保护"),
    ActivitySpec("community", 7, 2, (8, 30), Decimal(2), "社区环境清洁", "和平里社区中心花园及各楼道",
                 "社区居民", "清理雨后积水和落叶，清扫非机动车棚", "马卫东", "孙晓燕", "环境保护"),
    ActivitySpec("community", 8, 5, (14, 0), Decimal(3), "独居老人探访", "和平里社区独居、空巢老人家中",
                 "独居、空巢老人", "上门探访，协助测量血压，代购生活用品，检查燃气与用电安全", "赵桂兰", "孙晓燕",
                 # Planted: the paper sign-in sheet was entered weeks later (及时录入, Gangcheng 000 五(1)1(8)).
                 "敬老助残", entry_delay_days=24),
    ActivitySpec("community", 10, 4, (9, 0), Decimal(4), "社区环境清洁（秋季大扫除）", "和平里社区全域",
                 "社区居民", "清理楼顶和地下室堆物，修剪绿篱，清洗宣传栏", "赵桂兰", "孙晓燕", "环境保护"),
)


class DemoError(VledgerError):
    code = "demo"


class DemoClock:
    """The demo's time: set forward step by step, never back, never past the real time."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = min(start, utc_now())

    def __call__(self) -> dt.datetime:
        return self.now

    def at(self, when: dt.datetime) -> None:
        self.now = max(self.now, min(when, utc_now()))


SEASON_START = dt.datetime(YEAR, 2, 20, 9, 0, tzinfo=CST)


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


def sample_credit_code(rng: random.Random, region_code: str) -> str:
    """A well-formed GB 32100 code of a civil-affairs social group (51): region, GB 11714 code, mod-31 check."""
    body = "".join(str(rng.randrange(10)) for _ in range(8))
    # GB 11714 organization code check character: weights 3 7 9 10 5 8 4 2, 11 − sum mod 11 (10 → X, 11 → 0).
    c = 11 - sum(int(d) * w for d, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    first17 = f"51{region_code}{body}{'X' if c == 10 else '0' if c == 11 else c}"
    return str(uscc.validate(first17 + uscc.calc_check_digit(first17)))


def nth_saturday(month: int, n: int) -> dt.date:
    first = dt.date(YEAR, month, 1)
    day = first + dt.timedelta(days=(5 - first.weekday()) % 7 + 7 * (n - 1))
    if day.month != month:
        raise ValueError(f"{YEAR}-{month:02d} has no Saturday number {n}")
    return day


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
        finally:
            app.close()
        _print_summary(settings, demo, marker)
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
    else:
        clock = DemoClock(SEASON_START)
        app, token, generated = VledgerApplication.initialize(settings, clock)
        announce_initialized(settings.data_dir, token, generated)
    try:
        demo = _populate(app, app.authenticate(token), clock)
    finally:
        app.close()
    write_private_file(marker, (json.dumps(demo, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    _print_summary(settings, demo, marker)
    return 0


def _populate(app: VledgerApplication, registry: Principal, clock: DemoClock) -> dict[str, Any]:
    rng = random.Random(SEED)
    total = (len(ORGS) + 2 * sum(o.volunteers for o in ORGS)  # registrations and training
             + len(ACTIVITIES) + 8 * len(ACTIVITIES)  # records ≤ 8 each
             + 2 + 4 + 2 + 5 + 1 + 2 + 2)  # identification, amendments, corrections, certificates, revocation,
    # award and evaluations, inspector
    progress = progress_bar("demo")
    done = 0

    def step(n: int = 1) -> None:
        nonlocal done
        done += n
        progress(min(done, total - 1), total)

    orgs: dict[str, dict[str, Any]] = {}
    principals: dict[str, Principal] = {}
    taken: set[str] = set()
    for spec in ORGS:
        created = app.register_organization(
            registry, name=spec.name, charter_purpose=spec.charter_purpose, region_code=spec.region_code,
            credit_code=sample_credit_code(rng, spec.region_code) if spec.registered else None)
        principals[spec.key] = app.authenticate(created["token"])
        orgs[spec.key] = {"id": created["id"], "name": spec.name, "identified": created["identified"],
                          "token": created["token"], "volunteers": []}
        step()
        for i, (name, gender) in enumerate(people(rng, spec.volunteers, taken)):
            volunteer = app.register_volunteer(
                principals[spec.key], UUID(created["id"]), name=name, gender=gender,
                id_number=sample_id_number(rng, gender),
                phone=f"1380013{rng.randrange(10000):04d}" if i % 3 else None)  # not everyone leaves a phone
            orgs[spec.key]["volunteers"].append(
                {k: volunteer[k] for k in ("id", "volunteer_number", "masked_name", "token")})
            step()

    # Training before the first activity (条例 art.19: training is part of the record).
    clock.at(dt.datetime(YEAR, 3, 7, 16, 0, tzinfo=CST))
    for spec in ORGS:
        course = TRAINING[spec.key]
        for volunteer in orgs[spec.key]["volunteers"]:
            app.record_training(principals[spec.key], UUID(volunteer["id"]), title=course[0], provider=course[1],
                                date=dt.date(YEAR, 3, 7), hours=course[2])
            step()

    # The community team asks to be identified as a volunteer organization; it is not a registered social
    # organization, so the registry refuses, with the reason (Hunan 001 二(一)).
    clock.at(dt.datetime(YEAR, 3, 9, 10, 0, tzinfo=CST))
    community_id = UUID(orgs["community"]["id"])
    app.request_identification(principals["community"], community_id)
    step()
    clock.at(dt.datetime(YEAR, 3, 12, 15, 0, tzinfo=CST))
    app.decide_identification(registry, community_id, decision="refuse",
                              reason="该服务队未在民政部门登记为社会组织，不适用直接标识；登记后可再次申请")
    step()

    # Activities and the hours of the volunteers who took part.
    specs = {o.key: o for o in ORGS}
    records: dict[str, list[dict[str, Any]]] = {}  # volunteer id → its records
    all_records: list[dict[str, Any]] = []
    # In the order they happened: an activity is entered the week before, its records a few days after.
    for act in sorted(ACTIVITIES, key=lambda a: nth_saturday(a.month, a.saturday)):
        day = nth_saturday(act.month, act.saturday)
        start = dt.datetime.combine(day, dt.time(*act.start), CST)
        end = start + dt.timedelta(hours=float(act.hours))
        clock.at(start - dt.timedelta(days=5))
        activity = app.create_activity(
            principals[act.org], UUID(orgs[act.org]["id"]), name=act.name, start=start, end=end, place=act.place,
            recipients=act.recipients, content=act.content, leader=act.leader, recorder=act.recorder,
            category=act.category, fee=act.fee, subsidy=act.subsidy)
        step()
        pool = orgs[act.org]["volunteers"]
        team = rng.sample(pool, rng.randint(4, min(8, len(pool))))
        clock.at(end + dt.timedelta(days=act.entry_delay_days))
        paper = specs[act.org].paper_sign_in and day <= app.clock().astimezone(CST).date()
        for n, volunteer in enumerate(team):
            hours = act.hours - rng.choice((Decimal(0), Decimal(0), Decimal(0), Decimal("0.5")))  # some leave early
            evaluation = rng.choice(EVALUATIONS)
            # Planted: one volunteer paid well beyond the declared meal subsidy (条例; Gangcheng 000 五(1)2(10)).
            payment = Decimal(200) if act.subsidy and n == 0 else act.subsidy or None
            record = app.record_service(
                principals[act.org], UUID(activity["id"]), volunteer_id=UUID(volunteer["id"]), hours=hours,
                content=act.content, evaluation=evaluation,
                paper_recorded_on=day if paper else None, payment=payment)
            entry = {"id": record["id"], "org": act.org, "day": day, "hours": hours, "activity_hours": act.hours,
                     "volunteer": volunteer["id"], "evaluation": evaluation}
            records.setdefault(volunteer["id"], []).append(entry)
            all_records.append(entry)
            step()
        step(8 - len(team))

    # Corrections before any certificate: the history keeps the old values and the reason.
    clock.at(dt.datetime(YEAR, 10, 30, 10, 0, tzinfo=CST))
    shortened = next(r for r in all_records if r["org"] == "community" and r["hours"] == r["activity_hours"])
    app.amend_record(principals["community"], UUID(shortened["id"]), hours=shortened["hours"] - 1,
                     reason="纸质签到表核对后更正时长")
    shortened["hours"] -= 1
    step()
    # A volunteer finds a gap and asks for a correction; the organization checks and amends (办法: 纠错).
    added = next(r for r in all_records if r["org"] == "association" and r["day"].month == 5)
    asker = app.authenticate(volunteer_token(orgs, added["volunteer"]))
    correction = app.request_correction(
        asker, UUID(added["id"]), content="陪同康复训练，指导手工制作，协助午餐；活动结束后协助清洁康复站活动室",
        reason="活动结束后我还协助清洁了康复站活动室，记录里漏记了")
    step()
    clock.at(dt.datetime(YEAR, 11, 2, 9, 30, tzinfo=CST))
    app.amend_record(principals["association"], UUID(added["id"]),
                     content="陪同康复训练，指导手工制作，协助午餐；活动结束后协助清洁康复站活动室",
                     reason="志愿者反映漏记服务内容，经活动负责人核实后补充", correction_id=UUID(correction["id"]))
    step()
    # Another asks for more hours than the sign-in sheet shows: declined, with the reason.
    disputed = next(r for r in all_records if r["org"] == "community" and r["hours"] < r["activity_hours"])
    asked = app.request_correction(app.authenticate(volunteer_token(orgs, disputed["volunteer"])),
                                   UUID(disputed["id"]), hours=disputed["activity_hours"],
                                   reason="我记得一直服务到活动结束")
    step()
    app.decline_correction(principals["community"], UUID(disputed["id"]), UUID(asked["id"]),
                           reason="经核对纸质签到表，签退时间早于活动结束半小时，记录时长无误")
    step()
    rated = next(r for r in all_records if r["org"] == "association" and r["day"].month == 8
                 and r["evaluation"] != "优秀")
    app.amend_record(principals["association"], UUID(rated["id"]), evaluation="优秀",
                     reason="活动负责人复核签到表与服务对象反馈后更正服务评价")
    step()

    # Certificates: whoever served most at each organization asks for one.
    def busiest(org: str, exclude: tuple[str, ...] = ()) -> str:
        candidates = [v["id"] for v in orgs[org]["volunteers"] if v["id"] in records and v["id"] not in exclude]
        return max(candidates, key=lambda v: len(records[v]))  # ties: the first registered (ids are random)

    a = busiest("association")
    b = busiest("association", (a,))
    c = busiest("community")
    d = busiest("community", (c,))
    certificates: list[dict[str, Any]] = []

    def issue(org: str, volunteer_id: str, role: str, start: dt.date | None = None,
              end: dt.date | None = None) -> dict[str, Any]:
        issued = app.issue_certificate(principals[org], UUID(volunteer_id), period_start=start, period_end=end)
        cert = {"id": issued["id"], "number": issued["number"], "org_id": orgs[org]["id"],
                "volunteer_id": volunteer_id, "hours": issued["hours"], "period_start": issued["period_start"],
                "period_end": issued["period_end"], "payload": issued["qr_text"].rsplit("/V/", 1)[1], "role": role}
        certificates.append(cert)
        step()
        return cert

    # Recognition for the year's most active volunteer, and the season's evaluations (条例 art.19).
    clock.at(dt.datetime(YEAR, 11, 4, 10, 0, tzinfo=CST))
    app.record_award(principals["association"], UUID(a), title=f"{YEAR}年度朝阳区优秀志愿者",
                     awarded_by="朝阳区志愿服务联合会", date=dt.date(YEAR, 11, 3), level="county")
    step()
    for volunteer in orgs["association"]["volunteers"]:
        if volunteer["id"] in records:
            app.record_evaluation(principals["association"], UUID(volunteer["id"]), period_start=dt.date(YEAR, 3, 1),
                                  period_end=dt.date(YEAR, 10, 31),
                                  rating="excellent" if volunteer["id"] in (a, b) else "good")
    step()

    clock.at(dt.datetime(YEAR, 11, 5, 10, 0, tzinfo=CST))
    wrong = issue("association", a, "revoked", dt.date(YEAR, 3, 1), dt.date(YEAR, 6, 30))
    issue("association", a, "valid", dt.date(YEAR, 3, 1), dt.date(YEAR, 10, 31))
    issue("association", b, "amended_after_issuance")
    issue("community", c, "valid")
    issue("community", d, "valid")
    clock.at(dt.datetime(YEAR, 11, 6, 14, 0, tzinfo=CST))
    app.revoke_certificate(principals["association"], UUID(wrong["id"]),
                           reason="出具时服务期间选择有误，已按志愿者申请的期间重新出具")
    step()
    # A correction after issuance: that certificate stays valid but verifiers are told, with a link to the history.
    clock.at(dt.datetime(YEAR, 11, 12, 11, 0, tzinfo=CST))
    fixed = next(r for r in records[b] if r["hours"] > 1)
    app.amend_record(principals["association"], UUID(fixed["id"]), hours=fixed["hours"] - Decimal("0.5"),
                     reason="纸质签到表核对后更正时长（签退时间登记有误）")
    step()

    # The registry appoints an inspector, whose read of a volunteer's data is itself on the record.
    clock.at(dt.datetime(YEAR, 11, 16, 9, 0, tzinfo=CST))
    inspector = app.appoint_inspector(registry, name="王督查")
    step()
    app.get_volunteer(app.authenticate(inspector["token"]), UUID(c))
    step()

    _verify_all(app, certificates)
    expected = {"valid": "valid", "revoked": "revoked", "amended_after_issuance": "valid_with_warnings"}
    wrong_verdicts = [c for c in certificates if c["verdict"] != expected[c["role"]]]
    if wrong_verdicts:
        raise DemoError("demo certificates did not verify as expected: " + ", ".join(
            f"{c['number']} is {c['verdict']}, expected {expected[c['role']]}" for c in wrong_verdicts))
    progress(total, total)
    return {"created_at": app.clock().isoformat(), "seed": SEED, "organizations": list(orgs.values()),
            "activities": len(ACTIVITIES), "records": len(all_records), "amendments": 4,
            "inspector": {"id": inspector["id"], "token": inspector["token"]}, "certificates": certificates}


def volunteer_token(orgs: dict[str, dict[str, Any]], volunteer_id: str) -> str:
    return next(str(v["token"]) for o in orgs.values() for v in o["volunteers"] if v["id"] == volunteer_id)


def _verify_all(app: VledgerApplication, certificates: list[dict[str, Any]]) -> None:
    for cert in certificates:
        cert["verdict"] = app.verify(page_url(app.settings, cert["payload"])).verdict


def _print_summary(settings: Settings, demo: dict[str, Any], marker: Path) -> None:
    certificates = demo["certificates"]
    for org in demo["organizations"]:
        mark = "，已标识为志愿服务组织" if org["identified"] else ""
        print(f"organization {org['name']}（{len(org['volunteers'])} 名志愿者{mark}）: {org['id']}")
    print(f"{demo['activities']} activities, {demo['records']} service records, {demo['amendments']} amendments, "
          f"{len(certificates)} certificates")
    for cert in certificates:
        print(f"  {cert['number']}  {cert['hours']:>6} h  {cert['period_start']} – {cert['period_end']}  "
              f"{cert['verdict']}")
    valid = next(c for c in certificates if c["role"] == "valid")
    revoked = next(c for c in certificates if c["role"] == "revoked")
    warned = next(c for c in certificates if c["role"] == "amended_after_issuance")
    print(f"verify a demo certificate:        {page_url(settings, valid['payload'])}")
    print(f"a revoked certificate:            {page_url(settings, revoked['payload'])}")
    print(f"a record amended after issuance:  {page_url(settings, warned['payload'])}")
    print(f"tokens: registry in {settings.data_dir / ADMIN_TOKEN_FILE}; organizations and volunteers in {marker}")
