"""Everything anchored (issue #9, findings 5–8): the access log, the workflow action log, the entries after the
last checkpoint, the checkpoints themselves, the witness folder and the stored files. Each case acts as someone
who holds the database and the files but not the keys, and `verify` names what was done, with the row or file.

The world is built once for the module, inside a transaction left open (tests/conftest.py outer_transaction):
two checkpoints (each anchoring both logs), posted documents and a collection file, a transaction still open with
a scan attached. Each case runs in a savepoint rolled back after it (pytest-django's `db`); files on disk are put
back by the `disk` fixture.
"""

import json
import shutil

import pytest
from django.db import connection

from sirecords.core.identifiers import make_uscc
from sirecords.ledger import merkle, triggers
from sirecords.ledger.append import HeadForged, read_head_state
from sirecords.ledger.chained_log import record_hash
from sirecords.ledger.checkpoints import LedgerBroken, create_checkpoint, witness_file
from sirecords.ledger.entry_hash import GENESIS_PREV_HASH, entry_digest
from sirecords.ledger.models import Checkpoint, Entry
from sirecords.ledger.reading import entry_rows
from sirecords.ledger.verify import verify
from sirecords.records.access_log import record_access
from sirecords.records.models import ACCESS_LOG
from sirecords.workflow.models import ACTION_LOG, Action, Attachment

from ..conftest import outer_transaction, post_entries, staff_factory, test_context
from .test_verify_tamper import findings, run_sql


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with outer_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            yield _build(tmp_path_factory.mktemp("anchored") / "witness")


def _build(witness):
    from sirecords.contributions.models import ContributionBatch
    from sirecords.demo.documents import scan
    from sirecords.demo.sample_contributions import post_sample_batch
    from sirecords.users.actors import actor_for
    from sirecords.workflow.services import attach, open_transaction

    post_sample_batch(staff_factory())  # a person and an employer registered with scans; a collection file posted
    for n in (1, 2):
        record_access("query.a", f"person:p{n}", "person.detail", "web", "counter enquiry")
    first = create_checkpoint(test_context(), witness).checkpoint
    actions_at_first = ACTION_LOG.read_head()[0]
    clerk = actor_for("sample.clerk")
    pending = open_transaction(clerk, "register_employer", {"uscc": make_uscc("9", "1", "440300", "MA5T0501"),
                                                            "name": "待审公司", "region": "440305"},
                               region="440300", reason="pending", channel="counter")
    attach(clerk, pending, "business_licence", scan("pending licence"), "licence.pdf")
    post_entries("register_employer", {"uscc": make_uscc("9", "1", "440300", "MA5T0502"), "name": "另一公司",
                                       "region": "440305"})
    record_access("query.a", "person:p3", "person.detail", "web", "counter enquiry")
    access_head_at_3 = ACCESS_LOG.read_head()
    record_access("query.a", "person:p4", "person.detail", "web", "counter enquiry")
    access_head_at_4 = ACCESS_LOG.read_head()
    second = create_checkpoint(test_context(), witness).checkpoint
    posted = Attachment.objects.filter(txn__state="posted").order_by("id").first()
    return {
        "witness": witness, "first": first.size, "second": second.size, "actions_at_first": actions_at_first,
        "actions": ACTION_LOG.read_head()[0], "access_head_at_3": access_head_at_3,
        "access_head_at_4": access_head_at_4,
        "document": posted.sha256, "document_txn": posted.txn_id,
        "document_entry": Entry.objects.get(kind="transaction.posted", subject=f"txn:{posted.txn_id}").seq,
        "pending": pending.uid, "pending_attachment": pending.attachments.get(),
        "batch": ContributionBatch.objects.get(),
    }


@pytest.fixture
def tampered(world, db):
    """The world, in this case's own savepoint (rolled back after it by `db`)."""
    return world


