"""A checkpoint with every posting (SIRECORDS_AUTO_CHECKPOINT_SECONDS, docs/ledger.md), signed in the posting's own
transaction and copied to the witness folder when it commits: removing the latest entries by rolling the head back
to an older signed state is then named by the witness copies.

The test database never commits; `django_capture_on_commit_callbacks(execute=True)` runs what a commit would."""

import logging

import pytest
from django.db import connection

from sirecords.core.identifiers import make_uscc
from sirecords.ledger import checkpoints, triggers
from sirecords.ledger.checkpoints import witness_file
from sirecords.ledger.models import Checkpoint, Head
from sirecords.ledger.verify import verify
from sirecords.records.access_log import record_access

pytestmark = pytest.mark.django_db


@pytest.fixture
def witness(tmp_path, monkeypatch, settings):
    settings.SIRECORDS_AUTO_CHECKPOINT_SECONDS = 0
    folder = tmp_path / "witness"
    monkeypatch.setenv("SIRECORDS_WITNESS_DIR", str(folder))
    return folder


def register(post_txn, n):
    return post_txn("register_employer", {"uscc": make_uscc("9", "1", "440300", f"MA5T06{n:02d}"), "name": f"公司{n}",
                                          "region": "440305"})


def committed(capture, post_txn, n):
    with capture(execute=True):
        return register(post_txn, n)


def test_each_posting_is_checkpointed_in_its_transaction_without_rereading_its_entries(
        witness, post_txn, monkeypatch, django_capture_on_commit_callbacks):
    def reread(*args, **kwargs):
        raise AssertionError("the entries just appended were read again")

    monkeypatch.setattr(checkpoints, "entry_rows", reread)
    for n in range(3):
        record_access("query.a", f"person:p{n}", "person.detail", "web", "counter enquiry")
        with django_capture_on_commit_callbacks() as copies:
            posted = register(post_txn, n)
        last = Checkpoint.objects.order_by("-size").first()
        assert last.size == posted[-1].seq and f"sirecords-log audit_access_event {n + 1} " in last.note
        assert not witness_file(witness, last.size).exists() and len(copies) == 1  # copied when it commits
        copies[0]()
        assert witness_file(witness, last.size).read_text(encoding="utf-8") == last.note
    assert Head.objects.get().checkpoint_size == posted[-1].seq
    monkeypatch.undo()
    report = verify(witness)
    assert report.ok and report.checkpoints == 3 and report.witness_copies == 3


def test_a_checkpoint_at_most_every_n_seconds_or_none(witness, post_txn, settings, django_capture_on_commit_callbacks):
    settings.SIRECORDS_AUTO_CHECKPOINT_SECONDS = 3600
    committed(django_capture_on_commit_callbacks, post_txn, 1)
    committed(django_capture_on_commit_callbacks, post_txn, 2)
    assert Checkpoint.objects.count() == 1
    settings.SIRECORDS_AUTO_CHECKPOINT_SECONDS = None
    with django_capture_on_commit_callbacks() as callbacks:
        register(post_txn, 3)
    assert callbacks == [] and Checkpoint.objects.count() == 1


def test_rolling_the_head_back_to_an_older_signed_state_is_named_by_the_witness(witness, post_txn,
                                                                               django_capture_on_commit_callbacks):
    kept = committed(django_capture_on_commit_callbacks, post_txn, 1)[-1].seq
    old_head = Head.objects.values_list("size", "last_hash", "frontier", "checkpoint_size", "signature").get()
    removed = committed(django_capture_on_commit_callbacks, post_txn, 2)[-1].seq
    # The attacker removes the second posting's entries, checkpoint and projection row, and puts the signed head
    # back as it was (a copy of the head row taken before): in the database everything agrees again.
    triggers.drop(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_entry WHERE seq > %s", [kept])
        cursor.execute("DELETE FROM ledger_checkpoint WHERE size > %s", [kept])
        cursor.execute("DELETE FROM registry_employer WHERE name = '公司2'")
        cursor.execute("UPDATE ledger_head SET size = %s, last_hash = %s, frontier = %s, checkpoint_size = %s, "
                       "signature = %s", list(old_head))
    assert [f for f in verify(None).findings if f.check != "triggers"] == []  # the database alone cannot tell
    found = [f"[{f.check}] {f.where}: {f.message}" for f in verify(witness).findings if f.check != "triggers"]
    name = witness_file(witness, removed).name
    assert found == [f"[witness] {name}: witnessed size {removed} exceeds the ledger's {kept} entries: entries were removed",
                     f"[witness] {name}: no stored checkpoint for witnessed size {removed}: a checkpoint was removed"]


def test_a_copy_that_cannot_be_written_leaves_the_posting_and_says_why(witness, post_txn, caplog,
                                                                       django_capture_on_commit_callbacks):
    witness.parent.mkdir(parents=True, exist_ok=True)
    witness.write_text("not a folder")  # the share is not mounted as a folder
    with caplog.at_level(logging.ERROR, logger="sirecords.security"):
        posted = committed(django_capture_on_commit_callbacks, post_txn, 1)
    assert Checkpoint.objects.filter(size=posted[-1].seq).exists()  # signed and stored; only the copy failed
    assert any("not copied to the witness folder" in record.getMessage() for record in caplog.records)


def test_a_log_that_does_not_check_leaves_the_posting_without_a_checkpoint(witness, post_txn, caplog):
    record_access("query.a", "person:p1", "person.detail", "web", "counter enquiry")
    triggers.drop(connection, ("audit_access_event",))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_access_event SET purpose = 'changed' WHERE seq = 1")
    with caplog.at_level(logging.ERROR, logger="sirecords.security"):
        posted = register(post_txn, 1)
    assert posted and not Checkpoint.objects.exists()
    assert any("audit_access_event seq=1: its contents do not match its stored hash" in record.getMessage()
               for record in caplog.records)


def test_a_process_killed_between_the_commit_and_the_copy_is_healed_by_sirecords_checkpoint(
        witness, post_txn, django_capture_on_commit_callbacks):
    """bench/crash.py: a posting committed, its process killed (SIGKILL) before the on-commit copy; verify names the
    folder behind, and `sirecords checkpoint` (the operator's step after a crash, the checkpoint timer's run) copies
    the latest checkpoint's note, after which verify passes."""
    import io

    from django.core.management import call_command

    committed(django_capture_on_commit_callbacks, post_txn, 1)
    with django_capture_on_commit_callbacks() as copies:  # committed; the process dies before running these
        posted = register(post_txn, 2)
    assert len(copies) == 1 and not witness_file(witness, posted[-1].seq).exists()
    behind = [(f.check, f.message) for f in verify(witness).findings]
    assert behind == [("witness", f"its newest checkpoint copy is at size {posted[0].seq - 1}, the database's latest "
                                  f"checkpoint at size {posted[-1].seq}: the folder is stale or was replaced, or copies "
                                  "were removed")]
    out = io.StringIO()
    call_command("checkpoint", "--actor", "ops.admin", "--reason", "after a crash", stdout=out)
    assert f"unchanged since the last checkpoint: size {posted[-1].seq}" in out.getvalue()
    assert witness_file(witness, posted[-1].seq).read_text(encoding="utf-8") == Checkpoint.objects.get(size=posted[-1].seq).note
    assert verify(witness).ok
