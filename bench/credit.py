#!/usr/bin/env python
"""Annual crediting benchmark: `sirecords credit` for N accounts, end to end.

    .venv/bin/python bench/credit.py --accounts 100000
    psql -h 127.0.0.1 -U postgres -c 'create database sirecords_cred'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sirecords_cred .venv/bin/python bench/credit.py --accounts 1000000
    (--setup-only / --skip-setup: below)

Set-up (untimed): `init`, three staff accounts (a maintainer, a 初审 reviewer1 and an 审批 approver),
and N persons' twelve monthly pension credits for --year, inserted set-based (COPY on PostgreSQL,
executemany on SQLite) into one contribution batch the benchmark creates, and added to the per
person-year credit summary as a batch posting does (checked against the rows afterwards, untimed). THIS BYPASSES THE
CONTRIBUTION IMPORT on purpose, for speed: the batch is not committed by a ledger entry, so a full
`sirecords verify` of the benchmark database reports it; the benchmark checks the accounts only.

Timed: the whole run as `sirecords credit` and the reviewers do it — plan, open and submit (the submit's validation
reuses the plan and writes nothing), the two approvals, and posting (the plan reused when its inputs are provably
unchanged; with --replan computed again under the ledger lock, as in the web process where the approver acts). On
PostgreSQL the plan is computed by the database (accounts/crediting_sql.py: one statement stages the planned rows
with their leaf hashes in a temporary table, the leaves come back for the root, a second statement checks the totals)
and the posting writes the rows with one INSERT … SELECT; on SQLite the plan is the Python one and the rows are
written with executemany. One ledger entry.

Output: the phases (plan_s, open_submit_s, approve_post_s, total_s), the steps inside them (plan_sql_s: the plan's
statements and read-back; root_s; engine_sample_s; totals_sql_s or totals_py_s; insert_sql_s; read_summary_py_s for
the Python plan), and the CPU seconds of this process (python_cpu_s) and of the PostgreSQL backend
(db_backend_cpu_s, read from /proc when the server runs on this machine): the wall time depends on the machine's load,
the CPU time far less. accounts_per_s = accounts computed / seconds of the whole run.

Measured 2026-12-07 on the shared 2-CPU machine (PostgreSQL 15, load average 5–7), N = 1,000,000: 39,262 accounts/s
(before: 20,146, the plan in Python); the goal of 200,000 is not met (docs/crediting.md, Performance: what limits it).

To measure several runs on the same data (the set-up of a million persons takes minutes):

    createdb -h 127.0.0.1 -U postgres credit_base
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/credit_base
    SIRECORDS_HOME=/tmp/base .venv/bin/python bench/credit.py --accounts 1000000 --setup-only
    createdb -h 127.0.0.1 -U postgres -T credit_base credit_run && cp -a /tmp/base /tmp/run
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/credit_run
    SIRECORDS_HOME=/tmp/run .venv/bin/python bench/credit.py --accounts 1000000 --skip-setup

Then the accounts verify check runs (untimed) and must find nothing (exit 1 otherwise).
The last line of output is one JSON object: {"accounts": N, "accounts_per_s": …, …}.
Use a throwaway database: the ledger is append-only and the rows stay.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
import uuid

from benchsetup import bench_staff, setup_django, write_records  # bench/ is on sys.path when run as a script

GOAL_ACCOUNTS_PER_S = 200_000  # on PostgreSQL


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, required=True, metavar="N", help="accounts to credit")
    parser.add_argument("--year", type=int, default=2024, help="year to credit (default %(default)s)")
    parser.add_argument("--region", default="440300", help="pooling region (default %(default)s)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--setup-only", action="store_true",
                        help="insert the contributions and stop (then copy the database, e.g. createdb -T, and its home)")
    parser.add_argument("--skip-setup", action="store_true",
                        help="credit what the database holds (a copy of a --setup-only database, with its SIRECORDS_HOME)")
    parser.add_argument("--replan", action="store_true",
                        help="the posting plans again, as when the approver acts in another process (the web pages)")
    args = parser.parse_args(argv)
    if args.accounts < 1:
        parser.error("--accounts must be at least 1")
    return args


def make_staff(tag: str):
    """role → Actor: a maintainer, the three reviewers and the approver of region 440300."""
    roles = {f"{role}.{tag}": role for role in ("maintainer", "reviewer1", "reviewer2", "reviewer3", "approver")}
    _admin, _first, actors = bench_staff(tag, roles, reason="credit benchmark")
    return {role: actors[username] for username, role in roles.items()}


def open_approved_officer(tag: str):
    """A query officer of region 440300 (bench/statements.py: who issues the statements), opened and approved."""
    _admin, _first, actors = bench_staff(f"q{tag}", {f"officer.{tag}": "query_officer"}, reason="statements benchmark")
    return actors[f"officer.{tag}"]


def load_year_parameters(staff, region: str, year: int) -> None:
    """The year's parameter set, loaded through its reviewed transaction (the run uses only sets the ledger holds)."""
    from sirecords.demo.crew import approve_stages
    from sirecords.engine.params import load_params
    from sirecords.parameters.queries import loaded_param_set
    from sirecords.parameters.services import open_parameter_load
    from sirecords.workflow.stages import STAGE_ROLE

    if loaded_param_set(load_params(region, year).version) is not None:
        return
    txn = open_parameter_load(staff["maintainer"], region, year, "credit benchmark")
    approve_stages(txn, lambda stage: staff[STAGE_ROLE[stage]], "ok")


