#!/usr/bin/env python
"""Crash consistency (issue #20, point 5): the importer and the posting killed with SIGKILL at random points; every
batch is all or nothing, `verify` passes, and the retry succeeds (or is refused as already imported).

    .venv/bin/python bench/crash.py --points 200 --seed 1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sirecords_crash .venv/bin/python bench/crash.py --points 200

Set-up (once, untimed): `init`, the staff (a clerk, a maintainer, one reviewer per stage), --persons persons and one
employer registered through the reviewed transactions, the rule parameters of the years the points need. One
database serves every point: on SQLite a temporary SIRECORDS_HOME unless one is set, on PostgreSQL the database of
DATABASE_URL (a throwaway one: the ledger is append-only).

Each point imports a collection file of its own (one month, --persons × the month's insurance types rows; a month no
other point uses) in a worker process — this script with --worker, Django set up and connected before it is told
what to do, so the kill lands in the work and not in the start-up. The points alternate between two kinds:

- import: the worker runs `import contributions` (check and stage every row, claim and store the file, open and
  submit the transaction, one database transaction), then approves every review stage; the last approval posts.
- post: this process imports the file and approves every stage but the last; the worker approves the last stage,
  which posts the batch (the file checked and staged again, one ledger entry, the rows, the batch row, the pension
  credit summary, `transaction.posted`, the checkpoint, in one database transaction).

The worker is killed with SIGKILL after a delay drawn uniformly between 0 and the duration of an unkilled run of its
kind (measured first, on a file of the same size, to the worker's "done"), so the kills land in every phase: the
check, staging, the claim, the reviews, the posting. The posting itself (ledger entries, checkpoint, projections,
commit) takes only milliseconds of that, less than the jitter of a run, so half the points ("aimed") are killed
after a delay counted from the moment the worker says it starts the posting's first ledger write, drawn uniformly
between 0 and the posting's duration in the unkilled run (from that write to "done") plus 5 ms. The worker
prints the phase it enters, from the SQL it sends (check, staging, claim, workflow, ledger, checkpoint, projection,
finish: the posting's own workflow writes and its commit; review and done from the script); the phase last printed
before the kill is counted in "phases" ("exit": the work was over, the process ending; "unkilled": the delay was
longer than the run). On PostgreSQL the killed session's server process is waited for (it rolls back when it finds
its client gone) before anything is checked.

A kill after the posting's commit and before its checkpoint's copy to the witness folder (written once the
transaction commits) leaves the folder one checkpoint behind the database, which `verify` reports ("its newest
checkpoint copy is at size N, the database's latest checkpoint at size M"): such points are counted by phase in
"witness_behind", and the script then runs `sirecords checkpoint` — the operator's step after a crash, and what the
checkpoint timer does — which copies the latest checkpoint's note, and checks the folder is no longer behind.

Then, with queries: the batch is whole — its ledger entry (`contribution_batch.posted`) and `transaction.posted`,
the batch row, all its rows, the transaction posted at that entry, the file claimed by it — or absent: no entry, no
batch row, no row of its month, the transaction (when its submission had committed) still open with no entry, and
no staging table left in any other session (PostgreSQL); the pension credit summary agrees with the rows
(summary.differences) either way. Anything else is "half_applied". `verify` (the full one, with the witness
folder) runs every --verify-every points and at the end. Then the retry: where the batch is absent the import is
taken up and posted (the open transaction's remaining stages approved, or the file imported again), and must be
whole; where it is present, importing the file again must be refused as already imported.

The last line is one JSON object: {"engine", "points", "killed", "batches_whole", "batches_absent", "half_applied",
"verify_failures", "ok", "retried", "refused_again", "phases", "witness_behind", "rows_per_file", "aimed",
"calibration_s", "posting_window_s", "seconds"}; ok when no batch was half applied, every verify passed and every
retry did what it should. Exit status 0 only when ok.
Figures: docs/operations.md "Crash consistency".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REGION = "440300"
TYPES = ("pension", "medical", "unemployment", "work_injury", "maternity")
FIRST_YEAR = 2000
REASON = "崩溃一致性 crash consistency"
# The phase a worker enters, from the start of the SQL it sends (the first match wins).
PHASES = (("CREATE TEMP TABLE", "check"), ("INSERT INTO import_", "staging"), ("COPY import_", "staging"),
          ("COPY ledger_entry", "ledger"), ('INSERT INTO "contributions_file_claim"', "claim"),
          ("INSERT INTO ledger_entry", "ledger"), ('INSERT INTO "ledger_checkpoint"', "checkpoint"),
          ('INSERT INTO "contributions_batch"', "projection"), ("INSERT INTO contributions_contribution", "projection"),
          ("INSERT INTO contributions_pension_credit", "projection"), ('INSERT INTO "workflow_', "workflow"),
          ('UPDATE "workflow_', "workflow"))
AIM_AFTER = 0.005  # s: an aimed kill's delay is drawn up to the posting's duration unkilled and this
POSTING = ("ledger", "checkpoint", "projection")  # after these, the workflow's writes are the posting's last ("finish")


def crew(tag: str):
    from sirecords.users.actors import actor_for

    names = ("clerk", "maintainer", "review1", "review2", "review3", "approval")
    return {name: actor_for(f"bench.{name}.{tag}") for name in names}


def month_of(index: int) -> tuple[int, int]:
    return FIRST_YEAR + index // 12, 1 + index % 12


# --- the worker: one import or one posting, killed or not ---

def worker(tag: str) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sirecords.settings.demo")
    sys.path.insert(0, str(HERE.parent.parent / "src"))
    import django

    django.setup()
    from django.db import connection

    from sirecords.contributions.services import import_file
    from sirecords.demo.crew import approve_stages
    from sirecords.workflow.models import BusinessTransaction

    people = crew(tag)
    backend = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        else:
            cursor.execute("SELECT 1")
    current = [""]

    def say(phase: str) -> None:
        if phase == "workflow" and current[0] in POSTING + ("finish",):
            phase = "finish"
        if phase != current[0]:
            current[0] = phase
            sys.stdout.write(phase + "\n")
            sys.stdout.flush()

    def mark(sql: str) -> None:
        for start, phase in PHASES:
            if sql.startswith(start):
                say(phase)
                break

    def marking(execute, sql, params, many, context):
        mark(sql)
        return execute(sql, params, many, context)

    if connection.vendor == "postgresql":  # the staged rows and the ledger entries go by COPY, past execute_wrapper
        import psycopg

        copy = psycopg.Cursor.copy

        def marked_copy(self, statement, *args, **kwargs):
            mark(str(statement))
            return copy(self, statement, *args, **kwargs)

        psycopg.Cursor.copy = marked_copy

    print(f"ready {backend}", flush=True)
    order = json.loads(sys.stdin.readline())
    with connection.execute_wrapper(marking):
        if order["op"] == "import":
            say("check")
            outcome = import_file(people["clerk"], Path(order["csv"]), reason=REASON, file_name=Path(order["csv"]).name,
                                  region=REGION)
            if not outcome.ok:
                raise SystemExit(f"import refused: {outcome.refused or outcome.prepared.report_lines()[:3]}")
            say("review")
            txn = approve_stages(outcome.txn, people)
        else:
            say("review")
            txn = approve_stages(BusinessTransaction.objects.get(uid=order["txn"]), people)
    say("done")
    print(json.dumps({"txn": txn.uid, "state": txn.state}), flush=True)
    return 0


# --- the driver ---

class Workers:
    """Worker processes started one ahead (the next one sets up Django while this one is checked)."""

    def __init__(self, tag: str, env: dict[str, str]) -> None:
        self.tag, self.env, self.next = tag, env, None

    def _start(self):
        process = subprocess.Popen([sys.executable, str(HERE), "--worker", "--tag", self.tag], env=self.env,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return process

    def take(self):
        process = self.next or self._start()
        self.next = self._start()
        line = process.stdout.readline()
        if not line.startswith("ready"):
            raise SystemExit(f"the worker did not start: {line!r} {process.stderr.read()[-3000:]}")
        return process, int(line.split()[1])

    def close(self) -> None:
        if self.next is not None:
            self.next.kill()
            self.next.communicate()


def run_point(workers: Workers, order: dict, delay: float | None, aim: str = "") -> dict:
    """Give the worker its order; kill it after `delay` s (None: let it finish), counted from the order, or with `aim`
    from the worker's first line naming that phase (never killed if it never says it). Returns what happened."""
    process, backend = workers.take()
    started = time.monotonic()
    process.stdin.write(json.dumps(order) + "\n")
    process.stdin.flush()
    phases: list[str] = []
    arrived: dict[str, float] = {}  # phase → seconds from the order to its first line read here
    killed = False
    deadline = started + (600 if delay is None or aim else delay)
    fd = process.stdout.fileno()
    buffer = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            if delay is None:
                raise SystemExit("an unkilled worker ran for 600 s")
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                killed = True
            break
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break  # the worker ended on its own
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                phases.append(line.decode())
                arrived.setdefault(phases[-1], time.monotonic() - started)
                if aim and phases[-1] == aim and delay is not None:
                    deadline = time.monotonic() + delay
    rest, err = process.communicate(timeout=120)
    phases += [line for line in (buffer.decode() + rest).splitlines() if line]
    elapsed = time.monotonic() - started
    if not killed and process.returncode != 0:
        raise SystemExit(f"the worker failed ({process.returncode}): {err[-3000:]}")
    phase = next((p for p in reversed(phases) if not p.startswith("{")), "start")
    if phase == "done":
        phase = "exit"  # the work was over, the process ending
    return {"killed": killed, "phase": phase if killed else "unkilled", "seconds": elapsed, "backend": backend,
            "arrived": arrived}


