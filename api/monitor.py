"""`vledger monitor`: watch a vledger transparency log from outside, through its public endpoints only.

The monitor remembers the last checkpoint it accepted (a JSON state file) and, on each run, asks the server
for its newest checkpoint and checks, in order:

  key          the server's note verifier key (``GET /log/key``) is the one trusted: pinned with ``--key``,
               or learned on the first run and kept in the state file (trust on first use);
  signature    the checkpoint (``GET /log/checkpoint``) is a C2SP signed note verified by that key;
  origin       its origin line is the one accepted before;
  size         the tree did not shrink;
  root         at an unchanged size, the root is unchanged;
  consistency  at a larger size, the RFC 9162 consistency proof from the old tree to the new one
               (``GET /api/v1/log/proof/consistency``) verifies against both signed roots.

Exit status: 0 the log only grew (the new checkpoint is stored); 1 a check failed — history was rewritten or
the log is not the one trusted — with a report, and the state keeps the last accepted checkpoint; 2 the check
could not be made (network, HTTP status, an answer that is not a checkpoint, an unusable state file).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import json
import os
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from domain.errors import VledgerError
from keys.notes import Checkpoint, NoteError, Verifier, parse_checkpoint, parse_note
from projections import merkle

EXIT_OK = 0
EXIT_ALARM = 1
EXIT_ERROR = 2

STATE_FORMAT = "vledger-monitor/1"
TIMEOUT_SECONDS = 30.0


class MonitorError(VledgerError):
    """The check could not be made (exit 2)."""

    code = "monitor_error"


@dataclass
class State:
    """The last checkpoint the monitor accepted, and what it trusts."""

    server: str
    verifier_key: str
    origin: str
    tree_size: int
    root: str  # base64
    note: str
    checked_at: str

    def to_json(self) -> dict[str, Any]:
        return {"format": STATE_FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: Any) -> State:
        if not isinstance(data, dict) or data.get("format", STATE_FORMAT) != STATE_FORMAT:
            raise ValueError(f"not a {STATE_FORMAT} state")
        state = cls(server=str(data["server"]), verifier_key=str(data["verifier_key"]), origin=str(data["origin"]),
                    tree_size=int(data["tree_size"]), root=str(data["root"]), note=str(data["note"]),
                    checked_at=str(data["checked_at"]))
        if state.tree_size < 0 or len(base64.b64decode(state.root, validate=True)) != 32:
            raise ValueError("tree size or root out of range")
        return state


@dataclass
class Outcome:
    """What one run found."""

    status: str  # "ok" | "alarm" | "error"
    server: str
    message: str
    check: str | None = None  # the failed check (alarm) — see the module docstring
    first_run: bool = False
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None
    details: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return {"ok": EXIT_OK, "alarm": EXIT_ALARM}.get(self.status, EXIT_ERROR)


class Alarm(Exception):
    """A check failed (exit 1)."""

    def __init__(self, check: str, message: str, new: dict[str, Any] | None = None,
                 details: list[str] | None = None) -> None:
        super().__init__(message)
        self.check = check
        self.message = message
        self.new = new
        self.details = details or []


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# -- state file ----------------------------------------------------------------------------------------------


def load_state(path: Path) -> State | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as e:
        raise MonitorError(f"cannot read the state file {path}: {e.strerror or e}") from None
    try:
        return State.from_json(json.loads(text))
    except (ValueError, KeyError, TypeError, binascii.Error) as e:
        raise MonitorError(f"the state file {path} is not a monitor state ({e}); move it away to start over, "
                           "but only once you trust the server's current log") from None


def save_state(path: Path, state: State) -> None:
    """Write the state atomically: a temporary file in the same directory, flushed, then renamed over."""
    directory = path.resolve().parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(state.to_json(), f, ensure_ascii=False, indent=2)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise MonitorError(f"cannot write the state file {path}: {e.strerror or e}") from None


# -- the server's public endpoints ---------------------------------------------------------------------------


class LogClient:
    """The public transparency-log endpoints of one server; every failure is a MonitorError naming it."""

    def __init__(self, server: str, http: httpx.Client) -> None:
        self.server = server
        self.http = http

    def _get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        url = f"{self.server}{path}"
        try:
            response = self.http.get(url, params=params)
        except httpx.InvalidURL as e:
            raise MonitorError(f"invalid server URL {self.server!r}: {e}") from None
        except httpx.HTTPError as e:
            raise MonitorError(f"GET {url} failed: {type(e).__name__}: {e or 'no answer'}") from None
        if response.status_code != 200:
            raise MonitorError(f"GET {response.request.url} answered HTTP {response.status_code}: "
                               f"{error_message(response)}")
        return response

    def verifier_key(self) -> str:
        return self._get("/log/key").text.strip()

    def checkpoint_note(self) -> str:
        return self._get("/log/checkpoint").text

    def consistency_proof(self, old_size: int, tree_size: int) -> list[str]:
        response = self._get("/api/v1/log/proof/consistency", {"old_size": old_size, "tree_size": tree_size})
        try:
            hashes = response.json()["hashes"]
        except (ValueError, KeyError, TypeError):
            raise MonitorError(f"GET {response.request.url} did not answer a JSON object with \"hashes\"") from None
        if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
            raise MonitorError(f"GET {response.request.url}: \"hashes\" is not a list of base64 strings")
        return hashes


def error_message(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        return f"{error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        text = " ".join(response.text.split())
        return text[:200] or response.reason_phrase


# -- the checks ----------------------------------------------------------------------------------------------


def parse_verifier(text: str, where: str) -> Verifier:
    try:
        return Verifier.parse(text)
    except NoteError as e:
        raise MonitorError(f"{where} is not a usable note verifier key: {e.message}") from None


def read_checkpoint(note_text: str, verifier: Verifier, server: str) -> Checkpoint:
    """Parse the server's checkpoint and check its signature (the signature check is an alarm)."""
    try:
        note = parse_note(note_text)
        checkpoint = parse_checkpoint(note.text)
    except NoteError as e:
        raise MonitorError(f"{server}/log/checkpoint did not answer a C2SP checkpoint: {e.message}") from None
    if not verifier.verifies(note):
        signers = ", ".join(f"{s.name} (key id {s.key_id.hex()})" for s in note.signatures) or "none"
        raise Alarm("signature", "the checkpoint is not signed by the trusted log key",
                    new=summary(checkpoint), details=[
                        f"trusted key: {verifier.name} (key id {verifier.key_id.hex()})",
                        f"signature lines on the checkpoint: {signers}"])
    return checkpoint


