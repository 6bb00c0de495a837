#!/usr/bin/env python
"""A person's record at scale (issue #14, point 4): one person's full record in the service and over HTTP.

    .venv/bin/python bench/query.py --persons 20000
    psql -h 127.0.0.1 -U postgres -c 'create database query_bench_1m'
    SIRECORDS_HOME=/tmp/qb1m DATABASE_URL=postgres://postgres@127.0.0.1:5432/query_bench_1m \\
        .venv/bin/python bench/query.py --persons 1000000 --keep
    # again on the same database and SIRECORDS_HOME (the keys that sealed the data): the set-up is skipped
    SIRECORDS_HOME=/tmp/qb1m DATABASE_URL=… .venv/bin/python bench/query.py --persons 1000000 --keep

Set-up (untimed, set-based: COPY on PostgreSQL, executemany on SQLite). THE REVIEWED BUSINESS TRANSACTIONS ARE
BYPASSED, for speed, and only in the bench database:

- every person is a real `person.registered` ledger entry whose payload is built with the registry's own functions
  (registry.transactions `_sealed_person_fields` and `birth_columns`: AES-GCM sealed ID number, name and birth date,
  keyed blind indexes of the ID number and name), appended with `ledger.append.append` (hash chain, Merkle tree,
  signed head and checkpoint per chunk of 20,000 persons), and projected by the registry's own projector into an
  in-memory store whose rows are then COPYed into `registry_person` — the rows are exactly what a posting writes;
  employers and employment periods likewise (`employer.registered`, `employment.started`); the pension awards and
  their yearly adjustments too (`pension.awarded`, `pension.adjusted` entries with every field the projectors read);
- the contribution rows go into one batch the bench creates (bench/credit.py's shortcut: no `contribution_batch.posted`
  entry commits to it), the crediting runs and account years and the pension payments are inserted directly with
  placeholder Merkle roots and row hashes.

What a full `sirecords verify` of the bench database would report: the contribution batch (no entry commits to its
rows: its Merkle root is a placeholder), every crediting run (placeholder root and row hashes, no
`account_years.credited` entry) and the payment rows (no `pension.paid` entry); the ledger's chain, checkpoints and the
projections of the persons, employers, employment periods, awards and adjustments replay as stored. Only the access
log and the ledger head that the timed reads write are business writes of the normal kind.

Persons: N registered persons. The first --queried K have a full history: three employment periods, 30 years x 12
months of contributions in all five insurance types (1,800 rows), 30 account years, a pension award from 2020-01
with six yearly adjustments and every month paid since. The others have a short one: one employment period, twelve
paid pension months of 2024 and the 2024 account year; --retirees of them (a fraction) also an award with twelve
payments.

Read limits: the bench reads its K persons again and again through one service token, which the production read
limits (第二十二条) would refuse after 120 persons an hour; they are raised for the bench process and the server
through SIRECORDS_READ_LIMITS (the settings' own override), so that every check still runs.

Measured:
1. the service: what POST /api/persons/record runs, in process — the token's authentication, the purpose, the
   admission (look-up rate, region, distinct-person limits), the look-up by blind index, the access-log write
   (chained, head signed) and full_record — for the queried persons in turn: service_p50_ms, service_p99_ms; and the
   SQL statements of one record (CaptureQueriesContext): queries_per_record;
2. HTTP: gunicorn (deploy/gunicorn.conf.py, bound to 127.0.0.1, --workers W sync workers) and --clients C threads
   posting for --seconds S (after one second of warm-up): http_rps, http_p50_ms, http_p99_ms; every answer must be 200
   and name the person asked for. Then the same server's floor, GET /healthz by the same clients for the same time
   (unauthenticated, no access log, two small queries; the answer must say ok): http_floor_rps, http_floor_p99_ms —
   what gunicorn, Django's middleware and the client threads allow on this machine before any record is read.
The last line of output is one JSON object with persons, service_p50_ms, service_p99_ms, http_rps, http_p99_ms,
http_floor_rps, http_floor_p99_ms, clients, queries_per_record, engine, ok.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

BENCH_LIMITS = {"user": {"hour": 10**9, "day": 10**9}, "token": {"hour": 10**9, "day": 10**9},
                "lookups": "1000000000/m", "probes": "1000/h"}
os.environ["SIRECORDS_READ_LIMITS"] = json.dumps(BENCH_LIMITS)

from benchsetup import ROOT, bench_staff, setup_django, write_records  # noqa: E402  (bench/ is on sys.path when run as a script)

GOAL_SERVICE_P99_MS = 20
GOAL_HTTP_RPS = 500
REGION = "440300"  # the pooling region: the token's
HOUSEHOLD = "440305"
CHUNK = 20_000
DAYS = 16_000  # birth dates spread over 1960-01-01 + 16,000 days; the sequence number makes the rest unique
FIRST_YEAR, YEARS = 1990, 30  # the queried persons' contribution years 1990-2019
TYPES = {"pension": (16, 8), "medical": (6, 2), "unemployment": (1, 0), "work_injury": (1, 0), "maternity": (1, 0)}
PURPOSE = {"purpose": "counter", "purpose_detail": "bench counter query by the insured person"}
COLUMNS = ("batch_id", "row_number", "person_id", "employer_id", "period", "insurance_type", "category", "wage_fen",
           "base_fen", "employer_fen", "individual_fen", "account_credit_fen", "paid_on", "arrears_fen", "rule_version")
FAMILY, GIVEN = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, required=True, metavar="N", help="registered persons")
    parser.add_argument("--queried", type=int, default=200, metavar="K", help="persons with a full history, read")
    parser.add_argument("--retirees", type=float, default=0.1, help="fraction of the others with an award and payments")
    parser.add_argument("--samples", type=int, default=1000, help="timed service calls (default %(default)s)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (threads)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=15, help="timed HTTP load (default %(default)s)")
    parser.add_argument("--no-http", action="store_true", help="measure the service only")
    parser.add_argument("--show-queries", action="store_true", help="print the SQL statements of one record")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--keep", action="store_true", help="keep the temporary SIRECORDS_HOME")
    args = parser.parse_args(argv)
    if args.persons < 1 or not 1 <= args.queried <= args.persons:
        parser.error("need 1 <= --queried <= --persons")
    return args


# --- set-up ---------------------------------------------------------------------------------------------------


def identity(i: int) -> tuple[str, date]:
    """Person i's ID number and birth date (unique by construction while i < 16,000,000)."""
    from sirecords.core.identifiers import make_id_number

    birth = date(1960, 1, 1) + timedelta(days=i % DAYS)
    return make_id_number(HOUSEHOLD, birth, i // DAYS), birth


class CollectStore:
    """A projection store that keeps the rows the projectors put, to be COPYed table by table (flush); a row not put
    since the last flush is read from the database, as the live store would."""

    KEPT = ("registry_employer",)  # read by every employment's projection: kept in memory once flushed

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, dict]] = {}
        self.kept: dict[str, dict[str, dict]] = {}

    def get(self, table: str, pk: str):
        row = self.tables.get(table, {}).get(pk) or self.kept.get(table, {}).get(pk)
        if row is not None:
            return dict(row)
        from sirecords.ledger.projection import LiveStore

        return LiveStore().get(table, pk)

    def put(self, table: str, pk: str, row: dict) -> None:
        self.tables.setdefault(table, {})[pk] = dict(row)

    insert = put

    def flush(self) -> None:
        from django.db import connection

        from sirecords.ledger import bulk

        with connection.cursor() as cursor:
            for table, rows in self.tables.items():
                if not rows:
                    continue
                columns = tuple(next(iter(rows.values())))
                names = tuple(connection.ops.quote_name(c) for c in columns)  # "end" is a keyword
                with bulk.writer(cursor, table, names, batch_size=CHUNK) as out:
                    out.write_rows(tuple(row[c] for c in columns) for row in rows.values())
                if table in self.KEPT:
                    self.kept.setdefault(table, {}).update(rows)
        self.tables.clear()


