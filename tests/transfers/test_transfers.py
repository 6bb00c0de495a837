"""Transfers between regions, the first step (第十条, transfers/): the joining region's request through review, each
refusal with its reason, and the contact letter sealed to the region left — opened there with that region's keys to
the exact content, and copied to the outbox."""

from __future__ import annotations

import base64
import io
import json
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.core.management import CommandError, call_command

from sirecords.contributions.models import Contribution, ContributionBatch
from sirecords.core.home import home
from sirecords.core.identifiers import make_id_number
from sirecords.crypto.envelope import Verifier, open_envelope, read_header
from sirecords.ledger import note
from sirecords.ledger.context import WriteContext
from sirecords.ledger.models import Entry
from sirecords.regions import keys as region_keys
from sirecords.transfers.kinds import TRANSFER_REQUESTED
from sirecords.transfers.models import Transfer
from sirecords.workflow.models import BusinessTransaction, State
from sirecords.workflow.services import review

HERE, OLD = "440300", "110105"  # Shenzhen (the test region) and Beijing Dongcheng, the region the person left
OLD_SIGNING = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)
OLD_ENCRYPTION = X25519PrivateKey.from_private_bytes(bytes([8]) * 32)


@pytest.fixture
def old_region(post_txn, db):
    """The region the person left, registered here with its keys (its own key set, made for the test)."""
    post_txn("register_region", {
        "code": OLD, "name": "北京市东城区",
        "verifier_key": note.verifier_key("sirecords.bj/110105", OLD_SIGNING.public_key()),
        "encryption_key": base64.b64encode(OLD_ENCRYPTION.public_key().public_bytes_raw()).decode()})
    return OLD


def person(post_txn, *, born=date(1985, 6, 1), sequence=11, hukou="440305", registered_on="2020-03-01", months=3,
           name="王小明"):
    """A person registered here (hukou `hukou`) with `months` paid pension months of 2024 (test set-up rows)."""
    number = make_id_number(hukou, born, sequence)
    uid = post_txn("register_person", {"id_number": number, "name": name, "region": hukou,
                                       "registered_on": registered_on})[0].payload["person"]
    if months:
        [batch] = ContributionBatch.objects.bulk_create([ContributionBatch(
            uid=f"trbatch{uid[:25]}", source="test", row_count=months, rows_root="0" * 64, rule_versions="test",
            entry_seq=0, txn="test")])
        Contribution.objects.bulk_create(
            Contribution(batch=batch, row_number=n, person_id=uid, employer_id="", period=f"2024-{n:02d}",
                         insurance_type="pension", wage_fen=800000, base_fen=800000, employer_fen=128000,
                         individual_fen=64000, account_credit_fen=64000, paid_on=f"2024-{n:02d}-15", rule_version="test")
            for n in range(1, months + 1))
    return number


def run(*args) -> str:
    out = io.StringIO()
    call_command("transfer", *args, stdout=out)
    return out.getvalue()


def requested(number, scan, *extra, region=OLD):
    out = run("request", number, "--from", region, "--document", scan, *extra, "--actor", "tr.clerk",
              "--reason", "调入本市工作，申请转入", "--json")
    return BusinessTransaction.objects.get(uid=json.loads(out)["transaction"])


def approved(crew, txn):
    for stage in ("review1", "approval"):
        txn = review(crew[stage], txn, "approve", "核对无误")
    return txn


def refusal(number, scan, *extra, region=OLD) -> str:
    before = (Entry.objects.count(), BusinessTransaction.objects.count())
    with pytest.raises(CommandError) as refused:
        requested(number, scan, *extra, region=region)
    assert (Entry.objects.count(), BusinessTransaction.objects.count()) == before, "a refused request left something"
    return str(refused.value)


def opened_by_the_old_region(data: bytes) -> tuple[dict, dict]:
    """What the region left reads: the envelope checked with this region's published verifier key, decrypted with
    its own X25519 key."""
    here = Verifier(*note.parse_verifier_key(region_keys.own_verifier_key()))
    header, content = open_envelope(data, verifier_for=lambda code: here if code == HERE else None,
                                    recipient_private=OLD_ENCRYPTION, expected_to=OLD)
    return header, json.loads(content)


