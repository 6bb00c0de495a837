"""`import contributions --hold-invalid`: the rows with a problem are held for the collection agency to correct and
resubmit; the others post after review. Without the flag a file is still refused whole."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from sirecords.contributions import services, staging, transactions
from sirecords.contributions.models import Contribution, ContributionBatch
from sirecords.demo.sample_contributions import collection_csv
from sirecords.ledger.models import Entry
from sirecords.ledger.verify import verify
from sirecords.workflow.models import BusinessTransaction, State
from sirecords.workflow.services import payload_of

from .conftest import OTHER_USCC, REGION, USCC, module_registry
from .test_import import clean_rows

pytestmark = pytest.mark.django_db
registry, reviewers = module_registry()  # made once for the module; each test in a rolled-back savepoint


def ten_rows(registry) -> list[str]:
    """A header and 10 clean rows (lines 2–11): two months of two employees (pension, medical) and a flexible worker."""
    return collection_csv(clean_rows(registry, months=("2024-01", "2024-02")), REGION).decode().splitlines()


def changed(line: str, **fields) -> str:
    header = "id_number,uscc,period,insurance_type,category,wage,base,employer_amount,individual_amount,paid_on".split(",")
    row = dict(zip(header, line.split(",")))
    row.update(fields)
    return ",".join(row.values())


def with_two_bad_rows(registry) -> tuple[bytes, list[str]]:
    """Line 4 pays 1.00 too little (a discrepancy); line 9 names an employer never registered."""
    lines = ten_rows(registry)
    good_4 = lines[3]
    employer_4 = good_4.split(",")[7]
    lines[3] = changed(good_4, employer_amount=f"{float(employer_4) - 1:.2f}")
    lines[8] = changed(lines[8], uscc=OTHER_USCC)
    return ("\n".join(lines) + "\n").encode(), ten_rows(registry)


def batch_employer() -> str:
    from sirecords.registry.models import Employer

    return Employer.objects.get(uscc=USCC).uid


def open_held(clerk, data, **kwargs):
    return services.import_file(clerk, data, reason="2024年1-2月征收数据", file_name="jan-feb.csv", region=REGION,
                                hold_invalid=True, **kwargs)


@pytest.fixture
def clerk(staff):
    return staff("clerk.h", "clerk")


def test_two_bad_rows_of_ten_are_held_the_eight_others_post_and_the_corrected_report_imports(
        registry, load_params, reviewers, clerk):
    load_params(2024)
    data, good = with_two_bad_rows(registry)

    refused = services.import_file(clerk, data, reason="r", region=REGION)  # without the flag: unchanged, all or nothing
    assert not refused.ok and {p.line for p in refused.prepared.problems} == {4, 9}
    assert not BusinessTransaction.objects.filter(type="import_contributions").exists()

    outcome = open_held(clerk, data)
    prepared = outcome.prepared
    assert outcome.ok and prepared.row_count == 8 and prepared.held_lines == [4, 9]
    reasons = {(p.line, p.field): p for p in prepared.held_problems}
    assert set(reasons) == {(4, "employer_amount"), (9, "uscc")}
    assert reasons[(4, "employer_amount")].kind == "discrepancy" and "the engine computes" in reasons[(4, "employer_amount")].reason
    assert f"no employer is registered with the code {OTHER_USCC}" in reasons[(9, "uscc")].reason
    held = prepared.held_csv.decode()
    assert held.splitlines() == [good[0], data.decode().splitlines()[3], data.decode().splitlines()[8]]
    payload = payload_of(outcome.txn)
    assert payload["hold_invalid"] is True and payload["row_count"] == 8 and payload["held_count"] == 2
    assert payload["held_sha256"] == hashlib.sha256(prepared.held_csv).hexdigest()
    assert Contribution.objects.count() == 0, "nothing is posted before the review"

    # The last reviewer in another process: nothing remembered, the file checked again from the store (two passes).
    transactions._checked = None
    with staging.connection.cursor() as cursor:
        staging.reset(cursor)
    txn = services.review_all(outcome.txn, reviewers["review1"], reviewers["review2"])
    assert txn.state == State.POSTED
    batch = ContributionBatch.objects.get()
    assert batch.row_count == 8 == Contribution.objects.count()
    assert list(Contribution.objects.order_by("row_number").values_list("row_number", flat=True)) == list(range(1, 9))
    entry = Entry.objects.get(seq=batch.entry_seq)
    assert '"held_count":2' in entry.payload and '"held_lines":[4,9]' in entry.payload
    # The held months are not posted: the second employee's pension of 2024-01 (line 4) and of 2024-02 (line 9).
    assert sorted(Contribution.objects.filter(employer_id=batch_employer()).values_list("period", "insurance_type")) == [
        ("2024-01", "medical"), ("2024-01", "medical"), ("2024-01", "pension"),
        ("2024-02", "medical"), ("2024-02", "medical"), ("2024-02", "pension")]
    assert verify().ok, verify().findings

    again = open_held(clerk, data)  # the original file again: refused, with or without the flag
    assert not again.ok and "was already imported: batch" in again.refused

    # The collection agency corrects the report (the held rows as written) and resubmits it as a new file.
    fixed = held.replace(data.decode().splitlines()[3], good[3]).replace(OTHER_USCC, USCC)
    second = services.import_file(clerk, fixed.encode(), reason="更正后重报", file_name="jan-feb.held.csv", region=REGION)
    assert second.ok and second.prepared.row_count == 2, second.prepared.report_lines()
    services.review_all(second.txn, reviewers["review1"], reviewers["review2"])
    assert Contribution.objects.count() == 10 and ContributionBatch.objects.count() == 2
    report = verify()
    assert report.ok, report.findings


def test_the_reviewers_see_both_counts_in_the_description_and_on_the_review_page(
        registry, load_params, clerk, staff_client):
    load_params(2024)
    data, _ = with_two_bad_rows(registry)
    txn = open_held(clerk, data).txn
    shown = {row["field"]: row["after"] for row in transactions._describe(payload_of(txn))}
    assert shown["rows_to_post"] == "8" and shown["rows_held"] == "2" and len(shown["held_sha256"]) == 64
    client = staff_client("rev.page", "reviewer1")
    page = client.get(reverse("desk_transaction", args=[txn.uid]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "rows to post" in page and "rows held for the collection agency to correct" in page
    assert "<td>8</td>" in page and "<td>2</td>" in page
    with translation.override("en"):  # the request activates Chinese in this thread: not beyond this test
        page = client.get(reverse("desk_transaction", args=[txn.uid]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "待入账行数" in page and "暂缓入账待更正行数" in page
    # A file imported whole shows that it holds none.
    plain = {row["field"]: row["after"] for row in transactions._describe({"row_count": 15})}
    assert plain["rows_to_post"] == "15" and plain["rows_held"] == "0"


def test_every_row_bad_posts_nothing_and_says_so(registry, load_params, clerk):
    load_params(2024)
    lines = ten_rows(registry)
    bad = [lines[0], *(changed(line, period="2024-13") for line in lines[1:])]
    outcome = open_held(clerk, ("\n".join(bad) + "\n").encode())
    assert not outcome.ok and outcome.all_held and outcome.txn is None
    assert "every row of the file has a problem (10 held): nothing was imported" in outcome.refused
    assert outcome.prepared.held_lines == list(range(2, 12))
    assert {p.line for p in outcome.prepared.held_problems} == set(range(2, 12))
    assert not BusinessTransaction.objects.filter(type="import_contributions").exists()
    assert not Contribution.objects.exists()


def test_repeated_rows_are_both_held_and_file_problems_still_refuse_it_whole(registry, load_params, clerk):
    load_params(2024)
    lines = ten_rows(registry)
    outcome = open_held(clerk, ("\n".join([*lines, lines[2]]) + "\n").encode())  # line 12 repeats line 3
    assert outcome.ok and outcome.prepared.row_count == 9 and outcome.prepared.held_lines == [3, 12]
    reasons = {p.line: p.reason for p in outcome.prepared.held_problems}
    assert "duplicates line 3" in reasons[12] and "is repeated on line 12" in reasons[3]
    transactions._checked = None

    header = lines[0].replace("base", "basis")
    refused = open_held(clerk, ("\n".join([header, *lines[1:]]) + "\n").encode())
    assert not refused.ok and refused.prepared.whole and not refused.prepared.held_lines
    assert [(p.line, p.field) for p in refused.prepared.problems][:1] == [(1, "base")]


def test_rows_already_posted_are_held_and_a_changed_database_refuses_the_posting(
        registry, load_params, reviewers, clerk, post_txn):
    from sirecords.transactions.posting import InvalidTransaction

    load_params(2024)
    lines = ten_rows(registry)
    first = services.import_file(clerk, ("\n".join(lines[:4]) + "\n").encode(), reason="r", region=REGION)
    services.review_all(first.txn, reviewers["review1"], reviewers["review2"])
    data, _ = with_two_bad_rows(registry)
    outcome = open_held(clerk, data)  # lines 2 and 3 are posted already, 4 and 9 have problems
    assert outcome.ok and outcome.prepared.held_lines == [2, 3, 4, 9] and outcome.prepared.row_count == 6
    assert "is already posted" in {p.line: p.reason for p in outcome.prepared.held_problems}[2]
    # The unknown employer of line 9 is registered before the review: the split the reviewers saw no longer holds.
    post_txn("register_employer", {"uscc": OTHER_USCC, "name": "后登记单位", "region": "440305"})
    transactions._checked = None
    with pytest.raises(InvalidTransaction, match="rows_root"):
        services.review_all(outcome.txn, reviewers["review1"], reviewers["review2"])
    assert Contribution.objects.count() == 3


def test_command_writes_the_held_rows_and_their_problems_and_says_where(registry, load_params, clerk, tmp_path, capsys):
    load_params(2024)
    data, _ = with_two_bad_rows(registry)
    source = tmp_path / "jan-feb.csv"
    source.write_bytes(data)
    call_command("import", "contributions", str(source), "--actor", "clerk.h", "--reason", "r", "--hold-invalid",
                 "--no-progress")
    out = capsys.readouterr().out
    held, problems = tmp_path / "jan-feb.held.csv", tmp_path / "jan-feb.held-problems.csv"
    assert f"held rows written to {held}" in out and f"their problems written to {problems}" in out
    assert "8 rows to post, 2 held" in out and "line 9: uscc:" in out and "transaction" in out
    assert held.read_bytes().decode().splitlines()[1:] == [data.decode().splitlines()[3], data.decode().splitlines()[8]]
    rows = list(csv.DictReader(io.StringIO(problems.read_text(encoding="utf-8"))))
    assert [(r["line"], r["field"], r["kind"]) for r in rows] == [("4", "employer_amount", "discrepancy"),
                                                                   ("9", "uscc", "error")]
    # With --report the problems go there and the held rows beside it.
    other = tmp_path / "out"
    other.mkdir()
    source.write_bytes(data + data.splitlines(keepends=True)[1])  # another file: line 12 repeats line 2
    call_command("import", "contributions", str(source), "--actor", "clerk.h", "--reason", "r", "--hold-invalid",
                 "--report", str(other / "problems.csv"), "--no-progress")
    out = capsys.readouterr().out
    assert f"held rows written to {other / 'jan-feb.held.csv'}" in out and "7 rows to post, 4 held" in out
    assert (other / "problems.csv").read_text(encoding="utf-8").startswith("line,field,kind,reason")


def test_verify_rebuilds_a_held_batch_from_its_file_without_the_held_lines(registry, load_params, reviewers, clerk):
    from django.db import connection

    load_params(2024)
    data, _ = with_two_bad_rows(registry)
    txn = open_held(clerk, data).txn
    services.review_all(txn, reviewers["review1"], reviewers["review2"])
    batch = ContributionBatch.objects.get()
    with connection.cursor() as cursor:  # row 4 of the batch is line 6 of the file (line 4 is held)
        cursor.execute("UPDATE contributions_contribution SET wage_fen = wage_fen + 100 WHERE row_number = 4")
    found = [(f.where, f.message) for f in verify().findings if f.check == "contributions"]
    assert (f"contribution batch {batch.uid} row 4", "row was changed: wage_fen differ from the ledger's") in found, found
