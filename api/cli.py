"""The `vledger` command (DESIGN §8)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
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


def cmd_verify(args: argparse.Namespace) -> int:
    from api.application import VledgerApplication

    text = args.code
    if args.server:
        import httpx

        response = httpx.post(f"{args.server.rstrip('/')}/api/v1/verify", json={"code": text}, timeout=30)
        result = response.json()
    else:
        app = VledgerApplication(settings_from(args))
        try:
            result = app.verify(text).as_dict()
        finally:
            app.close()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result.get("verdict") in ("valid", "valid_with_warnings") else 1


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
    verify = add("verify", cmd_verify, "verify a certificate code or URL")
    verify.add_argument("code", help="QR text, URL or bare code")
    verify.add_argument("--server", default=None, help="ask a running server instead of the local instance")
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