def summary(checkpoint: Checkpoint) -> dict[str, Any]:
    return {"origin": checkpoint.origin, "tree_size": checkpoint.size, "root": b64(checkpoint.root)}


def check_growth(log: LogClient, state: State, new: Checkpoint) -> str:
    """The size, root and consistency checks from the accepted checkpoint to ``new``; returns the ok line."""
    old_root = base64.b64decode(state.root)
    old_size = state.tree_size
    if new.origin != state.origin:
        raise Alarm("origin", f"the checkpoint's origin changed from {state.origin!r} to {new.origin!r}",
                    new=summary(new))
    if new.size < old_size:
        raise Alarm("size", f"the tree shrank from {old_size} to {new.size} leaves: entries the log had "
                    "published are gone", new=summary(new))
    if new.size == old_size:
        if new.root != old_root:
            raise Alarm("root", f"the tree still has {old_size} leaves but its root changed: a published entry "
                        "was replaced", new=summary(new))
        return f"ok: tree unchanged at {old_size}"
    encoded = log.consistency_proof(old_size, new.size)
    try:
        proof = [base64.b64decode(h, validate=True) for h in encoded]
        valid = all(len(h) == 32 for h in proof) and merkle.verify_consistency(
            old_size, new.size, old_root, new.root, proof)
    except binascii.Error:
        valid = False  # a hash that is not base64 is a proof that does not verify
    if not valid:
        raise Alarm("consistency", f"the server's consistency proof from size {old_size} to {new.size} does not "
                    f"verify: the tree of {old_size} leaves accepted before is not a prefix of the new tree",
                    new=summary(new), details=[f"proof: {len(encoded)} hash(es) from "
                                               f"{log.server}/api/v1/log/proof/consistency"
                                               f"?old_size={old_size}&tree_size={new.size}"])
    return f"ok: tree grew from {old_size} to {new.size}, consistent"