@pytest.fixture
def disk():
    """disk(path) keeps the file or folder as it is and puts it back after the case."""
    kept = []

    def keep(path):
        backup = path.with_name(path.name + ".kept")
        if path.is_dir():
            shutil.copytree(path, backup)
        else:
            shutil.copy2(path, backup)
        kept.append((path, backup))
        return path

    yield keep
    for path, backup in reversed(kept):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        backup.rename(path)


def not_triggers(report):
    return sorted(f"[{f.check}] {f.where}: {f.message}" for f in report.findings if f.check != "triggers")


def rechain(log, start):
    """As an attacker without the key: recompute every hash of `log` from record `start` on, and fix its head
    (size and last hash; the signature cannot be made)."""
    prev = GENESIS_PREV_HASH if start == 1 else next(log.rows(after=start - 2, up_to=start - 1))[-1]
    size = start - 1
    for row in list(log.rows(after=start - 1)):
        size, digest = row[0], record_hash(log.version, row[0], row[1:-2], prev)
        run_sql(f"UPDATE {log.name} SET prev_hash = %s, hash = %s WHERE {log.seq} = %s", params=[prev, digest, row[0]])
        prev = digest
    run_sql("UPDATE ledger_log_head SET size = %s, last_hash = %s WHERE name = %s", params=[size, prev, log.name])


def test_the_world_verifies(tampered):
    report, found = findings(tampered["witness"])
    assert found == [] and report.checkpoints == 2 and report.witness_copies == 2
    assert report.log_records == {"audit_access_event": 4, "workflow_action": tampered["actions"]}


# --- finding 5: the access log, and the action log likewise ---


def test_access_log_rewrite_with_recomputed_chain_and_fixed_head(tampered):
    triggers.drop(connection, ("audit_access_event",))
    run_sql("DELETE FROM audit_access_event WHERE seq = 2")
    for seq in (3, 4):
        run_sql("UPDATE audit_access_event SET seq = %s WHERE seq = %s", params=[seq - 1, seq])
    rechain(ACCESS_LOG, 2)
    report = verify(tampered["witness"])
    first, second = tampered["first"], tampered["second"]
    assert not_triggers(report) == [
        f"[log] audit_access_event seq=2: its hash differs from the one checkpoint size={first} anchors for #2: "
        "access records #1–#2 were rewritten or removed since",
        f"[log] audit_access_event seq=3: checkpoint size={second} anchors 4 access records; the log holds only 3: "
        "access records #4–#4 were removed",
        "[log] ledger_log_head name=audit_access_event: its signature does not verify: the head was written without "
        "the instance's key",
    ]


def test_access_log_rewrite_is_named_by_the_witness_copies_when_the_checkpoints_are_gone_too(tampered):
    triggers.drop(connection, ("audit_access_event", "ledger_checkpoint"))
    run_sql("UPDATE audit_access_event SET purpose = 'nothing to see' WHERE seq = 3")
    rechain(ACCESS_LOG, 3)
    run_sql("DELETE FROM ledger_checkpoint")
    found = not_triggers(verify(tampered["witness"]))
    assert (f"[log] audit_access_event seq=4: its hash differs from the one witness copy checkpoint-{tampered['second']:012d}.txt "
            "anchors for #4: access records #3–#4 were rewritten or removed since") in found


def test_access_records_removed_by_restoring_an_older_signed_head_are_named(tampered):
    triggers.drop(connection, ("audit_access_event",))
    run_sql("DELETE FROM audit_access_event WHERE seq = 4")
    size, last_hash, signature = tampered["access_head_at_3"]
    run_sql("UPDATE ledger_log_head SET size = %s, last_hash = %s, signature = %s WHERE name = 'audit_access_event'",
            params=[size, last_hash, signature])
    assert not_triggers(verify(tampered["witness"])) == [
        f"[log] audit_access_event seq=3: checkpoint size={tampered['second']} anchors 4 access records; the log holds "
        "only 3: access records #4–#4 were removed"]


