"""Draws of targets and inspectors through HTTP (双随机、一公开): the registry publishes a seed (saved first), then
draws; anyone reads the draw — seed, rules, candidate list, targets with reasons — and can re-run it.

Sources: Gangcheng plan 000 三 (key targets: many activities, wide influence; a complained-about organization is
checked that year) and 七(二)2 (a penalised organization is next year's key target); Hunan notice 001 二(二) (many
registered volunteers; at least 10 checked on site per city and county before September).

The test re-runs the draw with its own implementation of the algorithm as ``domain/draw.py`` documents it
(``vledger-draw-v1``), from the published data alone.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from domain.draw import Draw, DrawRules
from domain.workdays import china_date
from tests.api.http_world import World, assert_error_body, bearer, created
from tests.api.test_inspections_http import (  # noqa: F401  (fixtures)
    REGION,
    Clock,
    appoint,
    clock,
    initialized,
    plan,
    register_org,
    step,
)
from tests.integration.support import with_check_char

YEAR = 2026


# -- the documented algorithm, written again from the docstring ------------------------------------------------


def stream(key: bytes) -> Any:
    counter = 0
    while True:
        yield from hashlib.sha256(key + counter.to_bytes(8, "big")).digest()
        counter += 1


def below(source: Any, m: int) -> int:
    limit = 2**64 - (2**64 % m)
    while True:
        x = int.from_bytes(bytes(next(source) for _ in range(8)), "big")
        if x < limit:
            return x % m


def shuffle_prefix(seed: bytes, labels: list[str], ids: list[str], count: int) -> list[str]:
    pool = sorted(ids)
    material = "".join(line + "\n" for line in ["vledger-draw-v1", *labels, *pool]).encode()
    source = stream(hashlib.sha256(seed + material).digest())
    for j in range(min(count, len(pool))):
        t = j + below(source, len(pool) - j)
        pool[j], pool[t] = pool[t], pool[j]
    return pool[:count]


def rerun(published: dict[str, Any]) -> list[dict[str, Any]]:
    """Steps 1–5 of ``vledger-draw-v1`` over the published seed, rules and candidates."""
    candidates = sorted(published["candidates"], key=lambda c: c["org_id"])
    lines = "".join("\t".join([c["org_id"], c["region"], c["kind"], str(c["volunteers"]), str(c["activities"]),
                               str(c["influence"]), str(c["complaints"]), "1" if c["penalty_last_year"] else "0"])
                    + "\n" for c in candidates)
    assert hashlib.sha256(lines.encode()).hexdigest() == published["candidates_digest"]
    rules = published["rules"]
    k = -(-len(candidates) * rules["key_top_per_mille"] // 1000)
    measures = {"many_volunteers": ("volunteers", rules["min_volunteers"]),
                "frequent_activities": ("activities", rules["min_activities"]),
                "wide_influence": ("influence", rules["min_influence"])}
    thresholds = {}
    for reason, (field, minimum) in measures.items():
        values = sorted((c[field] for c in candidates), reverse=True)
        thresholds[reason] = max(values[min(k, len(values)) - 1], minimum) if k > 0 and values else None
    fixed, pool = [], []
    for c in candidates:
        reasons = []
        if c["complaints"] >= 1:
            reasons.append("complaint")
        if c["penalty_last_year"]:
            reasons.append("penalty_last_year")
        for reason, (field, _) in measures.items():
            if thresholds[reason] is not None and c[field] >= thresholds[reason]:
                reasons.append(reason)
        if reasons:
            fixed.append({"org_id": c["org_id"], "reasons": reasons})
        else:
            pool.append(c["org_id"])
    wanted = min(len(pool), max(0, rules["quota"] - len(fixed)))
    drawn = shuffle_prefix(bytes.fromhex(published["seed_hex"]), ["targets", str(published["year"]),
                                                                  published["region"]], pool, wanted)
    return [*fixed, *({"org_id": o, "reasons": ["random"]} for o in drawn)]


# -- helpers -----------------------------------------------------------------------------------------------------


def publish(world: World, **body: Any) -> Any:
    return world.client.post("/api/v1/draws", json={"region": REGION, "year": YEAR, **body},
                             headers=bearer(world.registry_token))


def draw(world: World, draw_id: str) -> dict[str, Any]:
    response = world.client.post(f"/api/v1/draws/{draw_id}/targets", headers=bearer(world.registry_token))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture
def region_orgs(world: World) -> list[dict[str, Any]]:
    """Fourteen organizations in the district; the first has a volunteer and an activity (a key target)."""
    orgs = [register_org(world, f"钢城区第{n}志愿服务队") for n in range(1, 15)]
    as_first = bearer(orgs[0]["token"])
    created(world.client.post(f"/api/v1/organizations/{orgs[0]['id']}/volunteers", headers=as_first,
                              json={"name": "孙志愿", "id_number": with_check_char("11010519900101003")}))
    created(world.client.post(f"/api/v1/organizations/{orgs[0]['id']}/activities", headers=as_first,
                              json={"name": "敬老院陪伴", "start": "2026-05-20T09:00:00+08:00",
                                    "end": "2026-05-20T11:00:00+08:00", "place": "钢城区敬老院",
                                    "recipients": "老人", "content": "陪伴", "leader": "甲", "recorder": "乙"}))
    return orgs


# -- tests -------------------------------------------------------------------------------------------------------


def test_publish_then_draw_then_anyone_reads_and_reproduces_it(world: World, region_orgs: list[dict[str, Any]],
                                                                clock: Clock) -> None:  # noqa: F811
    complained = region_orgs[5]
    created(world.client.post("/api/v1/complaints", json={"org_id": complained["id"], "about": "certificates",
                                                           "text": "证明上的时长与实际服务不符"}))

    published = created(publish(world, quota=6))
    assert published["targets"] is None and published["reproduced"] is False  # nothing drawn yet
    assert len(bytes.fromhex(published["seed_hex"])) == 32 and published["algorithm"] == "vledger-draw-v1"
    ids = {o["id"] for o in region_orgs}
    assert {c["org_id"] for c in published["candidates"]} == ids  # the world's own organizations have no region

    clock.advance(minutes=5)
    drawn = draw(world, published["id"])
    public = world.client.get(f"/api/v1/draws/{published['id']}")  # no token: 一公开
    assert public.status_code == 200, public.text
    body = public.json()
    assert body["seed_hex"] == published["seed_hex"] and body["reproduced"] is True
    assert body["targets"] == drawn["targets"] and body["drawn_at"] is not None
    for candidate in body["candidates"]:  # organizations' ids and numbers only: nothing personal
        assert set(candidate) == {"org_id", "region", "kind", "volunteers", "activities", "influence", "complaints",
                                  "penalty_last_year"}

    assert rerun(body) == body["targets"]
    reasons = {t["org_id"]: t["reasons"] for t in body["targets"]}
    assert reasons[complained["id"]] == ["complaint"]
    assert {"many_volunteers", "frequent_activities"} <= set(reasons[region_orgs[0]["id"]])
    assert len(body["targets"]) == 6 and sum(r == ["random"] for r in reasons.values()) == 4

    listed = world.client.get(f"/api/v1/draws?year={YEAR}&region={REGION}").json()["draws"]
    assert [(d["id"], d["target_count"]) for d in listed] == [(published["id"], 6)]


def test_a_draw_is_drawn_once_and_a_region_has_one_draw_a_year(world: World,
                                                                region_orgs: list[dict[str, Any]]) -> None:
    published = created(publish(world))
    draw(world, published["id"])
    error = assert_error_body(world.client.post(f"/api/v1/draws/{published['id']}/targets",
                                                headers=bearer(world.registry_token)), 409)
    assert error["code"] == "already_drawn"
    assert assert_error_body(publish(world), 409)["code"] == "draw_exists"


def test_a_given_seed_is_used_and_must_say_where_it_comes_from(world: World,
                                                               region_orgs: list[dict[str, Any]]) -> None:
    seed = "00112233445566778899aabbccddeeff" * 2
    assert assert_error_body(publish(world, seed_hex=seed), 422)["code"] == "seed_source_missing"
    assert assert_error_body(publish(world, seed_hex="zz", seed_source="抽签"), 422)["field"] == "seed_hex"
    assert assert_error_body(publish(world, seed_hex="00" * 8, seed_source="抽签"), 422)["field"] == "seed"
    published = created(publish(world, seed_hex=seed, seed_source="2026年5月区民政局公开摇号，公证处见证"))
    assert published["seed_hex"] == seed
    body = {**published, "targets": draw(world, published["id"])["targets"]}
    assert rerun(body) == body["targets"]


def test_only_the_registry_draws(world: World, region_orgs: list[dict[str, Any]]) -> None:
    inspector = appoint(world, "王督查")
    for who, status in ((bearer(world.org_token), 403), (bearer(inspector.token), 403), ({}, 401)):
        assert_error_body(world.client.post("/api/v1/draws", json={"region": REGION, "year": YEAR}, headers=who),
                          status)
    published = created(publish(world))
    assert_error_body(world.client.post(f"/api/v1/draws/{published['id']}/targets", headers=inspector.headers),
                      403)
    assert_error_body(world.client.get("/api/v1/draws/00000000-0000-0000-0000-000000000000"), 404)


def test_inspectors_are_drawn_without_conflicts_and_the_drawn_check_counts_for_the_quota(
        world: World, region_orgs: list[dict[str, Any]]) -> None:
    team = [appoint(world, name, REGION if n % 2 else None) for n, name in enumerate(
        ("王督查", "李检查", "赵核查", "钱审查", "孙督导"))]
    appoint(world, "外区督查", "430102")  # serves another province: never offered by default
    complained = region_orgs[3]
    created(world.client.post("/api/v1/complaints", json={"org_id": complained["id"], "about": "records",
                                                           "text": "活动未举办却记录了服务时长"}))
    published = created(publish(world, quota=3))
    draw(world, published["id"])

    assert published["inspector_pool"] == sorted(i.id for i in team) and published["pool_recorded"] is True

    conflicted = team[0]
    response = world.client.post(f"/api/v1/draws/{published['id']}/inspectors", headers=bearer(world.registry_token),
                                 json={"org_id": complained["id"],
                                       "conflicts": [{"inspector_id": conflicted.id, "reason": "配偶在该组织任职"}]})
    assert response.status_code == 201, response.text
    drawn = response.json()["inspectors"]
    assert len(drawn) == 2 and conflicted.id not in drawn
    public = world.client.get(f"/api/v1/draws/{published['id']}").json()
    (round_one,) = public["inspector_rounds"]
    assert round_one["excluded_for_conflict"] == [conflicted.id] and round_one["inspectors"] == drawn
    assert round_one["exclusions"] == [{"inspector_id": conflicted.id, "by": "registry", "reason": "配偶在该组织任职"}]
    # Re-run from what was committed with the seed, not from the pool the round lists.
    pool = sorted(set(public["inspector_pool"]) - {conflicted.id})
    assert round_one["eligible"] == pool
    assert shuffle_prefix(bytes.fromhex(public["seed_hex"]), ["inspectors", complained["id"], "1"], pool, 2) == drawn
    assert public["reproduced"] is True

    # A drawn check has the drawn team; another team is refused.
    by_id = {i.id: i for i in team}
    others = [i.id for i in team if i.id not in drawn][:2]
    error = assert_error_body(plan(world, [by_id[i] for i in others], complained["id"], basis="draw",
                                   draw_id=published["id"]), 422)
    assert error["code"] == "team_not_drawn"
    not_target = next(o for o in region_orgs if o["id"] not in {t["org_id"] for t in public["targets"]})
    error = assert_error_body(plan(world, [by_id[i] for i in drawn], not_target["id"], basis="draw",
                                   draw_id=published["id"]), 422)
    assert error["code"] == "not_a_target"

    quota_path = f"/api/v1/quotas/{REGION}/{YEAR}"
    before = world.client.get(quota_path, headers=bearer(world.registry_token)).json()
    assert (before["quota"], before["checks_done_on_site"], before["remaining"], before["met"]) == (3, 0, 3, False)
    assert before["deadline"] == f"{YEAR}-08-31" and before["overdue"] is False

    iid = created(plan(world, [by_id[i] for i in drawn], complained["id"], basis="draw",
                       draw_id=published["id"]))["id"]
    for inspector_id in drawn:
        step(world, iid, "conflict-declarations", by_id[inspector_id].headers, {"conflict": False})
    step(world, iid, "on-site", by_id[drawn[0]].headers, {"credentials_shown": True})
    after = world.client.get(quota_path, headers=by_id[drawn[0]].headers).json()
    assert (after["checks_done_on_site"], after["remaining"]) == (1, 2)
    assert after["inspections_by_stage"] == {"on_site": 1}
    for who, status in ((bearer(world.org_token), 403), ({}, 401)):
        assert_error_body(world.client.get(quota_path, headers=who), status)


def test_a_recused_drawn_inspector_is_replaced_by_a_later_round(world: World,
                                                                region_orgs: list[dict[str, Any]]) -> None:
    team = [appoint(world, name) for name in ("王督查", "李检查", "赵核查", "钱审查")]
    by_id = {i.id: i for i in team}
    published = created(publish(world, quota=1))
    target = draw(world, published["id"])["targets"][0]["org_id"]
    path = f"/api/v1/draws/{published['id']}/inspectors"
    first = created(world.client.post(path, headers=bearer(world.registry_token), json={"org_id": target}))
    iid = created(plan(world, [by_id[i] for i in first["inspectors"]], target, basis="draw",
                       draw_id=published["id"]))["id"]
    recused, staying = first["inspectors"]
    step(world, iid, "conflict-declarations", by_id[recused].headers, {"conflict": True, "statement": "曾任该组织顾问"})
    second = created(world.client.post(path, headers=bearer(world.registry_token), json={"org_id": target}))
    assert second["round"] == 2 and len(second["inspectors"]) == 1
    assert not set(second["inspectors"]) & set(first["inspectors"])  # neither the recused nor the team again
    step(world, iid, "inspectors", bearer(world.registry_token),
         {"inspectors": second["inspectors"], "reason": "原抽取人员回避"})
    step(world, iid, "conflict-declarations", by_id[staying].headers, {"conflict": False})
    step(world, iid, "conflict-declarations", by_id[second["inspectors"][0]].headers, {"conflict": False})
    started = step(world, iid, "on-site", by_id[staying].headers, {"credentials_shown": True})
    assert {m["id"] for m in started["team"] if m["present"]} == {staying, second["inspectors"][0]}
    public = world.client.get(f"/api/v1/draws/{published['id']}").json()
    assert public["reproduced"] is True
    round_two = public["inspector_rounds"][1]
    # The recusal is on the public record as the inspector's own, without the statement (it stays with inspectors).
    assert round_two["exclusions"] == [{"inspector_id": recused, "by": "inspector",
                                        "reason": "declared a conflict of interest with the organization"}]
    assert "曾任该组织顾问" not in str(public)
    pool = sorted(set(public["inspector_pool"]) - {recused} - set(first["inspectors"]))
    assert round_two["eligible"] == pool and set(round_two["already_on_team"]) == set(first["inspectors"])
    assert shuffle_prefix(bytes.fromhex(public["seed_hex"]), ["inspectors", target, "2"], pool, 1) == \
        second["inspectors"]


def draw_team(world: World, draw_id: str, body: dict[str, Any]) -> Any:
    return world.client.post(f"/api/v1/draws/{draw_id}/inspectors", headers=bearer(world.registry_token), json=body)


def test_the_pool_is_fixed_when_the_seed_is_published(world: World, region_orgs: list[dict[str, Any]]) -> None:
    """An inspector appointed after the seed is never drawn for that draw, however many rounds are drawn: the
    registry cannot add the inspectors it wants once it knows the seed."""
    early = [appoint(world, name) for name in ("王督查", "李检查", "赵核查")]
    published = created(publish(world, quota=1))
    late = [appoint(world, name) for name in ("钱审查", "孙督导", "周检查", "吴核查")]
    target = draw(world, published["id"])["targets"][0]["org_id"]
    team = created(draw_team(world, published["id"], {"org_id": target}))["inspectors"]
    spare = created(draw_team(world, published["id"], {"org_id": target}))["inspectors"]
    assert set(team) | set(spare) == {i.id for i in early}  # the whole committed pool, and nobody else
    error = assert_error_body(draw_team(world, published["id"], {"org_id": target}), 422)
    assert error["code"] == "too_few_inspectors"  # four appointed since, none of them drawable
    public = world.client.get(f"/api/v1/draws/{published['id']}").json()
    assert public["inspector_pool"] == sorted(i.id for i in early)
    assert not {i.id for i in late} & {i for r in public["inspector_rounds"] for i in r["inspectors"]}
    assert public["reproduced"] is True


def test_the_registry_cannot_name_or_shrink_the_pool(world: World, region_orgs: list[dict[str, Any]]) -> None:
    """Knowing the seed, the registry used to offer whichever pool gave the team it wanted: now a pool in the body
    is refused, and an exclusion of anyone outside the committed pool too."""
    team = [appoint(world, name) for name in ("王督查", "李检查", "赵核查", "钱审查", "孙督导")]
    published = created(publish(world, quota=1))
    outsider = appoint(world, "外来督查")
    target = draw(world, published["id"])["targets"][0]["org_id"]
    chosen = [team[0].id, team[1].id]
    error = assert_error_body(draw_team(world, published["id"], {"org_id": target, "inspector_ids": chosen}), 422)
    assert error["code"] == "invalid_request" and "inspector_ids" in error["message"]
    error = assert_error_body(draw_team(world, published["id"], {
        "org_id": target, "conflicts": [{"inspector_id": outsider.id, "reason": "曾任该组织顾问"}]}), 422)
    assert error["code"] == "not_in_pool"
    public = world.client.get(f"/api/v1/draws/{published['id']}").json()
    assert public["inspector_rounds"] == []  # nothing drawn by a refused request
    drawn = created(draw_team(world, published["id"], {"org_id": target}))["inspectors"]
    assert drawn == shuffle_prefix(bytes.fromhex(public["seed_hex"]), ["inspectors", target, "1"],
                                   [i.id for i in team], 2)


@pytest.mark.parametrize("conflict", [{}, {"reason": ""}, {"reason": "   "}, {"reason": None},
                                      {"reason": "理" * 201}])
def test_a_registry_exclusion_without_a_reason_is_refused(world: World, region_orgs: list[dict[str, Any]],
                                                          conflict: dict[str, Any]) -> None:
    team = [appoint(world, name) for name in ("王督查", "李检查", "赵核查")]
    published = created(publish(world, quota=1))
    target = draw(world, published["id"])["targets"][0]["org_id"]
    assert_error_body(draw_team(world, published["id"], {
        "org_id": target, "conflicts": [{"inspector_id": team[0].id, **conflict}]}), 422)
    assert world.client.get(f"/api/v1/draws/{published['id']}").json()["inspector_rounds"] == []


def test_a_registry_exclusion_reason_with_a_personal_number_is_refused_without_repeating_it(
        world: World, region_orgs: list[dict[str, Any]]) -> None:
    team = [appoint(world, name) for name in ("王督查", "李检查", "赵核查")]
    published = created(publish(world, quota=1))
    target = draw(world, published["id"])["targets"][0]["org_id"]
    phone = "13912345678"
    response = draw_team(world, published["id"], {
        "org_id": target, "conflicts": [{"inspector_id": team[0].id, "reason": f"与负责人（{phone}）系亲属"}]})
    error = assert_error_body(response, 422)
    assert error["code"] == "personal_number_in_text" and phone not in response.text


def test_every_exclusion_is_public_with_who_made_it_and_why(world: World,
                                                             region_orgs: list[dict[str, Any]]) -> None:
    """一公开: anyone reads who was left out of a round and why; the round re-runs from the committed pool minus
    exactly those exclusions."""
    team = [appoint(world, name) for name in ("王督查", "李检查", "赵核查", "钱审查", "孙督导")]
    published = created(publish(world, quota=1))
    target = draw(world, published["id"])["targets"][0]["org_id"]
    excluded = sorted([team[1].id, team[3].id])
    reasons = {team[1].id: "曾任该组织理事", team[3].id: "近亲属为该组织专职工作人员"}
    drawn = created(draw_team(world, published["id"], {
        "org_id": target, "conflicts": [{"inspector_id": i, "reason": reasons[i]} for i in excluded]}))["inspectors"]
    public = world.client.get(f"/api/v1/draws/{published['id']}")  # no token
    assert public.status_code == 200
    (round_one,) = public.json()["inspector_rounds"]
    assert round_one["exclusions"] == [{"inspector_id": i, "by": "registry", "reason": reasons[i]} for i in excluded]
    assert round_one["registry_conflicts"] == [{"inspector_id": i, "reason": reasons[i]} for i in excluded]
    pool = sorted(set(public.json()["inspector_pool"]) - set(excluded))
    assert round_one["eligible"] == pool and not set(drawn) & set(excluded)
    assert shuffle_prefix(bytes.fromhex(public.json()["seed_hex"]), ["inspectors", target, "1"], pool, 2) == drawn
    assert public.json()["reproduced"] is True


def test_a_draw_published_before_pools_were_committed_still_draws_and_says_so(
        world: World, region_orgs: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    """An instance upgraded from before: its version 1 seed event (no pool) is upcast on reading; its rounds draw,
    as then, from every inspector serving the region when drawn, and the published draw says no pool was recorded."""
    app = world.app
    year = china_date(app.clock()).year
    seed_draw = Draw.publish_seed(now=app.clock(), actor="registry:registry", seed=bytes(range(32)), year=year,
                                  region=REGION, candidates=app.target_candidates(REGION, year), inspector_pool=[],
                                  rules=DrawRules(quota=1), seed_source="摇号")
    (event,) = seed_draw.collect_events()
    monkeypatch.setattr(type(event), "class_version", 1)  # stored as the previous release did
    del event.__dict__["inspector_pool"]
    app.ensure_inspection_key()
    app.save(event)
    monkeypatch.undo()
    app.views.catch_up()
    draw_id = str(seed_draw.id)
    team = [appoint(world, name) for name in ("王督查", "李检查", "赵核查")]  # after the seed: drawable here
    target = draw(world, draw_id)["targets"][0]["org_id"]
    drawn = created(draw_team(world, draw_id, {"org_id": target}))["inspectors"]
    assert set(drawn) <= {i.id for i in team}
    public = world.client.get(f"/api/v1/draws/{draw_id}").json()
    assert public["pool_recorded"] is False and public["inspector_pool"] is None
    assert public["inspector_rounds"][0]["eligible"] == sorted(i.id for i in team)
    assert public["reproduced"] is True