def run(server: str, state_path: Path, pinned_key: str | None = None, *,
        http: httpx.Client | None = None) -> Outcome:
    """One monitoring pass. Never raises for the conditions of the exit statuses; returns the outcome."""
    server = server.strip().rstrip("/")
    own_client = http is None
    client = http or httpx.Client(timeout=TIMEOUT_SECONDS, headers={"User-Agent": "vledger-monitor"})
    state: State | None = None
    try:
        state = load_state(state_path)
        if state is not None and state.server.rstrip("/") != server:
            raise MonitorError(f"the state file {state_path} belongs to {state.server}, not {server}: use one "
                               "state file per server")
        pinned = parse_verifier(pinned_key, "--key") if pinned_key else None
        stored = parse_verifier(state.verifier_key, f"the key in {state_path}") if state else None
        if pinned and stored and pinned != stored:
            raise MonitorError(f"--key differs from the key the state file {state_path} trusts "
                               f"({stored.name}+{stored.key_id.hex()}); a new key needs a new state file")
        log = LogClient(server, client)
        served_text = log.verifier_key()
        trusted = pinned or stored
        if trusted is None:
            trusted = parse_verifier(served_text, f"{server}/log/key")  # trust on first use
        else:
            try:
                served: Verifier | None = Verifier.parse(served_text)
            except NoteError:
                served = None
            if served != trusted:
                raise Alarm("key", "the server's log key is not the trusted one", details=[
                    f"trusted key ({'pinned with --key' if pinned else 'from the state file'}): "
                    f"{trusted.name}+{trusted.key_id.hex()}",
                    f"server's key: {served_text[:200]!r}",
                    "a legitimate key rotation must be confirmed out of band; then start a new state file"])
        note_text = log.checkpoint_note()
        checkpoint = read_checkpoint(note_text, trusted, server)
        if state is None:
            message = (f"ok: first checkpoint accepted: tree size {checkpoint.size}, origin {checkpoint.origin}, "
                       f"log key {trusted.name}+{trusted.key_id.hex()}")
            old = None
        else:
            message = check_growth(log, state, checkpoint)
            old = {"origin": state.origin, "tree_size": state.tree_size, "root": state.root}
        verifier_text = pinned_key.strip() if pinned_key else (state.verifier_key if state else served_text)
        save_state(state_path, State(server=server, verifier_key=verifier_text, origin=checkpoint.origin,
                                     tree_size=checkpoint.size, root=b64(checkpoint.root), note=note_text,
                                     checked_at=now_iso()))
        return Outcome("ok", server, message, first_run=state is None, old=old, new=summary(checkpoint))
    except Alarm as alarm:
        old = {"origin": state.origin, "tree_size": state.tree_size, "root": state.root,
               "checked_at": state.checked_at} if state else None
        return Outcome("alarm", server, alarm.message, check=alarm.check, old=old, new=alarm.new,
                       details=alarm.details)
    except MonitorError as e:
        return Outcome("error", server, str(e))
    finally:
        if own_client:
            client.close()


# -- output ---------------------------------------------------------------------------------------------------

CHECK_TITLES = {
    "key": "log key — the server presents a different log key",
    "signature": "signature — the checkpoint does not verify with the trusted log key",
    "origin": "origin — the checkpoint names another log",
    "size": "size — the tree is smaller than the one accepted before",
    "root": "root — same size, different root",
    "consistency": "consistency proof — the accepted tree is not a prefix of the new one",
}


def report(outcome: Outcome, state_path: Path) -> str:
    """The human report of an alarm."""
    def tree(t: dict[str, Any] | None) -> str:
        return f"size {t['tree_size']}, root {t['root']}" if t else "(checkpoint not read)"

    lines = [f"ALARM: the transparency log at {outcome.server} failed a check; its history may have been "
             "rewritten.",
             f"  failed check:  {CHECK_TITLES.get(outcome.check or '', outcome.check)}",
             f"  what:          {outcome.message}"]
    if outcome.old:
        lines.append(f"  last accepted: {tree(outcome.old)} (origin {outcome.old['origin']}, "
                     f"checked {outcome.old.get('checked_at', '?')})")
    lines.append(f"  server now:    {tree(outcome.new)}")
    lines += [f"  {d}" for d in outcome.details]
    lines.append(f"The state file {state_path} still holds the last accepted checkpoint; it was not changed.")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    state_path = Path(args.state)
    outcome = run(args.server, state_path, args.key)
    if getattr(args, "json", False):
        out = asdict(outcome)
        out["exit_code"] = outcome.exit_code
        out["state_file"] = str(state_path)
        print(json.dumps(out, ensure_ascii=False, indent=2))
    elif outcome.status == "ok":
        print(outcome.message)
    elif outcome.status == "alarm":
        print(report(outcome, state_path))
    else:
        print(f"error: {outcome.message}", file=sys.stderr)
    return outcome.exit_code

