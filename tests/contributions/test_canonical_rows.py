"""Issue #9, findings 2, 12 and 13 (the import's part): one month is posted once, whatever digits it is written
in; the database itself refuses a second row, a non-ASCII month and a negative amount; NUL, an over-long field or
line are per-line problems, never a traceback; the report CSV neutralises formulas; the import streams its file and
claims it by SHA-256 before a transaction opens."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from sirecords.contributions import collection, services
from sirecords.contributions.models import Contribution
from sirecords.contributions.rows import rows_root
from sirecords.demo.sample_contributions import collection_csv
from sirecords.workflow.models import BusinessTransaction, State
from sirecords.workflow.services import withdraw

from .conftest import REGION, module_registry
from .test_import import clean_rows

pytestmark = pytest.mark.django_db
registry, reviewers = module_registry()  # made once for the module; each test in a rolled-back savepoint


@pytest.fixture
def clerk(staff):
    return staff("clerk.c", "clerk")

FULL_WIDTH = str.maketrans("0123456789-.", "０１２３４５６７８９－．")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def one_month(registry, period="2024-01"):
    return collection_csv(clean_rows(registry, months=(period,)), REGION).decode()


def written(text: str, column: str, table) -> str:
    """The file with `column` of every row rewritten through `table` (str.translate)."""
    lines = text.splitlines()
    header = lines[0].split(",")
    at = header.index(column)
    out = [lines[0]]
    for line in lines[1:]:
        fields = line.split(",")
        fields[at] = fields[at].translate(table)
        out.append(",".join(fields))
    return "\n".join(out) + "\n"


def post(clerk, reviewers, data: bytes):
    outcome = services.import_file(clerk, data, reason="2024年1月征收数据", region=REGION)
    assert outcome.ok, outcome.prepared.report_lines() or outcome.refused
    return services.review_all(outcome.txn, reviewers["review1"], reviewers["review2"])


# --- finding 2: full-width digits ------------------------------------------------------------------


def test_a_full_width_month_and_amounts_are_posted_as_ascii_and_the_same_month_twice_is_refused(
        registry, load_params, reviewers, clerk):
    load_params(2024)
    text = one_month(registry)
    for column in ("period", "wage", "base", "employer_amount", "individual_amount", "paid_on", "id_number"):
        text = written(text, column, FULL_WIDTH)
    assert "２０２４－０１" in text
    assert post(clerk, reviewers, text.encode()).state == State.POSTED
    assert set(Contribution.objects.values_list("period", flat=True)) == {"2024-01"}
    assert all(paid == "" or paid == "2024-01-15" for paid in Contribution.objects.values_list("paid_on", flat=True))
    # The same month in ASCII, in another file: every row is already posted.
    again = services.import_file(clerk, one_month(registry).encode(), reason="again", region=REGION)
    assert not again.ok and len(again.prepared.problems) == 5
    assert all("already posted" in p.reason for p in again.prepared.problems)


def test_the_same_month_in_full_width_and_in_ascii_in_one_file_is_a_repeat(registry, load_params, clerk):
    load_params(2024)
    text = one_month(registry)
    rows = text.splitlines()
    doubled = "\n".join([*rows, rows[1].translate(FULL_WIDTH)]) + "\n"
    outcome = services.import_file(clerk, doubled.encode(), reason="r", region=REGION)
    assert not outcome.ok
    assert [(p.line, p.field, p.reason) for p in outcome.prepared.problems] == [
        (7, "row", "duplicates line 2 (same person, employer, period and insurance type)")]


@pytest.mark.parametrize("column", ["period", "wage", "paid_on", "id_number"])
def test_arabic_indic_digits_are_refused_on_their_line(registry, load_params, clerk, column):
    load_params(2024)
    outcome = services.import_file(clerk, written(one_month(registry), column, ARABIC_INDIC).encode(), reason="r",
                                   region=REGION)
    assert not outcome.ok and outcome.txn is None
    problems = outcome.prepared.problems
    assert {p.field for p in problems} == {column} and {p.line for p in problems} <= set(range(2, 7)) and len(problems) >= 4


# --- finding 2: the database states the invariants ---------------------------------------------


@pytest.fixture
def posted(registry, load_params, reviewers, clerk):
    load_params(2024)
    post(clerk, reviewers, one_month(registry).encode())
    return Contribution.objects.order_by("row_number").first()


COPY = ("INSERT INTO contributions_contribution (batch_id, row_number, person_id, employer_id, period, insurance_type, "
        "category, wage_fen, base_fen, employer_fen, individual_fen, account_credit_fen, paid_on, arrears_fen, rule_version) "
        "SELECT batch_id, 99, person_id, employer_id, {period}, insurance_type, category, wage_fen, base_fen, {employer}, "
        "individual_fen, account_credit_fen, paid_on, arrears_fen, rule_version FROM contributions_contribution "
        "WHERE row_number = 1")


@pytest.mark.parametrize("period, employer", [
    ("period", "employer_fen"),  # the same person, employer, month and insurance type: posted twice
    ("'２０２４-０１'", "employer_fen"),  # the month in full-width digits
    ("'2024-13'", "employer_fen"),  # no such month
    ("'2024-1'", "employer_fen"),
    ("'2023-12'", "-1"),  # a negative amount
])
def test_the_database_itself_refuses_rows_that_break_the_invariants(posted, period, employer):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(COPY.format(period=period, employer=employer))
    with transaction.atomic(), connection.cursor() as cursor:  # the statement itself is sound: another month goes in
        cursor.execute(COPY.format(period="'2023-12'", employer="employer_fen"))
        transaction.set_rollback(True)


def test_rows_of_other_kinds_may_share_the_month(posted):
    with connection.cursor() as cursor:
        cursor.execute(COPY.replace("rule_version) SELECT", "rule_version, kind) SELECT")
                       .replace("rule_version FROM", "rule_version, 'refund' FROM").format(period="period", employer="employer_fen"))
    assert Contribution.objects.filter(period=posted.period, person_id=posted.person_id,
                                       insurance_type=posted.insurance_type).count() == 2


def test_verify_names_a_row_whose_kind_was_changed_behind_the_ledger(posted):
    from sirecords.ledger.verify import verify

    with connection.cursor() as cursor:
        cursor.execute("UPDATE contributions_contribution SET kind = 'refund' WHERE row_number = 2")
    found = [(f.where, f.message) for f in verify().findings if f.check == "contributions"]
    assert any(where.endswith(" row 2") and message == "row was changed: kind differ from the ledger's"
               for where, message in found), found


# --- finding 13: NUL, over-long fields and lines are per-line problems --------------------------


def test_nul_and_over_long_fields_and_lines_are_problems_of_their_line(registry, load_params, clerk, tmp_path, capsys):
    load_params(2024)
    lines = one_month(registry).splitlines()
    fields = lines[3].split(",")
    lines[2] = lines[2].replace("medical", "med\x00ical", 1)
    lines[3] = ",".join([fields[0], '"' + "9" * 140_000 + '"', *fields[2:]])  # a quoted field over csv's 131,072 limit
    lines[4] = lines[4] + "," + "x" * 5000  # a line longer than any row
    source = tmp_path / "bad.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "report.csv"
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "contributions", str(source), "--actor", "clerk.c", "--reason", "r", "--report", str(report),
                     "--no-progress")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "line 3: insurance_type: 'med\\x00ical' is not an insurance type code" in out, out
    assert "line 4: row: is 140088 characters long; a line of a collection file has at most 4096" in out
    assert "line 5: row: is 5" in out and "characters long; a line of a collection file has at most 4096" in out
    assert not BusinessTransaction.objects.filter(type="import_contributions").exists()


def test_a_quoted_field_over_the_csv_limit_across_lines_is_a_problem_not_a_traceback(registry, load_params, clerk):
    load_params(2024)
    lines = one_month(registry).splitlines()
    spread = "\n".join(["x" * 4000] * 40)  # 160,000 characters in short lines, inside one quoted field
    data = "\n".join([lines[0], lines[1], f'"{spread}",a,b', *lines[2:]]) + "\n"
    outcome = services.import_file(clerk, data.encode(), reason="r", region=REGION)
    assert not outcome.ok
    assert any(p.field == "row" and "cannot be read as CSV: field larger than field limit" in p.reason
               for p in outcome.prepared.problems), outcome.prepared.report_lines()


# --- finding 12: the report CSV neutralises formulas ----------------------------------------------


def test_the_report_csv_neutralises_formulas(registry, load_params, clerk, tmp_path):
    load_params(2024)
    text = one_month(registry).replace("paid_on", 'paid_on,"=HYPERLINK(""http://evil.example/"",""click"")"', 1)
    source = tmp_path / "bad.csv"
    source.write_text(text, encoding="utf-8")
    report = tmp_path / "report.csv"
    with pytest.raises(SystemExit):
        call_command("import", "contributions", str(source), "--actor", "clerk.c", "--reason", "r", "--report", str(report),
                     "--no-progress")
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8"))))
    fields = [row[1] for row in rows[1:]]
    assert "'=hyperlink(\"http://evil.example/\",\"click\")" in fields, rows  # column names are read lower-case
    assert not any(cell[:1] in "=+-@\t\r" for row in rows for cell in row if cell)


# --- finding 13: streaming, bounded memory ---------------------------------------------------------


def test_a_file_read_in_small_pieces_gives_the_same_rows_and_root(registry, load_params, monkeypatch):
    from sirecords.contributions import staging

    load_params(2024)
    data = b"\xef\xbb\xbf" + collection_csv(clean_rows(registry), REGION)
    whole = collection.prepare(data, REGION)
    expected = list(staging.rows())
    assert whole.ok and whole.row_count == 15 and rows_root(expected) == (15, whole.rows_root)
    # Blocks of 4 rows and Merkle blocks of 4 leaves: every seam crossed; pieces of 1 and 7 bytes split the BOM, lines
    # and characters.
    monkeypatch.setattr(collection, "BLOCK", 4)
    monkeypatch.setattr(collection, "LEAF_BLOCK", 4)
    pieces = iter([data[:1], data[1:2], *[data[i:i + 7] for i in range(2, len(data), 7)]])  # the BOM split too
    streamed = collection.prepare(pieces, REGION)
    assert streamed.ok and (streamed.sha256, streamed.rows_root, streamed.summary) == (whole.sha256, whole.rows_root,
                                                                                       whole.summary)
    assert list(staging.rows()) == expected


def test_a_bad_byte_in_a_later_piece_names_its_line(registry, load_params):
    load_params(2024)
    data = collection_csv(clean_rows(registry), REGION)
    at = data.index(b"\n", len(data) // 2) + 3  # inside line 10
    broken = data[:at] + b"\xff" + data[at + 1:]
    prepared = collection.prepare(iter([broken[i:i + 64] for i in range(0, len(broken), 64)]), REGION)
    [problem] = prepared.problems
    line = broken[:at].count(b"\n") + 1
    assert (problem.line, problem.field) == (line, "file") and f"at offset {at}" in problem.reason


# --- finding 13: the file is claimed before a transaction opens ---------------------------------


def test_a_file_claimed_by_an_open_import_is_refused_and_a_withdrawn_ones_claim_is_taken_over(
        registry, load_params, clerk):
    from sirecords.contributions.models import FileClaim

    load_params(2024)
    data = one_month(registry).encode()
    first = services.import_file(clerk, data, reason="r", region=REGION)
    assert first.ok and FileClaim.objects.get().txn == first.txn.uid
    # Another import of the same file, which the claim alone stops (as if the first one's transaction were not yet
    # visible): the unique key decides, not a scan of the open transactions.
    again = services.import_file(clerk, data, reason="r", region=REGION)
    assert not again.ok and f"already being imported: transaction {first.txn.uid}" in again.refused
    assert BusinessTransaction.objects.filter(type="import_contributions").count() == 1
    withdraw(clerk, first.txn, "wrong month")
    taken = services.import_file(clerk, data, reason="r", region=REGION)
    assert taken.ok and FileClaim.objects.get().txn == taken.txn.uid != first.txn.uid


# --- the command line: months, years, regions and reasons are canonical too ------------------------


def test_command_line_numbers_regions_and_reasons_accept_ascii_digits_only(registry, load_params, clerk, tmp_path, capsys):
    from django.core.management.base import CommandError

    load_params(2024)
    source = tmp_path / "q1.csv"
    source.write_bytes(one_month(registry).encode())
    with pytest.raises(CommandError, match="region"):
        call_command("import", "contributions", str(source), "--actor", "clerk.c", "--reason", "r", "--region", "٤٤٠٣٠٠",
                     "--no-progress")
    with pytest.raises(CommandError, match="reason"):
        call_command("import", "contributions", str(source), "--actor", "clerk.c", "--reason", "2024\x00", "--no-progress")
    assert not BusinessTransaction.objects.filter(type="import_contributions").exists()
    with pytest.raises(CommandError, match="--year"):
        call_command("credit", "--year", "٢٠٢٤", "--actor", "clerk.c", "--reason", "r")
    call_command("import", "contributions", str(source), "--actor", "clerk.c", "--reason", "r", "--region", "４４０３００",
                 "--no-progress")
    assert BusinessTransaction.objects.get(type="import_contributions").region == REGION


def test_import_with_json_prints_the_transaction_it_opened_and_submitted(registry, load_params, clerk, tmp_path):
    """Issue 17's convention: a command that opens a transaction opens and submits it, and with --json prints
    {"transaction": UID} (import contributions, credit, pensions, crosscheck import|resolve|dismiss)."""
    import io
    import json

    load_params(2024)
    source = tmp_path / "q1.csv"
    source.write_bytes(one_month(registry).encode())
    out = io.StringIO()
    call_command("import", "contributions", str(source), "--actor", "clerk.c", "--reason", "r", "--no-progress", "--json",
                 stdout=out)
    printed = json.loads(out.getvalue())
    txn = BusinessTransaction.objects.get(type="import_contributions")
    assert printed["transaction"] == txn.uid and txn.state == "submitted" and printed["rows"] > 0 and printed["held"] == 0
