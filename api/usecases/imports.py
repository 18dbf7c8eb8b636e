"""Use case of paper-record import (纸质记录录入, 办法; domain.md "Records taken on paper must be entered"): one file of
service records, applied all or nothing.

Every row is checked against the same rules as a record made through the API — the domain's constructors and
the rule functions of ``domain.record`` — against the organization's existing volunteers, activities and records
and against the rows before it in the same file. A file with any problem writes nothing and answers every problem
found; a good file is saved in one transaction (one ``save``), then the views catch up.
"""

from __future__ import annotations

import bisect
import datetime as dt
import inspect
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from api.imports import (
    COLUMNS,
    CONSTRUCTORS,
    Column,
    Group,
    ImportRejectedError,
    ParsedFile,
    Progress,
    Row,
    RowError,
    parse_import,
)
from api.usecases.base import UseCases
from domain.access import Principal, check_acts_for
from domain.activity import Activity
from domain.errors import InvalidFieldError, VledgerError
from domain.organization import Organization
from domain.people import check_id_number, id_type_of
from domain.record import ServiceRecord, check_day_total, check_no_overlap, check_not_recorded_twice, service_day
from domain.volunteer import Volunteer, check_phone, new_volunteer_number
from projections.base import hours_of
from projections.runner import Phases

log = logging.getLogger("vledger")

# Phases of an import: "read", "check", then save_and_project's "save" and "views".
PhaseProgress = Phases

_BY_GROUP: dict[Group, tuple[Column, ...]] = {
    group: tuple(c for c in COLUMNS if c.group == group) for group in ("volunteer", "activity", "record")}
_IDENTITY = frozenset({"id_type", "id_number"})  # what makes two rows the same person
_ACTIVITY_KEY = frozenset({"activity_name", "start", "end"})  # what makes two rows the same activity
# Which column a broken rule is shown under, when the domain's error names no field of the row.
_RULE_COLUMNS = {
    "guardian_consent_required": "guardian_consent",
    "activity_not_ended": "end",
    "hours_above_activity_duration": "hours",
    "duplicate_record": "activity_name",
    "overlapping_activities": "start",
    "more_than_24_hours_in_a_day": "hours",
}



def _required_keywords(group: Group) -> frozenset[str]:
    parameters = inspect.signature(CONSTRUCTORS[group]).parameters.values()
    return frozenset(p.name for p in parameters if p.default is inspect.Parameter.empty)


# Keywords the domain requires: an empty cell (or a missing column) reaches the domain as None, so that its own
# rule ("place: must not be empty") names the problem. Optional ones are left out and keep their defaults.
_REQUIRED: dict[Group, frozenset[str]] = {group: _required_keywords(group) for group in _BY_GROUP}


def _column_of(group: Group, error: VledgerError) -> str | None:
    """The column a domain error belongs under: the field it names, or the rule's usual column."""
    key = None
    if isinstance(error, InvalidFieldError):
        key = next((c.key for c in _BY_GROUP[group] if c.kwarg == error.field), None)
    return key or _RULE_COLUMNS.get(error.code)


