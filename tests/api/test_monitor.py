"""`vledger monitor`: an outside observer of the transparency log, through the public endpoints only.

The main test runs a real `vledger serve`, lets the monitor accept its checkpoints while the log grows, then
rewrites history behind the running server — one early event deleted from the SQLite file, the views and the
Merkle tree rebuilt (`vledger rebuild`), two new validly signed events written and a fresh checkpoint signed
with the real log key — and the monitor must catch it: every signature the server now shows verifies, only
the consistency proof to the checkpoint the monitor accepted before cannot.

The other tests play the server with a small fake log (stdlib HTTP server, trees and signed notes computed
here) to reach every failed check, and the errors that are not alarms.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse
from uuid import UUID

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from api.application import VledgerApplication
from api.cli import main as cli_main
from api.settings import Settings
from keys.notes import Verifier, parse_checkpoint, parse_note
from tests.api.http_world import ID_NUMBER, OTHER_ID_NUMBER, THIRD_ID_NUMBER, activity_body, bearer, created
from tests.api.test_server import clean_env, free_port, serving, vledger
from tests.unit.test_merkle_vectors import spec_mth, spec_subproof

REPO = Path(__file__).resolve().parents[2]
STARTUP_LIMIT_SECONDS = 60  # bounds on waits, not performance assertions
COMMAND_LIMIT_SECONDS = 120


# -- a real server --------------------------------------------------------------------------------------------


@dataclass
class Served:
    base: str
    data_dir: Path
    registry_token: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    data_dir = tmp_path / "instance"
    init = subprocess.run([*vledger(), "init", "--data-dir", str(data_dir)], env=clean_env(), cwd=REPO,
                          capture_output=True, text=True, timeout=COMMAND_LIMIT_SECONDS)
    assert init.returncode == 0, init.stderr
    with serving(data_dir, tmp_path / "serve.log") as base:
        yield Served(base, data_dir, (data_dir / "admin.token").read_text().strip())


def monitor(server: str, state: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`python -m api.cli monitor` as its own process."""
    return subprocess.run([sys.executable, "-m", "api.cli", "monitor", "--server", server, "--state", str(state),
                           *extra], env=clean_env(), cwd=REPO, capture_output=True, text=True,
                          timeout=COMMAND_LIMIT_SECONDS)


def served_checkpoint(base: str) -> tuple[int, str]:
    """(size, base64 root) of the server's checkpoint, its signature checked with the server's key."""
    note = parse_note(httpx.get(f"{base}/log/checkpoint", timeout=30).text)
    assert Verifier.parse(httpx.get(f"{base}/log/key", timeout=30).text).verifies(note)
    checkpoint = parse_checkpoint(note.text)
    return checkpoint.size, base64.b64encode(checkpoint.root).decode()


def delete_event(data_dir: Path, originator_id: UUID) -> int:
    """Delete an aggregate's events straight from events.sqlite (sqlite3 only); returns how many rows went."""
    conn = sqlite3.connect(data_dir / "events.sqlite")
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        (table,) = [t for t in tables if t.endswith("events")]
        with conn:
            cursor = conn.execute(f"DELETE FROM {table} WHERE originator_id IN (?, ?)",
                                  (str(originator_id), originator_id.hex))
        return cursor.rowcount
    finally:
        conn.close()