def wait_for_backend(pid: int) -> None:
    """PostgreSQL: the killed client's server process ends (rolling its transaction back) before anything is read."""
    from django.db import connection

    if not pid:
        return
    deadline = time.monotonic() + 60
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if not cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise SystemExit(f"the killed worker's server process {pid} did not end within 60 s")


def make_file(folder: Path, index: int, ids: list[str], uscc: str) -> tuple[Path, str, int, str]:
    import hashlib

    from sirecords.demo.sample_contributions import collection_csv
    from sirecords.parameters.queries import params_for_month

    year, month = month_of(index)
    period = f"{year:04d}-{month:02d}"
    collected = params_for_month(REGION, year, month).insurance_types()
    kinds = [kind for kind in TYPES if kind in collected]
    rows = [(number, uscc, period, kind, 500_000 + 1_000 * p, f"{period}-15") for p, number in enumerate(ids) for kind in kinds]
    data = collection_csv(rows, REGION)
    path = folder / f"collection-{period}.csv"
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest(), len(rows), period


def state_of(sha256: str, rows: int, period: str) -> tuple[str, str]:
    """("whole" | "absent" | "half", why) for the batch of the file `sha256`."""
    from django.db import connection

    from sirecords.contributions import summary
    from sirecords.contributions.models import Contribution, ContributionBatch, FileClaim
    from sirecords.ledger.models import Entry
    from sirecords.workflow.models import OPEN_STATES, BusinessTransaction, State

    claim = FileClaim.objects.filter(sha256=sha256).values_list("txn", flat=True).first()
    batch = ContributionBatch.objects.filter(file_sha256=sha256).first()
    uid = batch.uid if batch else claim
    txn = BusinessTransaction.objects.filter(uid=uid).first() if uid else None
    in_month = Contribution.objects.filter(period=period).count()
    batch_entries = Entry.objects.filter(kind="contribution_batch.posted", subject=f"batch:{uid}").count() if uid else 0
    posted_entries = Entry.objects.filter(kind="transaction.posted", subject=f"txn:{uid}").count() if uid else 0
    leftovers = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_class WHERE relname = 'import_rows' AND relpersistence = 't' "
                           "AND relnamespace <> coalesce(pg_my_temp_schema(), 0)")
        else:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'import_%'")
        leftovers = cursor.fetchone()[0]
    differing, _ = summary.differences(3)
    seen = (f"claim={claim!r} batch={bool(batch)} txn={txn.state if txn else None} rows={in_month} "
            f"batch_entries={batch_entries} posted_entries={posted_entries} staged_elsewhere={leftovers} "
            f"summary_differences={differing}")
    if leftovers or differing:
        return "half", seen
    if batch:
        entry = Entry.objects.filter(kind="contribution_batch.posted", subject=f"batch:{uid}").values_list("seq", flat=True).first()
        whole = (batch.row_count == rows == in_month == Contribution.objects.filter(batch_id=uid).count()
                 and batch_entries == 1 and posted_entries == 1 and claim == uid and batch.entry_seq == entry
                 and txn is not None and txn.state == State.POSTED and txn.posted_seq == entry)
        return ("whole" if whole else "half"), seen
    absent = (in_month == 0 and batch_entries == 0 and posted_entries == 0
              and (txn is None or txn.state in OPEN_STATES) and (claim is None or txn is not None))
    return ("absent" if absent else "half"), seen