def post_entries(ctx, entries: list, store: CollectStore) -> None:
    """Append the entries to the ledger (one transaction, its checkpoint) and project them into `store`."""
    from django.db import transaction

    from sirecords.ledger.append import append
    from sirecords.ledger.projection import apply

    with transaction.atomic():
        for posted in append(ctx, entries):
            apply(posted, store)
        store.flush()


def register_employers(ctx, count: int, store: CollectStore) -> list[tuple[str, str]]:
    from sirecords.core.identifiers import make_uscc
    from sirecords.ledger.append import NewEntry
    from sirecords.registry.kinds import EMPLOYER_REGISTERED

    employers, entries = [], []
    for j in range(count):
        uid = uuid.uuid4().hex
        name = f"深圳市基准{j:05d}科技有限公司"
        body = {"employer": uid, "uscc": make_uscc("9", "1", REGION, f"{j:08d}"), "uscc_override": "", "name": name,
                "address": "", "region": REGION, "status": "active", "registered_on": "1988-01-04"}
        entries.append(NewEntry(EMPLOYER_REGISTERED, f"employer:{uid}", body, body["registered_on"]))
        employers.append((uid, name))
    post_entries(ctx, entries, store)
    return employers


def person_body(i: int, rng: random.Random) -> tuple[dict, str]:
    """The register_person entry's payload for person i, sealed by the registry's own functions; and the ID number."""
    from sirecords.registry.transactions import _sealed_person_fields, birth_columns

    number, birth = identity(i)
    uid = uuid.uuid4().hex
    name = rng.choice(FAMILY) + "".join(rng.choice(GIVEN) for _ in range(1 + (i & 1)))
    sealed = _sealed_person_fields(uid, id_number=number, name=name, phone="", address="")
    sex = "M" if int(number[16]) % 2 else "F"
    registered = date(max(1990, birth.year + 20), 1 + i % 12, 1 + i % 28).isoformat()
    return ({"person": uid, **sealed, **birth_columns(uid, birth), "sex": sex, "region": HOUSEHOLD,
             "pooling_region": REGION, "registered_on": registered}, number)


