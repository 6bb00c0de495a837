#!/usr/bin/env python
"""Cross-checks at scale (issue #17): the collector's report and a department's events report against N persons.

    .venv/bin/python bench/crosscheck.py --persons 20000
    psql -h 127.0.0.1 -U postgres -c 'create database crosscheck_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crosscheck_bench .venv/bin/python bench/crosscheck.py --persons 1000000

Set-up (untimed), as bench/query.py makes it (its functions): N persons registered through real `person.registered`
ledger entries (sealed ID number and name, blind indexes) projected and COPYed, each employed by one of N/200 units
(`employment.started`); then each person's pension contribution for the covered month (--period, default 2025-06) in
one batch the bench creates (bench/credit.py's shortcut: no `contribution_batch.posted` entry commits to it).

Measured, end to end through `crosscheck import`'s own path (crosschecks.services.receive: read and check the file
whole, seal and store it, open and post record_crosscheck_feed, whose posting reads the stored file and compares it
with the record, and queue what it found):

1. the collector's report (tax_paid): one row per person for the month, as the record has it, except every 200th
   person's individual amount one yuan more (amount_differs), every 300th person missing (recorded_not_paid), every
   500th person with a medical payment the record lacks (paid_not_recorded) and one row per 1,000 persons for a number
   nobody is registered with (unknown_person): `tax_rows`, `tax_s`, **tax_rows_per_s** (goal ≥ 100,000), and where
   the time went (`tax_read_s`: the first reading and checking; `tax_compare_s`: the comparison inside the posting);
2. an events report (person_events) of --events rows (default 10,000): deaths of insured persons (insured_died, with
   their contribution months after the death), one in ten about nobody registered (unmatched): `events_rows`,
   `events_s`, `events_rows_per_s`.

The run fails (ok false) unless each report queued exactly the discrepancies its construction implies. The last line
of output is one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
import uuid
from datetime import date

from benchsetup import bench_staff, setup_django, write_records  # noqa: E402  (bench/ is on sys.path when run as a script)

GOAL_ROWS_PER_S = 100_000
TAX_HEADER = "id_number,uscc,period,insurance_type,employer_amount,individual_amount,paid_on,reference"
EVENTS_HEADER = "id_number,name,event,event_on,source,reference"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, required=True, metavar="N", help="registered persons (and report rows)")
    parser.add_argument("--events", type=int, default=10_000, help="rows of the events report (default %(default)s)")
    parser.add_argument("--period", default="2025-06", help="the month the collector's report covers")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--keep", action="store_true", help="keep the temporary SIRECORDS_HOME")
    parser.add_argument("--setup-only", action="store_true", help="stop after the set-up, keeping SIRECORDS_HOME (for "
                        "--reuse on copies of the database: CREATE DATABASE … TEMPLATE …)")
    parser.add_argument("--reuse", action="store_true", help="skip the set-up: the database and SIRECORDS_HOME (set it) "
                        "of an earlier run that stopped before importing (its keys index the persons)")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the collector's report's import to FILE")
    args = parser.parse_args(argv)
    if args.persons < 1000 or args.events > args.persons:
        parser.error("need --persons >= 1000 and --events <= --persons")
    return args


def base_of(i: int) -> int:
    return 400_000 + (i * 7919) % 3_100_000  # a contribution base of 4,000-35,000 yuan, in fen


def set_up(args, rng: random.Random) -> tuple[list, list[str]]:
    """N persons employed, each with the covered month's pension contribution; returns (employers, person uids)."""
    import query  # bench/query.py: its registration of persons and units
    from django.db import connection, transaction

    from sirecords.ledger import bulk
    from sirecords.ledger.context import WriteContext

    ctx = WriteContext(actor="bench.setup", reason="cross-check benchmark set-up", channel="cli", region=query.REGION)
    store = query.CollectStore()
    t0 = time.perf_counter()
    employers = query.register_employers(ctx, max(50, min(5000, args.persons // 200)), store)
    uids = query.register_persons(ctx, args.persons, 0, employers, rng, {"crypto_s": 0.0, "ledger_s": 0.0}, store)
    t1 = time.perf_counter()
    batch = uuid.uuid4().hex

    def records():
        for i, uid in enumerate(uids):
            base = base_of(i)
            yield (batch, i + 1, uid, employers[(i * 7) % len(employers)][0], args.period, "pension", "employee", base,
                   base, base * 16 // 100, base * 8 // 100, base * 8 // 100, f"{args.period}-15", 0, "bench")

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO contributions_batch (uid, source, file_sha256, row_count, rows_root, rule_versions, "
                       "entry_seq, txn) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                       [batch, "bench", "", len(uids), "0" * 64, "bench", 0, "bench"])
        with bulk.writer(cursor, "contributions_contribution", query.COLUMNS, batch_size=50_000) as out:
            write_records(out, records())
    if connection.vendor == "postgresql":
        # As a working database would be: vacuumed and analysed (this machine's PostgreSQL runs without autovacuum,
        # bench/README.md), and the set-up's writes checkpointed, so that flushing them does not land in the timing.
        with connection.cursor() as cursor:
            for table in ("registry_person", "registry_employer", "registry_employment", "contributions_contribution"):
                cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute("CHECKPOINT")
    print(f"set-up: {len(uids)} persons, {len(employers)} units in {t1 - t0:.1f} s; {len(uids)} contribution rows in "
          f"{time.perf_counter() - t1:.1f} s ({connection.vendor})", flush=True)
    return employers, uids


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def tax_report(args, employers) -> tuple[bytes, dict[str, int]]:
    """The collector's report for the month, and the discrepancies it must give."""
    import query

    from sirecords.core.identifiers import make_uscc

    period, n = args.period, args.persons
    usccs = [make_uscc("9", "1", query.REGION, f"{j:08d}") for j in range(len(employers))]
    lines = [TAX_HEADER]
    expected = {"amount_differs": 0, "recorded_not_paid": 0, "paid_not_recorded": 0, "unknown_person": 0}
    for i in range(n):
        number = query.identity(i)[0]
        if i % 300 == 2:
            expected["recorded_not_paid"] += 1
            continue
        base = base_of(i)
        individual = base * 8 // 100
        if i % 200 == 1:
            individual += 100
            expected["amount_differs"] += 1
        uscc = usccs[(i * 7) % len(employers)]
        lines.append(f"{number},{uscc},{period},pension,{yuan(base * 16 // 100)},{yuan(individual)},{period}-20,SW{i:08d}")
        if i % 500 == 3:
            lines.append(f"{number},{uscc},{period},medical,{yuan(base * 6 // 100)},{yuan(base * 2 // 100)},{period}-20,"
                         f"SM{i:08d}")
            expected["paid_not_recorded"] += 1
    for k in range(n // 1000):
        lines.append(f"{query.identity(n + k)[0]},,{period},pension,0.00,800.00,{period}-20,SU{k:08d}")
        expected["unknown_person"] += 1
    return ("\n".join(lines) + "\n").encode(), expected


def events_report(args) -> tuple[bytes, int, int]:
    """Deaths of insured persons (none draws a pension here), one row in ten about nobody registered: (file, deaths,
    unmatched)."""
    import query

    lines, deaths, unmatched = [EVENTS_HEADER], 0, 0
    for k in range(args.events):
        if k % 10 == 9:
            number, unmatched = query.identity(args.persons + 10 * args.persons // 1000 + k)[0], unmatched + 1
        else:
            number, deaths = query.identity(k * (args.persons // args.events))[0], deaths + 1
        lines.append(f"{number},某人,died,2025-03-{1 + k % 28:02d},civil_affairs,MZ{k:08d}")
    return ("\n".join(lines) + "\n").encode(), deaths, unmatched


def timed_receive(clerk, kind: str, data: bytes, **options) -> tuple[dict, float, dict]:
    """receive() as `crosscheck import` calls it: (its JSON, seconds, seconds in reading and in comparing)."""
    from sirecords.crosschecks import feeds, services, transactions

    spent = {"read_s": 0.0, "compare_s": 0.0}
    read, compare = feeds.read, transactions.COMPARERS[kind]

    def timed(function, key: str):
        def run(*a, **k):
            t = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                spent[key] += time.perf_counter() - t
        return run

    feeds.read, transactions.COMPARERS[kind] = timed(read, "read_s"), timed(compare, "compare_s")
    try:
        t0 = time.perf_counter()
        received = services.receive(clerk, kind, data, file_name=f"bench-{kind}.csv", reason="benchmark", channel="cli",
                                    **options)
        seconds = time.perf_counter() - t0
        return received.as_json(), seconds, spent
    finally:
        feeds.read, transactions.COMPARERS[kind] = read, compare


def main(argv=None) -> int:
    args = parse_args(argv)
    home, temporary = setup_django("sirecords-crosscheck-bench-")
    from django.db import connection

    rng = random.Random(args.seed)
    if args.reuse:
        from sirecords.registry.models import Employer

        employers, _uids = list(Employer.objects.values_list("uid", "uscc")), []
        print(f"set-up reused: {len(employers)} units ({connection.vendor})", flush=True)
    else:
        employers, _uids = set_up(args, rng)
    if args.setup_only:
        print(f"set-up kept: SIRECORDS_HOME={home}", flush=True)
        return 0
    from django.contrib.auth import get_user_model

    if args.reuse and get_user_model().objects.filter(username="bench.cc.clerk").exists():
        from sirecords.users.actors import actor_for

        clerk = actor_for("bench.cc.clerk")
    else:
        clerk = bench_staff("cc", {"bench.cc.clerk": "clerk"})[2]["bench.cc.clerk"]

    data, expected = tax_report(args, employers)
    # The set-up's million objects (uids, the projection store's rows) are not the import's: moved out of the cyclic
    # collector's reach, as a server process that never held them would be.
    del _uids
    gc.collect()
    gc.freeze()
    # Polars is imported on first use (≈ 0.45 s): once in a server's life, before its first report; `crosscheck import`
    # from the command line pays it once per run. Imported here, so the figure is the server's.
    import polars  # noqa: F401
    rows = data.count(b"\n") - 1
    print(f"collector's report: {rows} rows, {len(data) / 1e6:.1f} MB", flush=True)
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        outcome, seconds, spent = profiler.runcall(timed_receive, clerk, "tax_paid", data, period=args.period)
        profiler.dump_stats(args.profile)
    else:
        outcome, seconds, spent = timed_receive(clerk, "tax_paid", data, period=args.period)
    tax_ok = outcome["discrepancies"] == expected and outcome["rows"] == rows
    print(f"tax_paid: {rows} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s (read {spent['read_s']:.2f} s, "
          f"compare {spent['compare_s']:.2f} s); found {outcome['discrepancies']} (expected {expected})", flush=True)

    events, deaths, unmatched = events_report(args)
    answer, events_s, events_spent = timed_receive(clerk, "person_events", events)
    events_ok = answer["discrepancies"] == {"insured_died": deaths} and answer["unmatched"] == unmatched
    print(f"person_events: {args.events} rows in {events_s:.2f} s = {args.events / events_s:,.0f} rows/s; found "
          f"{answer['discrepancies']}, unmatched {answer['unmatched']}", flush=True)
    figures = {"persons": args.persons, "tax_rows": rows, "tax_s": round(seconds, 2),
               "tax_rows_per_s": round(rows / seconds), "tax_read_s": round(spent["read_s"], 2),
               "tax_compare_s": round(spent["compare_s"], 2), "goal_rows_per_s": GOAL_ROWS_PER_S,
               "events_rows": args.events, "events_s": round(events_s, 2),
               "events_rows_per_s": round(args.events / events_s), "engine": connection.vendor,
               "ok": tax_ok and events_ok, "date": date.today().isoformat()}
    if temporary and not args.keep:
        import shutil

        shutil.rmtree(home, ignore_errors=True)
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