def retry(people, path: Path, sha256: str, present: bool) -> str:
    """Take the import up to the end where it is absent ("retried"); import it again where present ("refused")."""
    from sirecords.contributions.models import FileClaim
    from sirecords.contributions.services import import_file
    from sirecords.demo.crew import approve_stages
    from sirecords.workflow.models import OPEN_STATES, BusinessTransaction, State

    claim = FileClaim.objects.filter(sha256=sha256).values_list("txn", flat=True).first()
    txn = BusinessTransaction.objects.filter(uid=claim).first() if claim else None
    if present:
        outcome = import_file(people["clerk"], path, reason=REASON, file_name=path.name, region=REGION)
        return "refused" if not outcome.ok and "already imported" in outcome.refused else f"not refused: {outcome.refused!r}"
    if txn is None or txn.state not in OPEN_STATES:
        outcome = import_file(people["clerk"], path, reason=REASON, file_name=path.name, region=REGION)
        if not outcome.ok:
            return f"the retry was refused: {outcome.refused or outcome.prepared.report_lines()[:3]}"
        txn = outcome.txn
    txn = approve_stages(txn, people)
    return "retried" if txn.state == State.POSTED else f"the retry left it {txn.state}"


def setup(tag: str, persons: int, months: int, rng: random.Random):
    import ingest  # bench/ is on sys.path when run as a script

    people = ingest.staff(tag)
    ids, usccs = ingest.make_registry(people, persons, 1, rng)
    loaded = ingest.load_parameters(people, [month_of(i) for i in range(months)])
    return people, ids, usccs[0], loaded


