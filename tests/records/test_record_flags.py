"""A record's contribution rows carry counted.py's flags: records/personal.py reads them with the row's reversal joined
once (counted.joined_flags), and they must be what counted(), in_arrears() and reversed_sql() say of each row —
paid, unpaid, reversed, paid late, and a month whose unpaid row was reversed."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from sirecords.contributions import counted
from sirecords.contributions.models import Contribution
from sirecords.records.personal import contributions

pytestmark = pytest.mark.django_db

PERSON, EMPLOYER = "p" * 32, "e" * 32
# (row number, period, paid on, kind, reversed)
ROWS = [(1, "2024-01", "2024-01-15", "assessment", False),     # counts
        (2, "2024-02", "", "assessment", False),               # in arrears
        (3, "2024-03", "2024-03-15", "assessment", True),      # refunded: reversed, does not count
        (4, "2024-04", "", "assessment", False),               # paid late by row 5: not in arrears
        (5, "2024-04", "2024-09-01", "arrears_payment", False),
        (6, "2024-05", "", "assessment", True),                # unpaid and reversed: neither counts nor in arrears
        (7, "2023-12", "2023-12-15", "assessment", False)]     # another year


@pytest.fixture
def rows():
    """The rows and reversals inserted as their postings' projections would write them (a test of the reading only)."""
    batch = "b" * 32
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO contributions_batch (uid, source, file_sha256, row_count, rows_root, rule_versions, "
                       "entry_seq, txn) VALUES (%s, 'test', '', %s, %s, 'test', 1, %s)", [batch, len(ROWS), "0" * 64, "t" * 32])
        for number, period, paid_on, kind, is_reversed in ROWS:
            cursor.execute("INSERT INTO contributions_contribution (batch_id, row_number, person_id, employer_id, period, "
                           "insurance_type, category, wage_fen, base_fen, employer_fen, individual_fen, account_credit_fen, "
                           "paid_on, arrears_fen, rule_version, kind, late_fee_fen) VALUES (%s, %s, %s, %s, %s, 'pension', "
                           "'employee', 800000, 800000, 128000, 64000, 64000, %s, 0, 'test', %s, %s)",
                           [batch, number, PERSON, EMPLOYER, period, paid_on, kind, 1_200 if kind == "arrears_payment" else 0])
            if is_reversed:
                cursor.execute("INSERT INTO contributions_reversal (key, batch_id, row_number, cause, reason, entry_seq, txn) "
                               "VALUES (%s, %s, %s, 'refund', 'test', 2, %s)", [f"{batch}:{number}", batch, number, "r" * 32])


def by_definition(year=None):
    rows = Contribution.objects.filter(person_id=PERSON)
    if year is not None:
        rows = rows.filter(period__startswith=f"{year}-")
    flags = rows.annotate(c=RawSQL(counted.counted(), [], output_field=BooleanField()),
                          a=RawSQL(counted.in_arrears(), [], output_field=BooleanField()),
                          r=RawSQL(counted.reversed_sql(), [], output_field=BooleanField()))
    return sorted((row.period, row.kind, bool(row.c), bool(row.a), bool(row.r)) for row in flags)


def test_each_rows_flags_are_the_definitions(rows):
    person = SimpleNamespace(uid=PERSON)
    got = [(row["period"], row["kind"], row["counts"], row["in_arrears"], row["reversed"]) for row in contributions(person)]
    assert sorted(got) == by_definition()
    # In the record's order: by month, then (one batch here) as the rows stand in their batch: row 4, then row 5.
    assert got == [("2023-12", "assessment", True, False, False), ("2024-01", "assessment", True, False, False),
                   ("2024-02", "assessment", False, True, False), ("2024-03", "assessment", False, False, True),
                   ("2024-04", "assessment", False, False, False), ("2024-04", "arrears_payment", True, False, False),
                   ("2024-05", "assessment", False, False, True)]
    year = [(row["period"], row["kind"], row["counts"], row["in_arrears"], row["reversed"])
            for row in contributions(person, 2024)]
    assert sorted(year) == by_definition(2024) and year == got[1:]
    paid_late = next(row for row in contributions(person) if row["kind"] == "arrears_payment")
    assert (paid_late["late_fee"], paid_late["late_fee_fen"], paid_late["base"]) == ("12.00", 1_200, "8000.00")