COLUMNS = ("batch_id", "row_number", "person_id", "employer_id", "period", "insurance_type", "category", "wage_fen",
           "base_fen", "employer_fen", "individual_fen", "account_credit_fen", "paid_on", "arrears_fen", "rule_version")


def insert_contributions(count: int, year: int, seed: int, tag: str) -> int:
    """N persons × 12 paid pension months, in one batch created here (bypasses the import, see above)."""
    from django.db import connection, transaction

    from sirecords.contributions.summary import add_pension_credits
    from sirecords.ledger import bulk

    rng = random.Random(seed)
    batch = uuid.uuid4().hex
    rows = count * 12
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO contributions_batch (uid, source, file_sha256, row_count, rows_root, rule_versions, "
                       "entry_seq, txn) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                       [batch, "bench", "", rows, "0" * 64, "bench", 0, "bench"])
        periods = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
        summary: dict[tuple[str, str, int], list[int]] = {}  # the per person-year credit summary a posting keeps

        def records():
            number = 0
            for person in range(count):
                pid = f"{tag}{person:024x}"
                employer = f"e{person % 5000:031x}"
                base = rng.randrange(400_000, 3_500_000)
                individual = base * 8 // 100
                # paid in the month itself: the same figures on both crediting bases (contributions/summary.py)
                for basis in ("arrival", "period"):
                    summary[(pid, basis, year)] = [12 * individual, individual * sum(13 - m for m in range(1, 13))]
                for period in periods:
                    number += 1
                    individual = base * 8 // 100
                    yield (batch, number, pid, employer, period, "pension", "employee", base, base, base * 16 // 100,
                           individual, individual, f"{period}-15", 0, "bench")

        with bulk.writer(cursor, "contributions_contribution", COLUMNS, batch_size=50_000) as out:
            write_records(out, records())
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE contributions_contribution")
        add_pension_credits(summary)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE contributions_pension_credit")  # as autovacuum would have in a working database
    return rows


def backend_cpu():
    """A function giving the CPU seconds the database server process of this connection has used (PostgreSQL on this
    machine, read from /proc), or None when that cannot be read: the machine's load changes the wall time, far less the
    CPU time. Parallel workers' time is not counted (the crediting's statements run in the backend itself)."""
    import os

    from django.db import connection

    if connection.vendor != "postgresql":
        return lambda: None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]

    def read():
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    return read


def time_steps() -> dict[str, list]:
    """Wrap the run's steps to time them (seconds, calls), in the order they run: the plan in the database or in
    Python, the root, the engine sample, the totals check, the rows' insertion."""
    from sirecords.accounts import crediting, crediting_sql

    steps: dict[str, list] = {}

    def wrap(module, name: str, label: str) -> None:
        real = getattr(module, name)
        steps[label] = [0.0, 0]

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                steps[label][0] += time.perf_counter() - started
                steps[label][1] += 1

        setattr(module, name, timed)

    wrap(crediting_sql, "plan_figures", "plan_sql")
    wrap(crediting, "year_credits", "read_summary_py")
    wrap(crediting, "merkle_root_of_leaf_bytes", "root")
    wrap(crediting, "check_against_engine", "engine_sample")
    wrap(crediting_sql, "independent_totals", "totals_sql")
    wrap(crediting, "_independent_totals", "totals_py")
    wrap(crediting_sql, "insert_rows", "insert_sql")
    return steps


