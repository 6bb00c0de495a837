"""The worker of tests/backups/test_crash_during_import.py: a process of its own on the configured SIRECORDS_HOME and
DATABASE_URL (SQLite without it), so the test can kill it, or the database server under it.

    python crash_import.py setup ROWS CSV   staff, persons, one employer and the parameter sets, each through the
                                            reviewed transactions (as bench/ingest.py); a clean collection file of
                                            ROWS rows (one per person, month from 2000-01 and insurance type) at CSV
    python crash_import.py import CSV       `import contributions` as the clerk, then every review stage; the last
                                            approval posts the batch (one ledger entry, the rows). "posting" is
                                            printed (flushed) just before that approval. A file whose import
                                            transaction is already open (a run killed after it was submitted) is
                                            taken up at the stage it waits on, as a reviewer would.

It prints one JSON line at the end: setup {"rows", "persons"}, import {"txn", "state", "posted_seq"}.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from datetime import date
from pathlib import Path

REGION = "440300"
TYPES = ("pension", "medical", "unemployment", "work_injury", "maternity")
PASSWORD = "Crash-Test-2026-pw"
REQUEST = "CRASH-TEST"


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sirecords.settings")
    import django

    django.setup()


def crew():
    """The clerk, the maintainer and one reviewer per stage: made on the first call, found after."""
    from sirecords.demo.accounts import approver, open_approved, sysadmin
    from sirecords.demo.crew import STAGE_ROLES
    from sirecords.users.actors import actor_for

    if actor_for("crash.clerk") is None:
        admin = sysadmin("crash.admin", reason="crash test", password=PASSWORD, os_user="crash-test")
        first = approver(admin, "crash.approver", region=REGION, reason="crash test", request_ref=REQUEST,
                         password=PASSWORD)
        for stage, role in (("clerk", "clerk"), ("maintainer", "maintainer"), *STAGE_ROLES):
            if stage == "approval":
                continue  # crash.approver acts on the approval stage
            open_approved(admin, first, f"crash.{stage}", f"crash.{stage}", roles=(role,), region=REGION,
                          reason="crash test", request_ref=REQUEST, channel="cli", password=PASSWORD)
    people = {"clerk": actor_for("crash.clerk"), "maintainer": actor_for("crash.maintainer")}
    reviewers = {stage: actor_for(f"crash.{stage}") for stage, _ in STAGE_ROLES if stage != "approval"}
    reviewers["approval"] = actor_for("crash.approver")
    return people, reviewers


def months_and_types() -> dict[tuple[int, int], list[str]]:
    from sirecords.parameters.queries import params_for_month

    found = {}
    for year in range(2000, 2024):
        for month in range(1, 13):
            collected = params_for_month(REGION, year, month).insurance_types()
            found[(year, month)] = [kind for kind in TYPES if kind in collected]
    return found


def setup(rows: int, csv_path: Path) -> dict:
    from sirecords.core.identifiers import make_id_number, make_uscc
    from sirecords.demo.crew import approve_stages
    from sirecords.demo.documents import scan
    from sirecords.demo.sample_contributions import collection_csv
    from sirecords.parameters.queries import loaded_versions, params_for_month
    from sirecords.parameters.services import open_parameter_load
    from sirecords.workflow.services import attach, open_transaction, submit

    people, reviewers = crew()

    def register(kind, payload, document):
        txn = open_transaction(people["clerk"], kind, payload, region=REGION, reason="crash test", channel="counter")
        attach(people["clerk"], txn, document, scan(kind), "scan.pdf")
        return approve_stages(submit(people["clerk"], txn), reviewers)

    types = months_and_types()
    months = list(types)
    slots = sum(len(k) for k in types.values())
    persons = -(-rows // slots)
    uscc = make_uscc("9", "1", REGION, "MA5C0001")
    register("register_employer", {"uscc": uscc, "name": "崩溃测试公司", "region": "440305"}, "business_licence")
    ids = [make_id_number("440305", date(1970 + i % 30, 1 + i % 12, 1 + i % 28), 100 + i) for i in range(persons)]
    for i, number in enumerate(ids):
        register("register_person", {"id_number": number, "name": f"测试{i}", "region": "440305"}, "id_card")
    needed = {}
    for year, month in months:
        params = params_for_month(REGION, year, month)
        needed[params.version] = params
    for version in sorted(set(needed) - loaded_versions(needed)):
        params = needed[version]
        approve_stages(open_parameter_load(people["maintainer"], REGION, params.year, "crash test", params=params), reviewers)

    def produce():
        made = 0
        for year, month in months:
            period = f"{year:04d}-{month:02d}"
            for p, number in enumerate(ids):
                for kind in types[(year, month)]:
                    if made == rows:
                        return
                    yield number, uscc, period, kind, 500_000 + 1_000 * p, f"{period}-15"
                    made += 1

    csv_path.write_bytes(collection_csv(produce(), REGION))
    return {"rows": rows, "persons": persons}


def import_and_post(csv_path: Path) -> dict:
    from sirecords.contributions.models import FileClaim
    from sirecords.contributions.services import import_file
    from sirecords.demo.crew import approve_stages
    from sirecords.workflow.models import BusinessTransaction

    people, reviewers = crew()
    digest = hashlib.sha256(csv_path.read_bytes()).hexdigest()
    claim = FileClaim.objects.filter(sha256=digest).first()
    txn = BusinessTransaction.objects.filter(uid=claim.txn).first() if claim else None
    if txn is None or txn.state in ("withdrawn", "rejected"):
        outcome = import_file(people["clerk"], csv_path, reason="崩溃测试 crash test", file_name=csv_path.name,
                              region=REGION, progress=False)
        if not outcome.ok:
            raise SystemExit("import refused: " + ("; ".join(outcome.prepared.report_lines()[:5]) or str(outcome.refused)))
        txn = outcome.txn
    if txn.state != "posted":
        last = len(txn.stage_list) - 1
        txn = approve_stages(txn, reviewers, until=last)
        print("posting", flush=True)
        txn = approve_stages(txn, reviewers)
    return {"txn": txn.uid, "state": txn.state, "posted_seq": txn.posted_seq}


def main(argv: list[str]) -> int:
    django_setup()
    if argv[0] == "setup":
        result = setup(int(argv[1]), Path(argv[2]))
    elif argv[0] == "import":
        result = import_and_post(Path(argv[1]))
    else:
        raise SystemExit(f"unknown step {argv[0]!r}: setup ROWS CSV | import CSV")
    out = io.StringIO()
    json.dump(result, out)
    print(out.getvalue(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
