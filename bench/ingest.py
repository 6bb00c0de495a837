#!/usr/bin/env python
"""Collection-file import benchmark: `sirecords import contributions` against plain PostgreSQL COPY.

    .venv/bin/python bench/ingest.py --rows 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sirecords_bench .venv/bin/python bench/ingest.py --rows 1000000

Set-up (untimed): staff accounts; the persons and employers the file needs, each registered through the
normal reviewed transactions (so the registry projections and the ledger agree); the rule parameter
sets of every year the file covers, loaded through reviewed `load_rule_parameters` transactions. The file
has one row per person, month (from 2000-01 on) and insurance type, its amounts computed as the engine
does, so it is clean.

Timed: the import as an operator runs it — check every row, store the file sealed, open and submit the
`import_contributions` transaction — plus the two review stages, the last of which posts the batch
(one ledger entry, the rows by COPY). -> import_rows_per_s. Then the same file is loaded with plain
`COPY … FROM STDIN (FORMAT csv)` into an unindexed temporary table -> copy_rows_per_s (PostgreSQL only;
null on SQLite), and ratio = import / copy. Then the posted rows are COPYed into a new table of
contributions_contribution's definition and indexes (LIKE … INCLUDING ALL, and its batch trigger), committed: the
schema's floor -> copy_indexed_rows_per_s, and ratio_indexed = import / that.

Without SIRECORDS_HOME a temporary one is used (SQLite in it unless DATABASE_URL is set). On PostgreSQL
use a throwaway database. The last line of output is one JSON object:
    {"rows": N, "import_rows_per_s": …, "copy_rows_per_s": …, "ratio": …, "copy_indexed_rows_per_s": …,
     "ratio_indexed": …, "engine": …, "verify_ok": …}

Goals (issue #14, PostgreSQL, N = 1,000,000): import_rows_per_s ≥ 100,000 and ratio_indexed ≥ 0.7. Measured figures,
the machine's load and what limits the import now: bench/README.md. --profile FILE and --sql-times show where the
time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from datetime import date
from pathlib import Path

from benchsetup import bench_staff, setup_django  # bench/ is on sys.path when run as a script

REGION = "440300"
TYPES = ("pension", "medical", "unemployment", "work_injury", "maternity")
FIRST_YEAR = 2000
GOAL_ROWS_PER_S, GOAL_RATIO_INDEXED = 100_000, 0.7


def staff(tag: str):
    names = {"clerk": "clerk", "maintainer": "maintainer", "review1": "reviewer1", "review2": "reviewer2",
             "review3": "reviewer3", "approval": "approver"}
    _admin, _first, actors = bench_staff(tag, {f"bench.{name}.{tag}": role for name, role in names.items()}, region=REGION)
    return {name: actors[f"bench.{name}.{tag}"] for name in names}


def approve(txn, crew):
    from sirecords.demo.crew import approve_stages

    return approve_stages(txn, crew, "benchmark")


def register(crew, kind: str, payload: dict, document: str):
    from sirecords.demo.documents import scan
    from sirecords.workflow.services import attach, open_transaction, submit

    txn = open_transaction(crew["clerk"], kind, payload, region=REGION, reason="benchmark set-up", channel="counter")
    attach(crew["clerk"], txn, document, scan(f"{kind} {len(payload)}"), "scan.pdf")
    return approve(submit(crew["clerk"], txn), crew)


def make_registry(crew, persons: int, employers: int, rng: random.Random):
    from tqdm import tqdm

    from sirecords.core.identifiers import make_id_number, make_uscc

    usccs = []
    for i in range(employers):
        body = f"MA{rng.randrange(16**6):06X}".replace("I", "J").replace("O", "P").replace("S", "T").replace("V", "W").replace("Z", "Y")
        uscc = make_uscc("9", "1", REGION, body)
        register(crew, "register_employer", {"uscc": uscc, "name": f"基准测试公司{i}", "region": "440305"}, "business_licence")
        usccs.append(uscc)
    ids = []
    for i in tqdm(range(persons), desc="registering persons", file=sys.stderr, mininterval=1):
        birth = date(1960 + rng.randrange(30), 1 + rng.randrange(12), 1 + rng.randrange(28))
        number = make_id_number("440305", birth, rng.randrange(1000))
        try:
            register(crew, "register_person", {"id_number": number, "name": f"测试{i}", "region": "440305"}, "id_card")
        except Exception:  # a random ID number already registered: draw another
            continue
        ids.append(number)
    return ids, usccs


def load_parameters(crew, months: list[tuple[int, int]]):
    from sirecords.parameters.queries import loaded_versions, params_for_month
    from sirecords.parameters.services import open_parameter_load

    needed = {}
    for year, month in months:
        params = params_for_month(REGION, year, month)
        needed[params.version] = params
    for version in sorted(set(needed) - loaded_versions(needed)):
        params = needed[version]
        approve(open_parameter_load(crew["maintainer"], REGION, params.year, "benchmark", params=params), crew)
    return len(needed)


def indexed_copy(batch: str) -> float | None:
    """Seconds to COPY the batch's rows, as posted, into a new table of contributions_contribution's definition: its
    columns, defaults, checks and indexes (LIKE … INCLUDING ALL) and its batch trigger (migration 0007), committed.
    The schema's floor: no import can write the rows faster than this. PostgreSQL only."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        return None
    names = ", ".join(column.column for column in _contribution_columns())
    chunks = []
    with connection.cursor() as cursor:  # untimed: the rows as COPY text, in memory
        with cursor.copy(f"COPY (SELECT {names} FROM contributions_contribution WHERE batch_id = %s ORDER BY row_number) "
                         "TO STDOUT", [batch]) as copy:
            for chunk in copy:
                chunks.append(bytes(chunk))
        cursor.execute("DROP TABLE IF EXISTS bench_indexed_copy")
        cursor.execute("CREATE TABLE bench_indexed_copy (LIKE contributions_contribution INCLUDING ALL)")
        cursor.execute("CREATE TRIGGER bench_rows_have_batch AFTER INSERT ON bench_indexed_copy REFERENCING NEW TABLE AS "
                       "new_rows FOR EACH STATEMENT EXECUTE FUNCTION contributions_rows_have_batch()")
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.copy(f"COPY bench_indexed_copy ({names}) FROM STDIN") as copy:
            for chunk in chunks:
                copy.write(chunk)
    seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_indexed_copy")
    return seconds