def test_an_append_on_a_forged_access_log_head_is_refused(tampered):
    run_sql("UPDATE ledger_log_head SET size = 3 WHERE name = 'audit_access_event'")
    with pytest.raises(RuntimeError, match="audit_access_event .* does not carry a valid signature"):
        record_access("query.a", "person:p5", "person.detail", "web", "counter enquiry")


def test_action_log_rewrite_with_recomputed_chain_and_fixed_head(tampered):
    triggers.drop(connection, ("workflow_action",))
    changed = Action.objects.filter(id__lte=tampered["actions_at_first"], kind="approve").order_by("id").last().id
    run_sql("UPDATE workflow_action SET opinion = 'waved through' WHERE id = %s", params=[changed])
    rechain(ACTION_LOG, changed)
    found = not_triggers(verify(tampered["witness"]))
    at_first = tampered["actions_at_first"]
    assert found == [
        "[log] ledger_log_head name=workflow_action: its signature does not verify: the head was written without the "
        "instance's key",
        f"[log] workflow_action id={at_first}: its hash differs from the one checkpoint size={tampered['first']} anchors "
        f"for #{at_first}: actions #1–#{at_first} were rewritten or removed since",
        "[log] workflow_action: 1 later anchor(s) of checkpoint copies differ as well",
    ]


def test_a_changed_action_is_named_by_its_row(tampered):
    triggers.drop(connection, ("workflow_action",))
    run_sql("UPDATE workflow_action SET actor = 'someone.else' WHERE id = 5")
    assert "[log] workflow_action id=5: its contents do not match its stored hash" in not_triggers(verify(tampered["witness"]))


# --- finding 6: entries after the last checkpoint ---


def _rewrite_entries_after(size):
    """Change the reason of entry #size+1 and recompute every hash after it, the head's last hash and frontier."""
    triggers.drop(connection, ("ledger_entry",))
    run_sql("UPDATE ledger_entry SET reason = 'forged' WHERE seq = %s", params=[size + 1])
    checkpoint = Checkpoint.objects.get(size=size)
    frontier = merkle.CompactRange(size, [bytes.fromhex(h) for h in json.loads(checkpoint.frontier)])
    prev = Entry.objects.get(seq=size).hash
    for row in list(entry_rows(after=size)):
        digest = entry_digest(*row[:9], prev, row[9])
        run_sql("UPDATE ledger_entry SET prev_hash = %s, hash = %s WHERE seq = %s", params=[prev, digest.hex(), row[0]])
        frontier.append(merkle.leaf_hash(digest))
        prev = digest.hex()
    run_sql("UPDATE ledger_head SET size = %s, last_hash = %s, frontier = %s WHERE id = 1",
            params=[frontier.size, prev, json.dumps([h.hex() for h in frontier.hashes])])
    return frontier.size


def test_ledger_rewrite_after_the_last_checkpoint_with_recomputed_hashes_and_fixed_head(tampered):
    second = tampered["second"]
    post_entries("register_employer", {"uscc": make_uscc("9", "1", "440300", "MA5T0503"), "name": "后来公司",
                                       "region": "440305"})
    size = _rewrite_entries_after(second)
    assert not_triggers(verify(tampered["witness"])) == [
        f"[head] ledger_head id=1: its signature does not verify: the head was written without the instance's key; "
        f"entries #{second + 1}–#{size}, written after the last checkpoint (size {second}), are covered by no valid signature"]


def test_the_next_checkpoint_and_posting_refuse_a_forged_head(tampered):
    post_entries("register_employer", {"uscc": make_uscc("9", "1", "440300", "MA5T0504"), "name": "后来公司",
                                       "region": "440305"})
    _rewrite_entries_after(tampered["second"])
    with pytest.raises(LedgerBroken, match="does not carry a valid signature of this instance"):
        create_checkpoint(test_context(), tampered["witness"])
    with pytest.raises(HeadForged):
        post_entries("register_employer", {"uscc": make_uscc("9", "1", "440300", "MA5T0505"), "name": "再后来公司",
                                           "region": "440305"})
    assert Checkpoint.objects.count() == 2


