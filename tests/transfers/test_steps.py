"""The steps after the request (第十条, transfers/steps.py), in one process on either engine, with another region played by
tests/transfers/fake_region.py: the joining region receives a package (its figures recomputed from its proofs) or
closes its request with a written refusal; the region left answers a letter with transfer_out and writes a package the
joining region's checks accept. Every refused file leaves nothing opened."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from sirecords.accounts.closures import closed_by
from sirecords.contributions.models import AccountTransfer, PensionCredit, TransferredMonth
from sirecords.crypto.envelope import Verifier, open_envelope
from sirecords.ledger import note
from sirecords.ledger.models import Entry
from sirecords.records.personal import full_record
from sirecords.records.summary import summary
from sirecords.regions import keys as region_keys
from sirecords.registry.models import Employer, Person
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.posting import InvalidTransaction
from sirecords.transfers import queries
from sirecords.transfers.models import Transfer
from sirecords.transfers.package import check_package
from sirecords.workflow.models import BusinessTransaction, State

from .fake_region import ENCRYPTION, OLD, FakeRegion, register_payload
from .test_transfers import HERE, approved, person, requested

DEEMED = [{"region": OLD, "start": "1990-01", "end": "1991-12", "months": 24, "work_unit": "北京某国营厂"}]


@pytest.fixture
def old_region(post_txn, db):
    post_txn("register_region", register_payload())
    return FakeRegion()


def run(*args) -> str:
    out = io.StringIO()
    call_command("transfer", *args, stdout=out)
    return out.getvalue()


def opened() -> tuple[int, int]:
    return Entry.objects.count(), BusinessTransaction.objects.count()


def refused(*args) -> str:
    before = opened()
    with pytest.raises(CommandError) as refusal:
        run(*args)
    assert opened() == before, "a refused file opened something"
    return str(refusal.value)


def _summary(number: str) -> dict:
    found = find_person_by_id_number(number)
    record = full_record(found)
    return summary(found, years=record["contribution_years"], account_years=record["account_years"],
                   pension=record["pension"], account_closure=record["account_closure"])


@pytest.fixture
def asked(crew, old_region, post_txn, scan):
    """A person here with three paid months, whose request to 110105 is approved: (ID number, letter id)."""
    number = person(post_txn)
    txn = approved(crew, requested(number, scan))
    return number, txn.uid


def _write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


RECEIVE = ("--funds-ref", "ICBC-0001", "--actor", "tr.clerk", "--reason", "基金到账")


def test_a_package_is_received_its_months_deemed_service_and_account_count_here(crew, asked, old_region, tmp_path):
    number, letter = asked
    before = _summary(number)
    months = ([(f"2018-{m:02d}", 600000) for m in range(1, 13)] + [(f"2019-{m:02d}", 650000) for m in range(1, 13)]
              + [(f"2020-{m:02d}", 700000) for m in range(1, 6)])
    package = _write(tmp_path, "package.json", old_region.package(letter, HERE, person="p" * 32, id_number=number,
                                                                  months=months, deemed=DEEMED))
    shown = json.loads(run("show", package, "--json"))
    assert shown["from"] == OLD and shown["funds"]["pooled"] == "22200.00"  # 12 % × (6,000 × 12 + 6,500 × 12 + 7,000 × 5)
    assert [row["months"] for row in shown["rows"]] == [12, 12, 5, 0] and shown["rows"][-1]["deemed"] == 24
    assert "funds_ref" in refused("receive", package, "--funds-amount", shown["funds"]["total"], "--funds-ref",
                                  "ICBC\x00-1", "--actor", "tr.clerk", "--reason", "基金到账")
    out = json.loads(run("receive", package, "--funds-amount", shown["funds"]["total"], *RECEIVE, "--json"))
    assert out["months"] == 29 and out["deemed_months"] == 24 and out["pooled"] == "22200.00"
    txn = BusinessTransaction.objects.get(uid=out["transaction"])
    assert txn.state == State.SUBMITTED and txn.stage_list == ["review1", "approval"]
    assert approved(crew, txn).state == State.POSTED
    transfer = Transfer.objects.get(uid=letter)
    assert (transfer.state, transfer.months, transfer.deemed_months, transfer.funds_ref) == ("received", 29, 24, "ICBC-0001")
    after = _summary(number)
    assert after["contribution_months"] == before["contribution_months"] + 29
    assert after["deemed_months"] == before["deemed_months"] + 24
    account = int(out["account"].replace(".", ""))
    assert int(after["account_balance"].replace(".", "")) == int(before["account_balance"].replace(".", "")) + account
    assert set(TransferredMonth.objects.values_list("region", flat=True)) == {OLD}
    year = date.today().year
    credit = {c.basis: (c.credits_fen, c.credit_months_fen) for c in PensionCredit.objects.filter(year=year)}
    assert credit == {"arrival": (account, account * 12), "period": (account, account * 12)}
    assert AccountTransfer.objects.get(transfer=letter).direction == "in"
    # Received once: the same package again, or another for the same letter, is refused.
    assert "received" in refused("receive", package, "--funds-amount", shown["funds"]["total"], *RECEIVE)


@pytest.mark.parametrize("case", ["changed_byte", "other_addressee", "unregistered", "lacking_entry", "funds_differ",
                                  "wrong_amount", "unknown_letter", "other_person"])
def test_a_package_that_does_not_check_out_is_refused_and_opens_nothing(asked, old_region, post_txn, tmp_path, case):
    number, letter = asked
    months = [("2019-01", 600000), ("2019-02", 600000)]
    options = {"changed_byte": {}, "other_addressee": {"addressee": "120101"}, "unregistered": {"sender": "120101"},
               "lacking_entry": {"drop_entry": True}, "wrong_amount": {}, "unknown_letter": {}, "other_person": {},
               "funds_differ": {"funds_override": {"account": "1.00", "account_pre1998": "0.00",
                                                   "account_this_year": "0.00", "account_to_last_year_end": "1.00",
                                                   "excluded": [], "pooled": "1440.00", "total": "1441.00"}}}[case]
    which = "f" * 32 if case == "unknown_letter" else letter
    id_number = person(post_txn, sequence=77, months=0) if case == "other_person" else number
    data = old_region.package(which, HERE, person="p" * 32, id_number=id_number, months=months, **options)
    if case == "changed_byte":
        position = data.index(b'"ciphertext":"') + 30
        data = data[:position] + (b"B" if data[position:position + 1] != b"B" else b"C") + data[position + 1:]
    amount = "1.00" if case == "wrong_amount" else "1441.00" if case == "funds_differ" else "2400.00"  # 960 + 1,440
    path = _write(tmp_path, f"{case}.json", data)
    message = refused("receive", path, "--funds-amount", amount, *RECEIVE)
    expected = {"changed_byte": "does not verify", "other_addressee": "120101", "unregistered": "not registered",
                "lacking_entry": "left out", "funds_differ": "do not follow", "wrong_amount": "⑥",
                "unknown_letter": "sent no letter", "other_person": "another person"}[case]
    assert expected in message
    assert Transfer.objects.get(uid=letter).state == "requested"


def test_a_written_refusal_closes_the_request_with_its_reason(asked, old_region, tmp_path):
    _number, letter = asked
    refusal = _write(tmp_path, "refusal.json", old_region.refusal(letter, HERE, "已领取基本养老金，不予转移"))
    out = json.loads(run("close", refusal, "--actor", "tr.clerk", "--json"))
    assert BusinessTransaction.objects.get(uid=out["transaction"]).state == State.POSTED  # no review stage
    transfer = Transfer.objects.get(uid=letter)
    assert (transfer.state, transfer.refusal, transfer.due_on) == ("closed", "已领取基本养老金，不予转移", "")
    assert "closed" in refused("close", refusal, "--actor", "tr.clerk")


# --- the region left (this one) --------------------------------------------------------------------------------------


@pytest.fixture
def letter_for(old_region, tmp_path):
    def write(number: str, name: str = "王小明", letter: str = "a" * 32, sender: str | None = None) -> str:
        return _write(tmp_path, f"letter-{letter[:4]}.json", old_region.letter(letter, HERE, id_number=number, name=name,
                                                                                sender=sender))
    return write


def _sample_person(staff) -> str:
    """post_sample_batch's person: two months of 2024 posted through a reviewed collection file (rows with a ledger
    entry committing to them, as the package proves them)."""
    from sirecords.core.identifiers import make_id_number
    from sirecords.demo.sample_contributions import post_sample_batch

    post_sample_batch(staff)
    return make_id_number("440305", date(1984, 4, 4), 404)


def test_the_region_left_answers_a_letter_and_its_package_checks_out_in_the_region_joined(crew, old_region, staff,
                                                                                        letter_for, post_txn, tmp_path):
    number = _sample_person(staff)
    out = json.loads(run("out", letter_for(number, name="样例"), "--actor", "tr.clerk", "--reason", "办理转出", "--json"))
    txn = BusinessTransaction.objects.get(uid=out["transaction"])
    assert txn.type == "transfer_out" and txn.state == State.SUBMITTED
    assert approved(crew, txn).state == State.POSTED
    uid = find_person_by_id_number(number).uid
    sent = Transfer.objects.get(uid="a" * 32)
    assert (sent.direction, sent.state, sent.other_region, sent.months) == ("out", "sent", OLD, 2)
    moved = _summary(number)
    assert (moved["status"], moved["transferred_to"], moved["account_balance"], moved["contribution_months"]) == (
        "transferred_out", OLD, "0.00", 2)
    assert uid in closed_by(date.today().year)  # this year is credited in the region joined, not here
    # The record stays here for reference: no business that would change it going forward.
    with pytest.raises(InvalidTransaction, match="kept for reference"):
        post_txn("start_employment", {"person": uid, "employer": Employer.objects.get().uid, "start": "2026-12-01"})
    run("package", "a" * 32, "--out", str(tmp_path / "package.json"))
    here = Verifier(*note.parse_verifier_key(region_keys.own_verifier_key()))
    _header, content = open_envelope((tmp_path / "package.json").read_bytes(), verifier_for=lambda code: here,
                                     recipient_private=ENCRYPTION, expected_to=OLD)
    checked = check_package(content, verifier_key=region_keys.own_verifier_key(), region=HERE)
    assert len(checked.figures.months) == 2 and checked.content["person"]["AAC002"] == number
    assert checked.figures.funds["pooled"] == "1920.00"  # 12 % × 8,000 × 2
    kinds = {json.loads(e["preimage"])[2] for e in checked.content["entries"]}
    assert {"person.registered", "contribution_batch.posted", "transfer.sent"} <= kinds
    assert "transferred out already" in refused("out", letter_for(number, name="样例"), "--actor", "tr.clerk",
                                                "--reason", "再次")


def test_the_region_left_refuses_an_ineligible_person_or_a_letter_that_does_not_check_out(crew, old_region, post_txn,
                                                                                        letter_for, tmp_path):
    number = person(post_txn, months=3)
    other = letter_for(number, name="李四", letter="b" * 32)
    assert "name does not match" in refused("out", other, "--actor", "tr.clerk", "--reason", "转出")
    forged = letter_for(number, letter="c" * 32, sender="120101")
    assert "not registered" in refused("out", forged, "--actor", "tr.clerk", "--reason", "转出")
    person_uid = find_person_by_id_number(number).uid
    assert Person.objects.filter(uid=person_uid).exists()
    post_txn("register_region", register_payload(code="440100", origin="sirecords.gz/440100"))
    near = _write(tmp_path, "near.json", FakeRegion(code="440100", origin="sirecords.gz/440100").letter(
        "d" * 32, HERE, id_number=number, name="王小明"))
    assert "同省" in refused("out", near, "--actor", "tr.clerk", "--reason", "转出")
    refusal = tmp_path / "refusal.json"
    run("refuse", other, "--reason", "姓名不符", "--actor", "tr.clerk", "--out", str(refusal))
    header, content = open_envelope(refusal.read_bytes(), verifier_for=lambda code: Verifier(
        *note.parse_verifier_key(region_keys.own_verifier_key())), recipient_private=ENCRYPTION, expected_to=OLD)
    assert header["kind"] == "refusal" and json.loads(content)["reason"] == "姓名不符"


# --- a correction after the transfer: the supplementary package (补转) -------------------------------------------


def _transfer_findings() -> list[tuple[str, str]]:
    """verify's findings about what transfers project (the test set-up's rows written without the ledger aside)."""
    from sirecords.ledger.verify import verify

    tables = ("transfers_transfer", "contributions_transferred_month", "accounts_deemed_service",
              "contributions_account_transfer", "transfer")
    return [(f.where, f.message) for f in verify().findings if any(t in f"{f.where} {f.message}" for t in tables)]


def test_a_correction_after_the_transfer_is_sent_again_as_a_supplementary_package(crew, old_region, staff, letter_for,
                                                                                  post_txn, tmp_path):
    from sirecords.contributions.models import Contribution

    number = _sample_person(staff)
    out = json.loads(run("out", letter_for(number, name="样例"), "--actor", "tr.clerk", "--reason", "办理转出", "--json"))
    approved(crew, BusinessTransaction.objects.get(uid=out["transaction"]))
    letter = "a" * 32
    assert "not changed" in refused("supplement", letter, "--actor", "tr.clerk", "--reason", "补转")
    assert "no transfer" in refused("supplement", "b" * 32, "--actor", "tr.clerk", "--reason", "补转")
    for bad in ("a\x00b", "x" * 100_000, 7, None):  # through the API a payload may carry anything
        with pytest.raises(InvalidTransaction) as invalid:
            post_txn("transfer_supplement_out", {"transfer": bad})
        assert "letter id" in invalid.value.errors["transfer"]
    uid = find_person_by_id_number(number).uid
    row = Contribution.objects.filter(person_id=uid, insurance_type="pension").order_by("period").first()
    # A month before the transfer corrected here (the record stays open to corrections): 8,000 → 9,000.
    post_txn("correct_contributions", {"person": uid, "method": "依据工资单更正缴费工资",
                                       "rows": [{"row": f"{row.batch_id}:{row.row_number}", "wage": "9000.00"}]})
    # The desk's list shows the supplement due.
    [listed] = queries.staff_json([Transfer.objects.get(uid=letter)])
    assert listed["supplement_due"] is True and listed["supplements"] == 0
    out = json.loads(run("supplement", letter, "--actor", "tr.clerk", "--reason", "更正缴费基数后补转", "--json"))
    txn = BusinessTransaction.objects.get(uid=out["transaction"])
    assert (txn.type, txn.state, txn.stage_list) == ("transfer_supplement_out", State.SUBMITTED, ["review1", "approval"])
    assert approved(crew, txn).state == State.POSTED
    sent = Transfer.objects.get(uid=letter)
    assert (sent.state, sent.supplements, sent.months, sent.pooled_fen) == ("sent", 1, 2, 204_000)  # 12 % × 17,000
    assert sent.supplemented_on == date.today().isoformat()
    assert AccountTransfer.objects.get(transfer=letter).amount_fen == sent.account_fen
    [listed] = queries.staff_json([sent])
    assert listed["supplement_due"] is False and listed["steps"][-1] == {
        "step": "supplemented", "status": "done", "on": sent.supplemented_on, "number": 1}
    moved = _summary(number)
    assert (moved["status"], moved["account_balance"], moved["contribution_months"]) == ("transferred_out", "0.00", 2)
    written = run("package", letter, "--out", str(tmp_path / "supplement.json"))
    assert f"{letter}.package-1.json" in written
    here = Verifier(*note.parse_verifier_key(region_keys.own_verifier_key()))
    _header, content = open_envelope((tmp_path / "supplement.json").read_bytes(), verifier_for=lambda code: here,
                                     recipient_private=ENCRYPTION, expected_to=OLD)
    checked = check_package(content, verifier_key=region_keys.own_verifier_key(), region=HERE)
    assert checked.content["supplement"] == 1 and checked.figures.funds["pooled"] == "2040.00"
    assert [m["base_fen"] for m in checked.figures.months] == [900_000, 800_000]
    kinds = {json.loads(e["preimage"])[2] for e in checked.content["entries"]}
    assert {"contribution_rows.reversed", "transfer_supplement.sent"} <= kinds
    assert "not changed" in refused("supplement", letter, "--actor", "tr.clerk", "--reason", "再次补转")
    assert _transfer_findings() == []


def test_a_supplementary_package_replaces_what_the_transfer_brought_here(crew, asked, old_region, tmp_path):
    number, letter = asked
    before = _summary(number)
    first = [(f"2019-{m:02d}", 600_000) for m in range(1, 13)]
    package = _write(tmp_path, "package.json", old_region.package(letter, HERE, person="p" * 32, id_number=number,
                                                                  months=first, deemed=DEEMED))
    total = json.loads(run("show", package, "--json"))["funds"]["total"]
    out = json.loads(run("receive", package, "--funds-amount", total, *RECEIVE, "--json"))
    approved(crew, BusinessTransaction.objects.get(uid=out["transaction"]))
    # The region left corrected 2019: December was not paid there, June's base was 6,500.
    second = [(period, 650_000 if period == "2019-06" else base) for period, base in first if period != "2019-12"]
    supplement = _write(tmp_path, "supplement.json", old_region.package(letter, HERE, person="p" * 32, id_number=number,
                                                                        months=second, supplement=1))
    funds = json.loads(run("show", supplement, "--json"))["funds"]
    assert "⑥" in refused("receive", supplement, "--funds-amount", funds["total"], *RECEIVE)
    # 12 % × (6,500 − 6,000 − 6,000) pooled and 8 % of it in the account: 1,100.00 goes back to the region left.
    out = json.loads(run("receive", supplement, "--funds-amount", "-1100.00", *RECEIVE, "--json"))
    assert (out["supplement"], out["months"], out["deemed_months"], out["difference"]) == (1, 11, 24, "-1100.00")
    txn = BusinessTransaction.objects.get(uid=out["transaction"])
    assert (txn.type, txn.state) == ("transfer_supplement_in", State.SUBMITTED)
    assert approved(crew, txn).state == State.POSTED
    transfer = Transfer.objects.get(uid=letter)
    assert (transfer.state, transfer.months, transfer.deemed_months, transfer.supplements) == ("received", 11, 24, 1)
    months = dict(TransferredMonth.objects.filter(transfer=letter).values_list("period", "base_fen"))
    assert len(months) == 11 and "2019-12" not in months and months["2019-06"] == 650_000
    account = int(out["account"].replace(".", ""))
    after = _summary(number)
    assert after["contribution_months"] == before["contribution_months"] + 11
    assert after["deemed_months"] == before["deemed_months"] + 24
    assert int(after["account_balance"].replace(".", "")) == int(before["account_balance"].replace(".", "")) + account
    credit = {c.basis: (c.credits_fen, c.credit_months_fen) for c in PensionCredit.objects.filter(year=date.today().year)}
    assert credit == {"arrival": (account, account * 12), "period": (account, account * 12)}
    assert AccountTransfer.objects.get(transfer=letter).amount_fen == account
    # Taken once: the same supplement again, or the first package, is refused.
    assert "received" in refused("receive", supplement, "--funds-amount", "0.00", *RECEIVE)
    assert "received" in refused("receive", package, "--funds-amount", total, *RECEIVE)
    assert _transfer_findings() == []
