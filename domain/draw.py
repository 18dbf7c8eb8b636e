"""Reproducible draws of spot-check targets and inspectors (双随机、一公开): both drawn at random, the draw published.

Sources: Gangcheng plan 000 三 (key targets: organizations with many activities and wide influence; any organization
complained about over its records or certificates is checked that year) and 七(二)2 (a penalised organization is a
key target of the next check); Hunan notice 001 二(二) (key targets: many registered volunteers, frequent activities,
wide social influence; complaints; at least 10 organizations checked on site per city and county before September).

Anyone holding the published seed, the rule parameters and the published candidate list can re-run a draw with the
algorithm below and must obtain the same targets in the same order; ``Draw.check_reproduces`` does exactly that.

The algorithm (version ``vledger-draw-v1``)
-------------------------------------------
Identifiers are UUIDs written in lowercase with hyphens (``str(uuid)``); text is UTF-8; ``‖`` is concatenation.

1. Canonical candidate list. One line per candidate,
   ``org_id TAB region TAB kind TAB volunteers TAB activities TAB influence TAB complaints TAB penalty LF``
   (numbers in decimal, ``penalty`` ``1`` or ``0``), lines sorted by ``org_id``. Its SHA-256 in hex is the
   candidate digest committed to in ``DrawSeedPublished``.
2. Must-check targets: a candidate with ``complaints >= 1`` gets reason ``complaint``; one penalised last year gets
   ``penalty_last_year``.
3. Key targets. ``n`` = number of candidates, ``k = ceil(n * key_top_per_mille / 1000)``. For each measure —
   ``volunteers`` (reason ``many_volunteers``), ``activities`` (``frequent_activities``), ``influence``
   (``wide_influence``) — the threshold is the ``k``-th largest value of the measure over all candidates (duplicates
   counted); a candidate gets the reason when its value is at least ``max(threshold, min_<measure>)``. Ties at the
   threshold are all in, so the key targets do not depend on any order.
4. Random targets. ``pool`` = the candidates without a reason after steps 2 and 3, their ids sorted ascending;
   ``r = min(len(pool), max(0, quota - number of targets after step 3))``.
   Stream key ``K = SHA-256(seed ‖ "vledger-draw-v1\\ntargets\\n" ‖ year ‖ "\\n" ‖ region ‖ "\\n" ‖ id_1 ‖ "\\n" ‖ …
   ‖ id_m ‖ "\\n")`` over the pool's ids in that order. Byte stream: ``SHA-256(K ‖ uint64_be(0)) ‖
   SHA-256(K ‖ uint64_be(1)) ‖ …``. ``below(m)``: read the next 8 bytes as an unsigned big-endian integer ``x``;
   if ``x >= 2**64 - (2**64 mod m)`` discard it and read again (no modulo bias); else return ``x mod m``.
   Partial Fisher–Yates: for ``j = 0 … r-1``: ``t = j + below(len(pool) - j)``; swap ``pool[j]`` and ``pool[t]``.
   The random targets are ``pool[0:r]`` in that order, reason ``random``.
5. Result: targets of steps 2–3 in ascending id order, each with its reasons in the order complaint,
   penalty_last_year, many_volunteers, frequent_activities, wide_influence; then the random targets in drawn order.
   Must-check and key targets are always in, even beyond the quota (the quota is a minimum); when the candidates
   are fewer than the quota, the shortfall is reported.

Inspectors for one target are drawn the same way, from a pool committed with the seed. ``DrawSeedPublished``
records ``inspector_pool``: the ids, sorted ascending, of every inspector appointed at that moment who serves the
draw's region (one without a region, or with a region containing the draw's or inside it). Round ``r`` for
organization ``org_id``: ``pool`` = ``inspector_pool`` minus the inspectors excluded for a conflict of interest with
that organization, minus those drawn for it in rounds ``1 … r-1``, sorted ascending. An exclusion is either declared
by the inspector (``ConflictDeclared`` on any inspection of that organization) or asserted by the registry with a
reason; both are recorded in the round's ``InspectorsDrawn`` (``declared_conflicts``, ``registry_conflicts``) and
published. Stream key ``K = SHA-256(seed ‖ "vledger-draw-v1\\ninspectors\\n" ‖ org_id ‖ "\\n" ‖ round ‖ "\\n" ‖
id_1 ‖ "\\n" ‖ …)``; the first ``count`` of the partial Fisher–Yates shuffle. Round 1 is the team (at least two,
Gangcheng plan 000 四); later rounds draw replacements for recused inspectors. Nobody outside the committed pool is
ever drawn, and nobody in it is left out but those already drawn for the organization and those excluded on the
record. Draws published before the pool was committed (``inspector_pool`` null, ``pool_recorded`` false in the
published draw) draw each round from the pool the round lists as ``eligible``, which the registry could choose.

Commit, then draw: ``DrawSeedPublished`` (seed, year, region, the candidate list and its digest, rule parameters,
the inspector pool) must be saved before ``TargetsDrawn`` is computed, so the targets are fixed by what was on the
record first, and the inspectors are drawn from a pool fixed before anyone knew the seed: knowing the seed, the
registry can no longer choose the pool that yields the team it wants. What it can still do after the seed is exclude
an inspector for a conflict, and each such exclusion is published with its reason. This binds the draw to its seed;
it does not stop a drawing party who picks the seed from trying many seeds privately and publishing a convenient
one. Where that matters, take the seed from a source nobody controls (a witnessed lottery, a public beacon) and say
which in ``seed_source``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID, uuid4

from domain.base import INSPECTION, VledgerAggregate, check_text
from domain.errors import ConflictError, InvalidFieldError, RuleViolationError
from domain.organization import check_region_code, region_prefix
from domain.people import contains_personal_number

ALGORITHM = "vledger-draw-v1"
MIN_SEED_BYTES = 16  # 128 bits: nobody guesses it before it is published
MAX_SEED_BYTES = 64
MIN_INSPECTORS = 2  # Gangcheng plan 000 四: 工作人员不得少于两人
DEFAULT_QUOTA = 10  # Hunan notice 001 二(二): 每年9月前市县两级需各对不少于10家…进行现场抽查
MAX_QUOTA = 10_000
DEADLINE_MONTH, DEADLINE_DAY = 8, 31  # "before September": the last day that counts
MAX_INSPECTOR_POOL = 10_000
MAX_CONFLICT_REASON = 200  # a registry exclusion's reason, published with the draw


class Reason(StrEnum):
    """Why an organization is a target, in the order a target lists its reasons."""

    COMPLAINT = "complaint"  # Gangcheng plan 000 三; Hunan notice 001 二(二): 被志愿者投诉…应当列入当年抽查范围
    PENALTY_LAST_YEAR = "penalty_last_year"  # Gangcheng plan 000 七(二)2: 列入下一次重点抽查对象
    MANY_VOLUNTEERS = "many_volunteers"  # Hunan notice 001 二(二): 注册志愿者较多
    FREQUENT_ACTIVITIES = "frequent_activities"  # 活动较频繁 / 活动较多
    WIDE_INFLUENCE = "wide_influence"  # 社会影响力较大 / 影响较大
    RANDOM = "random"  # drawn from the rest


MUST_CHECK = frozenset({Reason.COMPLAINT, Reason.PENALTY_LAST_YEAR})
REASON_ORDER = tuple(Reason)


@dataclass(frozen=True)
class TargetFacts:
    """What the registry knows of one candidate organization on the day of the draw (published with the draw)."""

    org_id: UUID
    region: str
    kind: str
    volunteers: int  # registered volunteers
    activities: int  # activities in the last 12 months
    influence: int  # e.g. certificates issued or verified in the last 12 months
    complaints: int  # complaints filed this year
    penalty_last_year: bool

    def as_dict(self) -> dict[str, Any]:
        """The candidate as published with the draw's seed (``DrawSeedPublished.candidates``)."""
        return {"org_id": str(self.org_id), "region": self.region, "kind": self.kind, "volunteers": self.volunteers,
                "activities": self.activities, "influence": self.influence, "complaints": self.complaints,
                "penalty_last_year": self.penalty_last_year}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetFacts:
        return cls(org_id=UUID(str(data["org_id"])), region=str(data["region"]), kind=str(data["kind"]),
                   volunteers=int(data["volunteers"]), activities=int(data["activities"]),
                   influence=int(data["influence"]), complaints=int(data["complaints"]),
                   penalty_last_year=bool(data["penalty_last_year"]))

    def line(self) -> str:
        """This candidate's line of the canonical candidate list (step 1)."""
        return "\t".join((str(self.org_id), self.region, self.kind, str(self.volunteers), str(self.activities),
                          str(self.influence), str(self.complaints), "1" if self.penalty_last_year else "0")) + "\n"


