"""What every benchmark does first: a safe SIRECORDS_HOME, Django set up, `sirecords init` run."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(prefix: str = "sirecords-bench-", *, show_init: bool = False) -> tuple[Path, bool]:
    """Point SIRECORDS_HOME at a new temporary folder unless one is set (a bench never writes into a
    developer's ./var), set up Django and run `init`. Returns (home, whether the folder is temporary)."""
    temporary = False
    if not os.environ.get("SIRECORDS_HOME"):
        os.environ["SIRECORDS_HOME"] = tempfile.mkdtemp(prefix=prefix)
        temporary = True
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sirecords.settings.demo")
    src = str(ROOT / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    import django
    from django.core.management import call_command

    django.setup()
    out = io.StringIO()
    call_command("init", stdout=out)
    if show_init:
        for line in out.getvalue().splitlines():
            print(f"init: {line}")
    from sirecords.core.home import home

    return home(), temporary


def write_records(out, records, chunk: int = 50_000) -> None:
    """Rows into a ledger.bulk writer `out`: on PostgreSQL as COPY text lines, `chunk` at a time (every value of a
    bench's rows is an int or a plain text, so str() is its COPY text), else as parameter rows."""
    if not out.copy_text:
        out.write_rows(records)
        return
    lines = []
    for record in records:
        lines.append("\t".join(map(str, record)))
        if len(lines) >= chunk:
            out.write_lines(lines)
            lines.clear()
    out.write_lines(lines)


def bench_staff(tag: str, roles: dict[str, str], *, region: str = "440300", reason: str = "benchmark"):
    """The staff a benchmark acts as, made as an installation makes them (demo.accounts): a sysadmin, the first
    approver, and for each username → role of `roles` an account opened by the sysadmin and approved (in `region`).
    Returns (sysadmin, first approver, {username: Actor}). Passwords are random: nobody signs in to a bench."""
    import uuid

    from sirecords.demo.accounts import approver, open_approved, sysadmin
    from sirecords.users.actors import actor_for

    password = "Bench-" + uuid.uuid4().hex
    admin = sysadmin(f"bench.admin.{tag}", reason=reason, password=password, os_user="bench")
    first = approver(admin, f"bench.approver.{tag}", region=region, reason=reason, request_ref="BENCH")
    actors = {}
    for username, role in roles.items():
        open_approved(admin, first, username, username, roles=(role,), region=region, reason=reason, request_ref="BENCH",
                      channel="cli", password=password)
        actors[username] = actor_for(username)
    return admin, first, actors