def register_persons(ctx, count: int, queried: int, employers: list, rng: random.Random, timing: dict,
                     store: CollectStore) -> list[str]:
    """All N persons with one employment period each (three for the queried); returns the persons' uids in order."""
    from tqdm import tqdm

    from sirecords.ledger.append import NewEntry
    from sirecords.registry.kinds import EMPLOYMENT_STARTED, PERSON_REGISTERED

    uids: list[str] = []
    with tqdm(total=count, desc="persons", file=sys.stderr, mininterval=2) as bar:
        for start in range(0, count, CHUNK):
            t = time.perf_counter()
            bodies = [person_body(i, rng)[0] for i in range(start, min(count, start + CHUNK))]
            timing["crypto_s"] += time.perf_counter() - t
            t = time.perf_counter()
            entries = [NewEntry(PERSON_REGISTERED, f"person:{b['person']}", b, b["registered_on"]) for b in bodies]
            for i, body in enumerate(bodies, start):
                jobs = 3 if i < queried else 1
                for job in range(jobs):
                    employer = employers[(i * 7 + job * 13) % len(employers)][0]
                    started = (f"{FIRST_YEAR + 10 * job}-0{1 + job}-01" if i < queried else "2024-01-01")
                    payload = {"employment": uuid.uuid4().hex, "person": body["person"], "employer": employer,
                               "start": started}
                    entries.append(NewEntry(EMPLOYMENT_STARTED, f"person:{body['person']}", payload, started))
            post_entries(ctx, entries, store)
            timing["ledger_s"] += time.perf_counter() - t
            uids.extend(b["person"] for b in bodies)
            bar.update(len(bodies))
    return uids