def test_the_monitor_accepts_growth_and_catches_history_rewritten_behind_a_running_server(
        served: Served, tmp_path: Path) -> None:
    state = tmp_path / "monitor" / "state.json"
    with httpx.Client(base_url=served.base, timeout=30) as http:
        org = created(http.post("/api/v1/organizations", headers=bearer(served.registry_token),
                                json={"name": "阳光志愿者协会", "charter_purpose": "志愿服务"}))
        as_org = bearer(org["token"])
        early = created(http.post(f"/api/v1/organizations/{org['id']}/volunteers", headers=as_org,
                                  json={"name": "张三明", "id_number": ID_NUMBER}))

        # First run: trust on first use, the checkpoint is checked and stored.
        first = monitor(served.base, state)
        assert first.returncode == 0, first.stdout + first.stderr
        assert first.stdout.startswith("ok: first checkpoint accepted")
        size1, root1 = served_checkpoint(served.base)
        stored = json.loads(state.read_text())
        assert stored["tree_size"] == size1 and stored["root"] == root1
        assert stored["server"] == served.base
        assert stored["verifier_key"] == httpx.get(f"{served.base}/log/key").text.strip()
        assert stored["origin"] == "127.0.0.1:8000/vledger"
        assert parse_checkpoint(parse_note(stored["note"]).text).size == size1
        assert stored["checked_at"]

        # The log grows: consistent.
        created(http.post(f"/api/v1/organizations/{org['id']}/activities", headers=as_org, json=activity_body()))
        created(http.post(f"/api/v1/organizations/{org['id']}/volunteers", headers=as_org,
                          json={"name": "李四", "id_number": OTHER_ID_NUMBER}))
        size2, root2 = served_checkpoint(served.base)
        assert size2 > size1
        grew = monitor(served.base, state)
        assert grew.returncode == 0, grew.stdout + grew.stderr
        assert grew.stdout.strip() == f"ok: tree grew from {size1} to {size2}, consistent"
        assert json.loads(state.read_text())["tree_size"] == size2

        unchanged = monitor(served.base, state)
        assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
        assert unchanged.stdout.strip() == f"ok: tree unchanged at {size2}"

    # Rewrite history behind the running server: an early event goes, the tree is rebuilt without it ...
    assert delete_event(served.data_dir, UUID(early["id"])) == 1
    rebuild = subprocess.run([*vledger(), "rebuild", "--data-dir", str(served.data_dir)], env=clean_env(),
                             cwd=REPO, capture_output=True, text=True, timeout=COMMAND_LIMIT_SECONDS)
    assert rebuild.returncode == 0, rebuild.stderr
    # ... and two validly signed events make the forged tree larger than the last checkpoint, so that a fresh
    # checkpoint is signed with the real log key.
    settings = Settings(data_dir=served.data_dir, database_url=None, key_passphrase=None, log_origin=None)
    app = VledgerApplication(settings, catch_up=False)
    try:
        principal = app.authenticate(org["token"])
        app.register_volunteer(principal, UUID(org["id"]), name="王五", id_number=THIRD_ID_NUMBER)
        forged = app.sign_checkpoint()
    finally:
        app.close()
    assert forged is not None and forged.tree_size == size2 + 1

    # The running server now serves the forged checkpoint, and its signature is genuine.
    size3, root3 = served_checkpoint(served.base)
    assert size3 == size2 + 1
    before = state.read_bytes()

    caught = monitor(served.base, state)

    assert caught.returncode == 1, caught.stdout + caught.stderr
    report = caught.stdout
    assert "ALARM" in report and "rewritten" in report
    assert "consistency proof" in report
    assert f"from size {size2} to {size3} does not verify" in report
    assert f"last accepted: size {size2}, root {root2}" in report
    assert f"server now:    size {size3}, root {root3}" in report
    assert state.read_bytes() == before  # the last accepted checkpoint is kept

    # It keeps raising the alarm on every later run, and says so as JSON too.
    again = monitor(served.base, state, "--json")
    assert again.returncode == 1, again.stdout + again.stderr
    outcome = json.loads(again.stdout)
    assert outcome["status"] == "alarm" and outcome["check"] == "consistency" and outcome["exit_code"] == 1
    assert outcome["old"]["tree_size"] == size2 and outcome["new"]["tree_size"] == size3
    assert state.read_bytes() == before