def test_the_checkpoint_command_refuses_a_forged_head_and_says_why(tampered):
    from django.core.management import CommandError, call_command

    post_entries("register_employer", {"uscc": make_uscc("9", "1", "440300", "MA5T0507"), "name": "后来公司",
                                       "region": "440305"})
    _rewrite_entries_after(tampered["second"])
    with pytest.raises(CommandError, match="does not carry a valid signature of this instance"):
        call_command("checkpoint", "--actor", "ops.test", "--reason", "test", "--witness", str(tampered["witness"]))


def test_a_checkpoint_is_not_made_on_top_of_a_changed_one(tampered):
    post_entries("register_employer", {"uscc": make_uscc("9", "1", "440300", "MA5T0506"), "name": "后来公司",
                                       "region": "440305"})
    triggers.drop(connection, ("ledger_checkpoint",))
    run_sql("UPDATE ledger_checkpoint SET actor = 'mallory' WHERE size = %s", params=[tampered["second"]])
    with pytest.raises(LedgerBroken, match=f"the latest checkpoint row \\(size {tampered['second']}\\) was changed"):
        create_checkpoint(test_context(), tampered["witness"])


def test_a_head_put_back_to_an_older_signed_state_is_named_by_the_checkpoints(tampered):
    second = tampered["second"]
    triggers.drop(connection, ("ledger_entry", "ledger_checkpoint"))
    head = Checkpoint.objects.get(size=tampered["first"])  # the head as it was signed at the first checkpoint:
    old = (head.size, Entry.objects.get(seq=head.size).hash, head.frontier, head.size)
    from sirecords.ledger.append import HeadState, sign_head  # Ed25519 is deterministic: the very signature it had

    frontier = merkle.CompactRange(old[0], [bytes.fromhex(h) for h in json.loads(old[2])])
    signature = sign_head(HeadState(old[0], old[1], frontier, old[3]))
    run_sql("DELETE FROM ledger_entry WHERE seq > %s", params=[old[0]])
    run_sql("UPDATE ledger_head SET size = %s, last_hash = %s, frontier = %s, checkpoint_size = %s, signature = %s",
            params=[*old, signature])
    found = not_triggers(verify(None))
    assert (f"[checkpoint] ledger_checkpoint size={second}: is newer than the latest checkpoint the signed head names "
            f"(size {tampered['first']}): the head was put back to an older signed state") in found
    assert (f"[checkpoint] ledger_checkpoint size={second}: covers {second} entries but the ledger has only "
            f"{tampered['first']}: entries were removed") in found


# --- finding 7: the witness folder and the checkpoint rows ---


def test_witness_folder_removed(tampered, disk):
    witness = disk(tampered["witness"])
    shutil.rmtree(witness)
    assert not_triggers(verify(witness)) == [
        f"[witness] {witness}: the witness folder is missing: nothing outside the database shows the ledger's history "
        "(SIRECORDS_WITNESS_DIR, else $SIRECORDS_HOME/witness)"]


def test_witness_folder_older_than_the_database(tampered, disk):
    witness = disk(tampered["witness"])
    witness_file(witness, tampered["second"]).unlink()
    assert not_triggers(verify(witness)) == [
        f"[witness] {witness}: its newest checkpoint copy is at size {tampered['first']}, the database's latest "
        f"checkpoint at size {tampered['second']}: the folder is stale or was replaced, or copies were removed"]


