"""Paper-record import on the real event store (issue 4 item 11): SQLite and PostgreSQL through one case; the
10,000-row import through the `vledger import` command on SQLite.

Source of the feature: records kept on paper must be entered into the information system (纸质记录录入, 条例 art.19 /
办法 art.4; domain.md "keep both the paper date and the entry time"). A file is applied all or nothing: every row
meets the same rules as a record made one by one — hours > 0 and within the activity's duration (domain.md
"Service time"), the activity has ended, one record per volunteer and activity, no overlapping activities, at
most 24 hours a day (domain.record), a guardian's consent under 14 (PIPL art.28, 31; domain.md "Privacy") —
against the stored records and the other rows of the file. A rejected file writes nothing: the log's last
notification id is unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from api.application import VledgerApplication
from api.cli import main as vledger
from api.imports import ImportRejectedError, RowError
from api.pg_recorder import CHUNK
from api.settings import Settings
from domain.access import Principal
from domain.errors import ForbiddenError

from .support import ACTIVITY_END, ACTIVITY_START, CST, REGISTRY, THRESHOLDS, World, raw_rows, with_check_char

ASSETS = Path(__file__).parent.parent / "assets"
WORLD_A_ID = with_check_char("11010520000615001")  # world.a's volunteer 张三明, registered through the use case
ID_1 = "11010519491231002X"
ID_2 = "110108199003074527"
PHONE = "13812345678"

HEADERS = {"name": "姓名", "id_type": "证件类型", "id_number": "证件号码", "gender": "性别", "birth_date": "出生日期",
           "phone": "联系电话", "guardian_consent": "监护人同意", "activity": "活动名称", "start": "开始时间",
           "end": "结束时间", "place": "服务地点", "recipients": "服务对象", "content": "服务内容", "leader": "负责人",
           "recorder": "记录人", "category": "活动类别", "fee": "收费", "subsidy": "补贴", "hours": "服务时长",
           "payment": "报酬", "paper_date": "纸质记录日期"}


def when(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=CST)


def row(**values: Any) -> dict[str, Any]:
    """One row of a file: a volunteer at an activity of 2026-03-02 09:00–12:00, unless overridden."""
    base: dict[str, Any] = {"name": "李小红", "id_number": ID_2, "activity": "社区助老服务", "start": when(2, 9),
                            "end": when(2, 12), "place": "和平街社区", "recipients": "独居老人", "content": "陪伴聊天",
                            "leader": "李四", "recorder": "王五", "hours": "3"}
    base.update(values)
    return base


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def csv_of(rows: list[dict[str, Any]]) -> bytes:
    keys = list(dict.fromkeys(k for r in rows for k in r))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([HEADERS[k] for k in keys])
    for r in rows:
        writer.writerow([text(r.get(k)) for k in keys])
    return out.getvalue().encode("utf-8")


def rejected(app: VledgerApplication, principal: Principal, data: bytes) -> list[RowError]:
    """Import a bad file: it must raise with the list and write nothing."""
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejectedError) as caught:
        app.import_records(principal, principal.org_id or UUID(int=0), data)
    assert app.recorder.max_notification_id() == before, "a rejected import wrote to the log"
    return caught.value.errors


def found(errors: list[RowError]) -> set[tuple[int | None, str | None, str]]:
    return {(e.row, e.column, e.code) for e in errors}


def child_id(age: int) -> str:
    """A resident ID number of a girl who is ``age`` today (China time), born on 1 January."""
    year = dt.datetime.now(CST).year - age - 1
    return with_check_char(f"110105{year}0101002")


class TestImportOnBothStores:
    """One test case, run on SQLite and on PostgreSQL."""

    def test_the_sample_file_imports_each_person_and_activity_once_and_keeps_the_paper_date(
            self, world: World) -> None:
        app, a = world.app, world.a
        phases: dict[str, list[tuple[int, int]]] = {}

        def progress(phase: str) -> Callable[[int, int], None]:
            return lambda done, total: phases.setdefault(phase, []).append((done, total))

        result = app.import_records(a.principal, a.id, (ASSETS / "import_sample.csv").read_bytes(),
                                    progress=progress)
        assert {k: v for k, v in result.items() if k != "warnings"} == {
            "rows": 8, "volunteers_created": 5, "volunteers_matched": 0, "activities_created": 2,
            "activities_matched": 0, "records_created": 8}
        # Every row of the sample was entered months after its paper date: 办法 / 钢城 000 五(1)1(8), flagged.
        assert result["warnings"] == {"paper_entered_late": 8}
        assert list(phases) == ["read", "check", "save", "views"]
        assert all(calls[-1][0] == calls[-1][1] for calls in phases.values())

        rows = raw_rows(app, "SELECT r.*, v.name AS name FROM view_records r JOIN view_volunteers v "
                        "ON v.id = r.volunteer_id WHERE r.org_id = ? ORDER BY v.name, r.paper_recorded_on",
                        (str(a.id),))
        assert len(rows) == 8
        zhang = [r for r in rows if r["name"] == "张三明"]
        assert [(r["centi_hours"], r["paper_recorded_on"]) for r in zhang] == [(300, "2026-03-01"),
                                                                               (350, "2026-03-12")]
        # the entry time is when the import ran, not the paper date: both are kept
        assert all(dt.datetime.fromisoformat(r["recorded_at"]).date() > dt.date.fromisoformat(r["paper_recorded_on"])
                   for r in rows)
        assert zhang[0]["payment_fen"] == 2000
        volunteers = raw_rows(app, "SELECT name, id_type, gender FROM view_volunteers WHERE org_id = ? "
                              "ORDER BY name", (str(a.id),))
        assert ("John Smith", "passport", "male") in {(v["name"], v["id_type"], v["gender"]) for v in volunteers}
        assert len(volunteers) == 6  # the world's own volunteer and five from the file
        activities = raw_rows(app, "SELECT name, category, subsidy_fen FROM view_activities WHERE org_id = ?",
                              (str(a.id),))
        assert ("社区助老服务", "elder_care", 2000) in {(x["name"], x["category"], x["subsidy_fen"])
                                                      for x in activities}

    def test_the_xlsx_sample_imports_the_same_records_as_the_csv(self, world: World) -> None:
        app, a, b = world.app, world.a, world.b
        from_csv = app.import_records(a.principal, a.id, (ASSETS / "import_sample.csv").read_bytes())
        from_xlsx = app.import_records(b.principal, b.id, (ASSETS / "import_sample.xlsx").read_bytes())
        assert from_csv == from_xlsx
        hours = {str(org): sorted(r["centi_hours"] for r in raw_rows(
            app, "SELECT centi_hours FROM view_records WHERE org_id = ?", (str(org),))) for org in (a.id, b.id)}
        assert hours[str(a.id)] == hours[str(b.id)]

    def test_people_and_activities_already_registered_are_matched_not_registered_again(self, world: World) -> None:
        """One ID once per organization (issue 4 item 1): the file's 张三明 is the volunteer registered before, and
        the activity with the same name, start and end is the one created before."""
        app, a = world.app, world.a
        rows = [row(name="张三明", id_number=WORLD_A_ID, activity="社区敬老院陪伴", start=ACTIVITY_START,
                    end=ACTIVITY_END, hours="8"),
                row(name="张三明", id_number=WORLD_A_ID, hours="2.5"),
                row(hours="3")]
        result = app.import_records(a.principal, a.id, csv_of(rows))
        assert {k: v for k, v in result.items() if k != "warnings"} == {
            "rows": 3, "volunteers_created": 1, "volunteers_matched": 1, "activities_created": 1,
            "activities_matched": 1, "records_created": 3}
        volunteer = app.get_volunteer(a.principal, a.volunteer_id)
        assert volunteer["total_hours"] == "10.50"
        assert a.activity_id in {UUID(r["activity_id"]) for r in volunteer["records"]}

    def test_an_activity_is_matched_across_utc_offsets_of_the_same_instant(self, world: World) -> None:
        app, a = world.app, world.a
        utc = dt.UTC
        result = app.import_records(a.principal, a.id, csv_of([row(
            name="张三明", id_number=WORLD_A_ID, activity="社区敬老院陪伴", start=ACTIVITY_START.astimezone(utc),
            end=ACTIVITY_END.astimezone(utc), hours="8")]))
        assert (result["activities_matched"], result["activities_created"]) == (1, 0)

    def test_one_bad_row_rejects_the_whole_file_and_every_problem_is_listed(self, world: World) -> None:
        app, a = world.app, world.a
        rows = [row(), row(name="张三明", id_number=ID_1, hours="0"), row(name="王五", id_number="110105194912310021"),
                row(name="赵六", id_number=ID_1.replace("X", "1"), hours="2", start="tomorrow")]
        errors = rejected(app, a.principal, csv_of(rows))
        assert found(errors) == {(3, "服务时长", "hours_not_positive"), (4, "证件号码", "id_number_checksum"),
                                 (5, "证件号码", "id_number_checksum"), (5, "开始时间", "invalid_time")}
        assert raw_rows(app, "SELECT id FROM view_records WHERE org_id = ?", (str(a.id),)) == []
        assert len(raw_rows(app, "SELECT id FROM view_volunteers WHERE org_id = ?", (str(a.id),))) == 1

    @pytest.mark.parametrize(("rows", "expected"), [
        pytest.param([row(hours="3.5")], {(2, "服务时长", "hours_above_activity_duration")},
                     id="hours above the activity's duration"),
        pytest.param([row(hours="-1")], {(2, "服务时长", "hours_not_positive")}, id="hours not positive"),
        pytest.param([row(), row(hours="2")], {(3, "活动名称", "duplicate_record")},
                     id="one volunteer twice at one activity in the file"),
        pytest.param([row(), row()], {(3, None, "duplicate_row")}, id="a row entered twice"),
        pytest.param([row(), row(activity="植树", start=when(2, 11), end=when(2, 14), hours="1")],
                     {(3, "开始时间", "overlapping_activities")}, id="overlapping activities in the file"),
        pytest.param([row(activity="夜班1", start=when(2, 0), end=when(2, 9), hours="9"),
                      row(activity="日班", start=when(2, 9), end=when(2, 18), hours="9"),
                      row(activity="晚班", start=when(2, 18), end=when(2, 23), hours="5"),
                      row(activity="夜班2", start=when(2, 23), end=when(3, 2), hours="2")],
                     {(5, "服务时长", "more_than_24_hours_in_a_day")}, id="more than 24 hours in a day"),
        pytest.param([row(), row(name="李晓红", activity="植树", start=when(3, 9), end=when(3, 12))],
                     {(3, "姓名", "conflicting_volunteer_details")}, id="one ID document under two names"),
    ])
    def test_each_hard_rule_rejects_the_file_naming_row_column_and_rule(
            self, world: World, rows: list[dict[str, Any]], expected: set[tuple[int, str | None, str]]) -> None:
        assert found(rejected(world.app, world.a.principal, csv_of(rows))) == expected

    def test_hours_for_an_activity_that_has_not_ended_are_rejected(self, world: World) -> None:
        """Hours are a record of service given; hours entered ahead of time are how bought hours look."""
        start = dt.datetime.now(CST).replace(microsecond=0, second=0) + dt.timedelta(days=2)
        errors = rejected(world.app, world.a.principal,
                          csv_of([row(start=start, end=start + dt.timedelta(hours=3))]))
        assert found(errors) == {(2, "结束时间", "activity_not_ended")}

    def test_rows_are_checked_against_the_records_already_stored(self, world: World) -> None:
        app, a = world.app, world.a
        app.record_service(a.principal, a.activity_id, volunteer_id=a.volunteer_id, hours="8")
        rows = [row(name="张三明", id_number=WORLD_A_ID, activity="社区敬老院陪伴", start=ACTIVITY_START,
                    end=ACTIVITY_END, hours="7"),
                row(name="张三明", id_number=WORLD_A_ID, activity="午后", start=ACTIVITY_START + dt.timedelta(hours=4),
                    end=ACTIVITY_END + dt.timedelta(hours=1), hours="1")]
        errors = rejected(app, a.principal, csv_of(rows))
        assert found(errors) == {(2, "活动名称", "duplicate_record"), (3, "开始时间", "overlapping_activities")}
        assert all("a record already stored" in e.message for e in errors)

    def test_a_child_under_14_needs_a_guardians_consent(self, world: World) -> None:
        """PIPL art.28, 31: a child's data is sensitive; guardian consent is required under 14."""
        app, a = world.app, world.a
        child = row(name="王小丽", id_number=child_id(10))
        errors = rejected(app, a.principal, csv_of([child]))
        assert found(errors) == {(2, "监护人同意", "guardian_consent_required")}
        result = app.import_records(a.principal, a.id, csv_of([{**child, "guardian_consent": "是"}]))
        assert result["volunteers_created"] == 1

    def test_the_same_person_with_other_details_in_two_rows_is_an_error(self, world: World) -> None:
        rows = [row(phone=PHONE), row(phone="13900000000", activity="植树", start=when(3, 9), end=when(3, 12))]
        errors = rejected(world.app, world.a.principal, csv_of(rows))
        assert found(errors) == {(3, "联系电话", "conflicting_volunteer_details")}
        assert "row 2" in errors[0].message

    def test_details_written_two_ways_or_left_blank_on_later_rows_are_no_conflict(self, world: World) -> None:
        """Paper sheets fill a person's details once and write phone numbers as they come."""
        rows = [row(phone="138 1234 5678", gender="女"),
                row(phone="+8613812345678", activity="植树", start=when(3, 9), end=when(3, 12)),
                row(activity="清扫", start=when(4, 9), end=when(4, 12))]
        result = world.app.import_records(world.a.principal, world.a.id, csv_of(rows))
        assert (result["volunteers_created"], result["records_created"]) == (1, 3)

    def test_an_id_document_registered_under_another_name_is_refused_not_guessed(self, world: World) -> None:
        """A typo in an ID number would file the hours under another person."""
        errors = rejected(world.app, world.a.principal, csv_of([row(name="张山明", id_number=WORLD_A_ID)]))
        assert found(errors) == {(2, "姓名", "volunteer_name_differs")}

    def test_the_same_activity_with_other_details_in_two_rows_is_an_error(self, world: World) -> None:
        rows = [row(), row(name="张三明", id_number=ID_1, place="另一个地点")]
        assert found(rejected(world.app, world.a.principal, csv_of(rows))) == {
            (3, "服务地点", "conflicting_activity_details")}

    def test_a_new_activity_without_its_beijing_fields_is_an_error_under_the_missing_column(
            self, world: World) -> None:
        """Seed 004 三(三): place, recipients, content, leader and recorder are part of every activity record."""
        bare = {k: v for k, v in row().items() if k not in ("place", "leader")}
        errors = rejected(world.app, world.a.principal, csv_of([bare]))
        assert found(errors) == {(2, "服务地点", "invalid_field")}

    def test_a_passport_holder_needs_a_birth_date(self, world: World) -> None:
        rows = [row(name="John Smith", id_type="护照", id_number="E12345678")]
        assert found(rejected(world.app, world.a.principal, csv_of(rows))) == {(2, "出生日期", "birth_date_required")}

    def test_a_paper_date_before_the_activity_ended_is_an_error(self, world: World) -> None:
        errors = rejected(world.app, world.a.principal, csv_of([row(paper_date=dt.date(2026, 3, 1))]))
        assert found(errors) == {(2, "纸质记录日期", "paper_record_before_activity_end")}

    def test_no_error_carries_an_id_or_phone_number(self, world: World) -> None:
        """条例 art.20, 36: volunteers' data is never disclosed — not even back in an error list."""
        bad_id = ID_1.replace("X", "5")
        rows = [row(name="张三明", id_number=bad_id, phone=PHONE), row(phone="12", name="李小红"),
                row(name="张山明", id_number=WORLD_A_ID, phone=PHONE, activity="x", start=when(4, 9), end=when(4, 10),
                    hours="1")]
        with pytest.raises(ImportRejectedError) as caught:
            world.app.import_records(world.a.principal, world.a.id, csv_of(rows))
        body = json.dumps({"message": caught.value.message, "errors": caught.value.as_dicts()}, ensure_ascii=False)
        for secret in (bad_id, ID_2, WORLD_A_ID, PHONE):
            assert secret not in body
        assert {e.code for e in caught.value.errors} >= {"id_number_checksum", "invalid_field",
                                                         "volunteer_name_differs"}

    def test_warnings_are_counted_by_code(self, world: World) -> None:
        """Screening (issue 4 item 5) accepts and warns: a fee charged (湖南 001 二(二)④) and pay beyond the declared
        necessary subsidy (钢城 000 五(1)2(10)) are counted per record."""
        rows = [row(fee="50", subsidy="10", payment="30"), row(name="张三明", id_number=ID_1, fee="50",
                                                              subsidy="10", payment="5")]
        result = world.app.import_records(world.a.principal, world.a.id, csv_of(rows))
        assert result["warnings"]["fee_charging_activity"] == 2
        assert result["warnings"]["pay_beyond_subsidy"] == 1

    def test_only_the_organization_itself_imports_and_a_refusal_writes_nothing(self, world: World) -> None:
        app, a, b = world.app, world.a, world.b
        before = app.recorder.max_notification_id()
        data = csv_of([row()])
        for principal in (b.principal, REGISTRY, Principal(role="volunteer", subject=str(a.volunteer_id),
                                                           org_id=a.id)):
            with pytest.raises(ForbiddenError):
                app.import_records(principal, a.id, data)
        assert app.recorder.max_notification_id() == before

    def test_a_large_import_is_one_transaction_on_either_store(self, world: World) -> None:
        """4,000 rows (~12,000 events, several MB): on PostgreSQL a save this large once hung psycopg's pipeline
        mode while holding the events table's lock; it is now inserted in chunks inside one transaction
        (api/pg_recorder.py). All of it is in the log, in one contiguous run, and in the views."""
        app, a = world.app, world.a
        before = app.recorder.max_notification_id() or 0
        result = app.import_records(a.principal, a.id, big_file(rows=4_000))
        assert result["records_created"] == 4_000
        new = app.recorder.select_notifications(start=before, limit=20_000, inclusive_of_start=False)
        assert len(new) == 4_000 + BIG_VOLUNTEERS + 2  # records, volunteers, two days' activities
        ids = [n.id for n in new]
        assert ids == list(range(ids[0], ids[0] + len(ids)))  # one transaction: nobody else's event in between
        with app.read() as c:
            assert c.execute("SELECT COUNT(*) AS n FROM view_records WHERE org_id = ?",
                             (str(a.id),)).fetchone()["n"] == 4_000

    def test_a_save_larger_than_one_chunk_is_all_or_nothing(self, world: World) -> None:
        """api/pg_recorder.py inserts a save of more than CHUNK events chunk by chunk: a conflict in a later chunk
        must undo the earlier ones (one transaction). On SQLite the library's one transaction does the same."""
        app = world.app
        before = app.recorder.max_notification_id()
        first = app.recorder.select_notifications(start=None, limit=1)[0]
        fresh = [StoredEvent(originator_id=uuid4(), originator_version=1, topic=first.topic, state=first.state)
                 for _ in range(CHUNK + 100)]
        clash = StoredEvent(originator_id=first.originator_id, originator_version=first.originator_version,
                            topic=first.topic, state=first.state)  # already in the log: refused in the 2nd chunk
        with pytest.raises(IntegrityError):
            app.recorder.insert_events([*fresh, clash])
        assert app.recorder.max_notification_id() == before
        assert not app.recorder.select_events(fresh[0].originator_id)

    def test_an_imported_file_is_seen_by_another_process(self, world: World,
                                                         open_app: Callable[[], VledgerApplication]) -> None:
        world.app.import_records(world.a.principal, world.a.id, (ASSETS / "import_sample.xlsx").read_bytes())
        other = open_app()
        with other.read() as c:
            assert len(c.execute("SELECT id FROM view_records WHERE org_id = ?", (str(world.a.id),)).fetchall()) == 8


