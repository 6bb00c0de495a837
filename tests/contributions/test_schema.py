"""The contribution rows' schema after issue #14: a row must name a batch that exists (checked per statement, migration
0007), a month's rules hold with the one unique index (0008), and the queries by person use that index."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from sirecords.contributions.models import Contribution, ContributionBatch

pytestmark = pytest.mark.django_db


def batch(uid: str) -> ContributionBatch:
    """A batch row written directly (bulk_create sends no signal), as tests/stats does: the schema is under test."""
    return ContributionBatch.objects.bulk_create([ContributionBatch(uid=uid, source="test", row_count=0, rows_root="0" * 64,
                                                                    rule_versions="v", entry_seq=0, txn=uid)])[0]


def row(batch_uid: str, number: int, kind: str = "assessment", period: str = "2024-01", **extra) -> Contribution:
    values = {"batch_id": batch_uid, "row_number": number, "person_id": "p" * 32, "employer_id": "e" * 32,
              "period": period, "insurance_type": "pension", "category": "employee", "wage_fen": 100, "base_fen": 100,
              "employer_fen": 16, "individual_fen": 8, "account_credit_fen": 8, "paid_on": "2024-01-15",
              "rule_version": "v", "kind": kind, **extra}
    return Contribution(**values)


def refused(*rows: Contribution) -> bool:
    try:
        with transaction.atomic():
            Contribution.objects.bulk_create(list(rows))
    except IntegrityError:
        return True
    return False


def test_a_row_must_name_a_batch_that_exists_on_insert_and_update():
    batch("b1")
    assert refused(row("nobatch", 1))
    assert refused(row("b1", 1), row("nobatch", 2))  # one row of a statement is enough
    assert not refused(row("b1", 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.filter(batch_id="b1").update(batch_id="gone")
    assert Contribution.objects.filter(batch_id="b1").count() == 1


def test_an_assessment_once_a_month_and_other_kinds_once_per_batch():
    batch("b1")
    batch("b2")
    assert not refused(row("b1", 1))
    assert refused(row("b2", 1))  # a second assessment of the month, in another batch
    assert not refused(row("b1", 2, kind="correction"))
    assert refused(row("b1", 3, kind="correction"))  # a second correction of the month in the same batch
    assert not refused(row("b2", 2, kind="correction"))  # in another batch: allowed
    assert not refused(row("b2", 3, period="2024-02"))


def test_the_queries_by_person_use_the_month_index():
    sql = "SELECT period FROM contributions_contribution WHERE person_id = %s AND period >= %s"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: ask whether the index can serve it
            cursor.execute("EXPLAIN " + sql, ["p" * 32, "2024-01"])
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, ["p" * 32, "2024-01"])
        plan = " ".join(str(line) for line in cursor.fetchall())
    assert "contribution_month_once" in plan, plan