def insert_contributions(uids: list[str], queried: int, employers: list, rng: random.Random) -> int:
    """The queried persons' 30 years x 12 months x 5 insurance types, the others' 12 pension months of 2024, in one
    batch created here (bench/credit.py's shortcut)."""
    from django.db import connection, transaction

    from sirecords.ledger import bulk

    batch = uuid.uuid4().hex
    count = queried * YEARS * 12 * len(TYPES) + (len(uids) - queried) * 12

    def records():
        number = 0
        for index, pid in enumerate(uids):
            base = rng.randrange(400_000, 3_500_000)
            if index < queried:
                for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
                    employer = employers[(index * 7 + 13 * min(2, (year - FIRST_YEAR) // 10)) % len(employers)][0]
                    for month in range(1, 13):
                        period = f"{year}-{month:02d}"
                        for kind, (er, ee) in TYPES.items():
                            number += 1
                            yield (batch, number, pid, employer, period, kind, "employee", base, base, base * er // 100,
                                   base * ee // 100, base * ee // 100 if kind == "pension" else 0, f"{period}-15", 0,
                                   "bench")
                    base = base * 105 // 100
            else:
                employer = employers[(index * 7) % len(employers)][0]
                for month in range(1, 13):
                    number += 1
                    period = f"2024-{month:02d}"
                    yield (batch, number, pid, employer, period, "pension", "employee", base, base, base * 16 // 100,
                           base * 8 // 100, base * 8 // 100, f"{period}-15", 0, "bench")

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO contributions_batch (uid, source, file_sha256, row_count, rows_root, rule_versions, "
                       "entry_seq, txn) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                       [batch, "bench", "", count, "0" * 64, "bench", 0, "bench"])
        with bulk.writer(cursor, "contributions_contribution", COLUMNS, batch_size=50_000) as out:
            write_records(out, records())
    return count


def insert_account_years(uids: list[str], queried: int) -> int:
    """One crediting run per year (placeholder roots): the queried persons' 30 years, everybody's 2024."""
    from django.db import connection, transaction

    from sirecords.ledger import bulk

    years = [*range(FIRST_YEAR, FIRST_YEAR + YEARS), 2024]
    runs = {year: (uuid.uuid4().hex, 900_000_000 + year) for year in years}  # run_seq: no entry; above any real seq
    columns = ("run_id", "run_seq", "row_number", "person_id", "year", "opening_fen", "credits_fen",
               "interest_on_prior_fen", "interest_on_credits_fen", "closing_fen", "months", "rate", "rate_status",
               "method", "interest_from", "rule_version", "row_hash")
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for year, (run, seq) in runs.items():
            members = uids[:queried] if year != 2024 else uids[queried:]
            cursor.execute("INSERT INTO accounts_crediting_run (uid, region, year, rule_version, rate, rate_status, method, "
                           "interest_from, row_count, rows_root, entry_seq) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                           [run, REGION, year, "bench", "0.0400", "official", "monthly", "period", len(members), "0" * 64, seq])

            def records(members=members, year=year, run=run, seq=seq):
                for number, pid in enumerate(members, 1):
                    credits = 120_000 + number % 1000
                    opening = (year - FIRST_YEAR) * 150_000 if year != 2024 else 0
                    yield (run, seq, number, pid, year, opening, credits, opening * 4 // 100, credits * 22 // 1000,
                           opening + opening * 4 // 100 + credits + credits * 22 // 1000, 12, "0.0400", "official",
                           "monthly", "period", "bench", "0" * 64)

            with bulk.writer(cursor, "accounts_account_year", columns, batch_size=50_000) as out:
                out.write_rows(records())
            rows += len(members)
    return rows


TRACE_STEPS = [("基础养老金", "basic pension", "(avg wage × (1 + index)) / 2 × years × 1%"),
               ("个人账户养老金", "account pension", "balance / months divisor (139)"),
               ("过渡性养老金", "transitional pension", "avg wage × index × deemed years × 1.2%"),
               ("计发月数", "months divisor", "by retirement age"), ("缴费年限", "contribution years", "actual + deemed")]


def award_entries(pid: str, index: int, *, full: bool) -> tuple[list, str, list[tuple[str, int]]]:
    """A pension.awarded entry (every field the projector reads) and, for a queried person, six yearly adjustments;
    the award's uid and its months paid with the amount in force."""
    from sirecords.benefits.kinds import PENSION_ADJUSTED, PENSION_AWARDED
    from sirecords.ledger.append import NewEntry

    award = uuid.uuid4().hex
    start = "2020-01" if full else "2025-01"
    basic, account, transitional = 180_000 + index % 5000, 90_000, 40_000
    total = basic + account + transitional
    trace = {"rule": "pension.award", "version": "bench-2020", "steps": [
        {"zh": zh, "en": en, "formula": formula, "value": total} for zh, en, formula in TRACE_STEPS]}
    figures = {"year": 2020, "months": 0, "opening_fen": 4_500_000, "credits_fen": 0, "interest_on_prior_fen": 0,
               "interest_on_credits_fen": 0, "closing_fen": 4_500_000, "rate": "0.0400", "rate_status": "official"}
    payload = {"award": award, "person": pid, "region": REGION, "category": "employee", "start_month": start,
               "basic_fen": basic, "account_fen": account, "transitional_fen": transitional, "total_fen": total,
               "contribution_months": YEARS * 12 if full else 180, "rule_version": "bench-2020", "trace": trace,
               "account_year": figures}
    entries = [NewEntry(PENSION_AWARDED, f"award:{award}", payload, f"{start}-01")]
    months: list[tuple[str, int]] = []
    amount = total
    if full:
        for year in range(2020, 2027):
            if year > 2020:
                before, increase = amount, amount * 3 // 100
                amount += increase
                entries.append(NewEntry(PENSION_ADJUSTED, f"award:{award}", {
                    "award": award, "person": pid, "year": year, "from_month": f"{year}-01", "before_fen": before,
                    "increase_fen": increase, "after_fen": amount, "back_pay_fen": 0, "rule_version": f"bench-{year}",
                    "trace": {"rule": "pension.adjustment", "version": f"bench-{year}", "steps": []}}, f"{year}-07-01"))
            months += [(f"{year}-{m:02d}", amount) for m in range(1, 13 if year < 2026 else 12)]
    else:
        months = [(f"2025-{m:02d}", total) for m in range(1, 13)]
    return entries, award, months


def insert_awards(ctx, uids: list[str], queried: int, retirees: float) -> tuple[int, int]:
    """The queried persons' awards with adjustments and payments since 2020-01; a fraction of the others' with twelve
    payments. Awards and adjustments are ledger entries projected by the benefits projectors; payments inserted."""
    from django.db import connection, transaction

    from sirecords.ledger import bulk

    step = max(1, round(1 / retirees)) if retirees > 0 else 0
    chosen = [*range(queried), *(range(queried, len(uids), step) if step else ())]
    store = CollectStore()
    payments = 0
    run = uuid.uuid4().hex
    numbers: dict[str, int] = {}
    for start in range(0, len(chosen), CHUNK):
        entries, paid = [], []
        for index in chosen[start:start + CHUNK]:
            made, award, months = award_entries(uids[index], index, full=index < queried)
            entries += made
            paid += [(month, uids[index], award, amount) for month, amount in months]
        post_entries(ctx, entries, store)

        def records(paid=paid):
            for month, pid, award, amount in paid:
                numbers[month] = numbers.get(month, 0) + 1
                yield (month, numbers[month], pid, award, amount, 0, run)

        with transaction.atomic(), connection.cursor() as cursor:
            with bulk.writer(cursor, "benefits_payment", ("month", "row_number", "person_id", "award_id", "amount_fen",
                                                          "back_pay_fen", "run"), batch_size=50_000) as out:
                out.write_rows(records())
        payments += len(paid)
    return len(chosen), payments


def make_token(tag: str) -> tuple[str, str]:
    """A query officer's service account in REGION and its API token (persons:read), approved; (username, token)."""
    from sirecords.demo.accounts import open_approved
    from sirecords.users import services as staff_accounts
    from sirecords.workflow.services import review

    admin, first, _ = bench_staff(f"q{tag}", {}, region=REGION, reason="query benchmark")
    username = f"svc.query.{tag}"
    open_approved(admin, first, username, username, roles=("query_officer",), region=REGION, reason="query benchmark",
                  request_ref="BENCH", channel="cli", kind="service", password=None)
    issued = staff_accounts.issue_token(admin, username, "query bench", "persons:read", days=2, region=REGION,
                                        reason="query benchmark", channel="cli", request_ref="BENCH")
    review(first, issued.txn, "approve", "ok")
    return username, issued.token


def set_up(args, rng: random.Random) -> dict:
    from django.db import connection

    from sirecords.ledger.context import WriteContext

    ctx = WriteContext(actor="bench.setup", reason="query benchmark set-up", channel="cli", region=REGION)
    timing = {"crypto_s": 0.0, "ledger_s": 0.0}
    t0 = time.perf_counter()
    store = CollectStore()
    employers = register_employers(ctx, max(50, min(5000, args.persons // 200)), store)
    uids = register_persons(ctx, args.persons, args.queried, employers, rng, timing, store)
    t1 = time.perf_counter()
    rows = insert_contributions(uids, args.queried, employers, rng)
    t2 = time.perf_counter()
    years = insert_account_years(uids, args.queried)
    awards, payments = insert_awards(ctx, uids, args.queried, args.retirees)
    t3 = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # this machine's PostgreSQL runs without autovacuum (bench/README.md)
    t4 = time.perf_counter()
    figures = {"persons_s": round(t1 - t0, 1), "crypto_s": round(timing["crypto_s"], 1),
               "crypto_us_per_person": round(timing["crypto_s"] / args.persons * 1e6, 1),
               "ledger_and_rows_s": round(timing["ledger_s"], 1), "contributions_s": round(t2 - t1, 1),
               "contribution_rows": rows, "account_years": years, "awards": awards, "payments": payments,
               "awards_and_years_s": round(t3 - t2, 1), "analyze_s": round(t4 - t3, 1)}
    print(f"set-up: {args.persons} persons, {len(employers)} employers, {rows} contribution rows, {years} account years, "
          f"{awards} awards, {payments} payments in {t4 - t0:.1f} s ({connection.vendor}): {figures}")
    return figures


def already_set_up(args) -> bool:
    from sirecords.registry.models import Person
    from sirecords.registry.queries import find_person_by_id_number

    return Person.objects.count() >= args.persons and find_person_by_id_number(identity(args.queried - 1)[0]) is not None


# --- measuring ------------------------------------------------------------------------------------------------


def record_path() -> str:
    from django.urls import reverse

    return reverse("api:person_record") + "?" + urlencode(PURPOSE)


def service_call(token: str, number: str) -> dict:
    """What POST /api/persons/record runs behind the HTTP layer, but the JSON rendering: the token's authentication,
    the purpose, the admission with its access-log write (api/lookups.person_for), and full_record."""
    from django.test import RequestFactory

    from sirecords.api.auth import ServiceToken
    from sirecords.api.lookups import person_for
    from sirecords.api.schemas import PersonLookupIn
    from sirecords.records.personal import full_record

    request = RequestFactory().post(record_path(), {"id_number": number}, content_type="application/json",
                                    HTTP_AUTHORIZATION=f"Bearer {token}")
    request.auth = ServiceToken("api:person_record")(request)
    person, _purpose = person_for(request, PersonLookupIn(id_number=number), PURPOSE["purpose"], "",
                                  PURPOSE["purpose_detail"], "person.record")
    return full_record(person)


def record_is_the_queried_persons(answer: dict, number: str, uid: str) -> bool:
    """The answer is the record of the person with this ID number, with the history the set-up gave them."""
    from sirecords.core.identifiers import mask_id_number

    return (answer["person"]["uid"] == uid and answer["person"]["id_number"] == mask_id_number(number)
            and len(answer["contributions"]) == YEARS * 12 * len(TYPES) and len(answer["account_years"]) == YEARS
            and answer["timeline"][0]["kind"] == "person.registered" and answer["pension"] is not None
            and answer["pension"]["payments_made"] > 0)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure_service(token: str, targets: list[tuple[str, str]], samples: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number, uid in targets[:20]:  # warm-up (plans, caches of parameters and keys)
        assert service_call(token, number)["person"]["uid"] == uid
    with CaptureQueriesContext(connection) as queries:
        answer = service_call(token, targets[0][0])
    checked = record_is_the_queried_persons(answer, *targets[0])
    print("record check: " + ("the queried person's record (uid, masked ID number, "
                              f"{YEARS * 12 * len(TYPES)} contribution rows, award)" if checked else "WRONG RECORD"))
    times, wrong = [], 0
    cpu = time.process_time()
    for k in range(samples):
        number, uid = targets[k % len(targets)]
        t = time.perf_counter()
        answer = service_call(token, number)
        times.append((time.perf_counter() - t) * 1000)
        wrong += answer["person"]["uid"] != uid
    cpu_ms = (time.process_time() - cpu) / samples * 1000  # this process's CPU per record (the server's not counted)
    print(f"service: {samples} records, p50 {percentile(times, 0.5):.2f} ms, p99 {percentile(times, 0.99):.2f} ms, "
          f"mean {statistics.fmean(times):.2f} ms ({cpu_ms:.2f} ms of this process's CPU); {len(queries)} SQL statements "
          "per record; "
          f"{len(answer['contributions'])} contribution rows, {len(json.dumps(answer, default=str)) // 1024} KiB")
    return {"service_p50_ms": round(percentile(times, 0.5), 2), "record_checked": checked,
            "service_p99_ms": round(percentile(times, 0.99), 2), "service_cpu_ms": round(cpu_ms, 2),
            "queries_per_record": len(queries), "service_wrong": wrong, "queries": [q["sql"] for q in queries.captured_queries]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(workers: int, home: Path) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    metrics = home / "bench-metrics"
    log = home / "bench-gunicorn.log"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics), "GUNICORN_WORKERS": str(workers),
           "GUNICORN_LOGLEVEL": "warning", "PYTHONPATH": str(ROOT / "src")}
    command = [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{port}", "sirecords.wsgi"]
    server = subprocess.Popen(command, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status in (200, 503):
                return server, port, log
        except OSError:
            time.sleep(0.3)
        if server.poll() is not None:
            break
    stop(server)
    raise SystemExit(f"gunicorn did not start: {log.read_text()[-2000:]}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def hammer(port: int, clients: int, seconds: float, ask) -> tuple[list[float], list[str]]:
    """`clients` threads, each sending `ask(connection, k)` (k: the client's running request number) for `seconds`
    after a warm-up of one second (as long as the timed window when that is shorter: the test's short runs); `ask`
    returns None for a good answer, else what was wrong. The latencies (ms) of the good answers finished inside the
    timed window, and the failures."""
    lock = threading.Lock()
    results: list[tuple[float, float]] = []  # (finished at, latency ms) of good answers
    failures: list[str] = []
    begin = time.monotonic()
    warmup = min(1.0, seconds)
    warm, end = begin + warmup, begin + warmup + seconds

    def client(offset: int) -> None:
        k = offset
        mine, bad = [], []
        while True:
            t = time.monotonic()
            if t >= end:
                break
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                wrong = ask(connection, k)
                connection.close()
            except OSError as error:
                bad.append(f"{type(error).__name__}: {error}")
                continue
            finally:
                k += clients
            done = time.monotonic()
            if wrong is not None:
                bad.append(wrong)
            elif done >= warm:
                mine.append((done, (done - t) * 1000))
        with lock:
            results.extend(mine)
            failures.extend(bad)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [latency for finished, latency in results if finished <= end], failures


def measure_http(token: str, targets: list[tuple[str, str]], clients: int, seconds: float, workers: int,
                 home: Path) -> dict:
    """The record over HTTP, then the same server's floor: GET /healthz (no authentication, no access log; two small
    queries) by the same clients for the same time: what this machine's gunicorn, Django's middleware and the
    clients themselves allow at best."""
    server, port, log = start_gunicorn(workers, home)
    path = record_path()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def ask_record(connection, k: int) -> str | None:
        number, uid = targets[k % len(targets)]
        connection.request("POST", path, json.dumps({"id_number": number}), headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200 or f'"uid": "{uid}"'.encode() not in body[:400] and f'"uid":"{uid}"'.encode() not in body[:400]:
            return f"{response.status} {body[:200]!r}"
        return None

    def ask_health(connection, k: int) -> str | None:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        body = response.read()
        return None if response.status == 200 and b'"ok": true' in body else f"{response.status} {body[:200]!r}"

    try:
        timed, failures = hammer(port, clients, seconds, ask_record)
        floor, floor_failures = hammer(port, clients, seconds, ask_health)
    finally:
        stop(server)
    rps, floor_rps = len(timed) / seconds, len(floor) / seconds
    print(f"http: {clients} clients, {workers} gunicorn workers, {seconds:.0f} s: {len(timed)} answers, {rps:.1f}/s, "
          f"p50 {percentile(timed, 0.5) if timed else 0:.1f} ms, p99 {percentile(timed, 0.99) if timed else 0:.1f} ms; "
          f"{len(failures)} failures{': ' + failures[0] if failures else ''} (server log {log})")
    print(f"http floor (GET /healthz, the same server and clients): {len(floor)} answers, {floor_rps:.1f}/s, "
          f"p99 {percentile(floor, 0.99) if floor else 0:.1f} ms; {len(floor_failures)} failures"
          f"{': ' + floor_failures[0] if floor_failures else ''}")
    return {"http_rps": round(rps, 1), "http_p50_ms": round(percentile(timed, 0.5), 1) if timed else None,
            "http_p99_ms": round(percentile(timed, 0.99), 1) if timed else None,
            "http_failures": len(failures) + len(floor_failures), "workers": workers,
            "http_floor_rps": round(floor_rps, 1), "http_floor_p99_ms": round(percentile(floor, 0.99), 1) if floor else None}


def main(argv=None) -> int:
    args = parse_args(argv)
    home, temporary = setup_django("sirecords-query-")
    try:
        from django.db import connection

        from sirecords.registry.queries import find_person_by_id_number

        rng = random.Random(args.seed)
        setup = {}
        if already_set_up(args):
            print(f"set-up: found {args.persons} persons already in the database; not made again")
        else:
            setup = set_up(args, rng)
        targets = []
        for i in range(args.queried):
            number = identity(i)[0]
            targets.append((number, find_person_by_id_number(number).uid))
        random.Random(args.seed).shuffle(targets)
        username, token = make_token(uuid.uuid4().hex[:8])
        load = os.getloadavg()
        service = measure_service(token, targets, args.samples)
        if args.show_queries:
            for number, sql in enumerate(service["queries"], 1):
                print(f"  {number:2d}. {sql[:400]}")
        http = {"http_rps": None, "http_p99_ms": None, "http_failures": 0, "http_floor_rps": None}
        if not args.no_http:
            http = measure_http(token, targets, args.clients, args.seconds, args.workers, home)
        load_after = os.getloadavg()
        print(f"load average: {load[0]:.2f} before, {load_after[0]:.2f} after")
        ok = service["record_checked"] and service["service_wrong"] == 0 and http["http_failures"] == 0
        met = [f"service_p99_ms ≤ {GOAL_SERVICE_P99_MS}: {'met' if service['service_p99_ms'] <= GOAL_SERVICE_P99_MS else 'NOT met'}"]
        if http["http_rps"] is not None:
            met.append(f"http_rps ≥ {GOAL_HTTP_RPS}: {'met' if http['http_rps'] >= GOAL_HTTP_RPS else 'NOT met'}")
        print("goals (PostgreSQL, N = 1,000,000): " + "; ".join(met))
        result = {"persons": args.persons, "queried": args.queried, "service_p50_ms": service["service_p50_ms"],
                  "service_p99_ms": service["service_p99_ms"], "service_cpu_ms": service["service_cpu_ms"],
                  "http_rps": http["http_rps"],
                  "http_p50_ms": http.get("http_p50_ms"), "http_p99_ms": http["http_p99_ms"],
                  "http_floor_rps": http["http_floor_rps"], "http_floor_p99_ms": http.get("http_floor_p99_ms"),
                  "clients": args.clients,
                  "workers": args.workers, "queries_per_record": service["queries_per_record"],
                  "load_average": [round(load[0], 2), round(load_after[0], 2)], "setup": setup,
                  "engine": connection.vendor, "ok": ok}
        print(json.dumps(result, ensure_ascii=False))
        return 0 if ok else 1
    finally:
        if temporary and not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
