#!/usr/bin/env python
"""Bulk annual statements benchmark: `sirecords statements` for N persons, end to end.

    .venv/bin/python bench/statements.py --persons 500
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sirecords_stmt .venv/bin/python bench/statements.py --persons 2000

Set-up (untimed): `init`, the staff of bench/credit.py, the year's parameter set (reviewed), N persons registered by
posting `register_person` transactions directly (as the tests do: no review chain, for speed), their twelve paid
pension months of --year inserted set-based into one batch (bench/credit.py's shortcut: THE IMPORT IS BYPASSED, so a
full `sirecords verify` of this database reports the batch), and the year credited through the reviewed
`credit_accounts` run, so every person has contributions and an account year.

Timed: `write_statements(year, DIR)` — what `sirecords statements --year Y --out DIR` runs: per person the scoped
record (person_view), the document, the `issue` hook (certificates.issuing.statement_issuer: the access-log line and
the certificate.issued ledger entry, one transaction per statement, by a query officer), the PDF (fpdf2, the chunk's
font), `finish` (signing: the evidence with its inclusion proofs, PAdES) and the atomic write. `--unsigned` times
rendering alone (no issue hook, nothing signed), as before signing was wired in.
Then a second run over the same folder (the resume: every file is
already complete) is timed too. statements_per_s = statements written / seconds of the first run.

The last line of output is one JSON object: {"persons": N, "statements_per_s": …, …}. Goal (issue 11): ≥ 50/s
for the whole run, signing included.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from benchsetup import setup_django  # bench/ is on sys.path when run as a script

GOAL_PER_S = 50
REGION = "440300"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, required=True, metavar="N", help="persons, one statement each")
    parser.add_argument("--year", type=int, default=2024, help="year of the statements (default %(default)s)")
    parser.add_argument("--seed", type=int, default=20241231)
    parser.add_argument("--chunk", type=int, default=200, help="persons per chunk (one batch font each)")
    parser.add_argument("--workers", type=int, default=1, help="processes rendering in parallel (default %(default)s)")
    parser.add_argument("--unsigned", action="store_true", help="no issue hook and no signing: rendering alone")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SIRECORDS_HOME and the PDF folder")
    parser.add_argument("--profile", metavar="FILE", help="run the timed first pass under cProfile (slower)")
    args = parser.parse_args(argv)
    if args.persons < 1:
        parser.error("--persons must be at least 1")
    return args


def register_persons(count: int, rng: random.Random) -> list[str]:
    from tqdm import tqdm

    from sirecords.core.identifiers import make_id_number
    from sirecords.ledger.context import WriteContext
    from sirecords.transactions.posting import InvalidTransaction, Transaction, post

    ctx = WriteContext(actor="bench.setup", reason="statements benchmark set-up", channel="cli", region=REGION)
    family, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
    uids = []
    with tqdm(total=count, desc="registering persons", file=sys.stderr, mininterval=1) as bar:
        while len(uids) < count:
            birth = date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28))
            number = make_id_number("440305", birth, rng.randrange(1000))
            name = rng.choice(family) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))
            try:
                entries = post(Transaction("register_person", {"id_number": number, "name": name, "region": "440305"}, ctx))
            except InvalidTransaction:  # a random number drawn twice
                continue
            uids.append(entries[0].payload["person"])
            bar.update(1)
    return uids


def insert_contributions(uids: list[str], year: int, rng: random.Random) -> int:
    """Twelve paid pension months per person in one batch (bench/credit.py's shortcut: not imported)."""
    from credit import COLUMNS
    from django.db import connection, transaction

    from sirecords.contributions.summary import add_pension_credits
    from sirecords.ledger import bulk

    batch = uuid.uuid4().hex
    summary: dict[tuple[str, str, int], list[int]] = {}

    def records():
        number = 0
        for index, pid in enumerate(uids):
            base = rng.randrange(400_000, 3_500_000)
            individual = base * 8 // 100
            # paid in the month itself: the same figures on both crediting bases (contributions/summary.py)
            for basis in ("arrival", "period"):
                summary[(pid, basis, year)] = [12 * individual, individual * sum(13 - m for m in range(1, 13))]
            for month in range(1, 13):
                number += 1
                period = f"{year:04d}-{month:02d}"
                yield (batch, number, pid, f"e{index % 50:031x}", period, "pension", "employee", base, base,
                       base * 16 // 100, individual, individual, f"{period}-15", 0, "bench")

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO contributions_batch (uid, source, file_sha256, row_count, rows_root, rule_versions, "
                       "entry_seq, txn) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                       [batch, "bench", "", len(uids) * 12, "0" * 64, "bench", 0, "bench"])
        with bulk.writer(cursor, "contributions_contribution", COLUMNS, batch_size=50_000) as out:
            out.write_rows(records())
        add_pension_credits(summary)
    return len(uids) * 12


def main(argv=None) -> int:
    args = parse_args(argv)
    home, temporary = setup_django("sirecords-statements-")
    out_dir = Path(tempfile.mkdtemp(prefix="sirecords-statements-out-"))
    try:
        from credit import load_year_parameters, make_staff
        from django.db import connection

        from sirecords.accounts import services as crediting_runs
        from sirecords.certificates.bulk import write_statements

        rng = random.Random(args.seed)
        t = time.perf_counter()
        staff = make_staff(uuid.uuid4().hex[:8])
        load_year_parameters(staff, REGION, args.year)
        uids = register_persons(args.persons, rng)
        rows = insert_contributions(uids, args.year, rng)
        prepared = crediting_runs.prepare(staff["maintainer"], args.year, region=REGION, reason="statements benchmark")
        txn = crediting_runs.approve(prepared.txn, [staff["reviewer1"], staff["approver"]])
        assert txn.state == "posted", txn.state
        print(f"set-up: {len(uids)} persons, {rows} contribution rows, {args.year} credited, "
              f"{time.perf_counter() - t:.1f} s ({connection.vendor})")

        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        issue = None
        if not args.unsigned:
            from credit import open_approved_officer

            from sirecords.certificates.issuing import statement_issuer

            issue = statement_issuer(open_approved_officer(uuid.uuid4().hex[:8]))
        first = write_statements(args.year, out_dir, progress=True, chunk=args.chunk, workers=args.workers, issue=issue)
        if profiler is not None:
            import pstats

            profiler.disable()
            profiler.dump_stats(args.profile)
            pstats.Stats(args.profile, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
        second = write_statements(args.year, out_dir, progress=False, chunk=args.chunk)
        sizes = [p.stat().st_size for p in out_dir.glob("*.pdf")]
        print(f"first run: {first.as_dict()}")
        print(f"second run (resume): {second.as_dict()}")
        print(f"files: {len(sizes)}, mean {sum(sizes) / max(len(sizes), 1) / 1024:.0f} KiB; folder {out_dir}")
        rate = first.per_second
        signed = not args.unsigned
        print(f"goal ≥ {GOAL_PER_S}/s (issuing and signing included): {'met' if rate >= GOAL_PER_S else 'NOT met'}"
              f"{'' if signed else ' by rendering alone (--unsigned)'}")
        ok = first.written == len(uids) and not first.failed and second.written == 0 and second.skipped == len(uids)
        print(json.dumps({"persons": len(uids), "statements_per_s": round(rate, 1), "seconds": round(first.seconds, 2),
                          "resume_seconds": round(second.seconds, 2), "mean_kib": round(sum(sizes) / max(len(sizes), 1) / 1024),
                          "signed": signed, "workers": args.workers, "engine": connection.vendor, "ok": ok, "goal_per_s": GOAL_PER_S}))
        return 0 if ok else 1
    finally:
        if temporary and not args.keep:
            shutil.rmtree(home, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