# -- 10,000 rows through `vledger import` (SQLite) -------------------------------------------------------------------

BIG_ROWS = 10_000
BIG_VOLUNTEERS = 2_000  # each at five activities of one morning a day, 2026-03-02 to 03-06


def big_file(bad_row: int | None = None, rows: int = BIG_ROWS) -> bytes:
    """10,000 rows (or ``rows``): 2,000 volunteers (all new) at five activities (one a day); ``bad_row`` (as the
    spreadsheet numbers rows) claims 5 hours of a 4-hour activity."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["姓名", "证件号码", "联系电话", "活动名称", "开始时间", "结束时间", "服务地点", "服务对象",
                     "服务内容", "负责人", "记录人", "服务时长", "纸质记录日期"])
    for i in range(rows):
        person, day = i % BIG_VOLUNTEERS, i // BIG_VOLUNTEERS
        born = dt.date(1990, 1, 1) + dt.timedelta(days=person // 500)
        id_number = with_check_char(f"110105{born:%Y%m%d}{person % 500:03d}")
        start = dt.datetime(2026, 3, 2 + day, 8, 0)
        hours = "5" if bad_row == i + 2 else "3.5"
        writer.writerow([f"志愿者{person:04d}", id_number, f"139{person:08d}", f"社区服务第{day + 1}天",
                         f"{start:%Y-%m-%d %H:%M}", f"{start + dt.timedelta(hours=4):%Y-%m-%d %H:%M}", "和平街社区",
                         "社区居民", "环境清洁", "李四", "王五", hours, f"{start:%Y-%m-%d}"])
    return out.getvalue().encode("utf-8")


@pytest.fixture
def sqlite_instance(tmp_path: Path) -> Iterator[tuple[VledgerApplication, Settings, UUID]]:
    settings = Settings(data_dir=tmp_path / "instance", database_url=None, star_thresholds=THRESHOLDS)
    app, _token, _generated = VledgerApplication.initialize(settings)
    org_id = UUID(app.register_organization(REGISTRY, name="和平街社区志愿者协会", charter_purpose="志愿服务")["id"])
    try:
        yield app, settings, org_id
    finally:
        app.close()


def test_ten_thousand_rows_import_in_one_command(sqlite_instance: tuple[VledgerApplication, Settings, UUID],
                                                  tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 4 item 11: "10,000 rows import in one command"."""
    app, settings, org_id = sqlite_instance
    path = tmp_path / "纸质记录.csv"
    path.write_bytes(big_file())
    started = time.monotonic()
    code = vledger(["import", str(path), "--org", str(org_id), "--data-dir", str(settings.data_dir)])
    elapsed = time.monotonic() - started
    out = capsys.readouterr()
    assert code == 0, out.err
    result = json.loads(out.out)
    assert {k: v for k, v in result.items() if k != "warnings"} == {
        "rows": BIG_ROWS, "volunteers_created": BIG_VOLUNTEERS, "volunteers_matched": 0, "activities_created": 5,
        "activities_matched": 0, "records_created": BIG_ROWS}
    with app.read() as c:  # this process sees what the command wrote
        assert c.execute("SELECT COUNT(*) AS n FROM view_records WHERE org_id = ?",
                         (str(org_id),)).fetchone()["n"] == BIG_ROWS
        totals = c.execute("SELECT SUM(centi_hours) AS s FROM view_records WHERE org_id = ?",
                           (str(org_id),)).fetchone()["s"]
    assert Decimal(totals) / 100 == Decimal("3.5") * BIG_ROWS
    print(f"\n10,000 rows imported on SQLite in {elapsed:.1f} s")  # shown with -s; no timed assertion