def witness_behind() -> bool:
    """The witness folder's newest checkpoint copy is older than the database's latest checkpoint: the posting
    committed (its checkpoint with it) and the process was killed before its on-commit copy to the witness folder."""
    import re

    from sirecords.crypto.objects import witness_place
    from sirecords.ledger.models import Checkpoint

    latest = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first() or 0
    sizes = [int(m[1]) for name in witness_place().names("checkpoint-") if (m := re.match(r"checkpoint-(\d+)", name))]
    return max(sizes, default=0) < latest


def checkpoint_now(tag: str) -> None:
    """What the operator (or the checkpoint timer) runs: `sirecords checkpoint`, which copies the latest checkpoint's
    note to the witness folder when the ledger has not grown since."""
    import io

    from django.core.management import call_command

    call_command("checkpoint", "--actor", f"bench.admin.{tag}", "--reason", "after a crash", stdout=io.StringIO())


def verify_now() -> tuple[bool, list]:
    from sirecords.crypto.objects import witness_place
    from sirecords.ledger.verify import verify

    report = verify(witness_place())
    return report.ok, [str(finding) for finding in report.findings[:5]]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=200, help="kill points (default %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--persons", type=int, default=20, help="persons per file; rows = persons × types (default %(default)s)")
    parser.add_argument("--verify-every", type=int, default=25, help="run verify every K points (default %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SIRECORDS_HOME")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tag", default="crash", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.tag)
    if args.points + 2 > (2024 - FIRST_YEAR) * 12:
        parser.error("at most 286 points (one month each, 2000-01 to 2023-12)")

    from benchsetup import setup_django

    began = time.monotonic()
    home, temporary = setup_django("sirecords-crash-")
    from django.db import connection

    engine = connection.vendor
    rng = random.Random(args.seed)
    tag = args.tag
    people, ids, uscc, loaded = setup(tag, args.persons, args.points + 2, rng)
    print(f"set-up: {engine}, {len(ids)} persons, {loaded} parameter sets, {time.monotonic() - began:.1f} s", flush=True)
    env = {**os.environ, "SIRECORDS_HOME": str(home), "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
           "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE.parent.parent / "src"), os.environ.get("PYTHONPATH")]))}
    folder = Path(home) / "crash-files"
    folder.mkdir(exist_ok=True)
    workers = Workers(tag, env)
    from sirecords.demo.crew import approve_stages

    def prepare(index: int, kind: str) -> tuple[dict, Path, str, int, str]:
        path, sha256, rows, period = make_file(folder, index, ids, uscc)
        if kind == "import":
            return {"op": "import", "csv": str(path)}, path, sha256, rows, period
        from sirecords.contributions.services import import_file

        outcome = import_file(people["clerk"], path, reason=REASON, file_name=path.name, region=REGION)
        assert outcome.ok, outcome.refused or outcome.prepared.report_lines()[:3]
        txn = approve_stages(outcome.txn, people, until=len(outcome.txn.stage_list) - 1)
        connection.close()  # nothing of this process open while the worker writes (SQLite: no lock held)
        return {"op": "post", "txn": txn.uid}, path, sha256, rows, period

    figures = {"engine": engine, "points": args.points, "killed": 0, "batches_whole": 0, "batches_absent": 0,
               "half_applied": 0, "verify_failures": 0, "ok": False, "retried": 0, "refused_again": 0, "phases": {},
               "witness_behind": {}, "rows_per_file": 0, "aimed": 0, "calibration_s": {}, "posting_window_s": {}, "seconds": 0.0}
    problems: list[str] = []
    try:
        durations, windows = {}, {}
        for index, kind in enumerate(("import", "post")):  # calibration: unkilled, timed
            order, _path, sha256, rows, period = prepare(index, kind)
            outcome = run_point(workers, order, None)
            arrived = outcome["arrived"]
            durations[kind] = arrived.get("done", outcome["seconds"])
            windows[kind] = durations[kind] - arrived.get("ledger", durations[kind]) + AIM_AFTER
            figures["rows_per_file"] = rows
            assert state_of(sha256, rows, period)[0] == "whole", state_of(sha256, rows, period)
        figures["calibration_s"] = {kind: round(seconds, 3) for kind, seconds in durations.items()}
        figures["posting_window_s"] = {kind: round(window, 4) for kind, window in windows.items()}
        print(f"calibration (unkilled): import {durations['import']:.3f} s, post {durations['post']:.3f} s "
              f"({figures['rows_per_file']} rows a file); posting windows {figures['posting_window_s']}", flush=True)
        started = time.monotonic()
        for point in range(args.points):
            kind = ("import", "post")[point % 2]
            order, path, sha256, rows, period = prepare(point + 2, kind)
            aimed = point % 4 >= 2  # half the points of each kind aim at the posting: its entries, rows, commit
            delay = rng.uniform(0, windows[kind]) if aimed else rng.uniform(0, durations[kind])
            figures["aimed"] += aimed
            outcome = run_point(workers, order, delay, "ledger" if aimed else "")
            wait_for_backend(outcome["backend"] if outcome["killed"] else 0)
            figures["killed"] += outcome["killed"]
            key = f"{kind}:{outcome['phase']}"
            figures["phases"][key] = figures["phases"].get(key, 0) + 1
            if witness_behind():
                figures["witness_behind"][key] = figures["witness_behind"].get(key, 0) + 1
                checkpoint_now(tag)
                if witness_behind():
                    problems.append(f"point {point} ({key}): `sirecords checkpoint` left the witness folder behind")
            found, seen = state_of(sha256, rows, period)
            if found == "whole":
                figures["batches_whole"] += 1
            elif found == "absent":
                figures["batches_absent"] += 1
            else:
                figures["half_applied"] += 1
                problems.append(f"point {point} ({key}, {delay:.3f} s): half applied: {seen}")
            if found != "half":
                done = retry(people, path, sha256, present=found == "whole")
                if done == "retried":
                    figures["retried"] += 1
                elif done == "refused":
                    figures["refused_again"] += 1
                else:
                    problems.append(f"point {point} ({key}): {done}")
                if state_of(sha256, rows, period)[0] != "whole":
                    problems.append(f"point {point} ({key}): not whole after the retry: {state_of(sha256, rows, period)[1]}")
            if (point + 1) % args.verify_every == 0 or point + 1 == args.points:
                ok, findings = verify_now()
                if not ok:
                    figures["verify_failures"] += 1
                    problems.append(f"verify after point {point}: {findings}")
                print(f"point {point + 1}/{args.points}: {figures['killed']} killed, {figures['batches_whole']} whole, "
                      f"{figures['batches_absent']} absent, {figures['half_applied']} half; verify "
                      f"{'ok' if ok else 'FAILED'} ({time.monotonic() - started:.0f} s)", flush=True)
            connection.close()
    finally:
        workers.close()
        if temporary and not args.keep:
            shutil.rmtree(home, ignore_errors=True)
    for problem in problems:
        print(problem, flush=True)
    figures["seconds"] = round(time.monotonic() - began, 1)
    figures["phases"] = dict(sorted(figures["phases"].items()))
    figures["ok"] = (not problems and figures["half_applied"] == 0 and figures["verify_failures"] == 0
                     and figures["retried"] + figures["refused_again"] == args.points)
    print(json.dumps(figures, ensure_ascii=False), flush=True)
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    sys.exit(main(sys.argv[1:]))
