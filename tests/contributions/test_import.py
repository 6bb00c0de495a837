"""The collection file: a clean file posts as one reviewed batch; any problem refuses all of it."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from sirecords.contributions import services, staging
from sirecords.contributions.models import Contribution, ContributionBatch
from sirecords.core.identifiers import make_id_number
from sirecords.core.money import to_fen
from sirecords.demo.sample_contributions import collection_csv
from sirecords.engine.contributions import contribution
from sirecords.ledger.models import Entry
from sirecords.ledger.verify import verify
from sirecords.parameters.queries import loaded_param_set
from sirecords.workflow.models import BusinessTransaction, State

from .conftest import OTHER_USCC, REGION, module_registry

pytestmark = pytest.mark.django_db
registry, reviewers = module_registry()  # made once for the module; each test in a rolled-back savepoint


def clean_rows(registry, months=("2024-01", "2024-02", "2024-03")):
    rows = []
    for period in months:
        for i, number in enumerate(registry["ids"][:2]):
            rows.append((number, registry["uscc"], period, "pension", 650000 + 1234 * i, f"{period}-15"))
            rows.append((number, registry["uscc"], period, "medical", 650000 + 1234 * i, f"{period}-15"))
        rows.append((registry["ids"][2], "", period, "pension", 300000, ""))  # flexible, floor applies, in arrears
    return rows


@pytest.fixture
def clerk(staff):
    return staff("clerk.c", "clerk")


def imported(clerk, data, reviewers, **kwargs):
    outcome = services.import_file(clerk, data, reason="2024年第一季度征收数据", file_name="q1.csv", region=REGION, **kwargs)
    assert outcome.ok, outcome.prepared.report_lines() or outcome.refused
    assert outcome.txn.state == State.SUBMITTED and outcome.txn.stage_list == ["review1", "review2"]
    return services.review_all(outcome.txn, reviewers["review1"], reviewers["review2"])


def test_clean_file_posts_one_reviewed_batch_with_the_engines_amounts(registry, load_params, reviewers, clerk):
    load_params(2024)
    data = collection_csv(clean_rows(registry), REGION, bom=True)
    before = Entry.objects.count()
    outcome = services.import_file(clerk, data, reason="2024Q1", file_name="q1.csv", region=REGION)
    assert outcome.ok and Contribution.objects.count() == 0, "nothing is posted before the review"
    txn = services.review_all(outcome.txn, reviewers["review1"], reviewers["review2"])
    assert txn.state == State.POSTED
    assert Entry.objects.count() == before + 2, "one batch entry and the transaction.posted entry, not one per row"
    batch = ContributionBatch.objects.get()
    entry = Entry.objects.get(seq=batch.entry_seq)
    assert entry.kind == "contribution_batch.posted" and batch.row_count == 15 == Contribution.objects.count()
    assert f'"rows_root":"{batch.rows_root}"' in entry.payload and batch.txn == txn.uid
    for row in Contribution.objects.all():
        params = loaded_param_set(row.rule_version)
        expected = contribution(params, f"{row.wage_fen / 100:.2f}", insurance_type=row.insurance_type,
                                category=row.category).value
        assert (row.base_fen, row.employer_fen, row.individual_fen, row.account_credit_fen) == (
            to_fen(expected.contribution_base), to_fen(expected.employer_amount), to_fen(expected.individual_amount),
            to_fen(expected.account_credit))
    flexible = Contribution.objects.filter(category="flexible").first()
    assert flexible.employer_id == "" and flexible.paid_on == "" and flexible.arrears_fen == flexible.individual_fen > 0
    assert list(Contribution.objects.order_by("row_number").values_list("row_number", flat=True)) == list(range(1, 16))
    report = verify()
    assert report.ok, report.findings


def test_the_same_file_twice_is_refused(registry, load_params, reviewers, clerk):
    load_params(2024)
    data = collection_csv(clean_rows(registry), REGION)
    first = services.import_file(clerk, data, reason="r", region=REGION)
    again = services.import_file(clerk, data, reason="r", region=REGION)
    assert not again.ok and f"already being imported: transaction {first.txn.uid}" in again.refused
    services.review_all(first.txn, reviewers["review1"], reviewers["review2"])
    again = services.import_file(clerk, data, reason="r", region=REGION)
    assert not again.ok and "was already imported: batch" in again.refused
    # The same rows in another file (a different byte, the BOM) are recognised row by row.
    other = services.import_file(clerk, b"\xef\xbb\xbf" + data, reason="r", region=REGION)
    assert not other.ok and all("already posted" in p.reason for p in other.prepared.problems)
    assert len(other.prepared.problems) == 15


def test_rows_needing_parameters_not_loaded_are_refused_naming_the_version(registry, clerk):
    outcome = services.import_file(clerk, collection_csv(clean_rows(registry), REGION), reason="r", region=REGION)
    assert not outcome.ok and outcome.txn is None
    [problem] = outcome.prepared.problems
    assert problem.field == "period" and f"needs rule parameters {REGION}/2024@" in problem.reason
    assert "not loaded" in problem.reason


def bad_file(registry):
    good = collection_csv(clean_rows(registry, months=("2024-01",)), REGION).decode()
    lines = good.splitlines()
    header, first = lines[0], lines[1].split(",")

    def variant(**changes):
        row = dict(zip(header.split(","), first))
        row.update(changes)
        return ",".join(row.values())

    unknown_person = make_id_number("440305", date(1990, 1, 1), 555)
    bad = [
        variant(id_number=first[0][:-1] + ("0" if first[0][-1] != "0" else "1")),  # line 2: check character
        variant(id_number=unknown_person),  # 3: not registered
        variant(insurance_type="pensoin"),  # 4: bad code
        variant(category="staff"),  # 5: bad code
        variant(uscc=OTHER_USCC),  # 6: unknown employer
        variant(period="2099-01"),  # 7: future
        variant(base="100.00"),  # 8: outside the limits
        variant(employer_amount="1.00", individual_amount="2.00"),  # 9: discrepancies
        variant(wage="abc"),  # 10: not an amount
        lines[1],  # 11: duplicate of line 2's person? no: of the original first row -> duplicates line 12
        lines[1],  # 12
        variant(period="2024-13"),  # 13
    ]
    return ("\n".join([header, *bad]) + "\n").encode()


def test_every_problem_is_reported_with_line_and_field_and_nothing_is_posted(registry, load_params, clerk, tmp_path):
    load_params(2024)
    before = (Entry.objects.count(), BusinessTransaction.objects.count())
    outcome = services.import_file(clerk, bad_file(registry), reason="r", region=REGION)
    assert not outcome.ok
    found = {(p.line, p.field) for p in outcome.prepared.problems}
    expected = {(2, "id_number"), (3, "id_number"), (4, "insurance_type"), (5, "category"), (6, "uscc"), (7, "period"),
                (8, "base"), (9, "employer_amount"), (9, "individual_amount"), (10, "wage"), (12, "row"), (13, "period")}
    assert expected <= found, sorted(found)
    kinds = {(p.line, p.field): p for p in outcome.prepared.problems}
    assert kinds[(9, "employer_amount")].kind == "discrepancy" and "the engine computes" in kinds[(9, "employer_amount")].reason
    assert "future" in kinds[(7, "period")].reason and "outside the limits" in kinds[(8, "base")].reason
    assert "duplicates line 8" in kinds[(12, "row")].reason and (11, "row") in found
    assert "check character" in kinds[(2, "id_number")].reason and "no insured person" in kinds[(3, "id_number")].reason
    assert (Entry.objects.count(), BusinessTransaction.objects.count()) == before
    assert not Contribution.objects.exists()


def test_wrong_encoding_and_missing_columns(registry, load_params, clerk):
    load_params(2024)
    text = collection_csv(clean_rows(registry, months=("2024-01",)), REGION).decode() + "\n"
    gbk = (text.rstrip("\n") + ",备注\n").replace("paid_on", "paid_on,note", 1).encode("gbk")
    outcome = services.import_file(clerk, gbk, reason="r", region=REGION)
    [problem] = outcome.prepared.problems
    assert problem.field == "file" and "not UTF-8" in problem.reason and problem.line >= 2
    missing = text.replace("base,", "", 1).encode()
    outcome = services.import_file(clerk, missing, reason="r", region=REGION)
    assert [(p.line, p.field) for p in outcome.prepared.problems] == [(1, "base")]
    assert "column is missing" in outcome.prepared.problems[0].reason
    assert not BusinessTransaction.objects.filter(type="import_contributions").exists()


def test_command_prints_the_report_and_exits_1(registry, load_params, clerk, tmp_path, capsys):
    load_params(2024)
    source = tmp_path / "bad.csv"
    source.write_bytes(bad_file(registry))
    report = tmp_path / "report.csv"
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "contributions", str(source), "--actor", "clerk.c", "--reason", "r", "--report", str(report),
                     "--no-progress")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "nothing was imported" in out and "line 7: period:" in out
    rows = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8"))))
    assert {"line": "9", "field": "employer_amount", "kind": "discrepancy"}.items() <= rows[[r["line"] for r in rows].index("9")].items()


def test_command_opens_and_submits_a_clean_file(registry, load_params, clerk, tmp_path, capsys):
    load_params(2024)
    source = tmp_path / "q1.csv"
    source.write_bytes(collection_csv(clean_rows(registry), REGION))
    call_command("import", "contributions", str(source), "--actor", "clerk.c", "--reason", "2024Q1", "--no-progress")
    out = capsys.readouterr().out
    txn = BusinessTransaction.objects.get(type="import_contributions")
    assert f"transaction {txn.uid} submitted" in out and "web pages" in out and txn.state == State.SUBMITTED


@pytest.fixture
def posted_batch(registry, load_params, reviewers, clerk):
    load_params(2024)
    imported(clerk, collection_csv(clean_rows(registry), REGION), reviewers)
    assert verify().ok
    return ContributionBatch.objects.get()


def findings(check="contributions"):
    return [(f.where, f.message) for f in verify().findings if f.check == check]


def test_verify_finds_a_changed_row(posted_batch):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contributions_contribution SET period = '2023-12' WHERE row_number = 4")
    found = findings()
    assert (f"contribution batch {posted_batch.uid} row 4", "row was changed: period differ from the ledger's") in found


def test_verify_finds_changed_amounts(posted_batch):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contributions_contribution SET account_credit_fen = account_credit_fen + 100 WHERE row_number = 2")
    found = findings()
    where = f"contribution batch {posted_batch.uid} row 2"
    assert any(w == where and "differ from the engine's" in m for w, m in found)
    assert any(w == where and "account_credit_fen" in m for w, m in found)


def test_verify_finds_missing_and_added_rows(posted_batch):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM contributions_contribution WHERE row_number = 7")
        cursor.execute("INSERT INTO contributions_contribution (batch_id, row_number, person_id, employer_id, period, "
                       "insurance_type, category, wage_fen, base_fen, employer_fen, individual_fen, account_credit_fen, "
                       "paid_on, arrears_fen, rule_version) SELECT batch_id, 99, person_id, employer_id, '2023-11', insurance_type, "
                       "category, wage_fen, base_fen, employer_fen, individual_fen, account_credit_fen, paid_on, arrears_fen, "
                       "rule_version FROM contributions_contribution WHERE row_number = 1")
    found = dict(findings())
    assert found[f"contribution batch {posted_batch.uid} row 7"].startswith("row is missing")
    assert found[f"contribution batch {posted_batch.uid} row 99"].startswith("row is not in the batch's file")


def test_verify_finds_a_changed_batch_root(posted_batch):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contributions_batch SET rows_root = %s", ["0" * 64])
    assert any(f.check == "projection" and "rows_root" in f.message for f in verify().findings)
    assert any("differs from the ledger entry's" in m for _, m in findings())


def test_posting_keeps_the_pension_credit_summary_and_verify_checks_it(posted_batch):
    from sirecords.contributions.models import PensionCredit

    expected: dict = {}
    for person, period, paid_on, credit in (Contribution.objects.filter(insurance_type="pension").exclude(paid_on="")
                                            .values_list("person_id", "period", "paid_on", "account_credit_fen")):
        for basis, at in (("arrival", paid_on), ("period", period)):  # both crediting bases (summary.py)
            total, weighted = expected.get((person, basis, int(at[:4])), (0, 0))
            expected[(person, basis, int(at[:4]))] = (total + credit, weighted + credit * (13 - int(at[5:7])))
    stored = {(p.person_id, p.basis, p.year): (p.credits_fen, p.credit_months_fen) for p in PensionCredit.objects.all()}
    assert stored == expected and expected  # the flexible worker in arrears has no paid pension row: not in it
    assert findings() == []
    person, basis, year = sorted(stored)[0]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contributions_pension_credit SET credits_fen = credits_fen + 1 WHERE person_id = %s "
                       "AND basis = %s", [person, basis])
    found = findings()
    assert any(w == f"contributions_pension_credit person {person} year {year} by {basis}"
               and "differs from the contribution rows" in m for w, m in found), found


def test_the_reviewers_see_the_batchs_totals_and_a_changed_summary_is_refused(registry, load_params, reviewers, clerk):
    from sirecords.contributions.transactions import _describe, import_contributions
    from sirecords.ledger.context import WriteContext
    from sirecords.transactions.posting import InvalidTransaction
    from sirecords.workflow.services import payload_of

    load_params(2024)
    outcome = services.import_file(clerk, collection_csv(clean_rows(registry), REGION), reason="2024Q1", region=REGION)
    summary = payload_of(outcome.txn)["summary"]
    assert summary["persons"] == 3 and summary["employers"] == 1 and summary["periods"] == ["2024-01", "2024-03"]
    assert summary["by_type"]["pension"]["rows"] == 9 and summary["by_type"]["medical"]["rows"] == 6
    assert summary["by_type"]["pension"]["in_arrears"] == 3  # the flexible worker's unpaid months
    assert summary["by_type"]["pension"]["employer_fen"] == sum(row[8] for row in staging.rows() if row[4] == "pension")
    shown = {row["field"]: row["after"] for row in _describe(payload_of(outcome.txn))}
    assert shown["persons"] == "3" and shown["periods"] == "2024-01 – 2024-03" and "9 笔 rows" in shown["pension"]
    changed = {**payload_of(outcome.txn), "summary": {**summary, "persons": 4}}
    with pytest.raises(InvalidTransaction, match="totals differ"):
        import_contributions(changed, WriteContext(actor="x", reason="x", channel="cli"))
