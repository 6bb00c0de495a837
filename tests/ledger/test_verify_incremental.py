"""`verify(since_checkpoint=True)` (`sirecords verify --since-checkpoint`, the nightly run): it starts from the
checkpoint an earlier sound run recorded, signed (ledger/verified.py), only when that record, the stored checkpoint
and its witness copy agree; it checks the entries, checkpoints, witness copies and log records after it, the head and
the consistency of the ledger with it, names what it finds as the full run does, and says what it leaves to the
full run."""

import json

import pytest
from django.db import connection

from sirecords.ledger import triggers, verified
from sirecords.ledger.checkpoints import create_checkpoint, witness_file
from sirecords.ledger.verify import verify

from .test_verify_tamper import build_ledger, run_sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def state(sirecords_home):
    path = verified.state_file()
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


@pytest.fixture
def ledger(post_txn, ctx, tmp_path, state):
    """The tamper tests' registry (checkpoint at 12), verified in full and recorded; then three more postings and a
    read in the access log, checkpointed at 14."""
    built = build_ledger(post_txn, ctx, tmp_path / "witness")
    full = verify(built["witness"])
    assert full.ok and full.verified_checkpoint == 12
    assert verified.record(full) == state
    post_txn("change_employer_details", {"employer": built["employer"], "address": "深圳市南山区"})
    from sirecords.records.access_log import record_access

    record_access("clerk.test", f"person:{built['person']}", "person.detail", "web", "test")
    create_checkpoint(ctx, built["witness"])
    return built


def lines(report):
    return [f"[{f.check}] {f.where}: {f.message}" for f in report.findings]


def test_the_nightly_run_checks_only_what_came_after_the_verified_checkpoint(ledger):
    report = verify(ledger["witness"], since_checkpoint=True)
    full = verify(ledger["witness"])
    assert lines(report) == [] and report.mode == "incremental" and report.since == 12
    assert report.entries_checked == 2 and report.entries == full.entries == 14 and report.root == full.root
    assert report.checkpoints == 2 and report.witness_copies == 2 and report.projection_rows == 0  # sizes 12 and 14
    assert report.log_records == full.log_records
    assert "projections (the full verify replays the whole ledger to rebuild them)" in report.not_checked
    assert report.verified_checkpoint == 14
    # The next night goes on from 14.
    verified.record(report)
    assert json.loads(verified.state_file().read_text())["size"] == 14
    assert verify(ledger["witness"], since_checkpoint=True).entries_checked == 0


def test_a_change_after_the_checkpoint_is_named_as_the_full_run_names_it(ledger):
    triggers.drop(connection)
    run_sql("UPDATE ledger_entry SET reason = 'rewritten' WHERE seq = 14")
    run_sql("UPDATE audit_access_event SET purpose = 'rewritten' WHERE seq = (SELECT MAX(seq) FROM audit_access_event)")
    incremental = lines(verify(ledger["witness"], since_checkpoint=True))
    full = lines(verify(ledger["witness"]))
    assert any(f.startswith("[chain] entry #14: entry #14 (") for f in incremental)
    assert any(f.startswith("[checkpoint] ledger_checkpoint size=14: signed root") for f in incremental)
    assert any(f.startswith("[log] audit_access_event seq=") for f in incremental)
    assert [f for f in full if not f.startswith("[triggers]")] and set(incremental) <= set(full)


def test_a_change_before_the_checkpoint_is_left_to_the_full_run(ledger):
    triggers.drop(connection)
    run_sql("UPDATE ledger_entry SET reason = 'rewritten' WHERE seq = 5")
    incremental = verify(ledger["witness"], since_checkpoint=True)
    assert incremental.mode == "incremental"
    assert not any(f.check == "chain" for f in incremental.findings)  # as documented: the weekly full run's job
    assert "entries up to the verified checkpoint, and the checkpoints and witness copies before it" in incremental.not_checked
    assert any(line.startswith("[chain] entry #5:") for line in lines(verify(ledger["witness"])))


@pytest.mark.parametrize("spoil, why", [
    (lambda ledger, state: state.unlink(), "no verified checkpoint is recorded yet"),
    (lambda ledger, state: state.write_text(state.read_text().replace('"size": 12', '"size": 4')),
     "is not signed by this instance's key"),
    (lambda ledger, state: witness_file(ledger["witness"], 12).unlink(), "its witness copy checkpoint-000000000012.txt does not read"),
    (lambda ledger, state: witness_file(ledger["witness"], 12).write_text("forged"),
     "its witness copy checkpoint-000000000012.txt does not verify"),
    (lambda ledger, state: (triggers.drop(connection), run_sql("UPDATE ledger_checkpoint SET actor = 'x' WHERE size = 12")),
     "the verified checkpoint (size 12): its row signature does not verify"),
])
def test_without_a_start_it_can_trust_the_full_verify_runs_and_says_why(ledger, state, spoil, why):
    spoil(ledger, state)
    report = verify(ledger["witness"], since_checkpoint=True)
    assert report.mode == "full" and why in report.fallback and report.not_checked == []
    assert report.entries_checked == report.entries == 14 and report.projection_rows > 0


def test_the_command_records_the_start_and_the_next_run_says_what_it_left(post_txn, ctx, tmp_path, state):
    from io import StringIO

    from django.core.management import CommandError, call_command

    built = build_ledger(post_txn, ctx, tmp_path / "witness")
    out = StringIO()
    call_command("verify", "--witness", str(built["witness"]), "--since-checkpoint", stdout=out)
    assert out.getvalue().startswith("full verify: no verified checkpoint is recorded yet (verify-state.json)")
    assert json.loads(state.read_text())["size"] == 12  # recorded by the sound run
    out = StringIO()
    call_command("verify", "--witness", str(built["witness"]), "--since-checkpoint", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["ok"], result["mode"], result["since"], result["entries_checked"], result["entries"]) == \
           (True, "incremental", 12, 0, 12)
    assert "projections (the full verify replays the whole ledger to rebuild them)" in result["not_checked"]
    with pytest.raises(CommandError, match="--workers must be at least 1"):
        call_command("verify", "--workers", "0")