@dataclass(frozen=True)
class DrawRules:
    """The published rule parameters of a draw (stored with the seed)."""

    quota: int = DEFAULT_QUOTA
    key_top_per_mille: int = 100  # the top decile of each measure is key
    min_volunteers: int = 1  # a measure of 0 never makes anyone key
    min_activities: int = 1
    min_influence: int = 1

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DrawRules:
        return cls(**{name: int(data[name]) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Target:
    org_id: UUID
    reasons: tuple[Reason, ...]

    @property
    def must_check(self) -> bool:
        return any(reason in MUST_CHECK for reason in self.reasons)

    def as_dict(self) -> dict[str, Any]:
        return {"org_id": str(self.org_id), "reasons": [reason.value for reason in self.reasons]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Target:
        return cls(UUID(str(data["org_id"])), tuple(Reason(r) for r in data["reasons"]))


@dataclass(frozen=True)
class DrawResult:
    targets: tuple[Target, ...]
    quota: int
    candidate_count: int
    candidates_digest: str

    @property
    def shortfall(self) -> int:
        """How many targets the quota asks for beyond all the candidates there are."""
        return max(0, self.quota - len(self.targets))

    @property
    def drawn_at_random(self) -> tuple[UUID, ...]:
        return tuple(t.org_id for t in self.targets if Reason.RANDOM in t.reasons)


# -- checks of the inputs --------------------------------------------------------------------------------------


def check_seed(seed: bytes) -> bytes:
    if not MIN_SEED_BYTES <= len(seed) <= MAX_SEED_BYTES:
        raise InvalidFieldError("seed", f"expected {MIN_SEED_BYTES} to {MAX_SEED_BYTES} random bytes, found "
                                f"{len(seed)}")
    return bytes(seed)


def check_year(year: int) -> int:
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2999:
        raise InvalidFieldError("year", "expected a calendar year such as 2026")
    return year


def check_draw_region(region: str) -> str:
    """A draw covers one administrative division (a city or county checks its own organizations)."""
    code = check_region_code(region)
    if code is None:
        raise InvalidFieldError("region", "expected the administrative division code the draw covers")
    return code


def check_rules(rules: DrawRules) -> DrawRules:
    if not 1 <= rules.quota <= MAX_QUOTA:
        raise InvalidFieldError("quota", f"expected 1 to {MAX_QUOTA} organizations")
    if not 0 <= rules.key_top_per_mille <= 1000:
        raise InvalidFieldError("key_top_per_mille", "expected 0 to 1000 (per mille of the candidates)")
    for name in ("min_volunteers", "min_activities", "min_influence"):
        if getattr(rules, name) < 1:
            raise InvalidFieldError(name, "expected at least 1: a measure of 0 makes nobody a key target")
    return rules


def check_candidates(candidates: Sequence[TargetFacts], region: str) -> list[TargetFacts]:
    """Every candidate once, inside the draw's region, with counts that are counts."""
    prefix = region_prefix(region)
    seen: set[UUID] = set()
    for facts in candidates:
        if facts.org_id in seen:
            raise InvalidFieldError("candidates", f"organization {facts.org_id} is listed twice")
        seen.add(facts.org_id)
        if not facts.region.startswith(prefix):
            raise RuleViolationError(f"organization {facts.org_id} is in region {facts.region}, outside the draw's "
                                     f"region {region}", code="candidate_outside_region")
        for name in ("volunteers", "activities", "influence", "complaints"):
            value = getattr(facts, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidFieldError(name, f"expected a count of 0 or more for organization {facts.org_id}")
        if "\t" in facts.region + facts.kind or "\n" in facts.region + facts.kind:
            raise InvalidFieldError("candidates", "region and kind must not contain tabs or line breaks")
    return sorted(candidates, key=lambda f: str(f.org_id))


def check_inspector_pool(inspectors: Iterable[UUID]) -> list[UUID]:
    """An inspector pool: every inspector once, sorted by id (as text, like every list the algorithm reads)."""
    pool = sorted(set(inspectors), key=str)
    if len(pool) > MAX_INSPECTOR_POOL:
        raise InvalidFieldError("inspector_pool", f"at most {MAX_INSPECTOR_POOL} inspectors, found {len(pool)}")
    return pool


def check_conflict_reason(reason: str | None) -> str:
    """Why the registry excludes an inspector from a draw: required, and published with the draw, so bounded and
    without an ID or phone number (the message never repeats the number)."""
    text = check_text("reason", reason, max_length=MAX_CONFLICT_REASON)
    if contains_personal_number(text):
        raise InvalidFieldError("reason", "must not contain an ID number or a phone number: the reason is published "
                                "with the draw", code="personal_number_in_text")
    return text


def check_registry_conflicts(conflicts: Iterable[tuple[UUID, str]],
                             pool: Iterable[UUID]) -> list[tuple[UUID, str]]:
    """The registry's exclusions for one round: each inspector once, each in the committed pool (excluding anyone
    else changes nothing and would only look like an exclusion), each with a reason; sorted by inspector id."""
    members = set(pool)
    seen: dict[UUID, str] = {}
    for inspector, reason in conflicts:
        if inspector in seen:
            raise InvalidFieldError("conflicts", f"inspector {inspector} is listed twice")
        if inspector not in members:
            raise RuleViolationError(f"inspector {inspector} is not in this draw's inspector pool",
                                     code="not_in_pool")
        seen[inspector] = check_conflict_reason(reason)
    return sorted(seen.items(), key=lambda item: str(item[0]))


# -- the algorithm ---------------------------------------------------------------------------------------------


def candidates_digest(candidates: Iterable[TargetFacts]) -> str:
    """Step 1: SHA-256 (hex) of the canonical candidate list."""
    lines = sorted((facts.line() for facts in candidates), key=lambda line: line.split("\t", 1)[0])
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def _byte_stream(key: bytes) -> Iterator[int]:
    counter = 0
    while True:
        yield from hashlib.sha256(key + counter.to_bytes(8, "big")).digest()
        counter += 1


def _below(stream: Iterator[int], m: int) -> int:
    """Uniform in [0, m) by rejection: values in the incomplete last band of 2**64 are discarded."""
    limit = 2**64 - (2**64 % m)
    while True:
        x = int.from_bytes(bytes(next(stream) for _ in range(8)), "big")
        if x < limit:
            return x % m


def shuffled_prefix(seed: bytes, label: Sequence[str], pool_ids: Sequence[str], count: int) -> list[str]:
    """Step 4: the first ``count`` ids of a partial Fisher–Yates shuffle of the sorted ``pool_ids``, driven by the
    SHA-256 counter-mode stream keyed by seed, label lines and the pool."""
    pool = sorted(pool_ids)
    material = "".join(f"{part}\n" for part in (ALGORITHM, *label, *pool))
    stream = _byte_stream(hashlib.sha256(seed + material.encode("utf-8")).digest())
    for j in range(min(count, len(pool))):
        t = j + _below(stream, len(pool) - j)
        pool[j], pool[t] = pool[t], pool[j]
    return pool[:count]


def _key_threshold(values: list[int], k: int, minimum: int) -> int | None:
    """The least value that makes a candidate key on one measure (None: nobody is)."""
    if k <= 0 or not values:
        return None
    kth = sorted(values, reverse=True)[min(k, len(values)) - 1]
    return max(kth, minimum)


def draw_targets(candidates: Sequence[TargetFacts], *, seed: bytes, year: int, region: str,
                 quota: int | None = None, rules: DrawRules | None = None) -> DrawResult:
    """The targets of one region's checks for one year: must-check and key targets by the published rules, the rest
    of the quota drawn at random from the published seed (the module docstring gives the exact algorithm)."""
    rules = rules or DrawRules()
    rules = check_rules(replace(rules, quota=quota) if quota is not None else rules)
    seed = check_seed(seed)
    year = check_year(year)
    region = check_draw_region(region)
    ordered = check_candidates(candidates, region)
    n = len(ordered)
    k = -(-n * rules.key_top_per_mille // 1000)  # ceil without floats
    thresholds = {
        Reason.MANY_VOLUNTEERS: _key_threshold([f.volunteers for f in ordered], k, rules.min_volunteers),
        Reason.FREQUENT_ACTIVITIES: _key_threshold([f.activities for f in ordered], k, rules.min_activities),
        Reason.WIDE_INFLUENCE: _key_threshold([f.influence for f in ordered], k, rules.min_influence),
    }
    fixed: list[Target] = []
    pool: list[str] = []
    for facts in ordered:
        measured = {Reason.MANY_VOLUNTEERS: facts.volunteers, Reason.FREQUENT_ACTIVITIES: facts.activities,
                    Reason.WIDE_INFLUENCE: facts.influence}
        reasons: set[Reason] = set()
        if facts.complaints >= 1:
            reasons.add(Reason.COMPLAINT)
        if facts.penalty_last_year:
            reasons.add(Reason.PENALTY_LAST_YEAR)
        for reason, threshold in thresholds.items():
            if threshold is not None and measured[reason] >= threshold:
                reasons.add(reason)
        if reasons:
            fixed.append(Target(facts.org_id, tuple(r for r in REASON_ORDER if r in reasons)))
        else:
            pool.append(str(facts.org_id))
    wanted = min(len(pool), max(0, rules.quota - len(fixed)))
    drawn = shuffled_prefix(seed, ("targets", str(year), region), pool, wanted)
    targets = (*fixed, *(Target(UUID(org_id), (Reason.RANDOM,)) for org_id in drawn))
    return DrawResult(targets=targets, quota=rules.quota, candidate_count=n,
                      candidates_digest=candidates_digest(ordered))


def draw_inspectors(inspectors: Iterable[UUID], *, seed: bytes, org_id: UUID,
                    conflicts: Iterable[tuple[UUID, UUID]] = (), count: int = MIN_INSPECTORS, draw_round: int = 1,
                    exclude: Iterable[UUID] = ()) -> tuple[UUID, ...]:
    """Draw ``count`` inspectors for the check of ``org_id`` from those offered, never one who declared a conflict
    of interest with that organization (``conflicts``: (inspector, organization) pairs) nor one already on the team
    (``exclude``). Round 1 draws the team, at least two (Gangcheng plan 000 四); later rounds draw replacements."""
    seed = check_seed(seed)
    if draw_round < 1:
        raise InvalidFieldError("draw_round", "expected 1 for the team, 2 or more for replacements")
    least = MIN_INSPECTORS if draw_round == 1 else 1
    if count < least:
        raise RuleViolationError(f"an on-site check needs at least {MIN_INSPECTORS} inspectors: draw at least "
                                 f"{least}, found {count}", code="fewer_than_two_inspectors")
    eligible = eligible_inspectors(inspectors, org_id=org_id, conflicts=conflicts, exclude=exclude)
    if len(eligible) < count:
        raise RuleViolationError(f"{count} inspectors are needed for organization {org_id} but only {len(eligible)} "
                                 "are eligible (without a conflict of interest and not already on the team)",
                                 code="too_few_inspectors")
    drawn = shuffled_prefix(seed, ("inspectors", str(org_id), str(draw_round)), [str(i) for i in eligible], count)
    return tuple(UUID(i) for i in drawn)


def eligible_inspectors(inspectors: Iterable[UUID], *, org_id: UUID, conflicts: Iterable[tuple[UUID, UUID]] = (),
                        exclude: Iterable[UUID] = ()) -> list[UUID]:
    """The pool of an inspector draw, sorted: offered, minus conflicts with ``org_id``, minus ``exclude``."""
    barred = {inspector for inspector, org in conflicts if org == org_id} | set(exclude)
    return sorted(set(inspectors) - barred, key=str)


# -- the annual quota ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaStatus:
    """Checks done on site in one region and year against the quota due before September (Hunan notice 001 二(二))."""

    region: str
    year: int
    quota: int
    checks_done_on_site: int
    deadline: dt.date  # the last day that counts

    @property
    def remaining(self) -> int:
        return max(0, self.quota - self.checks_done_on_site)

    @property
    def met(self) -> bool:
        return self.checks_done_on_site >= self.quota

    def overdue(self, today: dt.date) -> bool:
        """The deadline passed with the quota unmet."""
        return today > self.deadline and not self.met


def quota_deadline(year: int) -> dt.date:
    return dt.date(check_year(year), DEADLINE_MONTH, DEADLINE_DAY)


def quota_status(region: str, year: int, on_site_days: Iterable[dt.date], quota: int = DEFAULT_QUOTA) -> QuotaStatus:
    """Count the on-site checks (their China-time days) of ``year`` made on or before the deadline; later checks
    are done but do not count towards the quota due before September."""
    deadline = quota_deadline(year)
    done = sum(1 for day in on_site_days if day.year == year and day <= deadline)
    if not 1 <= quota <= MAX_QUOTA:
        raise InvalidFieldError("quota", f"expected 1 to {MAX_QUOTA} organizations")
    return QuotaStatus(region=check_draw_region(region), year=year, quota=quota, checks_done_on_site=done,
                       deadline=deadline)


# -- the Draw aggregate ----------------------------------------------------------------------------------------


class Draw(VledgerAggregate):
    """One region's draw for one year, on the inspection authority's record: the seed first, then the targets, then
    the inspectors for each target. Every step is an event signed with the inspection key."""

    AUTHORITY: ClassVar[str] = INSPECTION

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    seed_hex: str
    year: int
    region: str
    candidates_digest: str
    candidate_count: int
    rules: dict[str, int]
    seed_source: str
    published_candidates: tuple[TargetFacts, ...]
    # committed with the seed, sorted; None for a draw published before pools were committed (registry-supplied)
    inspector_pool: tuple[UUID, ...] | None
    targets: tuple[Target, ...] | None
    # (org_id, round) → inspectors drawn; a tuple of pairs so state is replaced, never changed in place
    inspector_rounds: tuple[tuple[UUID, int, tuple[UUID, ...]], ...]

    class DrawSeedPublished(VledgerAggregate.Created):
        # Version 2 added the inspector pool; events stored before carry none and are upcast on reading
        # (eventsourcing calls ``upcast_v1_v2`` with the decoded state): their rounds drew from registry-given pools.
        class_version = 2

        algorithm: str
        seed_hex: str
        seed_source: str
        year: int
        region: str
        candidates_digest: str
        candidate_count: int
        rules: dict[str, int]
        # The candidate list itself, sorted by org_id (``TargetFacts.as_dict``): published with the seed so that
        # anyone can re-run the draw, and the one the targets are drawn from.
        candidates: list[dict[str, Any]]
        # Every appointed inspector serving the region when the seed was published, sorted: the only inspectors
        # this draw's rounds draw from, fixed before anyone knew the seed.
        inspector_pool: list[UUID] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Seeds published before the pool was committed: no pool on the record."""
            state.setdefault("inspector_pool", None)

        def apply(self, aggregate: Draw) -> None:
            aggregate.published_candidates = tuple(TargetFacts.from_dict(c) for c in self.candidates)
            aggregate.inspector_pool = (None if self.inspector_pool is None else
                                        tuple(UUID(str(i)) for i in self.inspector_pool))
            aggregate.seed_hex = self.seed_hex
            aggregate.seed_source = self.seed_source
            aggregate.year = self.year
            aggregate.region = self.region
            aggregate.candidates_digest = self.candidates_digest
            aggregate.candidate_count = self.candidate_count
            aggregate.rules = dict(self.rules)
            aggregate.targets = None
            aggregate.inspector_rounds = ()

    class TargetsDrawn(VledgerAggregate.Event):
        targets: list[dict[str, Any]]
        quota: int
        shortfall: int

        def apply(self, aggregate: Draw) -> None:
            aggregate.targets = tuple(Target.from_dict(t) for t in self.targets)

    class InspectorsDrawn(VledgerAggregate.Event):
        # Version 2 added who excluded each inspector and why; rounds stored before carry empty lists (upcast on
        # reading), their ``excluded_for_conflict`` unexplained.
        class_version = 2

        org_id: UUID
        draw_round: int
        eligible: list[UUID]  # the pool of this round, sorted: enough to re-run the draw
        excluded_for_conflict: list[UUID]  # all excluded for a conflict: declared ∪ the registry's
        already_on_team: list[UUID]
        inspectors: list[UUID]
        declared_conflicts: list[UUID]  # in the pool and declared a conflict on an inspection of the organization
        registry_conflicts: list[dict[str, str]]  # {inspector_id, reason}, sorted by inspector_id

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("declared_conflicts", [])
            state.setdefault("registry_conflicts", [])

        def apply(self, aggregate: Draw) -> None:
            aggregate.inspector_rounds = (*aggregate.inspector_rounds,
                                          (self.org_id, self.draw_round, tuple(self.inspectors)))

    @classmethod
    def publish_seed(cls, *, now: dt.datetime, actor: str, seed: bytes, year: int, region: str,
                     candidates: Sequence[TargetFacts], inspector_pool: Iterable[UUID], rules: DrawRules | None = None,
                     seed_source: str = "generated by the service") -> Draw:
        """Commit to the seed, the candidate list (published whole, and by digest), the rules and the inspector pool
        (the inspectors serving the region now), before anything is drawn."""
        rules = check_rules(rules or DrawRules())
        region = check_draw_region(region)
        ordered = check_candidates(candidates, region)
        return cls._create(cls.DrawSeedPublished, id=uuid4(), timestamp=now, actor=actor, authority=INSPECTION,
                           algorithm=ALGORITHM, seed_hex=check_seed(seed).hex(),
                           seed_source=check_text("seed_source", seed_source, max_length=200),
                           year=check_year(year), region=region, candidates_digest=candidates_digest(ordered),
                           candidate_count=len(ordered), rules=rules.as_dict(),
                           candidates=[facts.as_dict() for facts in ordered],
                           inspector_pool=check_inspector_pool(inspector_pool))

    @property
    def seed(self) -> bytes:
        return bytes.fromhex(self.seed_hex)

    @property
    def draw_rules(self) -> DrawRules:
        return DrawRules.from_dict(self.rules)

    # -- guards -----------------------------------------------------------------------------------------------

    def check_seed_on_record(self) -> None:
        """Commit, then draw: the seed event is saved before the targets are computed (409 otherwise)."""
        if any(isinstance(e, Draw.DrawSeedPublished) for e in self.pending_events):
            raise ConflictError("save the published seed before drawing: the draw must follow the record of its "
                                "seed", code="seed_not_on_record")

    def check_same_candidates(self, candidates: Sequence[TargetFacts]) -> None:
        """The candidates drawn from are the ones committed to with the seed (422 otherwise)."""
        digest = candidates_digest(check_candidates(candidates, self.region))
        if digest != self.candidates_digest:
            raise RuleViolationError(f"the candidate list differs from the one published with the seed (digest "
                                     f"{digest[:16]}…, published {self.candidates_digest[:16]}…)",
                                     code="candidates_changed")

    def check_not_drawn(self) -> None:
        if self.targets is not None:
            raise ConflictError("the targets of this draw were already drawn", code="already_drawn")

    def check_drawn(self) -> tuple[Target, ...]:
        if self.targets is None:
            raise ConflictError("the targets of this draw are not drawn yet", code="not_drawn")
        return self.targets

    def recompute(self, candidates: Sequence[TargetFacts]) -> DrawResult:
        """What the published algorithm gives for this draw's seed, year, region and rules."""
        self.check_same_candidates(candidates)
        return draw_targets(candidates, seed=self.seed, year=self.year, region=self.region, rules=self.draw_rules)

    def check_reproduces(self, candidates: Sequence[TargetFacts]) -> None:
        """Anyone's check of a published draw: the recorded targets are exactly what the algorithm gives from the
        published seed and candidate list, in the same order with the same reasons (422 otherwise)."""
        recorded = self.check_drawn()
        if self.recompute(candidates).targets != recorded:
            raise RuleViolationError("the recorded targets are not what the published seed and candidate list give",
                                     code="draw_not_reproduced")

    # -- commands ---------------------------------------------------------------------------------------------

    def draw_targets(self, *, now: dt.datetime, actor: str, candidates: Sequence[TargetFacts]) -> DrawResult:
        """Draw the targets from the committed seed and candidates, and record them with their reasons."""
        self.check_seed_on_record()
        self.check_not_drawn()
        result = self.recompute(candidates)
        self.trigger_event(self.TargetsDrawn, timestamp=now, actor=actor, authority=INSPECTION,
                           targets=[t.as_dict() for t in result.targets], quota=result.quota,
                           shortfall=result.shortfall)
        return result

    def target(self, org_id: UUID) -> Target:
        """The drawn target for one organization (422 when it is not one)."""
        for target in self.check_drawn():
            if target.org_id == org_id:
                return target
        raise RuleViolationError(f"organization {org_id} is not a target of this draw", code="not_a_target")

    def inspectors_drawn(self, org_id: UUID, draw_round: int = 1) -> tuple[UUID, ...] | None:
        """The inspectors drawn for one target in one round (None: no such round)."""
        for org, number, inspectors in self.inspector_rounds:
            if org == org_id and number == draw_round:
                return inspectors
        return None

    def rounds_for(self, org_id: UUID) -> int:
        return sum(1 for org, _, _ in self.inspector_rounds if org == org_id)

    def draw_inspectors(self, *, now: dt.datetime, actor: str, org_id: UUID, declared: Iterable[UUID] = (),
                        registry_conflicts: Iterable[tuple[UUID, str]] = (), count: int = MIN_INSPECTORS,
                        legacy_pool: Iterable[UUID] | None = None) -> tuple[UUID, ...]:
        """Draw (and record) the inspectors of one target from the pool committed with the seed: round 1 the team,
        later rounds replacements. Left out, on the record: those of the pool who declared a conflict of interest
        with the organization (``declared``), those the registry excludes with a reason (``registry_conflicts``:
        (inspector, reason) pairs), and those drawn for it in earlier rounds. ``legacy_pool`` serves only a draw
        published before pools were committed, which has none."""
        self.target(org_id)
        if self.inspector_pool is None:
            if legacy_pool is None:
                raise InvalidFieldError("inspector_pool", "this draw has no committed inspector pool: name the "
                                        "inspectors offered")
            pool = check_inspector_pool(legacy_pool)
        elif legacy_pool is not None:
            raise RuleViolationError("the inspector pool was committed with the seed and cannot be replaced",
                                     code="pool_committed")
        else:
            pool = list(self.inspector_pool)
        members = set(pool)
        asserted = check_registry_conflicts(registry_conflicts, members)
        self_declared = sorted(set(declared) & members, key=str)
        excluded = sorted(set(self_declared) | {inspector for inspector, _ in asserted}, key=str)
        pairs = [(inspector, org_id) for inspector in excluded]
        earlier = {i for org, _, team in self.inspector_rounds if org == org_id for i in team}
        number = self.rounds_for(org_id) + 1
        drawn = draw_inspectors(pool, seed=self.seed, org_id=org_id, conflicts=pairs, count=count,
                                draw_round=number, exclude=earlier)
        self.trigger_event(self.InspectorsDrawn, timestamp=now, actor=actor, authority=INSPECTION, org_id=org_id,
                           draw_round=number,
                           eligible=eligible_inspectors(pool, org_id=org_id, conflicts=pairs, exclude=earlier),
                           excluded_for_conflict=excluded, already_on_team=sorted(earlier & members, key=str),
                           declared_conflicts=self_declared,
                           registry_conflicts=[{"inspector_id": str(i), "reason": r} for i, r in asserted],
                           inspectors=list(drawn))
        return drawn