def test_a_request_is_reviewed_and_its_letter_opens_in_the_old_region_to_the_exact_content(crew, old_region, post_txn,
                                                                                           scan, tmp_path):
    number = person(post_txn)
    txn = requested(number, scan)
    assert txn.state == State.SUBMITTED and txn.stage_list == ["review1", "approval"]
    assert list(txn.attachments.values_list("kind", flat=True)) == ["transfer_application"]
    assert not Transfer.objects.exists()
    with pytest.raises(CommandError, match="not approved"):
        run("letter", txn.uid, "--out", str(tmp_path / "early.json"))
    assert not (tmp_path / "early.json").exists()

    txn = approved(crew, txn)
    assert txn.state == State.POSTED
    transfer = Transfer.objects.get(uid=txn.uid)
    today = date.today().isoformat()
    assert (transfer.direction, transfer.other_region, transfer.state, transfer.collect, transfer.requested_on) == (
        "in", OLD, "requested", False, today)
    entry = Entry.objects.get(kind=TRANSFER_REQUESTED)
    assert entry.subject == f"person:{transfer.person}" and json.loads(entry.payload)["after"]["assigned"] is False

    out = tmp_path / "letter.json"
    assert "110105" in run("letter", txn.uid, "--out", str(out))
    data = out.read_bytes()
    assert read_header(data)["kind"] == "letter"
    header, content = opened_by_the_old_region(data)
    assert header == {"format": "sirecords-transfer/1", "kind": "letter", "from": HERE, "to": OLD, "letter": txn.uid}
    assert content == {"AAE270": txn.uid, "AAC002": number, "AAC003": "王小明", "AAB301_from": OLD, "AAB301_to": HERE,
                       "requested_on": today, "collect": False}
    outbox = home() / "outbox" / OLD / f"{txn.uid}.letter.json"
    assert outbox.read_bytes() == data


def test_no_paid_month_here_is_refused_and_collect_admits_it(crew, old_region, post_txn, scan, tmp_path):
    number = person(post_txn, months=0)
    assert "no paid month here" in refusal(number, scan)
    txn = approved(crew, requested(number, scan, "--collect"))
    assert Transfer.objects.get(uid=txn.uid).collect is True
    run("letter", txn.uid, "--out", str(tmp_path / "collect.json"))
    assert opened_by_the_old_region((tmp_path / "collect.json").read_bytes())[1]["collect"] is True


def test_a_person_not_registered_here_is_refused(crew, old_region, post_txn, scan):
    stranger = make_id_number("110105", date(1980, 1, 1), 21)
    assert "no insured person is registered here" in refusal(stranger, scan)
    assert "no insured person is registered here" in refusal(stranger, scan, "--collect")


def test_a_person_of_another_pooling_region_is_refused(crew, old_region, post_txn, scan):
    number = make_id_number("440305", date(1985, 6, 1), 31)
    elsewhere = WriteContext(actor="clerk.test", reason="test registration", channel="counter", region="110100")
    post_txn("register_person", {"id_number": number, "name": "李四", "region": "440305"}, elsewhere)
    assert "belongs to pooling region 110100" in refusal(number, scan)


def test_a_region_of_this_province_is_a_change_of_registration_not_a_transfer(crew, old_region, post_txn, scan):
    number = person(post_txn)
    assert "change of registration within the province" in refusal(number, scan, region="440100")
    assert "is this region" in refusal(number, scan, region=HERE)


def test_an_unregistered_region_is_refused(crew, old_region, post_txn, scan):
    number = person(post_txn)
    assert "310101 is not a registered region" in refusal(number, scan, region="310101")


def test_the_temporary_account_case_is_refused_unless_assigned(crew, old_region, post_txn, scan):
    # A man of 50+ who joined here in 2015 from a Beijing household register: his contributions here go to a
    # temporary account (66号 第五条), nothing is transferred here — unless the move is an approved assignment.
    number = person(post_txn, born=date(1960, 2, 1), sequence=13, hukou="110105", registered_on="2015-03-01")
    assert "temporary account" in refusal(number, scan)
    assert _summary(number)["account_type"] == "temporary"
    assert _summary(person(post_txn, born=date(1960, 2, 1), sequence=15, hukou="440305"))["account_type"] == "basic"
    txn = approved(crew, requested(number, scan, "--assigned"))
    assert txn.state == State.POSTED
    assert json.loads(Entry.objects.get(kind=TRANSFER_REQUESTED).payload)["after"]["assigned"] is True


def _summary(number: str) -> dict:
    from sirecords.records.personal import full_record
    from sirecords.records.summary import summary
    from sirecords.registry.queries import find_person_by_id_number

    found = find_person_by_id_number(number)
    record = full_record(found)
    return summary(found, years=record["contribution_years"], account_years=record["account_years"],
                   pension=record["pension"], account_closure=record["account_closure"])


def test_a_second_open_request_for_the_person_is_refused(crew, old_region, post_txn, scan):
    number = person(post_txn)
    approved(crew, requested(number, scan))
    assert "still open" in refusal(number, scan)


def test_a_letter_is_written_only_for_an_approved_transfer_request(crew, old_region, post_txn, tmp_path):
    region_txn = BusinessTransaction.objects.create(uid="a" * 32, type="register_region", region=HERE,
                                                     state=State.POSTED, reason="t", channel="cli", created_by="x",
                                                     created_at="2026-01-01T00:00:00Z", updated_at="2026-01-01T00:00:00Z")
    with pytest.raises(CommandError, match="not a transfer_request"):
        run("letter", region_txn.uid, "--out", str(tmp_path / "x.json"))
    with pytest.raises(CommandError, match="no transaction"):
        run("letter", "b" * 32, "--out", str(tmp_path / "x.json"))
    assert not (tmp_path / "x.json").exists()