def test_a_pinned_key_the_server_does_not_sign_with_is_an_alarm(served: Served, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    other = LogKey("127.0.0.1:8000/vledger")  # the same name, another key

    result = monitor(served.base, state, "--key", other.verifier)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "log key" in result.stdout and "pinned with --key" in result.stdout
    assert not state.exists()

    pinned = monitor(served.base, state, "--key", httpx.get(f"{served.base}/log/key").text.strip())
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr


def test_an_unreachable_server_is_an_error_not_an_alarm(tmp_path: Path) -> None:
    state = tmp_path / "state.json"

    result = monitor(f"http://127.0.0.1:{free_port()}", state)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: GET http://127.0.0.1:")
    assert "ConnectError" in result.stderr
    assert not state.exists()


# -- a fake log ------------------------------------------------------------------------------------------------


class LogKey:
    """An Ed25519 note key, with the C2SP key id and verifier key computed here."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.private = Ed25519PrivateKey.generate()
        public = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]
        encoded = base64.b64encode(b"\x01" + public).decode()
        self.verifier = f"{name}+{self.key_id.hex()}+{encoded}"

    def sign(self, text: str) -> str:
        signature = self.private.sign(text.encode())
        return f"{text}\n\u2014 {self.name} {base64.b64encode(self.key_id + signature).decode()}\n"


@dataclass
class FakeLog:
    """What the fake server answers; tests change it between runs."""

    key: LogKey = field(default_factory=lambda: LogKey("fake.example/vledger"))
    origin: str = "fake.example/vledger"
    leaves: list[bytes] = field(default_factory=lambda: [f"leaf {i}".encode() for i in range(5)])
    served_key: str | None = None  # /log/key; None: self.key's verifier
    signer: LogKey | None = None  # who signs the checkpoint; None: self.key
    checkpoint_status: int = 200
    checkpoint_text: str | None = None  # served verbatim instead of a signed checkpoint

    def checkpoint(self) -> str:
        body = f"{self.origin}\n{len(self.leaves)}\n{base64.b64encode(spec_mth(self.leaves)).decode()}\n"
        return (self.signer or self.key).sign(body)

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, str, str]:
        if path == "/log/key":
            return 200, "text/plain", (self.served_key or self.key.verifier) + "\n"
        if path == "/log/checkpoint":
            if self.checkpoint_status != 200:
                return self.checkpoint_status, "application/json", json.dumps(
                    {"error": {"code": "internal", "message": "the fake log is down"}})
            return 200, "text/plain", self.checkpoint_text or self.checkpoint()
        if path == "/api/v1/log/proof/consistency":
            m, n = int(query["old_size"][0]), int(query["tree_size"][0])
            proof = [] if m in (0, n) else spec_subproof(m, self.leaves[:n], True)
            return 200, "application/json", json.dumps(
                {"old_size": m, "tree_size": n, "hashes": [base64.b64encode(h).decode() for h in proof]})
        return 404, "application/json", json.dumps({"error": {"code": "not_found", "message": path}})


@pytest.fixture
def fake() -> Iterator[tuple[str, FakeLog]]:
    log = FakeLog()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            url = urlparse(self.path)
            status, content_type, body = log.answer(url.path, parse_qs(url.query))
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def run_monitor(base: str, state: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    """The monitor in this process (the fake server lives here too)."""
    code = cli_main(["monitor", "--server", base, "--state", str(state), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_honest_growth_of_the_fake_log_is_consistent(fake: tuple[str, FakeLog], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    base, log = fake
    state = tmp_path / "state.json"
    assert run_monitor(base, state, capsys)[0] == 0
    for size in (6, 8, 13, 16, 17):  # through powers of two and past them
        previous = len(log.leaves)
        log.leaves += [f"leaf {i}".encode() for i in range(previous, size)]
        code, out, err = run_monitor(base, state, capsys)
        assert code == 0, out + err
        assert out.strip() == f"ok: tree grew from {previous} to {size}, consistent"


def tamper_replace_leaf(log: FakeLog) -> None:
    log.leaves[1] = b"rewritten"


def tamper_drop_last(log: FakeLog) -> None:
    log.leaves.pop()


def tamper_rewrite_and_grow(log: FakeLog) -> None:
    log.leaves[2] = b"rewritten"
    log.leaves += [b"leaf 5", b"leaf 6"]


def tamper_other_origin(log: FakeLog) -> None:
    log.origin = "elsewhere.example/vledger"
    log.leaves.append(b"leaf 5")


def tamper_other_signer(log: FakeLog) -> None:
    log.signer = LogKey(log.key.name)  # /log/key still shows the trusted key; the checkpoint is signed by another


def tamper_other_key(log: FakeLog) -> None:
    log.key = LogKey(log.key.name)  # the server swapped its key and signs with it


def tamper_bad_proof(log: FakeLog) -> None:
    real = log.answer

    def answer(path: str, query: dict[str, list[str]]) -> tuple[int, str, str]:
        status, kind, body = real(path, query)
        if path == "/api/v1/log/proof/consistency":
            body = json.dumps({"hashes": [base64.b64encode(b"\x00" * 32).decode()]})
        return status, kind, body

    log.leaves.append(b"leaf 5")
    log.answer = answer  # type: ignore[method-assign]


@pytest.mark.parametrize(("tamper", "check", "words"), [
    (tamper_replace_leaf, "root", "same size, different root"),
    (tamper_drop_last, "size", "the tree shrank from 5 to 4"),
    (tamper_rewrite_and_grow, "consistency", "from size 5 to 7 does not verify"),
    (tamper_bad_proof, "consistency", "from size 5 to 6 does not verify"),
    (tamper_other_origin, "origin", "elsewhere.example/vledger"),
    (tamper_other_signer, "signature", "not signed by the trusted log key"),
    (tamper_other_key, "key", "the server's log key is not the trusted one"),
])
def test_every_failed_check_is_an_alarm_and_keeps_the_state(
        fake: tuple[str, FakeLog], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        tamper: Any, check: str, words: str) -> None:
    base, log = fake
    state = tmp_path / "state.json"
    assert run_monitor(base, state, capsys)[0] == 0
    before = state.read_bytes()

    tamper(log)
    code, out, err = run_monitor(base, state, capsys)

    assert code == 1, out + err
    assert out.startswith("ALARM: the transparency log at")
    assert words in out
    accepted_root = base64.b64encode(spec_mth([f"leaf {i}".encode() for i in range(5)])).decode()
    assert f"last accepted: size 5, root {accepted_root}" in out
    assert state.read_bytes() == before

    code, out, _ = run_monitor(base, state, capsys, "--json")
    assert code == 1
    assert json.loads(out)["check"] == check
    assert state.read_bytes() == before


def test_a_checkpoint_signed_by_another_key_is_refused_on_the_first_run_with_a_pinned_key(
        fake: tuple[str, FakeLog], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, log = fake
    state = tmp_path / "state.json"
    pinned = log.key.verifier
    log.signer = LogKey(log.key.name)

    code, out, err = run_monitor(base, state, capsys, "--key", pinned)

    assert code == 1, out + err
    assert "signature" in out and "not signed by the trusted log key" in out
    assert not state.exists()


@pytest.mark.parametrize(("breakage", "words"), [
    ({"checkpoint_status": 500}, "answered HTTP 500: internal: the fake log is down"),
    ({"checkpoint_text": "<html>not a checkpoint</html>"}, "did not answer a C2SP checkpoint"),
    ({"served_key": "not a key"}, "is not a usable note verifier key"),
])
def test_answers_that_are_not_a_log_are_errors(fake: tuple[str, FakeLog], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str], breakage: dict[str, Any],
                                               words: str) -> None:
    base, log = fake
    state = tmp_path / "state.json"
    for name, value in breakage.items():
        setattr(log, name, value)

    code, out, err = run_monitor(base, state, capsys)

    assert code == 2, out + err
    assert err.startswith("error: ") and words in err
    assert not state.exists()


def test_a_state_file_is_for_one_server(fake: tuple[str, FakeLog], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    base, _ = fake
    state = tmp_path / "state.json"
    assert run_monitor(base, state, capsys)[0] == 0

    code, _, err = run_monitor("http://127.0.0.1:1", state, capsys)

    assert code == 2
    assert f"belongs to {base}" in err


def test_an_unreadable_state_file_is_an_error_and_is_left_alone(fake: tuple[str, FakeLog], tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    base, _ = fake
    state = tmp_path / "state.json"
    state.write_text("{not json")

    code, _, err = run_monitor(base, state, capsys)

    assert code == 2
    assert "is not a monitor state" in err
    assert state.read_text() == "{not json"