def test_checkpoint_rows_deleted(tampered):
    triggers.drop(connection, ("ledger_checkpoint",))
    run_sql("DELETE FROM ledger_checkpoint")
    report = verify(None)  # even with no witness folder to compare with
    assert report.checkpoints == 0 and not report.ok
    assert not_triggers(report) == [
        f"[checkpoint] ledger_checkpoint size={tampered['second']}: the signed head names it as the latest checkpoint, "
        "but it is not stored: checkpoint rows were deleted"]
    with pytest.raises(LedgerBroken, match="none is stored"):
        create_checkpoint(test_context(), tampered["witness"])


# --- finding 8: stored files ---


def test_a_document_file_deleted(tampered, disk):
    from sirecords.workflow import documents

    path = disk(documents._store.path(tampered["document"]))
    path.unlink()
    assert not_triggers(verify(tampered["witness"])) == [
        f"[files] {documents.where(tampered['document'])}: the document of txn:{tampered['document_txn']} "
        f"(entry #{tampered['document_entry']}) is missing"]


def test_a_document_file_changed(tampered, disk):
    from sirecords.workflow import documents

    path = disk(documents._store.path(tampered["document"]))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    found = not_triggers(verify(tampered["witness"]))
    assert found == [f"[files] {documents.where(tampered['document'])}: the document of txn:{tampered['document_txn']} "
                     f"(entry #{tampered['document_entry']}) cannot be read or does not open: sealed value for "
                     f"attachment:{tampered['document']} does not open: it was changed or moved"]


def test_a_scan_of_a_transaction_not_yet_posted_deleted(tampered, disk):
    from sirecords.workflow import documents

    attachment = tampered["pending_attachment"]
    disk(documents._store.path(attachment.sha256)).unlink()
    assert not_triggers(verify(tampered["witness"])) == [
        f"[files] {documents.where(attachment.sha256)}: the document attached to txn:{tampered['pending']} "
        f"(workflow_attachment pk={attachment.pk}) is missing"]


@pytest.mark.parametrize("how", ["deleted", "changed"])
def test_a_collection_file_deleted_or_changed(tampered, disk, how):
    from sirecords.contributions import filestore

    batch = tampered["batch"]
    path = disk(filestore._store.path(batch.file_sha256))
    if how == "deleted":
        path.unlink()
    else:
        data = path.read_bytes()  # flip a bit of the last byte: writing a fixed byte changed nothing 1 run in 256
        path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    found = not_triggers(verify(tampered["witness"]))
    problem = "is missing" if how == "deleted" else "cannot be read or does not open"
    assert len(found) == 1 and found[0].startswith(
        f"[files] {filestore.where(batch.file_sha256)}: the collection file of contribution batch {batch.uid} {problem}")


# --- reads after the last posting ---


def test_reads_after_the_last_posting_are_anchored_in_a_witness_only_note(tampered, disk):
    witness = disk(tampered["witness"])
    record_access("query.a", "person:p5", "person.detail", "web", "counter enquiry")
    signed = create_checkpoint(test_context(), witness)
    assert not signed.created and signed.checkpoint.size == tampered["second"]
    assert signed.witness_copy.name.startswith(f"checkpoint-{tampered['second']:012d}-") and signed.witness_copy.exists()
    assert verify(witness).ok
    triggers.drop(connection, ("audit_access_event",))
    run_sql("DELETE FROM audit_access_event WHERE seq = 5")
    size, last_hash, signature = tampered["access_head_at_4"]  # the signed head as the attacker copied it then
    run_sql("UPDATE ledger_log_head SET size = %s, last_hash = %s, signature = %s WHERE name = 'audit_access_event'",
            params=[size, last_hash, signature])
    assert not_triggers(verify(witness)) == [
        f"[log] audit_access_event seq=4: witness copy {signed.witness_copy.name} anchors 5 access records; the log "
        "holds only 4: access records #5–#5 were removed"]


def test_the_signed_head_names_the_latest_checkpoint(tampered):
    head = read_head_state()
    assert head.checkpoint_size == tampered["second"] and head.signature_holds()
