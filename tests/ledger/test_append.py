import hashlib
import json

import pytest
from django.db import DatabaseError, connection, transaction

from sirecords.ledger import merkle
from sirecords.ledger.append import NewEntry, append, append_bulk, read_head
from sirecords.ledger.context import MissingContext, WriteContext
from sirecords.ledger.entry_hash import GENESIS_PREV_HASH, preimage
from sirecords.ledger.models import Entry

pytestmark = pytest.mark.django_db


def entries(n, start=0):
    return [NewEntry("test.noted", f"thing:{i}", {"i": i, "amount_fen": i * 100}) for i in range(start, start + n)]


def test_entries_get_gapless_seq_and_a_linked_hash_chain(ctx):
    posted = append(ctx, entries(3)) + append(ctx, entries(2, 3))
    assert [e.seq for e in posted] == [1, 2, 3, 4, 5]
    assert posted[0].prev_hash == GENESIS_PREV_HASH
    for before, after in zip(posted, posted[1:]):
        assert after.prev_hash == before.hash
    stored = Entry.objects.get(seq=4)
    expected = hashlib.sha256(preimage(4, "test.noted", "thing:3", ctx.txn, ctx.actor, ctx.reason, ctx.channel,
                                       stored.recorded_at, "", posted[2].hash, stored.payload)).hexdigest()
    assert stored.hash == expected
    assert json.loads(stored.payload) == {"amount_fen": 300, "i": 3}
    assert stored.actor == "clerk.test" and stored.reason == "test registration"


def test_head_tracks_size_and_merkle_frontier(ctx):
    posted = append(ctx, entries(7))
    size, last_hash, frontier = read_head()
    assert (size, last_hash) == (7, posted[-1].hash)
    _, expected_root = merkle.root_of(merkle.leaf_hash(bytes.fromhex(e.hash)) for e in posted)
    assert merkle.CompactRange(size, [bytes.fromhex(h) for h in frontier]).root() == expected_root


def test_bulk_append_writes_thousands_in_one_transaction(ctx):
    assert append_bulk(ctx, entries(5000), batch_size=1000) == 5000
    assert Entry.objects.count() == 5000
    assert read_head()[0] == 5000
    assert list(Entry.objects.order_by("seq").values_list("seq", flat=True)[4995:]) == [4996, 4997, 4998, 4999, 5000]


@pytest.mark.parametrize(
    "actor, reason, channel, message",
    [
        ("", "why", "cli", "needs an actor"),
        ("   ", "why", "cli", "needs an actor"),
        ("someone", "", "cli", "needs a reason"),
        ("someone", None, "web", "needs a reason"),
        ("someone", "why", "backdoor", "unknown channel"),
    ],
)
def test_a_write_without_actor_and_reason_is_refused(actor, reason, channel, message):
    with pytest.raises(MissingContext, match=message):
        WriteContext(actor=actor, reason=reason, channel=channel)


def test_append_refuses_anything_but_a_write_context():
    with pytest.raises(MissingContext):
        append({"actor": "x", "reason": "y"}, entries(1))
    assert Entry.objects.count() == 0


def test_a_failure_mid_append_leaves_nothing(ctx):
    bad = entries(2) + [NewEntry("test.noted", "thing:x", {"amount": 1.5})]
    with pytest.raises(TypeError):
        append(ctx, bad)
    assert Entry.objects.count() == 0
    assert read_head()[0] == 0


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entry SET reason = 'changed' WHERE seq = 1",
    "DELETE FROM ledger_entry WHERE seq = 1",
])
def test_database_refuses_update_and_delete_of_entries(ctx, statement):
    append(ctx, entries(2))
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert Entry.objects.get(seq=1).reason == ctx.reason


def test_database_refuses_truncate_on_postgresql(ctx):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    append(ctx, entries(1))
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE ledger_entry")