def _contribution_columns():
    from sirecords.contributions.models import Contribution

    return [field for field in Contribution._meta.concrete_fields if field.column != "id"]


def plain_copy(path: Path) -> float | None:
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_copy (id_number text, uscc text, period text, insurance_type text, "
                       "category text, wage numeric(14,2), base numeric(14,2), employer_amount numeric(14,2), "
                       "individual_amount numeric(14,2), paid_on date) ON COMMIT DROP")
        start = time.perf_counter()
        with open(path, "rb") as stream, cursor.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while chunk := stream.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - start
    return seconds



def months_and_types() -> dict[tuple[int, int], list[str]]:
    """(year, month) → the insurance types with employee rates, for every month from FIRST_YEAR to last month."""
    from sirecords.parameters.queries import params_for_month

    today = date.today()
    kinds_of = {}
    for year in range(FIRST_YEAR, today.year + 1):
        for month in range(1, 13):
            if (year, month) >= (today.year, today.month):
                break
            collected = params_for_month(REGION, year, month).insurance_types()
            kinds_of[(year, month)] = [kind for kind in TYPES if kind in collected]
    return kinds_of

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, metavar="N")
    parser.add_argument("--seed", type=int, default=None, help="seed of the synthetic data (default: from the clock)")
    parser.add_argument("--verify", action="store_true", help="run `sirecords verify` afterwards (untimed)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SIRECORDS_HOME")
    parser.add_argument("--sql-times", action="store_true", help="time each SQL statement of the timed import (not the "
                                                                   "COPYs) and print the slowest")
    parser.add_argument("--profile", metavar="FILE", help="run the timed import under cProfile, write FILE (pstats) and "
                                                          "print the top functions to stderr (slower: do not compare rates)")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    _home, temporary = setup_django("sirecords-ingest-")
    try:
        return run(args)
    finally:
        if temporary and not args.keep:
            shutil.rmtree(os.environ["SIRECORDS_HOME"], ignore_errors=True)


