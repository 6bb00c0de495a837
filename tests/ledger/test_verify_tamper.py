"""Tampering behind the application's back is found, and each finding names the row.

Each test acts as an attacker with owner rights: raw SQL, triggers dropped first where the
database would otherwise refuse.
"""


import pytest
from django.db import connection

from sirecords.core.identifiers import make_id_number
from sirecords.crypto.keys import active_keys
from sirecords.ledger import note, triggers
from sirecords.ledger.checkpoints import create_checkpoint, origin, witness_file
from sirecords.ledger.verify import verify

pytestmark = pytest.mark.django_db

from datetime import date  # noqa: E402


@pytest.fixture
def ledger(post_txn, ctx, tmp_path):
    """A small registry, checkpointed, with a witness folder."""
    return build_ledger(post_txn, ctx, tmp_path / "witness")


def build_ledger(post_txn, ctx, witness):
    """The small registry of `ledger` (a plain function: tests/ledger/test_verify_tamper_columns.py builds it once)."""
    employer = post_txn("register_employer", {"uscc": "91350100M000100Y43", "name": "测试科技有限公司", "region": "440305"})[0]
    people = [
        post_txn("register_person", {"id_number": make_id_number("440305", date(1980 + i, 3, 1), 10 + i),
                                     "name": f"测试{i}", "phone": f"1380000000{i}", "region": "440305"})[0]
        for i in range(3)
    ]
    job = post_txn("start_employment", {"person": people[0].payload["person"],
                                        "employer": employer.payload["employer"], "start": "2020-01-01"})[0]
    post_txn("end_employment", {"employment": job.payload["employment"], "end": "2023-06-30"})
    create_checkpoint(ctx, witness)
    return {"witness": witness, "employer": employer.payload["employer"], "person": people[1].payload["person"],
            "employment": job.payload["employment"]}


def run_sql(*statements, params=None):
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, params or [])


def findings(witness):
    report = verify(witness)
    return report, [f"[{f.check}] {f.where}: {f.message}" for f in report.findings]


def test_untouched_ledger_verifies(ledger):
    report, found = findings(ledger["witness"])
    assert found == []
    assert report.ok and report.entries == 12 and report.checkpoints == 1 and report.witness_copies == 1
    assert report.projection_rows == 5  # 1 employer, 3 persons, 1 employment


def test_changed_payload_is_found(ledger):
    triggers.drop(connection)
    run_sql("UPDATE ledger_entry SET payload = REPLACE(payload, '440305', '440306') WHERE seq = 3")
    _, found = findings(ledger["witness"])
    assert any(f.startswith("[chain] entry #3: entry #3 (person.registered): its contents do not match its stored hash") for f in found)
    assert any(f.startswith("[checkpoint] ledger_checkpoint size=12: signed root") for f in found)
    assert any("[witness] checkpoint-000000000012.txt: witnessed root at size 12 differs" in f for f in found)


def test_changed_hash_is_found(ledger):
    triggers.drop(connection)
    run_sql("UPDATE ledger_entry SET hash = %s WHERE seq = 5", params=["ab" * 32])
    _, found = findings(ledger["witness"])
    assert any(f.startswith("[chain] entry #5: entry #5 (person.registered): its contents do not match") for f in found)
    assert any(f.startswith("[chain] entry #6: entry #6: prev_hash") for f in found)


def test_deleted_entry_is_found(ledger):
    triggers.drop(connection)
    run_sql("DELETE FROM ledger_entry WHERE seq = 4")
    _, found = findings(ledger["witness"])
    assert any(f.startswith("[chain] entry #4: entries #4 are missing (next stored entry is #5)") for f in found)
    assert any(f.startswith("[head] ledger_head id=1: says 12 entries; the ledger holds 11") for f in found)


def test_deleted_tail_is_found_by_the_witness(ledger):
    triggers.drop(connection)
    run_sql("DELETE FROM ledger_entry WHERE seq = 12", "UPDATE ledger_head SET size = 11")
    _, found = findings(ledger["witness"])
    assert any("[witness] checkpoint-000000000012.txt: witnessed size 12 exceeds the ledger's 11 entries" in f for f in found)
    assert any("[checkpoint] ledger_checkpoint size=12: covers 12 entries but the ledger has only 11" in f for f in found)


def test_deleted_head_row_is_found(ledger):
    run_sql("DELETE FROM ledger_head")
    _, found = findings(ledger["witness"])
    assert found == ["[head] ledger_head id=1: the ledger head row (id=1) is missing"]


