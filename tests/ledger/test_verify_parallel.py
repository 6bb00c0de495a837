"""`verify(workers=N)` (`sirecords verify --workers N`) gives the one-process run's findings, in its order, and its
root: on a sound ledger and on one with faults planted at once in many places, including the links between the
workers' ranges. The workers read through their own connections, so the data is committed (ledger_transactional_db);
ranges of 4 entries make a small ledger span many of them."""

import pytest
from django.db import connection

from sirecords.ledger import triggers
from sirecords.ledger.checkpoints import create_checkpoint

from .test_verify_tamper import build_ledger, run_sql

pytestmark = pytest.mark.usefixtures("ledger_transactional_db")


def run(witness, workers, chunk=None):
    from sirecords.ledger.verify import verify

    report = verify(witness, workers=workers, chunk=chunk)
    return report, [f"[{f.check}] {f.where}: {f.message}" for f in report.findings]


@pytest.fixture
def ledger(post_txn, ctx, tmp_path):
    """The tamper tests' registry (12 entries, a checkpoint at 12), then more postings with checkpoints at 15 and 21."""
    built = build_ledger(post_txn, ctx, tmp_path / "witness")
    post_txn("change_employer_details", {"employer": built["employer"], "address": "深圳市南山区"})
    create_checkpoint(ctx, built["witness"])
    for i in range(2):
        post_txn("change_employer_details", {"employer": built["employer"], "address": f"深圳市福田区{i}号"})
    create_checkpoint(ctx, built["witness"])
    return built


def test_sound_ledger_gives_the_same_report_with_workers(ledger):
    one, found_one = run(ledger["witness"], 1)
    assert found_one == [] and one.entries > 16 and one.checkpoints == 3
    for chunk in (4, 8, None):
        two, found_two = run(ledger["witness"], 2, chunk)
        assert found_two == []
        assert (two.entries, two.root, two.checkpoints, two.projection_rows, two.log_records) == \
               (one.entries, one.root, one.checkpoints, one.projection_rows, one.log_records)
        assert two.workers == 2 and two.verified_checkpoint == one.verified_checkpoint == one.entries


def test_planted_faults_give_the_same_findings_in_the_same_order(ledger):
    triggers.drop(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(seq) FROM ledger_entry")
        size = cursor.fetchone()[0]
    run_sql("UPDATE ledger_entry SET payload = REPLACE(payload, '440305', '440306') WHERE seq = 3")  # inside a range
    run_sql("UPDATE ledger_entry SET hash = %s WHERE seq = 8", params=["ab" * 32])  # last of a range: next link breaks
    run_sql("UPDATE ledger_entry SET prev_hash = %s WHERE seq = 13", params=["cd" * 32])  # first of a range
    run_sql("UPDATE ledger_entry SET reason = 'rewritten' WHERE seq = %s", params=[size])  # the last entry
    run_sql("UPDATE registry_employer SET name = 'Someone Else Ltd' WHERE uid = %s", params=[ledger["employer"]])
    run_sql("UPDATE ledger_checkpoint SET frontier = '[]' WHERE size = 12")
    one, found_one = run(ledger["witness"], 1)
    assert any(f.startswith("[chain] entry #9: entry #9: prev_hash") and "previous entry's hash abababab" in f
               for f in found_one)
    assert any(f.startswith("[chain] entry #13: entry #13: prev_hash cdcdcdcd") for f in found_one)
    assert any(f.startswith("[projection] registry_employer") for f in found_one)
    assert any(f.startswith("[checkpoint] ledger_checkpoint size=12: row signature does not verify") for f in found_one)
    assert len(found_one) >= 10
    for chunk in (4, 8, 16):
        two, found_two = run(ledger["witness"], 2, chunk)
        assert found_two == found_one, chunk
        assert (two.entries, two.root) == (one.entries, one.root)
    three, found_three = run(ledger["witness"], 3, 4)
    assert found_three == found_one and three.root == one.root


def test_missing_entries_are_named_as_by_one_process(ledger):
    triggers.drop(connection)
    run_sql("DELETE FROM ledger_entry WHERE seq IN (4, 5, 9)")
    one, found_one = run(ledger["witness"], 1)
    two, found_two = run(ledger["witness"], 2, 4)
    assert "[chain] entry #4: entries #4–#5 are missing (next stored entry is #6)" in found_one
    assert found_two == found_one and (two.entries, two.root) == (one.entries, one.root)


def test_an_entry_planted_far_ahead_is_named_without_reading_the_empty_seqs_between(ledger):
    triggers.drop(connection)
    far = 10**12
    run_sql(f"INSERT INTO ledger_entry SELECT {far}, kind, subject, txn, actor, reason, channel, recorded_at, effective, "
            "payload, prev_hash, hash FROM ledger_entry WHERE seq = 3")
    one, found_one = run(ledger["witness"], 1)
    two, found_two = run(ledger["witness"], 2)
    assert any(f"entries #{one.entries}–#{far - 1} are missing (next stored entry is #{far})" in f for f in found_one)
    assert found_two == found_one


def test_workers_are_refused_inside_a_transaction(ledger):
    from django.db import transaction

    from sirecords.ledger.verify import verify

    with transaction.atomic(), pytest.raises(ValueError, match="outside a transaction"):
        verify(ledger["witness"], workers=2)


def test_an_incremental_run_without_a_start_falls_back_to_the_full_run_in_workers(ledger):
    from sirecords.ledger import verified
    from sirecords.ledger.verify import verify

    verified.state_file().unlink(missing_ok=True)
    try:
        report = verify(ledger["witness"], workers=2, since_checkpoint=True, chunk=4)
        assert report.ok and (report.mode, report.workers) == ("full", 2)
        assert "no verified checkpoint is recorded yet" in report.fallback
        verified.record(report)
        again = verify(ledger["witness"], workers=2, since_checkpoint=True)
        assert again.ok and (again.mode, again.since, again.entries_checked) == ("incremental", report.entries, 0)
    finally:
        verified.state_file().unlink(missing_ok=True)
