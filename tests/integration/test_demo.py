"""`vledger demo`: the instance the README's run command shows, made through the real use cases."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from stdnum.cn import ric

from api.application import VledgerApplication
from api.http import create_app
from api.settings import Settings


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    data_dir = tmp_path_factory.mktemp("demo") / "var"
    run = subprocess.run([sys.executable, "-m", "api.cli", "demo", "--data-dir", str(data_dir)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return data_dir, run.stdout + run.stderr


def test_the_demo_holds_two_organizations_twenty_valid_volunteers_and_five_certificates_one_revoked(
        demo: tuple[Path, str]) -> None:
    data_dir, _ = demo
    app = VledgerApplication(Settings(data_dir=data_dir))
    try:
        with app.read() as c:
            orgs = c.execute("SELECT COUNT(*) AS n FROM view_organizations").fetchone()["n"]
            volunteers = c.execute("SELECT COUNT(*) AS n FROM view_volunteers").fetchone()["n"]
            months = {r["m"] for r in c.execute("SELECT substr(start_at, 1, 7) AS m FROM view_activities").fetchall()}
            amended = c.execute("SELECT COUNT(*) AS n FROM view_records WHERE version > 1").fetchone()["n"]
            statuses = [r["status"] for r in c.execute("SELECT status FROM view_certificates").fetchall()]
        assert orgs == 2 and volunteers == 20
        assert len(months) >= 3, months  # activities over several months
        assert amended >= 1
        assert sorted(statuses) == ["revoked", "valid", "valid", "valid", "valid"]
        # Every volunteer's ID number passes GB 11643, read from the signed log itself.
        ids = [e.id_number for e in (app.mapper.to_domain_event(n) for n in
                                     app.recorder.select_notifications(start=None, limit=10_000))
               if type(e).__qualname__ == "Volunteer.Registered"]
        assert len(ids) == 20 and all(ric.is_valid(i) for i in ids)
    finally:
        app.close()


def test_the_printed_verification_url_opens_a_page_saying_valid(demo: tuple[Path, str]) -> None:
    data_dir, output = demo
    match = re.search(r"verify a demo certificate:\s+(\S+)", output)
    assert match, output
    path = "/" + match.group(1).split("/", 3)[3]
    app = VledgerApplication(Settings(data_dir=data_dir))
    with TestClient(create_app(application=app)) as client:
        page = client.get(path)
    assert page.status_code == 200
    assert 'data-verdict="valid"' in page.text


def test_the_demo_prints_no_id_or_phone_number_and_a_second_run_adds_nothing(demo: tuple[Path, str]) -> None:
    data_dir, output = demo
    app = VledgerApplication(Settings(data_dir=data_dir))
    try:
        registrations = [e for e in (app.mapper.to_domain_event(n) for n in
                                     app.recorder.select_notifications(start=None, limit=10_000))
                         if type(e).__qualname__ == "Volunteer.Registered"]
        secrets = [e.id_number for e in registrations] + [e.phone for e in registrations if e.phone]
        before = app.recorder.max_notification_id()
    finally:
        app.close()
    again = subprocess.run([sys.executable, "-m", "api.cli", "demo", "--data-dir", str(data_dir)],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert any(e.phone for e in registrations)  # the demo does hold phone numbers to leak
    for number in secrets:
        assert number not in output and number not in again.stdout
        assert number not in (data_dir / "demo.json").read_text(encoding="utf-8")
    app = VledgerApplication(Settings(data_dir=data_dir))
    try:
        assert app.recorder.max_notification_id() == before
    finally:
        app.close()
    assert json.loads((data_dir / "demo.json").read_text(encoding="utf-8"))["certificates"]


def test_the_demo_replays_its_season_so_only_the_planted_deviations_are_flagged(demo: tuple[Path, str]) -> None:
    """Records entered a few days after their activity pass the 10-working-day rule (Gangcheng 000 五(1)1(7));
    what the screening flags is exactly what the demo planted: a fee-charging study tour (Hunan 001 二(二)4), a
    paper sign-in sheet entered weeks late (000 五(1)1(8)) and one payment beyond the declared subsidy."""
    data_dir, _ = demo
    app = VledgerApplication(Settings(data_dir=data_dir))
    try:
        with app.read() as c:
            records = c.execute("SELECT r.warnings, a.name FROM view_records r "
                                "JOIN view_activities a ON a.id = r.activity_id").fetchall()
            corrections = sorted(r["status"] for r in c.execute("SELECT status FROM view_corrections").fetchall())
            trained = c.execute("SELECT COUNT(DISTINCT volunteer_id) AS n FROM view_trainings").fetchone()["n"]
            reads = c.execute("SELECT COUNT(*) AS n FROM view_personal_data_reads").fetchone()["n"]
        flagged: dict[str, set[str]] = {}
        for r in records:
            for w in json.loads(r["warnings"]):
                flagged.setdefault(w["code"], set()).add(r["name"])
        assert flagged.pop("ineligible_fee_charging_trip") == {"暑期研学志愿营"}
        assert flagged.pop("fee_charging_activity") == {"暑期研学志愿营"}
        assert flagged.pop("paper_entered_late") == {"独居老人探访"}
        assert len(flagged.pop("pay_beyond_subsidy")) == 1
        assert flagged == {}, flagged  # in particular no late_record: the season was entered on time
        assert corrections == ["amended", "declined"]
        assert trained == 20 and reads == 1
    finally:
        app.close()