def test_one_bad_row_among_ten_thousand_writes_nothing_and_is_named(
        sqlite_instance: tuple[VledgerApplication, Settings, UUID], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    app, settings, org_id = sqlite_instance
    path = tmp_path / "bad.csv"
    path.write_bytes(big_file(bad_row=7_777))
    before = app.recorder.max_notification_id()
    code = vledger(["import", str(path), "--org", str(org_id), "--data-dir", str(settings.data_dir)])
    out = capsys.readouterr()
    assert code == 1
    assert "nothing was written" in out.err
    assert "row 7777, 服务时长: [hours_above_activity_duration]" in out.err
    assert out.err.count("\n  row ") == 1
    assert app.recorder.max_notification_id() == before


def test_the_command_prints_the_template_and_refuses_what_it_cannot_read(
        sqlite_instance: tuple[VledgerApplication, Settings, UUID], tmp_path: Path,
        capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    _app, settings, org_id = sqlite_instance
    assert vledger(["import", "--template"]) == 0
    assert capsysbinary.readouterr().out.startswith(b"\xef\xbb\xbf\xe5\xa7\x93\xe5\x90\x8d*")  # BOM, 姓名*
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert vledger(["import", str(empty), "--org", str(org_id), "--data-dir", str(settings.data_dir)]) == 1
    assert b"[empty_file]" in capsysbinary.readouterr().err
    assert vledger(["import", str(tmp_path / "missing.csv"), "--org", str(org_id),
                    "--data-dir", str(settings.data_dir)]) == 2
    assert vledger(["import", str(empty), "--org", "not-a-uuid", "--data-dir", str(settings.data_dir)]) == 2
    big = tmp_path / "big.csv"
    with big.open("wb") as f:
        f.truncate(20 * 1024 * 1024 + 1)  # sparse: the size is refused before anything is read
    assert vledger(["import", str(big), "--org", str(org_id), "--data-dir", str(settings.data_dir)]) == 1
    assert b"20 MB" in capsysbinary.readouterr().err