def run(args) -> int:
    from django.db import connection

    from sirecords.contributions import services
    from sirecords.demo.sample_contributions import collection_csv

    seed = args.seed if args.seed is not None else time.time_ns() % 1_000_000_007
    rng = random.Random(seed)
    types_by_month = months_and_types()
    months = list(types_by_month)
    slots = sum(len(k) for k in types_by_month.values())
    persons = max(3, -(-args.rows // slots))
    t = time.perf_counter()
    crew = staff(str(seed))
    ids, usccs = make_registry(crew, persons, max(1, persons // 100), rng)
    sets = load_parameters(crew, months)
    print(f"set-up: {len(ids)} persons, {len(usccs)} employers, {sets} parameter sets, {time.perf_counter() - t:.1f} s "
          f"({connection.vendor})")

    def rows():
        produced = 0
        for (year, month) in months:
            period = f"{year:04d}-{month:02d}"
            for p, number in enumerate(ids):
                for kind in types_by_month[(year, month)]:
                    if produced == args.rows:
                        return
                    yield number, usccs[p % len(usccs)], period, kind, rng.randrange(200_000, 4_000_000), f"{period}-15"
                    produced += 1

    t = time.perf_counter()
    data = collection_csv(rows(), REGION)
    path = Path(os.environ["SIRECORDS_HOME"]) / "bench-collection.csv"
    path.write_bytes(data)
    count = data.count(b"\n") - 1
    print(f"file: {count} rows, {len(data) / 1e6:.1f} MB, generated in {time.perf_counter() - t:.1f} s")

    statements: list[tuple[float, str]] = []
    if args.sql_times:
        def timed(execute, sql, params, many, context):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append((time.perf_counter() - began, " ".join(str(sql).split())[:160]))

        connection.execute_wrappers.append(timed)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    outcome = services.import_file(crew["clerk"], path, reason="benchmark", file_name=path.name, region=REGION,
                                   progress=True)
    if not outcome.ok:
        print("\n".join(outcome.prepared.report_lines()[:20]) or outcome.refused, file=sys.stderr)
        return 1
    checked = time.perf_counter()
    txn = services.review_all(outcome.txn, crew["review1"], crew["review2"])
    seconds = time.perf_counter() - start
    if profiler is not None:
        import pstats

        profiler.disable()
        profiler.dump_stats(args.profile)
        pstats.Stats(args.profile, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    assert txn.state == "posted", txn.state
    if statements:
        connection.execute_wrappers.remove(timed)
        print(f"SQL statements: {len(statements)}, {sum(t for t, _ in statements):.2f} s in all; the slowest:")
        for seconds_taken, sql in sorted(statements, reverse=True)[:12]:
            print(f"  {seconds_taken:6.2f} s  {sql}")
    print(f"import: check + open + submit {checked - start:.2f} s, review + post {seconds - (checked - start):.2f} s, "
          f"total {seconds:.2f} s")
    import_rate = count / seconds
    copy_seconds = plain_copy(path)
    copy_rate = None if copy_seconds is None else count / copy_seconds
    if copy_seconds is not None:
        print(f"plain COPY into an unindexed temp table: {copy_seconds:.2f} s")
    indexed_seconds = indexed_copy(txn.uid)  # the batch's uid is its transaction's
    indexed_rate = None if indexed_seconds is None else count / indexed_seconds
    if indexed_seconds is not None:
        print(f"COPY of the posted rows into a table of contributions_contribution's definition and indexes, committed: "
              f"{indexed_seconds:.2f} s")
    ok = None
    if args.verify:
        from sirecords.ledger.verify import verify

        t = time.perf_counter()
        report = verify()
        ok = report.ok
        print(f"verify: {'ok' if ok else 'FAILED'} in {time.perf_counter() - t:.1f} s")
        for finding in report.findings[:20]:
            print(f"  {finding}", file=sys.stderr)
    ratio = None if copy_rate is None else round(import_rate / copy_rate, 3)
    ratio_indexed = None if indexed_rate is None else round(import_rate / indexed_rate, 3)
    if connection.vendor == "postgresql":
        print(f"goal ≥ {GOAL_ROWS_PER_S:,} rows/s: {'met' if import_rate >= GOAL_ROWS_PER_S else 'NOT met'}; "
              f"goal ratio_indexed ≥ {GOAL_RATIO_INDEXED}: {'met' if ratio_indexed >= GOAL_RATIO_INDEXED else 'NOT met'}")
    print(json.dumps({"rows": count, "import_rows_per_s": round(import_rate), "copy_rows_per_s":
                      None if copy_rate is None else round(copy_rate), "ratio": ratio,
                      "copy_indexed_rows_per_s": None if indexed_rate is None else round(indexed_rate),
                      "ratio_indexed": ratio_indexed, "engine": connection.vendor, "verify_ok": ok}))
    return 0 if ok is not False else 1


if __name__ == "__main__":
    sys.exit(main())
