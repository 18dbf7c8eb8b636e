"""Certificate verification through HTTP: `vledger serve` (uvicorn) in one process, load from another.

Run from the repository root:  python bench/bench_http.py [--seconds 10] [--rate 100] [--connections 8]
                                                        [--postgres URL]

A fresh instance (SQLite by default) gets one organization, one volunteer, one record and one certificate; then
`vledger serve` runs it and a second process (bench/http_load.py, asyncio on raw sockets: no client library in
the measured path) drives loopback HTTP/1.1 keep-alive traffic at it:

  GET /healthz                  a trivial FastAPI endpoint on the same server          ← baseline
  POST /api/v1/verify           a valid certificate's QR text: parse, key lookup, Ed25519 verify, the logged
                                issuance, the record versions, the inclusion proof and the signed checkpoint
  POST /api/v1/verify (forged)  a well-formed code under a key id no one registered (refused at the key lookup)
  GET /V/{payload}              the verification page a phone camera opens (the same verification, as HTML)
  POST /api/v1/verify/batch     100 codes per request (a school's batch), reported per code

Closed loop, --connections concurrent connections for --seconds each, the variants interleaved in rotating order
over --reps repetitions after a warm-up; then open loop at --rate requests/s for the valid verification and the
baseline: each request is sent at its scheduled instant and its latency counts from that instant (so a stall is
not hidden by the load generator waiting: no coordinated omission), p50/p99/max reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent

import httpx  # noqa: E402
from _common import PASSPHRASE, bench_dir, make_fixture, postgres_schema, print_header  # noqa: E402


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(settings_dir: Path, database_url: str | None, public_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VLEDGER_")}
    env.update(VLEDGER_DATA_DIR=str(settings_dir), VLEDGER_KEY_PASSPHRASE=PASSPHRASE, VLEDGER_PUBLIC_URL=public_url,
               PYTHONUNBUFFERED="1")
    if database_url:
        env["VLEDGER_DATABASE_URL"] = database_url
    return env


@contextmanager
def serving(data_dir: Path, database_url: str | None, port: int, log: Path) -> Iterator[str]:
    base = f"http://127.0.0.1:{port}"
    vledger = Path(sys.executable).parent / "vledger"
    command = [str(vledger)] if vledger.exists() else [sys.executable, "-m", "api.cli"]
    with log.open("w") as out:
        process = subprocess.Popen([*command, "serve", "--data-dir", str(data_dir), "--port", str(port)],
                                   env=server_env(data_dir, database_url, base), stdout=out,
                                   stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"vledger serve exited:\n{log.read_text()}")
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"no answer on {base}:\n{log.read_text()}")
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def load(base: str, spec: dict[str, object]) -> dict[str, float]:
    """Run bench/http_load.py in its own process and return its JSON result."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "http_load.py"), base, json.dumps(spec)],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"load generator failed:\n{result.stderr}")
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0, help="per variant and repetition (closed loop)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--rate", type=float, default=100.0, help="open-loop requests per second")
    parser.add_argument("--rate-seconds", type=float, default=20.0)
    parser.add_argument("--batch", type=int, default=100, help="codes per batch request")
    parser.add_argument("--postgres", default=None, help="postgresql:// URL (a fresh schema is used)")
    parser.add_argument("--dir", default=None, help="parent directory for the throwaway instance")
    args = parser.parse_args()
    print_header("bench_http", args)

    with bench_dir(args.dir) as tmp, postgres_schema(args.postgres) as database_url:
        port = free_port()
        public_url = f"http://127.0.0.1:{port}"
        fx = make_fixture(tmp, database_url)
        fx.app.settings.public_url = public_url  # the QR text must name the address the server answers on
        fx.app.record_service(fx.org, fx.activity_id, volunteer_id=fx.volunteer_id, hours="3")
        cert = fx.app.issue_certificate(fx.org, fx.volunteer_id)
        valid = cert["qr_text"]
        payload = valid.rsplit("/V/", 1)[1]
        # Same length and layout, a key id nobody registered: the cheapest verdict a forger can provoke.
        # Base32 characters 28-32 carry bits 140-164 only: inside the key id (payload bytes 17-20).
        forged_payload = payload[:30] + ("A" if payload[30] != "A" else "B") + payload[31:]
        fx.app.close()
        del fx
        instance = tmp / "instance"

        with serving(instance, database_url, port, tmp / "serve.log") as base:
            check = httpx.post(f"{base}/api/v1/verify", json={"code": valid}, timeout=30).json()
            forged_code = f"{public_url.upper()}/V/{forged_payload}"
            forged_check = httpx.post(f"{base}/api/v1/verify", json={"code": forged_code}, timeout=30).json()
            print(f"# sanity: valid code → {check['verdict']}; unknown key id → {forged_check['verdict']}")
            assert check["verdict"] == "valid", check
            assert forged_check["verdict"] == "forged", forged_check
            variants: dict[str, dict[str, object]] = {
                "GET /healthz (baseline)": {"method": "GET", "path": "/healthz"},
                "POST /api/v1/verify valid": {"method": "POST", "path": "/api/v1/verify", "json": {"code": valid}},
                "POST /api/v1/verify forged": {"method": "POST", "path": "/api/v1/verify",
                                               "json": {"code": forged_code}},
                "GET /V/{payload} page": {"method": "GET", "path": f"/V/{payload}"},
                f"POST /api/v1/verify/batch ×{args.batch}": {"method": "POST", "path": "/api/v1/verify/batch",
                                                             "json": {"codes": [valid] * args.batch},
                                                             "per_request": args.batch},
            }
            for spec in variants.values():  # warm-up, unrecorded
                load(base, {**spec, "mode": "closed", "seconds": 1.5, "connections": args.connections})
            results: dict[str, list[float]] = {name: [] for name in variants}
            names = list(variants)
            for rep in range(args.reps):
                for name in names[rep % len(names):] + names[:rep % len(names)]:
                    out = load(base, {**variants[name], "mode": "closed", "seconds": args.seconds,
                                      "connections": args.connections})
                    if out["errors"]:
                        raise SystemExit(f"{name}: {out['errors']} failed requests ({out.get('first_error')})")
                    results[name].append(out["requests_per_s"] * float(variants[name].get("per_request", 1)))
            base_rate = statistics.median(results[names[0]])
            print(f"\n## closed loop, {args.connections} connections, {args.seconds:g} s × {args.reps} reps "
                  "(median; spread = (max-min)/median)")
            print(f"{'variant':<38} {'per s':>10} {'vs baseline':>12} {'spread':>8}")
            for name in names:
                runs = results[name]
                med = statistics.median(runs)
                unit = " codes" if "batch" in name else ""
                print(f"{name:<38} {med:>10,.0f} {med / base_rate:>11.2f}x {(max(runs) - min(runs)) / med:>8.2f}"
                      f"{unit}")

            print(f"\n## open loop at {args.rate:g} requests/s for {args.rate_seconds:g} s (latency from the "
                  "scheduled send time)")
            print(f"{'variant':<38} {'sent':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}")
            for name in (names[0], names[1], names[3]):
                out = load(base, {**variants[name], "mode": "open", "rate": args.rate, "seconds": args.rate_seconds,
                                  "connections": max(args.connections, 32)})
                print(f"{name:<38} {out['sent']:>6.0f} {out['p50_ms']:>8.2f} {out['p99_ms']:>8.2f} "
                      f"{out['max_ms']:>8.2f} {out['errors']:>7.0f}")
    print(f"\n# load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
