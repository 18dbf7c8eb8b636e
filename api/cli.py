"""The `vledger` command (DESIGN §8)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from api.settings import Settings
from domain.errors import VledgerError


def settings_from(args: argparse.Namespace) -> Settings:
    if getattr(args, "data_dir", None):
        return Settings(data_dir=Path(args.data_dir))
    return Settings()


def cmd_init(args: argparse.Namespace) -> int:
    from api.application import VledgerApplication
    from api.instance import announce_initialized

    settings = settings_from(args)
    app, token, generated = VledgerApplication.initialize(settings)
    app.close()
    announce_initialized(settings.data_dir, token, generated)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.http import create_app

    settings = settings_from(args)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from api.application import VledgerApplication
    from api.progress import progress_bar

    app = VledgerApplication(settings_from(args), catch_up=False)
    try:
        applied = app.views.rebuild(progress=progress_bar("rebuild"))
    finally:
        app.close()
    print(f"rebuilt {len(app.views.views)} views from {applied} events")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from api.demo import run_demo

    return run_demo(settings_from(args))


EXIT_BY_VERDICT = {"valid": 0, "valid_with_warnings": 0, "unverifiable": 3}  # anything else: 1


def read_code(argument: str) -> str:
    """CODE_OR_IMAGE: the QR text decoded from an image file when the argument names one, else the text itself."""
    from api.photos import decode_qr_image

    path = Path(argument)
    try:
        is_file = path.is_file()
    except (OSError, ValueError):  # a long code is no file name ("File name too long"), nor is text with NUL
        is_file = False
    return decode_qr_image(path.read_bytes()) if is_file else argument


def human_verdict(result: dict[str, Any]) -> str:
    """A short English account of a verdict: the verdict and its reasons, then what the certificate says."""
    if "verdict" not in result:
        error = result.get("error") or {}
        return f"error: {error.get('message', json.dumps(result, ensure_ascii=False))}"
    reasons = "; ".join(r["en"] for r in result.get("reasons") or [])
    lines = [f"{result['verdict']}: {reasons}" if reasons else str(result["verdict"])]
    if result.get("message"):
        lines.append(f"  {result['message']}")
    cert = result.get("certificate")
    if cert:
        own = " (the certificate's own claims, not compared with the log)" \
            if cert.get("source") == "certificate_claims" else ""
        lines.append(f"  {cert.get('masked_name')}, {cert.get('hours')} hours, {cert.get('period_start')} to "
                     f"{cert.get('period_end')}, issued {cert.get('issue_date')}{own}")
    return "\n".join(lines)


def verify_offline_cli(args: argparse.Namespace, text: str) -> dict[str, Any]:
    """`vledger verify --offline --keys FILE`: the key directory and the trust anchor, then the pure check."""
    import datetime as dt

    from api.offline import root_verifier_of, verify_offline
    from domain.verdicts import Verdict
    from keys.notes import Verifier

    # The trust anchor comes from outside the directory: --root-key, else the local instance's root key.
    trusted = Verifier.parse(args.root_key) if args.root_key else root_verifier_of(settings_from(args).data_dir)
    directory_text: str | None = None
    if args.keys:
        path = Path(args.keys)
        if not path.is_file():
            print(f"warning: no key directory at {path}", file=sys.stderr)
        else:
            try:
                directory_text = path.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                return Verdict("unverifiable", ("key_directory_malformed",),
                               details={"offline": True, "message": "the key directory is not UTF-8 text"}).as_dict()
    return verify_offline(text, directory_text, trusted_root=trusted, now=dt.datetime.now(dt.UTC)).as_dict()


def cmd_verify(args: argparse.Namespace) -> int:
    """`vledger verify CODE_OR_IMAGE`: against the local instance, a server (--server) or a signed key directory
    (--offline --keys FILE). Exit 0 valid (with or without warnings), 1 revoked/altered/forged/malformed,
    3 unverifiable, 2 usage errors."""
    if args.offline and args.server:
        print("error: --offline verifies without a server; give one or the other", file=sys.stderr)
        return 2
    if not args.offline and (args.keys or args.root_key):
        print("error: --keys and --root-key belong to --offline", file=sys.stderr)
        return 2
    text = read_code(args.code)
    if args.offline:
        result = verify_offline_cli(args, text)
    elif args.server:
        import httpx

        response = httpx.post(f"{args.server.rstrip('/')}/api/v1/verify", json={"code": text}, timeout=30)
        result = response.json()
    else:
        from api.application import VledgerApplication

        app = VledgerApplication(settings_from(args))
        try:
            result = app.verify(text).as_dict()
        finally:
            app.close()
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else human_verdict(result))
    return EXIT_BY_VERDICT.get(str(result.get("verdict")), 1)


def cmd_keys_export(args: argparse.Namespace) -> int:
    """`vledger keys export`: the signed key directory of the local instance, for offline verification."""
    import datetime as dt

    from api.application import VledgerApplication
    from api.offline import key_directory_note

    app = VledgerApplication(settings_from(args))
    try:
        note = key_directory_note(app, lifetime=dt.timedelta(days=args.lifetime_days))
        root = app.instance.root_key.verifier_key
    finally:
        app.close()
    if args.out in (None, "-"):
        sys.stdout.write(note)
        sys.stdout.flush()
        where = "standard output"
    else:
        Path(args.out).write_bytes(note.encode("utf-8"))  # bytes: the signature covers these exact newlines
        where = args.out
    print(f"key directory written to {where}, valid for {args.lifetime_days} days", file=sys.stderr)
    print(f"root key (compare it with the one the registry publishes): {root}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """`vledger import FILE --org ID`: paper records, all or nothing; exit 0 imported, 1 rejected (every problem
    listed), 2 error. `vledger import --template` prints the template instead."""
    from api.imports import ImportTooLargeError, check_size, template_csv

    if args.template:
        sys.stdout.buffer.write(template_csv())
        sys.stdout.flush()
        return 0
    if not args.file or not args.org:
        print("error: give the file and --org ID (or --template)", file=sys.stderr)
        return 2
    try:
        org_id = UUID(args.org)
    except ValueError:
        print("error: --org expects the organization's id (a UUID)", file=sys.stderr)
        return 2
    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    try:
        check_size(path.stat().st_size)  # before reading it: a huge file is refused without filling memory
        return run_import(settings_from(args), org_id, path.read_bytes())
    except ImportTooLargeError as e:
        print(f"error: {e.message}", file=sys.stderr)  # the file is refused, as a rejected one is: exit 1
        return 1


def run_import(settings: Settings, org_id: UUID, data: bytes) -> int:
    """Import ``data`` for the organization, as the organization (whoever holds the instance's data directory
    and key passphrase may sign for it); print the counts or every problem."""
    from api.application import VledgerApplication
    from api.imports import ImportRejectedError
    from api.progress import progress_bar
    from domain.access import Principal

    app = VledgerApplication(settings)
    try:
        principal = Principal(role="organization", subject=str(org_id), org_id=org_id)
        result = app.import_records(principal, org_id, data, progress=lambda phase: progress_bar(f"import {phase}"))
    except ImportRejectedError as e:
        print(f"error: {e.message}", file=sys.stderr)
        for problem in e.errors:
            where = f"row {problem.row}" if problem.row is not None else "file"
            column = f", {problem.column}" if problem.column else ""
            print(f"  {where}{column}: [{problem.code}] {problem.message}", file=sys.stderr)
        if e.total > len(e.errors):
            print(f"  … and {e.total - len(e.errors)} more", file=sys.stderr)
        return 1
    finally:
        app.close()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from api.audit import main as audit_main

    return audit_main(args)


def cmd_monitor(args: argparse.Namespace) -> int:
    from api.monitor import main as monitor_main

    return monitor_main(args)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vledger", description="Signed volunteer service records and certificates")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_text)
        sp.add_argument("--data-dir", default=None, help="instance directory (default: $VLEDGER_DATA_DIR or ./var)")
        sp.set_defaults(handler=handler)
        return sp

    add("init", cmd_init, "create a new instance: keys, registrations, registry token")
    serve = add("serve", cmd_serve, "run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    audit = add("audit", cmd_audit, "verify every event's signature and key; exit 0 intact, 1 tampered, 2 error")
    audit.add_argument("--json", action="store_true", help="print the report as JSON")
    add("rebuild", cmd_rebuild, "drop every view and rebuild it from the log")
    add("demo", cmd_demo, "create a realistic demo instance and print a certificate's verification URL")
    verify = add("verify", cmd_verify, "verify a certificate code, URL or QR image; exit 0 valid, 1 revoked, "
                 "altered, forged or malformed, 3 unverifiable (offline), 2 usage error")
    verify.add_argument("code", metavar="CODE_OR_IMAGE", help="QR text, URL, bare code, or an image file of the QR")
    verify.add_argument("--server", default=None, help="ask a running server instead of the local instance")
    verify.add_argument("--offline", action="store_true", help="verify with a signed key directory only, no network")
    verify.add_argument("--keys", default=None, metavar="FILE", help="the key directory (from `vledger keys export` "
                        "or GET /api/v1/keys/directory)")
    verify.add_argument("--root-key", default=None, metavar="VKEY", help="the registry's root key name+hex8+base64, "
                        "obtained out of band (default: the root key of the instance in --data-dir, if any)")
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    keys = sub.add_parser("keys", help="the instance's public keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    export = keys_sub.add_parser("export", help="write the signed key directory for offline verification")
    export.add_argument("--data-dir", default=None, help="instance directory (default: $VLEDGER_DATA_DIR or ./var)")
    export.add_argument("--out", default="-", metavar="FILE", help="where to write it (default: standard output)")
    export.add_argument("--lifetime-days", type=int, default=7, metavar="N",
                        help="days until verifiers refuse it as stale (default: 7)")
    export.set_defaults(handler=cmd_keys_export)
    imports = add("import", cmd_import, "import paper records from CSV or XLSX, all or nothing; exit 0 imported, "
                  "1 rejected (every problem listed), 2 error")
    imports.add_argument("file", nargs="?", help="the CSV (UTF-8 or GB18030) or .xlsx file")
    imports.add_argument("--org", default=None, help="id of the organization whose records these are")
    imports.add_argument("--template", action="store_true", help="print the CSV template (UTF-8 with BOM) and exit")
    monitor = sub.add_parser("monitor", help="check from outside, through the public log endpoints only, that "
                             "the server's log only grew; exit 0 consistent, 1 history rewritten, 2 error")
    monitor.set_defaults(handler=cmd_monitor)
    monitor.add_argument("--server", required=True, help="base URL of the vledger server")
    monitor.add_argument("--state", default="vledger-monitor.json",
                         help="JSON file with the last accepted checkpoint (default: ./vledger-monitor.json)")
    monitor.add_argument("--key", default=None, help="the log's note verifier key name+hex8+base64, obtained out "
                         "of band (safer than trusting the server's /log/key on the first run)")
    monitor.add_argument("--json", action="store_true", help="print the outcome as JSON")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        logging.basicConfig(level=settings_from(args).log_level,
                            format="%(asctime)s %(levelname)s %(name)s %(message)s")
        return int(args.handler(args))
    except ValidationError as e:
        problems = "; ".join(f"VLEDGER_{'_'.join(map(str, err['loc'])).upper()}: {err['msg']}" for err in e.errors())
        print(f"error: invalid settings: {problems}", file=sys.stderr)
        return 2
    except VledgerError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
