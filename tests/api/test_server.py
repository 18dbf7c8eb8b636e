"""The real thing: `vledger init` and `vledger serve` as subprocesses, spoken to over TCP with httpx."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.api.http_world import ID_NUMBER, activity_body, bearer

STARTUP_LIMIT_SECONDS = 60  # a bound on the wait, not a performance assertion


def vledger() -> list[str]:
    script = shutil.which("vledger", path=str(Path(sys.executable).parent)) or shutil.which("vledger")
    return [script] if script else [sys.executable, "-m", "api.cli"]


def clean_env() -> dict[str, str]:
    """The caller's environment without VLEDGER_* settings, so only the command line chooses the instance."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VLEDGER_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(data_dir: Path, log_path: Path) -> Iterator[str]:
    """`vledger serve` on a free port until the block ends; yields its base URL once /healthz answers."""
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen([*vledger(), "serve", "--data-dir", str(data_dir), "--port", str(port)],
                                   env=clean_env(), stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
            while True:
                assert process.poll() is None, f"vledger serve exited: {log_path.read_text()}"
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"no answer on {base}: {log_path.read_text()}"
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, registry token) of a served fresh instance; the server is stopped afterwards."""
    data_dir = tmp_path / "instance"
    init = subprocess.run([*vledger(), "init", "--data-dir", str(data_dir)], env=clean_env(),
                          capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    token = init.stdout.strip().splitlines()[-1]
    assert token == (data_dir / "admin.token").read_text().strip()
    assert (data_dir / "admin.token").stat().st_mode & 0o777 == 0o600

    with serving(data_dir, tmp_path / "serve.log") as base:
        yield base, token


def test_a_served_instance_registers_records_issues_and_verifies_over_tcp(server: tuple[str, str]) -> None:
    base, registry_token = server
    with httpx.Client(base_url=base, timeout=30) as http:
        org = http.post("/api/v1/organizations", headers=bearer(registry_token),
                        json={"name": "阳光志愿者协会", "charter_purpose": "志愿服务"})
        assert org.status_code == 201, org.text
        as_org = bearer(org.json()["token"])
        org_id = org.json()["id"]
        volunteer = http.post(f"/api/v1/organizations/{org_id}/volunteers", headers=as_org,
                              json={"name": "张三明", "id_number": ID_NUMBER})
        assert volunteer.status_code == 201, volunteer.text
        activity = http.post(f"/api/v1/organizations/{org_id}/activities", headers=as_org, json=activity_body())
        assert activity.status_code == 201, activity.text
        record = http.post(f"/api/v1/activities/{activity.json()['id']}/records", headers=as_org,
                           json={"volunteer_id": volunteer.json()["id"], "hours": "2.5"})
        assert record.status_code == 201, record.text
        certificate = http.post(f"/api/v1/volunteers/{volunteer.json()['id']}/certificates", headers=as_org)
        assert certificate.status_code == 201, certificate.text

        verdict = http.post("/api/v1/verify", json={"code": certificate.json()["qr_text"]})
        assert verdict.status_code == 200, verdict.text
        assert verdict.json()["verdict"] == "valid"
        assert verdict.json()["certificate"]["hours"] == "2.50"

        payload = certificate.json()["qr_text"].rsplit("/V/", 1)[1]
        page = http.get(f"/V/{payload}")
        assert page.status_code == 200
        assert 'data-verdict="valid"' in page.text

        assert http.get("/api/v1/volunteers/" + volunteer.json()["id"]).status_code == 401