def test_edited_projection_row_is_found(ledger):
    run_sql("UPDATE registry_employer SET name = 'Someone Else Ltd' WHERE uid = %s", params=[ledger["employer"]])
    _, found = findings(ledger["witness"])
    assert found == [f"[projection] registry_employer pk={ledger['employer']}: column name is 'Someone Else Ltd'; "
                     f"the ledger gives '测试科技有限公司'"]


def test_swapped_sealed_value_is_found_without_revealing_it(ledger):
    run_sql("UPDATE registry_person SET phone_sealed = name_sealed WHERE uid = %s", params=[ledger["person"]])
    _, found = findings(ledger["witness"])
    assert found == [f"[projection] registry_person pk={ledger['person']}: column phone_sealed is (sealed value); "
                     f"the ledger gives (sealed value)"]


def test_added_and_deleted_projection_rows_are_found(ledger):
    run_sql("DELETE FROM registry_employment WHERE uid = %s", params=[ledger["employment"]])
    run_sql("INSERT INTO registry_employer (uid, uscc, uscc_override, name, address, region, status, registered_on, last_seq) "
            "VALUES ('forged', '91110000802100433B', '', 'Ghost Co', '', '440305', 'active', '2020-01-01', 1)")
    _, found = findings(ledger["witness"])
    assert (f"[projection] registry_employment pk={ledger['employment']}: "
            "row produced by the ledger is missing (deleted behind its back)") in found
    assert "[projection] registry_employer pk=forged: row is not produced by any ledger entry (added behind the ledger's back)" in found


def test_edited_checkpoint_is_found(ledger):
    triggers.drop(connection)
    run_sql("UPDATE ledger_checkpoint SET root = %s WHERE size = 12", params=["00" * 32])
    _, found = findings(ledger["witness"])
    assert any(f.startswith("[checkpoint] ledger_checkpoint size=12: stored columns (size 12, root 0000") for f in found)


def test_forged_checkpoint_note_is_found(ledger):
    triggers.drop(connection)
    run_sql("UPDATE ledger_checkpoint SET note = REPLACE(note, '\n12\n', '\n13\n') WHERE size = 12")
    _, found = findings(ledger["witness"])
    assert any(f.startswith("[checkpoint] ledger_checkpoint size=12: signature does not verify") for f in found)


def test_witness_copy_that_disagrees_is_found(ledger):
    # A correctly signed checkpoint of another history: the ledger was rewritten after it was witnessed.
    other = note.sign_checkpoint(note.Checkpoint(origin(), 4, b"\x11" * 32), origin(), active_keys().signing_key)
    witness_file(ledger["witness"], 4).write_text(other, encoding="utf-8")
    _, found = findings(ledger["witness"])
    assert "[witness] checkpoint-000000000004.txt: witnessed root at size 4 differs from the ledger's: the ledger was rewritten" in found
    assert "[witness] checkpoint-000000000004.txt: no stored checkpoint for witnessed size 4: a checkpoint was removed" in found


def test_witness_copy_with_a_broken_signature_is_found(ledger):
    path = witness_file(ledger["witness"], 12)
    path.write_text(path.read_text().replace("\n12\n", "\n11\n"), encoding="utf-8")
    _, found = findings(ledger["witness"])
    assert any(f.startswith("[witness] checkpoint-000000000012.txt: witness copy does not verify") for f in found)


def test_deleted_checkpoint_is_found_through_its_witness_copy(ledger):
    triggers.drop(connection, ("ledger_checkpoint",))
    run_sql("DELETE FROM ledger_checkpoint")
    _, found = findings(ledger["witness"])
    dropped = [f"[triggers] ledger_checkpoint: {name}: append-only trigger is missing: someone dropped it, or a migration did"
               for name in triggers._trigger_names(connection.vendor, "ledger_checkpoint")]
    assert sorted(found) == sorted(dropped + [
        "[witness] checkpoint-000000000012.txt: no stored checkpoint for witnessed size 12: a checkpoint was removed",
        "[checkpoint] ledger_checkpoint size=12: the signed head names it as the latest checkpoint, but it is not stored: "
        "checkpoint rows were deleted"])


def test_dropped_triggers_are_reported(ledger):
    triggers.drop(connection, ("ledger_entry",))
    _, found = findings(ledger["witness"])
    assert found and all(f.startswith("[triggers] ledger_entry: ledger_entry_") for f in found)


def test_checkpoint_refuses_to_sign_a_broken_chain(ledger, ctx, post_txn):
    from sirecords.ledger.checkpoints import LedgerBroken

    post_txn("change_employer_details", {"employer": ledger["employer"], "address": "深圳市南山区"})
    triggers.drop(connection)
    run_sql("UPDATE ledger_entry SET actor = 'someone-else' WHERE seq = 13")
    with pytest.raises(LedgerBroken, match="entry #13"):
        create_checkpoint(ctx, ledger["witness"])