def _kwargs(group: Group, values: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of the group's constructor from one row's values (by column key)."""
    return {c.kwarg: values.get(c.key) for c in _BY_GROUP[group] if c.key in values or c.kwarg in _REQUIRED[group]}


@dataclass
class _Person:
    """A volunteer named by the file: matched to one the organization registered, or registered by the import."""

    first_row: int
    values: dict[str, Any]
    id: UUID | None = None
    registered_name: str | None = None  # of a matched volunteer
    new: Volunteer | None = None
    problem: tuple[str | None, str, str] | None = None  # (column key, code, message), shown on each of its rows


@dataclass
class _Event:
    """An activity named by the file: matched by name, start and end, or created by the import."""

    first_row: int
    values: dict[str, Any]
    activity: Activity | None = None
    new: bool = False
    problem: tuple[str | None, str, str] | None = None


@dataclass
class _Service:
    """What one volunteer has recorded, existing and from earlier rows: the rules across records read it."""

    activities: dict[UUID, int | None] = field(default_factory=dict)  # activity → row of the file (None: stored)
    spans: list[tuple[dt.datetime, dt.datetime, int | None]] = field(default_factory=list)  # sorted by start
    longest: dt.timedelta = dt.timedelta(0)
    day_hours: dict[dt.date, list[Decimal]] = field(default_factory=lambda: defaultdict(list))

    def add(self, activity_id: UUID, start: dt.datetime, end: dt.datetime, hours: Decimal, row: int | None) -> None:
        self.activities[activity_id] = row
        bisect.insort(self.spans, (start, end, row), key=lambda s: s[0])
        self.longest = max(self.longest, end - start)
        self.day_hours[service_day(start)].append(hours)

    def near(self, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime, int | None]]:
        """The spans that could overlap [start, end): one that starts before ``end`` and lasts no longer than the
        longest span seen must start after ``start - longest``. Keeps a long file linear instead of quadratic."""
        lo = bisect.bisect_left(self.spans, start - self.longest, key=lambda s: s[0])
        hi = bisect.bisect_left(self.spans, end, key=lambda s: s[0])
        return self.spans[lo:hi]


class ImportCases(UseCases):
    """Import of paper records from CSV or XLSX."""

    def check_can_import(self, principal: Principal, org_id: UUID) -> None:
        """Refuse a caller before its upload is read: only the organization itself imports its records."""
        check_acts_for(principal, org_id)
        self.load(Organization, org_id, "organization")

    def import_records(self, principal: Principal, org_id: UUID, data: bytes, *,
                       progress: PhaseProgress | None = None) -> dict[str, Any]:
        """Check every row of ``data`` (CSV or XLSX, see ``api.imports``) and save all of them, or none.

        Raises ImportRejectedError listing every problem (row, column, rule code, message) when any row fails.
        Answers the counts of rows, volunteers and activities created or matched, records created and warnings
        by code."""
        self.check_can_import(principal, org_id)
        parsed = parse_import(data, progress=progress("read") if progress else None)
        run = _ImportRun(self, principal, org_id, parsed, self.clock())
        run.check(progress("check") if progress else None)
        if run.errors:
            raise ImportRejectedError(run.errors)
        aggregates = run.aggregates()
        self.save_and_project(*aggregates, phases=progress)
        summary = run.summary()
        log.info("import org=%s rows=%d records=%d volunteers_created=%d activities_created=%d", org_id,
                 summary["rows"], summary["records_created"], summary["volunteers_created"],
                 summary["activities_created"])
        return summary


class _ImportRun:
    """The check of one file: resolves people and activities, builds the aggregates and applies the rules."""

    def __init__(self, app: ImportCases, principal: Principal, org_id: UUID, parsed: ParsedFile,
                 now: dt.datetime) -> None:
        self.app = app
        self.principal = principal
        self.org_id = org_id
        self.parsed = parsed
        self.now = now
        self.errors: list[RowError] = list(parsed.errors)
        self.people: dict[str, _Person] = {}  # by keyed digest of the ID document
        self.events: dict[tuple[str, dt.datetime, dt.datetime], _Event] = {}
        self.service: dict[UUID, _Service] = defaultdict(_Service)
        self.records: list[ServiceRecord] = []
        self.matched_people: set[UUID] = set()
        self.matched_events: set[UUID] = set()

    # -- reporting --------------------------------------------------------------------------------------------

    def fail(self, row: Row, key: str | None, code: str, message: str) -> None:
        self.errors.append(RowError(row.number, self.parsed.header_of(key) if key else None, code, message))

    def fail_with(self, row: Row, group: Group, error: VledgerError, note: str = "") -> None:
        """A domain error on this row, under the column the error names (or the rule's usual column)."""
        self.fail(row, _column_of(group, error), error.code, error.message + note)

    def fail_shared(self, row: Row, problem: tuple[str | None, str, str], first_row: int, what: str) -> None:
        """A problem of a volunteer or activity several rows share: on each of them, naming where it was found."""
        key, code, message = problem
        self.fail(row, key, code, message if first_row == row.number else f"{message} (the {what} of row {first_row})")

    # -- the check --------------------------------------------------------------------------------------------------

    def check(self, progress: Progress | None) -> None:
        rows = self.parsed.rows
        digests = {row.number: self.digest_of(row) for row in rows}
        existing_people = self.existing_people({d for d in digests.values() if d})
        existing_events = self.existing_events()
        self.load_service(existing_people)
        new_people = {d for d in digests.values() if d and d not in existing_people}
        numbers = self.app._unused_many(lambda: new_volunteer_number(self.now), len(new_people), "view_volunteers",
                                        "volunteer_number")
        seen_rows: dict[tuple[Any, ...], int] = {}
        for done, row in enumerate(rows, start=1):
            if progress is not None and (done % 500 == 0 or done == len(rows)):
                progress(done, len(rows))
            if not row.unreadable:
                # A row repeated word for word is most likely entered twice: say so rather than "duplicate record".
                signature = tuple(sorted(row.values.items()))
                if signature in seen_rows:
                    self.fail(row, None, "duplicate_row", f"the same as row {seen_rows[signature]}")
                    continue
                seen_rows[signature] = row.number
            digest = digests[row.number]
            person = self.person(row, digest, existing_people, numbers) if digest else None
            event = self.event(row, existing_events)
            if person is None or person.id is None or person.problem or event is None or event.activity is None \
                    or event.problem:
                continue
            if row.unreadable & {c.key for c in _BY_GROUP["record"]}:
                continue
            self.record(row, person.id, event.activity)

    def digest_of(self, row: Row) -> str | None:
        """The keyed digest of the row's ID document (as registration computes it), or None if unreadable."""
        if row.unreadable & _IDENTITY or "id_number" not in row.values:
            return None
        try:
            kind = id_type_of(row.values.get("id_type", "resident_id"))
            number = check_id_number(kind, row.values["id_number"])
        except InvalidFieldError as e:
            self.fail_with(row, "volunteer", e)
            return None
        return self.app.id_digest(kind.value, number)

    def person(self, row: Row, digest: str, existing: dict[str, tuple[UUID, str]], numbers: list[str]) -> _Person:
        values = {c.key: row.values[c.key] for c in _BY_GROUP["volunteer"] if c.key in row.values}
        person = self.people.get(digest)
        if person is None:
            person = self.people[digest] = _Person(first_row=row.number, values=values)
            if digest in existing:
                person.id, person.registered_name = existing[digest]
                self.matched_people.add(person.id)
            elif row.unreadable & {c.key for c in _BY_GROUP["volunteer"]}:
                person.problem = (None, "volunteer_unreadable", f"the volunteer's details in row {row.number} "
                                  "could not be read (see that row)")
            else:
                try:
                    person.new = Volunteer.register(now=self.now, actor=self.principal.actor, org_id=self.org_id,
                                                    volunteer_number=numbers.pop(), **_kwargs("volunteer", values))
                    person.id = person.new.id
                except VledgerError as e:
                    person.problem = (_column_of("volunteer", e), e.code, e.message)
        else:
            for c in _BY_GROUP["volunteer"]:
                if c.key in values and c.key in person.values and c.key not in _IDENTITY \
                        and not _same(c.key, values[c.key], person.values[c.key]):
                    self.fail(row, c.key, "conflicting_volunteer_details",
                              f"differs from row {person.first_row} for the same ID document; one person has one "
                              "set of details")
        if person.problem is not None:
            self.fail_shared(row, person.problem, person.first_row, "volunteer")
        if person.registered_name is not None and "name" in values \
                and values["name"].strip() != person.registered_name:
            # A typo in an ID number would file these hours under another person: refuse, do not guess.
            self.fail(row, "name", "volunteer_name_differs",
                      "the organization registered this ID document under another name; check the ID number")
        return person

    def event(self, row: Row, existing: dict[tuple[str, dt.datetime, dt.datetime], list[UUID]]) -> _Event | None:
        if row.unreadable & _ACTIVITY_KEY:
            return None
        key = (row.values["activity_name"].strip(), row.values["start"], row.values["end"])
        values = {c.key: row.values[c.key] for c in _BY_GROUP["activity"] if c.key in row.values}
        event = self.events.get(key)
        if event is None:
            event = self.events[key] = _Event(first_row=row.number, values=values)
            found = existing.get(key, [])
            if len(found) > 1:
                event.problem = ("activity_name", "ambiguous_activity",
                                 f"{len(found)} activities of the organization have this name, start and end; "
                                 "record these hours through the API against the right one")
            elif found:
                event.activity = self.app.load(Activity, found[0], "activity")
                self.matched_events.add(event.activity.id)
            elif row.unreadable & {c.key for c in _BY_GROUP["activity"]}:
                event.problem = (None, "activity_unreadable", f"the activity's details in row {row.number} could "
                                 "not be read (see that row)")
            else:
                try:
                    event.activity = Activity.create(now=self.now, actor=self.principal.actor, org_id=self.org_id,
                                                     **_kwargs("activity", values))
                    event.new = True
                except VledgerError as e:
                    event.problem = (_column_of("activity", e), e.code, e.message)
        elif event.new:
            for c in _BY_GROUP["activity"]:
                if c.key in values and c.key in event.values and values[c.key] != event.values[c.key] \
                        and c.key not in _ACTIVITY_KEY:
                    self.fail(row, c.key, "conflicting_activity_details",
                              f"differs from row {event.first_row} for the same activity (same name, start and "
                              "end); one activity has one set of details")
        if event.problem is not None:
            self.fail_shared(row, event.problem, event.first_row, "activity")
        return event

    def record(self, row: Row, volunteer_id: UUID, activity: Activity) -> None:
        try:
            record = ServiceRecord.record(
                now=self.now, actor=self.principal.actor, org_id=self.org_id, activity_id=activity.id,
                activity_hours=activity.duration_hours, activity_end=activity.end, volunteer_id=volunteer_id,
                activity_subsidy=activity.subsidy, activity_warnings=activity.warnings,
                **_kwargs("record", row.values))
        except VledgerError as e:
            self.fail_with(row, "record", e)
            return
        service = self.service[volunteer_id]
        try:
            # The rules across a volunteer's records, as record_service applies them, over the stored records and
            # the rows accepted before this one (a refused row does not count, so one error does not cascade).
            earlier = service.activities.get(activity.id, 0)
            check_not_recorded_twice(activity.id, [activity.id] if activity.id in service.activities else [])
        except VledgerError as e:
            self.fail_with(row, "record", e, _row_note(earlier))
            return
        for start, end, other_row in service.near(activity.start, activity.end):
            try:
                check_no_overlap((activity.start, activity.end), [(start, end)])
            except VledgerError as e:
                self.fail_with(row, "record", e, _row_note(other_row))
                return
        day = service_day(activity.start)
        try:
            check_day_total(day, record.hours, service.day_hours.get(day, []))
        except VledgerError as e:
            self.fail_with(row, "record", e)
            return
        service.add(activity.id, activity.start, activity.end, record.hours, row.number)
        self.records.append(record)

    # -- what the organization already holds --------------------------------------------------------------------

    def existing_people(self, digests: Iterable[str]) -> dict[str, tuple[UUID, str]]:
        """The organization's volunteers with these ID documents: digest → (id, registered name)."""
        found: dict[str, tuple[UUID, str]] = {}
        with self.app.read() as c:
            for r in c.select_in("SELECT id, name, id_digest FROM view_volunteers WHERE org_id = ? AND "
                                 "id_digest IN ({marks})", sorted(digests), (str(self.org_id),)):
                found[r["id_digest"]] = (UUID(r["id"]), r["name"])
        return found

    def existing_events(self) -> dict[tuple[str, dt.datetime, dt.datetime], list[UUID]]:
        """The organization's activities by (name, start, end); instants compare across UTC offsets."""
        found: dict[tuple[str, dt.datetime, dt.datetime], list[UUID]] = defaultdict(list)
        with self.app.read() as c:
            for r in c.execute("SELECT id, name, start_at, end_at FROM view_activities WHERE org_id = ?",
                               (str(self.org_id),)).fetchall():
                key = (r["name"], dt.datetime.fromisoformat(r["start_at"]), dt.datetime.fromisoformat(r["end_at"]))
                found[key].append(UUID(r["id"]))
        return found

    def load_service(self, people: dict[str, tuple[UUID, str]]) -> None:
        """The stored records of the matched volunteers, with their activities' spans, in a few queries."""
        ids = sorted(str(volunteer_id) for volunteer_id, _ in people.values())
        with self.app.read() as c:
            rows = c.select_in("SELECT r.volunteer_id AS volunteer_id, r.activity_id AS activity_id, "
                               "r.centi_hours AS centi_hours, a.start_at AS start_at, a.end_at AS end_at "
                               "FROM view_records r JOIN view_activities a ON a.id = r.activity_id "
                               "WHERE r.volunteer_id IN ({marks})", ids)
        for r in rows:
            self.service[UUID(r["volunteer_id"])].add(
                UUID(r["activity_id"]), dt.datetime.fromisoformat(r["start_at"]),
                dt.datetime.fromisoformat(r["end_at"]), hours_of(r["centi_hours"]), None)

    # -- the outcome ------------------------------------------------------------------------------------------------

    def aggregates(self) -> list[Any]:
        volunteers = [p.new for p in self.people.values() if p.new is not None]
        activities = [e.activity for e in self.events.values() if e.new and e.activity is not None]
        return [*volunteers, *activities, *self.records]

    def summary(self) -> dict[str, Any]:
        warnings: Counter[str] = Counter(w["code"] for r in self.records for w in r.warnings)
        return {
            "rows": len(self.parsed.rows),
            "volunteers_created": sum(1 for p in self.people.values() if p.new is not None),
            "volunteers_matched": len(self.matched_people),
            "activities_created": sum(1 for e in self.events.values() if e.new),
            "activities_matched": len(self.matched_events),
            "records_created": len(self.records),
            # Per record: a record carries its activity's warnings and its own (domain.screening).
            "warnings": dict(sorted(warnings.items())),
        }


def _same(key: str, one: Any, other: Any) -> bool:
    """Whether two rows give the same detail; phone numbers compare as the digits the domain keeps, so that
    "138 0013 8000" and "+8613800138000" on two rows of one person are no conflict."""
    if key == "phone":
        try:
            return check_phone(one) == check_phone(other)
        except VledgerError:
            pass  # an invalid phone is reported by registration; compare as written
    return bool(one == other)


def _row_note(row: int | None) -> str:
    return f" (row {row} of this file)" if row else " (a record already stored)"
