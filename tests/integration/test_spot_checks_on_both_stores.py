"""Spot checks on SQLite and PostgreSQL: complaints, a published draw and an inspection from plan to a penalty, made
with the real use cases; the views hold them (``view_inspections`` with exactly the columns the reports are written
against), a second process sees the same rows, and a rebuild from the log gives the same rows again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from api.application import VledgerApplication
from domain.access import Principal
from domain.workdays import china_date
from projections.inspections import INSPECTION_COLUMNS, SpotChecksView

from .support import REGISTRY, org_principal, raw_rows, with_check_char

REGION = "370117"


def spot_check_rows(app: VledgerApplication) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with app.views.store.transaction(commit=False) as c:
        for table in SpotChecksView.tables:
            out[table] = sorted(json.dumps(r, sort_keys=True, default=str) for r in
                                c.execute(f"SELECT * FROM {table}").fetchall())
    return out


def season(app: VledgerApplication) -> dict[str, Any]:
    """Two organizations of the district, a complaint about one, its drawn check closed with a penalty."""
    year = china_date(app.clock()).year
    orgs = [UUID(app.register_organization(REGISTRY, name=name, charter_purpose="组织开展志愿服务活动",
                                           region_code=REGION)["id"]) for name in ("钢城区阳光志愿者协会",
                                                                                  "钢城区义工联合会")]
    app.register_volunteer(org_principal(orgs[0]), orgs[0], name="张三明",
                           id_number=with_check_char("11010520000615001"))
    complaint = app.file_complaint(None, orgs[1], about="records", text="活动未举办却记录了服务时长")
    inspectors = [app.authenticate(app.appoint_inspector(REGISTRY, name=n)["token"]) for n in ("王督查", "李检查")]
    draw = app.publish_draw_seed(REGISTRY, region=REGION, year=year, quota=2)
    app.draw_targets(REGISTRY, UUID(draw["id"]))
    team = app.draw_inspectors_for(REGISTRY, UUID(draw["id"]), orgs[1])["inspectors"]
    by_id = {p.subject: p for p in inspectors}
    today = china_date(app.clock())
    planned = app.plan_inspection(REGISTRY, org_id=orgs[1], period_start=dt.date(year, 1, 1), period_end=today,
                                  planned_on=today, place="钢城区艾山街道", inspectors=[UUID(i) for i in team],
                                  basis="draw", draw_id=UUID(draw["id"]))
    iid = UUID(planned["id"])
    for inspector_id in team:
        app.declare_conflict(by_id[inspector_id], iid, conflict=False)
    lead: Principal = by_id[team[0]]
    app.start_on_site(lead, iid, credentials_shown=True)
    app.import_precheck_findings(lead, iid)
    app.record_finding(lead, iid, row_id="profit_under_volunteer_name", problem="以志愿服务名义组织收费旅游",
                       evidence=[{"kind": "complaint", "ref": complaint["id"]}])
    app.record_opinion(lead, iid, opinion="有异议，保留申辩权利", name="刘负责人")
    app.decide_inspection(by_id[team[1]], iid, result="予以处罚", reason="假冒志愿服务名义开展营利性活动")
    return {"orgs": orgs, "inspection": iid, "draw": draw["id"], "team": team, "year": year}


def test_the_views_hold_the_season_and_a_rebuild_gives_the_same_rows(
        app: VledgerApplication, open_app: Callable[[], VledgerApplication]) -> None:
    made = season(app)
    with app.views.store.transaction(commit=False) as c:
        row = c.execute("SELECT * FROM view_inspections WHERE id = ?", (str(made["inspection"]),)).fetchone()
    assert row is not None and tuple(row) == INSPECTION_COLUMNS
    assert (row["org_id"], row["region_code"], row["year"], row["basis"], row["stage"]) == (
        str(made["orgs"][1]), REGION, made["year"], "draw", "closed")
    assert json.loads(row["inspectors"]) == made["team"]
    assert (row["result"], row["suggested_result"], row["penalty"], row["findings_count"]) == (
        "予以处罚", "予以处罚", 1, 1)
    assert json.loads(row["problem_rows"]) == ["profit_under_volunteer_name"]
    assert row["decided_at"] is not None and row["closed_at"] is not None and row["rectification_deadline"] is None

    complaints = raw_rows(app, "SELECT org_id, year, filed_by, assessed FROM view_complaints")
    assert complaints == [{"org_id": str(made["orgs"][1]), "year": made["year"], "filed_by": "public",
                           "assessed": 0}]
    assert app.get_draw(UUID(made["draw"]))["reproduced"] is True
    # Next year's candidates know the penalty.
    facts = {f.org_id: f for f in app.target_candidates(REGION, made["year"] + 1)}
    assert facts[made["orgs"][1]].penalty_last_year and not facts[made["orgs"][0]].penalty_last_year
    assert facts[made["orgs"][0]].volunteers == 1

    live = spot_check_rows(app)
    assert all(live[t] for t in live), [t for t in live if not live[t]]
    assert spot_check_rows(open_app()) == live  # a second process reads the same rows

    with app.views.store.transaction() as c:  # damage them: a rebuild derives them from the log again
        c.execute("UPDATE view_inspections SET stage = 'planned', penalty = 0")
        c.execute("DELETE FROM view_inspection_findings")
    assert spot_check_rows(app) != live
    app.views.rebuild()
    assert spot_check_rows(app) == live
