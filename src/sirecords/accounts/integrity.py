"""A `verify` check: every crediting run's rows against the root its ledger entry commits to.

For each ``account_years.credited`` entry it re-reads the run's rows in row order, recomputes each
row's canonical bytes and leaf hash, and the RFC 6962 root over them. It names:

* a changed row (its bytes no longer give its stored leaf hash, or its figures do not add up:
  closing ≠ opening + interest + credits + interest);
* a missing row (a gap in the row numbers, or fewer rows than the entry says);
* an added row (a row number past the entry's count, or a row of a run no entry posted);
* a run row that differs from its entry; and, when rows were changed together with their leaf
  hashes, the run whose root no longer matches the ledger.
"""

from __future__ import annotations

import json

from django.db import connection

from sirecords.accounts.crediting import CANONICAL_FIELDS, row_leaf
from sirecords.accounts.kinds import ACCOUNT_YEARS_CREDITED
from sirecords.ledger.merkle import CompactRange
from sirecords.ledger.verify import Report, register_check

TABLE = "accounts_account_year"
RUN_TABLE = "accounts_crediting_run"
RUN_FIELDS = ("region", "year", "rule_version", "rate", "rate_status", "method", "interest_from", "row_count", "rows_root")
LEGACY_BASIS = "period"  # what runs posted before the crediting basis was recorded credited by (no "interest_from")


def _rows(run: str):
    columns = ("id", "row_number", *CANONICAL_FIELDS, "row_hash")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {TABLE} WHERE run_id = %s ORDER BY row_number", [run])  # nosec B608 # constant names; values bound
        while batch := cursor.fetchmany(5000):
            for values in batch:
                yield dict(zip(columns, values))


@register_check
def account_years_match_their_runs(report: Report) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, payload FROM ledger_entry WHERE kind = %s ORDER BY seq", [ACCOUNT_YEARS_CREDITED])
        entries = [(seq, json.loads(payload)) for seq, payload in cursor.fetchall()]
        cursor.execute(f"SELECT uid, {', '.join(RUN_FIELDS)}, entry_seq FROM {RUN_TABLE}")  # nosec B608 # constant names; values bound
        runs = {uid: dict(zip((*RUN_FIELDS, "entry_seq"), rest)) for uid, *rest in cursor.fetchall()}
    posted = set()
    for seq, payload in entries:
        run = payload["run"]
        posted.add(run)
        where_run = f"{RUN_TABLE} pk={run}"
        stored = runs.get(run)
        if stored is None:
            report.add("accounts", where_run, f"crediting run of entry #{seq} is missing")
        else:
            expected = {name: payload.get(name, LEGACY_BASIS) if name == "interest_from" else payload[name]
                        for name in RUN_FIELDS} | {"entry_seq": seq}
            for name, value in expected.items():
                if stored[name] != value:
                    report.add("accounts", where_run, f"column {name} is {stored[name]!r}; entry #{seq} gives {value!r}")
        tree = CompactRange()
        expected_number = 1
        count = payload["row_count"]
        legacy = "interest_from" not in payload  # its rows' canonical bytes leave the basis out
        for row in _rows(run):
            where = f"{TABLE} pk={row['id']} (person {row['person_id']}, year {row['year']}, run {run} row {row['row_number']})"
            number = row["row_number"]
            if number > count:
                report.add("accounts", where, f"row added: entry #{seq} commits to {count} rows")
                continue
            while expected_number < number:
                report.add("accounts", f"{TABLE} run {run} row {expected_number} (year {payload['year']})",
                           f"row missing (deleted): entry #{seq} commits to rows 1–{count}")
                expected_number += 1
            expected_number = number + 1
            leaf = row_leaf(row, legacy=legacy)
            tree.append(leaf)
            if leaf.hex() != row["row_hash"]:
                report.add("accounts", where, "row changed: its values no longer give the leaf hash committed by "
                                              f"entry #{seq}")
            elif row["closing_fen"] != (row["opening_fen"] + row["interest_on_prior_fen"] + row["credits_fen"]
                                        + row["interest_on_credits_fen"]):
                report.add("accounts", where, "row changed: closing ≠ opening + interest + credits + interest")
            if (row["year"], row["rule_version"], row["interest_from"]) != (
                    payload["year"], payload["rule_version"], payload.get("interest_from", LEGACY_BASIS)):
                report.add("accounts", where, f"row changed: year, rule version or crediting basis differ from entry #{seq}")
        while expected_number <= count:
            report.add("accounts", f"{TABLE} run {run} row {expected_number} (year {payload['year']})",
                       f"row missing (deleted): entry #{seq} commits to rows 1–{count}")
            expected_number += 1
        if tree.size == count and tree.root().hex() != payload["rows_root"]:
            report.add("accounts", where_run, f"rows do not give the Merkle root entry #{seq} commits to")
    for run in sorted(set(runs) - posted):
        report.add("accounts", f"{RUN_TABLE} pk={run}", "crediting run posted by no ledger entry (added behind the ledger's back)")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, run_id, person_id, year FROM {TABLE} WHERE run_id NOT IN "  # nosec B608 # constant names; values bound
                       f"(SELECT uid FROM {RUN_TABLE}) ORDER BY id")
        orphans = cursor.fetchall()
    for pk, run, person, year in orphans:
        if run not in posted:
            report.add("accounts", f"{TABLE} pk={pk} (person {person}, year {year}, run {run})",
                       "row added: no ledger entry posted its run")
    # Rows pointing at a run that exists in the table but not in the ledger are named too.
    for run in sorted(set(runs) - posted):
        for row in _rows(run):
            report.add("accounts", f"{TABLE} pk={row['id']} (person {row['person_id']}, year {row['year']}, run {run})",
                       "row added: no ledger entry posted its run")
