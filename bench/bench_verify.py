"""Certificate verification per second, next to raw Ed25519 verification, in the same run.

Run from the repository root:  python bench/bench_verify.py [--postgres postgresql://postgres@127.0.0.1:5432/test]

  raw Ed25519 verify        cryptography's Ed25519PublicKey.verify of the certificate's 64-byte signature
                            over the same domain-separated message, key object already loaded  ← baseline
  parse_code                URL split + base32 decode + layout parse, no signature check
  offline verify            parse_code + signing_key_of (keyring lookup + Ed25519 verify): what a verifier
                            holding the public keys does without the service
  online verify             VledgerApplication.verify(qr_text): the above plus the logged issuance
                            (aggregate read, each event's signature verified) and the views
  online verify, forged     the same certificate with its key id replaced by one no key has: the verdict is
                            ``forged``/``unknown_key``

The online lines are measured twice: on the small log the fixture leaves, and after --log-events more
events were appended (and projected), to show how verification cost depends on the size of the log.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    Fixture,
    Series,
    bench_dir,
    load_average,
    make_fixture,
    new_activities,
    new_records,
    postgres_schema,
    print_header,
    print_table,
    run_interleaved,
)

from api.verification import parse_code, signing_key_of  # noqa: E402
from domain.certificate_code import from_text, signing_message, split_url, to_text  # noqa: E402

KEY_ID_OFFSET = 1 + 16  # format version u8, certificate id 16 bytes, then the 4-byte key id


def issue_certificate(fx: Fixture, records: int) -> str:
    for activity_id in new_activities(fx, records):
        fx.app.record_service(fx.org, activity_id, volunteer_id=fx.volunteer_id, hours="2.5",
                              content="litter picking", evaluation="good")
    return fx.app.issue_certificate(fx.org, fx.volunteer_id)["qr_text"]


def forged_copy(fx: Fixture, qr_text: str) -> str:
    """The same code with a key id that no registered key has."""
    payload = bytearray(from_text(split_url(qr_text, fx.settings.public_url)))
    forged = bytes(b ^ 0x5A for b in payload[KEY_ID_OFFSET:KEY_ID_OFFSET + 4])
    while fx.app.keyring._by_id.get(forged):
        forged = bytes((b + 1) % 256 for b in forged)
    payload[KEY_ID_OFFSET:KEY_ID_OFFSET + 4] = forged
    return f"{fx.settings.public_url.upper()}/V/{to_text(bytes(payload))}"


def loop(fn, arg, n: int):
    def run() -> tuple[int, float]:
        t0 = time.perf_counter()
        for _ in range(n):
            fn(arg)
        return n, time.perf_counter() - t0
    return run


def grow_log(fx: Fixture, events: int, batch: int = 100) -> None:
    """Append ``events`` service records in batches and bring the views up to date (untimed)."""
    for i in range(0, events, batch):
        fx.app.save(*new_records(fx, min(batch, events - i)))
    fx.app.views.catch_up()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=2000, help="offline verifications per repetition (default 2000)")
    p.add_argument("--n-online", type=int, default=None,
                   help="online verifications per repetition (default 200; 50 with --postgres)")
    p.add_argument("--records", type=int, default=10, help="service records the certificate is built from")
    p.add_argument("--log-events", type=int, default=None,
                   help="events appended before the second online measurement (default 5000; 2000 with --postgres)")
    p.add_argument("--reps", type=int, default=7, help="timed repetitions; the median is reported (default 7)")
    p.add_argument("--postgres", metavar="URL", default=None,
                   help="run on PostgreSQL in a fresh schema dropped afterwards")
    p.add_argument("--dir", default=None, help="parent of the temporary directory (default: system temp)")
    args = p.parse_args()
    for name, sqlite_default, postgres_default in (("n_online", 200, 50), ("log_events", 5000, 2000)):
        if getattr(args, name) is None:
            setattr(args, name, postgres_default if args.postgres else sqlite_default)
    print_header("bench_verify", args)

    with bench_dir(args.dir) as data_dir, postgres_schema(args.postgres) as url:
        fx = make_fixture(data_dir, url)
        app = fx.app
        try:
            qr_text = issue_certificate(fx, args.records)
            forged = forged_copy(fx, qr_text)
            public_url = fx.settings.public_url
            keyring = app.keyring

            # Correctness before speed: every timed path must give the verdict it claims to measure.
            decoded = parse_code(qr_text, public_url)
            info = signing_key_of(decoded, keyring)
            assert info is not None and info.owner == str(fx.org_id), "offline verification failed"
            assert app.verify(qr_text).verdict == "valid"
            forged_verdict = app.verify(forged)
            assert forged_verdict.verdict == "forged" and "unknown_key" in forged_verdict.reasons, forged_verdict
            message = signing_message(decoded.signed_part)
            signature = decoded.signature
            verifier = info._verifier  # the loaded Ed25519PublicKey the keyring itself uses

            def raw_verify(_: object) -> None:
                verifier.verify(signature, message)

            def offline(text: str) -> None:
                parsed = parse_code(text, public_url)
                if signing_key_of(parsed, keyring) is None:  # type: ignore[arg-type]
                    raise AssertionError("signature did not verify")

            def parse_only(text: str) -> None:
                parse_code(text, public_url)

            print(f"store: {'PostgreSQL ' + url if url else 'SQLite files in a fresh temporary directory'}")
            print(f"certificate from {args.records} records; payload {len(decoded.signed_part) + 64} bytes, "
                  f"QR text {len(qr_text)} characters")

            raw = Series("raw Ed25519 verify (64-byte sig)")
            parse = Series("parse_code only")
            off = Series("offline: parse_code + signing_key_of")
            small = app.recorder.max_notification_id()
            on_valid = Series(f"online app.verify, valid (log {small} events)")
            on_forged = Series(f"online app.verify, forged key id (log {small})")
            run_interleaved([
                (raw, loop(raw_verify, None, args.n)),
                (parse, loop(parse_only, qr_text, args.n)),
                (off, loop(offline, qr_text, args.n)),
                (on_valid, loop(app.verify, qr_text, args.n_online)),
                (on_forged, loop(app.verify, forged, args.n_online)),
            ], reps=args.reps)

            grow_log(fx, args.log_events)
            large = app.recorder.max_notification_id()
            raw2 = Series("raw Ed25519 verify (64-byte sig)")
            on_valid2 = Series(f"online app.verify, valid (log {large} events)")
            on_forged2 = Series(f"online app.verify, forged key id (log {large})")
            run_interleaved([
                (raw2, loop(raw_verify, None, args.n)),
                (on_valid2, loop(app.verify, qr_text, args.n_online)),
                (on_forged2, loop(app.verify, forged, args.n_online)),
            ], reps=args.reps)

            print_table("offline and online verification", [raw, parse, off, on_valid, on_forged], raw,
                        unit="op")
            print_table(f"online verification after appending {args.log_events} events",
                        [raw2, on_valid2, on_forged2], raw2, unit="op")
            print("\nper verification, µs (medians):")
            print(f"  offline - raw verify (parse, keyring lookup, message build)   "
                  f"{off.us_per_op - raw.us_per_op:8.1f}")
            print(f"  online valid - offline (log read + views)                     "
                  f"{on_valid.us_per_op - off.us_per_op:8.1f}   at {small} events; "
                  f"{on_valid2.us_per_op - off.us_per_op:.1f} at {large}")
            print(f"  online forged (unknown key id)                                "
                  f"{on_forged.us_per_op:8.1f}   at {small} events; {on_forged2.us_per_op:.1f} at {large}")
        finally:
            app.close()
    print(f"\nload average at end: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