def main(argv=None) -> int:
    args = parse_args(argv)
    home, temporary = setup_django()
    try:
        from django.db import connection

        from sirecords.accounts import crediting
        from sirecords.accounts import services as crediting_runs
        from sirecords.accounts.integrity import account_years_match_their_runs
        from sirecords.contributions.integrity import pension_credit_summary
        from sirecords.ledger.verify import Report

        tag = uuid.uuid4().hex[:8]
        staff = make_staff(tag)
        load_year_parameters(staff, args.region, args.year)
        if not args.skip_setup:
            started = time.perf_counter()
            rows = insert_contributions(args.accounts, args.year, args.seed, tag)
            setup_s = time.perf_counter() - started
            print(f"set-up: {rows} contribution rows for {args.accounts} persons in {setup_s:.1f} s ({connection.vendor})")
            if args.setup_only:
                return 0

        phases = {}
        db_cpu = backend_cpu()
        cpu0, db0 = time.process_time(), db_cpu()
        t0 = time.perf_counter()
        plan_fn = crediting.plan_year
        timings = []

        def timed_plan(region, year):
            s = time.perf_counter()
            result = plan_fn(region, year)
            timings.append(time.perf_counter() - s)
            return result

        crediting.plan_year = timed_plan
        steps = time_steps()
        crediting_runs.plan_year = timed_plan
        import sirecords.accounts.transactions as txns

        txns.plan_year = timed_plan
        prepared = crediting_runs.prepare(staff["maintainer"], args.year, region=args.region, reason="credit benchmark")
        t1 = time.perf_counter()
        if prepared.txn is None:
            raise SystemExit("nothing to credit (the year is already credited in this database)")
        if args.replan:
            crediting.forget_plans()  # as when the reviewers approve in the pages: the posting plans again there
        txn = crediting_runs.approve(prepared.txn, [staff["reviewer1"], staff["approver"]])
        t2 = time.perf_counter()
        cpu1, db1 = time.process_time(), db_cpu()
        total = t2 - t0
        phases = {"plan_s": round(timings[0], 3), "open_submit_s": round(t1 - t0 - timings[0], 3),
                  "approve_post_s": round(t2 - t1, 3), "total_s": round(total, 3),
                  "python_cpu_s": round(cpu1 - cpu0, 2)}
        if db0 is not None and db1 is not None:
            phases["db_backend_cpu_s"] = round(db1 - db0, 2)
        if txn.state != "posted":
            raise SystemExit(f"the run did not post: {txn.state}")
        plan = prepared.plan
        report = Report()
        v0 = time.perf_counter()
        account_years_match_their_runs(report)
        pension_credit_summary(report)  # the summary the set-up wrote agrees with the rows
        verify_s = time.perf_counter() - v0
        for finding in report.findings:
            print(f"FAIL [{finding.check}] {finding.where}: {finding.message}", file=sys.stderr)
        print(f"plans computed: {len(timings)} ({', '.join(f'{t:.2f}' for t in timings)} s); phases {phases}")
        print("steps (s, calls): " + ", ".join(f"{name} {seconds:.2f} ({calls})" for name, (seconds, calls) in steps.items()))
        phases.update({f"{name}_s": round(seconds, 3) for name, (seconds, calls) in steps.items()})
        print(f"accounts verify check: {'ok' if report.ok else 'FAILED'} in {verify_s:.2f} s")
        result = {"accounts": plan.accounts, "accounts_per_s": round(plan.accounts / total), "rows_posted": plan.row_count,
                  "post_accounts_per_s": round(plan.accounts / (t2 - t1)), "database": connection.vendor, "replan": args.replan, **phases,
                  "goal_accounts_per_s": GOAL_ACCOUNTS_PER_S}
        print(json.dumps(result))
        return 0 if report.ok else 1
    finally:
        if temporary:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
